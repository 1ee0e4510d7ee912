"""Hypotheses register themselves: every module in this package is imported."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Sequence

from .base import REGISTRY, REQUIRED_METADATA, Hypothesis, get, register

for _mod in pkgutil.iter_modules(__path__):
    if _mod.name != "base":
        importlib.import_module(f"{__name__}.{_mod.name}")

#: Registry ids in the fixed order of docs/design.md.
ORDER = (
    "controlled_leaks",
    "hidden_patrons",
    "leader_gated_mediation",
    "false_intelligence",
    "nuclear_leak",
    "long_range_storm",
    "ballistic_pretext",
)


class _Ids(Sequence[str]):
    """The registered ids in display order, read live from the registry.

    Live, so a hypothesis registered later (a plug-in, or a test's throw-away
    one) appears everywhere the ids are listed.
    """

    def _ids(self) -> tuple[str, ...]:
        return tuple(h for h in ORDER if h in REGISTRY) + tuple(sorted(h for h in REGISTRY if h not in ORDER))

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self._ids()[i]

    def __len__(self) -> int:
        return len(REGISTRY)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids())

    def __repr__(self) -> str:
        return repr(self._ids())


IDS: Sequence[str] = _Ids()

__all__ = ["IDS", "REGISTRY", "REQUIRED_METADATA", "Hypothesis", "get", "register"]

#: What the project knows of the source article. Its copy of the text carries no byline, so
#: the title and author are not stated rather than guessed; the date follows from the text
#: (it calls the death of the Wagner leader, August 2023, "last year").
ARTICLE: dict[str, str] = {
    "title": "an opinion article on intercepted calls, hidden factions and a new 'perfect storm' in Russia",
    "author": "not recorded in the project's copy",
    "date": "2024",
    "publication": "not recorded in the project's copy",
    "cited_by": "section heading (each hypothesis names the section it paraphrases)",
}

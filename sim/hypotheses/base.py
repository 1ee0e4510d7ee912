"""The hypothesis plug-in contract and its registry (DESIGN.md, decision 5).

A hypothesis is a small class with a ``metadata`` dict and declared ``params``.
It is always instantiated: switched off, it runs its *null version*, in which
the same actors act on their plain interests. The model calls the hooks each
class defines; the class decides between the claim and the null version.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import UsageError, choices_hint
from ..params import Param

REGISTRY: dict[str, type[Hypothesis]] = {}

#: Metadata every hypothesis must declare.
REQUIRED_METADATA = ("id", "title", "claim", "section", "status", "mechanism", "null", "probe")


def register(cls: type[Hypothesis]) -> type[Hypothesis]:
    """Class decorator: add a hypothesis to the registry under its id."""
    hid = cls.metadata["id"]
    if hid in REGISTRY and REGISTRY[hid] is not cls:
        raise ValueError(f"hypothesis id {hid!r} registered twice")
    REGISTRY[hid] = cls
    return cls


def get(hid: str) -> type[Hypothesis]:
    """The class registered under ``hid``, or a UsageError listing valid ids."""
    try:
        return REGISTRY[hid]
    except KeyError:
        raise UsageError(f"unknown hypothesis {hid!r}{choices_hint(hid, REGISTRY)}") from None


class Hypothesis:
    """Base class: metadata, declared parameters, on/off switch.

    ``metadata`` keys: id, title, claim (paraphrase), section (article heading),
    status (always ``speculative``), mechanism (what it changes), null (what
    happens when it is off), probe (a scenario file where switching it matters).
    """

    metadata: ClassVar[dict[str, str]] = {}
    params: ClassVar[dict[str, Param]] = {}

    def __init__(self, on: bool = False, **values: Any) -> None:
        self.on = bool(on)
        self.values: dict[str, float] = {}
        for name, spec in self.params.items():
            key = f"hypotheses.{self.metadata['id']}.{name}"
            self.values[name] = spec.check(key, values.pop(name, spec.default))
        if values:
            name = next(iter(values))
            raise ValueError(
                f"hypotheses.{self.metadata['id']}: unknown parameter {name!r}"
                f"{choices_hint(name, self.params)}"
            )

    def __getattr__(self, name: str) -> float:
        # Parameters read as attributes (self.covert_help) keep hooks short.
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def clone(self) -> Hypothesis:
        """A fresh instance with the same switch and parameter values."""
        return type(self)(on=self.on, **self.values)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.on == self.on  # type: ignore[attr-defined]
            and other.values == self.values  # type: ignore[attr-defined]
        )

    def __repr__(self) -> str:
        state = "on" if self.on else "null"
        return f"<{self.metadata['id']} {state} {self.values}>"

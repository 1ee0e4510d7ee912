"""Errors raised by the engine.

The CLI maps :class:`ScenarioError` to exit status 1 (bad content) and
:class:`UsageError` to exit status 2 (bad options), each as one line.
Library messages name scenario keys, never command-line flags: an
:class:`OverrideError` says which argument of ``Scenario.with_overrides`` was
wrong, and the CLI puts the matching flag in front.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class StormError(Exception):
    """Base class for every error the engine reports to a user."""


class ScenarioError(StormError):
    """A scenario file or its content is wrong (exit status 1)."""


class UsageError(StormError):
    """An option or name given by the user is wrong (exit status 2)."""


class OverrideError(UsageError):
    """A bad override of a scenario; ``argument`` names the ``with_overrides`` argument.

    ``argument`` is one of ``overrides``, ``on``, ``off``, ``interventions``; the
    message names the key or the id and never a command-line flag.
    """

    def __init__(self, message: str, argument: str = "overrides") -> None:
        super().__init__(message)
        self.argument = argument


def choices_hint(name: str, valid: Iterable[str]) -> str:
    """Return ' (did you mean X?) valid: a, b, c' for an unknown ``name``."""
    valid = sorted(valid)
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{hint}; valid: {', '.join(valid)}"

"""The label every artefact carries (DESIGN.md, decision 7)."""

from __future__ import annotations

from collections.abc import Iterable

BANNER = "SPECULATIVE SCENARIO — NOT A FORECAST"


def hypotheses_line(on: Iterable[str]) -> str:
    """One line naming the hypotheses that were switched on."""
    on = list(on)
    return "Hypotheses on: " + (", ".join(on) if on else "none (null versions only)")


def label(on: Iterable[str]) -> str:
    """The banner and the hypotheses line, as two lines."""
    return f"{BANNER}\n{hypotheses_line(on)}"

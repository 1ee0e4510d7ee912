"""The label every artefact carries (docs/design.md, decision 7)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

BANNER = "SPECULATIVE SCENARIO — NOT A FORECAST"


def hypotheses_line(on: Iterable[str], drawn: Iterable[str] = ()) -> str:
    """One line naming the hypotheses that were switched on (and those drawn per replicate)."""
    on, drawn = list(on), list(drawn)
    if drawn:
        fixed = ", ".join(on) if on else "none fixed"
        return f"Hypotheses on: {fixed}; drawn per replicate (on in some replicates): {', '.join(drawn)}"
    return "Hypotheses on: " + (", ".join(on) if on else "none (null versions only)")


def label(on: Iterable[str], drawn: Iterable[str] = ()) -> str:
    """The banner and the hypotheses line, as two lines."""
    return f"{BANNER}\n{hypotheses_line(on, drawn)}"


def uncertainty_line(uncertain: dict[str, Any], replicates_per_draw: int) -> str | None:
    """One line saying which parameters were drawn per replicate, or None when none were."""
    keys = [k for k in uncertain if k not in ("posterior", "replicates_per_draw")]
    if not keys and "posterior" not in uncertain:
        return None
    switches = [k.split(".")[1] for k in keys if k.endswith(".on")]
    parts = [f"{len(keys) - len(switches)} parameters"] if len(keys) > len(switches) else []
    if switches:
        parts.append(f"hypothesis switches ({', '.join(switches)})")
    if "posterior" in uncertain:
        parts.append(f"every calibrated parameter and switch from the posterior in {uncertain['posterior']}")
    return (
        "Parameters uncertain: "
        + ", ".join(parts)
        + f" drawn per replicate ({replicates_per_draw} replicates per draw); "
        + "results average over the guesses"
    )

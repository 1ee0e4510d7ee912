"""The figures a batch summary reports beside the outcome table.

- the historical anchor of a mutiny: how it ended, the closest approach and the
  duration of the mediated halts (the figures the README's historical anchor quotes);
- the figure the scenario's ``question`` asks about, named by its ``answer`` key.

Each is computed from the per-replicate results, so the same function serves a
``simulate`` frame and a batch's ``outcomes.parquet``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..answers import ANSWERS
from ..outputs import MUTINY_ENDS

#: The result columns the figures read (a batch reads only these back).
ANCHOR_COLUMNS = (
    "outcome",
    "mutiny_end",
    "closest_km_to_moscow",
    "mutiny_hours",
    "leader_elite_support",
    "regime_control",
)


def anchor_figures(df: pd.DataFrame, answer: str | None = None) -> dict[str, Any]:
    """The mutiny's anchor figures (when a mutiny happened) and the question's figure."""
    out: dict[str, Any] = {}
    ends = df["mutiny_end"].astype(str)
    mutinied = ends != "none"
    if mutinied.any():
        shares = ends[mutinied].value_counts(normalize=True)
        out["mutiny_end_share"] = {e: float(shares.get(e, 0.0)) for e in MUTINY_ENDS[1:]}
        halted = df[ends == "mediated_halt"]
        if len(halted):
            km = halted["closest_km_to_moscow"].to_numpy(dtype=float)
            hours = halted["mutiny_hours"].to_numpy(dtype=float)
            out["mediated_halt_closest_km"] = _quartiles(km)
            out["mediated_halt_hours"] = _quartiles(hours)
    if answer:
        a = ANSWERS[answer]
        out["question_figure"] = {"name": a.name, "label": a.label, "value": a.compute(df)}
    return out


def _quartiles(x: np.ndarray) -> dict[str, float]:
    q = np.nanquantile(x, [0.25, 0.5, 0.75])
    return {"q25": float(q[0]), "median": float(q[1]), "q75": float(q[2])}


def format_anchor_figures(figs: dict[str, Any]) -> list[str]:
    """Terminal lines for :func:`anchor_figures`."""
    lines = []
    if "mutiny_end_share" in figs:
        shares = ", ".join(f"{k} {v:.1%}" for k, v in figs["mutiny_end_share"].items())
        lines.append(f"  mutiny ended: {shares}")
    if "mediated_halt_closest_km" in figs:
        km, h = figs["mediated_halt_closest_km"], figs["mediated_halt_hours"]
        lines.append(
            f"  mediated halts: closest approach median {km['median']:.0f} km "
            f"(quartiles {km['q25']:.0f}-{km['q75']:.0f}); duration median {h['median']:.1f} h "
            f"({h['q25']:.1f}-{h['q75']:.1f})"
        )
    if "question_figure" in figs:
        q = figs["question_figure"]
        value = f"{q['value']:.1%}" if "share" in q["label"] else f"{q['value']:.3f}"
        lines.append(f"  the question's figure: {q['label']}: {value}")
    return lines

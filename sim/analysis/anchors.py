"""The figures a batch summary reports beside the outcome table.

- the historical anchor of a mutiny: how it ended, the closest approach and the
  duration of the mediated halts (the figures the README's historical anchor quotes);
- the figure the scenario's ``question`` asks about, named by its ``answer`` key.

Each is computed from the per-replicate results, so the same function serves a
``simulate`` frame and a batch's ``outcomes.parquet``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..outputs import IN_POWER, MUTINY_ENDS

#: The result columns the figures read (a batch reads only these back).
ANCHOR_COLUMNS = (
    "outcome",
    "mutiny_end",
    "closest_km_to_moscow",
    "mutiny_hours",
    "leader_elite_support",
    "regime_control",
)


@dataclass(frozen=True)
class Answer:
    """A figure a scenario's question asks about."""

    name: str
    label: str
    compute: Callable[[pd.DataFrame], float]


def _documented_course(df: pd.DataFrame) -> float:
    halted = df["mutiny_end"].astype(str) == "mediated_halt"
    km = df["closest_km_to_moscow"].between(150, 300)
    hours = df["mutiny_hours"].between(16, 36)
    return float((halted & km & hours).mean())


ANSWERS: dict[str, Answer] = {
    a.name: a
    for a in (
        Answer(
            "leader_removed",
            "share of replicates in which the leader is removed",
            lambda df: float((~df["outcome"].astype(str).isin(IN_POWER)).mean()),
        ),
        Answer(
            "documented_course",
            "share of replicates on the documented course (mediated halt 150-300 km out within 16-36 h)",
            _documented_course,
        ),
        Answer(
            "martial_law_or_capture",
            "share ending in martial law or the column taking Moscow",
            lambda df: float(df["outcome"].astype(str).isin(["martial_law", "rebel_capture"]).mean()),
        ),
        Answer(
            "elite_support",
            "mean elite support at the end",
            lambda df: float(df["leader_elite_support"].mean()),
        ),
        Answer(
            "regime_control",
            "mean regime control at the end",
            lambda df: float(df["regime_control"].mean()),
        ),
    )
}


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

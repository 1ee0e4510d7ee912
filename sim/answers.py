"""The figures a scenario's ``question`` can ask about, by name (the scenario's ``answer`` key).

Kept apart from the analysis modules, and free of heavy imports, because the
scenario loader validates ``answer`` against these names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .outputs import IN_POWER

if TYPE_CHECKING:
    import pandas as pd


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

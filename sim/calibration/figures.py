"""Named figures: what a pattern can be computed from.

A figure turns the per-replicate result columns into one value per replicate:
a number, a time (datetime64, NaT when the event did not happen) or a
category. Each result column is a figure by itself; derived figures combine
columns. :func:`register` adds one, so a new result column or a new way of
reading the results plugs in without touching the pattern code.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

KINDS = ("number", "time", "category")


@dataclass(frozen=True)
class Figure:
    """A named per-replicate value computed from result columns."""

    name: str
    kind: str
    columns: tuple[str, ...]
    compute: Callable[[pd.DataFrame], np.ndarray]
    unit: str = ""
    description: str = ""
    categories: tuple[str, ...] | None = None


FIGURES: dict[str, Figure] = {}


def register(fig: Figure) -> Figure:
    """Add a named figure (a later registration of the same name replaces it)."""
    if fig.kind not in KINDS:
        raise ValueError(f"figure {fig.name!r}: kind must be one of {', '.join(KINDS)}, got {fig.kind!r}")
    FIGURES[fig.name] = fig
    return fig


def column(
    name: str, kind: str, unit: str = "", description: str = "", categories: tuple[str, ...] | None = None
) -> Figure:
    """A figure that is one result column as it is."""

    def compute(df: pd.DataFrame) -> np.ndarray:
        values = df[name]
        if kind == "time":
            return np.asarray(pd.to_datetime(values), dtype="datetime64[s]")
        if kind == "category":
            return np.asarray(values.astype(object))
        return np.asarray(values, dtype=float)

    return register(Figure(name, kind, (name,), compute, unit, description, categories))


def _from_outputs() -> None:
    """A figure for every column the engine declares (sim.outputs), plus the derived ones."""
    from .. import outputs as out

    column("outcome", "category", "", "how the replicate ended", out.OUTCOMES)
    column("end_time", "time", "", "when the replicate ended")
    column("end_hours", "number", "hours", "hours from the scenario start to the end")
    for f in out.FIGURE_SPECS:
        kind = {"float": "number", "int": "number"}.get(f.kind, f.kind)
        column(f.name, kind, f.unit, f.description, tuple(f.categories) if kind == "category" else None)


def _regime_fall_time(df: pd.DataFrame) -> np.ndarray:
    from ..outputs import IN_POWER

    fell = ~df["outcome"].astype(object).isin(IN_POWER).to_numpy()
    end = np.asarray(pd.to_datetime(df["end_time"]), dtype="datetime64[s]")
    return np.where(fell, end, np.datetime64("NaT", "s"))


_from_outputs()
register(
    Figure(
        "regime_fall_time",
        "time",
        ("outcome", "end_time"),
        _regime_fall_time,
        "",
        "when the leader fell (coup, martial law, capture or collapse; NaT: still in power)",
    )
)


def engine_columns() -> tuple[str, ...]:
    """The per-replicate result columns the engine declares."""
    from ..outputs import FIGURES as DECLARED

    return ("replicate", "outcome", "end_time", "end_hours", *DECLARED)


def missing_columns(figure: Figure, available: Collection[str]) -> list[str]:
    """The columns ``figure`` needs that ``available`` lacks."""
    return [c for c in figure.columns if c not in available]

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

from ..agents import MUTINY_ENDS
from ..model import IN_POWER, OUTCOMES

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


def _regime_fall_time(df: pd.DataFrame) -> np.ndarray:
    fell = ~df["outcome"].astype(object).isin(IN_POWER).to_numpy()
    end = np.asarray(pd.to_datetime(df["end_time"]), dtype="datetime64[s]")
    return np.where(fell, end, np.datetime64("NaT"))


# The engine's result columns (model v1), then model v2's dated events.
column("outcome", "category", "", "how the replicate ended", OUTCOMES)
column("end_time", "time", "", "when the replicate ended")
column("end_hours", "number", "hours", "hours from the scenario start to the end")
column("mutiny_end", "category", "", "how the mutiny ended", tuple(MUTINY_ENDS))
column("closest_km_to_moscow", "number", "km", "closest approach of the column to Moscow")
column("mutiny_hours", "number", "hours", "duration of the mutiny")
column("leaks", "number", "count", "recordings leaked")
column("top_leak_gainer", "category", "", "the service that gained most from leaks", ("fsb", "gru", "svr", "none"))
column("leader_elite_support", "number", "share", "elite support for the leader at the end")
column("regime_control", "number", "share", "regime control at the end")
column("storm_peak", "number", "index", "highest storm index")
column("public_support", "number", "share", "public support for the leader at the end")
column("kyiv_withdrawal_time", "time", "", "when the forces left the Kyiv region (NaT: no invasion)")
column("first_security_defection_time", "time", "", "first open defection of a security faction (NaT: none)")
column("mutiny_leader_death_time", "time", "", "death of the mutiny's leader (NaT: alive at the end)")
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

#: The result columns of the engine in use: its declared figures if it has a
#: declaration module (model v2), else the columns of model v1.
ENGINE_V1_COLUMNS = (
    "replicate",
    "outcome",
    "end_time",
    "end_hours",
    "mutiny_end",
    "closest_km_to_moscow",
    "mutiny_hours",
    "leaks",
    "top_leak_gainer",
    "leader_elite_support",
    "regime_control",
    "storm_peak",
    "public_support",
)


def engine_columns() -> tuple[str, ...]:
    """The per-replicate columns the engine's results carry."""
    try:
        from .. import outputs  # type: ignore[attr-defined]  # model v2's declarations
    except ImportError:
        return ENGINE_V1_COLUMNS
    declared = tuple(getattr(f, "name", f) for f in getattr(outputs, "FIGURES", ()))
    return tuple(dict.fromkeys((*ENGINE_V1_COLUMNS, *declared)))


def missing_columns(figure: Figure, available: Collection[str]) -> list[str]:
    """The columns ``figure`` needs that ``available`` lacks."""
    return [c for c in figure.columns if c not in available]

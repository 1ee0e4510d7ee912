"""The per-replicate results table, derived from the declarations in :mod:`sim.outputs`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import outputs as out

if TYPE_CHECKING:
    from .model import StormModel

#: The columns every results table starts with, before the figures.
LEADING = ("replicate", "outcome", "end_time", "end_hours")
#: Timestamps in every table and file share one unit.
TIME_UNIT = "datetime64[ms]"


def world_columns(model: StormModel) -> list[str]:
    """``draw`` and one column per per-replicate key, when the replicates' worlds differ."""
    return ["draw", *model.worlds] if model.worlds else []


def result_columns(model: StormModel) -> list[str]:
    """The columns of ``model.results()``, in order."""
    return ["replicate", *world_columns(model), *LEADING[1:], *out.FIGURES]


def hours_to_time(model: StormModel, hours: np.ndarray) -> np.ndarray:
    """Hours since the scenario's start as datetimes (NaT for NaN)."""
    start = np.datetime64(model.spec.start, "ms")
    ms = np.where(np.isnan(hours), np.nan, np.round(hours * 3_600_000))
    delta = pd.to_timedelta(ms, unit="ms").to_numpy()
    return (start + delta).astype(TIME_UNIT)


def column(model: StormModel, f: out.Figure, values: np.ndarray) -> object:
    """One figure's column from its raw values."""
    if f.kind == "category":
        return pd.Categorical(np.array(f.categories, dtype=object)[values], categories=f.categories)
    if f.kind == "time":
        return hours_to_time(model, np.asarray(values, dtype=float))
    if f.kind == "int":
        return np.asarray(values, dtype=np.int64)
    return np.asarray(values, dtype=float)


def results_frame(model: StormModel, figures: dict[str, np.ndarray]) -> pd.DataFrame:
    """The results table of ``model`` given its (frozen) figure values."""
    data: dict[str, object] = {"replicate": model.replicate_ids.astype(np.int64)}
    if model.worlds:
        data["draw"] = model.draw_ids.astype(np.int64)
        for key, values in model.worlds.items():
            values = np.asarray(values)
            data[key] = values if values.dtype == bool else values.astype(float)
    data["outcome"] = pd.Categorical(model.outcome_names(), categories=out.OUTCOMES)
    data["end_time"] = hours_to_time(model, model.end_hours)
    data["end_hours"] = model.end_hours
    for f in out.FIGURE_SPECS:
        data[f.name] = column(model, f, figures[f.name])
    return pd.DataFrame(data)

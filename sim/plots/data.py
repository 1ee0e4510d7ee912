"""The numbers behind every figure, read from a result directory.

Each function takes a directory written by ``batch``, ``compare``, ``sweep``
or ``attribute`` and returns a DataFrame; the drawing functions in
:mod:`sim.plots.draw` only draw what these return, so tests can check the
numbers of a figure without looking at pixels. A function that does not
apply to a directory's kind returns an empty frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import summary as sm
from ..model import OUTCOMES, SERIES
from ..scenario import parse_time

KINDS = ("batch", "compare", "sweep", "attribute")
BAR_COLUMNS = ["variant", "outcome", "count", "runs", "probability", "ci_low", "ci_high"]
QUANTILES = ["q05", "q25", "q50", "q75", "q95"]


def _outcome_frames(d: Path, manifest: dict[str, Any]) -> list[tuple[str, pd.DataFrame]]:
    """(variant label, per-replicate outcomes) pairs held by the directory."""
    kind = manifest["kind"]
    if kind == "batch" and (d / "outcomes.parquet").is_file():
        return [(str(manifest.get("scenario_name", "batch")), pd.read_parquet(d / "outcomes.parquet"))]
    if kind == "compare":
        return [
            ("A (as written)", pd.read_parquet(d / "outcomes_a.parquet")),
            ("B (changed)", pd.read_parquet(d / "outcomes_b.parquet")),
        ]
    return []


def outcome_bars_data(directory: str | Path) -> pd.DataFrame:
    """Per variant and outcome: count, runs, probability and 95 % Wilson interval."""
    d = Path(directory)
    manifest = sm.read_manifest(d)
    frames = []
    for label, df in _outcome_frames(d, manifest):
        t = sm.outcome_table(df, "outcome").drop(columns="variable")
        t.insert(0, "variant", label)
        frames.append(t)
    if not frames and manifest["kind"] == "batch" and (d / "summary.csv").is_file():
        t = sm.read_csv(d / "summary.csv")
        t.insert(0, "variant", str(manifest.get("scenario_name", "batch")))
        frames.append(t)
    if not frames:
        return pd.DataFrame(columns=BAR_COLUMNS)
    return pd.concat(frames, ignore_index=True)[BAR_COLUMNS]


def fan_chart_data(directory: str | Path) -> pd.DataFrame:
    """Quantiles of the key series per step (from series.parquet), with real dates."""
    d = Path(directory)
    sm.read_manifest(d)
    path = d / "series.parquet"
    if not path.is_file():
        return pd.DataFrame(columns=["series", "step", "time", "hours", *QUANTILES])
    s = pd.read_parquet(path)
    s["time"] = pd.to_datetime(s["time"])
    s = s[s["series"].isin(SERIES)]
    s["series"] = pd.Categorical(s["series"], categories=list(SERIES))  # the fixed order of sim.SERIES
    return (
        s[["series", "step", "time", "hours", *QUANTILES]]
        .sort_values(["series", "step"])
        .reset_index(drop=True)
    )


def scenario_time(manifest: dict[str, Any], which: str = "end") -> pd.Timestamp | None:
    """The scenario's start or end time, from whichever key the manifest records it under."""
    raw = manifest.get(which) or manifest.get("scenario", {}).get("time", {}).get(which)
    return pd.Timestamp(parse_time(raw, which)) if raw else None


def time_to_outcome_data(directory: str | Path) -> pd.DataFrame:
    """When replicates ended, by outcome: counts per end time and the cumulative share.

    ``cumulative_share`` at time t is the share of all replicates of the variant
    that had ended with that outcome by t (a cumulative incidence; at the last
    time it equals the outcome's probability). ``at_end`` marks replicates that
    ran to the scenario's end (the regime still in power when time ran out).
    """
    d = Path(directory)
    manifest = sm.read_manifest(d)
    end = scenario_time(manifest, "end")
    frames = []
    for label, df in _outcome_frames(d, manifest):
        n = len(df)
        g = (
            df.assign(outcome=df["outcome"].astype(str), end_time=pd.to_datetime(df["end_time"]))
            .groupby(["outcome", "end_time"], sort=True)
            .size()
            .rename("count")
            .reset_index()
        )
        g["cumulative_share"] = g.groupby("outcome")["count"].cumsum() / n
        g["runs"] = n
        g.insert(0, "variant", label)
        frames.append(g)
    if not frames:
        return pd.DataFrame(
            columns=["variant", "outcome", "end_time", "count", "cumulative_share", "runs", "at_end"]
        )
    out = pd.concat(frames, ignore_index=True)
    out["at_end"] = (out["end_time"] >= end) if end is not None else False
    order = {o: i for i, o in enumerate(OUTCOMES)}
    return out.sort_values(
        ["variant", "outcome", "end_time"], key=lambda c: c.map(order) if c.name == "outcome" else c
    ).reset_index(drop=True)


def difference_data(directory: str | Path) -> pd.DataFrame:
    """A comparison's paired differences (B - A) with paired and unpaired intervals."""
    d = Path(directory)
    if sm.read_manifest(d)["kind"] != "compare":
        return pd.DataFrame()
    return sm.read_csv(d / "differences.csv")


def transition_data(directory: str | Path) -> pd.DataFrame:
    """A comparison's transition counts (rows: outcome as written; columns: changed)."""
    d = Path(directory)
    if sm.read_manifest(d)["kind"] != "compare":
        return pd.DataFrame()
    return sm.read_csv(d / "transitions.csv", index_col=0)


def response_curve_data(directory: str | Path) -> pd.DataFrame:
    """Per swept parameter, output and point: the parameter's value and the probability."""
    d = Path(directory)
    manifest = sm.read_manifest(d)
    if manifest["kind"] != "sweep":
        return pd.DataFrame()
    points = pd.read_parquet(d / "points.parquet")
    keys = [p["key"] for p in manifest["params"]]
    frames = []
    for key in keys:
        f = points[["point", key, "output", "probability", "ci_low", "ci_high"]].rename(
            columns={key: "value"}
        )
        f.insert(0, "parameter", key)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def sensitivity_data(directory: str | Path) -> pd.DataFrame:
    """A sweep's Sobol or Morris indices (empty if the sweep had no --analyze)."""
    d = Path(directory)
    manifest = sm.read_manifest(d)
    if manifest["kind"] != "sweep" or not (d / "indices.csv").is_file():
        return pd.DataFrame()
    return sm.read_csv(d / "indices.csv")


def shapley_data(directory: str | Path) -> pd.DataFrame:
    """An attribution's Shapley values with their paired 95 % intervals."""
    d = Path(directory)
    if sm.read_manifest(d)["kind"] != "attribute":
        return pd.DataFrame()
    return sm.read_csv(d / "shapley.csv")


def varying_outputs(frame: pd.DataFrame, column: str = "output", limit: int = 8) -> list[str]:
    """The outputs whose probability is not always zero, most variable first (at most ``limit``)."""
    spread = frame.groupby(column)["probability"].agg(lambda p: np.ptp(p.to_numpy()) + p.max())
    return list(spread[spread > 0].sort_values(ascending=False).index[:limit])

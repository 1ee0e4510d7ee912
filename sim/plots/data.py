"""The numbers behind every figure, read from a result directory.

Each function takes a directory written by ``batch``, ``compare``, ``sweep``
or ``attribute`` (or, for the outcome, fan and time-to-outcome figures, the
DataFrame ``sim.simulate`` returns; see :mod:`sim.plots.source`) and returns a
DataFrame; the drawing functions in
:mod:`sim.plots.draw` only draw what these return, so tests can check the
numbers of a figure without looking at pixels. A function that does not
apply to a directory's kind returns an empty frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import series as ser
from ..analysis import summary as sm
from ..banner import BANNER
from ..clock import Clock
from ..errors import StormError, UsageError
from ..model import OUTCOMES, SERIES
from ..scenario import Scenario, parse_time
from .source import Resolved, Source, mutiny_windows, resolve

KINDS = ("batch", "compare", "sweep", "attribute")
BAR_COLUMNS = ["variant", "outcome", "count", "runs", "probability", "ci_low", "ci_high"]
#: With uncertain parameters: the spread of P(outcome | parameters) across draws, noise removed.
SPREAD = ["param_q05", "param_q95", "noise_share"]
QUANTILES = ["q05", "q25", "q50", "q75", "q95"]
FAN_COLUMNS = ["outcome", "series", "step", "time", "hours", "n", *QUANTILES]
#: Replicates re-run (the first ones) for bands split by outcome.
DEFAULT_SAMPLE = 1000
#: Replicates simulated at once when a DataFrame's replicates are re-run.
_CHUNK = 10_000


def outcome_bars_data(source: Source | Resolved) -> pd.DataFrame:
    """Per variant and outcome: count, runs, probability and 95 % Wilson interval."""
    src = resolve(source)
    frames = []
    for label, df in src.frames():
        t = sm.outcome_table(df, "outcome").drop(columns="variable")
        if "draw" in df.columns and df["draw"].nunique() > 1:  # uncertain parameters: the guesses' band
            from ..analysis.uncertainty import draw_spread

            t = t.merge(draw_spread(df, OUTCOMES)[["outcome", *SPREAD]], on="outcome")
        t.insert(0, "variant", label)
        frames.append(t)
    d = src.directory
    if not frames and d is not None and src.kind == "batch" and (d / "summary.csv").is_file():
        t = sm.read_csv(d / "summary.csv")
        t.insert(0, "variant", str(src.manifest.get("scenario_name", "batch")))
        frames.append(t)
    if not frames:
        return pd.DataFrame(columns=BAR_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out[[*BAR_COLUMNS, *(c for c in SPREAD if c in out.columns)]]


#: Re-run replicates keep every step in memory (float32 per series and a running flag), and an
#: export holds one row per replicate, step and series: both are bounded before work starts.
MAX_RECORD_BYTES = 2**30
MAX_TRAJECTORY_ROWS = 20_000_000


def check_sample(spec: Scenario, sample: int, rows: bool = False) -> int:
    """``sample`` if that many replicates can be re-run (and, with ``rows``, exported) in bounds.

    The limit depends on the scenario's steps; the error names ``sample`` and the valid range.
    """
    n_steps = Clock(spec).n_steps
    if rows:
        most = MAX_TRAJECTORY_ROWS // (n_steps * len(SERIES))
        what = f"{MAX_TRAJECTORY_ROWS:,} rows of {len(SERIES)} series x {n_steps:,} steps"
    else:
        most = MAX_RECORD_BYTES // (n_steps * (4 * len(SERIES) + 1))
        what = f"{MAX_RECORD_BYTES / 2**30:.0f} GiB of {n_steps:,} recorded steps"
    most = max(1, most)
    if not 1 <= int(sample) <= most:
        raise UsageError(
            f"sample: {int(sample):,} replicates is out of range for {spec.name}; choose 1 to {most:,} "
            f"(at most {what})"
        )
    return int(sample)


def fan_chart_data(
    source: Source | Resolved, by_outcome: bool = False, sample: int = DEFAULT_SAMPLE, scenario: Any = None
) -> pd.DataFrame:
    """Quantiles of the key series per step, with real dates; ``outcome`` is "all" unless split.

    Each step's quantiles are over the replicates still running at its start
    (``n``; see :mod:`sim.series`). The distance to Moscow is kept only within
    the mutiny's fine windows (elsewhere there is no march to show).

    * all replicates: a directory's ``series.parquet`` (exact histograms), or,
      for a ``sim.simulate`` frame, its replicates re-run through the same histograms;
    * ``by_outcome``: the first ``sample`` replicates re-run and recorded, their
      bands computed per final outcome (exact over that sample).
    """
    src = resolve(source, scenario)
    if src.kind != "batch":
        return pd.DataFrame(columns=FAN_COLUMNS)
    if by_outcome:
        spec = src.scenario("bands by outcome")
        ids = _replicate_ids(src)[: check_sample(spec, sample)]
        q = ser.quantiles_by_outcome(spec, ser.record(spec, _seed(src), ids))
    elif src.frame is not None:
        spec = src.scenario("a fan chart")
        q = ser.quantile_table(spec, _histogram(spec, _seed(src), _replicate_ids(src)))
        q.insert(0, "outcome", "all")
    else:
        assert src.directory is not None
        path = src.directory / "series.parquet"
        if not path.is_file():
            return pd.DataFrame(columns=FAN_COLUMNS)
        q = pd.read_parquet(path)
        q.insert(0, "outcome", "all")
    q["time"] = pd.to_datetime(q["time"])
    q = q[q["series"].astype(str).isin(SERIES)].copy()
    q["series"] = pd.Categorical(q["series"].astype(str), categories=list(SERIES))  # the fixed order
    windows = mutiny_windows(src.manifest)
    march = np.zeros(len(q), dtype=bool)
    for opens, closes in windows:
        march |= (q["hours"].to_numpy() > opens) & (q["hours"].to_numpy() <= closes + 1e-9)
    q = q[(q["series"] != "distance_km").to_numpy() | march]
    order = ["all", *OUTCOMES]
    q["outcome"] = pd.Categorical(q["outcome"].astype(str), categories=order)
    q = q.dropna(subset=["q50"])  # steps where no replicate of that group was running
    return q[FAN_COLUMNS].sort_values(["outcome", "series", "step"]).reset_index(drop=True)


def _seed(src: Resolved) -> int:
    seed = src.manifest.get("seed")
    if seed is None:
        raise StormError("the seed is unknown (no 'seed' in the manifest or in df.attrs): cannot re-run")
    return int(seed)


def _replicate_ids(src: Resolved) -> np.ndarray:
    if src.frame is not None:
        return np.sort(src.frame["replicate"].to_numpy(dtype=np.int64))
    first = int(src.manifest.get("first", 0) or 0)
    return np.arange(first, first + int(src.manifest["runs"]), dtype=np.int64)


def _histogram(spec: Any, seed: int, ids: np.ndarray) -> np.ndarray:
    """Series histograms of the given replicates, re-run in blocks of consecutive ids."""
    from ..model import StormModel

    total = None
    for first, count in ser._runs(ids):
        for start in range(first, first + count, _CHUNK):
            n = min(_CHUNK, first + count - start)
            hist = ser.SeriesHistogram(spec, n)
            StormModel(spec, replicates=n, rng=seed, first_replicate=start, observers=[hist]).run()
            counts = hist.finish().astype(np.int64)
            total = counts if total is None else total + counts
    assert total is not None
    return total


def trajectories_data(source: Source | Resolved, sample: int = 200, scenario: Any = None) -> pd.DataFrame:
    """A sample of per-replicate trajectories in long format (the first ``sample`` replicates).

    One row per replicate, step and series while the replicate runs: replicate,
    outcome (final), step, time, hours, series, value. ``attrs`` carry the banner,
    the hypotheses on, the scenario hash and the seed.
    """
    src = resolve(source, scenario)
    spec = src.scenario("trajectories")
    ids = _replicate_ids(src)[: check_sample(spec, sample, rows=True)]
    table = ser.trajectory_table(spec, ser.record(spec, _seed(src), ids))
    table.attrs.update(
        banner=BANNER,
        hypotheses_on=list(src.manifest.get("hypotheses_on", [])),
        scenario_hash=src.manifest.get("scenario_hash"),
        seed=_seed(src),
        note="each replicate's rows end with the step it ended in",
    )
    return table


def export_trajectories(
    source: Source | Resolved, path: str | Path, sample: int = 200, scenario: Any = None
) -> Path:
    """Write :func:`trajectories_data` to a Parquet file (long format); ``attrs`` survive ``read_parquet``."""
    from .. import resultdir as rd

    src = resolve(source, scenario)
    table = trajectories_data(src, sample)
    # Labelled like every result file: banner and hypotheses in the schema and in df.attrs.
    manifest = {**src.manifest, "note": table.attrs["note"]}
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise sm.OutputError(f"{out.parent}: cannot create the directory: {err.strerror or err}") from None
    return rd.write_parquet(out, table, manifest)


def scenario_time(manifest: dict[str, Any], which: str = "end") -> pd.Timestamp | None:
    """The scenario's start or end time, from whichever key the manifest records it under."""
    raw = manifest.get(which) or manifest.get("scenario", {}).get("time", {}).get(which)
    return pd.Timestamp(parse_time(raw, which)) if raw else None


def time_to_outcome_data(source: Source | Resolved) -> pd.DataFrame:
    """When replicates ended, by outcome: counts per end time and the cumulative share.

    ``cumulative_share`` at time t is the share of all replicates of the variant
    that had ended with that outcome by t (a cumulative incidence; at the last
    time it equals the outcome's probability). ``at_end`` marks replicates that
    ran to the scenario's end (the regime still in power when time ran out).
    """
    src = resolve(source)
    end = scenario_time(src.manifest, "end")
    frames = []
    for label, df in src.frames():
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

"""Streaming quantiles of the key series, exact under any chunking.

A batch never keeps its trajectories. Each chunk builds, step by step, a
histogram of every series in :data:`sim.SERIES` over fixed bins (the bins
depend on the scenario alone), and chunks merge by adding integer counts, so
the merged histogram, and the quantiles read from it, are identical whatever
the chunk size, the executor or the order in which chunks finish.

Bins: each series' range [lo, hi] (:func:`ranges`) is cut into :data:`BINS`
half-open bins [a, a + w), plus one more, [hi, hi + w), for the top value
itself: ``elite_support``, ``control`` and ``west_pressure`` on [0, 1]
(w = 0.001), ``distance_km`` on [0, wagner.start_km] (w about 1.07 km at the
default 1070 km). Within a bin a quantile is interpolated linearly, so a
quantile is good to one bin width (a point mass at a is reported in [a, a + w)).
Values below the range (or NaN) and above hi + w are counted in an underflow
and an overflow bin, reported in the ``below``/``above`` columns; a quantile
that falls among them is clamped to the edge of the range.

A replicate counts in every step up to and including the one in which it
ended (with its value at the end of that step) and in none after: an ended
replicate leaves the bands. Its frozen state must not stand in for a live one
(a column that took Moscow would otherwise draw "31 km from Moscow" for years).
Each step's quantiles are therefore over the replicates still running at its
start, ``n`` of them (0 once all have ended: the quantiles are then NaN).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import outputs as out
from .agents import clip
from .clock import Clock
from .model import StormModel
from .outputs import OUTCOMES, SERIES
from .scenario import Scenario

#: Regular bins per series (plus one underflow and one overflow bin).
BINS = 1000
#: Interleaved copies of a histogram that replicates count into (see SeriesHistogram).
LANES = 4
QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)
QUANTILE_COLUMNS = ("q05", "q25", "q50", "q75", "q95")


def ranges(spec: Scenario) -> dict[str, tuple[float, float]]:
    """The fixed histogram range of each series, a function of the scenario alone (sim.outputs)."""
    return {
        s.name: (s.low, float(spec.params[s.high_key]) if s.high_key else s.high) for s in out.SERIES_SPECS
    }


def step_end_hours(spec: Scenario) -> np.ndarray:
    """Hours since the start at the end of each step (when observers see the state)."""
    clock = Clock(spec)
    return np.asarray(clock.hours + clock.dt, dtype=float)


#: What the manifest of a batch says about its series.parquet.
NOTE = (
    "quantiles from fixed-bin histograms merged exactly over chunks, interpolated within a bin; "
    "each step's quantiles are over the n replicates still running at its start (an ended "
    "replicate counts in the step it ended in, then leaves)"
)


class SeriesHistogram:
    """A model observer: per-step histogram counts of every series.

    ``counts`` has shape (steps, len(SERIES), BINS + 3): bin 0 is the
    underflow (below the range, or NaN), 1..BINS + 1 the regular bins of width
    w = (hi - lo) / BINS starting at lo (the last one, [hi, hi + w), holds
    the top of the range), BINS + 2 the overflow. Step s counts the replicates
    running at its start (see the module's docstring).
    """

    def __init__(self, spec: Scenario, replicates: int, bins: int = BINS) -> None:
        rng = ranges(spec)
        self.bins = int(bins)
        self.width = self.bins + 3
        self.n_steps = Clock(spec).n_steps
        lo = np.array([rng[s][0] for s in SERIES])
        self.scale = self.bins / (np.array([rng[s][1] for s in SERIES]) - lo)
        self.shift = 1.0 - lo * self.scale  # x -> (x - lo) / w + 1, bin 1 starting at lo
        self.counts = np.zeros((self.n_steps, len(SERIES), self.width), dtype=np.uint32)
        self._resize(np.ones(int(replicates), dtype=bool))

    def _resize(self, alive: np.ndarray) -> None:
        """Arrays for the model's current replicates, ``alive``: those running at the step's start."""
        self.R = len(alive)
        # One series at a time, over arrays of one row (they stay in cache).
        self.buf = np.empty(self.R)
        self.idx = np.empty(self.R, dtype=np.int32)
        # Replicates count into LANES interleaved copies of the histogram, summed at
        # the end: a series where most replicates share a bin (a constant pressure)
        # would otherwise have every count wait for the one before it.
        self.lane = (np.arange(self.R) % LANES * (self.width + 1)).astype(np.int32)
        self.alive = alive
        self.n_alive = int(np.count_nonzero(alive))
        self.alive_cols = np.flatnonzero(alive)
        self.dead_cols = np.flatnonzero(~alive)

    def compact(self, keep: np.ndarray) -> None:
        """The model kept only the replicates at ``keep`` (sim/compaction.py); counts are integers,
        so which lane a replicate counts in changes no total."""
        self._resize(self.alive[keep])

    def restore(self, orig: np.ndarray, total: int) -> None:
        """The model is back at its full ``total`` replicates, the current ones at ``orig``."""
        alive = np.zeros(total, dtype=bool)
        alive[orig] = self.alive
        self._resize(alive)

    def __call__(self, model: StormModel) -> None:
        if self.n_alive == 0:
            return
        few = 2 * self.n_alive < self.R
        if few:  # most have ended: bin the running ones alone
            buf, idx, lane = self.buf[: self.n_alive], self.idx[: self.n_alive], self.lane[: self.n_alive]
        else:  # few have ended: bin everyone, the ended into a trash bin past the end
            buf, idx, lane = self.buf, self.idx, self.lane
        top, trash = self.bins + 2, self.width
        counts = self.counts[model.step_index]
        # Truncation sends everything below 1 (below the range) to bin 0; a NaN
        # casts to the most negative integer (or 0) and is clipped there too.
        with np.errstate(invalid="ignore"):
            for i, values in enumerate(model.series_values()):
                if few:
                    values = values[self.alive_cols]
                np.multiply(values, self.scale[i], out=buf)
                buf += self.shift[i]
                idx[...] = buf
                clip(idx, 0, top, out=idx)
                idx += lane
                if not few and len(self.dead_cols):
                    idx[self.dead_cols] = trash
                lanes = np.bincount(idx, minlength=LANES * (trash + 1)).reshape(LANES, trash + 1)
                counts[i] = lanes.sum(axis=0)[:trash]
        n_alive = int(np.count_nonzero(model.alive))
        if n_alive != self.n_alive:  # some ended in this step: they leave from the next one
            self.alive = model.alive.copy()
            self.n_alive = n_alive
            self.alive_cols = np.flatnonzero(self.alive)
            self.dead_cols = np.flatnonzero(~self.alive)

    def finish(self) -> np.ndarray:
        """The counts (steps after every replicate ended count nobody)."""
        return self.counts


class LiveSums:
    """A model observer: per step, the sum of each series over the replicates still running.

    A replicate counts in every step up to and including the one in which it
    ended (with its value at the end of that step) and in none after, the same
    rule as the fan chart's bands. ``sums`` has shape (steps, len(SERIES)),
    ``counts`` shape (steps,); sums and counts of chunks or blocks of replicates
    add up, so a pooled mean is exact however the replicates were split.
    """

    def __init__(self, spec: Scenario, replicates: int) -> None:
        n_steps = Clock(spec).n_steps
        self.sums = np.zeros((n_steps, len(SERIES)))
        self.counts = np.zeros(n_steps, dtype=np.int64)
        self.alive = np.ones(int(replicates), dtype=bool)  # running at the start of the step

    def __call__(self, model: StormModel) -> None:
        step, live = model.step_index, self.alive
        self.counts[step] = np.count_nonzero(live)
        for i, values in enumerate(model.series_values()):
            self.sums[step, i] = float(np.sum(values, where=live))
        self.alive = model.alive.copy()


def quantile_table(spec: Scenario, counts: np.ndarray, bins: int = BINS) -> pd.DataFrame:
    """Quantiles per step and series from merged histogram ``counts``.

    Columns: step, time (end of the step), hours, series, n, q05..q95, below,
    above (replicates outside the series' range).
    """
    counts = np.asarray(counts, dtype=np.int64)
    n_steps = counts.shape[0]
    rng = ranges(spec)
    lo = np.array([rng[s][0] for s in SERIES])[None, :]
    hi = np.array([rng[s][1] for s in SERIES])[None, :]
    width = (hi - lo) / bins
    top = hi + width
    n = counts.sum(axis=2)
    cum = np.cumsum(counts, axis=2)
    out: dict[str, np.ndarray] = {}
    for q, col in zip(QUANTILES, QUANTILE_COLUMNS, strict=True):
        target = q * n
        j = np.argmax(cum >= target[..., None], axis=2)  # first bin reaching the rank
        before = np.take_along_axis(cum, j[..., None], axis=2)[..., 0]
        inside = np.take_along_axis(counts, j[..., None], axis=2)[..., 0]
        before = before - inside
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(inside > 0, (target - before) / inside, 0.0)
        value = lo + (j - 1 + frac) * width
        value = np.where(j == 0, lo, np.where(j == bins + 2, top, value))
        out[col] = np.where(n > 0, value, np.nan)  # nobody running: no quantile
    hours = step_end_hours(spec)[:n_steps]
    S = len(SERIES)
    # Milliseconds: the unit Parquet keeps, so a table read back compares equal.
    times = (np.datetime64(spec.start, "s") + (hours * 3600).round().astype("timedelta64[s]")).astype(
        "datetime64[ms]"
    )
    frame = pd.DataFrame(
        {
            "step": np.repeat(np.arange(n_steps, dtype=np.int64), S),
            "time": np.repeat(times, S),
            "hours": np.repeat(hours, S),
            "series": pd.Categorical(np.tile(np.array(SERIES, dtype=object), n_steps), categories=SERIES),
            "n": n.ravel(),
            **{col: out[col].ravel() for col in QUANTILE_COLUMNS},
            "below": counts[:, :, 0].ravel(),
            "above": counts[:, :, bins + 2].ravel(),
        }
    )
    return frame


def resolution(spec: Scenario, bins: int = BINS) -> dict[str, float]:
    """The width of one bin of each series (the quantiles' resolution)."""
    return {s: (hi - lo) / bins for s, (lo, hi) in ranges(spec).items()}


# --- per-replicate trajectories -----------------------------------------------------------


class Recorder:
    """A model observer keeping every replicate's series values, step by step (float32).

    ``values`` has shape (steps, len(SERIES), R); ``running`` (steps, R) says
    whether a replicate was running at the start of the step (see the module's
    docstring). Memory is 17 bytes per replicate and step: meant for samples.
    """

    def __init__(self, spec: Scenario, replicates: int) -> None:
        n_steps = Clock(spec).n_steps
        self.values = np.full((n_steps, len(SERIES), int(replicates)), np.nan, dtype=np.float32)
        self.running = np.zeros((n_steps, int(replicates)), dtype=bool)
        self.alive = np.ones(int(replicates), dtype=bool)
        self.ids = np.arange(int(replicates), dtype=np.int64)  # replicate ids (set by record)
        self.outcome = np.full(int(replicates), "", dtype=object)  # final outcomes (set by record)

    def __call__(self, model: StormModel) -> None:
        step = model.step_index
        self.running[step] = self.alive
        for i, values in enumerate(model.series_values()):
            self.values[step, i] = values
        self.alive = model.alive.copy()


def _runs(ids: np.ndarray) -> list[tuple[int, int]]:
    """(first, count) of each run of consecutive replicate ids."""
    if len(ids) == 0:
        return []
    breaks = np.flatnonzero(np.diff(ids) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(ids)]])
    return [(int(ids[a]), int(b - a)) for a, b in zip(starts, ends, strict=True)]


def record(spec: Scenario, seed: int, replicates: Sequence[int] | np.ndarray) -> Recorder:
    """Simulate the given replicate ids (any order; run as blocks of consecutive ids) and record them.

    Replicates are a pure function of (seed, id), so these are the very
    trajectories of those replicates in any batch. The recorder gains
    ``ids`` and ``outcome`` (names), in the sorted order of the ids.
    """
    ids = np.unique(np.asarray(replicates, dtype=np.int64))
    rec = Recorder(spec, len(ids))
    outcomes = np.empty(len(ids), dtype=object)
    pos = 0
    for first, count in _runs(ids):
        part = Recorder(spec, count)
        model = StormModel(spec, replicates=count, rng=seed, first_replicate=first, observers=[part]).run()
        rec.values[:, :, pos : pos + count] = part.values
        rec.running[:, pos : pos + count] = part.running
        outcomes[pos : pos + count] = np.array(OUTCOMES, dtype=object)[model.outcome]
        pos += count
    rec.ids, rec.outcome = ids, outcomes
    return rec


def _times(spec: Scenario, hours: np.ndarray) -> np.ndarray:
    return (np.datetime64(spec.start, "s") + (hours * 3600).round().astype("timedelta64[s]")).astype(
        "datetime64[ms]"
    )


def trajectory_table(spec: Scenario, rec: Recorder) -> pd.DataFrame:
    """Long format, one row per (replicate, step, series) while the replicate runs.

    Columns: replicate, outcome (its final outcome), step, time, hours, series, value.
    """
    hours = step_end_hours(spec)
    step, col = np.nonzero(rec.running)  # (step, replicate) pairs, step-major
    order = np.lexsort((step, col))  # by replicate, then step
    step, col = step[order], col[order]
    S = len(SERIES)
    values = rec.values[step, :, col]  # (pairs, S)
    ids, outcome = rec.ids[col], rec.outcome[col]
    return pd.DataFrame(
        {
            "replicate": np.repeat(ids, S),
            "outcome": pd.Categorical(np.repeat(outcome, S), categories=OUTCOMES),
            "step": np.repeat(step.astype(np.int64), S),
            "time": np.repeat(_times(spec, hours[step]), S),
            "hours": np.repeat(hours[step], S),
            "series": pd.Categorical(np.tile(np.array(SERIES, dtype=object), len(step)), categories=SERIES),
            "value": values.astype(np.float64).ravel(),
        }
    )


def quantiles_by_outcome(spec: Scenario, rec: Recorder) -> pd.DataFrame:
    """Per outcome, step and series: n running and the quantiles over them (exact, from the sample)."""
    hours = step_end_hours(spec)
    frames = []
    for o in OUTCOMES:
        mine = rec.outcome == o
        if not mine.any():
            continue
        vals = rec.values[:, :, mine].astype(np.float64)
        run = rec.running[:, mine]
        vals[np.broadcast_to(~run[:, None, :], vals.shape)] = np.nan
        n = run.sum(axis=1)
        keep = n > 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a series all NaN in a step stays NaN
            q = np.nanquantile(vals[keep], QUANTILES, axis=2)  # (Q, steps kept, S)
        steps = np.flatnonzero(keep)
        S = len(SERIES)
        frame = pd.DataFrame(
            {
                "outcome": o,
                "step": np.repeat(steps.astype(np.int64), S),
                "time": np.repeat(_times(spec, hours[steps]), S),
                "hours": np.repeat(hours[steps], S),
                "series": np.tile(np.array(SERIES, dtype=object), len(steps)),
                "n": np.repeat(n[keep], S),
                **{c: q[k].ravel() for k, c in enumerate(QUANTILE_COLUMNS)},
            }
        )
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["outcome"] = pd.Categorical(out["outcome"], categories=OUTCOMES)
    out["series"] = pd.Categorical(out["series"], categories=SERIES)
    return out

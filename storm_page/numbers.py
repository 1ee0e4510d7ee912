"""The numbers behind every view: ensembles, outcome tables, world A against world B.

Plain Python over ``sim`` and ``sim.analysis`` (no UI code), so tests, the
benchmark and docs/lesson.md check exactly what the page shows. The A/B
comparison reuses :mod:`sim.analysis.compare` (paired differences, figure
shifts, aligned stories) rather than page-local copies.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim import outputs
from sim.analysis import summary as sm
from sim.analysis.compare import StoryDiff, differences, figure_shifts, spec_changes, story_diff

from .state import Cache, spec_hash

_ENSEMBLES = Cache(48)
_STORIES = Cache(64)


@dataclass(frozen=True)
class OutcomeRow:
    name: str
    label: str
    colour: str


def outcome_rows() -> list[OutcomeRow]:
    """The outcomes in declared order, with label and colour (declared once, in sim.outputs)."""
    return [OutcomeRow(o.name, o.label, o.colour) for o in outputs.OUTCOME_SPECS]


# --- one ensemble ------------------------------------------------------------------


def ensemble(spec: sim.Scenario, seed: int, runs: int) -> pd.DataFrame:
    """``sim.simulate(spec, runs, seed)``, cached by (hash, seed, runs)."""
    return _ENSEMBLES.get((spec_hash(spec), seed, runs), lambda: sim.simulate(spec, runs=runs, seed=seed))


class _Prefetcher:
    """Computes, in the background, the ensembles one click away from the world shown.

    A lesson is "same world, one thing changed": after each change the page asks
    for the ensembles of every world one switch or one intervention away, so the
    next click redraws from the cache (a long arc like perfect_storm takes the
    engine about a second per 1,000 replicates). One daemon thread, newest
    request first; a new request drops what an older one had not started.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.jobs: list[tuple[sim.Scenario, int, int]] = []
        self.thread: threading.Thread | None = None

    def request(self, specs: list[sim.Scenario], seed: int, runs: int) -> None:
        with self.lock:
            self.jobs = [(spec, seed, runs) for spec in specs]
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="storm-prefetch", daemon=True)
                self.thread.start()
        self.wake.set()

    def idle(self) -> bool:
        with self.lock:
            return not self.jobs and not self.busy

    busy = False

    def _run(self) -> None:
        while True:
            self.wake.wait(timeout=60)
            self.wake.clear()
            while True:
                with self.lock:
                    if not self.jobs:
                        self.busy = False
                        break
                    spec, seed, runs = self.jobs.pop(0)
                    self.busy = True
                try:
                    ensemble(spec, seed, runs)
                except Exception:  # noqa: BLE001 - a neighbour that fails is simply not prefetched
                    pass


PREFETCH = _Prefetcher()


def prefetch(specs: list[sim.Scenario], seed: int, runs: int) -> None:
    """Compute these ensembles in the background (see :class:`_Prefetcher`)."""
    PREFETCH.request(specs, seed, runs)


def cached(key: tuple[Any, ...], make: Any) -> pd.DataFrame:
    """An ensemble made by ``make()``, kept with the others under ``key`` (storm_page.history)."""
    return _ENSEMBLES.get(key, make)


def clear_caches() -> None:
    _ENSEMBLES.clear()
    _STORIES.clear()


def outcome_table(df: pd.DataFrame) -> pd.DataFrame:
    """Count, share and 95 % Wilson interval of every outcome (sim.analysis.summary.outcome_table)."""
    t = sm.outcome_table(df, "outcome")
    return pd.DataFrame(
        {
            "outcome": t["outcome"],
            "count": t["count"].astype(int),
            "n": t["runs"],
            "share": t["probability"],
            "lo": t["ci_low"],
            "hi": t["ci_high"],
        }
    )


def has_mutiny(spec: sim.Scenario) -> bool:
    return any(s["type"] == "mutiny" for s in spec.shocks)


def lesson_numbers(df: pd.DataFrame, with_mutiny: bool) -> dict[str, Any]:
    """The figures the lesson quotes for one world: halts, closest approach, durations, elite support."""
    out: dict[str, Any] = {"runs": len(df), "mean_elite_support": float(df["leader_elite_support"].mean())}
    if not with_mutiny:
        return out
    ends = df["mutiny_end"].astype(str)
    mutinies = ends != "none"
    halted = ends == "mediated_halt"
    out.update(
        mutinies=int(mutinies.sum()),
        mediated_halts=int(halted.sum()),
        reached_moscow=int((ends == "reached_moscow").sum()),
        median_closest_km_halted=_median(df.loc[halted, "closest_km_to_moscow"]),
        median_closest_km_all=_median(df.loc[mutinies, "closest_km_to_moscow"]),
        median_hours_halted=_median(df.loc[halted, "mutiny_hours"]),
        median_hours_all=_median(df.loc[mutinies, "mutiny_hours"]),
    )
    return out


def _median(s: pd.Series) -> float:
    s = s.dropna()
    return float(s.median()) if len(s) else math.nan


# --- world A against world B --------------------------------------------------------


@dataclass
class Comparison:
    """World A against world B on the same seed and replicates (common random numbers)."""

    spec_a: sim.Scenario
    spec_b: sim.Scenario
    seed: int
    runs: int
    differences: pd.DataFrame  # sim.analysis.compare.differences, outcome rows only
    figures: pd.DataFrame  # sim.analysis.compare.figure_shifts
    changes: list[str]
    n_changed: int
    replicate: int | None  # the replicate whose story changed most
    numbers_a: dict[str, Any]
    numbers_b: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (spec_hash(self.spec_a), spec_hash(self.spec_b), self.seed, self.runs)


def compare_worlds(spec_a: sim.Scenario, spec_b: sim.Scenario, seed: int, runs: int) -> Comparison:
    """Both ensembles, paired per replicate, with the replicate that changed most."""
    a, b = ensemble(spec_a, seed, runs), ensemble(spec_b, seed, runs)
    diffs = differences(a, b)
    diffs = diffs[diffs["variable"] == "outcome"].reset_index(drop=True)
    moved = int((a["outcome"].astype(str) != b["outcome"].astype(str)).sum())
    mutiny = has_mutiny(spec_a) or has_mutiny(spec_b)
    return Comparison(
        spec_a=spec_a,
        spec_b=spec_b,
        seed=seed,
        runs=runs,
        differences=diffs,
        figures=figure_shifts(a, b),
        changes=spec_changes(spec_a, spec_b),
        n_changed=moved,
        replicate=most_changed(a, b),
        numbers_a=lesson_numbers(a, mutiny),
        numbers_b=lesson_numbers(b, mutiny),
    )


def most_changed(a: pd.DataFrame, b: pd.DataFrame) -> int | None:
    """The replicate whose story changed most, or None if none changed.

    A changed outcome ranks first; among those (or, if no outcome changed,
    among all) the largest change in closest approach plus end time wins.
    """
    if len(a) != len(b) or not np.array_equal(a["replicate"].to_numpy(), b["replicate"].to_numpy()):
        raise ValueError("paired comparison needs the same replicates in both frames")
    moved = (a["outcome"].astype(str) != b["outcome"].astype(str)).to_numpy()
    close_a = np.nan_to_num(a["closest_km_to_moscow"].to_numpy(dtype=float), nan=0.0)
    close_b = np.nan_to_num(b["closest_km_to_moscow"].to_numpy(dtype=float), nan=0.0)
    size = np.abs(close_b - close_a) + np.abs(b["end_hours"].to_numpy(float) - a["end_hours"].to_numpy(float))
    score = moved * (1.0 + size.max()) + size
    best = int(np.argmax(score))
    if score[best] <= 0:
        return None
    return int(a["replicate"].iloc[best])


def story_pair(spec_a: sim.Scenario, spec_b: sim.Scenario, seed: int, replicate: int) -> StoryDiff:
    """Both stories of one replicate, aligned (sim.analysis.compare.story_diff), cached."""
    key = (spec_hash(spec_a), spec_hash(spec_b), seed, replicate)
    return _STORIES.get(key, lambda: story_diff(spec_a, spec_b, seed, replicate))


def story(spec: sim.Scenario, seed: int, replicate: int) -> dict[str, Any]:
    """``sim.story``, cached."""
    return _STORIES.get(
        (spec_hash(spec), seed, replicate), lambda: sim.story(spec, seed=seed, replicate=replicate)
    )


def outcome_time(told: dict[str, Any], spec: sim.Scenario) -> str:
    """When the outcome was reached: its own time, or 'end of span' for a regime still standing."""
    end = told["figures"]["end_time"]
    if told["outcome"] in sim.IN_POWER:
        return f"still in place at the end of the span ({end})"
    return end


# --- uncertainty a class can see --------------------------------------------------------


#: Parameter draws behind the uncertainty band: 1,000 replicates make 40 draws of 25.
DRAWS = 40


def uncertainty_available() -> bool:
    """Whether the engine can draw per-replicate parameters (sim.uncertain)."""
    return importlib.util.find_spec("sim.uncertain") is not None


def parameter_band(df: pd.DataFrame, low_q: float = 0.05, high_q: float = 0.95) -> pd.DataFrame:
    """Per outcome: the spread of P(outcome | parameters) across parameter draws.

    ``df`` has a ``draw`` column (one parameter draw per group of replicates);
    the band is the ``low_q``..``high_q`` quantile of the per-draw shares. It is
    the uncertainty of the guessed parameters (plus the noise of a draw's few
    replicates), unlike the Wilson interval, which is only the Monte Carlo noise
    of one model run many times.
    """
    if "draw" not in df.columns:
        raise ValueError("parameter_band needs a 'draw' column (an ensemble run with uncertain parameters)")
    names = list(sim.OUTCOMES)
    codes = pd.Categorical(df["outcome"].astype(str), categories=names).codes
    ids, inverse = np.unique(df["draw"].to_numpy(), return_inverse=True)
    counts = np.zeros((len(ids), len(names)))
    np.add.at(counts, (inverse, codes), 1)
    shares = counts / counts.sum(axis=1, keepdims=True)
    return pd.DataFrame(
        {
            "outcome": names,
            "draws": len(ids),
            "band_lo": np.quantile(shares, low_q, axis=0),
            "band_hi": np.quantile(shares, high_q, axis=0),
        }
    )


def uncertain_ensemble(spec: sim.Scenario, seed: int, runs: int) -> pd.DataFrame | None:
    """The ensemble with every guessed parameter drawn per draw of replicates (``uncertain="guesses"``).

    "Given what history shows" (storm_page.history) draws from a posterior instead; both feed
    :func:`parameter_band`."""
    if not uncertainty_available():
        return None
    draws = DRAWS if runs % DRAWS == 0 else 1
    return _ENSEMBLES.get(
        ("uncertain", spec_hash(spec), seed, runs),
        lambda: sim.simulate(spec, runs=runs, seed=seed, uncertain="guesses", draws=draws),
    )

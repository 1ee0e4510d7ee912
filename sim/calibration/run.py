"""``calibrate``: ABC-SMC of the unknowns against the documented patterns.

One particle is one replicate: a batch of the sampler's proposals becomes
chunks of replicates, each chunk one ensemble model with per-replicate
parameters, run on the executors of ``batch`` (:mod:`sim.executors`).
"""

from __future__ import annotations

import contextlib
import math
import shutil
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..banner import BANNER
from ..executors import check_executor, default_workers, engine_fingerprint, open_pool, run_tasks
from ..resultdir import lock_dir, write_json
from ..scenario import Scenario, load_scenario
from . import store
from .patterns import PatternSet, discrepancies, load_patterns
from .simulators import EngineSimulator, WorldSimulator
from .smc import KAPPA, BudgetSpent, Round, default_kappa, library_version, run_smc
from .space import Space, Unknown, default_unknowns

DEFAULT_SCENARIOS = ("perfect_storm",)
DEFAULT_PATTERNS = Path(__file__).resolve().parents[2] / "history" / "patterns.toml"
#: Proposals per batch at most (two chunks of 10,000 replicates: the engine's efficient size).
MAX_BATCH = 20_000
#: Quantile of the prior simulations kept in generation 0, then the quantile of
#: each generation's distances that sets the next tolerance.
QUANTILES = (0.1, 0.5)
#: A generation that would run past the budget by more than this share is dropped.
OVERRUN = 0.1
PREDICTIVE_MAX = 10_000
IDENTITY = (
    "kind",
    "library",
    "simulator",
    "seed",
    "simulations",
    "population",
    "batch_size",
    "quantiles",
    "kappa",
    "scenarios",
    "patterns_sha256",
    "unknowns",
)

Progress = Callable[[int, int, int], None]  # simulations done, budget, generation


def simulate_chunk(
    simulator: WorldSimulator,
    scenarios: list[Scenario],
    space: Space,
    patterns: PatternSet,
    z: np.ndarray,
    seed: int,
    first: int,
    figures: bool = False,
) -> tuple[np.ndarray, pd.DataFrame | None, str]:
    """Simulate one chunk of particles (a worker task): discrepancies, figures if asked, engine hash."""
    worlds = space.worlds(z)
    frames = [(s.name, simulator(s, worlds, seed, first)) for s in scenarios]
    d, labels = discrepancies(patterns, frames)
    figs = None
    if figures:
        cols: dict[str, Any] = {}
        for name, df in frames:
            for pat in patterns.patterns:
                if pat.applies_to(name):
                    cols[f"{name}:{pat.name}"] = pat.values(df)
                    cols[f"match:{name}:{pat.name}"] = pat.matches(df)
        figs = pd.DataFrame(cols)
    return d, figs, engine_fingerprint()


def plan(
    simulations: int, population: int | None, slots: int, chunk: int | None, batch_size: int | None = None
) -> dict[str, int]:
    """Population, batch and chunk sizes, and the simulations one generation takes.

    The batch (the proposals ELFI draws at once) depends on the population only,
    never on the workers, so a seed gives the same posterior on any executor;
    a batch is split into one chunk per worker (or ``chunk`` replicates).
    """
    if simulations < 1:
        raise store.CalibrationUsage("simulations", f"must be at least 1, got {simulations}")
    # A population of 0.4 % of the budget leaves room for about five generations
    # (each generation's tolerance halves its acceptance).
    n = population or min(10_000, max(100, simulations // 250))
    if n < 10:
        raise store.CalibrationUsage("population", f"must be at least 10, got {n}")
    batch = batch_size or min(MAX_BATCH, max(100, math.ceil(n / QUANTILES[0])))
    # Big chunks: the engine's cost per replicate falls with the replicates per model.
    size = min(chunk or math.ceil(batch / slots), batch)
    first = math.ceil(n / QUANTILES[0] / batch) * batch
    if simulations < first:
        raise store.CalibrationUsage(
            "simulations",
            f"{simulations:,} is below one generation ({first:,} simulations: a population of {n:,} "
            f"kept as the best {QUANTILES[0]:.0%} of the prior draws, in batches of {batch:,})",
        )
    return {"population": n, "chunk": size, "batch_size": batch, "generation": first}


class _Batches:
    """The sampler's simulator: saved batches from disk, the rest on the pool, each saved at once."""

    def __init__(self, out: Path, ctx: dict[str, Any], budget: int, pool_args: tuple[Any, ...]) -> None:
        self.out, self.ctx, self.budget = out, ctx, budget
        self.pool_args = pool_args
        self.stack = contextlib.ExitStack()
        self.pool: Any = None
        self.next_first = 0
        self.per_round: dict[int, list[np.ndarray]] = {}
        self.labels: list[str] = []
        self.saved = 0
        self.progress: Progress | None = None

    def __call__(self, z: np.ndarray, generation: int, batch: int) -> np.ndarray:
        first = self.next_first
        if first + len(z) > self.budget * (1 + OVERRUN):
            raise BudgetSpent
        d = store.load_batch(self.out, generation, batch, first, z)
        if d is None:
            d, _ = self.simulate(z, first)
            store.save_batch(self.out, generation, batch, first, z, d, self.labels)
        self.saved += 1
        self.next_first += len(z)
        self.per_round.setdefault(generation, []).append(np.sqrt((d * d).sum(axis=1)))
        if self.progress:
            self.progress(self.next_first, self.budget, generation)
        return d

    def simulate(
        self, z: np.ndarray, first: int, figures: bool = False
    ) -> tuple[np.ndarray, pd.DataFrame | None]:
        """Discrepancies (and figures if asked) of particles ``z`` as replicates ``first..``, on the pool."""
        if self.pool is None:
            self.pool = self.stack.enter_context(open_pool(*self.pool_args))
        c = self.ctx
        size = c["chunk"]
        tasks = [
            (
                c["simulator"],
                c["scenarios"],
                c["space"],
                c["patterns"],
                z[i : i + size],
                c["seed"],
                first + i,
                figures,
            )
            for i in range(0, len(z), size)
        ]
        parts: dict[int, tuple[np.ndarray, pd.DataFrame | None]] = {}
        local = engine_fingerprint()

        def done(task: tuple[Any, ...], result: tuple[np.ndarray, pd.DataFrame | None, str]) -> None:
            if result[2] != local:
                raise store.CalibrationError(
                    f"a worker runs another engine version ({result[2]}, here {local}); "
                    "install the same code on every worker"
                )
            parts[task[6]] = (result[0], result[1])

        run_tasks(self.pool, simulate_chunk, tasks, done)
        order = sorted(parts)
        d = np.concatenate([parts[k][0] for k in order])
        if figures:
            return d, pd.concat([parts[k][1] for k in order], ignore_index=True)
        return d, None


def _natural(space: Space, z: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(space.worlds(z))


def calibrate(
    scenarios: Sequence[str | Path | Scenario] = DEFAULT_SCENARIOS,
    patterns: str | Path = DEFAULT_PATTERNS,
    simulations: int = 100_000,
    out: str | Path = "results/calibrate",
    seed: int = 0,
    population: int | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    batch_size: int | None = None,
    simulator: WorldSimulator | None = None,
    unknowns: Sequence[Unknown] | None = None,
    kappa: float | None = KAPPA,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run (or resume) a calibration into ``out``; returns its manifest.

    Errors name keys (``simulations``, ``population``, ``out``, ``executor``);
    the command line translates them to its options.
    """
    from ..catalog import resolve

    check_executor(executor, workers, scheduler)
    sim_fn: WorldSimulator = EngineSimulator() if simulator is None else simulator
    specs = [s if isinstance(s, Scenario) else load_scenario(resolve(s)) for s in scenarios]
    if not specs:
        raise store.CalibrationUsage("scenarios", "give at least one scenario")
    pats = load_patterns(patterns, sim_fn.columns)
    space = Space(list(unknowns) if unknowns is not None else default_unknowns())
    slots = 1 if executor == "inline" else (workers or default_workers())
    sizes = plan(simulations, population, slots, chunk, batch_size)
    outdir = Path(out)
    if outdir.exists() and not outdir.is_dir():
        raise store.CalibrationUsage("out", f"{outdir} is a file, not a directory")
    manifest: dict[str, Any] = {
        "kind": store.KIND,
        "banner": BANNER,
        "hypotheses_on": [],
        "hypotheses_line": store.HYPOTHESES_LINE,
        "engine": engine_fingerprint(),
        "library": library_version(),
        "simulator": sim_fn.name,
        "seed": int(seed),
        "simulations": int(simulations),
        "population": sizes["population"],
        "batch_size": sizes["batch_size"],
        "chunk": sizes["chunk"],
        "quantiles": list(QUANTILES),
        "kappa": float(kappa if kappa is not None else default_kappa(sizes["population"], len(space))),
        "scenarios": [{"name": s.name, "hash": s.hash} for s in specs],
        "patterns_file": str(patterns),
        "patterns_sha256": pats.sha256,
        "patterns": [_pattern_record(p) for p in pats.patterns],
        "unknowns": [u.to_dict() for u in space.unknowns],
        "complete": False,
    }
    old = store.read_manifest(outdir) if outdir.is_dir() else None
    if old is not None:  # refuse another result before writing anything into its folder
        store.check_identity(outdir, old, manifest, IDENTITY)
        if old.get("complete"):
            return old
    try:
        (outdir / store.SIMS).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise store.CalibrationError(f"{outdir}: cannot write: {err.strerror or err}") from None
    with lock_dir(outdir, store.CalibrationError, "another calibrate is writing to it"):
        return _locked(
            outdir,
            manifest,
            Path(patterns),
            pats,
            sim_fn,
            specs,
            space,
            sizes,
            progress,
            (executor, workers, scheduler),
        )


def _locked(
    outdir: Path,
    manifest: dict[str, Any],
    patterns: Path,
    pats: PatternSet,
    sim_fn: WorldSimulator,
    specs: list[Scenario],
    space: Space,
    sizes: dict[str, int],
    progress: Progress | None,
    pool_args: tuple[Any, ...],
) -> dict[str, Any]:
    """Resume or start the calibration in ``outdir``, which this process holds the lock on."""
    seed, simulations = manifest["seed"], manifest["simulations"]
    old = store.read_manifest(outdir)  # again: another process may have finished it meanwhile
    if old is not None:
        store.check_identity(outdir, old, manifest, IDENTITY)
        if old.get("complete"):
            return old
        manifest["started"] = old.get("started")
    try:
        manifest.setdefault("started", None)
        manifest["started"] = manifest["started"] or _now()
        write_json(outdir / store.MANIFEST, manifest)
        copy = outdir / store.PATTERNS_COPY
        if not (copy.exists() and copy.samefile(patterns)):  # resumed from the folder's own copy
            shutil.copyfile(patterns, copy)
    except OSError as err:
        raise store.CalibrationError(f"{outdir}: cannot write: {err.strerror or err}") from None

    ctx = {
        "simulator": sim_fn,
        "scenarios": specs,
        "space": space,
        "patterns": pats,
        "seed": int(seed),
        "chunk": sizes["chunk"],
    }
    batches = _Batches(outdir, ctx, simulations, pool_args)
    batches.progress = progress
    batches.labels = [f"{s.name}:{p.name}" for s in specs for p in pats.patterns if p.applies_to(s.name)]
    n = sizes["population"]

    def plan_next(rounds: list[Round]) -> bool:
        acc = [_acceptance(batches, i, r) for i, r in enumerate(rounds)]
        est = n / max(acc[-1], 1e-9)
        # Acceptance falls as the tolerance does: by the last generations' ratio, or
        # at first by the quantile that sets the tolerance (the median halves it).
        trend = acc[-2] / acc[-1] if len(acc) > 1 and acc[-1] > 0 else 1 / QUANTILES[1]
        est *= min(4.0, max(1.0, trend))
        return batches.next_first + est <= simulations

    try:
        with batches.stack:
            rounds = run_smc(
                space.names,
                len(batches.labels),
                batches,
                n,
                sizes["batch_size"],
                int(seed),
                QUANTILES,
                plan_next,
                manifest["kappa"],
            )
            if not rounds:
                raise store.CalibrationError(
                    f"{outdir}: the first generation did not finish within the budget of {simulations:,}"
                )
            manifest.update(_finish(outdir, space, pats, rounds, batches, ctx, n))
    except KeyboardInterrupt:
        raise store.CalibrationInterrupted(
            f"interrupted: {batches.saved} batches ({batches.next_first:,} simulations) are saved in "
            f"{outdir}; run the same command again to resume"
        ) from None
    except OSError as err:
        raise store.CalibrationError(
            f"{outdir}: cannot write: {err.strerror or err}; the batches saved so far stay valid"
        ) from None
    manifest["complete"] = True
    manifest["finished"] = _now()
    write_json(outdir / store.MANIFEST, manifest)
    return manifest


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _acceptance(batches: _Batches, generation: int, r: Round) -> float:
    d = np.concatenate(batches.per_round.get(generation, [np.zeros(0)]))
    return float((d <= r.threshold).sum() / max(len(d), 1))


def _pattern_record(p: Any) -> dict[str, Any]:
    rec = {k: getattr(p, k) for k in ("name", "observed", "when", "source", "figure", "test", "weight")}
    rec["value"] = None if p.value is None else str(p.value)
    rec["when"] = str(p.when)
    rec["scenarios"] = list(p.scenarios) if p.scenarios else None
    return rec


def _finish(
    out: Path,
    space: Space,
    pats: PatternSet,
    rounds: list[Round],
    batches: _Batches,
    ctx: dict[str, Any],
    n: int,
) -> dict[str, Any]:
    """Write particles, posterior and predictive files; the manifest's summary of the run."""
    gens = []
    for g, r in enumerate(rounds):
        df = pd.DataFrame({f"z{j}": r.z[:, j] for j in range(r.z.shape[1])})
        df.insert(0, "distance", r.distance)
        df.insert(0, "weight", r.weights / r.weights.sum())
        df.insert(0, "particle", np.arange(len(r.z), dtype=np.int64))
        df.insert(0, "generation", g)
        gens.append(df)
    store.write_parquet(out / store.PARTICLES, pd.concat(gens, ignore_index=True))
    last = rounds[-1]
    w = last.weights / last.weights.sum()
    post = _natural(space, last.z)
    post.insert(0, "distance", last.distance)
    post.insert(0, "weight", w)
    post.insert(0, "particle", np.arange(len(w), dtype=np.int64))
    store.write_parquet(out / store.POSTERIOR, post)
    schedule = []
    for g, r in enumerate(rounds):
        d = np.concatenate(batches.per_round.get(g, [np.zeros(0)]))
        schedule.append(
            {
                "generation": g,
                "tolerance": r.threshold,
                "simulations": len(d),
                "accepted": int((d <= r.threshold).sum()),
                "acceptance_rate": _acceptance(batches, g, r),
                "ess": round(r.ess, 1),
            }
        )
    predictive = _predictive(out, space, pats, last, batches, ctx, n)
    return {
        "generations": schedule,
        "simulations_done": int(batches.next_first),
        "ess": round(last.ess, 1),
        "predictive": predictive,
    }


def _predictive(
    out: Path, space: Space, pats: PatternSet, last: Round, batches: _Batches, ctx: dict[str, Any], n: int
) -> list[dict[str, Any]]:
    """Simulate fresh replicates from posterior draws; per pattern, its central 90 % band."""
    path = out / store.PREDICTIVE
    if path.is_file():
        figs = pd.read_parquet(path)
    else:
        m = min(n, PREDICTIVE_MAX)
        rng = np.random.default_rng([ctx["seed"], 0x5EED])
        idx = rng.choice(len(last.z), size=m, p=last.weights / last.weights.sum())
        _, made = batches.simulate(last.z[idx], batches.next_first, figures=True)
        assert made is not None
        figs = made
        figs.insert(0, "particle", idx.astype(np.int64))
        figs.insert(0, "replicate", np.arange(batches.next_first, batches.next_first + m, dtype=np.int64))
        store.write_parquet(path, figs)
    return predictive_summary(pats, figs, [s.name for s in ctx["scenarios"]])


def predictive_summary(pats: PatternSet, figs: pd.DataFrame, scenarios: list[str]) -> list[dict[str, Any]]:
    """Per (scenario, pattern): share matching, the 5-50-95 % quantiles, and whether the observed fits."""
    rows = []
    for name in scenarios:
        for p in pats.patterns:
            label = f"{name}:{p.name}"
            if label not in figs:
                continue
            share = float(figs[f"match:{label}"].mean())
            row: dict[str, Any] = {"pattern": p.name, "scenario": name, "share_matching": share}
            if p.fig.kind != "category":
                x = figs[label].to_numpy(dtype=float)
                x = x[~np.isnan(x)]
                if len(x):
                    q = np.quantile(x, [0.05, 0.5, 0.95])
                    row.update(q05=float(q[0]), q50=float(q[1]), q95=float(q[2]), present=len(x) / len(figs))
            target = p.target if p.test == "near" else None
            if target is not None and "q05" in row:
                row["observed_in_band"] = bool(row["q05"] <= target <= row["q95"])
            else:  # a yes/no pattern: observed "yes" lies in the band when at least 5 % match
                row["observed_in_band"] = share >= 0.05
            rows.append(row)
    return rows

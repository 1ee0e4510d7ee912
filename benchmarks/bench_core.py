"""Throughput of the ensemble engine, each figure beside a reference measured in the same run.

SPECULATIVE SCENARIO — NOT A FORECAST: this measures speed only.

1. ``perfect_storm`` at R = 10,000 replicates in one model, with fixed
   parameters and with ``--uncertain guesses`` (every guessed parameter drawn
   per replicate): replicate-steps per second of each, and their ratio
   (aim: uncertain >= 0.8x fixed). The stepping is timed, not the building
   of the model (which draws the parameters).
2. The honest ratio: ``mutiny_2023`` at R = 10,000 (the results table
   included) against ``benchmarks/reference_mesa.py``, the same rules as a
   plain scalar Mesa model, one model per replicate, in replicates per second.
3. The flattering ratio: ``perfect_storm`` at R = 10,000 against the engine
   itself at R = 1 through ``mesa.batch_run`` (measured on ``--sample`` runs
   and extrapolated; the sample is printed).

Times are CPU seconds of this process (the machine is shared: wall time would
measure the other jobs too), the best of ``--repeats`` runs, the variants
interleaved; the load average is printed. ``--quick`` runs everything small,
for a smoke test.

    .venv/bin/python benchmarks/bench_core.py [--replicates 10000] [--repeats 3] [--sample 10] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import mesa

import sim
from sim import catalog

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_mesa import run_reference  # noqa: E402


def best_cpu(
    runs: dict[str, Callable[..., object]], repeats: int, setup: dict[str, Callable[[], object]] | None = None
) -> dict[str, float]:
    """The least CPU time of each callable over ``repeats`` rounds, the callables interleaved.

    ``setup[name]``, if given, makes the argument of ``runs[name]`` outside the timing.
    """
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            arg = setup[name]() if setup else None
            gc.collect()  # the last round's models are not collected inside this one's timing
            t0 = time.process_time()
            run() if arg is None else run(arg)
            best[name] = min(best[name], time.process_time() - t0)
    return best


def batch_run_seconds(path: str, sample: int, max_steps: int) -> float:
    """CPU seconds per replicate through ``mesa.batch_run``, one replicate per model."""
    t0 = time.process_time()
    rows = mesa.batch_run(
        sim.StormModel,
        parameters={"scenario": path, "replicates": 1},
        rng=list(range(sample)),
        number_processes=1,
        data_collection_period=-1,
        max_steps=max_steps + 1,
        display_progress=False,
    )
    secs = time.process_time() - t0
    if len(rows) != sample or not all(r["outcome"] in sim.OUTCOMES for r in rows):
        raise RuntimeError("mesa.batch_run returned unexpected rows")
    return secs / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicates", type=int, default=10_000, help="R, replicates in one model")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; the best of each is kept")
    parser.add_argument("--reference-runs", type=int, default=1000, help="replicates of the scalar reference")
    parser.add_argument("--sample", type=int, default=10, help="single runs timed through mesa.batch_run")
    parser.add_argument("--quick", action="store_true", help="everything small (a smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.replicates, args.repeats, args.reference_runs, args.sample = 500, 1, 50, 1
    R = args.replicates
    print(sim.BANNER, "— benchmark of speed only")
    print(
        f"CPU seconds, best of {args.repeats}; load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )

    # 1. Fixed against uncertain parameters.
    fixed = sim.api.prepare("perfect_storm")
    guessed = sim.api.prepare("perfect_storm", uncertain="guesses", runs=R)
    steps = sim.StormModel(fixed).clock.n_steps
    for spec in (fixed, guessed):  # imports (scipy.stats for the draws) and caches warm for both
        sim.StormModel(spec, replicates=50, rng=1).run()
    print(f"\n[1] perfect_storm ({steps} steps), R = {R:,}; hypotheses on: {', '.join(fixed.hypotheses_on)}")
    # The stepping alone: building a model (drawing its parameters) is not a replicate-step.
    secs = best_cpu(
        {"fixed": lambda m: m.run(), "guesses": lambda m: m.run()},
        args.repeats,
        setup={
            "fixed": lambda: sim.StormModel(fixed, replicates=R, rng=1),
            "guesses": lambda: sim.StormModel(guessed, replicates=R, rng=1),
        },
    )
    rate = {k: R * steps / v for k, v in secs.items()}
    print(f"    fixed parameters:    {secs['fixed']:7.2f} s = {rate['fixed'] / 1e6:6.2f} M replicate-steps/s")
    print(
        f"    --uncertain guesses: {secs['guesses']:7.2f} s = {rate['guesses'] / 1e6:6.2f} M replicate-steps/s "
        f"({len(guessed.uncertain)} parameters drawn per replicate)"
    )
    print(f"    ratio uncertain / fixed: {rate['guesses'] / rate['fixed']:.2f} (aim: >= 0.80)")

    # 2. The honest ratio: the same rules as a plain scalar Mesa model.
    mutiny = sim.api.prepare("mutiny_2023")
    m_steps = sim.StormModel(mutiny).clock.n_steps
    secs = best_cpu(
        {
            "engine": lambda: sim.StormModel(mutiny, replicates=R, rng=1).run().results(),
            "reference": lambda: run_reference(args.reference_runs, seed=1),
        },
        args.repeats,
    )
    engine_rate, ref_rate = R / secs["engine"], args.reference_runs / secs["reference"]
    print(
        f"\n[2] mutiny_2023 ({m_steps} steps): the engine against a plain scalar Mesa model of the same rules"
    )
    print(f"    engine, R = {R:,} in one model (results table included): {engine_rate:10,.0f} replicates/s")
    print(
        f"    benchmarks/reference_mesa.py, one model per replicate ({args.reference_runs:,} runs): "
        f"{ref_rate:10,.0f} replicates/s"
    )
    print(f"    honest ratio: {engine_rate / ref_rate:,.0f}x")

    # 3. The flattering ratio: the engine against itself at R = 1 through mesa.batch_run.
    path = str(catalog.resolve("perfect_storm"))
    per_rep = batch_run_seconds(path, args.sample, steps)
    single = steps / per_rep
    print(
        f"\n[3] perfect_storm through mesa.batch_run, the engine at R = 1 per model ({args.sample} runs timed)"
    )
    print(f"    {per_rep:.3f} s per replicate = {single / 1e6:.4f} M replicate-steps/s")
    print(
        f"    {R:,} replicates one at a time: {per_rep * R:,.0f} s (extrapolated from {args.sample} runs) "
        f"vs {R * steps / rate['fixed']:.2f} s in one ensemble"
    )
    print(f"    ratio against mesa.batch_run at R = 1: {rate['fixed'] / single:,.0f}x (flattering: see [2])")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

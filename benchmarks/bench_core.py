"""Throughput of the ensemble engine against one-at-a-time Mesa runs.

Prints replicate-steps per second of ``perfect_storm`` at R = 1, 100 and 10,000
replicates in one model, and the ratio of R = 10,000 to the same replicates
run one at a time through ``mesa.batch_run`` (measured on a sample and
extrapolated, since 10,000 single runs would take hours; the sample size is
printed). SPECULATIVE SCENARIO — NOT A FORECAST: this measures speed only.

    .venv/bin/python benchmarks/bench_core.py [--sample 40] [--scenario perfect_storm]
"""

from __future__ import annotations

import argparse
import time

import mesa

import sim
from sim import catalog


def ensemble_rate(spec: sim.Scenario, replicates: int, repeats: int) -> tuple[float, float]:
    """(seconds per run, replicate-steps per second) for one model of ``replicates``."""
    best = float("inf")
    steps = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        model = sim.StormModel(spec, replicates=replicates, rng=1).run()
        best = min(best, time.perf_counter() - t0)
        steps = model.step_index
    return best, replicates * steps / best


def batch_run_rate(path: str, sample: int) -> tuple[float, int]:
    """Seconds per replicate through ``mesa.batch_run`` (one process, one at a time)."""
    t0 = time.perf_counter()
    rows = mesa.batch_run(
        sim.StormModel,
        parameters={"scenario": path, "replicates": 1},
        rng=list(range(sample)),
        number_processes=1,
        data_collection_period=-1,
        max_steps=100_000,
        display_progress=False,
    )
    elapsed = time.perf_counter() - t0
    assert len(rows) == sample and all(r["outcome"] in sim.OUTCOMES for r in rows)
    return elapsed / sample, sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="perfect_storm")
    parser.add_argument("--sample", type=int, default=40, help="single runs timed through batch_run")
    args = parser.parse_args()
    path = str(catalog.resolve(args.scenario))
    spec = sim.load_scenario(path)
    n_steps = sim.StormModel(spec).clock.n_steps
    print(sim.BANNER, "— benchmark of speed only")
    print(f"scenario {spec.name} ({n_steps} steps), hypotheses on: {', '.join(spec.hypotheses_on)}")
    rates = {}
    for r, repeats in ((1, 5), (100, 3), (10_000, 2)):
        secs, rate = ensemble_rate(spec, r, repeats)
        rates[r] = rate
        print(f"ensemble R={r:>6,}: {secs:8.3f} s per run, {rate / 1e6:8.3f} M replicate-steps/s")
    per_rep, k = batch_run_rate(path, args.sample)
    single = n_steps / per_rep
    print(
        f"mesa.batch_run, one replicate per model: {per_rep:.3f} s per replicate "
        f"({single / 1e6:.4f} M replicate-steps/s; mean of {k} runs)"
    )
    est = per_rep * 10_000
    print(
        f"10,000 replicates one at a time: {est:,.0f} s (extrapolated from {k} runs) "
        f"vs {10_000 * n_steps / rates[10_000]:.2f} s in one ensemble"
    )
    print(
        f"speed-up of R=10,000 over one-at-a-time batch_run: {rates[10_000] / single:,.0f}x "
        "(aim: >= 100x; >= 2 M replicate-steps/s at R=10,000)"
    )


if __name__ == "__main__":
    main()

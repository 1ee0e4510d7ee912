"""A sweep as one ensemble against the same design points run one ``simulate`` at a time.

SPECULATIVE SCENARIO — NOT A FORECAST: this measures speed only.

``sim.analysis.sweep.sweep`` runs every point of a design as one ensemble
(each point a block of replicates whose swept values are arrays over the
block). The reference, measured in the same run, is what a user would write
without it: one ``sim.simulate`` per design point, with the point's values as
overrides, the same replicates and seed. Both give the same rows bit for bit
(checked here on every point); the aim is a ratio of at least 20x for 256
Latin-hypercube points x 100 replicates of ``mutiny_2023``.

Times are CPU seconds of this process (the machine is shared), the best of
``--repeats`` interleaved rounds; the load average is printed. ``--quick``
runs a small design, for a smoke test.

    .venv/bin/python benchmarks/bench_sweep.py [--points 256] [--runs 100] [--repeats 2] [--quick]
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

import sim
from sim.analysis.sweep import build_design, parse_params, sweep
from sim.ensemble import run_variants

PARAMS = (
    "wagner.speed_kmh=30:70",
    "kremlin.mediation_threat_per_h=0.1:1.2",
    "defence.engage_per_h=0.01:0.08",
    "defence.prep_h=10:48",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="mutiny_2023")
    parser.add_argument("--points", type=int, default=256)
    parser.add_argument("--runs", type=int, default=100, help="replicates per point")
    parser.add_argument("--repeats", type=int, default=2, help="rounds; the best of each is kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a small design (a smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.points, args.runs, args.repeats = 8, 20, 1
    spec = sim.api.prepare(args.scenario)
    params = parse_params(list(PARAMS))
    x, name, _ = build_design(params, "lhs", args.points, args.seed)
    keys = [p.key for p in params]
    points = [{k: float(v) for k, v in zip(keys, row, strict=True)} for row in x]
    print(sim.BANNER, "— benchmark of speed only")
    print(
        f"{spec.name}: {name} over {', '.join(keys)}; {args.runs} replicates per point, seed {args.seed}; "
        f"CPU seconds, best of {args.repeats}; load average before: {os.getloadavg()[0]:.2f}"
    )
    sim.simulate(spec, runs=10, seed=args.seed)  # imports and caches warm for both

    best = {"sweep": float("inf"), "ensemble": float("inf"), "one at a time": float("inf")}
    for _ in range(args.repeats):
        t0 = time.process_time()
        sweep(spec, params, "lhs", args.points, args.runs, args.seed)
        best["sweep"] = min(best["sweep"], time.process_time() - t0)
        t0 = time.process_time()
        frames = run_variants(spec, points, args.runs, args.seed)
        best["ensemble"] = min(best["ensemble"], time.process_time() - t0)
        t0 = time.process_time()
        singles = [sim.simulate(spec, runs=args.runs, seed=args.seed, overrides=p) for p in points]
        best["one at a time"] = min(best["one at a time"], time.process_time() - t0)

    n = args.points * args.runs
    loop = best["one at a time"]
    print(
        f"\nthe {args.points} points, one sim.simulate each:        {loop:7.2f} s ({n / loop:,.0f} replicates/s)"
    )
    print(
        f"sweep, all points as one ensemble, with its tables: {best['sweep']:7.2f} s "
        f"({n / best['sweep']:,.0f} replicates/s)"
    )
    print(f"    speed-up of the ensemble sweep: {loop / best['sweep']:.1f}x (aim: >= 20x)")
    print(
        f"    of which the simulation (sim.ensemble.run_variants): {best['ensemble']:7.2f} s, "
        f"{loop / best['ensemble']:.1f}x the one-at-a-time simulation"
    )

    # Every point's rows, from the ensemble, against its own simulate.
    same = 0
    for ens, single in zip(frames, singles, strict=True):
        single = single[list(ens.columns)]
        try:
            pd.testing.assert_frame_equal(ens, single, check_exact=True)
            same += 1
        except AssertionError:
            pass
    print(f"check: {same} of {len(points)} points give the same rows, bit for bit, in the ensemble and alone")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

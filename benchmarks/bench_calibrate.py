"""calibrate's speed: simulations per second through ELFI's ABC-SMC, against the engine alone.

    python benchmarks/bench_calibrate.py                      # the target: 1,000,000 simulations, 2 workers
    python benchmarks/bench_calibrate.py --simulations 200000 # a shorter run

Prints the engine's own rate on the same pool (one replicate per particle, the
same chunks, measured first, in the same run), calibrate's rate, the share of
wall time spent outside the simulations (ELFI, saving batches, the predictive
check), and the time a 1,000,000-simulation calibration would take at that rate.
The target (issue 8): 1,000,000 simulations of the 2022-2025 arc in 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.calibration import DEFAULT_PATTERNS, calibrate, load_patterns, plan
from sim.calibration.run import simulate_chunk
from sim.calibration.simulators import EngineSimulator
from sim.calibration.space import Space, default_unknowns
from sim.catalog import load
from sim.executors import open_pool, run_tasks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--simulations", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scenario", default="perfect_storm")
    ap.add_argument("--population", type=int, default=None)
    ap.add_argument(
        "--chunk", type=int, default=None, help="Replicates per chunk [default: as calibrate plans]."
    )
    ap.add_argument(
        "--toy",
        action="store_true",
        help="A near-free stand-in simulator: measures ELFI's and calibrate's own overhead at full size.",
    )
    args = ap.parse_args()
    if args.toy:
        return overhead(args)
    sizes = plan(args.simulations, args.population, args.workers, args.chunk)
    spec = load(args.scenario)
    space = Space(default_unknowns())
    pats = load_patterns(DEFAULT_PATTERNS)

    # Reference: one batch of prior particles straight through the engine on the same pool.
    z = np.random.default_rng(0).standard_normal((sizes["batch_size"], len(space)))
    tasks = [
        (EngineSimulator(), [spec], space, pats, z[i : i + sizes["chunk"]], 0, 10**12 + i)
        for i in range(0, len(z), sizes["chunk"])
    ]
    with open_pool("processes", args.workers) as pool:
        t = time.perf_counter()
        run_tasks(pool, simulate_chunk, tasks, lambda task, result: None)
        ref = len(z) / (time.perf_counter() - t)
    # The machine is shared: CPU time is steadier than wall time. One chunk in this process.
    c = time.process_time()
    simulate_chunk(*tasks[0])
    cpu_rate = len(tasks[0][4]) / (time.process_time() - c)
    print(
        f"engine alone: {ref:,.0f} simulations/s on the pool ({args.scenario}, {args.workers} workers, "
        f"chunks of {sizes['chunk']:,}); {cpu_rate:,.0f} simulations per CPU-second"
    )

    out = Path(tempfile.mkdtemp(prefix="bench-calibrate-"))
    try:
        t, c = time.perf_counter(), time.process_time()
        m = calibrate(
            [spec],
            DEFAULT_PATTERNS,
            args.simulations,
            out / "c",
            workers=args.workers,
            population=args.population,
            chunk=args.chunk,
        )
        wall, main_cpu = time.perf_counter() - t, time.process_time() - c
        report(m, wall, ref)
        done = m["simulations_done"] + min(m["population"], 10_000)
        # The sampler waits for each batch, so its own work adds to the simulations' time.
        per_million = 1e6 / (args.workers * cpu_rate) + main_cpu * 1e6 / done
        print(
            f"CPU: calibrate's own process {main_cpu:,.1f} s ({1e6 * main_cpu / done:,.0f} us per simulation: ELFI, "
            f"saving batches); 1,000,000 simulations on {args.workers} dedicated cores: "
            f"{1e6 / (args.workers * cpu_rate) / 60:,.1f} min simulating + {main_cpu * 1e6 / done / 60:,.1f} min "
            f"sampling = {per_million / 60:,.1f} min (target: 15 min)"
        )
        checks(out / "c", m)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def report(m: dict, wall: float, ref: float) -> None:
    done = m["simulations_done"] + min(m["population"], 10_000)  # with the predictive check
    rate = done / wall
    print(
        f"calibrate: {done:,} simulations in {wall:,.1f} s = {rate:,.0f} simulations/s "
        f"({rate / ref:.0%} of the engine alone; {max(0.0, 1 - rate / ref):.0%} of the time outside it); "
        f"{len(m['generations'])} generations, population {m['population']:,}, final ESS {m['ess']:,.0f}, {m['library']}"
    )
    for g in m["generations"]:
        print(
            f"  generation {g['generation']}: tolerance {g['tolerance']:.3f}, {g['simulations']:,} simulations, "
            f"acceptance {g['acceptance_rate']:.1%}, ESS {g['ess']:,.0f}"
        )
    print(f"1,000,000 simulations at this rate: {1e6 / rate / 60:,.1f} min (target: 15 min on 2 cores)")


def checks(calib: Path, m: dict) -> None:
    """Issue 8's checks under the posterior: the predictive bands, and mutiny_2023's documented window."""
    import sim
    from sim.calibration import load_posterior

    for p in m["predictive"]:
        band = f", 5-95 % [{p['q05']:.1f}, {p['q95']:.1f}]" if "q05" in p else ""
        print(
            f"  predictive {p['scenario']}:{p['pattern']}: {p['share_matching']:.0%} match{band}; "
            f"observed inside the central 90 % band: {p['observed_in_band']}"
        )
    draws, w, _ = load_posterior(calib)
    n = 4_000
    idx = np.random.default_rng(1).choice(len(w), size=n, p=w)
    worlds = {k: draws[k].to_numpy()[idx] for k in draws}
    df = sim.simulate("mutiny_2023", runs=n, seed=0, worlds=worlds)
    inside = (
        (df["mutiny_end"] == "mediated_halt")
        & df["closest_km_to_moscow"].between(150, 300)
        & df["mutiny_hours"].between(16, 36)
    )
    print(
        f"mutiny_2023 under the posterior: {inside.mean():.0%} mediated halts at 150-300 km within 16-36 h (check: >= 50 %)"
    )


def overhead(args: argparse.Namespace) -> None:
    """Calibrate with the toy (no engine cost) and as many unknowns as the engine has."""
    from sim.calibration.simulators import TOY_UNKNOWNS, ToySimulator
    from sim.calibration.space import Unknown

    unknowns = [*TOY_UNKNOWNS[:3]]
    unknowns += [Unknown(f"toy.pad{i}", 0, 1, "uniform") for i in range(len(default_unknowns()) - 4)]
    unknowns.append(TOY_UNKNOWNS[3])
    head = 'observed = "o"\nwhen = 2023-01-01\nsource = "the toy"\n'
    out = Path(tempfile.mkdtemp(prefix="bench-calibrate-"))
    pats = out / "p.toml"
    pats.write_text(
        f'[patterns.x]\n{head}figure = "toy_x"\nnear = 0.3\nscale = 0.05\n'
        f'[patterns.y]\n{head}figure = "toy_y"\nnear = 7\nscale = 0.4\n'
        f'[patterns.t]\n{head}figure = "toy_time"\nbetween = [2023-01-01, 2023-03-01]\nweight = 3\n',
        encoding="utf-8",
    )
    try:
        t = time.perf_counter()
        m = calibrate(
            ["mutiny_2023"],
            pats,
            args.simulations,
            out / "c",
            population=args.population,
            executor="inline",
            simulator=ToySimulator(),
            unknowns=unknowns,
        )
        wall = time.perf_counter() - t
    finally:
        shutil.rmtree(out, ignore_errors=True)
    gens = len(m["generations"])
    print(
        f"library overhead ({len(unknowns)} unknowns, population {m['population']:,}, a near-free simulator, "
        f"one process): {m['simulations_done']:,} simulations in {wall:,.1f} s over {gens} generations = "
        f"{wall / gens:,.1f} s per generation, {1e6 * wall / m['simulations_done']:,.0f} us per simulation; "
        f"final ESS {m['ess']:,.0f}; {m['library']}"
    )


if __name__ == "__main__":
    main()

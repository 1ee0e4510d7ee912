"""The batch runner: throughput, peak memory, and Dask against a local process pool.

Three measurements (each can be skipped), all on ``perfect_storm`` by default:

1. ``batch`` of ``--runs`` replicates (processes executor, ``--workers`` workers)
   against the same replicates run one at a time through ``mesa.batch_run``
   (one model per replicate, ``--workers`` processes). Running 100,000 single
   models would take hours, so ``--sample`` of them are timed and the time is
   extrapolated; the output says so. Those sampled replicates are the batch's
   own (``first_replicate`` = 0..sample-1, same seed), and their outcomes are
   checked against the batch's rows. Target: a ratio of at least 100x.
2. Peak memory (max RSS) of a ``--memory-runs`` (1,000,000) replicate batch,
   inline executor, measured in a child process. Target: under 2 GB.
   Printed beside it: what :mod:`sim.bounds` estimated before the batch began.
3. Dask ``LocalCluster`` with ``--workers`` workers against the process pool
   (from 1) on the same batch. Target: a time ratio of at most 1.3.
4. The cost of the durability checks: the batch of part 1 run again on its
   finished directory (every chunk verified by SHA-256 and replicate ids, the
   final files assembled again), against the batch's own time.

Timings are wall-clock on a shared machine: other jobs running at the same time
slow every figure; the ratios compare runs made in the same session.
SPECULATIVE SCENARIO — NOT A FORECAST: this measures speed only.

    .venv/bin/python benchmarks/bench_batch.py [--runs 100000] [--sample 200] [--workers 2]
        [--memory-runs 1000000] [--skip-reference] [--skip-memory] [--skip-dask]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa

import sim
from sim import bounds, catalog
from sim.batch import DEFAULT_CHUNK, run_batch, run_chunk


def timed_batch(
    path: str, runs: int, seed: int, out: Path, executor: str, workers: int, chunk: int
) -> tuple[float, object]:
    t0 = time.perf_counter()
    res = run_batch(path, runs, seed, out, executor=executor, workers=workers, chunk=chunk, force=True)
    return time.perf_counter() - t0, res


def reference_rate(path: str, seed: int, sample: int, workers: int, n_steps: int) -> tuple[float, list[dict]]:
    """Seconds per replicate through ``mesa.batch_run``, one replicate per model."""
    t0 = time.perf_counter()
    rows = mesa.batch_run(
        sim.StormModel,
        parameters={"scenario": path, "replicates": 1, "first_replicate": range(sample)},
        rng=[seed],
        number_processes=workers,
        data_collection_period=-1,
        max_steps=n_steps + 1,  # the default (1000) would cut a long scenario short
        display_progress=False,
    )
    return (time.perf_counter() - t0) / sample, rows


def memory_child(path: str, runs: int, seed: int, out: Path, chunk: int) -> tuple[int, float]:
    """(max RSS in bytes, seconds) of an inline batch run in a fresh child process."""
    code = (
        "import sys, time; from sim.batch import run_batch; t0 = time.perf_counter(); "
        f"run_batch({path!r}, {runs}, {seed}, {str(out)!r}, executor='inline', chunk={chunk}, force=True); "
        "print(time.perf_counter() - t0)"
    )
    # A wrapper whose only child is the batch, so RUSAGE_CHILDREN is that batch's peak alone.
    wrapper = (
        "import resource, subprocess, sys, json; "
        f"p = subprocess.run([sys.executable, '-c', {code!r}], capture_output=True, text=True, check=True); "
        "print(json.dumps({'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
        "'secs': float(p.stdout.strip().splitlines()[-1])}))"
    )
    done = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return int(data["maxrss_kb"]) * 1024, float(data["secs"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="perfect_storm")
    parser.add_argument("--runs", type=int, default=100_000, help="replicates for parts 1 and 3")
    parser.add_argument("--sample", type=int, default=200, help="single runs timed through mesa.batch_run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory-runs", type=int, default=1_000_000)
    parser.add_argument("--skip-reference", action="store_true", help="skip the mesa.batch_run reference")
    parser.add_argument("--skip-memory", action="store_true", help="skip the peak-memory batch")
    parser.add_argument("--skip-dask", action="store_true", help="skip the Dask comparison")
    parser.add_argument("--keep", action="store_true", help="keep the output directories")
    args = parser.parse_args()

    path = str(catalog.resolve(args.scenario))
    spec = sim.load_scenario(path)
    n_steps = sim.StormModel(spec).clock.n_steps
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    print(sim.BANNER, "— benchmark of speed and memory only")
    print(f"scenario {spec.name} ({n_steps} steps), hypotheses on: {', '.join(spec.hypotheses_on)}")
    print(f"chunk {args.chunk:,} replicates, {args.workers} workers; machine shared with other jobs")
    try:
        plain, observed = float("inf"), float("inf")
        for _ in range(2):  # interleaved, best of two, in CPU time: the machine is shared
            t0 = time.process_time()
            sim.StormModel(spec, replicates=args.chunk, rng=args.seed).run()
            plain = min(plain, time.process_time() - t0)
            t0 = time.process_time()
            run_chunk(spec, args.seed, 0, args.chunk)
            observed = min(observed, time.process_time() - t0)
        print(
            f"\n[0] one chunk of {args.chunk:,} (CPU time): model alone {plain:.2f} s, with the series "
            f"histogram and results {observed:.2f} s (+{100 * (observed / plain - 1):.0f} %)"
        )
        secs, res = timed_batch(
            path, args.runs, args.seed, tmp / "proc", "processes", args.workers, args.chunk
        )
        rate = args.runs / secs
        print(
            f"\n[1] batch, processes x{args.workers}: {args.runs:,} replicates in {secs:.1f} s = "
            f"{rate:,.0f} replicates/s, {rate * n_steps / 1e6:.2f} M replicate-steps/s"
        )
        if not args.skip_reference:
            per_rep, rows = reference_rate(path, args.seed, args.sample, args.workers, n_steps)
            ref_rate = 1 / per_rep
            print(
                f"    mesa.batch_run, one replicate per model, {args.workers} processes: {per_rep * 1e3:.1f} ms "
                f"per replicate = {ref_rate:,.1f} replicates/s, {ref_rate * n_steps / 1e6:.4f} M "
                f"replicate-steps/s (measured on {args.sample} runs)"
            )
            print(
                f"    {args.runs:,} replicates one at a time: {per_rep * args.runs:,.0f} s "
                f"(extrapolated from {args.sample} runs) vs {secs:.1f} s in the batch"
            )
            print(
                f"    speed-up of batch over one-at-a-time batch_run: {rate / ref_rate:,.0f}x (target >= 100x)"
            )
            outcomes = res.outcomes.set_index("replicate")["outcome"]  # type: ignore[attr-defined]
            same = sum(str(r["outcome"]) == str(outcomes.loc[r["first_replicate"]]) for r in rows)
            print(
                f"    check: {same} of {len(rows)} batch_run outcomes equal the batch's rows for the same replicates"
            )
        # [4] What the durability checks cost: run the finished batch again. Every chunk's
        # checksums and replicate ids are verified and the final files are assembled anew.
        before = (tmp / "proc" / "outcomes.parquet").read_bytes()
        t0 = time.perf_counter()
        again = run_batch(
            path,
            args.runs,
            args.seed,
            tmp / "proc",
            executor="processes",
            workers=args.workers,
            chunk=args.chunk,
        )
        vsecs = time.perf_counter() - t0
        same_bytes = (tmp / "proc" / "outcomes.parquet").read_bytes() == before
        print(
            f"\n[4] the same batch run again on its finished directory (verify its {again.manifest['chunks']} "
            f"chunks by SHA-256 and replicate ids, then reassemble): {vsecs:.1f} s = "
            f"{100 * vsecs / secs:.1f} % of the batch's {secs:.1f} s; "
            f"results identical: {again.outcomes.equals(res.outcomes) and same_bytes}"  # type: ignore[attr-defined]
        )
        if not args.skip_dask:
            dsecs, dres = timed_batch(
                path, args.runs, args.seed, tmp / "dask", "dask", args.workers, args.chunk
            )
            identical = dres.outcomes.equals(res.outcomes) and dres.series.equals(res.series)  # type: ignore[attr-defined]
            print(
                f"\n[3] batch, Dask LocalCluster x{args.workers}: {dsecs:.1f} s vs process pool {secs:.1f} s: "
                f"ratio {dsecs / secs:.2f} (target <= 1.3; both include starting their workers); "
                f"results identical: {identical}"
            )
        if not args.skip_memory:
            rss, msecs = memory_child(path, args.memory_runs, args.seed, tmp / "mem", args.chunk)
            est = bounds.estimate(n_steps, args.memory_runs, chunk=args.chunk, workers=1)
            print(
                f"\n[2] peak memory of a {args.memory_runs:,}-replicate batch (inline, child process): "
                f"max RSS {rss / 2**30:.2f} GiB (target < 2 GB); it took {msecs:.0f} s = "
                f"{args.memory_runs / msecs:,.0f} replicates/s on one core"
            )
            print(
                f"    sim.bounds estimated before it started: {est.memory_bytes / 2**30:.2f} GiB of memory "
                f"(ratio to the measured peak {est.memory_bytes / rss:.2f}; it should not be below 1) and "
                f"{est.seconds:.0f} s (ratio {est.seconds / msecs:.2f})"
            )
    finally:
        if args.keep:
            print(f"\noutputs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

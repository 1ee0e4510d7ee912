"""Every size has a limit, checked before work starts.

:func:`estimate` gives the memory, disk and time a request needs, from its
size alone (steps, replicates, variants, chunk, workers); :func:`check_request`
refuses, with one line giving the estimate and the limit, what cannot fit:
more memory than the machine has free, more disk than the output directory's
file system has free, more than :data:`MAX_SECONDS` of computing, more than
:data:`MAX_CHUNKS` chunks, or more replicate ids than the engine can number.
:func:`plan_workers` caps a worker count at the work there is and the memory
there is.

The per-unit figures below were measured on ``perfect_storm`` (1,522 steps)
and ``mutiny_2023`` (96 steps) with margin; they are estimates meant to refuse
what is clearly impossible (``--runs 10**12``, a 3-million-step scenario),
not to predict closely. Callers: ``batch`` (:mod:`sim.batch`) and, with
``rows_in_memory`` and ``variants``, ``compare`` (2 x runs), ``sweep``
(points x runs) and ``attribute`` (2^k x runs).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

#: Memory of one process that has imported the engine (measured ~160 MiB).
PROCESS_BYTES = 200 * 2**20
#: Model state per replicate while a chunk runs, with numpy's temporaries (measured ~2.8 KiB at
#: 10,000 replicates; at 32,000 per chunk a 1,000,000-replicate inline batch peaked at 0.62 GiB,
#: 2 % above the estimate with 4 KiB, so the margin is wider).
MODEL_BYTES_PER_REPLICATE = 6 * 2**10
#: One outcome row in a DataFrame, with room for the copies pandas makes (measured ~90 B).
ROW_BYTES = 300
#: One outcome row on disk: the chunk file and outcomes.parquet (measured ~45-60 B each).
DISK_BYTES_PER_REPLICATE = 150
#: A chunk's compressed series histogram on disk, per step (measured 0.2-0.4 KiB).
DISK_BYTES_PER_CHUNK_STEP = 2 * 2**10
#: Replicate-steps per second per worker used for the time estimate (measured 7-10 M).
REPLICATE_STEPS_PER_SECOND = 5_000_000
#: Refused above these.
MAX_SECONDS = 7 * 24 * 3600
MAX_CHUNKS = 100_000
MAX_REPLICATES = 2**53  # replicate ids stay exact as float64 (pandas, Parquet statistics)
#: Share of the free memory a request may plan to use.
MEMORY_SHARE = 0.8


class TooLarge(UsageError):
    """A request that cannot fit (exit status 2): the message gives the estimate and the limit."""


def series_bytes_per_step(dtype_bytes: int = 4) -> int:
    """One step of the per-chunk series histogram: series x (bins + 3) counters."""
    from .outputs import SERIES
    from .series import BINS

    return len(SERIES) * (BINS + 3) * dtype_bytes


def fmt_bytes(n: float) -> str:
    """1,536 -> '1.5 KiB' (binary units, up to EiB)."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} EiB"


def fmt_seconds(s: float) -> str:
    """Seconds as '42 s', '3.5 min', '2.0 h', '12.3 days' or '4.1 years'."""
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.1f} min"
    if s < 86400:
        return f"{s / 3600:.1f} h"
    if s < 365 * 86400:
        return f"{s / 86400:.1f} days"
    return f"{s / (365 * 86400):,.1f} years"


def available_memory() -> int:
    """Bytes of memory this process may still use: MemAvailable, within a cgroup limit if any."""
    avail: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            avail = 4 * 2**30  # unknown system: assume a small machine
    try:  # cgroup v2: a container's limit can be far below the host's free memory
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        if limit != "max":
            avail = min(avail, max(0, int(limit) - int(used)))
    except (OSError, ValueError):
        pass
    return int(avail)


def available_disk(path: str | Path) -> int | None:
    """Free bytes on the file system that holds ``path`` (or its nearest existing parent)."""
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return int(shutil.disk_usage(p).free)
    except OSError:
        return None


@dataclass(frozen=True)
class Estimate:
    """What a request needs, from its size alone."""

    replicates: int  # replicate runs in all (runs x variants)
    steps: int
    chunk: int  # replicates per chunk (one model)
    chunks: int
    workers: int  # processes that run chunks at once
    worker_bytes: int  # peak memory of one worker
    memory_bytes: int  # peak memory in all: the parent and every worker
    disk_bytes: int
    seconds: float

    def describe(self) -> str:
        return (
            f"{self.replicates:,} replicates x {self.steps:,} steps in {self.chunks:,} chunks: about "
            f"{fmt_bytes(self.memory_bytes)} of memory, {fmt_bytes(self.disk_bytes)} of disk, "
            f"{fmt_seconds(self.seconds)} on {self.workers} worker{'s' if self.workers != 1 else ''}"
        )


def worker_bytes(n_steps: int, chunk: int, series: bool = True) -> int:
    """Peak memory of one process running one chunk of ``chunk`` replicates."""
    hist = series_bytes_per_step(4) * n_steps if series else 0
    return PROCESS_BYTES + chunk * (MODEL_BYTES_PER_REPLICATE + ROW_BYTES) + 2 * hist


def estimate(
    n_steps: int,
    runs: int,
    *,
    variants: int = 1,
    chunk: int | None = None,
    workers: int = 1,
    series: bool = True,
    rows_in_memory: bool = False,
    write_rows: bool = True,
) -> Estimate:
    """Memory, disk and time of ``variants`` x ``runs`` replicates of ``n_steps`` steps.

    ``chunk`` replicates run in one model (default: all runs of a variant);
    ``workers`` processes run chunks at once (the caller itself when 1);
    ``series``: each chunk keeps a per-step histogram (a batch does);
    ``rows_in_memory``: every outcome row is kept in the caller's memory (the
    in-memory analyses) rather than streamed to disk; ``write_rows``: rows are
    written to disk (a batch's chunk files and outcomes.parquet).
    All arithmetic is on Python integers: a 7-PiB request is estimated, not overflowed.
    """
    n_steps, runs, variants = int(n_steps), int(runs), int(variants)
    total = runs * variants
    size = max(1, min(int(chunk) if chunk else runs, runs))
    chunks = variants * -(-runs // size)
    busy = max(1, min(int(workers), chunks))
    one = worker_bytes(n_steps, size, series)
    hist_parent = series_bytes_per_step(8) * n_steps if series else 0
    parent = PROCESS_BYTES + 4 * hist_parent  # merged int64 histogram and the quantile pass
    if busy > 1:
        # Results in flight: two per worker, each its rows and its histogram (pickled and not).
        parent += 2 * busy * (size * ROW_BYTES + 2 * series_bytes_per_step(4) * n_steps * series)
        memory = parent + busy * one
    else:
        memory = parent + one - PROCESS_BYTES
    if rows_in_memory:
        memory += total * ROW_BYTES
    disk = 0
    if write_rows:
        disk = total * DISK_BYTES_PER_REPLICATE
        if series:
            disk += chunks * n_steps * DISK_BYTES_PER_CHUNK_STEP
    seconds = total * n_steps / (REPLICATE_STEPS_PER_SECOND * busy)
    return Estimate(total, n_steps, size, chunks, busy, one, memory, disk, seconds)


@dataclass(frozen=True)
class Limits:
    """What a request may use; None means the machine's own figure, measured when checked."""

    memory_bytes: int | None = None
    disk_bytes: int | None = None
    seconds: float = MAX_SECONDS
    chunks: int = MAX_CHUNKS
    replicates: int = MAX_REPLICATES


def check_request(
    n_steps: int,
    runs: int,
    *,
    variants: int = 1,
    chunk: int | None = None,
    workers: int = 1,
    series: bool = True,
    rows_in_memory: bool = False,
    write_rows: bool = True,
    out: str | Path | None = None,
    what: str | None = None,
    limits: Limits | None = None,
) -> Estimate:
    """:func:`estimate` the request; raise :class:`TooLarge` if it cannot fit.

    ``what`` names the request in the message (default: ``runs N``, with ``x V
    variants`` when there are several), e.g. ``"--runs 1,000,000,000,000"``;
    ``out`` is where files will be written (its free disk is the disk limit).
    Returns the estimate when it fits.
    """
    limits = limits or Limits()
    runs, variants = int(runs), int(variants)
    if what is None:
        what = f"runs {runs:,}" + (f" x {variants:,} variants" if variants != 1 else "")
    total = runs * variants
    if total > limits.replicates:
        raise TooLarge(
            f"{what}: {total:,} replicates, more than the limit of {limits.replicates:,} replicate ids"
        )
    size = max(1, min(int(chunk) if chunk else runs, runs))
    n_chunks = variants * -(-runs // size)
    if n_chunks > limits.chunks:
        raise TooLarge(
            f"{what}: {n_chunks:,} chunks of {size:,} replicates, more than the limit of "
            f"{limits.chunks:,} chunks; use a larger chunk"
        )
    est = estimate(
        n_steps,
        runs,
        variants=variants,
        chunk=chunk,
        workers=workers,
        series=series,
        rows_in_memory=rows_in_memory,
        write_rows=write_rows,
    )
    mem_limit = limits.memory_bytes
    if mem_limit is None:
        mem_limit = int(available_memory() * MEMORY_SHARE)
    # A worker count can be lowered (plan_workers), one worker cannot: check one chunk first.
    single = estimate(
        n_steps, runs, variants=variants, chunk=chunk, workers=1, series=series, rows_in_memory=rows_in_memory
    )
    if single.memory_bytes > mem_limit:
        hint = "; use a smaller chunk" if size > 1 and not rows_in_memory else ""
        if series and n_steps * series_bytes_per_step(8) * 4 > mem_limit:
            hint = f"; the per-step series of {n_steps:,} steps alone needs more: use a shorter scenario or a longer step"
        elif rows_in_memory and total * ROW_BYTES > mem_limit / 2:
            hint = "; use fewer runs, or a batch, which streams its rows to disk"
        raise TooLarge(
            f"{what}: needs about {fmt_bytes(single.memory_bytes)} of memory ({single.describe()}), "
            f"more than the limit of {fmt_bytes(mem_limit)} ({int(MEMORY_SHARE * 100)} % of the memory available)"
            f"{hint}"
        )
    disk_limit = limits.disk_bytes
    if disk_limit is None and out is not None and write_rows:
        disk_limit = available_disk(out)
    if disk_limit is not None and est.disk_bytes > disk_limit:
        raise TooLarge(
            f"{what}: needs about {fmt_bytes(est.disk_bytes)} of disk, more than the "
            f"{fmt_bytes(disk_limit)} free" + (f" in {out}" if out is not None else "")
        )
    if est.seconds > limits.seconds:
        raise TooLarge(
            f"{what}: needs about {fmt_seconds(est.seconds)} on {est.workers} worker"
            f"{'s' if est.workers != 1 else ''} ({est.replicates:,} replicates x {est.steps:,} steps at "
            f"{REPLICATE_STEPS_PER_SECOND / 1e6:.0f} M replicate-steps/s each), more than the limit of "
            f"{fmt_seconds(limits.seconds)}"
        )
    return est


def plan_workers(
    requested: int,
    tasks: int,
    per_worker_bytes: int,
    available: int | None = None,
    name: str = "--workers",
) -> tuple[int, str | None]:
    """Cap ``requested`` workers at the ``tasks`` to run and at the memory free for them.

    Returns the count and, when it was lowered, a one-line note saying why.
    A pool starts every worker before any work, so 1,000 workers for 2 chunks
    would start 1,000 processes of ~180 MB each.
    """
    requested = max(1, int(requested))
    if available is None:
        available = int(available_memory() * MEMORY_SHARE)
    by_memory = max(1, int(available // max(1, per_worker_bytes)))
    n = max(1, min(requested, max(1, tasks), by_memory))
    if n == requested:
        return n, None
    if n == max(1, tasks) and n < by_memory:
        why = f"only {tasks:,} chunk{'s' if tasks != 1 else ''} to run"
    else:
        why = (
            f"about {fmt_bytes(per_worker_bytes)} per worker, {fmt_bytes(available)} of memory free for them"
        )
    return n, f"note: {name} {requested:,} lowered to {n:,} ({why})"


def steps_of(spec: object) -> int:
    """The step count of a scenario (its clock), for the estimates."""
    from .clock import Clock

    return int(Clock(spec).n_steps)  # type: ignore[arg-type]


def check_analysis(
    spec: object,
    runs: int,
    variants: int,
    what: str,
    workers: int = 1,
    limits: Limits | None = None,
) -> Estimate:
    """Check an in-memory analysis of ``variants`` x ``runs`` replicates before it starts.

    For ``compare`` (variants 2), ``sweep`` (the design's points, points^k for
    a grid) and ``attribute`` (2^k): every outcome row is kept in memory, no
    series histograms, nothing streamed to disk. ``what`` names the request in
    the message, e.g. ``"runs 100,000,000 x 2^7 variants"``.
    """
    return check_request(
        steps_of(spec),
        runs,
        variants=variants,
        workers=workers,
        series=False,
        rows_in_memory=True,
        write_rows=False,
        what=what,
        limits=limits,
    )

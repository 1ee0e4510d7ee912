"""The batch runner: many replicates, chunked, resumable, extendable, checked.

``run_batch`` splits replicates 0..runs-1 into chunks (replicate ranges), runs
them on an executor (see :mod:`sim.executors`) and writes each finished chunk
at once to ``DIR/chunks/`` (see :mod:`sim.chunks`: written whole, with
checksums). Run again on the same DIR after an interruption, it computes only
the missing chunks, and any chunk that fails its checksums or holds the wrong
replicates is computed again, with a notice naming it. Run again with a larger
``runs`` (same seed, scenario, chunk and engine), it adds only the new
replicates: the chunk plan of the smaller batch is a prefix of the larger one.
At the end it assembles ``outcomes.parquet``, ``summary.csv``,
``series.parquet`` and marks ``manifest.json`` complete. Replicates are
counter-based, so results are identical whatever the executor, the worker
count, the chunk size or the history of interruptions and extensions.

Before any work, :func:`sim.bounds.check_request` refuses a request whose
memory, disk or time cannot fit, and the worker count is capped at the chunks
to run and the memory free.

Errors: a bad argument, a DIR that is a file or that holds another batch, a
request too large is a :class:`UsageError` (exit 2); a DIR that cannot be
created or written, a full disk, is a :class:`BatchError` (exit 1), and the
chunks already saved stay valid.
"""

from __future__ import annotations

import concurrent.futures.process
import contextlib
import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import bounds
from . import series as ser
from .analysis.anchors import ANCHOR_COLUMNS, anchor_figures
from .analysis.uncertainty import spread_from_counts
from .banner import BANNER
from .chunks import (
    PREFIX,
    ChunkUnreadable,
    chunk_stem,
    concat_chunks,
    is_complete,
    plan_chunks,
    remove_chunk,
    replicates_ok,
    segments_ok,
    verify_chunk,
    write_chunk,
)
from .clock import Clock
from .errors import UsageError
from .executors import check_executor, default_workers, engine_fingerprint, open_pool, run_tasks
from .hypotheses import REGISTRY
from .model import StormModel
from .outputs import OUTCOMES, SERIES
from .resultdir import MANIFEST, TMP_PREFIX, OutputError, atomic, label_frame, lock_dir, provenance, read_json
from .resultdir import arrow_table as _arrow_table
from .resultdir import read_csv as _read_csv
from .resultdir import sha256_file as _sha256
from .resultdir import write_csv as _write_csv
from .resultdir import write_json as write_json
from .scenario import Scenario, load_scenario
from .stats import wilson

__all__ = [
    "BatchError",
    "BatchInterrupted",
    "BatchResult",
    "chunk_stem",
    "load_batch",
    "plan_chunks",
    "run_batch",
]

#: Replicates per chunk (one model). Larger chunks spend less of each step on numpy's per-call
#: overhead: 1,000,000 replicates of perfect_storm on 2 processes took 105 s at 10,000 per chunk
#: and 82 s at 32,000 (about 90 MB of model state per worker).
DEFAULT_CHUNK = 32_000
OUTCOMES_FILE, SUMMARY_FILE, SERIES_FILE = "outcomes.parquet", "summary.csv", "series.parquet"
CHUNKS = "chunks"
#: Rows per row group of outcomes.parquet, whatever the chunking (so its bytes do not depend on it).
ROW_GROUP = 65_536
#: Manifest keys that must match for a DIR to be resumed or extended (runs may grow: an extension).
IDENTITY = ("kind", "scenario_hash", "seed", "chunk", "series_bins", "engine")

Progress = Callable[[int, int], None]
Notice = Callable[[str], None]


class BatchError(OutputError):
    """The output directory cannot be created, written or read (exit status 1)."""


class _WriteFailed(Exception):
    """A chunk could not be written (kept apart from OSErrors raised inside a task)."""

    def __init__(self, err: OSError) -> None:
        super().__init__(str(err))
        self.err = err


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch; the message says what is saved and how to resume."""


@dataclass
class BatchResult:
    """A finished batch: its manifest, summary and series; outcomes load on demand."""

    out_dir: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    series: pd.DataFrame
    _outcomes: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per replicate (read from outcomes.parquet the first time)."""
        if self._outcomes is None:
            self._outcomes = label_frame(pd.read_parquet(self.out_dir / OUTCOMES_FILE), self.manifest)
        return self._outcomes

    @property
    def hypotheses_on(self) -> list[str]:
        return list(self.manifest["hypotheses_on"])

    @property
    def banner(self) -> str:
        return str(self.manifest["banner"])


def run_chunk(spec: Scenario, seed: int, first: int, count: int) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Simulate one chunk: its outcome rows, its per-step series histogram, the engine's hash.

    Pure (no side effects), so a task rerun after a lost worker gives the same.
    """
    hist = ser.SeriesHistogram(spec, count)
    model = StormModel(spec, replicates=count, rng=seed, first_replicate=first, observers=[hist])
    model.run()
    rows, counts = model.results(), hist.finish()
    # Agents and model refer to each other: without a collection, finished
    # models pile up until the cyclic collector happens to run (about 20 MB each
    # at 10,000 replicates; a 1,000,000-replicate batch went past 2 GB).
    del model
    gc.collect()
    return rows, counts, engine_fingerprint()


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _manifest(
    spec: Scenario,
    seed: int,
    runs: int,
    chunk: int,
    executor: str,
    workers: int,
    scheduler: str | None,
    command: Sequence[str] | None,
) -> dict[str, Any]:
    from . import __version__

    on = spec.hypotheses_on
    return {
        "banner": BANNER,
        "kind": "batch",
        "complete": False,
        "hypotheses_on": on,
        "hypotheses": [
            {"id": h, "title": REGISTRY[h].metadata["title"], "status": REGISTRY[h].metadata["status"]}
            for h in on
        ],
        "scenario_name": spec.name,
        "scenario_path": spec.path,
        "scenario_hash": spec.hash,
        "scenario": spec.to_dict(),
        # Per-replicate parameters (their columns are in outcomes.parquet): the
        # distributions and the nested design, as the scenario gives them.
        "uncertain": dict(spec.uncertain),
        "replicates_per_draw": spec.replicates_per_draw,
        "draws": -(-runs // spec.replicates_per_draw) if spec.uncertain else None,
        "seed": seed,
        "runs": runs,
        "chunk": chunk,
        "segments": [runs],
        "chunks": 0,
        "executor": executor,
        "workers": workers,
        "scheduler": scheduler,
        "version": __version__,
        "engine": engine_fingerprint(),
        **provenance(command),
        "series_bins": ser.BINS,
        "series_ranges": {k: list(v) for k, v in ser.ranges(spec).items()},
        "series_resolution": ser.resolution(spec),
        "series_note": ser.NOTE,
        "time_unit": "ms",
        "started": _now(),
        "finished": None,
        "resumed": [],
        "recomputed": [],
        "files": [OUTCOMES_FILE, SUMMARY_FILE, SERIES_FILE],
    }


def _make_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file, not a directory")
    try:
        (out / CHUNKS).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BatchError(f"--out {out}: cannot create the directory: {err.strerror or err}") from None


def _previous(out: Path, manifest: dict[str, Any], force: bool) -> dict[str, Any] | None:
    """The manifest of the batch DIR already holds, if it may be resumed or extended.

    Refuses (or with ``force`` clears) a DIR holding anything else; never
    touches its files otherwise.
    """
    old_path = out / MANIFEST
    old: dict[str, Any] | None = None
    reason = ""
    if old_path.exists():
        try:
            old = read_json(old_path)
        except OutputError as err:
            reason = f"an unreadable {MANIFEST} ({str(err).split(': ', 1)[-1]})"
        if old is not None and old.get("kind") != "batch":
            reason = f"a {MANIFEST} that is not a batch's (kind {old.get('kind')!r})"
            old = None
        if old is not None:
            diff = [f"{k} {old.get(k)!r}, not {manifest[k]!r}" for k in IDENTITY if old.get(k) != manifest[k]]
            if diff:
                hint = ""
                if (
                    "seed" in " ".join(diff)
                    and isinstance(old.get("runs"), int)
                    and old["runs"] < manifest["runs"]
                ):
                    hint = "; extending it needs its own --seed"
                elif old.get("engine") != manifest["engine"]:
                    hint = "; made by another version of the engine, its chunks cannot be mixed with new ones"
                reason = "another batch (" + "; ".join(diff) + ")" + hint
            elif not segments_ok(old):
                reason = f"a {MANIFEST} whose runs and segments are damaged"
            elif old["runs"] > manifest["runs"]:
                reason = (
                    f"a batch of {old.get('runs')!r} replicates, more than --runs {manifest['runs']} "
                    "(a batch can be extended, not shrunk)"
                )
    elif any((out / CHUNKS).glob(f"{PREFIX}*")) or (out / OUTCOMES_FILE).exists():
        reason = f"batch files without a {MANIFEST}"
    if reason and not force:
        raise UsageError(f"--out {out}: holds {reason}; use another --out, or --force to replace it")
    doomed = [*(out / CHUNKS).glob(f"{TMP_PREFIX}*"), *out.glob(f"{TMP_PREFIX}*")]  # left by a killed run
    if force and reason:
        old = None
        doomed += [
            *(out / CHUNKS).glob(f"{PREFIX}*"),
            *(out / n for n in (MANIFEST, OUTCOMES_FILE, SUMMARY_FILE, SERIES_FILE)),
        ]
    for path in doomed:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return old


def _os_error(out: Path, err: OSError, saved: int, total: int) -> BatchError:
    what = err.strerror or str(err)
    return BatchError(
        f"--out {out}: cannot write: {what}; {saved} of {total} chunks are saved and "
        "stay valid: fix this and run the same command again to resume"
    )


def _check_args(runs: Any, seed: Any, chunk: Any, out_dir: Any) -> None:
    for name, value in (("--runs", runs), ("--chunk", chunk), ("--seed", seed)):
        if value is not None and (not isinstance(value, (int, np.integer)) or isinstance(value, bool)):
            raise UsageError(f"{name}: expected a whole number, got {value!r}")
    if runs < 1:
        raise UsageError(f"--runs: must be at least 1, got {runs}")
    if seed < 0:
        raise UsageError(f"--seed: must be a non-negative integer, got {seed}")
    if chunk is not None and chunk < 1:
        raise UsageError(f"--chunk: must be at least 1, got {chunk}")
    if str(out_dir) == "":
        raise UsageError("--out: must name a directory, got ''")


def run_batch(
    spec: str | Path | Scenario,
    runs: int,
    seed: int,
    out_dir: str | Path,
    executor: str = "inline",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    progress: Progress | None = None,
    force: bool = False,
    notice: Notice | None = None,
    command: Sequence[str] | None = None,
    limits: bounds.Limits | None = None,
) -> BatchResult:
    """Run replicates 0..runs-1 of ``spec`` with ``seed`` into ``out_dir``; resume or extend if begun.

    ``progress(done, runs)`` is called with the replicates done so far, at the
    start and after each chunk; ``notice(line)`` with one-line notes (resumed,
    chunk damaged and recomputed, workers lowered). ``command`` is recorded in
    the manifest (default ``sys.argv``); ``limits`` overrides the machine's own.
    """
    _check_args(runs, seed, chunk, out_dir)
    chunk = DEFAULT_CHUNK if chunk is None else int(chunk)
    check_executor(executor, workers, scheduler)
    spec = load_scenario(spec)
    out = Path(out_dir)
    say: Notice = notice or (lambda line: None)
    requested = 1 if executor == "inline" else (workers or default_workers())
    n_steps = Clock(spec).n_steps
    local = executor == "processes" or (executor == "dask" and scheduler is None)
    if limits is None and scheduler is not None:
        # An external cluster's size is unknown here: no time limit, memory and disk still checked.
        limits = bounds.Limits(seconds=float("inf"))
    bounds.check_request(
        n_steps, runs, chunk=chunk, workers=requested, out=out, what=f"--runs {runs:,}", limits=limits
    )
    manifest = _manifest(spec, int(seed), int(runs), chunk, executor, requested, scheduler, command)
    _make_dir(out)
    chunks = out / CHUNKS
    with lock_dir(out, BatchError, "another batch is writing to this directory"):
        try:
            old = _previous(out, manifest, force)
        except OSError as err:
            raise _os_error(out, err, 0, len(plan_chunks(runs, chunk))) from None
        if old is not None:
            manifest["started"] = old.get("started", manifest["started"])
            for key in ("resumed", "recomputed"):
                manifest[key] = list(old.get(key) or [])
            segments = [s for s in old.get("segments", [old["runs"]]) if s < runs]
            manifest["segments"] = [*segments, runs]
        plan = plan_chunks(runs, chunk, manifest["segments"][:-1])
        manifest["chunks"] = len(plan)
        shape = (n_steps, len(SERIES), ser.BINS + 3)
        done: list[tuple[int, int]] = []
        hist: np.ndarray | None = None
        for first, count in plan:
            counts, damage = verify_chunk(chunks, first, count, shape)
            if damage:
                stem = chunk_stem(first, count)
                say(f"chunk {CHUNKS}/{stem} in {out}: {damage}; computing it again")
                manifest["recomputed"].append({"chunk": stem, "reason": damage, "at": _now()})
                with contextlib.suppress(OSError):
                    remove_chunk(chunks, first, count)
            if counts is not None:
                done.append((first, count))
                hist = counts.astype(np.int64) if hist is None else hist + counts
        saved = len(done)
        replicates_done = sum(c for _, c in done)
        have = set(done)
        todo = [(spec, int(seed), f, c) for f, c in plan if (f, c) not in have]
        if local and todo:
            per_worker = bounds.worker_bytes(n_steps, min(chunk, runs))
            n_workers, lowered = bounds.plan_workers(requested, len(todo), per_worker)
            if lowered and workers is not None:
                say(lowered)
            manifest["workers"] = n_workers
        else:
            n_workers = requested
        if old is not None:
            old_runs = int(old["runs"])
            what = (
                f"extending {out} from {old_runs:,} to {runs:,} replicates"
                if old_runs < runs
                else f"resuming {out}"
            )
            say(
                f"{what}: {saved} of {len(plan)} chunks ({replicates_done:,} of {runs:,} replicates) already done"
            )
            manifest["resumed"].append(
                {"at": _now(), "runs": runs, "chunks_done": saved, "replicates_done": replicates_done}
            )
        try:
            write_json(out / MANIFEST, manifest)
        except OSError as err:
            raise _os_error(out, err, saved, len(plan)) from None
        if progress:
            progress(replicates_done, runs)

        def finished(task: tuple[Any, ...], result: tuple[pd.DataFrame, np.ndarray, str]) -> None:
            nonlocal hist, saved, replicates_done
            _, _, first, count = task
            df, counts, engine = result
            if engine != manifest["engine"]:
                raise BatchError(
                    f"a worker runs another version of the engine ({engine}, not {manifest['engine']}); "
                    "install the same version of perfect-storm (and numpy, pandas, pyarrow) on every worker"
                )
            wrong = replicates_ok(df["replicate"].to_numpy(), first, count)
            if wrong or counts.shape != shape:
                raise BatchError(
                    f"a worker returned a wrong chunk {chunk_stem(first, count)}: {wrong or 'shape'}"
                )
            try:
                write_chunk(chunks, first, count, df, counts, manifest)
            except OSError as err:
                raise _WriteFailed(err) from err
            hist = counts.astype(np.int64) if hist is None else hist + counts
            saved += 1
            replicates_done += count
            if progress:
                progress(replicates_done, runs)

        try:
            if todo:
                with open_pool(executor, n_workers, scheduler) as pool:
                    run_tasks(pool, run_chunk, todo, finished)
            if hist is None:  # pragma: no cover - runs >= 1 gives at least one chunk
                raise BatchError(f"--out {out}: no chunk was computed")
            result = _assemble(out, spec, manifest, plan, hist)
        except _WriteFailed as failed:
            raise _os_error(out, failed.err, saved, len(plan)) from None
        except OSError as err:  # assembling the final files
            raise _os_error(out, err, saved, len(plan)) from None
        except concurrent.futures.process.BrokenProcessPool:
            raise BatchError(
                f"a worker process died (out of memory?); {saved} of {len(plan)} chunks are saved in "
                f"{out}: run the same command again to resume, perhaps with a smaller --chunk"
            ) from None
        except KeyboardInterrupt:
            # Count on disk: the interrupt may land between a write and the tally.
            whole = [(f, c) for f, c in plan if is_complete(chunks, f, c)]
            raise BatchInterrupted(
                f"interrupted: {len(whole)} of {len(plan)} chunks ({sum(c for _, c in whole):,} of {runs:,} "
                f"replicates) are saved in {out}; run the same command again to resume"
            ) from None
    return result


def _assemble(
    out: Path, spec: Scenario, manifest: dict[str, Any], plan: list[tuple[int, int]], hist: np.ndarray
) -> BatchResult:
    """Write the final files from the chunk files (each via a temporary name)."""
    try:
        counts = concat_chunks(out / CHUNKS, plan, out / OUTCOMES_FILE, manifest, OUTCOMES, ROW_GROUP)
    except ChunkUnreadable as err:
        raise BatchError(f"{err}; run the same command again to compute it again") from None
    summary = summary_table(counts)
    note = ["95 % Wilson intervals"]
    by_draw = draw_counts(out / OUTCOMES_FILE) if spec.uncertain else np.zeros((0, len(OUTCOMES)))
    if len(by_draw) > 1:
        summary = summary.merge(spread_from_counts(by_draw, OUTCOMES), on="outcome")
        note.append(
            "param_q05-param_q95: 5-95 % spread of P(outcome | parameters) across draws, noise removed"
        )
    _write_csv(out / SUMMARY_FILE, summary, manifest, note)
    manifest["anchor_figures"] = anchor_figures(
        pq.read_table(out / OUTCOMES_FILE, columns=list(ANCHOR_COLUMNS)).to_pandas(), spec.answer or None
    )
    series = ser.quantile_table(spec, hist)
    with atomic(out / SERIES_FILE) as tmp:
        pq.write_table(_arrow_table(series, manifest), tmp)
    manifest["checksums"] = {name: _sha256(out / name) for name in manifest["files"]}
    manifest["complete"] = True
    manifest["finished"] = _now()
    write_json(out / MANIFEST, manifest)
    return BatchResult(out, manifest, label_frame(summary, manifest), label_frame(series, manifest))


def draw_counts(path: Path) -> np.ndarray:
    """(draws x outcomes) counts from an outcomes file, for the spread of P(outcome | parameters)."""
    table = pq.read_table(path, columns=["draw", "outcome"])
    codes = pd.Categorical(table.column("outcome").to_pandas(), categories=OUTCOMES).codes
    draws = table.column("draw").to_numpy()
    _, inv = np.unique(draws, return_inverse=True)
    out = np.zeros((int(inv.max()) + 1 if len(inv) else 0, len(OUTCOMES)), dtype=np.int64)
    ok = codes >= 0
    np.add.at(out, (inv[ok], codes[ok]), 1)
    return out


def summary_table(counts: np.ndarray) -> pd.DataFrame:
    """Count, probability and 95 % Wilson interval of each outcome."""
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    low, high = wilson(counts, n)
    p = counts / n
    # wilson() leaves rounding noise (about 1e-18) at k = 0 or k = n; keep p inside its interval.
    low, high = np.minimum(low, p), np.maximum(high, p)
    return pd.DataFrame(
        {
            "outcome": list(OUTCOMES),
            "count": counts,
            "runs": n,
            "probability": p,
            "ci_low": low,
            "ci_high": high,
        }
    )


def load_batch(out_dir: str | Path) -> BatchResult:
    """Read a finished batch directory back (outcomes load on first use)."""
    out = Path(out_dir)
    path = out / MANIFEST
    if not path.is_file():
        raise UsageError(f"{out}: not a batch directory (no {MANIFEST})")
    try:
        manifest = read_json(path)
    except OutputError as err:
        raise BatchError(str(err)) from None
    if manifest.get("kind") != "batch":
        raise UsageError(f"{out}: holds a {manifest.get('kind')!r} result, not a batch")
    if not manifest.get("complete"):
        raise BatchError(f"{out}: the batch is not complete; run the same batch command again to finish it")
    try:
        summary = _read_csv(out / SUMMARY_FILE)
        series = pd.read_parquet(out / SERIES_FILE)
    except (OSError, pa.ArrowException) as err:
        raise BatchError(f"{out}: cannot read the batch's files: {err}") from None
    return BatchResult(out, manifest, label_frame(summary, manifest), label_frame(series, manifest))

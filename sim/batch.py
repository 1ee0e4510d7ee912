"""The batch runner (DESIGN.md, decision 6): many replicates, chunked, resumable.

``run_batch`` splits replicates 0..runs-1 into chunks (replicate ranges), runs
them on an executor (see :mod:`sim.executors`) and writes each finished chunk
at once to ``DIR/chunks/`` under a temporary name, renamed when complete, so a
chunk file that exists is whole. Run again on the same DIR after an
interruption, it computes only the missing chunks. At the end it assembles
``outcomes.parquet``, ``summary.csv``, ``series.parquet`` and marks
``manifest.json`` complete. Replicates are counter-based, so results are
bit-identical whatever the executor, the worker count or the chunk size.

Errors: a bad argument, a DIR that is a file or that holds another batch is a
:class:`UsageError` (exit 2); a DIR that cannot be created or written, a full
disk, is a :class:`BatchError` (exit 1), and the chunks already saved stay valid.
"""

from __future__ import annotations

import concurrent.futures.process
import contextlib
import gc
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import series as ser
from .banner import BANNER, hypotheses_line
from .errors import StormError, UsageError
from .executors import check_executor, default_workers, engine_fingerprint, open_pool, run_tasks
from .hypotheses import REGISTRY
from .model import OUTCOMES, StormModel
from .scenario import Scenario, load_scenario
from .stats import wilson

DEFAULT_CHUNK = 10_000
MANIFEST, OUTCOMES_FILE, SUMMARY_FILE, SERIES_FILE = (
    "manifest.json",
    "outcomes.parquet",
    "summary.csv",
    "series.parquet",
)
CHUNKS = "chunks"
_TMP = ".tmp-"
_LOCK = ".lock"
#: Manifest keys that must match for a DIR to be resumed.
IDENTITY = ("kind", "scenario_hash", "seed", "runs", "chunk", "series_bins", "engine")

Progress = Callable[[int, int], None]


class BatchError(StormError):
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
            self._outcomes = _labelled(pd.read_parquet(self.out_dir / OUTCOMES_FILE), self.manifest)
        return self._outcomes

    @property
    def hypotheses_on(self) -> list[str]:
        return list(self.manifest["hypotheses_on"])

    @property
    def banner(self) -> str:
        return str(self.manifest["banner"])


def plan_chunks(runs: int, chunk: int) -> list[tuple[int, int]]:
    """(first, count) of each chunk: replicates first..first+count-1."""
    return [(first, min(chunk, runs - first)) for first in range(0, runs, chunk)]


def chunk_stem(first: int, count: int) -> str:
    return f"chunk-{first:09d}-{count:09d}"


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


def _labelled(df: pd.DataFrame, manifest: dict[str, Any]) -> pd.DataFrame:
    df.attrs.update(
        banner=BANNER,
        hypotheses_on=list(manifest["hypotheses_on"]),
        scenario_hash=manifest["scenario_hash"],
        seed=manifest["seed"],
    )
    return df


def _schema_metadata(manifest: dict[str, Any]) -> dict[bytes, bytes]:
    return {
        b"banner": BANNER.encode(),
        b"hypotheses_on": json.dumps(manifest["hypotheses_on"]).encode(),
        b"hypotheses_line": hypotheses_line(manifest["hypotheses_on"]).encode(),
        b"scenario_hash": str(manifest["scenario_hash"]).encode(),
        b"seed": str(manifest["seed"]).encode(),
    }


def _with_metadata(table: pa.Table, manifest: dict[str, Any]) -> pa.Table:
    meta = dict(table.schema.metadata or {})
    meta.update(_schema_metadata(manifest))
    return table.replace_schema_metadata(meta)


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` once written."""
    tmp = path.with_name(f"{_TMP}{os.getpid()}-{path.name}")
    try:
        yield tmp
        with open(tmp, "rb+") as fh:  # on disk before the rename makes it visible
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_json(path: Path, data: dict[str, Any]) -> None:
    with _atomic(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_chunk(
    chunks: Path, first: int, count: int, df: pd.DataFrame, counts: np.ndarray, manifest: dict[str, Any]
) -> None:
    """Write one chunk: histogram first, then the outcome rows, whose file marks it complete."""
    stem = chunk_stem(first, count)
    with _atomic(chunks / f"{stem}.npz") as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, counts=counts, first=first, count=count)
    table = _with_metadata(pa.Table.from_pandas(df, preserve_index=False), manifest)
    with _atomic(chunks / f"{stem}.parquet") as tmp:
        pq.write_table(table, tmp)


def _chunk_ok(chunks: Path, first: int, count: int) -> bool:
    stem = chunk_stem(first, count)
    pq_path, npz_path = chunks / f"{stem}.parquet", chunks / f"{stem}.npz"
    if not (pq_path.is_file() and npz_path.is_file()):
        return False
    try:
        return pq.read_metadata(pq_path).num_rows == count
    except (OSError, pa.ArrowException):
        return False


def _load_counts(chunks: Path, first: int, count: int) -> np.ndarray | None:
    """A saved chunk's histogram, or None if the file is unreadable."""
    try:
        with np.load(chunks / f"{chunk_stem(first, count)}.npz") as data:
            return np.asarray(data["counts"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def _manifest(
    spec: Scenario, seed: int, runs: int, chunk: int, executor: str, workers: int, scheduler: str | None
) -> dict[str, Any]:
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
        "seed": seed,
        "runs": runs,
        "chunk": chunk,
        "chunks": len(plan_chunks(runs, chunk)),
        "executor": executor,
        "workers": workers,
        "scheduler": scheduler,
        "version": _version(),
        "engine": engine_fingerprint(),
        "numpy": np.__version__,
        "series_bins": ser.BINS,
        "series_ranges": {k: list(v) for k, v in ser.ranges(spec).items()},
        "series_resolution": ser.resolution(spec),
        "series_note": (
            "quantiles from fixed-bin histograms merged exactly over chunks, "
            "interpolated within a bin; an ended replicate keeps its value "
            "from the step it ended in"
        ),
        "started": _now(),
        "finished": None,
        "files": [OUTCOMES_FILE, SUMMARY_FILE, SERIES_FILE],
    }


def _version() -> str:
    from . import __version__

    return __version__


def _make_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file, not a directory")
    try:
        (out / CHUNKS).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BatchError(f"--out {out}: cannot create the directory: {err.strerror or err}") from None


def _check_dir(out: Path, manifest: dict[str, Any], force: bool) -> None:
    """Check that the batch DIR holds, if any, is this one (else refuse, or clear it with force)."""
    old_path = out / MANIFEST
    old: dict[str, Any] | None = None
    reason = ""
    if old_path.exists():
        try:
            old = json.loads(old_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            reason = "an unreadable manifest.json"
        if old is not None:
            diff = [f"{k} {old.get(k)!r}, not {manifest[k]!r}" for k in IDENTITY if old.get(k) != manifest[k]]
            reason = ("another batch (" + "; ".join(diff) + ")") if diff else ""
    elif any((out / CHUNKS).glob("chunk-*")) or (out / OUTCOMES_FILE).exists():
        reason = "batch files without a manifest.json"
    if reason and not force:
        raise UsageError(f"--out {out}: holds {reason}; use another --out, or --force to replace it")
    doomed = list((out / CHUNKS).glob(f"{_TMP}*"))  # left by a killed run; never read
    if force:
        doomed += [
            *(out / CHUNKS).glob("chunk-*"),
            *(out / n for n in (MANIFEST, OUTCOMES_FILE, SUMMARY_FILE, SERIES_FILE)),
        ]
    for path in doomed:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[None]:
    """One batch at a time per DIR (temporary files of a live run must not be swept)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    try:
        fh = open(out / _LOCK, "a+")  # noqa: SIM115 - held for the whole run
    except OSError as err:
        raise BatchError(f"--out {out}: cannot write: {err.strerror or err}") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BatchError(f"--out {out}: another batch is writing to this directory") from None
        yield


def _os_error(out: Path, err: OSError, saved: int, total: int) -> BatchError:
    what = err.strerror or str(err)
    return BatchError(
        f"--out {out}: cannot write: {what}; {saved} of {total} chunks are saved and "
        "stay valid: fix this and run the same command again to resume"
    )


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
) -> BatchResult:
    """Run replicates 0..runs-1 of ``spec`` with ``seed`` into ``out_dir``; resume if begun.

    ``progress(done, runs)`` is called with the replicates done so far, at the
    start and after each chunk.
    """
    for name, value in (("--runs", runs), ("--chunk", chunk), ("--seed", seed)):
        if value is not None and (not isinstance(value, (int, np.integer)) or isinstance(value, bool)):
            raise UsageError(f"{name}: expected a whole number, got {value!r}")
    if runs < 1:
        raise UsageError(f"--runs: must be at least 1, got {runs}")
    if seed < 0:
        raise UsageError(f"--seed: must be a non-negative integer, got {seed}")
    chunk = DEFAULT_CHUNK if chunk is None else chunk
    if chunk < 1:
        raise UsageError(f"--chunk: must be at least 1, got {chunk}")
    check_executor(executor, workers, scheduler)
    spec = load_scenario(spec)
    out = Path(out_dir)
    n_workers = 1 if executor == "inline" else (workers or default_workers())
    manifest = _manifest(spec, int(seed), int(runs), int(chunk), executor, n_workers, scheduler)
    plan = plan_chunks(runs, chunk)
    _make_dir(out)
    chunks = out / CHUNKS
    with _lock(out):
        try:
            _check_dir(out, manifest, force)
            write_json(out / MANIFEST, manifest)
        except OSError as err:
            raise _os_error(out, err, 0, len(plan)) from None
        done: list[tuple[int, int]] = []
        hist: np.ndarray | None = None
        for c in plan:
            counts = _load_counts(chunks, *c) if _chunk_ok(chunks, *c) else None
            if counts is not None:  # else (missing or damaged) it is computed again
                done.append(c)
                hist = counts.astype(np.int64) if hist is None else hist + counts
        saved = len(done)
        replicates_done = sum(c for _, c in done)
        if progress:
            progress(replicates_done, runs)

        def finished(task: tuple[Any, ...], result: tuple[pd.DataFrame, np.ndarray, str]) -> None:
            nonlocal hist, saved, replicates_done
            _, _, first, count = task
            df, counts, engine = result
            if engine != manifest["engine"]:
                raise BatchError(
                    f"a worker runs another version of the engine ({engine}, not {manifest['engine']}); "
                    "install the same version of perfect-storm on every worker"
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

        have = set(done)
        todo = [(spec, int(seed), first, count) for first, count in plan if (first, count) not in have]
        try:
            if todo:
                with open_pool(executor, workers, scheduler) as pool:
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
            saved = sum(_chunk_ok(chunks, *c) for c in plan)
            replicates_done = sum(c for f, c in plan if _chunk_ok(chunks, f, c))
            raise BatchInterrupted(
                f"interrupted: {saved} of {len(plan)} chunks ({replicates_done:,} of {runs:,} "
                f"replicates) are saved in {out}; run the same command again to resume"
            ) from None
    return result


def _assemble(
    out: Path, spec: Scenario, manifest: dict[str, Any], plan: list[tuple[int, int]], hist: np.ndarray
) -> BatchResult:
    """Write the final files from the chunk files (each via a temporary name)."""
    chunks = out / CHUNKS
    writer: pq.ParquetWriter | None = None
    counts = np.zeros(len(OUTCOMES), dtype=np.int64)
    with _atomic(out / OUTCOMES_FILE) as tmp:
        try:
            for first, count in plan:  # replicate order; one chunk in memory at a time
                table = pq.read_table(chunks / f"{chunk_stem(first, count)}.parquet")
                table = _with_metadata(table, manifest)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
                codes = pd.Categorical(table.column("outcome").to_pandas(), categories=OUTCOMES).codes
                counts += np.bincount(codes, minlength=len(OUTCOMES))
        finally:
            if writer is not None:
                writer.close()
    summary = summary_table(counts)
    with _atomic(out / SUMMARY_FILE) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(f"# {BANNER}\n# {hypotheses_line(manifest['hypotheses_on'])}\n")
            fh.write(
                f"# scenario {manifest['scenario_name']} (hash {manifest['scenario_hash']}), "
                f"seed {manifest['seed']}, {manifest['runs']} replicates; "
                "95 % Wilson intervals\n"
            )
            summary.to_csv(fh, index=False)
    series = ser.quantile_table(spec, hist)
    table = _with_metadata(pa.Table.from_pandas(series, preserve_index=False), manifest)
    with _atomic(out / SERIES_FILE) as tmp:
        pq.write_table(table, tmp)
    manifest["complete"] = True
    manifest["finished"] = _now()
    write_json(out / MANIFEST, manifest)
    return BatchResult(out, manifest, _labelled(summary, manifest), _labelled(series, manifest))


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
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BatchError(f"{path}: cannot read: {err}") from None
    if manifest.get("kind") != "batch":
        raise UsageError(f"{out}: holds a {manifest.get('kind')!r} result, not a batch")
    if not manifest.get("complete"):
        raise BatchError(f"{out}: the batch is not complete; run the same batch command again to finish it")
    summary = pd.read_csv(out / SUMMARY_FILE, comment="#")
    series = pd.read_parquet(out / SERIES_FILE)
    return BatchResult(out, manifest, _labelled(summary, manifest), _labelled(series, manifest))

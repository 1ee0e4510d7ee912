"""Where chunks run: in process, in a local process pool, or on a Dask cluster.

Every executor is a :class:`concurrent.futures.Executor`; :func:`run_tasks`
keeps only a small window of chunks in flight, so a million-replicate batch
never holds more than a few chunk results in memory at once.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import hashlib
import importlib.metadata
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StormError, UsageError, choices_hint

EXECUTORS = ("inline", "processes", "dask")
#: Parts of the package that never shape a result's bytes: drawing figures and
#: generating the reference pages. Everything else under sim/ is in the engine's
#: fingerprint, new modules included, so no file that decides a result can be missed.
#: Modules that only read results (analyses, calibration, figures, docs): they never change a
#: replicate's or a chunk's bytes, so editing them keeps batches resumable and posteriors valid.
NOT_ENGINE = (
    "plots/",
    "docgen.py",
    "analysis/",
    "calibration/",
    "interop/",
    "replay.py",
    "experiments.py",
    "answers.py",
)
#: Libraries whose version can change a result's bytes (arithmetic, Parquet encoding).
ENGINE_LIBRARIES = ("numpy", "pandas", "pyarrow", "mesa")
#: How often a pool worker checks that its parent is alive (seconds).
PARENT_POLL = 0.5


def engine_files(root: Path | None = None) -> list[Path]:
    """Every source file of the engine: all of ``sim/**/*.py`` except :data:`NOT_ENGINE`."""
    root = root or Path(__file__).resolve().parent
    files = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "__pycache__" in rel or any(rel.startswith(p) for p in NOT_ENGINE):
            continue
        files.append(path)
    return files


@functools.cache
def engine_fingerprint() -> str:
    """A hash of the engine's source and of the libraries' versions, as this process sees them.

    It decides "the same batch": a resumed batch must not mix chunks from two
    versions of the engine (or of numpy, pandas, pyarrow), and a remote Dask
    worker must run the same code as the client: both are checked against this.
    """
    return fingerprint_of(Path(__file__).resolve().parent, {n: _dist_version(n) for n in ENGINE_LIBRARIES})


def fingerprint_of(root: Path, libraries: dict[str, str]) -> str:
    """The fingerprint of the engine source under ``root`` with these library versions."""
    digest = hashlib.sha256()
    for path in engine_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name, version in sorted(libraries.items()):
        digest.update(f"{name}=={version}\0".encode())
    return digest.hexdigest()[:16]


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class InlineExecutor(cf.Executor):
    """Runs each task at once, in this process (a window of one keeps it lazy)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # KeyboardInterrupt must reach the caller, not the future
            future.set_exception(err)
        return future


@dataclass
class Pool:
    """An open executor, how many tasks it runs at once, and how to close it."""

    executor: cf.Executor
    slots: int
    description: str
    close: Callable[[bool], None]


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; only the parent should react
    # (it stops the pool and says how to resume), not print a traceback per worker.
    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _die_with_parent(parent: int, pdeathsig: bool = True) -> None:
    """Exit as soon as the process ``parent`` is gone (a ``kill -9`` leaves no orphan working on).

    On Linux the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG);
    everywhere a daemon thread also polls the parent id, which covers the
    moment before prctl and other systems. Re-parented workers would otherwise
    run their chunk to the end, then wait forever, holding the caller's pipes.
    """
    # PDEATHSIG fires when the *thread* that started this process ends: pools are
    # opened and closed by one thread (open_pool is a context manager), so that
    # thread outlives its workers.
    if pdeathsig and sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(70)  # no cleanup: the parent that would want results is gone

    if os.getppid() != parent:  # it died before we got here
        os._exit(70)
    threading.Thread(target=watch, name="storm-parent-watch", daemon=True).start()


def _init_worker(parent: int) -> None:
    """Process-pool worker initializer: leave Ctrl-C to the parent, die with it."""
    _ignore_sigint()
    _die_with_parent(parent)


def dask_setup(worker: Any) -> None:
    """Dask preload hook, run in each LocalCluster worker: leave Ctrl-C to the parent, die with it."""
    _ignore_sigint()
    # The worker process was started by a nanny thread of the parent: poll only.
    _die_with_parent(os.getppid(), pdeathsig=False)


def check_executor(executor: str, workers: int | None, scheduler: str | None) -> None:
    """Raise UsageError for an unknown executor, a bad worker count or a stray scheduler."""
    if executor not in EXECUTORS:
        raise UsageError(f"--executor: unknown executor {executor!r}{choices_hint(executor, EXECUTORS)}")
    if workers is not None and workers < 1:
        raise UsageError(f"--workers: must be at least 1, got {workers}")
    if scheduler is not None and executor != "dask":
        raise UsageError(f"--scheduler: needs --executor dask (got --executor {executor})")


def _noop() -> None:
    return None


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold Ctrl-C back for a moment: it stays pending and arrives when unblocked.

    Processes spawned meanwhile inherit the blocked mask, so a Ctrl-C sent to
    the whole process group while they are still importing stays pending in
    them (their initializer then ignores it) instead of printing a traceback.
    """
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _open_processes(workers: int) -> Pool:
    pool = cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),  # safe beside threads (Dask, the page)
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )
    # Start every worker now with Ctrl-C blocked (see _sigint_blocked). Quick
    # successive submits each find no idle worker, so each spawns one.
    try:
        with _sigint_blocked():
            for f in [pool.submit(_noop) for _ in range(workers)]:
                f.result()
    except KeyboardInterrupt:  # a Ctrl-C held back above arrives here
        for proc in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise

    def close(abort: bool) -> None:
        if not abort:
            pool.shutdown(wait=True, cancel_futures=True)
            return
        # Stop at once: kill the workers rather than wait for their chunks, and
        # do not wait on the executor's manager thread, which can block on the
        # queues of the killed workers.
        procs = list(getattr(pool, "_processes", {}).values())
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(timeout=5)

    return Pool(pool, workers, f"local process pool, {workers} workers", close)


def _open_dask(workers: int, scheduler: str | None) -> Pool:
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - dask is a dependency
        raise StormError(f"--executor dask: distributed is not installed ({err})") from None
    cluster = None
    try:
        if scheduler is None:
            # Dask sets MALLOC_TRIM_THRESHOLD_=65536 in its workers so they hand
            # memory back to the OS; the engine's many short-lived 80 KB arrays
            # then fault their pages in again on every step (chunks ran ~1.7x
            # slower than in a process pool). Leave glibc's adaptive default.
            with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,  # no bokeh: no dashboard, and nothing off localhost
                    silence_logs=logging.ERROR,
                    preload=[__name__],  # runs dask_setup in each worker
                )
            client = Client(cluster)
            where = f"Dask LocalCluster on 127.0.0.1, {workers} workers"
        else:
            client = Client(scheduler, timeout="10s")
            where = f"Dask cluster at {scheduler}"
    except (OSError, TimeoutError, ValueError) as err:
        if cluster is not None:
            cluster.close()
        target = scheduler or "a local cluster"
        raise StormError(f"--scheduler: cannot connect to {target}: {err}") from None
    slots = sum(client.nthreads().values()) or workers

    def close(abort: bool) -> None:
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()

    return Pool(client.get_executor(pure=False), slots, where, close)


@contextlib.contextmanager
def open_pool(
    executor: str,
    workers: int | None = None,
    scheduler: str | None = None,
    tasks: int | None = None,
    worker_bytes: int | None = None,
    notice: Callable[[str], None] | None = None,
) -> Iterator[Pool]:
    """Open the named executor; close it on exit (at once if an error is escaping).

    A local pool (processes, or a Dask LocalCluster) starts every worker before
    any work: given ``tasks`` (how many will run) its size is capped at them,
    and at the memory free for workers of ``worker_bytes`` each (default: one
    process that has imported the engine); ``notice`` gets a one-line note
    when a ``workers`` count given explicitly is lowered.
    """
    check_executor(executor, workers, scheduler)
    n = workers or default_workers()
    if tasks is not None and executor != "inline" and scheduler is None:
        from .bounds import PROCESS_BYTES, plan_workers

        n, lowered = plan_workers(n, tasks, worker_bytes or PROCESS_BYTES)
        if lowered and workers is not None and notice is not None:
            notice(lowered)
    if executor == "inline":
        pool = Pool(InlineExecutor(), 1, "inline (this process)", lambda abort: None)
    elif executor == "processes":
        pool = _open_processes(n)
    else:
        pool = _open_dask(n, scheduler)
    aborted = True
    try:
        yield pool
        aborted = False
    finally:
        pool.close(aborted)


def run_tasks(
    pool: Pool,
    fn: Callable[..., Any],
    tasks: Iterable[tuple[Any, ...]],
    on_done: Callable[[tuple[Any, ...], Any], None],
    window: int | None = None,
) -> None:
    """Run ``fn(*task)`` for every task; call ``on_done(task, result)`` as each finishes.

    At most ``window`` tasks (default: twice the pool's slots, one for inline)
    are in flight. An exception from a task or from ``on_done`` cancels the
    rest and propagates.
    """
    if window is None:
        window = 1 if isinstance(pool.executor, InlineExecutor) else 2 * pool.slots
    todo = iter(tasks)
    pending: dict[cf.Future[Any], tuple[Any, ...]] = {}

    def fill() -> None:
        while len(pending) < window:
            task = next(todo, None)
            if task is None:
                return
            pending[pool.executor.submit(fn, *task)] = task

    try:
        fill()
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                on_done(task, future.result())
            fill()
    finally:
        for future in pending:
            future.cancel()

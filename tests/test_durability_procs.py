"""Batches in their own processes: kill -9, Ctrl-C, and nothing left running afterwards.

Every test here starts the batch through the ``batch_proc`` fixture, which
puts it in a new process group and kills that whole group when the test ends,
whether it passed or failed: no batch (nor worker, nor resource tracker)
outlives its test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import catalog
from sim.batch import load_batch, run_batch

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "mutiny_2023"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for process groups")

Start = Callable[..., subprocess.Popen[str]]


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes whose process group is ``pgid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        # Fields after the command (which may hold spaces) in parentheses.
        rest = stat[stat.rfind(")") + 2 :].split()
        state, pgrp = rest[0], int(rest[2])
        if pgrp == pgid and state not in ("Z", "X"):
            found.append(int(entry))
    return found


@pytest.fixture
def batch_proc() -> Iterator[Start]:
    """Start commands in their own process group; kill each group at teardown, pass or fail."""
    started: list[subprocess.Popen[str]] = []

    def start(args: list[str], **kwargs: object) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), *args],
            cwd=ROOT,
            env=env,
            text=True,
            start_new_session=True,  # its own process group, as the fixture's handle on it
            **kwargs,  # type: ignore[call-overload]
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def wait_for_chunks(out: Path, n: int, proc: subprocess.Popen[str], timeout: float = 180) -> int:
    """Wait until ``n`` chunks are complete (checksum files written); return how many there are."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        done = len(list((out / "chunks").glob("chunk-*.sha256")))
        if done >= n:
            return done
        time.sleep(0.01)
    return len(list((out / "chunks").glob("chunk-*.sha256")))


def assert_group_gone(pgid: int, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = group_members(pgid)
    assert not left, f"processes of the killed batch still running {within} s later: {left}"


def batch_args(out: Path, runs: int, chunk: int, *extra: str) -> list[str]:
    return [
        "batch",
        SCENARIO,
        "--runs",
        str(runs),
        "--chunk",
        str(chunk),
        "--seed",
        "5",
        "--out",
        str(out),
        *extra,
    ]


def test_resume_after_kill_9(batch_proc: Start, tmp_path: Path) -> None:
    runs, chunk = 4000, 200
    out = tmp_path / "killed"
    proc = batch_proc(
        batch_args(out, runs, chunk, "--executor", "inline"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_chunks(out, 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = len(list((out / "chunks").glob("chunk-*.sha256")))
    assert 1 <= left < runs // chunk, "the kill should land mid-batch"
    assert not json.loads((out / "manifest.json").read_text())["complete"]
    spec = catalog.load(SCENARIO)
    notes: list[str] = []
    resumed = run_batch(spec, runs, 5, out, chunk=chunk, notice=notes.append)
    assert any(n.startswith(f"resuming {out}: {left} of {runs // chunk} chunks") for n in notes), notes
    whole = run_batch(spec, runs, 5, tmp_path / "whole", chunk=runs)
    pd.testing.assert_frame_equal(resumed.outcomes, whole.outcomes)
    pd.testing.assert_frame_equal(resumed.series, whole.series)
    assert (out / "outcomes.parquet").read_bytes() == (tmp_path / "whole" / "outcomes.parquet").read_bytes()


@pytest.mark.parametrize(("executor", "rounds"), [("processes", 3), ("dask", 1)])
def test_kill_9_loop_leaves_no_process_and_the_result_is_whole(
    batch_proc: Start, tmp_path: Path, executor: str, rounds: int
) -> None:
    """kill -9s of a local-pool batch: nothing of it runs 5 s later; the resumed result is clean."""
    runs, chunk = 2400, 100
    out = tmp_path / "loop"
    args = batch_args(out, runs, chunk, "--executor", executor, "--workers", "2", "--quiet")
    kills = 0
    for round_ in range(rounds):
        proc = batch_proc(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        before = len(list((out / "chunks").glob("chunk-*.sha256"))) if out.exists() else 0
        got = wait_for_chunks(out, before + 2, proc)
        assert proc.poll() is None, f"round {round_}: the batch ended before the kill: {proc.stderr.read()}"  # type: ignore[union-attr]
        assert got >= before + 2
        members = group_members(proc.pid)
        assert len(members) >= 3, f"parent and two workers expected, found {members}"
        os.kill(proc.pid, signal.SIGKILL)  # the parent only, as the OOM killer would
        proc.wait()
        kills += 1
        assert_group_gone(proc.pid, within=5.0)
    assert kills == rounds
    final = batch_proc(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = final.communicate(timeout=300)
    assert final.returncode == 0, stderr
    assert stderr.startswith(f"resuming {out}: "), stderr
    clean = run_batch(catalog.load(SCENARIO), runs, 5, tmp_path / "clean", chunk=runs)
    got = load_batch(out)
    pd.testing.assert_frame_equal(got.outcomes, clean.outcomes)
    pd.testing.assert_frame_equal(got.series, clean.series)
    assert len(got.manifest["resumed"]) == rounds
    assert_group_gone(final.pid, within=5.0)


def test_ctrl_c_says_how_to_resume(batch_proc: Start, tmp_path: Path) -> None:
    out = tmp_path / "int"
    proc = batch_proc(
        ["batch", SCENARIO, "--runs", "20000", "--chunk", "500", "--executor", "processes", "--workers", "2"]
        + ["--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for_chunks(out, 1, proc)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "run the same command again to resume" in lines[0], stderr
    assert_group_gone(proc.pid, within=5.0)


def test_workers_capped_at_the_chunks(batch_proc: Start, tmp_path: Path) -> None:
    """--workers 1000 for 2 chunks starts 2 workers, says so in one line, and finishes."""
    out = tmp_path / "capped"
    proc = batch_proc(
        ["batch", SCENARIO, "--runs", "20", "--chunk", "10", "--executor", "processes", "--workers", "1000"]
        + ["--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 0, stderr
    assert stderr.strip().splitlines() == ["note: --workers 1,000 lowered to 2 (only 2 chunks to run)"]
    assert json.loads((out / "manifest.json").read_text())["workers"] == 2
    assert sim.BANNER in stdout

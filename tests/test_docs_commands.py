"""Every command shown in README.md and docs/ runs, at reduced sizes, in a temporary directory.

Fenced ``bash`` blocks are run as shell scripts (``set -e``), ``python`` blocks
with the venv's Python. Blocks fenced as ``text`` are templates with
placeholders (HOST, COMMIT) and are not run: docs/cluster.md keeps a runnable
one-machine version of its recipe next to them.

Each block runs in a fresh temporary directory that links ``scenarios``,
``docs``, ``run.py`` and ``.venv`` (to the Python running the tests), with the
venv's ``bin`` first on PATH and the repository on PYTHONPATH, so relative
paths and outputs (``results/``, ``out/``) stay in the temporary directory.

Sizes are reduced by substitution (:data:`SUBSTITUTIONS`): ``--runs``,
``--points`` and ``--experiments`` shrink, ports become free ports, and the
bootstrap (which CI runs itself) becomes a no-op. Servers (``viz``) are started,
must answer HTTP on their port, and are stopped. Every process a block starts
is killed with its process group when the block ends.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "docs").glob("*/*.md"))]
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.S | re.M)

#: (pattern, replacement) applied to every block, in order. Sizes shrink; the
#: meaning of the command stays.
SUBSTITUTIONS: list[tuple[str, str]] = [
    (r"--runs \d+", "--runs 40"),
    (r"--points \d+", "--points 4"),
    (r"--draws \d+", "--draws 4"),  # dividing the reduced --runs
    (r"calibrate --simulations \d+", "calibrate mutiny_2023 --simulations 6000"),
    (r"bench_calibrate.py --simulations \d+", "bench_calibrate.py --scenario mutiny_2023 --simulations 6000"),
    (r"--experiments \d+", "--experiments 8"),
    (r"runs=[\d_]+", "runs=200"),
    (r"replicates=[\d_]+", "replicates=50"),
    # CI runs the bootstrap itself (.ci/run); here the venv is the one running the tests.
    (r"bash scripts/bootstrap\.sh( --test| --viz)?", "true"),
    # Regenerating the reference pages would write into the repository: check them instead.
    (r"perfect-storm docs(?![\w-])(?! --check)", "perfect-storm docs --check"),
]

#: Commands not run, each with the reason. Keep this short: a command listed
#: here can break unnoticed.
SKIPPED: dict[str, str] = {
    # The test suite itself (README): running it from inside a test would recurse.
    "python -m pytest": "the test suite itself; CI runs it",
    # A placeholder host (README): tests/test_cluster.py runs the same option against a real
    # scheduler on 127.0.0.1, and docs/cluster.md's runnable block runs here.
    "--scheduler tcp://HOST": "needs a cluster; tests/test_cluster.py",
}

#: Commands that need a feature not built yet, each with the issue's item. The
#: test fails once such a command works (strict), so the entry must then go.
PENDING: dict[str, str] = {}

#: Files and results a command assumes the reader already has, made first (in the same
#: temporary directory), keyed by a part of the command.
SETUP: dict[str, str] = {}  # every documented block now makes what it reads

SERVERS = ("perfect-storm viz",)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def blocks() -> list[tuple[str, int, str, str]]:
    """(file, line, language, text) of every runnable fenced block."""
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            lang = m.group(1)
            if lang in ("bash", "python"):
                line = text[: m.start()].count("\n") + 1
                out.append((str(path.relative_to(ROOT)), line, lang, m.group(2)))
    return out


def commands(text: str) -> list[str]:
    """The commands of a bash block, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def reduce(text: str) -> str:
    for pattern, repl in SUBSTITUTIONS:
        text = re.sub(pattern, repl, text)
    # Fixed ports (8786 for Dask, the page's 8765) become free ones.
    for port in sorted(set(re.findall(r"\b(8786|8787)\b", text))):
        text = text.replace(port, str(_free_port()))
    return text


def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    for name in ("scenarios", "docs", "run.py", "benchmarks", "history"):
        (work / name).symlink_to(ROOT / name)
    (work / ".venv").symlink_to(Path(sys.executable).parent.parent)
    return work


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    return env


def _run(args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=_env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out = f"timed out after {timeout} s"
    finally:
        # Everything the block started (background schedulers, workers) goes with it.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    return subprocess.CompletedProcess(args, proc.returncode, out, "")


def _serve(command: str, cwd: Path) -> str | None:
    """Start a server command on a free port; None if it answered HTTP, else what went wrong."""
    port = _free_port()
    command = f"{command} --no-browser --port {port}"
    proc = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=_env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return f"exited {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    return None if resp.status == 200 else f"HTTP {resp.status}"
            except OSError:
                time.sleep(1)
        return "no answer within 180 s"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


BLOCKS = blocks()


def test_the_docs_show_commands() -> None:
    files = {f for f, *_ in BLOCKS}
    assert {"README.md", "docs/cluster.md", "docs/examples/README.md"} <= files
    assert all(reason for reason in SKIPPED.values())


@pytest.mark.slow
@pytest.mark.parametrize(("where", "line", "lang", "text"), BLOCKS, ids=[f"{f}:{n}" for f, n, *_ in BLOCKS])
def test_documented_commands_run(where: str, line: int, lang: str, text: str, tmp_path: Path) -> None:
    work = _workdir(tmp_path)
    if lang == "python":
        script = work / "block.py"
        script.write_text(reduce(text), encoding="utf-8")
        result = _run([sys.executable, str(script)], work, timeout=600)
        assert result.returncode == 0, f"{where}:{line}\n{result.stdout[-3000:]}"
        return
    run, skipped, servers = [], [], []
    for cmd in commands(text):
        if any(key in cmd for key in SKIPPED):
            skipped.append(cmd)
        elif any(key in cmd for key in SERVERS):
            servers.append(cmd)
        else:
            run.append(cmd)
    for cmd in servers:
        problem = _serve(reduce(cmd).split("#")[0].strip(), work)
        assert problem is None, f"{where}:{line}: {cmd}: {problem}"
    # One script, in order (later commands read what earlier ones wrote). A pending command
    # runs in place; it must still fail, and says so if it does not.
    lines, pending = [], []
    for key, setup in SETUP.items():
        if any(key in cmd for cmd in run):
            lines.append(setup)
    for i, cmd in enumerate(run):
        if any(key in cmd for key in PENDING):
            pending.append(cmd)
            lines.append(f"if {cmd.split('#')[0].strip()}; then echo PENDING-WORKS:{i}; fi")
        else:
            lines.append(cmd)
    if lines:
        script = reduce("set -euo pipefail\n" + "\n".join(lines) + "\n")
        result = _run(["bash", "-c", script], work, timeout=900)
        assert result.returncode == 0, f"{where}:{line}\n{script}\n{result.stdout[-3000:]}"
        works = [run[int(i)] for i in re.findall(r"PENDING-WORKS:(\d+)", result.stdout)]
        assert not works, f"{where}:{line}: works now, remove from PENDING: {works}"
    assert run or servers or skipped or pending

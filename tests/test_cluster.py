"""docs/cluster.md, tested: an external Dask scheduler and two workers on 127.0.0.1.

Starts ``dask scheduler`` and two ``dask worker`` processes (random free ports,
no dashboard) exactly as the recipe says, runs a small batch through
``--scheduler tcp://127.0.0.1:PORT`` and checks it equals an inline run. Every
process the test started is killed (its whole process group) even on failure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, run_cli

DASK = Path(sys.executable).with_name("dask")
WORKER_CONFIG = ROOT / "docs" / "dask-worker.yaml"
RUNS, CHUNK, SEED = 600, 150, 4


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # A session of its own: the process and its children (the nanny's worker)
    # form one group that is killed as one.
    with open(log, "wb") as fh:
        return subprocess.Popen(
            args, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
        )


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not DASK.is_file():
        pytest.skip(f"{DASK} not found: the dask command comes with the distributed package")
    tmp = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_CONFIG": str(WORKER_CONFIG)}
    env.pop("MALLOC_TRIM_THRESHOLD_", None)  # the nanny lets an inherited value win over the config
    sched_file = tmp / "scheduler.json"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            _start(
                [
                    str(DASK),
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(sched_file),
                ],
                tmp / "scheduler.log",
                env,
            )
        )
        deadline = time.monotonic() + 60
        while not sched_file.is_file() and time.monotonic() < deadline:
            assert procs[0].poll() is None, (tmp / "scheduler.log").read_text()
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        for i in range(2):
            procs.append(
                _start(
                    [
                        str(DASK),
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                        "--local-directory",
                        str(tmp / f"w{i}"),
                    ],
                    tmp / f"worker{i}.log",
                    env,
                )
            )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        _stop(procs)


def test_workers_follow_the_recipe(cluster: str) -> None:
    from distributed import Client

    with Client(cluster, timeout="30s") as client:
        assert sorted(client.nthreads().values()) == [1, 1]
        trim = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        assert list(trim.values()) == [None, None], (
            "docs/dask-worker.yaml must unset the nanny's trim threshold"
        )
        import sim.executors

        engines = set(client.run(sim.executors.engine_fingerprint).values())
        assert engines == {sim.executors.engine_fingerprint()}


def test_batch_on_the_cluster_equals_an_inline_batch(cluster: str, tmp_path: Path, capsys) -> None:
    common = [
        "mutiny_hidden_patrons",
        "--runs",
        str(RUNS),
        "--seed",
        str(SEED),
        "--chunk",
        str(CHUNK),
        "--quiet",
    ]
    code, out, err = run_cli(
        ["batch", *common, "--out", str(tmp_path / "dask"), "--scheduler", cluster], capsys
    )
    assert code == 0, err
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert (manifest["executor"], manifest["scheduler"], manifest["complete"]) == ("dask", cluster, True)
    code, _, err = run_cli(
        ["batch", *common, "--out", str(tmp_path / "inline"), "--executor", "inline"], capsys
    )
    assert code == 0, err
    for name in ("outcomes.parquet", "series.parquet"):
        a, b = pd.read_parquet(tmp_path / "dask" / name), pd.read_parquet(tmp_path / "inline" / name)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert len(pd.read_parquet(tmp_path / "dask" / "outcomes.parquet")) == RUNS

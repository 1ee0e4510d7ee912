"""The batch runner: identical results on every executor and chunking, resume, errors, labels."""

from __future__ import annotations

import errno
import glob
import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import sim
from sim import batch, catalog, executors, resultdir, series
from sim.batch import load_batch, run_batch
from storm_cli import cli
from storm_cli.batch_cmds import ProgressBar
from storm_cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "mutiny_2023"  # 96 hourly steps: quick
RUNS, SEED = 300, 7


@pytest.fixture(scope="module")
def spec() -> sim.Scenario:
    return catalog.load(SCENARIO)


@pytest.fixture(scope="module")
def reference(spec: sim.Scenario, tmp_path_factory: pytest.TempPathFactory) -> batch.BatchResult:
    """One inline batch in a single chunk: what every other way of running must equal."""
    out = tmp_path_factory.mktemp("ref")
    res = run_batch(spec, RUNS, SEED, out, executor="inline", chunk=RUNS)
    res.outcomes  # noqa: B018 - load while the files are there
    return res


def assert_same(a: batch.BatchResult, b: batch.BatchResult) -> None:
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    pd.testing.assert_frame_equal(a.series, b.series)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``main`` in process; return (exit status, stdout + stderr)."""
    code = 0
    try:
        main(list(args))
    except SystemExit as stop:
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


# --- identical results --------------------------------------------------------


def test_batch_equals_simulate(spec: sim.Scenario, reference: batch.BatchResult) -> None:
    expected = sim.simulate(spec, runs=RUNS, seed=SEED)
    # Files keep every timestamp in milliseconds (resultdir.TIME_UNIT); the values are the same.
    assert reference.outcomes["end_time"].dtype == "datetime64[ms]"
    pd.testing.assert_frame_equal(reference.outcomes, resultdir.unify_times(expected))
    assert reference.outcomes["replicate"].tolist() == list(range(RUNS))
    counts = expected["outcome"].value_counts().reindex(list(sim.OUTCOMES)).to_numpy()
    assert reference.summary["count"].tolist() == counts.tolist()
    assert reference.summary["probability"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("executor", "workers", "chunk"),
    [("inline", None, 64), ("inline", None, 1000), ("processes", 2, 50), ("dask", 2, 70)],
)
def test_identical_across_executors_and_chunks(
    spec: sim.Scenario,
    reference: batch.BatchResult,
    tmp_path: Path,
    executor: str,
    workers: int | None,
    chunk: int,
) -> None:
    res = run_batch(spec, RUNS, SEED, tmp_path, executor=executor, workers=workers, chunk=chunk)
    assert_same(res, reference)
    assert res.manifest["executor"] == executor
    assert len(glob.glob(str(tmp_path / "chunks" / "chunk-*.parquet"))) == -(-RUNS // chunk)


def test_series_histogram_matches_the_trajectories() -> None:
    """Counts equal an independent binning of the running replicates; quantiles bracket them."""
    spec = catalog.load("mutiny_hidden_patrons")  # martial law ends replicates early
    n = 200
    values: list[np.ndarray] = []
    alive: list[np.ndarray] = []

    def record(model: sim.StormModel) -> None:
        values.append(np.stack([v.copy() for v in model.series_values()]))
        alive.append(model.alive.copy())

    hist = series.SeriesHistogram(spec, n)
    sim.StormModel(spec, replicates=n, rng=3, observers=[hist, record]).run()
    counts = hist.finish()
    # By hand: step s counts the replicates running at its start (an ended replicate leaves).
    was = np.ones(n, dtype=bool)
    rng = series.ranges(spec)
    table = series.quantile_table(spec, counts)
    assert any(not a.all() for a in alive[:-1]), "some replicate ends early: the test covers leaving"
    for step in range(counts.shape[0]):
        running = values[step][:, was] if step < len(values) else np.zeros((len(sim.SERIES), 0))
        for i, name in enumerate(sim.SERIES):
            lo, hi = rng[name]
            w = (hi - lo) / series.BINS
            edges = lo + w * np.arange(series.BINS + 2)
            own, _ = np.histogram(running[i], bins=edges)
            assert counts[step, i, 1:-1].tolist() == own.tolist()
            row = table[(table.step == step) & (table.series == name)].iloc[0]
            assert row["n"] == running.shape[1]
            for q, col in zip(series.QUANTILES, series.QUANTILE_COLUMNS, strict=True):
                if running.shape[1] == 0:
                    assert np.isnan(row[col])
                    continue
                below = np.quantile(running[i], q, method="lower")
                above = np.quantile(running[i], q, method="higher")
                assert below - w - 1e-9 <= row[col] <= above + w + 1e-9, (step, name, col)
        if step < len(values):
            was = alive[step]
    assert counts.shape == (sim.StormModel(spec).clock.n_steps, len(sim.SERIES), series.BINS + 3)


def test_quantile_table_on_a_known_histogram(spec: sim.Scenario) -> None:
    counts = np.zeros((1, len(sim.SERIES), series.BINS + 3), dtype=np.int64)
    counts[0, 0, 501] = 100  # elite_support: all in [0.500, 0.501)
    counts[0, 1, 1] = 50  # control: half in [0, 0.001), half above the range
    counts[0, 1, -1] = 50
    counts[0, 2, 0] = 10  # distance: everything below the range
    counts[0, 3, 1:101] = 1  # west_pressure: one per bin over [0, 0.1)
    t = series.quantile_table(spec, counts).set_index("series")
    assert t.loc["elite_support", "q50"] == pytest.approx(0.5005)
    assert t.loc["elite_support", "q05"] == pytest.approx(0.50005)
    assert t.loc["control", "q25"] == pytest.approx(0.0005)
    assert t.loc["control", "q95"] == pytest.approx(1.001)  # clamped to the top edge
    assert t.loc["control", "above"] == 50
    assert t.loc["distance_km", "q50"] == 0.0 and t.loc["distance_km", "below"] == 10
    assert t.loc["west_pressure", "q50"] == pytest.approx(0.05)
    assert t.loc["west_pressure", "q95"] == pytest.approx(0.095)


# --- resume ----------------------------------------------------------------------


def test_resume_after_interrupt_recomputes_only_missing_chunks(
    spec: sim.Scenario, reference: batch.BatchResult, tmp_path: Path
) -> None:
    calls: list[int] = []

    def stop_after_two(done: int, total: int) -> None:
        calls.append(done)
        if done >= 100:
            raise KeyboardInterrupt

    with pytest.raises(batch.BatchInterrupted, match="2 of 6 chunks.*run the same command again"):
        run_batch(spec, RUNS, SEED, tmp_path, chunk=50, progress=stop_after_two)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["complete"] is False
    with pytest.raises(sim.StormError, match="not complete"):
        load_batch(tmp_path)
    chunks = tmp_path / "chunks"
    # A partial chunk under its temporary name must never count as done.
    (chunks / ".tmp-999-chunk-000000100-000000050.parquet").write_bytes(b"PAR1 partial")
    kept = {p.name: p.stat().st_mtime_ns for p in chunks.glob("chunk-*")}
    seen: list[int] = []
    res = run_batch(spec, RUNS, SEED, tmp_path, chunk=50, progress=lambda d, t: seen.append(d))
    assert seen[0] == 100 and seen[-1] == RUNS
    assert {p.name: p.stat().st_mtime_ns for p in chunks.glob("chunk-*") if p.name in kept} == kept
    assert not list(chunks.glob(".tmp-*"))
    assert_same(res, reference)
    assert_same(load_batch(tmp_path), reference)


def test_deleted_or_half_written_chunk_is_recomputed(
    spec: sim.Scenario, reference: batch.BatchResult, tmp_path: Path
) -> None:
    run_batch(spec, RUNS, SEED, tmp_path, chunk=100)
    chunks = tmp_path / "chunks"
    (chunks / "chunk-000000100-000000100.parquet").unlink()  # its histogram stays: not complete
    (chunks / "chunk-000000200-000000100.npz").unlink()
    seen: list[int] = []
    res = run_batch(spec, RUNS, SEED, tmp_path, chunk=100, progress=lambda d, t: seen.append(d))
    assert seen == [100, 200, 300]
    assert_same(res, reference)
    (chunks / "chunk-000000000-000000100.npz").write_bytes(b"damaged")  # a bad disk, say
    seen.clear()
    res = run_batch(spec, RUNS, SEED, tmp_path, chunk=100, progress=lambda d, t: seen.append(d))
    assert seen == [200, 300]
    assert_same(res, reference)


def test_dask_worker_death_reruns_its_chunk(
    spec: sim.Scenario, reference: batch.BatchResult, tmp_path: Path
) -> None:
    import logging

    from distributed import Client, LocalCluster, WorkerPlugin

    marker = tmp_path / "killed"

    class KillFirstChunk(WorkerPlugin):  # a local class: shipped to the workers by value
        def __init__(self, path: str) -> None:
            self.path = path

        def transition(self, key: object, start: str, finish: str, **kwargs: object) -> None:
            if finish == "executing" and not os.path.exists(self.path):
                with open(self.path, "w") as fh:
                    fh.write(str(os.getpid()))
                os.kill(os.getpid(), signal.SIGKILL)  # dies mid-chunk

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(KillFirstChunk(str(marker)))
        before = set(client.run(os.getpid).values())
        res = run_batch(
            spec, RUNS, SEED, tmp_path / "out", executor="dask", scheduler=cluster.scheduler_address, chunk=60
        )
    dead = int(marker.read_text())
    assert dead in before
    with pytest.raises(ProcessLookupError):
        os.kill(dead, 0)
    assert_same(res, reference)


# --- bad options and directories -----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--runs", "0"], "Invalid value for '--runs': 0 is not in the range x>=1"),
        (["--runs", "-5"], "Invalid value for '--runs': -5 is not in the range x>=1"),
        (["--runs", "abc"], "Invalid value for '--runs': 'abc' is not a valid integer"),
        (["--runs", "10", "--chunk", "0"], "Invalid value for '--chunk': 0 is not in the range x>=1"),
        (["--runs", "10", "--executor", "spark"], "'spark' is not one of 'inline', 'processes', 'dask'"),
        (["--runs", "10", "--workers", "0"], "Invalid value for '--workers'"),
        (
            ["--runs", "10", "--executor", "inline", "--scheduler", "tcp://127.0.0.1:1"],
            "--scheduler: needs --executor dask (got --executor inline)",
        ),
        (["--runs", "10", "--with", "nope"], "nope"),
    ],
)
def test_bad_options_are_one_line_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    code, text = run_cli(capsys, "batch", SCENARIO, "--out", str(tmp_path / "o"), *args)
    assert code == 2
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], text
    assert not (tmp_path / "o" / "chunks").exists() or not list((tmp_path / "o" / "chunks").iterdir())


def test_api_rejects_bad_arguments(spec: sim.Scenario, tmp_path: Path) -> None:
    for kwargs, message in [
        ({"runs": 0}, "--runs: must be at least 1"),
        ({"runs": "12"}, "--runs: expected a whole number"),
        ({"runs": 5, "chunk": 0}, "--chunk: must be at least 1"),
        ({"runs": 5, "executor": "threads"}, "valid: dask, inline, processes"),
        ({"runs": 5, "scheduler": "tcp://x:1"}, "needs --executor dask"),
    ]:
        with pytest.raises(sim.UsageError, match=message.replace("(", r"\(")):
            run_batch(spec, seed=0, out_dir=tmp_path, **kwargs)


def test_dir_that_is_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    code, text = run_cli(capsys, "batch", SCENARIO, "--runs", "10", "--out", str(target))
    assert code == 2 and text.strip() == f"Error: --out {target}: is a file, not a directory"
    assert target.read_text() == "keep me"
    code, text = run_cli(capsys, "batch", SCENARIO, "--runs", "10", "--out", str(target / "sub"))
    assert code == 1 and "Traceback" not in text
    assert text.strip().splitlines() == [
        f"Error: --out {target / 'sub'}: cannot create the directory: Not a directory"
    ]


def test_dir_with_another_batch_is_refused_unless_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = [
        "batch",
        SCENARIO,
        "--runs",
        "40",
        "--chunk",
        "20",
        "--executor",
        "inline",
        "--quiet",
        "--out",
        str(tmp_path),
    ]
    assert run_cli(capsys, *base)[0] == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "chunks").iterdir()}
    for extra, what in [
        (["--seed", "1"], "seed 0, not 1"),
        (["--set", "wagner.speed_kmh=60"], "scenario_hash"),
        (["--chunk", "10"], "chunk 20, not 10"),
    ]:
        code, text = run_cli(capsys, *base, *extra)
        assert code == 2 and "Traceback" not in text
        lines = text.strip().splitlines()
        assert len(lines) == 1 and "holds another batch" in lines[0] and what in lines[0], text
        assert "--force" in lines[0]
        assert {p.name: p.read_bytes() for p in (tmp_path / "chunks").iterdir()} == before
    code, text = run_cli(capsys, *base, "--seed", "1", "--force")
    assert code == 0, text
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 1 and manifest["complete"]
    assert sorted(p.name for p in (tmp_path / "chunks").glob("chunk-*")) == sorted(before)
    assert {p.name: p.read_bytes() for p in (tmp_path / "chunks").glob("*.npz")} != {
        k: v for k, v in before.items() if k.endswith(".npz")
    }


def test_unwritable_dir_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, where chmod does not stop writes: refuse the write itself.
    def refuse(path: Path, data: dict[str, object]) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(batch, "write_json", refuse)
    code, text = run_cli(capsys, "batch", SCENARIO, "--runs", "10", "--out", str(tmp_path / "ro"))
    assert code == 1 and "Traceback" not in text
    assert text.strip().splitlines() == [
        f"Error: --out {tmp_path / 'ro'}: cannot write: Permission denied; 0 of 1 chunks are saved and stay "
        "valid: fix this and run the same command again to resume"
    ]


def test_full_disk_keeps_the_chunks_already_written(
    capsys: pytest.CaptureFixture[str],
    spec: sim.Scenario,
    reference: batch.BatchResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = batch.write_chunk
    written: list[int] = []

    def fill_up(chunks: Path, first: int, count: int, *rest: object) -> None:
        if len(written) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(chunks, first, count, *rest)  # type: ignore[arg-type]
        written.append(first)

    monkeypatch.setattr(batch, "write_chunk", fill_up)
    code, text = run_cli(
        capsys,
        "batch",
        SCENARIO,
        "--runs",
        str(RUNS),
        "--seed",
        str(SEED),
        "--chunk",
        "100",
        "--executor",
        "inline",
        "--out",
        str(tmp_path),
    )
    assert code == 1 and "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "No space left on device; 2 of 3 chunks are saved" in lines[0], text
    monkeypatch.setattr(batch, "write_chunk", real)
    seen: list[int] = []
    res = run_batch(spec, RUNS, SEED, tmp_path, chunk=100, progress=lambda d, t: seen.append(d))
    assert seen == [200, 300]  # the two saved chunks were reused
    assert_same(res, reference)


# --- labels, CLI output, loading -----------------------------------------------------


def test_every_artefact_is_labelled(reference: batch.BatchResult) -> None:
    out = reference.out_dir
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    on = catalog.load(SCENARIO).hypotheses_on
    assert manifest["banner"] == sim.BANNER and manifest["kind"] == "batch" and manifest["complete"]
    assert manifest["hypotheses_on"] == on
    assert [h["id"] for h in manifest["hypotheses"]] == on
    assert {h["status"] for h in manifest["hypotheses"]} == {"speculative"}
    assert manifest["scenario_hash"] == catalog.load(SCENARIO).hash
    assert manifest["scenario"]["time"]["start"] == "2023-06-23T18:00:00"  # times to the second (issue 11)
    assert manifest["version"] == sim.__version__
    assert (manifest["seed"], manifest["runs"], manifest["chunk"]) == (SEED, RUNS, RUNS)
    assert manifest["started"] and manifest["finished"]
    # A plain CSV: no comment lines; the banner and the hypotheses are columns.
    summary = pd.read_csv(out / "summary.csv")
    assert summary["outcome"].tolist() == list(sim.OUTCOMES)
    assert list(summary.columns) == [
        "outcome",
        "count",
        "runs",
        "probability",
        "ci_low",
        "ci_high",
        "banner",
        "hypotheses_on",
    ]
    assert set(summary["banner"]) == {sim.BANNER} and set(summary["hypotheses_on"]) == {", ".join(on)}
    assert ((summary.ci_low <= summary.probability) & (summary.probability <= summary.ci_high)).all()
    assert manifest["file_notes"]["summary.csv"] == ["95 % Wilson intervals"]
    paths = [out / "outcomes.parquet", out / "series.parquet", *sorted((out / "chunks").glob("*.parquet"))]
    for path in paths:
        meta = pq.read_schema(path).metadata
        assert meta[b"banner"].decode() == sim.BANNER
        assert json.loads(meta[b"hypotheses_on"]) == on
        assert meta[b"scenario_hash"].decode() == manifest["scenario_hash"]
        assert meta[b"engine"].decode() == manifest["engine"]
        assert (meta[b"seed"].decode(), meta[b"runs"].decode()) == (str(SEED), str(RUNS))
        # pd.read_parquet gives the labels back in df.attrs.
        attrs = pd.read_parquet(path).attrs
        assert attrs["banner"] == sim.BANNER and attrs["hypotheses_on"] == on and attrs["seed"] == SEED
    for frame in (reference.outcomes, reference.summary, reference.series):
        assert frame.attrs["banner"] == sim.BANNER and frame.attrs["hypotheses_on"] == on


def test_series_table_shape(spec: sim.Scenario, reference: batch.BatchResult) -> None:
    s = reference.series
    steps = sim.StormModel(spec).clock.n_steps
    assert len(s) == steps * len(sim.SERIES)
    assert list(s.columns) == [
        "step",
        "time",
        "hours",
        "series",
        "n",
        "q05",
        "q25",
        "q50",
        "q75",
        "q95",
        "below",
        "above",
    ]
    # Replicates that end early leave the bands: n starts at RUNS and never grows.
    for _, g in s.groupby("series", observed=True):
        n = g.sort_values("step")["n"].to_numpy()
        assert n[0] == RUNS and (np.diff(n) <= 0).all() and (n <= RUNS).all()
    q = s[list(series.QUANTILE_COLUMNS)].dropna().to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    assert s["time"].iloc[0] == pd.Timestamp(spec.start) + pd.Timedelta(hours=s["hours"].iloc[0])
    dist = s[s.series == "distance_km"]
    assert dist["q50"].iloc[0] > 1000 and dist["q05"].iloc[-1] < dist["q05"].iloc[0]


def test_cli_prints_banner_and_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["batch", SCENARIO, "--runs", "50", "--out", str(tmp_path), "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == sim.BANNER and lines[1].startswith("Hypotheses on: ")
    assert "executor inline" in result.output  # one chunk: no process pool to start
    for outcome in sim.OUTCOMES:
        assert outcome in result.output
    assert "[" not in lines[0] and "replicates/s" not in result.output  # no progress bar off a terminal
    assert load_batch(tmp_path).manifest["runs"] == 50


def test_progress_bar_shows_rate_and_time_left() -> None:
    import io

    buf = io.StringIO()
    bar = ProgressBar(buf, disable=False)
    bar(200, 1000)  # a resumed batch: 200 already done
    time.sleep(0.25)
    bar(600, 1000)
    bar(1000, 1000)
    text = buf.getvalue()
    assert "1000/1000 replicates" in text and "600/1000" in text
    assert "<00:00" in text  # elapsed<remaining: the time left
    assert "it/s" in text or "s/it" in text or "replicates/s" in text
    assert bar.bar is None  # closed at the end


def test_load_batch_refuses_other_directories(tmp_path: Path) -> None:
    with pytest.raises(sim.UsageError, match="not a batch directory"):
        load_batch(tmp_path)


def test_engine_version_is_part_of_the_identity(
    spec: sim.Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_batch(spec, 40, 0, tmp_path, chunk=20)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["engine"] == executors.engine_fingerprint()
    manifest["engine"] = "0123456789abcdef"  # chunks written by an older engine
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(sim.UsageError, match="holds another batch \\(engine '0123456789abcdef'"):
        run_batch(spec, 40, 0, tmp_path, chunk=20)
    real = batch.run_chunk

    def other_engine(*args: object) -> tuple[object, object, str]:
        df, counts, _ = real(*args)  # type: ignore[arg-type]
        return df, counts, "fedcba9876543210"

    monkeypatch.setattr(batch, "run_chunk", other_engine)
    with pytest.raises(sim.StormError, match="a worker runs another version of the engine"):
        run_batch(spec, 40, 0, tmp_path / "new", chunk=20)


def test_finished_chunks_do_not_pile_up_in_memory(spec: sim.Scenario) -> None:
    """Model and agents form reference cycles; run_chunk frees them itself (1M-replicate batches)."""
    import gc

    gc.disable()  # as if the cyclic collector never got round to it
    try:
        for first in (0, 50, 100):
            batch.run_chunk(spec, 0, first, 50)
        alive = sum(isinstance(o, sim.StormModel) for o in gc.get_objects())
    finally:
        gc.enable()
    assert alive == 0

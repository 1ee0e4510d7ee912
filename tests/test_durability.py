"""Durability of result folders: damaged chunks, the batch identity, extensions, bounds, readable files."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import run_cli
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import sim
from sim import bounds, catalog, chunks, executors, resultdir
from sim.batch import BatchResult, load_batch, plan_chunks, run_batch
from storm_cli import cli

SCENARIO = "mutiny_2023"  # 96 hourly steps: quick
RUNS, SEED, CHUNK = 60, 4, 20


@pytest.fixture(scope="module")
def spec() -> sim.Scenario:
    return catalog.load(SCENARIO)


@pytest.fixture(scope="module")
def clean(spec: sim.Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished batch in three chunks, never changed: tests damage copies of it."""
    out = tmp_path_factory.mktemp("clean") / "b"
    res = run_batch(spec, RUNS, SEED, out, chunk=CHUNK)
    res.outcomes  # noqa: B018 - load while the files are there
    return out


def copy_of(clean: Path, where: Path) -> Path:
    shutil.copytree(clean, where)
    return where


def assert_same_files(a: Path, b: Path) -> None:
    for name in ("outcomes.parquet", "summary.csv", "series.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def stems() -> list[str]:
    return [chunks.chunk_stem(f, c) for f, c in plan_chunks(RUNS, CHUNK)]


# --- damaged chunks ---------------------------------------------------------------------------------


def test_flipped_bytes_are_caught_and_recomputed(spec: sim.Scenario, clean: Path, tmp_path: Path) -> None:
    out = copy_of(clean, tmp_path / "b")
    victim = out / "chunks" / f"{stems()[1]}.parquet"
    data = bytearray(victim.read_bytes())
    for pos in (len(data) // 3, len(data) // 2):  # inside the column data, past the header
        data[pos] ^= 0xFF
    victim.write_bytes(bytes(data))
    notes: list[str] = []
    res = run_batch(spec, RUNS, SEED, out, chunk=CHUNK, notice=notes.append)
    damaged = [n for n in notes if n.startswith("chunk ")]
    assert damaged == [
        f"chunk chunks/{stems()[1]} in {out}: {stems()[1]}.parquet does not match its checksum; computing it again"
    ]
    assert res.manifest["recomputed"][0]["chunk"] == stems()[1]
    assert json.loads((out / "manifest.json").read_text())["recomputed"][0]["reason"].endswith("checksum")
    assert_same_files(out, clean)


@pytest.mark.parametrize(
    ("kind", "want"),
    [
        ("parquet", "{a}.parquet does not match its checksum"),
        ("npz", "{a}.npz does not match its checksum"),
        ("all three", "{a}.sha256 lacks {a}.npz"),
        ("npz, checksums rewritten", "{a}.npz holds replicates 40 (+20), not 20 (+20)"),
    ],
)
def test_a_chunk_replaced_by_its_neighbours_is_caught(
    spec: sim.Scenario, clean: Path, tmp_path: Path, kind: str, want: str
) -> None:
    """Copying a neighbour's file over a chunk's (with or without its checksum file) is caught."""
    out = copy_of(clean, tmp_path / "b")
    d = out / "chunks"
    a, b = stems()[1], stems()[2]
    for ext in (
        ["parquet", "npz", "sha256"] if kind == "all three" else ["npz" if "npz" in kind else "parquet"]
    ):
        shutil.copyfile(d / f"{b}.{ext}", d / f"{a}.{ext}")
    if "rewritten" in kind:  # the checksums agree with the files: the replicate range gives it away
        resultdir.write_checksums(d / f"{a}.sha256", [d / f"{a}.npz", d / f"{a}.parquet"])
    notes: list[str] = []
    run_batch(spec, RUNS, SEED, out, chunk=CHUNK, notice=notes.append)
    damaged = [n for n in notes if n.startswith("chunk ")]
    assert damaged == [f"chunk chunks/{a} in {out}: {want.format(a=a)}; computing it again"]
    assert_same_files(out, clean)
    assert load_batch(out).outcomes["replicate"].tolist() == list(range(RUNS))


def test_wrong_replicates_with_matching_checksums_are_caught(
    spec: sim.Scenario, clean: Path, tmp_path: Path
) -> None:
    """Rows relabelled to other replicates, checksums rewritten to match: the range check catches it."""
    out = copy_of(clean, tmp_path / "b")
    d = out / "chunks"
    stem = stems()[0]
    df = pd.read_parquet(d / f"{stem}.parquet")
    df["replicate"] = df["replicate"] + 100
    df.to_parquet(d / f"{stem}.parquet", index=False)
    resultdir.write_checksums(d / f"{stem}.sha256", [d / f"{stem}.npz", d / f"{stem}.parquet"])
    counts, reason = chunks.verify_chunk(d, 0, CHUNK)
    assert (
        counts is None and reason == f"{stem}.parquet holds 20 replicates 100..119, not 20 replicates 0..19"
    )
    run_batch(spec, RUNS, SEED, out, chunk=CHUNK)
    assert_same_files(out, clean)


def test_an_undecodable_npz_never_crashes(spec: sim.Scenario, clean: Path, tmp_path: Path) -> None:
    """A zip whose compressed data is broken (zlib.error on read), checksums rewritten to match."""
    out = copy_of(clean, tmp_path / "b")
    d = out / "chunks"
    stem = stems()[2]
    npz = d / f"{stem}.npz"
    with zipfile.ZipFile(npz) as z:
        members = {name: z.read(name) for name in z.namelist()}
    with zipfile.ZipFile(npz, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    raw = bytearray(npz.read_bytes())
    start = raw.index(b"counts.npy") + len(b"counts.npy") + 40  # inside the deflate stream
    raw[start : start + 64] = b"\x00" * 64
    npz.write_bytes(bytes(raw))
    resultdir.write_checksums(d / f"{stem}.sha256", [npz, d / f"{stem}.parquet"])
    counts, reason = chunks.verify_chunk(d, 40, CHUNK)
    assert counts is None and reason is not None and reason.startswith(f"{stem}.npz cannot be decoded (")
    notes: list[str] = []
    run_batch(spec, RUNS, SEED, out, chunk=CHUNK, notice=notes.append)
    assert any(stem in n for n in notes)
    assert_same_files(out, clean)


FILES = [
    f"{s}.{ext}"
    for s in [chunks.chunk_stem(f, c) for f, c in plan_chunks(RUNS, CHUNK)]
    for ext in ("npz", "parquet", "sha256")
]

damage = st.lists(
    st.tuples(
        st.sampled_from(FILES),
        st.sampled_from(["flip", "truncate", "garbage", "delete", "edit"]),
        st.floats(min_value=0, max_value=1),
        st.binary(min_size=1, max_size=16),
    ),
    min_size=1,
    max_size=4,
)


def edit_value(path: Path, where: float) -> None:
    """Re-encode a chunk file validly with one number changed (as a bad disk or a stray script might)."""
    if path.suffix == ".parquet":
        df = pd.read_parquet(path)
        col = "closest_km_to_moscow" if where < 0.5 else "regime_control"
        df.loc[int(where * (len(df) - 1)), col] = -6.45
        df.to_parquet(path, index=False)
    elif path.suffix == ".npz":
        with np.load(path) as data:
            parts = {k: np.array(data[k]) for k in data.files}
        flat = parts["counts"].reshape(-1)
        flat[int(where * (flat.size - 1))] += 1
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **parts)
    else:
        path.write_text(path.read_text().replace("0", "1", 1))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=damage)
@example(damage=[(FILES[4], "edit", 0.3, b"x")])  # a silently re-encoded parquet (the issue's -6.45)
@example(damage=[(FILES[6], "edit", 0.7, b"x"), (FILES[0], "flip", 0.5, b"\x01")])
def test_random_damage_always_ends_in_the_clean_result(
    spec: sim.Scenario, clean: Path, tmp_path_factory: pytest.TempPathFactory, damage: list
) -> None:
    out = copy_of(clean, tmp_path_factory.mktemp("dmg") / "b")
    for name, how, where, data in damage:
        path = out / "chunks" / name
        if not path.exists():
            continue
        if how == "edit":  # a valid file with one value changed: only the checksum can tell
            with contextlib.suppress(Exception):  # already damaged beyond reading: leave it so
                edit_value(path, where)
            continue
        raw = bytearray(path.read_bytes())
        pos = min(int(where * len(raw)), max(0, len(raw) - 1))
        if how == "flip":
            raw[pos : pos + len(data)] = bytes(b ^ 0xFF for b in raw[pos : pos + len(data)])
        elif how == "truncate":
            raw = raw[:pos]
        elif how == "garbage":
            raw[pos : pos + len(data)] = data
        if how == "delete":
            path.unlink()
        else:
            path.write_bytes(bytes(raw))
    # The issue allows "identical, or a one-line error naming the chunk"; every damaged
    # chunk is recomputed here, so the stronger property holds: always identical.
    notes: list[str] = []
    run_batch(spec, RUNS, SEED, out, chunk=CHUNK, notice=notes.append)
    assert_same_files(out, clean)
    assert all("\n" not in n and n.startswith("chunk chunks/chunk-") for n in notes if "resuming" not in n), (
        notes
    )


# --- the identity of a batch ---------------------------------------------------------------------------


def test_engine_fingerprint_covers_every_engine_file_and_the_libraries(tmp_path: Path) -> None:
    root = Path(sim.__file__).resolve().parent
    names = {p.relative_to(root).as_posix() for p in executors.engine_files(root)}
    for must in ("batch.py", "stats.py", "series.py", "resultdir.py", "chunks.py", "model.py", "agents.py"):
        assert must in names
    assert {n for n in names if n.startswith("hypotheses/")} >= {"hypotheses/hidden_patrons.py"}
    assert not any(n.startswith("plots/") for n in names) and "docgen.py" not in names
    copy = tmp_path / "sim"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    libs = {"numpy": "2.0", "pandas": "2.2", "pyarrow": "17", "mesa": "3.5"}
    base = executors.fingerprint_of(copy, libs)
    assert executors.fingerprint_of(copy, libs) == base
    assert executors.fingerprint_of(copy, {**libs, "numpy": "2.1"}) != base
    (copy / "new_module.py").write_text("X = 1\n")  # a module added later counts too
    with_new = executors.fingerprint_of(copy, libs)
    assert with_new != base
    batch_py = copy / "batch.py"
    batch_py.write_text(batch_py.read_text() + "\n# edited\n")
    assert executors.fingerprint_of(copy, libs) != with_new
    edited = executors.fingerprint_of(copy, libs)
    draw = copy / "plots" / "draw.py"
    draw.write_text(draw.read_text() + "\n# a figure changed\n")
    assert executors.fingerprint_of(copy, libs) == edited


# --- resume and extend ---------------------------------------------------------------------------------


def test_extending_a_batch_adds_only_the_new_replicates(
    spec: sim.Scenario, clean: Path, tmp_path: Path
) -> None:
    out = copy_of(clean, tmp_path / "b")
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir()}
    notes: list[str] = []
    seen: list[int] = []
    res = run_batch(
        spec, 110, SEED, out, chunk=CHUNK, notice=notes.append, progress=lambda d, t: seen.append(d)
    )
    assert notes == [
        f"extending {out} from 60 to 110 replicates: 3 of 6 chunks (60 of 110 replicates) already done"
    ]
    assert seen == [60, 80, 100, 110]
    assert {p.name: p.stat().st_mtime_ns for p in (out / "chunks").iterdir() if p.name in kept} == kept
    assert res.manifest["segments"] == [60, 110]
    assert res.manifest["resumed"][-1] == {**res.manifest["resumed"][-1], "runs": 110, "chunks_done": 3}
    fresh = run_batch(spec, 110, SEED, tmp_path / "fresh", chunk=CHUNK)
    assert_same_files(out, fresh.out_dir)
    # An odd size is a prefix too: 110 -> 125 keeps the chunk 100..109 and adds 110..124.
    res = run_batch(spec, 125, SEED, out, chunk=CHUNK)
    assert plan_chunks(125, CHUNK, [60, 110])[-2:] == [(100, 10), (110, 15)]
    fresh = run_batch(spec, 125, SEED, tmp_path / "fresh2", chunk=50)
    pd.testing.assert_frame_equal(res.outcomes, fresh.outcomes)
    assert_same_files(out, fresh.out_dir)


def test_extending_with_another_seed_or_shrinking_is_one_line(
    capsys: pytest.CaptureFixture[str], clean: Path, tmp_path: Path
) -> None:
    out = copy_of(clean, tmp_path / "b")
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    base = ["batch", SCENARIO, "--chunk", str(CHUNK), "--out", str(out), "--quiet"]
    for extra, want in [
        (["--runs", "100", "--seed", "9"], f"seed {SEED}, not 9); extending it needs its own --seed"),
        (["--runs", "40", "--seed", str(SEED)], "a batch of 60 replicates, more than --runs 40"),
    ]:
        code, stdout, stderr = run_cli([*base, *extra], capsys)
        assert code == 2 and "Traceback" not in stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: --out {out}: holds ") and want in lines[0], (
            stderr
        )
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    ("content", "want"),
    [
        ("{not json", "an unreadable manifest.json"),
        ("[1, 2, 3]", "an unreadable manifest.json (not a JSON object)"),
        ('{"kind": "compare"}', "a manifest.json that is not a batch's (kind 'compare')"),
        (None, "another batch (engine '0123456789abcdef', not"),
        ('{"kind": "batch"}', "another batch ("),
        ("segments", "a manifest.json whose runs and segments are damaged"),
    ],
)
def test_bad_manifests_are_one_line_and_lose_nothing(
    capsys: pytest.CaptureFixture[str], clean: Path, tmp_path: Path, content: str | None, want: str
) -> None:
    out = copy_of(clean, tmp_path / "b")
    mpath = out / "manifest.json"
    if content is None:  # a batch from another engine version
        m = json.loads(mpath.read_text())
        m["engine"] = "0123456789abcdef"
        content = json.dumps(m)
    elif content == "segments":  # the right batch, its extension history mangled
        m = json.loads(mpath.read_text())
        m["segments"] = ["60", 10]
        content = json.dumps(m)
    mpath.write_text(content)
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code, _, stderr = run_cli(
        [
            "batch",
            SCENARIO,
            "--runs",
            str(RUNS),
            "--seed",
            str(SEED),
            "--chunk",
            str(CHUNK),
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 2 and "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: --out {out}: holds {want}"), stderr
    assert "--force" in lines[0]
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    ("content", "want"),
    [
        ("{not json", "manifest.json: cannot read: "),
        ("[1, 2, 3]", "manifest.json: not a JSON object"),
        ('{"kind": "compare"}', ": holds a 'compare' result, not a batch"),
    ],
)
def test_load_batch_on_a_bad_manifest_is_one_line(tmp_path: Path, content: str, want: str) -> None:
    (tmp_path / "manifest.json").write_text(content)
    with pytest.raises(sim.StormError) as err:
        load_batch(tmp_path)
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(tmp_path)) and want in text, text


# --- bounds ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (["--runs", str(10**12)], "chunks of 32,000 replicates, more than the limit of 100,000 chunks"),
        (["--runs", str(10**12), "--chunk", str(10**12)], "of memory"),
        (
            ["--runs", str(10**16), "--chunk", str(10**12)],
            "more than the limit of 9,007,199,254,740,992 replicate ids",
        ),
    ],
)
def test_impossible_sizes_are_refused_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], want: str
) -> None:
    code, _, stderr = run_cli(["batch", SCENARIO, *args, "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --runs ") and want in lines[0], stderr
    assert not (tmp_path / "o").exists()


def test_memory_refusal_gives_estimate_and_limit() -> None:
    limits = bounds.Limits(memory_bytes=2 * 2**30)
    with pytest.raises(bounds.TooLarge) as err:
        bounds.check_request(96, 10**6, chunk=10**6, limits=limits, what="--runs 1,000,000")
    text = str(err.value)
    assert text.startswith("--runs 1,000,000: needs about ") and "more than the limit of 2.0 GiB" in text
    assert "use a smaller chunk" in text
    # A long scenario: 100 years at a 0.25 h step is 3.5 M steps of series histograms.
    with pytest.raises(bounds.TooLarge, match="per-step series of 3,506,400 steps alone needs more"):
        bounds.check_request(3_506_400, 1000, chunk=1000)
    # The in-memory analyses: 2^k variants x runs rows.
    with pytest.raises(bounds.TooLarge, match=r"runs 100,000,000 x 256 variants: needs about .* a batch"):
        bounds.check_request(96, 10**8, variants=2**8, rows_in_memory=True, write_rows=False, series=False)
    # A grid sweep of 64 points on 10 keys: 64^10 variants, estimated in exact integers.
    with pytest.raises(bounds.TooLarge, match="replicate ids"):
        bounds.check_request(96, 100, variants=64**10, rows_in_memory=True, write_rows=False, series=False)
    ok = bounds.check_request(96, 1000, chunk=100, workers=2, limits=limits)
    assert ok.chunks == 10 and ok.workers == 2 and 0 < ok.memory_bytes < limits.memory_bytes


def test_disk_and_time_limits(tmp_path: Path) -> None:
    with pytest.raises(bounds.TooLarge, match=rf"of disk, more than the 1.0 MiB free in {tmp_path}"):
        bounds.check_request(96, 100_000, chunk=10_000, out=tmp_path, limits=bounds.Limits(disk_bytes=2**20))
    with pytest.raises(bounds.TooLarge, match=r"needs about .* on 1 worker .* more than the limit of 1.0 h"):
        bounds.check_request(1522, 10**8, chunk=10**4, limits=bounds.Limits(seconds=3600, disk_bytes=2**60))


def test_run_batch_refuses_before_writing(spec: sim.Scenario, tmp_path: Path) -> None:
    with pytest.raises(sim.UsageError, match="--runs 1,000: needs about .* more than the limit of 64.0 MiB"):
        run_batch(spec, 1000, 0, tmp_path / "o", limits=bounds.Limits(memory_bytes=64 * 2**20))
    assert not (tmp_path / "o").exists()


def test_plan_workers() -> None:
    assert bounds.plan_workers(4, 10, 2**20, available=2**40) == (4, None)
    assert bounds.plan_workers(1000, 2, 2**20, available=2**40) == (
        2,
        "note: --workers 1,000 lowered to 2 (only 2 chunks to run)",
    )
    n, note = bounds.plan_workers(8, 100, 2**30, available=3 * 2**30)
    assert (
        n == 3
        and note
        == "note: --workers 8 lowered to 3 (about 1.0 GiB per worker, 3.0 GiB of memory free for them)"
    )
    assert bounds.plan_workers(8, 100, 2**40, available=2**30)[0] == 1


# --- files others can read ----------------------------------------------------------------------------------


def test_manifest_records_provenance(clean: Path) -> None:
    m = json.loads((clean / "manifest.json").read_text())
    assert m["command"] == sys.argv  # called from Python: sys.argv (the CLI passes its own)
    for lib in ("python", "mesa", "numpy", "pandas", "pyarrow", "SALib"):
        assert m["versions"][lib], lib
    assert m["versions"]["numpy"] == np.__version__ and m["versions"]["pandas"] == pd.__version__
    assert m["git_commit"] == resultdir.git_commit()
    assert m["checksums"]["outcomes.parquet"] == resultdir.sha256_file(clean / "outcomes.parquet")
    assert m["time_unit"] == "ms"


def test_git_commit_is_read_from_disk(tmp_path: Path) -> None:
    assert resultdir.git_commit(tmp_path) is None  # no repository: null in the manifest
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text("# pack-refs with: peeled\n" + "a" * 40 + " refs/heads/main\n")
    assert resultdir.git_commit(tmp_path) == "a" * 40
    (git / "refs" / "heads" / "main").write_text("b" * 40 + "\n")
    assert resultdir.git_commit(tmp_path) == "b" * 40
    (git / "HEAD").write_text("c" * 40 + "\n")  # detached
    assert resultdir.git_commit(tmp_path) == "c" * 40


def test_cli_records_the_command_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "batch",
            SCENARIO,
            "--runs",
            "30",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
            "--set",
            "wagner.speed_kmh=50",
        ],
    )
    assert result.exit_code == 0, result.output
    cmd = json.loads((tmp_path / "manifest.json").read_text())["command"]
    assert cmd[:3] == ["perfect-storm", "batch", SCENARIO]
    assert cmd[cmd.index("--runs") + 1] == "30" and cmd[cmd.index("--seed") + 1] == "3"
    assert cmd[cmd.index("--set") + 1] == "wagner.speed_kmh=50"


def test_every_parquet_uses_milliseconds_and_keeps_its_labels(clean: Path) -> None:
    for path in [clean / "outcomes.parquet", clean / "series.parquet", *(clean / "chunks").glob("*.parquet")]:
        schema = pq.read_schema(path)
        units = {f.type.unit for f in schema if hasattr(f.type, "unit")}
        assert units == {"ms"}, (path, units)
        df = pd.read_parquet(path)
        assert df.attrs["banner"] == sim.BANNER and df.attrs["runs"] == RUNS


def test_analysis_folders_are_plain_csv_and_labelled_parquet(spec: sim.Scenario, tmp_path: Path) -> None:
    from sim.analysis import compare
    from sim.analysis import summary as sm

    res = compare(spec, spec.with_overrides(interventions=["no_mediation"]), runs=50, seed=1)
    out = res.write(tmp_path / "cmp")
    for name in ("differences.csv", "transitions.csv", "figures.csv"):
        df = pd.read_csv(out / name)  # nothing but read_csv
        assert set(df["banner"]) == {sim.BANNER}, name
        assert set(df["hypotheses_on"]) == {", ".join(res.spec_a.hypotheses_on) or "none"}
        assert "hypotheses_on_b" in df.columns
    m = sm.read_manifest(out)
    assert (
        "changes: " in m["file_notes"]["differences.csv"][0] and m["engine"] == executors.engine_fingerprint()
    )
    t = sm.read_csv(out / "transitions.csv", index_col=0)  # labels move to attrs: the matrix is square
    assert t.shape[0] == t.shape[1] and t.attrs["banner"] == sim.BANNER
    a = pd.read_parquet(out / "outcomes_a.parquet")
    assert (
        a.attrs["banner"] == sim.BANNER and a.attrs["seed"] == 1 and a["end_time"].dtype == "datetime64[ms]"
    )


def test_old_csv_with_comment_lines_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text(f"# {sim.BANNER}\n# Hypotheses on: none\na,b\n1,2\n", encoding="utf-8")
    df = resultdir.read_csv(path)
    assert df.to_dict("list") == {"a": [1], "b": [2]}


def test_batch_result_type(clean: Path) -> None:
    res = load_batch(clean)
    assert isinstance(res, BatchResult) and res.summary.attrs["hypotheses_on"] == res.hypotheses_on
    assert "banner" not in res.summary.columns


def test_per_replicate_parameter_columns_pass_through(tmp_path: Path) -> None:
    """A batch of an uncertain scenario keeps the draw and dotted-key columns, and extends like any other."""
    from sim.api import prepare

    spec = prepare(catalog.load(SCENARIO), uncertain={"wagner.speed_kmh": (30.0, 70.0)}, runs=40, draws=4)
    res = run_batch(spec, 40, 2, tmp_path / "u", chunk=15)
    expected = sim.simulate(spec, runs=40, seed=2)
    assert {"draw", "wagner.speed_kmh"} <= set(res.outcomes.columns)
    pd.testing.assert_frame_equal(res.outcomes, expected)
    assert res.manifest["uncertain"] == spec.uncertain and res.manifest["replicates_per_draw"] == 10
    assert res.manifest["draws"] == 4
    longer = run_batch(spec, 60, 2, tmp_path / "u", chunk=15)
    pd.testing.assert_frame_equal(longer.outcomes, sim.simulate(spec, runs=60, seed=2))
    assert longer.manifest["draws"] == 6


def test_check_analysis_for_compare_sweep_attribute(spec: sim.Scenario) -> None:
    est = bounds.check_analysis(spec, 1000, 2**3, "runs 1,000 x 2^3 variants")
    assert est.replicates == 8000 and est.steps == bounds.steps_of(spec) == 96 and est.disk_bytes == 0
    with pytest.raises(
        bounds.TooLarge, match=r"^attribute runs 100,000,000 x 2\^7: needs about .* of memory"
    ):
        bounds.check_analysis(spec, 10**8, 2**7, "attribute runs 100,000,000 x 2^7")
    with pytest.raises(bounds.TooLarge, match=r"^sweep grid 64\^10 points x 100 runs: .* replicate ids"):
        bounds.check_analysis(spec, 100, 64**10, "sweep grid 64^10 points x 100 runs")


def test_empty_out_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # were it accepted, the batch would land here, not in the repository
    code, _, stderr = run_cli(["batch", SCENARIO, "--runs", "10", "--out", ""], capsys)
    assert code == 2 and stderr.strip().splitlines() == [
        "Error: Invalid value for '--out': an empty path; give a directory, e.g. results/run1"
    ]
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(sim.UsageError, match="--out: must name a directory, got ''"):
        run_batch(SCENARIO, 10, 0, "")


def test_open_pool_caps_a_local_pool_at_its_tasks() -> None:
    notes: list[str] = []
    with executors.open_pool("processes", workers=50, tasks=1, notice=notes.append) as pool:
        assert pool.slots == 1 and pool.executor.submit(sum, [1, 2]).result() == 3
    assert notes == ["note: --workers 50 lowered to 1 (only 1 chunk to run)"]

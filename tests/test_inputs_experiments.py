"""Experiment files (several scenarios x variants x a design, one tidy table) and ``replay``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, assert_rows_identical, load, run_cli

import sim
from sim import experiments as ex
from sim import replay as rp
from sim.errors import ScenarioError

EXPERIMENT = """# SPECULATIVE SCENARIO — NOT A FORECAST
[experiment]
title = "speed and mediation"
scenarios = ["mutiny_2023", "mine.toml"]
runs = 40
seed = 3

[[variants]]
name = "as_written"

[[variants]]
name = "no_mediation"
interventions = ["no_mediation"]

[[variants]]
name = "patrons_late"
on = ["hidden_patrons"]
set = { "shocks.mutiny.at" = 2023-06-24T03:00:00, wagner = { grievance = 0.9 } }

[design]
kind = "grid"
points = 2
[design.params]
"wagner.speed_kmh" = [30, 60]
"hypotheses.leader_gated_mediation.on" = { values = [true, false] }
"""
MINE = 'extends = "mutiny_2023"\ntitle = "mine"\n[defence]\nradius_km = 200\n'


@pytest.fixture
def experiment_file(tmp_path: Path) -> Path:
    (tmp_path / "mine.toml").write_text(MINE, encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return path


def test_an_experiment_is_a_tidy_table_of_its_cells(experiment_file: Path) -> None:
    exp = ex.load_experiment(experiment_file)
    assert (
        list(exp.scenarios) == ["mutiny_2023", "mine"] and [v.name for v in exp.variants][1] == "no_mediation"
    )
    result = ex.run_experiment(exp)
    df = result.outcomes
    cells = df[["scenario", "variant", "point"]].drop_duplicates()
    assert len(cells) == 2 * 3 * 4 and len(df) == 24 * 40
    assert {
        "scenario",
        "variant",
        "point",
        "wagner.speed_kmh",
        "hypotheses.leader_gated_mediation.on",
    } <= set(df)
    assert set(df["wagner.speed_kmh"]) == {30.0, 60.0}
    # Each cell is exactly sim.simulate of its scenario with its settings (common random numbers).
    row = df[(df.scenario == "mine") & (df.variant == "patrons_late") & (df["wagner.speed_kmh"] == 60.0)]
    row = row[row["hypotheses.leader_gated_mediation.on"] == False]  # noqa: E712 - an object column
    spec = sim.load_scenario(experiment_file.parent / "mine.toml").with_overrides(
        {
            "shocks.mutiny.at": "2023-06-24T03:00:00",
            "wagner.grievance": 0.9,
            "wagner.speed_kmh": 60.0,
            "hypotheses.leader_gated_mediation.on": False,
        },
        on=["hidden_patrons"],
    )
    direct = sim.simulate(spec, runs=40, seed=3)
    assert_rows_identical(row[direct.columns], direct)
    assert (row.scenario_hash == spec.hash).all()
    assert row.hypotheses_on.iloc[0] == "hidden_patrons"
    summary = result.summary
    shares = summary[summary.variable == "outcome"].groupby(["scenario", "variant", "point"], observed=True)
    assert shares["probability"].sum().round(12).eq(1).all()


def test_the_experiment_command_writes_a_labelled_result(
    experiment_file: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "result"
    code, stdout, err = run_cli(
        ["experiment", str(experiment_file), "--out", str(out), "--runs", "20"], capsys
    )
    assert code == 0, err
    assert stdout.splitlines()[0] == sim.BANNER and stdout.splitlines()[1].startswith("Hypotheses on: ")
    assert "no_mediation" in stdout and "patrons_late" in stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "experiment" and manifest["banner"] == sim.BANNER and manifest["runs"] == 20
    table = pq.read_table(out / "outcomes.parquet")
    assert table.schema.metadata[b"banner"].decode() == sim.BANNER and table.num_rows == 24 * 20
    # A scenario command given an experiment file says what it is.
    code, _, err = run_cli(["run", str(experiment_file)], capsys)
    assert code == 1 and "an experiment file" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("change", "status", "needles"),
    [
        (
            lambda t: t.replace('"mine.toml"', '"mutiny_2032"'),
            1,
            ["experiment.scenarios[1]", "did you mean 'mutiny_2023'"],
        ),
        (
            lambda t: t.replace('"shocks.mutiny.at"', '"shocks.invasion.at"'),
            1,
            ["variants.patrons_late", "no invasion shock"],
        ),
        (lambda t: t.replace('kind = "grid"', 'kind = "gird"'), 1, ["design.kind", "did you mean 'grid'"]),
        (lambda t: t.replace("[30, 60]", "[30, 600]"), 1, ["design.params.wagner.speed_kmh", "[1, 120]"]),
        (
            lambda t: t.replace("runs = 40", "runs = 100000"),
            1,
            ["2,400,000 replicate rows", "more than the 2,000,000"],
        ),
        (
            lambda t: t.replace('name = "no_mediation"', 'name = "as_written"'),
            1,
            ["variants[1].name", "unique"],
        ),
        (lambda t: t.replace("[design]", "[desing]"), 1, ["unknown key 'desing'", "did you mean 'design'"]),
        (
            lambda t: t + '\n[[variants]]\nname = "x"\noff = ["nope"]\n',
            1,
            ["variants.x", "unknown hypothesis 'nope'"],
        ),
    ],
)
def test_bad_experiment_files_are_one_line_errors(
    experiment_file: Path, tmp_path: Path, capsys, change, status: int, needles: list[str]
) -> None:
    experiment_file.write_text(change(EXPERIMENT), encoding="utf-8")
    out = tmp_path / "result"
    code, stdout, err = run_cli(["experiment", str(experiment_file), "--out", str(out)], capsys)
    lines = err.strip().splitlines()
    assert code == status and len(lines) == 1 and "Traceback" not in err, err
    assert "exp.toml" in lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert not out.exists(), "checked before the output directory is made"


def test_experiment_library_takes_parsed_data() -> None:
    data = {
        "experiment": {"scenarios": ["mutiny_2023"], "runs": 5},
        "variants": [{"name": "v", "set": {"wagner.speed_kmh": 50}}],
    }
    exp = ex.parse_experiment(data)
    (cell,) = exp.cells()
    assert cell[4].hash == load("mutiny_2023").with_overrides({"wagner.speed_kmh": 50}).hash
    with pytest.raises(ScenarioError, match="experiment: experiment.scenarios"):
        ex.parse_experiment({"experiment": {"scenarios": "mutiny_2023"}})


# --- replay -------------------------------------------------------------------------


def test_replay_reproduces_a_batch_and_says_what_differs(tmp_path: Path, capsys) -> None:
    src = tmp_path / "b"
    args = ["batch", "mutiny_2023", "--runs", "60", "--chunk", "30", "--out", str(src), "--quiet"]
    code, _, err = run_cli([*args, "--set", "wagner.speed_kmh=60", "--executor", "inline"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["replay", str(src / "manifest.json"), "--out", str(tmp_path / "again")], capsys)
    assert code == 0, err
    assert out.splitlines()[0] == sim.BANNER and "identical: bit for bit" in out
    for name in ("outcomes.parquet", "summary.csv", "series.parquet"):
        assert (src / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    # Damage one value: the replay names the file, the rows and the column.
    damaged = tmp_path / "damaged"
    shutil.copytree(src, damaged)
    df = pd.read_parquet(damaged / "outcomes.parquet")
    df.loc[3, "regime_control"] = -6.45
    df.to_parquet(damaged / "outcomes.parquet", index=False)
    code, out, err = run_cli(["replay", str(damaged)], capsys)
    assert code == 1 and "outcomes.parquet: differs: 1 of 60 rows, in columns regime_control" in out
    assert err.startswith("Error: the replay differs") and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("perfect-storm-replay-*")), "no --out: the replay leaves nothing behind"


def test_replay_reports_a_different_engine(tmp_path: Path) -> None:
    from sim.analysis import compare

    a = load("mutiny_2023")
    compare(a, a.with_overrides(interventions=["no_mediation"]), runs=30, seed=2).write(tmp_path / "c")
    m = json.loads((tmp_path / "c" / "manifest.json").read_text(encoding="utf-8"))
    m["engine"], m["version"] = "0123456789abcdef", "0.0.1"
    (tmp_path / "c" / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    report = rp.replay(tmp_path / "c", tmp_path / "again")
    assert report.identical, report.lines()
    assert any(line.startswith("engine: 0123456789abcdef then") for line in report.environment)
    assert any(line.startswith("version: 0.0.1 then") for line in report.environment)


@pytest.mark.parametrize(
    ("content", "status", "needle"),
    [
        (None, 2, "no such file or directory"),
        ("{not json", 1, "not a manifest (invalid JSON"),
        ("[1, 2]", 1, "not a result manifest (no 'kind' key)"),
        ('{"kind": "poem"}', 1, "cannot replay a 'poem' result; kinds: attribute, batch, compare"),
        ('{"kind": "batch", "complete": false}', 1, "did not finish"),
        ('{"kind": "batch", "scenario": {"title": 3}}', 1, "title: expected a string"),
        ('{"kind": "compare", "scenario": 5}', 1, "scenario: missing or not a dict"),
    ],
)
def test_a_bad_manifest_is_a_one_line_error(
    tmp_path: Path, capsys, content: str | None, status: int, needle: str
) -> None:
    path = tmp_path / "r" / "manifest.json"
    if content is not None:
        path.parent.mkdir()
        path.write_text(content, encoding="utf-8")
        before = path.read_bytes()
    code, out, err = run_cli(["replay", str(path)], capsys)
    lines = err.strip().splitlines()
    assert code == status and len(lines) == 1 and "Traceback" not in out + err, err
    assert needle in lines[0] and "manifest.json" in lines[0]
    if content is not None:
        assert path.read_bytes() == before and sorted(p.name for p in path.parent.iterdir()) == [
            "manifest.json"
        ]


def test_replay_never_writes_into_a_result(tmp_path: Path, capsys) -> None:
    from sim.analysis import attribute

    attribute(load("mutiny_hidden_patrons"), "martial_law", runs=20, seed=1).write(tmp_path / "a")
    before = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    code, _, err = run_cli(["replay", str(tmp_path / "a"), "--out", str(tmp_path / "a")], capsys)
    assert code == 2 and "already holds a result" in err
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()} == before


def test_batch_runs_an_experiment_file_into_one_tidy_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`batch EXPERIMENT.toml` is the experiment command: the same tidy table as `experiment`."""
    example = ROOT / "docs" / "examples" / "experiment.toml"
    code, out, err = run_cli(["batch", str(example), "--runs", "20", "--out", str(tmp_path / "b")], capsys)
    assert code == 0, err
    code, _, err = run_cli(["experiment", str(example), "--runs", "20", "--out", str(tmp_path / "e")], capsys)
    assert code == 0, err
    a = pd.read_parquet(tmp_path / "b" / "outcomes.parquet")
    b = pd.read_parquet(tmp_path / "e" / "outcomes.parquet")
    assert {"scenario", "variant", "wagner.speed_kmh"} <= set(a.columns)
    pd.testing.assert_frame_equal(a, b)

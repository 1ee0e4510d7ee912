"""The core commands (list, show, run) and the one-line error contract of the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, load

import sim
from sim import catalog
from sim.hypotheses import REGISTRY
from storm_cli import cli, main

DATED = re.compile(r"^  (\d{4}-\d{2}-\d{2} \d{2}:\d{2})  \S")
CONSOLE_SCRIPT = Path(sys.executable).parent / "perfect-storm"


def invoke(*args: str) -> tuple[str, str]:
    """Run a command that must succeed through CliRunner: (stdout, stderr)."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout, result.stderr


def call_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The ``main()`` entry point: (exit status, stdout, stderr)."""
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_labelled(stdout: str, on: list[str], prefix: str = "") -> None:
    lines = stdout.splitlines()
    assert lines[0] == prefix + sim.BANNER
    assert lines[1] == prefix + sim.banner.hypotheses_line(on)


# --- list ---------------------------------------------------------------


def test_list_names_everything() -> None:
    out, _ = invoke("list")
    assert out.splitlines()[0] == sim.BANNER
    for path in catalog.scenario_files():
        assert re.search(rf"^  {path.stem}\s", out, re.M), path.stem
        assert sim.load_scenario(path).title in out
    for hid in sim.HYPOTHESIS_IDS:
        assert re.search(rf"^  {hid}\s", out, re.M), hid
        assert REGISTRY[hid].metadata["section"] in out
    for name in sim.INTERVENTIONS:
        assert name in out
    assert "speculative" in out


# --- show -----------------------------------------------------------------


def test_show_prints_every_default_and_the_hash() -> None:
    out, _ = invoke("show", "mutiny_2023")
    spec = load("mutiny_2023")
    assert_labelled(out, spec.hypotheses_on, prefix="# ")  # comments: the output is a TOML file
    assert f"# hash: {spec.hash}" in out
    for key in spec.params:
        assert re.search(rf"^{key.rsplit('.', 1)[-1]} = ", out, re.M), key
    for hid in sim.HYPOTHESIS_IDS:
        assert f"[hypotheses.{hid}]" in out


def test_show_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text((ROOT / "scenarios" / "mutiny_2023.toml").read_text(encoding="utf-8"))
    out, _ = invoke("show", str(path))
    assert f"# hash: {load('mutiny_2023').hash}" in out
    assert str(path) in out


# --- run ------------------------------------------------------------------


def test_run_tells_a_dated_story() -> None:
    out, err = invoke("run", "mutiny_2023", "--seed", "3", "--replicate", "5")
    assert err == ""
    assert_labelled(out, ["leader_gated_mediation"])
    spec = load("mutiny_2023")
    assert "Timeline" in out and spec.hash in out and "seed 3" in out and "replicate 5" in out
    dated = [DATED.match(line) for line in out.splitlines()]
    times = [datetime.strptime(m.group(1), "%Y-%m-%d %H:%M") for m in dated if m]
    assert len(times) >= 2 and times == sorted(times)
    assert times[0] == datetime(2023, 6, 23, 21, 0)
    row = sim.simulate(spec, runs=6, seed=3).iloc[5]
    assert f"Outcome: {row.outcome} (ended " in out
    assert f"mutiny: {row.mutiny_end};" in out


@pytest.fixture(scope="module")
def batch() -> dict[str, object]:
    spec = load("mutiny_hidden_patrons")
    return {"spec": spec, "df": sim.simulate(spec, runs=400, seed=21)}


def test_run_json_replicate_equals_the_batch_row(batch: dict[str, object]) -> None:
    df = batch["df"]
    spec = batch["spec"]
    # One replicate per outcome and mutiny ending that occurs, plus the first.
    picks = {0} | {int(df.index[df.outcome == v][0]) for v in df.outcome.unique()}
    picks |= {int(df.index[df.mutiny_end == v][0]) for v in df.mutiny_end.unique()}
    for i in sorted(picks):
        out, _ = invoke("run", "mutiny_hidden_patrons", "--seed", "21", "--replicate", str(i), "--json")
        told = json.loads(out)
        row = df.iloc[i]
        assert told["banner"] == sim.BANNER
        assert told["hypotheses_on"] == spec.hypotheses_on
        assert told["scenario_hash"] == spec.hash
        assert (told["seed"], told["replicate"]) == (21, i)
        assert told["outcome"] == row.outcome
        f = told["figures"]
        assert f["mutiny_end"] == row.mutiny_end
        assert f["closest_km_to_moscow"] == round(float(row.closest_km_to_moscow), 1)
        assert f["mutiny_hours"] == round(float(row.mutiny_hours), 1)
        assert f["leaks"] == row.leaks
        assert f["leader_elite_support"] == round(float(row.leader_elite_support), 3)
        assert f["end_time"] == row.end_time.strftime("%Y-%m-%d %H:%M")
        events = sim.StormModel(spec, replicates=1, rng=21, first_replicate=i).run().events_for(0)
        assert told["events"] == events and events


def test_run_options_change_the_world() -> None:
    told = json.loads(invoke("run", "mutiny_2023", "--json", "--intervene", "no_mediation")[0])
    assert told["interventions"] == ["no_mediation"]
    assert told["figures"]["mutiny_end"] != "mediated_halt"
    assert not any(e["event"] == "calls Prigozhin" for e in told["events"])

    told = json.loads(invoke("run", "mutiny_2023", "--json", "--with", "hidden_patrons")[0])
    assert told["hypotheses_on"] == ["hidden_patrons", "leader_gated_mediation"]

    out, _ = invoke("run", "mutiny_2023", "--without", "leader_gated_mediation")
    assert out.splitlines()[1] == "Hypotheses on: none (null versions only)"

    fast = load("mutiny_2023").with_overrides(sets=["wagner.speed_kmh=90"])
    told = json.loads(
        invoke(
            "run", "mutiny_2023", "--json", "--set", "wagner.speed_kmh=90", "--seed", "8", "--replicate", "2"
        )[0]
    )
    assert told["scenario_hash"] == fast.hash
    assert told == {**sim.story(fast, seed=8, replicate=2), "scenario": told["scenario"]}


@pytest.mark.parametrize(
    ("command", "prefix"), [(["run", "perfect_storm"], ""), (["show", "perfect_storm"], "# ")]
)
def test_every_output_starts_with_banner_and_hypotheses(command: list[str], prefix: str) -> None:
    out, _ = invoke(*command)
    assert_labelled(out, load("perfect_storm").hypotheses_on, prefix)


def test_main_runs_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = call_main(["run", "mutiny_2023", "--json"], capsys)
    assert code == 0 and err == ""
    assert json.loads(out)["banner"] == sim.BANNER
    code, out, _ = call_main(["--version"], capsys)
    assert code == 0 and sim.__version__ in out
    code, out, _ = call_main(["--help"], capsys)
    assert code == 0 and "list" in out and "run" in out


# --- bad input: one line, no traceback, the right status ------------------

BAD_FILES = {
    "empty.toml": "",
    "invalid.toml": 'title = "x\n',
    "unknown_key.toml": 'title = "x"\nbogus = 1\n',
    "nested_key.toml": 'title = "x"\n[wagner]\nspeed_km = 50\n',
    "wrong_type.toml": 'title = "x"\n[wagner]\nspeed_kmh = "fast"\n',
    "out_of_range.toml": 'title = "x"\n[wagner]\nspeed_kmh = 500\n',
    "unknown_hypothesis.toml": 'title = "x"\n[hypotheses]\nhiden_patrons = true\n',
    "unknown_intervention.toml": 'title = "x"\ninterventions = ["no_mediaton"]\n',
    "cycle_a.toml": 'extends = "cycle_b.toml"\ntitle = "a"\n',
    "cycle_b.toml": 'extends = "cycle_a.toml"\ntitle = "b"\n',
}

IDS = ", ".join(sorted(sim.HYPOTHESIS_IDS))
Case = tuple[Callable[[Path], list[str]], int, list[str]]
CASES: dict[str, Case] = {
    "missing file": (
        lambda d: ["run", str(d / "missing.toml")],
        2,
        ["missing.toml", "no such scenario file", "mutiny_2023"],
    ),
    "directory": (lambda d: ["run", str(d)], 2, ["is a directory"]),
    "unknown scenario name": (
        lambda d: ["run", "mutinyy_2023"],
        2,
        ["mutinyy_2023", "did you mean 'mutiny_2023'"],
    ),
    "empty file": (lambda d: ["run", str(d / "empty.toml")], 1, ["empty.toml", "empty"]),
    "invalid TOML": (lambda d: ["run", str(d / "invalid.toml")], 1, ["invalid.toml", "invalid TOML"]),
    "unknown key": (
        lambda d: ["run", str(d / "unknown_key.toml")],
        1,
        ["unknown_key.toml", "'bogus'", "valid:", "wagner", "hypotheses"],
    ),
    "unknown nested key": (
        lambda d: ["show", str(d / "nested_key.toml")],
        1,
        ["nested_key.toml", "wagner.speed_km", "did you mean 'speed_kmh'"],
    ),
    "wrong type": (
        lambda d: ["run", str(d / "wrong_type.toml")],
        1,
        ["wrong_type.toml", "wagner.speed_kmh", "expected a number"],
    ),
    "out of range": (
        lambda d: ["run", str(d / "out_of_range.toml")],
        1,
        ["out_of_range.toml", "wagner.speed_kmh", "[1, 120]"],
    ),
    "unknown hypothesis in file": (
        lambda d: ["run", str(d / "unknown_hypothesis.toml")],
        1,
        ["unknown_hypothesis.toml", "did you mean 'hidden_patrons'", IDS],
    ),
    "unknown intervention in file": (
        lambda d: ["run", str(d / "unknown_intervention.toml")],
        1,
        ["unknown_intervention.toml", "did you mean 'no_mediation'"],
    ),
    "cycle of extends": (
        lambda d: ["show", str(d / "cycle_a.toml")],
        1,
        ["cycle", "cycle_a.toml", "cycle_b.toml"],
    ),
    "--with unknown": (
        lambda d: ["run", "mutiny_2023", "--with", "hiden_patrons"],
        2,
        ["--with", "'hiden_patrons'", "did you mean 'hidden_patrons'", IDS],
    ),
    "--without unknown": (
        lambda d: ["show", "mutiny_2023", "--without", "leader_gated"],
        2,
        ["--without", "'leader_gated'", "leader_gated_mediation"],
    ),
    "--intervene unknown": (
        lambda d: ["run", "mutiny_2023", "--intervene", "no_mediaton"],
        2,
        ["--intervene", "did you mean 'no_mediation'", "loyal_security_forces"],
    ),
    "--set unknown key": (
        lambda d: ["run", "mutiny_2023", "--set", "wagner.speed_km=50"],
        2,
        ["--set", "wagner.speed_km", "did you mean 'wagner.speed_kmh'"],
    ),
    "--set malformed": (
        lambda d: ["run", "mutiny_2023", "--set", "wagner.speed_kmh"],
        2,
        ["--set", "KEY=VALUE"],
    ),
    "--set wrong type": (
        lambda d: ["run", "mutiny_2023", "--set", "wagner.speed_kmh=fast"],
        2,
        ["--set", "wagner.speed_kmh", "expected a number"],
    ),
    "--set out of range": (
        lambda d: ["run", "mutiny_2023", "--set", "wagner.speed_kmh=500"],
        2,
        ["wagner.speed_kmh", "[1, 120]"],
    ),
    "--set end before start": (
        lambda d: ["run", "mutiny_2023", "--set", "time.end=2023-06-01T00:00"],
        2,
        ["time.end", "time.start"],
    ),
    "--seed negative": (lambda d: ["run", "mutiny_2023", "--seed", "-1"], 2, ["--seed"]),
    "--seed not a number": (lambda d: ["run", "mutiny_2023", "--seed", "abc"], 2, ["--seed", "abc"]),
    "--seed too large": (lambda d: ["run", "mutiny_2023", "--seed", str(2**64)], 2, ["--seed"]),
    "--replicate negative": (lambda d: ["run", "mutiny_2023", "--replicate", "-1"], 2, ["--replicate"]),
    "--replicate too large": (
        lambda d: ["run", "mutiny_2023", "--replicate", str(2**63)],
        2,
        ["--replicate"],
    ),
    "unknown option": (lambda d: ["run", "mutiny_2023", "--bogus"], 2, ["--bogus"]),
    "unknown command": (lambda d: ["frobnicate"], 2, ["frobnicate"]),
    "missing argument": (lambda d: ["run"], 2, ["SCENARIO"]),
}


@pytest.fixture
def bad_dir(tmp_path: Path) -> Path:
    for name, text in BAD_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_one_line(case: str, bad_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv, status, needles = CASES[case]
    code, out, err = call_main(argv(bad_dir), capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == status, (code, err)
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in out + err
    assert out == "", "nothing half-printed before the error"
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize("case", ["missing file", "unknown key", "--with unknown", "--seed negative"])
def test_cli_runner_gives_the_same_status(case: str, bad_dir: Path) -> None:
    argv, status, _ = CASES[case]
    result = CliRunner().invoke(cli, argv(bad_dir))
    assert result.exit_code == status
    assert "Traceback" not in result.output


# --- end to end: the real entry points --------------------------------------


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_run_py_end_to_end() -> None:
    done = _run([sys.executable, "run.py", "run", "mutiny_2023", "--seed", "2", "--replicate", "9", "--json"])
    assert done.returncode == 0, done.stderr
    told = json.loads(done.stdout)
    assert told == json.loads(json.dumps(sim.story(load("mutiny_2023"), seed=2, replicate=9)))


def test_run_py_error_end_to_end(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\n[wagner]\nspeed_kmh = 500\n', encoding="utf-8")
    done = _run([sys.executable, "run.py", "run", str(bad)])
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("Error: ")
    assert "bad.toml" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="console script not installed in this env")
def test_console_script_end_to_end() -> None:
    done = _run([str(CONSOLE_SCRIPT), "list"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == sim.BANNER
    done = _run([str(CONSOLE_SCRIPT), "run", "mutiny_2023", "--with", "nope"])
    assert done.returncode == 2
    assert done.stderr.startswith("Error: ") and done.stderr.strip().count("\n") == 0

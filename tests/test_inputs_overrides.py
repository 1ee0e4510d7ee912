"""Typed overrides (keys, not flags), shock addresses, shocks inside the window, ``extends`` by
name, ``show`` as TOML that loads back, the ``uncertain`` table, and a fast CLI start (issue 9)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT, load, run_cli

import sim
from sim import catalog
from sim.errors import OverrideError, ScenarioError, UsageError
from storm_cli import cli
from storm_cli.main import LAZY

TWO_MUTINIES = """title = "two mutinies"
[time]
start = 2023-06-01T00:00:00
end = 2023-08-01T00:00:00
[[shocks]]
type = "mutiny"
at = 2023-07-10T21:00:00
label = "second"
[[shocks]]
type = "mutiny"
at = 2023-06-23T21:00:00
label = "first"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def one_line(args: list[str], capsys: pytest.CaptureFixture[str], status: int) -> str:
    code, out, err = run_cli(args, capsys)
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == status, (code, err)
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in out + err
    return lines[0]


# --- the typed library call --------------------------------------------------------


def test_typed_overrides_equal_the_string_spelling() -> None:
    spec = load("mutiny_2023")
    typed = spec.with_overrides(
        {"wagner.speed_kmh": 60, "hypotheses.hidden_patrons.covert_help": 0.2},
        on=["hidden_patrons"],
        off=["leader_gated_mediation"],
        interventions=["no_mediation"],
    )
    old = spec.with_overrides(
        sets=["wagner.speed_kmh=60", "hypotheses.hidden_patrons.covert_help=0.2"],
        with_=["hidden_patrons"],
        without=["leader_gated_mediation"],
        interventions=["no_mediation"],
    )
    assert typed.hash == old.hash != spec.hash
    assert typed.params["wagner.speed_kmh"] == 60.0 and typed.hypotheses_on == ["hidden_patrons"]
    assert typed.interventions == ["no_mediation"]


@pytest.mark.parametrize(
    ("kwargs", "argument", "flag", "needle"),
    [
        (
            {"overrides": {"wagner.speed_kmh": 500}},
            "overrides",
            "--set",
            "wagner.speed_kmh: 500 is out of range",
        ),
        ({"on": ["hiden_patrons"]}, "on", "--with", "did you mean 'hidden_patrons'"),
        ({"off": ["nope"]}, "off", "--without", "unknown hypothesis 'nope'"),
        ({"interventions": ["no_mediaton"]}, "interventions", "--intervene", "did you mean 'no_mediation'"),
    ],
)
def test_library_errors_name_keys_and_the_cli_adds_the_flag(
    kwargs: dict[str, object], argument: str, flag: str, needle: str, capsys
) -> None:
    spec = load("mutiny_2023")
    with pytest.raises(OverrideError) as err:
        spec.with_overrides(**kwargs)  # type: ignore[arg-type]
    assert err.value.argument == argument and needle in str(err.value)
    assert "--" not in str(err.value), "the library never names a command-line flag"
    value = next(iter(kwargs.values()))
    text = (
        [f"{k}={v}" for k, v in value.items()] if isinstance(value, dict) else list(value)  # type: ignore[union-attr]
    )
    line = one_line(["show", "mutiny_2023", *(x for t in text for x in (flag, t))], capsys, 2)
    assert line.startswith(f"Error: {flag}") and needle in line


def test_switching_one_hypothesis_both_on_and_off_is_an_error() -> None:
    with pytest.raises(OverrideError, match="hidden_patrons: switched both on and off"):
        load("mutiny_2023").with_overrides(on=["hidden_patrons"], off=["hidden_patrons"])


# --- shocks ----------------------------------------------------------------------


def test_set_moves_a_shock(capsys) -> None:
    spec = load("mutiny_2023")
    moved = spec.with_overrides({"shocks.mutiny.at": datetime(2023, 6, 24, 9, 30)})
    assert moved.shocks[0]["at"] == datetime(2023, 6, 24, 9, 30) and moved.hash != spec.hash
    assert spec.shocks[0]["at"] == datetime(2023, 6, 23, 21, 0), "the original is untouched"
    assert spec.with_overrides({"shocks.mutiny.at": "2023-06-24T09:30"}).hash == moved.hash
    code, out, _ = run_cli(["show", "mutiny_2023", "--set", "shocks.mutiny.at=2023-06-24T09:30"], capsys)
    assert code == 0 and f"# hash: {moved.hash}" in out
    assert tomllib.loads(out)["shocks"][0]["at"] == datetime(2023, 6, 24, 9, 30)
    fields = spec.with_overrides({"shocks.mutiny.fine_hours": 48, "shocks.mutiny[0].grievance_needed": 0.5})
    assert (fields.shocks[0]["fine_hours"], fields.shocks[0]["grievance_needed"]) == (48.0, 0.5)


def test_several_shocks_of_a_type_take_an_index(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "two.toml", TWO_MUTINIES)
    spec = sim.load_scenario(path)
    assert [s["label"] for s in spec.shocks] == ["first", "second"], "indices follow time order"
    with pytest.raises(
        OverrideError, match=r"2 mutiny shocks .* shocks\.mutiny\[0\]\.at or shocks\.mutiny\[1\]\.at"
    ):
        spec.with_overrides({"shocks.mutiny.at": "2023-07-01T00:00"})
    # Both addressed by their place before either moves; then the list is put back in time order.
    swapped = spec.with_overrides(
        {"shocks.mutiny[0].at": "2023-07-20T00:00", "shocks.mutiny[1].label": "now first"}
    )
    assert [s["label"] for s in swapped.shocks] == ["now first", "first"]
    line = one_line(["show", str(path), "--set", "shocks.mutiny[2].at=2023-07-01T00:00"], capsys, 2)
    assert "--set shocks.mutiny[2].at" in line and "shocks.mutiny[1].at" in line


@pytest.mark.parametrize(
    ("key", "needle"),
    [
        ("shocks.invasion.at", "the scenario has no invasion shock; its shocks: shocks.mutiny"),
        ("shocks.mutany.at", "did you mean 'mutiny'"),
        ("shocks.mutiny.speed", "unknown field of a mutiny shock"),
        ("shocks.mutiny", "expected shocks.TYPE.FIELD or shocks.TYPE[I].FIELD"),
        ("shocks.mutiny.type", "unknown field"),
    ],
)
def test_bad_shock_keys(key: str, needle: str, capsys) -> None:
    line = one_line(["run", "mutiny_2023", "--set", f"{key}=2023-06-24T00:00"], capsys, 2)
    assert "--set" in line and key in line and needle in line


def test_a_shock_outside_the_window_is_an_error(tmp_path: Path, capsys) -> None:
    text = (catalog.SCENARIO_DIR / "mutiny_2023.toml").read_text(encoding="utf-8")
    late = write(tmp_path / "late.toml", text.replace("at = 2023-06-23T21:00:00", "at = 2023-07-01T21:00:00"))
    line = one_line(["show", str(late)], capsys, 1)
    assert "late.toml" in line and "shocks.mutiny.at" in line and "2023-07-01T21:00:00" in line
    assert "2023-06-23T18:00:00 to 2023-06-27T18:00:00" in line
    line = one_line(["run", "mutiny_2023", "--set", "shocks.mutiny.at=2023-07-01T21:00"], capsys, 2)
    assert "--set shocks.mutiny.at" in line and "outside the time window" in line
    with pytest.raises(UsageError, match="outside the time window"):
        load("mutiny_2023").with_overrides({"time.start": "2023-06-24T00:00"})
    with pytest.raises(ScenarioError, match="outside"):  # a shock exactly at the end never fires
        sim.load_scenario(
            write(tmp_path / "end.toml", text.replace("2023-06-23T21:00:00", "2023-06-27T18:00:00"))
        )


# --- extends ---------------------------------------------------------------------------


def test_extends_a_shipped_scenario_by_name(tmp_path: Path) -> None:
    child = write(
        tmp_path / "child.toml", 'extends = "mutiny_2023"\ntitle = "mine"\n[wagner]\nspeed_kmh = 60\n'
    )
    spec = sim.load_scenario(child)
    base = load("mutiny_2023")
    assert spec.title == "mine" and spec.shocks == base.shocks
    assert spec.hash == base.with_overrides({"wagner.speed_kmh": 60}).hash
    # A file beside the child wins over the shipped name.
    write(
        tmp_path / "mutiny_2023",
        'title = "local"\n[time]\nstart = 2020-01-01T00:00:00\nend = 2020-01-02T00:00:00\n',
    )
    assert sim.load_scenario(child).start == datetime(2020, 1, 1)
    typo = write(tmp_path / "typo.toml", 'extends = "mutiny_2032"\ntitle = "t"\n')
    with pytest.raises(
        ScenarioError, match=r"typo\.toml: extends: .*mutiny_2032.*did you mean 'mutiny_2023'"
    ):
        sim.load_scenario(typo)


# --- show: TOML that loads back ----------------------------------------------------------


def test_show_round_trips_odd_text_overrides_and_uncertain(tmp_path: Path) -> None:
    text = (
        'title = "quotes \\" and \\\\ backslash"\nquestion = "unicode: naïve — ok"\n'
        'description = """\nthree quotes \\"\\"\\" and a \\\\ inside\nend"\n"""\n'
        "[time]\nstart = 2023-06-23T18:00:00\nend = 2023-06-25T18:00:07\n"
        '[uncertain]\n"wagner.speed_kmh" = { dist = "triangular", low = 30, mode = 48, high = 70 }\n'
        '"hypotheses.hidden_patrons.on" = { dist = "bernoulli", p = 0.5 }\n'
        '[[shocks]]\ntype = "mutiny"\nat = 2023-06-23T21:00:05\nlabel = "a \\"label\\""\n'
    )
    spec = sim.load_scenario(write(tmp_path / "odd.toml", text))
    result = CliRunner().invoke(cli, ["show", str(tmp_path / "odd.toml"), "--set", "wagner.grievance=0.5"])
    assert result.exit_code == 0, result.output
    again = sim.load_scenario(write(tmp_path / "again.toml", result.stdout))
    changed = spec.with_overrides({"wagner.grievance": 0.5})
    assert again.hash == changed.hash and again.to_dict() == changed.to_dict()
    assert again.uncertain["wagner.speed_kmh"] == {"dist": "triangular", "low": 30, "mode": 48, "high": 70}


def test_uncertain_is_part_of_the_identity(tmp_path: Path) -> None:
    base = sim.load_scenario(write(tmp_path / "a.toml", TWO_MUTINIES))
    with_unc = TWO_MUTINIES + '[uncertain]\n"wagner.speed_kmh" = { dist = "uniform", low = 30, high = 70 }\n'
    spec = sim.load_scenario(write(tmp_path / "b.toml", with_unc))
    assert spec.uncertain == {"wagner.speed_kmh": {"dist": "uniform", "low": 30, "high": 70}}
    assert spec.to_dict()["uncertain"] == {**spec.uncertain, "replicates_per_draw": 100}
    assert spec.hash != base.hash
    child = write(
        tmp_path / "c.toml",
        'extends = "b.toml"\n[uncertain]\n"wagner.speed_kmh" = { dist = "uniform", low = 40, high = 50 }\n',
    )
    assert sim.load_scenario(child).uncertain["wagner.speed_kmh"] == {
        "dist": "uniform",
        "low": 40,
        "high": 50,
    }
    with pytest.raises(ScenarioError, match="uncertain: expected a table of KEY"):
        sim.load_scenario(
            write(
                tmp_path / "d.toml",
                TWO_MUTINIES.replace('title = "two mutinies"', 'title = "x"\nuncertain = 3'),
            )
        )


# --- the command line starts fast -----------------------------------------------------------


def test_importing_the_cli_loads_no_heavy_library() -> None:
    probe = (
        "import sys, storm_cli.main, storm_cli.common\n"
        "heavy = [m for m in ('pandas', 'mesa', 'matplotlib', 'scipy', 'pyarrow', 'solara') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_list_and_help_load_no_heavy_library() -> None:
    probe = (
        "import sys\nfrom storm_cli.main import main\n"
        "for argv in (['--help'], ['list']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "print('HEAVY:' + ','.join(m for m in ('pandas', 'mesa', 'matplotlib', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "HEAVY:\n" in done.stdout + "\n" and "mutiny_2023" in done.stdout


@pytest.mark.parametrize("name", list(LAZY))
def test_lazy_help_matches_the_command(name: str) -> None:
    """The one-line help kept for the command list is the command's own."""
    ctx = click.Context(cli)
    command = cli.get_command(ctx, name)
    assert command is not None, name
    assert command.help is not None and command.help.split("\n\n")[0].strip() == LAZY[name][1]
    for limit in (45, 200):
        assert click.utils.make_default_short_help(LAZY[name][1], limit) == command.get_short_help_str(limit)


def test_help_lists_every_command(capsys) -> None:
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0
    for name in ("list", "show", "run", *LAZY):
        assert f"  {name} " in out, name


def test_run_py_without_the_packages_gives_a_one_line_hint() -> None:
    # -S: no site-packages, as with a system Python that never ran the bootstrap.
    done = subprocess.run(
        [sys.executable, "-S", "run.py", "list"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "lacks the package" in lines[0] and "scripts/bootstrap.sh" in lines[0]


def test_a_nested_uncertain_design_round_trips_through_show(tmp_path: Path) -> None:
    from sim import uncertain

    spec = load("mutiny_2023").with_uncertain(
        {"wagner.speed_kmh": uncertain.uniform("wagner.speed_kmh", 30, 70)}, replicates_per_draw=5
    )
    assert spec.to_dict()["uncertain"]["replicates_per_draw"] == 5
    again = sim.load_scenario(write(tmp_path / "nested.toml", spec.to_toml()))
    assert again.hash == spec.hash and again.replicates_per_draw == 5
    with pytest.raises(ScenarioError, match="uncertain: replicates_per_draw: expected a whole number >= 1"):
        sim.load_scenario(
            write(
                tmp_path / "bad.toml",
                spec.to_toml().replace("replicates_per_draw = 5", "replicates_per_draw = 0"),
            )
        )

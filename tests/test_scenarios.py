"""Scenarios are data (docs/design.md, decision 4): shipped files, ``extends``, hashes, ``show``."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import load

import sim
from sim import catalog
from sim.errors import ScenarioError, UsageError
from sim.hypotheses import REGISTRY
from sim.params import PARAMS
from storm_cli import cli

FILES = catalog.scenario_files()
REQUIRED = (
    "mutiny_2023",
    "mutiny_hidden_patrons",
    "invasion_2022",
    "nuclear_leak_2022",
    "long_range_2024",
    "perfect_storm",
)


def test_required_files_exist() -> None:
    names = {p.stem for p in FILES}
    assert set(REQUIRED) <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_loads_and_runs(path: Path, request: pytest.FixtureRequest) -> None:
    spec = sim.load_scenario(path)
    if "posterior" in spec.uncertain:  # storm_2026: a calibration made here stands in for the user's
        spec.uncertain["posterior"] = str(request.getfixturevalue("tiny_posterior"))
    assert spec.title.strip() and spec.question.strip()
    assert spec.name == path.stem
    assert spec.end > spec.start
    assert set(spec.params) == set(PARAMS)
    assert set(spec.hypotheses) == set(REGISTRY)
    df = sim.simulate(spec, runs=300, seed=3)
    assert len(df) == 300 and list(df.replicate) == list(range(300))
    assert df.outcome.notna().all()
    assert set(df.outcome.astype(str)) <= set(sim.OUTCOMES)
    assert list(df.outcome.cat.categories) == list(sim.OUTCOMES)
    total = (spec.end - spec.start).total_seconds() / 3600
    assert df.end_hours.notna().all(), "every replicate ends with an outcome"
    assert ((df.end_hours > 0) & (df.end_hours <= total + 1e-9)).all()
    assert df.attrs["banner"] == sim.BANNER
    assert df.attrs["hypotheses_on"] == spec.hypotheses_on
    assert df.attrs["scenario_hash"] == spec.hash


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_carries_the_banner(path: Path) -> None:
    assert sim.BANNER in path.read_text(encoding="utf-8").splitlines()[0]


def test_required_hypothesis_settings() -> None:
    assert "hidden_patrons" not in load("mutiny_2023").hypotheses_on
    assert "hidden_patrons" in load("mutiny_hidden_patrons").hypotheses_on
    assert set(load("perfect_storm").hypotheses_on) == set(sim.HYPOTHESIS_IDS)
    kinds = {n: {s["type"] for s in load(n).shocks} for n in REQUIRED}
    assert "mutiny" in kinds["mutiny_2023"]
    assert "invasion" in kinds["invasion_2022"]
    assert "nuclear_signalling" in kinds["nuclear_leak_2022"]
    assert {"long_range_authorisation", "ballistic_strike"} <= kinds["long_range_2024"]


def test_mutiny_starts_on_the_evening_of_23_june() -> None:
    (mutiny,) = [s for s in load("mutiny_2023").shocks if s["type"] == "mutiny"]
    assert (mutiny["at"].year, mutiny["at"].month, mutiny["at"].day) == (2023, 6, 23)
    assert mutiny["at"].hour >= 18


def test_extends_inherits_shocks_and_time() -> None:
    base, child = load("mutiny_2023"), load("mutiny_hidden_patrons")
    assert child.shocks == base.shocks
    assert (child.start, child.end, child.step_hours, child.fine_step_hours) == (
        base.start,
        base.end,
        base.step_hours,
        base.fine_step_hours,
    )
    assert child.params == base.params
    assert child.title != base.title
    assert child.hypotheses["hidden_patrons"]["on"] and not base.hypotheses["hidden_patrons"]["on"]
    # Everything but the switch is inherited: switching it off gives the parent's hash.
    assert child.with_overrides(without=["hidden_patrons"]).hash == base.hash


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


BASE = """title = "base"
[time]
start = 2023-06-23T18:00:00
end = 2023-06-25T18:00:00
[wagner]
speed_kmh = 50
[hypotheses]
leader_gated_mediation = true
[[shocks]]
type = "mutiny"
at = 2023-06-23T21:00:00
"""


def test_extends_overrides_and_merges(tmp_path: Path) -> None:
    write(tmp_path / "base.toml", BASE)
    child = write(
        tmp_path / "child.toml",
        'extends = "base.toml"\ntitle = "child"\n[wagner]\ngrievance = 0.5\n'
        "[hypotheses.hidden_patrons]\non = true\ncovert_help = 0.1\n",
    )
    spec = sim.load_scenario(child)
    assert spec.title == "child"
    assert spec.params["wagner.speed_kmh"] == 50 and spec.params["wagner.grievance"] == 0.5
    assert spec.hypotheses["leader_gated_mediation"]["on"]
    assert spec.hypotheses["hidden_patrons"] == {
        **{n: float(p.default) for n, p in REGISTRY["hidden_patrons"].params.items()},
        "on": True,
        "covert_help": 0.1,
    }
    assert [s["type"] for s in spec.shocks] == ["mutiny"]


def test_cycle_of_extends_names_the_files(tmp_path: Path) -> None:
    a = write(tmp_path / "a.toml", 'extends = "b.toml"\ntitle = "a"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\ntitle = "b"\n')
    with pytest.raises(ScenarioError, match="cycle") as err:
        sim.load_scenario(a)
    assert "a.toml" in str(err.value) and "b.toml" in str(err.value)
    selfref = write(tmp_path / "self.toml", 'extends = "self.toml"\ntitle = "s"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        sim.load_scenario(selfref)


def test_extends_a_missing_file(tmp_path: Path) -> None:
    child = write(tmp_path / "child.toml", 'extends = "nowhere.toml"\ntitle = "c"\n')
    with pytest.raises(ScenarioError, match=r"child\.toml.*extends.*nowhere\.toml"):
        sim.load_scenario(child)
    (tmp_path / "folder").mkdir()
    child = write(tmp_path / "child2.toml", 'extends = "folder"\ntitle = "c"\n')
    with pytest.raises(ScenarioError, match=r"child2\.toml.*extends.*folder"):
        sim.load_scenario(child)


def test_hash_follows_parameters_not_text(tmp_path: Path) -> None:
    spec = load("mutiny_2023")
    assert len(spec.hash) == 16 and int(spec.hash, 16) >= 0
    assert spec.with_overrides(sets=["wagner.speed_kmh=45"]).hash != spec.hash
    assert spec.with_overrides(sets=["hypotheses.hidden_patrons.covert_help=0.2"]).hash != spec.hash
    assert spec.with_overrides(with_=["hidden_patrons"]).hash != spec.hash
    assert spec.with_overrides(interventions=["no_mediation"]).hash != spec.hash
    assert spec.with_overrides(sets=["time.fine_step_hours=0.5"]).hash != spec.hash
    retitled = spec.with_overrides()
    retitled.title, retitled.question, retitled.description = "other", "other?", "other."
    assert retitled.hash == spec.hash
    # The same content in another file, under another title, hashes the same.
    text = (catalog.SCENARIO_DIR / "mutiny_2023.toml").read_text(encoding="utf-8")
    copy = write(tmp_path / "copy.toml", text.replace("historical baseline", "a copy"))
    assert sim.load_scenario(copy).hash == spec.hash
    # Writing a default out explicitly changes nothing.
    default = PARAMS["defence.radius_km"].default
    explicit = write(tmp_path / "explicit.toml", text + f"\n[defence]\nradius_km = {default}\n")
    assert sim.load_scenario(explicit).hash == spec.hash


def show_body(output: str) -> str:
    """``show``'s output, checked to start with the banner and hypotheses as TOML comments."""
    lines = output.splitlines()
    assert lines[0] == f"# {sim.BANNER}" and lines[1].startswith("# Hypotheses on:")
    return output


@pytest.mark.parametrize("name", [p.stem for p in FILES])
def test_show_reloads(name: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["show", name])
    assert result.exit_code == 0, result.output
    spec = load(name)
    body = show_body(result.stdout)
    assert f"# hash: {spec.hash}" in body
    data = tomllib.loads(body)
    assert data["title"] == spec.title
    assert data["wagner"]["speed_kmh"] == spec.params["wagner.speed_kmh"]
    # Every default is filled in: every parameter and every hypothesis appears.
    for key in PARAMS:
        node = data
        for part in key.split("."):
            node = node[part]
        assert node == spec.params[key]
    assert set(data["hypotheses"]) == set(REGISTRY)
    again = sim.load_scenario(write(tmp_path / f"{name}.toml", body))
    assert again.hash == spec.hash
    assert again.to_dict() == spec.to_dict()


def test_show_reflects_overrides() -> None:
    args = [
        "show",
        "mutiny_2023",
        "--set",
        "wagner.speed_kmh=60",
        "--with",
        "hidden_patrons",
        "--intervene",
        "no_mediation",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "# Hypotheses on: hidden_patrons, leader_gated_mediation"
    data = tomllib.loads(show_body(result.stdout))
    assert data["wagner"]["speed_kmh"] == 60
    assert data["hypotheses"]["hidden_patrons"]["on"] is True
    assert data["interventions"] == ["no_mediation"]


def test_show_json() -> None:
    result = CliRunner().invoke(cli, ["show", "perfect_storm", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    spec = load("perfect_storm")
    assert payload["banner"] == sim.BANNER
    assert payload["hash"] == spec.hash
    assert payload["hypotheses_on"] == spec.hypotheses_on
    assert payload["scenario"]["title"] == spec.title


def test_overrides_do_not_touch_the_original() -> None:
    spec = load("mutiny_2023")
    before = spec.to_dict()
    spec.with_overrides(
        sets=["wagner.speed_kmh=60"], with_=["hidden_patrons"], interventions=["no_mediation"]
    )
    assert spec.to_dict() == before


@pytest.mark.parametrize(
    ("sets", "match"),
    [
        (["wagner.speed_km=3"], r"unknown key 'wagner\.speed_km'.*did you mean 'wagner\.speed_kmh'"),
        (["wagner.speed_kmh"], "expected KEY=VALUE"),
        (["wagner.speed_kmh=fast"], r"wagner\.speed_kmh.*expected a number"),
        (["wagner.speed_kmh=500"], r"wagner\.speed_kmh.*out of range \[1, 120\]"),
        (["hypotheses.hidden_patrons.on=maybe"], "expected true or false"),
        (["time.end=2023-06-01T00:00"], "not after time.start"),
        (["time.start=yesterday"], "expected a date-time"),
    ],
)
def test_bad_set_is_a_usage_error(sets: list[str], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        load("mutiny_2023").with_overrides(sets=sets)


def test_set_time_moves_the_clock() -> None:
    spec = load("mutiny_2023").with_overrides(sets=["time.end=2023-06-25T18:00"])
    df = sim.simulate(spec, runs=50, seed=0)
    assert np.nanmax(df.end_hours) <= 48


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ('title = "x\n', "invalid TOML"),
        ('title = "x"\nbogus = 1\n', r"unknown key 'bogus'.*valid: .*wagner"),
        ('title = "x"\n[wagner]\nspeed_km = 1\n', r"wagner\.speed_km'.*did you mean 'speed_kmh'"),
        ('title = "x"\n[wagner]\nspeed_kmh = "fast"\n', r"wagner\.speed_kmh: expected a number"),
        ('title = "x"\n[wagner]\nspeed_kmh = 500\n', r"out of range \[1, 120\]"),
        ('title = "x"\n[hypotheses]\nhiden_patrons = true\n', "did you mean 'hidden_patrons'"),
        ('title = "x"\n[hypotheses.hidden_patrons]\non = "yes"\n', "expected true or false"),
        ('title = "x"\ninterventions = ["no_mediaton"]\n', "did you mean 'no_mediation'"),
        ('title = "x"\n[[shocks]]\ntype = "mutany"\nat = 2023-06-23T21:00:00\n', "did you mean 'mutiny'"),
        ('title = "x"\n[[shocks]]\ntype = "mutiny"\n', r"shocks\[0\]\.at: missing"),
        ("[time]\nstart = 2023-01-01T00:00:00\nend = 2023-02-01T00:00:00\n", "title: missing"),
        ('title = "x"\n[time]\nstart = 2023-01-01T00:00:00\n', r"time\.end: missing"),
        (
            'title = "x"\n[time]\nstart = 2023-02-01T00:00:00\nend = 2023-01-01T00:00:00\n',
            "not after time.start",
        ),
        ("title = 3\n", "title: expected a string"),
        ('title = "x"\nwagner = 5\n', "wagner: expected a table"),
        ('title = "x"\nhypotheses = [1, 2]\n', "hypotheses: expected a table"),
        ('title = "x"\n[hypotheses]\nhidden_patrons = 3\n', "expected true, false or a table"),
        ('title = "x"\nshocks = {a = 1}\n', "expected an array of tables"),
        (
            'title = "x"\n[[shocks]]\ntype = "mutiny"\nat = 2023-01-01T00:00:00\nfine_hours = 1\n',
            r"shocks\[0\]\.fine_hours: 1 is out of range",
        ),
        ('title = "x"\n[time]\nstart = "yesterday"\n', r"time\.start: expected a date-time"),
        ('title = "x"\n[time]\nstep_hours = 0\n', r"time\.step_hours: 0 is out of range"),
        ('title = "x"\nextends = 5\n', "extends: expected a string"),
    ],
)
def test_bad_file_is_a_scenario_error_naming_the_file(tmp_path: Path, text: str, match: str) -> None:
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ScenarioError, match=match) as err:
        sim.load_scenario(path)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value).strip()


def test_undecodable_file_is_a_scenario_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(b'title = "x"\n\x80garbage')
    with pytest.raises(ScenarioError, match=r"binary\.toml: not UTF-8 text \(byte 0x80 at offset 12\)"):
        sim.load_scenario(path)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ScenarioError, match=r"binary\.toml: starts with a UTF-16 byte-order mark"):
        sim.load_scenario(path)


def test_every_model_parameter_says_where_its_default_comes_from() -> None:
    from sim.scenario import TIME_PARAMS
    from sim.shocks import SHOCK_TYPES

    declared = {**PARAMS, **{f"time.{k}": p for k, p in TIME_PARAMS.items()}}
    for kind in SHOCK_TYPES.values():
        declared |= {f"shocks.{kind.name}.{k}": p for k, p in kind.fields.items()}
    for key, p in declared.items():
        assert p.low <= p.default <= p.high, key
        assert p.unit.strip() and p.meaning.strip(), key
        assert p.source.startswith(("history", "base rate", "guess")), (key, p.source)

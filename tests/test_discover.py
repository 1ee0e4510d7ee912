"""Scenario discovery (`discover`): PRIM recovers a known rule from a synthetic batch.

The synthetic result directories have the layout of ``batch --uncertain``: an
``outcomes.parquet`` with one row per replicate, an int64 ``draw`` column and
one column per uncertain dotted key (float64; switches as bool), and a
manifest whose ``"uncertain"`` maps each key to its distribution. The outcome
is decided by a rule the test knows, with 5 % of the labels flipped at random.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load, run_cli

import sim
from sim import resultdir as rd
from sim.analysis import discover as dv
from sim.analysis import summary as sm
from sim.analysis.discover_report import format_discover
from sim.model import OUTCOMES
from sim.plots import discover as pdv
from sim.stats import wilson

N = 4000
UNCERTAIN = {
    "factions.fsb.loyalty": {"dist": "uniform", "low": 0.0, "high": 1.0},
    "wagner.speed_kmh": {"dist": "uniform", "low": 30.0, "high": 70.0},
    "kremlin.control": {"dist": "uniform", "low": 0.0, "high": 1.0},
    "west.us_resolve": {"dist": "uniform", "low": 0.0, "high": 1.0},
    "hypotheses.hidden_patrons.on": {"dist": "bernoulli", "p": 0.5},
}
SWITCH = "hypotheses.hidden_patrons.on"


def draws(n: int = N, seed: int = 3) -> pd.DataFrame:
    """Per-replicate parameter values drawn from UNCERTAIN (one draw per replicate)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"replicate": np.arange(n, dtype=np.int64), "draw": np.arange(n, dtype=np.int64)})
    for key, spec in UNCERTAIN.items():
        if spec["dist"] == "bernoulli":
            df[key] = rng.random(n) < spec["p"]
        else:
            df[key] = rng.uniform(spec["low"], spec["high"], n)
    return df


def with_outcome(df: pd.DataFrame, hit: np.ndarray, seed: int = 4, names: tuple[str, ...] = ("palace_coup",)):
    """``outcome``: one of ``names`` where ``hit`` (5 % of labels flipped), regime_intact elsewhere."""
    rng = np.random.default_rng(seed)
    hit = np.asarray(hit) ^ (rng.random(len(df)) < 0.05)
    chosen = np.asarray(names, dtype=object)[rng.integers(0, len(names), len(df))]
    df = df.copy()
    df["outcome"] = pd.Categorical(np.where(hit, chosen, "regime_intact"), categories=OUTCOMES)
    return df


def write_batch(
    out: Path, df: pd.DataFrame, uncertain: dict | None = UNCERTAIN, complete: bool = True
) -> Path:
    """A result directory as ``batch`` writes it (labelled Parquet, manifest last)."""
    out.mkdir(parents=True, exist_ok=True)
    spec = load("mutiny_2023")
    manifest = sm.manifest_base("batch", spec, 3, len(df))
    manifest["complete"] = complete
    if uncertain is not None:
        manifest["uncertain"] = uncertain
        manifest["draws"] = len(df)
    rd.write_parquet(out / "outcomes.parquet", df, manifest)
    rd.write_manifest(out, manifest)
    return out


@pytest.fixture(scope="module")
def threshold_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """palace_coup iff factions.fsb.loyalty > 0.7; every other column is noise."""
    df = draws()
    return write_batch(
        tmp_path_factory.mktemp("threshold"), with_outcome(df, df["factions.fsb.loyalty"] > 0.7)
    )


@pytest.fixture(scope="module")
def conjunction_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """palace_coup or martial_law iff hidden_patrons is on AND wagner.speed_kmh > 50."""
    df = draws(seed=5)
    hit = df[SWITCH].to_numpy() & (df["wagner.speed_kmh"].to_numpy() > 50)
    return write_batch(
        tmp_path_factory.mktemp("conjunction"), with_outcome(df, hit, names=("palace_coup", "martial_law"))
    )


@pytest.fixture(scope="module")
def threshold(threshold_dir: Path) -> dv.DiscoverResult:
    return dv.discover(threshold_dir, "palace_coup")


def restricted(r: dv.DiscoverResult) -> pd.DataFrame:
    b = r.box()
    return b[b["restricted"]].set_index("parameter")


# --- PRIM recovers the rule ---------------------------------------------------------------


def test_threshold_recovered(threshold: dv.DiscoverResult) -> None:
    box = threshold.box().set_index("parameter")
    x = box.loc["factions.fsb.loyalty"]
    assert x["restricted"]
    assert x["low"] == pytest.approx(0.7, abs=0.03)
    assert x["norm_high"] > 0.99  # no upper limit: the rule is one-sided
    for key in ("wagner.speed_kmh", "kremlin.control", "west.us_resolve"):
        assert box.loc[key, "norm_high"] - box.loc[key, "norm_low"] > 0.9, key  # unrestricted or nearly
    assert box.loc[SWITCH, "values"] == "off|on"  # the switch plays no part
    s = threshold.stats
    assert s["coverage"] >= 0.5
    assert s["density"] > 0.9
    assert 0.2 < s["mass"] < 0.4  # about 30 % of the replicates have loyalty above 0.7
    assert threshold.interest == int(
        (pd.read_parquet(threshold.directory + "/outcomes.parquet")["outcome"] == "palace_coup").sum()
    )


def test_switch_and_threshold_recovered_for_an_outcome_set(conjunction_dir: Path) -> None:
    r = dv.discover(conjunction_dir, "palace_coup,martial_law")
    box = r.box().set_index("parameter")
    assert box.loc[SWITCH, "values"] == "on"
    assert box.loc[SWITCH, "restricted"]
    assert box.loc["wagner.speed_kmh", "low"] == pytest.approx(50, abs=1.2)  # 3 % of the 30-70 range
    for key in ("factions.fsb.loyalty", "kremlin.control", "west.us_resolve"):
        assert box.loc[key, "norm_high"] - box.loc[key, "norm_low"] > 0.9, key
    assert r.stats["density"] > 0.9
    # Half the hits are martial_law: asking for palace_coup alone halves the density of the same region.
    alone = dv.discover(conjunction_dir, "palace_coup")
    assert alone.interest < 0.6 * r.interest


def test_leader_removed_is_every_outcome_out_of_power(conjunction_dir: Path) -> None:
    assert dv.parse_outcomes("leader_removed") == (
        "martial_law",
        "palace_coup",
        "rebel_capture",
        "regime_collapse",
    )
    assert dv.parse_outcomes(" palace_coup , martial_law,palace_coup") == ("martial_law", "palace_coup")
    a = dv.discover(conjunction_dir, "leader_removed")
    b = dv.discover(conjunction_dir, ["martial_law", "palace_coup"])
    assert a.interest == b.interest  # only these two occur in this batch
    pd.testing.assert_frame_equal(a.trajectory, b.trajectory)


def test_rules_choose_as_documented(threshold_dir: Path, threshold: dv.DiscoverResult) -> None:
    t = threshold.trajectory
    prim = t[t["origin"] == "prim"]
    # default: the widest box with coverage >= 0.5 whose density is within the 95 % Wilson
    # interval of the densest such box ...
    wide = prim[prim["coverage"] >= 0.5]
    densest = wide.loc[wide["density"].idxmax()]
    low = float(wilson(int(densest["k"]), int(densest["n"]))[0])
    assert threshold.candidate == int(wide[wide["density"] >= low]["coverage"].idxmax())
    assert threshold.candidate < int(densest["box"])  # not the densest: that one over-fits
    # ... then pruned: the chosen box is the candidate or a box pruned from it, all limits significant
    chosen = t.loc[threshold.chosen]
    assert bool(chosen["significant"]) and chosen["chosen"] and t["chosen"].sum() == 1
    assert threshold.chosen == threshold.candidate or chosen["origin"] == "pruned"
    # a box chosen on density: the widest reaching it, then pruned (never narrower)
    dense = dv.discover(threshold_dir, "palace_coup", density=0.8)
    assert dense.candidate == int(prim[prim["density"] >= 0.8]["coverage"].idxmax())
    assert dense.stats["coverage"] >= float(prim.loc[dense.candidate, "coverage"])
    asked = dv.discover(threshold_dir, "palace_coup", box=3, prune=False)
    assert asked.chosen == 3 and asked.rule == "box 3 of the trajectory" and not asked.dropped
    assert asked.stats["coverage"] == pytest.approx(t.loc[3, "coverage"])


def test_pruning_drops_the_limits_prim_fitted_to_noise(
    threshold_dir: Path, threshold: dv.DiscoverResult
) -> None:
    t = threshold.trajectory
    last = int(t[t["origin"] == "prim"]["box"].iloc[-1])
    assert not t.loc[last, "significant"]  # PRIM's last box restricts noise parameters too
    over = threshold.limits[threshold.limits["box"] == last]
    assert len(set(over["parameter"]) - {"factions.fsb.loyalty"}) >= 1
    pruned = dv.discover(threshold_dir, "palace_coup", box=last)
    assert pruned.candidate == last and pruned.dropped and pruned.chosen > last
    assert set(restricted(pruned).index) == {"factions.fsb.loyalty"}
    assert bool(pruned.trajectory.loc[pruned.chosen, "significant"])
    assert pruned.stats["coverage"] > float(t.loc[last, "coverage"])  # a wider box, as dense


def test_params_patterns_choose_prim_inputs(threshold_dir: Path) -> None:
    r = dv.discover(threshold_dir, "palace_coup", params=["factions.*", "wagner.*"])
    assert [p.key for p in r.parameters] == ["factions.fsb.loyalty", "wagner.speed_kmh"]
    assert set(restricted(r).index) == {"factions.fsb.loyalty"}
    with pytest.raises(sim.UsageError, match=r"^params: 'nope\.\*' matches none of the 5 uncertain keys"):
        dv.discover(threshold_dir, "palace_coup", params=["factions.*", "nope.*"])


def test_library_errors_name_keys(threshold_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(sim.UsageError, match=r"^outcome: unknown outcome 'coup'.*valid: regime_intact"):
        dv.discover(threshold_dir, "coup")
    with pytest.raises(sim.UsageError, match=r"^box: 999 is not on the trajectory \(boxes 0 to \d+\)"):
        dv.discover(threshold_dir, "palace_coup", box=999)
    with pytest.raises(sim.UsageError, match="at most one"):
        dv.discover(threshold_dir, "palace_coup", coverage=0.5, box=1)
    with pytest.raises(dv.NoUncertainError):
        dv.discover(write_batch(tmp_path / "fixed", draws(50), uncertain=None), "palace_coup")
    with pytest.raises(dv.DiscoverError, match="no replicate ended in rebel_capture"):
        dv.discover(threshold_dir, "rebel_capture")


def test_discover_frame_reads_simulate_attrs_and_resamples() -> None:
    df = draws(1500, seed=8)
    df = with_outcome(df, df["kremlin.control"] < 0.4, names=("martial_law",))
    df.attrs["uncertain"] = UNCERTAIN  # as sim.simulate(..., uncertain=...) labels its frame
    r = dv.discover_frame(df, "martial_law", resample=4, seed=2)
    box = r.box().set_index("parameter")
    x = box.loc["kremlin.control"]
    assert x["high"] == pytest.approx(0.4, abs=0.04) and x["norm_low"] < 0.01
    assert x["reproduce_coverage"] >= 75  # found again in (nearly) every half
    noise = box.drop(index="kremlin.control")["reproduce_coverage"]
    assert len(noise) == 4 and (noise <= 50).all()
    text = format_discover(r)
    assert "a frame" in text and "reproduced" in text
    with pytest.raises(dv.NoUncertainError):
        dv.discover_frame(df, "martial_law", uncertain={})


# --- the command ------------------------------------------------------------------------------


def test_cli_prints_and_writes_labelled_artefacts(
    threshold_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "disc"
    code, stdout, err = run_cli(
        ["discover", str(threshold_dir), "--outcome", "palace_coup", "--out", str(out)], capsys
    )
    assert code == 0, err
    lines = stdout.splitlines()
    assert lines[0] == sim.BANNER
    assert lines[1].startswith("Hypotheses on:")
    assert "Uncertain switches (on in some replicates): hidden_patrons" in stdout
    assert "Chosen box: #" in stdout and "coverage >= 0.5" in stdout
    row = next(line for line in lines if line.strip().startswith("factions.fsb.loyalty"))
    assert ">= 0.7" in row or ">= 0.69" in row or ">= 0.71" in row
    for word in ("coverage", "density", "mass", "restricted parameters: 1 of 5"):
        assert word in stdout
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["banner"] == sim.BANNER and manifest["kind"] == "discover"
    assert manifest["hypotheses_uncertain"] == ["hidden_patrons"]
    assert manifest["outcomes"] == ["palace_coup"] and manifest["chosen_box"] >= 1
    assert manifest["settings"]["ema_workbench"].startswith("3.")
    for name in dv.FILES:  # label columns on every row (sim.resultdir), the notes in the manifest
        raw = pd.read_csv(out / name)
        assert len(raw) and (raw["banner"] == sim.BANNER).all(), name
        assert (raw["hypotheses_on"] == "leader_gated_mediation").all(), name
        notes = " ".join(manifest["file_notes"][name])
        assert "switches" in notes and "hidden_patrons" in notes and "palace_coup" in notes, name
    assert manifest["git_commit"] is None or len(manifest["git_commit"]) == 40
    box = rd.read_csv(out / "box.csv", keep_default_na=False, na_values=[""])
    assert set(box["parameter"]) == set(UNCERTAIN)
    trajectory = rd.read_csv(out / "trajectory.csv")
    assert int(trajectory.loc[trajectory["chosen"], "box"].iloc[0]) == manifest["chosen_box"]


def test_cli_box_and_no_prune(threshold_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    last = len(dv.discover(threshold_dir, "palace_coup", prune=False).trajectory) - 1
    args = ["discover", str(threshold_dir), "--outcome", "palace_coup", "--box", str(last)]
    code, kept, err = run_cli([*args, "--no-prune"], capsys)
    assert code == 0, err
    assert f"Chosen box: #{last}, box {last} of the trajectory" in kept and "dropped" not in kept
    code, pruned, err = run_cli(args, capsys)
    assert code == 0, err
    assert f"from box #{last}" in pruned and "dropped as not significant" in pruned
    assert "restricted parameters: 1 of 5" in pruned and "restricted parameters: 1 of 5" not in kept


def one_line_error(code: int, err: str, expected_code: int) -> str:
    assert code == expected_code, err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("Error: "), err
    return err


def test_cli_no_uncertain_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = write_batch(tmp_path / "fixed", draws(60), uncertain=None)
    err = one_line_error(*run_cli(["discover", str(d), "--outcome", "palace_coup"], capsys)[::2], 1)
    assert str(d) in err and "--uncertain guesses" in err and "perfect-storm batch" in err


def test_cli_unknown_outcome_lists_valid(threshold_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(
        *run_cli(["discover", str(threshold_dir), "--outcome", "palace_cop"], capsys)[::2], 2
    )
    assert "--outcome: unknown outcome 'palace_cop'" in err and "did you mean 'palace_coup'" in err
    assert all(name in err for name in (*OUTCOMES, "leader_removed"))


def test_cli_refuses_absurd_sizes(
    threshold_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(dv, "MAX_VALUES", 5000)  # 4,000 replicates x 5 parameters = 20,000 values
    err = one_line_error(
        *run_cli(["discover", str(threshold_dir), "--outcome", "palace_coup"], capsys)[::2], 2
    )
    assert "4,000 replicates x 5 parameters" in err and "--sample 1000" in err
    code, stdout, err = run_cli(
        ["discover", str(threshold_dir), "--outcome", "palace_coup", "--sample", "1000"], capsys
    )
    assert code == 0, err
    assert "1,000 replicates" in stdout and "random subset of 1,000 replicates" in stdout


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["--coverage", "0.6", "--box", "2"], 2, "--coverage and --box: give at most one"),
        (["--box", "9999"], 2, "--box: 9999 is not on the trajectory"),
        (["--coverage", "1.5"], 2, "--coverage"),
        (["--peel-alpha", "0.9"], 2, "--peel-alpha"),
        (["--outcome", ","], 2, "--outcome: no outcome given"),
        (["--params", "west.*,nope.*"], 2, "--params: 'nope.*' matches none of the 5 uncertain keys"),
    ],
)
def test_cli_bad_options(
    threshold_dir: Path, args: list[str], code: int, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["discover", str(threshold_dir)] + ([] if "--outcome" in args else ["--outcome", "palace_coup"])
    err = one_line_error(*run_cli([*base, *args], capsys)[::2], code)
    assert text in err


def test_cli_bad_directories(tmp_path: Path, threshold_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(
        *run_cli(["discover", str(tmp_path / "nope"), "--outcome", "palace_coup"], capsys)[::2], 2
    )
    assert "no such directory" in err
    df = draws(60)
    unfinished = write_batch(
        tmp_path / "unfinished", with_outcome(df, df["kremlin.control"] > 0.5), complete=False
    )
    err = one_line_error(*run_cli(["discover", str(unfinished), "--outcome", "palace_coup"], capsys)[::2], 1)
    assert "not finished" in err
    held = tmp_path / "held"
    write_batch(held, draws(10), uncertain=None)
    err = one_line_error(
        *run_cli(["discover", str(threshold_dir), "--outcome", "palace_coup", "--out", str(held)], capsys)[
            ::2
        ],
        2,
    )
    assert "already holds a result" in err


# --- the figures --------------------------------------------------------------------------------


def test_plot_draws_tradeoff_and_box(
    threshold_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, figs = tmp_path / "disc", tmp_path / "figs"
    assert (
        run_cli(["discover", str(threshold_dir), "--outcome", "palace_coup", "--out", str(out)], capsys)[0]
        == 0
    )
    code, stdout, err = run_cli(["plot", str(out), "--out", str(figs)], capsys)
    assert code == 0, err
    for name in ("tradeoff", "box"):
        for fmt in ("png", "svg"):
            assert (figs / f"{name}.{fmt}").stat().st_size > 1000
        svg = (figs / f"{name}.svg").read_text("utf-8")
        assert sim.BANNER in svg and "Hypotheses on:" in svg and "hidden_patrons" in svg
    t = pdv.tradeoff_data(out)
    assert list(t["box"]) == list(range(len(t))) and t["chosen"].sum() == 1
    assert t["coverage"].iloc[0] == 1.0 and t["res_dim"].iloc[0] == 0
    b = pdv.box_data(out)
    assert list(b["parameter"]) == ["factions.fsb.loyalty"]
    assert b["norm_low"].iloc[0] == pytest.approx(0.7, abs=0.03)  # range 0-1: the limit itself


# --- end to end on the engine --------------------------------------------------------------------


def test_end_to_end_batch_uncertain_guesses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`batch mutiny_2023 --uncertain guesses` (every guess and the patrons' switch drawn), then `discover`.

    With 124 parameters and 400 replicates PRIM over-fits (dozens of limits on
    a few dozen cases); pruning must leave only significant limits, among them
    the patrons' switch, since martial law is mostly declared by the patrons.
    """
    from sim.uncertain import numeric_keys

    batch, out, figs = tmp_path / "batch", tmp_path / "disc", tmp_path / "figs"
    code, _, err = run_cli(
        [
            "batch",
            "mutiny_2023",
            "--runs",
            "400",
            "--uncertain",
            "guesses",
            "--uncertain",
            "hypotheses.hidden_patrons.on=0.5",
            "--draws",
            "400",  # one world per replicate
            "--out",
            str(batch),
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    drawn = json.loads((batch / "manifest.json").read_text("utf-8"))["uncertain"]
    code, stdout, err = run_cli(
        ["discover", str(batch), "--outcome", "martial_law", "--out", str(out)], capsys
    )
    assert code == 0, err
    assert f"400 replicates, {len(drawn)} uncertain parameters" in stdout
    assert "Uncertain switches (on in some replicates): hidden_patrons" in stdout
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    t = rd.read_csv(out / "trajectory.csv")
    chosen = t.loc[manifest["chosen_box"]]
    assert chosen["coverage"] >= 0.5  # pruning only widens the candidate, which had coverage >= 0.5
    assert chosen["density"] > 1.5 * t["density"].iloc[0]  # denser than the batch as a whole
    assert bool(chosen["significant"]) and chosen["res_dim"] < t.loc[manifest["candidate_box"], "res_dim"]
    box = rd.read_csv(out / "box.csv", keep_default_na=False, na_values=[""]).set_index("parameter")
    assert box.loc["hypotheses.hidden_patrons.on", "values"] == "on"
    declared = numeric_keys()
    for key, row in box[box["restricted"] & (box["kind"] == "number")].iterrows():
        assert declared[key].low <= row["low"] <= row["high"] <= declared[key].high  # values the engine drew
    code, _, err = run_cli(["plot", str(out), "--out", str(figs)], capsys)
    assert code == 0, err
    assert sim.BANNER in (figs / "box.svg").read_text("utf-8")


SCENARIO_TOML = """# SPECULATIVE SCENARIO — NOT A FORECAST
extends = "mutiny_2023"
title = "The mutiny, with the patrons and the march drawn per replicate"
question = "Under which drawn conditions does the mutiny end in martial law?"

[uncertain]
replicates_per_draw = 1
"wagner.speed_kmh" = { dist = "uniform", low = 30, high = 70 }
"kremlin.control" = { dist = "uniform", low = 0.7, high = 0.95 }
"hypotheses.hidden_patrons.on" = { dist = "bernoulli", p = 0.5 }
"hypotheses.hidden_patrons.covert_help" = { dist = "uniform", low = 0, high = 1 }
"""


def test_end_to_end_batch_then_discover(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`batch` of a scenario with an [uncertain] table, then `discover`: the patrons' switch is found.

    In the engine martial law is mostly declared by the hidden patrons when the
    column reaches Moscow, so the box must switch them on.
    """
    toml = tmp_path / "drawn.toml"
    toml.write_text(SCENARIO_TOML, "utf-8")
    batch = tmp_path / "batch"
    code, _, err = run_cli(["batch", str(toml), "--runs", "1500", "--out", str(batch), "--quiet"], capsys)
    assert code == 0, err
    code, stdout, err = run_cli(["discover", str(batch), "--outcome", "martial_law"], capsys)
    assert code == 0, err
    assert "Uncertain switches (on in some replicates): hidden_patrons" in stdout
    r = dv.discover(batch, "martial_law")
    box = restricted(r)
    assert box.loc["hypotheses.hidden_patrons.on", "values"] == "on"
    assert r.stats["coverage"] >= 0.5 and r.stats["density"] > 2 * r.trajectory["density"].iloc[0]
    # the four distributions of the table, not its replicates_per_draw setting
    assert [p.key for p in r.parameters] == [
        "wagner.speed_kmh",
        "kremlin.control",
        "hypotheses.hidden_patrons.on",
        "hypotheses.hidden_patrons.covert_help",
    ]


def test_few_worlds_are_noted() -> None:
    df = draws(2000, seed=9)
    df["draw"] = np.arange(2000) // 100  # 20 worlds of 100 replicates
    for key in UNCERTAIN:
        df[key] = df.groupby("draw")[key].transform("first")
    df = with_outcome(df, df["kremlin.control"] > 0.5)
    r = dv.discover_frame(df, "palace_coup", uncertain=UNCERTAIN)
    assert any("only 20 parameter draws" in n for n in r.notes)
    assert "replicates_per_draw = 1" in format_discover(r)

"""Counterfactual comparisons on common random numbers (sim.analysis.compare and `compare`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import load, run_cli, simulate_cached

import sim
from sim import catalog, resultdir
from sim.analysis import compare, story_diff
from sim.analysis.compare import differences, transitions
from sim.stats import Z95, wilson

RUNS, SEED = 400, 3


@pytest.fixture(scope="module")
def no_mediation() -> sim.analysis.CompareResult:
    a = load("mutiny_2023")
    return compare(a, a.with_overrides(interventions=["no_mediation"]), runs=RUNS, seed=SEED)


def test_probabilities_match_independent_counts(no_mediation) -> None:
    d = no_mediation.differences.set_index(["variable", "outcome"])
    counts_b = simulate_cached(no_mediation.spec_b, RUNS, SEED)["outcome"].astype(str).value_counts()
    for outcome in sim.OUTCOMES:
        k = int(counts_b.get(outcome, 0))
        row = d.loc[("outcome", outcome)]
        assert row["count_b"] == k
        lo, hi = wilson(k, RUNS)
        assert row["b_low"] == pytest.approx(float(lo)) and row["b_high"] == pytest.approx(float(hi))


def test_no_mediation_sends_the_column_to_moscow(no_mediation) -> None:
    row = no_mediation.differences.set_index(["variable", "outcome"]).loc[("mutiny_end", "reached_moscow")]
    assert row["p_b"] > row["p_a"]
    assert row["diff_low"] > 0  # the whole paired interval is above zero
    assert row["lost"] == 0  # no replicate that reached Moscow with mediation stops short without it


def test_transition_table_counts(no_mediation) -> None:
    t = no_mediation.transitions
    assert int(t.to_numpy().sum()) == RUNS
    same = no_mediation.outcomes_a["outcome"].astype(str) == no_mediation.outcomes_b["outcome"].astype(str)
    assert int(np.trace(t.to_numpy())) == int(same.sum()) == RUNS - no_mediation.changed_replicates
    d = no_mediation.differences[no_mediation.differences["variable"] == "outcome"].set_index("outcome")
    assert list(t.sum(axis=1)) == list(d.loc[list(t.index), "count_a"])
    assert list(t.sum(axis=0)) == list(d.loc[list(t.columns), "count_b"])
    # Off the diagonal, the row total is the replicates that left the outcome.
    for name in t.index:
        assert t.loc[name].sum() - t.loc[name, name] == d.loc[name, "lost"]


def test_a_change_that_cannot_matter_gives_exactly_zero() -> None:
    """nuclear_leak acts on nuclear signalling, which mutiny_2023 never schedules: on common
    random numbers every replicate ends the same, so every difference is exactly 0."""
    a = load("mutiny_2023")
    b = a.with_overrides(with_=["nuclear_leak"])
    assert a.hash != b.hash  # a real change of the scenario
    r = compare(a, b, runs=RUNS, seed=SEED)
    assert r.changed_replicates == 0
    assert (r.differences[["diff", "diff_low", "diff_high", "changed"]] == 0).all().all()
    assert np.count_nonzero(r.transitions.to_numpy() - np.diag(np.diag(r.transitions.to_numpy()))) == 0
    # Without common random numbers the same "no-op" would show noise.
    other = simulate_cached(b, RUNS, SEED + 1)
    assert (other["outcome"].astype(str) != r.outcomes_a["outcome"].astype(str)).any()


def test_paired_interval_is_tighter_and_computed_from_the_pairs() -> None:
    a = load("mutiny_2023")
    b = a.with_overrides(sets=["wagner.speed_kmh=52"])  # default 48 km/h
    r = compare(a, b, runs=RUNS, seed=SEED)
    row = r.differences.set_index(["variable", "outcome"]).loc[("outcome", "regime_intact")]
    ia = (r.outcomes_a["outcome"] == "regime_intact").to_numpy(float)
    ib = (r.outcomes_b["outcome"] == "regime_intact").to_numpy(float)
    d = ib - ia
    se = d.std(ddof=1) / math.sqrt(RUNS)
    assert row["diff"] == pytest.approx(d.mean())
    assert row["diff_low"] == pytest.approx(d.mean() - Z95 * se)
    assert row["changed"] == int(np.count_nonzero(d))
    paired = row["diff_high"] - row["diff_low"]
    unpaired = row["unpaired_high"] - row["unpaired_low"]
    assert 0 < paired < 0.8 * unpaired


def test_compare_refuses_different_replicates() -> None:
    a = simulate_cached(load("mutiny_2023"), 20, 1)
    b = simulate_cached(load("mutiny_2023"), 20, 1, first=5)
    with pytest.raises(ValueError, match="same replicates"):
        differences(a, b)
    assert transitions(a, a).to_numpy().trace() == 20


def test_story_diff_marks_the_first_parting_point() -> None:
    a = load("mutiny_2023")
    b = a.with_overrides(interventions=["no_mediation"])
    sd = story_diff(a, b, seed=1, replicate=3)
    ea, eb = sd.story_a["events"], sd.story_b["events"]
    first = next(i for i, (x, y) in enumerate(zip(ea, eb, strict=False)) if x != y)
    assert sd.parting == first
    assert set(sd.timeline["side"].iloc[:first]) == {"="}
    assert sd.timeline["side"].iloc[first] in ("A", "B")
    assert (sd.timeline["side"] != "B").sum() == len(ea)
    assert (sd.timeline["side"] != "A").sum() == len(eb)
    same = story_diff(a, a.with_overrides(with_=["nuclear_leak"]), seed=1, replicate=3)
    assert same.parting is None and set(same.timeline["side"]) == {"="}


def test_cli_compare_prints_both_hypothesis_sets_and_the_story(capsys) -> None:
    code, out, _ = run_cli(
        [
            "compare",
            "mutiny_2023",
            "--with",
            "hidden_patrons",
            "--runs",
            "200",
            "--seed",
            "1",
            "--story",
            "3",
        ],
        capsys,
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == sim.BANNER
    assert lines[1].startswith("A (as written) Hypotheses on: leader_gated_mediation")
    assert lines[2].startswith("B (changed)    Hypotheses on: hidden_patrons, leader_gated_mediation")
    assert "hypotheses.hidden_patrons.on: False -> True" in out
    assert "Transitions" in out
    marks = [i for i, line in enumerate(lines) if "the runs part here" in line]
    assert len(marks) <= 1
    story_start = next(
        i for i, line in enumerate(lines) if line.startswith("Replicate 3 (seed 1) told twice")
    )
    if marks:
        assert lines[marks[0] + 1].lstrip()[0] in "AB"
        between = [line for line in lines[story_start + 2 : marks[0]] if line.strip()]
        assert all(line.lstrip().startswith("=") for line in between)


def test_cli_compare_without_a_change_is_a_usage_error(capsys) -> None:
    code, out, err = run_cli(["compare", "mutiny_2023", "--runs", "10"], capsys)
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "identical" in err and "--intervene" in err
    default = sim.params.PARAMS["wagner.speed_kmh"].default
    code, _, err = run_cli(["compare", "mutiny_2023", "--set", f"wagner.speed_kmh={default:g}"], capsys)
    assert code == 2 and "identical" in err  # setting the default is no change either


def test_cli_compare_writes_labelled_files(tmp_path: Path, capsys) -> None:
    out_dir = tmp_path / "cmp"
    args = [
        "compare",
        "mutiny_2023",
        "--intervene",
        "no_mediation",
        "--runs",
        "150",
        "--seed",
        "2",
        "--out",
        str(out_dir),
    ]
    code, _, _ = run_cli(args, capsys)
    assert code == 0
    m = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["kind"] == "compare" and m["banner"] == sim.BANNER
    assert m["hypotheses_on_a"] == m["hypotheses_on_b"] == ["leader_gated_mediation"]
    assert m["changes"] == ["interventions: [] -> ['no_mediation']"]
    assert m["seed"] == 2 and m["runs"] == 150 and m["scenario_hash_a"] != m["scenario_hash_b"]
    for name in ("differences.csv", "transitions.csv", "figures.csv"):
        df = pd.read_csv(out_dir / name)  # plain CSV: banner and hypotheses are columns
        assert set(df["banner"]) == {sim.BANNER} and set(df["hypotheses_on_b"]) == {"leader_gated_mediation"}
    a = pd.read_parquet(out_dir / "outcomes_a.parquet")
    expected = resultdir.unify_times(simulate_cached(load("mutiny_2023"), 150, 2))  # files keep ms
    pd.testing.assert_frame_equal(a, expected, check_exact=True)
    assert pq.read_schema(out_dir / "outcomes_b.parquet").metadata[b"banner"].decode() == sim.BANNER
    t = pd.read_csv(out_dir / "transitions.csv", index_col=0).drop(
        columns=["banner", "hypotheses_on", "hypotheses_on_b"]
    )
    assert int(t.to_numpy().sum()) == 150
    # A second run into the same DIR is refused and leaves the first result whole.
    before = (out_dir / "differences.csv").read_bytes()
    code, _, err = run_cli([*args[:-2], "--seed", "9", "--out", str(out_dir)], capsys)
    assert code == 2 and "already holds a result" in err
    assert (out_dir / "differences.csv").read_bytes() == before
    code, _, _ = run_cli([*args, "--overwrite"], capsys)
    assert code == 0


def test_mesa_batch_run_drives_the_model() -> None:
    seeds = [1, 2, 3]
    path = str(catalog.SCENARIO_DIR / "mutiny_2023.toml")
    # Mesa 3.5 refuses iterations together with rng: one run per seed in rng.
    rows = mesa.batch_run(
        sim.StormModel,
        parameters={"scenario": path, "replicates": 1},
        rng=seeds,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(rows) == 3
    for row in rows:
        expected = sim.simulate(path, runs=1, seed=row["rng"])
        assert row["outcome"] == str(expected["outcome"].iloc[0])
        assert row["mutiny_end"] == str(expected["mutiny_end"].iloc[0])

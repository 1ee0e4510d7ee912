"""Uncertain parameters: per-replicate draws, their identity, their distribution, their errors."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_rows_identical, load, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import sim
from sim import uncertain as unc
from sim.analysis.uncertainty import two_intervals
from sim.ensemble import run_variants

BIG = 10_000


@cache
def big_batch(seed: int) -> pd.DataFrame:
    return sim.simulate("mutiny_2023", runs=BIG, seed=seed, uncertain="guesses", draws=BIG // 50)


@settings(max_examples=12, deadline=None)
@given(seed=st.sampled_from([0, 11]), i=st.integers(0, BIG - 1))
def test_a_replicate_alone_equals_itself_in_a_batch_of_10000(seed: int, i: int) -> None:
    """Bit for bit, its drawn parameters included, whatever the offset."""
    # The batch used RUNS/DRAWS = 50 replicates per draw: the same design alone.
    spec = sim.api.prepare("mutiny_2023", uncertain="guesses").with_uncertain(None, 50)
    alone = sim.simulate(spec, runs=1, first=i, seed=seed)
    assert_rows_identical(alone, big_batch(seed).iloc[[i]])
    assert alone["draw"].iloc[0] == i // 50


@settings(max_examples=6, deadline=None)
@given(first=st.integers(0, 500), count=st.integers(1, 40))
def test_any_slice_equals_the_same_rows_of_a_larger_run(first: int, count: int) -> None:
    spec = sim.api.prepare("mutiny_2023", uncertain="guesses").with_uncertain(None, 7)
    whole = _whole(spec.hash, spec)
    part = sim.simulate(spec, runs=count, first=first, seed=3, chunk=13)
    assert_rows_identical(part, whole.iloc[first : first + count])


_WHOLE: dict[str, pd.DataFrame] = {}


def _whole(key: str, spec: sim.Scenario) -> pd.DataFrame:
    if key not in _WHOLE:
        _WHOLE[key] = sim.simulate(spec, runs=541, seed=3)
    return _WHOLE[key]


def test_batch_chunks_and_executors_keep_the_draws(tmp_path: Path) -> None:
    from sim.batch import run_batch

    spec = sim.api.prepare("mutiny_2023", uncertain="guesses", runs=600, draws=12)
    res = run_batch(
        spec, runs=600, seed=4, out_dir=tmp_path / "b", executor="processes", workers=2, chunk=170
    )
    direct = sim.simulate(spec, runs=600, seed=4)
    got = res.outcomes
    assert_rows_identical(got[direct.columns], direct)
    assert {"draw", "defence.prep_h", "hypotheses.hidden_patrons.covert_help"} <= set(got.columns)
    assert got["draw"].nunique() == 12


@pytest.mark.parametrize(
    "key, entry, frozen",
    [
        ("defence.prep_h", {"dist": "uniform", "low": 10, "high": 40}, stats.uniform(10, 30)),
        (
            "defence.prep_h",
            {"dist": "triangular", "low": 10, "mode": 18, "high": 40},
            stats.triang(8 / 30, 10, 30),
        ),
        ("defence.prep_h", {"dist": "loguniform", "low": 5, "high": 80}, stats.loguniform(5, 80)),
        (
            "defence.prep_h",
            {"dist": "normal", "mean": 18, "sd": 6, "low": 5, "high": 40},
            stats.truncnorm((5 - 18) / 6, (40 - 18) / 6, 18, 6),
        ),
        ("factions.fsb.loyalty", {"dist": "beta", "a": 8, "b": 2}, stats.beta(8, 2)),
    ],
)
def test_draws_follow_the_declared_distribution(key: str, entry: dict, frozen: stats.rv_continuous) -> None:
    """Kolmogorov-Smirnov at a fixed seed: the counter-based draws are the declared distribution."""
    d = unc.parse(key, entry)
    values = unc.sample({key: d}, seed=5, draws=np.arange(20_000))[key]
    assert stats.kstest(values, frozen.cdf).pvalue > 0.01
    p = unc.numeric_keys()[key]
    assert values.min() >= p.low and values.max() <= p.high


def test_a_switch_is_on_in_its_share_of_draws() -> None:
    d = unc.parse("hypotheses.hidden_patrons.on", {"dist": "bernoulli", "p": 0.3})
    on = unc.sample({d.key: d}, seed=1, draws=np.arange(20_000))[d.key]
    assert on.dtype == bool and abs(on.mean() - 0.3) < 0.015


def test_two_variants_share_the_draws_of_a_key() -> None:
    """Common random numbers: the same key gets the same value in both variants of a scenario."""
    a = sim.simulate("perfect_storm", runs=300, seed=2, uncertain={"wagner.speed_kmh": (30, 70)})
    b = sim.simulate(
        "perfect_storm", runs=300, seed=2, uncertain={"wagner.speed_kmh": (30, 70)}, off=["nuclear_leak"]
    )
    np.testing.assert_array_equal(a["wagner.speed_kmh"], b["wagner.speed_kmh"])
    assert a["wagner.speed_kmh"].nunique() == 3  # 300 replicates, 100 per draw


def test_an_uncertain_switch_gives_each_replicate_its_own_world() -> None:
    spec = sim.api.prepare("mutiny_hidden_patrons").with_uncertain(
        {
            "hypotheses.hidden_patrons.on": unc.parse(
                "hypotheses.hidden_patrons.on", {"dist": "bernoulli", "p": 0.5}
            )
        },
        1,
    )
    df = sim.simulate(spec, runs=400, seed=0)
    on = df["hypotheses.hidden_patrons.on"].to_numpy()
    assert 0.35 < on.mean() < 0.65
    assert spec.hypotheses_uncertain == ["hidden_patrons"] and "hidden_patrons" not in spec.hypotheses_on
    # Each replicate is the all-on or the all-off replicate, as its switch says.
    fixed_on = sim.simulate(load("mutiny_hidden_patrons"), runs=400, seed=0)
    cols = list(fixed_on.columns)
    assert_rows_identical(df.loc[on, cols], fixed_on.loc[on])


def test_without_uncertainty_nothing_changes() -> None:
    df = sim.simulate("mutiny_2023", runs=50, seed=1)
    assert "draw" not in df.columns and not any("." in c for c in df.columns)
    assert df.attrs["uncertain"] == {}


def test_ensemble_variants_equal_point_by_point_runs() -> None:
    """The vectorised path (values as arrays over blocks of replicates) equals plain simulate, bit for bit."""
    spec = load("perfect_storm")
    variants = [
        {"wagner.speed_kmh": 35.0, "coup.proofing": 0.2, "hypotheses.nuclear_leak.on": True},
        {"wagner.speed_kmh": 61.25, "coup.proofing": 0.45, "hypotheses.nuclear_leak.on": False},
        {"wagner.speed_kmh": 48.0, "coup.proofing": 0.3, "hypotheses.nuclear_leak.on": True},
    ]
    got = run_variants(spec, variants, runs=150, seed=5, chunk=400)
    for v, frame in zip(variants, got, strict=True):
        values = {k: x for k, x in v.items() if not k.endswith(".on")}
        switch = {"on": ["nuclear_leak"]} if v["hypotheses.nuclear_leak.on"] else {"off": ["nuclear_leak"]}
        direct = sim.simulate(spec, runs=150, seed=5, overrides=values, **switch)
        assert_rows_identical(frame, direct)


def test_the_guesses_spread_is_wide_where_a_guess_matters_and_noise_where_not() -> None:
    matters = sim.simulate(
        "mutiny_hidden_patrons",
        runs=4000,
        seed=1,
        uncertain={"hypotheses.hidden_patrons.covert_help": (0, 1)},
    )
    idle = sim.simulate(
        "mutiny_2023", runs=4000, seed=1, uncertain={"hypotheses.nuclear_leak.drain": (0, 0.5)}
    )
    m = two_intervals(matters, sim.OUTCOMES).set_index("outcome").loc["martial_law"]
    i = two_intervals(idle, sim.OUTCOMES).set_index("outcome").loc["regime_weakened"]
    assert m.param_q95 - m.param_q05 > 3 * (m.ci_high - m.ci_low)
    assert m.noise_share < 0.5
    assert i.noise_share > 0.5  # a parameter that acts on nothing: the spread is replicate noise
    assert i.param_q95 - i.param_q05 < i.raw_q95 - i.raw_q05


# --- bad input -----------------------------------------------------------------------------------

BAD_TABLES = [
    ('"wagner.speed_kmh" = { dist = "uniform", low = 0, high = 200 }', "outside the declared range"),
    ('"wagner.speed_kmh" = { dist = "gamma", low = 30, high = 60 }', "unknown dist 'gamma'; valid: uniform"),
    ('"wagner.speed_kmh" = { dist = "uniform", low = 30 }', "needs high"),
    ('"wagner.speed_kmh" = { dist = "triangular", low = 30, high = 60 }', "needs mode"),
    ('"wagner.speed_kmh" = { dist = "triangular", low = 30, mode = 80, high = 60 }', "mode = 80 is outside"),
    ('"hypotheses.hidden_patrons.on" = { dist = "bernoulli", p = 1.5 }', "p = 1.5 is outside [0, 1]"),
    (
        '"wagner.sped_kmh" = { dist = "uniform", low = 30, high = 60 }',
        "unknown uncertain key 'wagner.sped_kmh'",
    ),
]


@pytest.mark.parametrize("line, message", BAD_TABLES)
def test_bad_uncertain_tables_name_file_and_key(
    line: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "mutiny_2023"\n\n[uncertain]\n{line}\n', encoding="utf-8")
    code, _, err = run_cli(["show", str(path)], capsys)
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(path) in err and "uncertain" in err and message in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--uncertain", "guesses", "--draws", "30", "--runs", "20"], "--draws 30: must divide --runs 20"),
        (["--uncertain", "guesses", "--draws", "7", "--runs", "20"], "--draws 7: must divide --runs 20"),
        (["--draws", "4", "--runs", "20"], "--draws: nothing is uncertain"),
        (["--uncertain", "wagner.speed_kmh=30", "--runs", "20"], "expected 'guesses' or KEY=LOW:HIGH"),
        (["--uncertain", "wagner.speed_kmh=0:500", "--runs", "20"], "outside the declared range"),
        (["--uncertain", "nope.key=0:1", "--runs", "20"], "unknown uncertain key 'nope.key'"),
        (["--uncertain", "hypotheses.hidden_patrons.on=2", "--runs", "20"], "outside [0, 1]"),
    ],
)
@pytest.mark.parametrize("command", ["batch", "compare", "attribute"])
def test_bad_uncertain_options_are_one_line_usage_errors(
    command: str, args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = {
        "batch": ["--out", str(tmp_path / "o")],
        "compare": ["--without", "leader_gated_mediation"],
        "attribute": ["--outcome", "martial_law"],
    }[command]
    code, _, err = run_cli([command, "mutiny_2023", *args, *extra], capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not (tmp_path / "o").exists()

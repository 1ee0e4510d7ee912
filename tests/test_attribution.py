"""Exact Shapley attribution of an outcome to the hypotheses that are on (`attribute`)."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load, run_cli, simulate_cached

import sim
from sim.analysis import attribute
from sim.analysis.attribution import shapley_table, shapley_weights
from sim.stats import Z95

RUNS, SEED = 300, 4


def brute_force_shapley(v: dict[frozenset[int], float], k: int) -> list[float]:
    """The textbook definition: average marginal contribution over all k! orders."""
    phi = [0.0] * k
    for order in itertools.permutations(range(k)):
        s: frozenset[int] = frozenset()
        for i in order:
            phi[i] += v[s | {i}] - v[s]
            s = s | {i}
    return [p / math.factorial(k) for p in phi]


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_weights_reproduce_the_permutation_definition(k: int) -> None:
    rng = np.random.default_rng(k)
    values = rng.random(1 << k)
    v = {frozenset(i for i in range(k) if m >> i & 1): values[m] for m in range(1 << k)}
    phi = shapley_weights(k) @ values / math.factorial(k)
    assert phi == pytest.approx(brute_force_shapley(v, k))
    assert phi.sum() == pytest.approx(values[-1] - values[0])  # efficiency


def test_interval_comes_from_the_per_replicate_combination() -> None:
    rng = np.random.default_rng(0)
    ind = (rng.random((4, 500)) < [[0.1], [0.3], [0.2], [0.6]]).astype(np.int8)
    table = shapley_table(["a", "b"], ind)
    # k = 2: phi_a = ((v_a - v_0) + (v_ab - v_b)) / 2, per replicate.
    per_rep = ((ind[1] - ind[0]) + (ind[3] - ind[2])) / 2
    row = table.set_index("hypothesis").loc["a"]
    se = per_rep.std(ddof=1) / math.sqrt(500)
    assert row["shapley"] == pytest.approx(per_rep.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (per_rep.mean() - Z95 * se, per_rep.mean() + Z95 * se)
    )


@pytest.fixture(scope="module")
def patrons() -> sim.analysis.AttributionResult:
    # Three hypotheses on (8 variants); nuclear_leak has nothing to act on in a mutiny.
    spec = load("mutiny_hidden_patrons").with_overrides(with_=["nuclear_leak"])
    return attribute(spec, "martial_law", runs=RUNS, seed=SEED)


def test_shapley_values_sum_to_all_on_minus_all_off(patrons) -> None:
    assert len(patrons.variants) == 8
    total = patrons.shapley["shapley"].sum()
    assert total == pytest.approx(patrons.p_all_on - patrons.p_all_off, abs=1e-12)
    on = simulate_cached(load("mutiny_hidden_patrons").with_overrides(with_=["nuclear_leak"]), RUNS, SEED)
    assert patrons.p_all_on == pytest.approx((on["outcome"] == "martial_law").mean())


def test_the_driving_hypothesis_gets_the_credit(patrons) -> None:
    s = patrons.shapley.set_index("hypothesis")
    assert s.loc["hidden_patrons", "ci_low"] > 0.03  # the patrons open the main door to martial law
    assert patrons.p_all_off < 0.02  # the security chiefs' own door is narrow


def test_a_hypothesis_without_effect_gets_exactly_zero(patrons) -> None:
    s = patrons.shapley.set_index("hypothesis")
    assert s.loc["nuclear_leak", "shapley"] == 0.0
    assert s.loc["nuclear_leak", "se"] == 0.0


def test_variant_probabilities_match_direct_runs(patrons) -> None:
    v = patrons.variants.set_index("hypotheses_on")
    only = load("mutiny_hidden_patrons").with_overrides(without=["leader_gated_mediation"])
    df = simulate_cached(only, RUNS, SEED)
    assert v.loc["hidden_patrons", "count"] == int((df["outcome"] == "martial_law").sum())


def test_cli_unknown_outcome_is_a_one_line_usage_error(capsys) -> None:
    code, out, err = run_cli(["attribute", "mutiny_2023", "--outcome", "palace_cop", "--runs", "5"], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "did you mean 'palace_coup'" in err
    for outcome in sim.OUTCOMES:
        assert outcome in err


def test_cli_no_hypothesis_on_is_a_usage_error(capsys) -> None:
    code, _, err = run_cli(
        [
            "attribute",
            "invasion_2022",
            "--without",
            "false_intelligence",
            "--outcome",
            "palace_coup",
            "--runs",
            "5",
        ],
        capsys,
    )
    assert code == 2 and "no hypothesis is switched on" in err


def test_cli_attribute_writes_shapley_csv(tmp_path: Path, capsys) -> None:
    out_dir = tmp_path / "att"
    code, out, _ = run_cli(
        [
            "attribute",
            "mutiny_hidden_patrons",
            "--outcome",
            "rebel_capture",
            "--runs",
            "100",
            "--seed",
            "2",
            "--out",
            str(out_dir),
        ],
        capsys,
    )
    assert code == 0
    assert out.splitlines()[0] == sim.BANNER
    assert "Hypotheses on: hidden_patrons, leader_gated_mediation" in out
    m = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["kind"] == "attribute" and m["outcome"] == "rebel_capture" and m["variants"] == 4
    assert m["shapley_sum"] == pytest.approx(m["p_all_on"] - m["p_all_off"])
    s = pd.read_csv(out_dir / "shapley.csv")  # plain CSV: banner and hypotheses are columns
    assert set(s["banner"]) == {sim.BANNER} and set(s["hypotheses_on"]) == {
        "hidden_patrons, leader_gated_mediation"
    }
    assert list(s["hypothesis"]) == ["hidden_patrons", "leader_gated_mediation"]

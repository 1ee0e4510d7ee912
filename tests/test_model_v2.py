"""Model v2's structural checks (issue 8), at test sizes; full sizes: benchmarks/bench_model_checks.py.

- every outcome has a door with every hypothesis off (at base-rate level);
- no outcome depends on a single hypothesis;
- shocks leave lasting marks: the 2022 claims still move 2024-2025;
- the march is stochastic;
- documented history is in the null versions;
- the story's figures agree with its events.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from conftest import load, simulate_cached

import sim
from sim.answers import ANSWERS

STORM = load("perfect_storm")
ALL = tuple(STORM.hypotheses_on)


@cache
def all_off_guesses() -> pd.DataFrame:
    return sim.simulate(STORM, runs=8000, seed=11, uncertain="guesses", off=ALL)


def share(df: pd.DataFrame, *outcomes: str) -> float:
    return float(df.outcome.astype(str).isin(outcomes).mean())


@pytest.mark.parametrize("outcome", sim.OUTCOMES)
def test_every_outcome_is_reachable_with_every_hypothesis_off(outcome: str) -> None:
    """The null world has a door to every outcome (8,000 replicates here; 20,000 in the benchmark)."""
    assert (all_off_guesses().outcome == outcome).sum() >= 10, outcome


def test_every_mutiny_ending_is_reachable_with_every_hypothesis_off() -> None:
    ends = all_off_guesses().mutiny_end.astype(str)
    for end in ("mediated_halt", "suppressed", "reached_moscow"):
        assert (ends == end).sum() >= 5, end


@pytest.mark.parametrize("hid", ALL)
def test_martial_law_and_coups_need_no_single_hypothesis(hid: str) -> None:
    df = simulate_cached(STORM.with_overrides(off=[hid]), 3000, 5)
    assert share(df, "martial_law") >= 0.005 and share(df, "palace_coup") >= 0.005, hid


@pytest.mark.parametrize("hid", ["false_intelligence", "nuclear_leak"])
def test_the_2022_claims_still_move_the_outcome_years_later(hid: str) -> None:
    """The conjunction can form: switching a 2022 claim off changes >= 2 % of outcomes (common random numbers)."""
    on = simulate_cached(STORM, 3000, 5)
    off = simulate_cached(STORM.with_overrides(off=[hid]), 3000, 5)
    changed = (on.outcome.astype(str) != off.outcome.astype(str)).mean()
    assert changed >= 0.02, changed
    later = on.end_time > pd.Timestamp("2023-01-01")
    assert (on.outcome.astype(str) != off.outcome.astype(str))[later].sum() > 0, "only 2022 outcomes moved"


def test_legitimacy_keeps_the_mark_of_2022() -> None:
    """The planted failure of 2022 still costs legitimacy at the end of 2025 (slow variable)."""
    on = simulate_cached(load("invasion_2022"), 2000, 4)
    off = simulate_cached(load("invasion_2022").with_overrides(off=["false_intelligence"]), 2000, 4)
    assert on.legitimacy.mean() < off.legitimacy.mean() - 0.01


def test_martial_law_arrivals_are_spread_in_time() -> None:
    df = simulate_cached(load("mutiny_hidden_patrons"), 4000, 0)
    ml = df[df.outcome == "martial_law"]
    assert len(ml) > 100 and ml.end_time.nunique() >= 100


def test_the_march_is_stochastic_for_the_same_parameters() -> None:
    df = simulate_cached(load("mutiny_2023"), 2000, 2)
    halted = df[df.mutiny_end == "mediated_halt"]
    q = halted.closest_km_to_moscow.quantile([0.1, 0.9])
    assert q[0.9] - q[0.1] > 30 and halted.mutiny_hours.nunique() > 500


def test_a_mutiny_can_be_suppressed() -> None:
    spec = load("mutiny_2023").with_overrides(
        {"defence.engage_per_h": 0.3, "defence.engage_damage": 0.5}, interventions=["no_mediation"]
    )
    df = sim.simulate(spec, runs=500, seed=1)
    assert (df.mutiny_end == "suppressed").mean() > 0.2


def test_collapse_responds_to_each_strain_alone() -> None:
    """A smooth rule: each input raises the collapse rate on its own (no AND of thresholds)."""
    base = load("nuclear_leak_2022")
    ref = share(sim.simulate(base, runs=3000, seed=2), "regime_collapse")
    for key, value in [
        ("collapse.pressure_gain", 8.0),
        ("collapse.legitimacy_gain", 10.0),
        ("west.sanction_drain_per_day", 0.004),
    ]:
        more = share(sim.simulate(base, runs=3000, seed=2, overrides={key: value}), "regime_collapse")
        assert more > ref, (key, more, ref)


def test_documented_history_is_in_the_null_versions() -> None:
    df = simulate_cached(STORM.with_overrides(off=ALL), 2000, 3)
    # the offensive stalls from the front's mechanism, around early April 2022
    stall = df.kyiv_withdrawal_time.dropna()
    assert len(stall) > 1900
    assert pd.Timestamp("2022-03-15") < stall.median() < pd.Timestamp("2022-04-20")
    assert stall.nunique() > 10, "a mechanism, not a fixed day count"
    # the mutiny's leader dies on 23 Aug 2023 at the latest (the documented shock)
    died = df.mutiny_leader_death_time.dropna()
    assert len(died) > 1500 and died.max() <= pd.Timestamp("2023-08-24")
    # the sanctions of February 2022 are in the story
    events = sim.story(STORM.with_overrides(off=ALL), seed=3, replicate=0)["events"]
    assert any(e["event"] == "sanctions" and e["time"].startswith("2022-02-26") for e in events)


def test_a_fallen_leader_reports_no_control() -> None:
    df = simulate_cached(STORM, 3000, 5)
    fallen = ~df.outcome.astype(str).isin(sim.IN_POWER)
    assert fallen.any() and (df.regime_control[fallen] == 0).all()
    assert (df.regime_control[~fallen] > 0).all()


def test_leader_gated_mediation_has_one_sign_in_every_mutiny_scenario() -> None:
    """The claim only removes the mediator's initiative: the column comes closer, never farther."""
    for name in ("mutiny_2023", "mutiny_hidden_patrons", "perfect_storm"):
        spec = load(name)
        on = simulate_cached(spec.with_overrides(on=["leader_gated_mediation"]), 2000, 6)
        off = simulate_cached(spec.with_overrides(off=["leader_gated_mediation"]), 2000, 6)
        assert on.closest_km_to_moscow.median() <= off.closest_km_to_moscow.median(), name


def test_the_documented_course_at_the_defaults() -> None:
    df = simulate_cached(load("mutiny_2023"), 4000, 1)
    assert ANSWERS["documented_course"].compute(df) >= 0.5


def test_storm_2026_needs_a_calibration_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import run_cli

    code, _, err = run_cli(["run", "storm_2026"], capsys)
    assert code == 1 and "uncertain.posterior" in err and "perfect-storm calibrate --out" in err
    assert len(err.strip().splitlines()) == 1


def test_everything_is_declared_once() -> None:
    """Results columns, series and palettes derive from sim.outputs."""
    from sim import outputs
    from sim.analysis.compare import FIGURES

    df = simulate_cached(load("mutiny_2023"), 10, 1)
    assert [c for c in df.columns if c in outputs.FIGURES] == list(outputs.FIGURES)
    assert set(FIGURES) - {"end_hours"} <= set(outputs.FIGURES)
    assert np.all([o.colour.startswith("#") for o in outputs.OUTCOME_SPECS])


def test_storm_2026_draws_its_world_from_the_posterior(tiny_posterior: object) -> None:
    """Given what history shows: every replicate picks a posterior particle (switches included),
    and keeps it alone or inside a batch."""
    from conftest import assert_rows_identical

    spec = load("storm_2026").with_uncertain(replicates_per_draw=1)
    spec.uncertain["posterior"] = str(tiny_posterior)
    df = sim.simulate(spec, runs=300, seed=4)
    switches = [c for c in df.columns if c.endswith(".on")]
    assert len(switches) == len(sim.HYPOTHESIS_IDS)
    assert any(df[c].nunique() == 2 for c in switches)
    assert spec.hypotheses_uncertain == list(sim.HYPOTHESIS_IDS)
    alone = sim.simulate(spec, runs=1, first=123, seed=4)
    assert_rows_identical(alone, df.iloc[[123]])

"""The mechanisms move the result the right way (docs/design.md, historical anchor).

Every comparison is on common random numbers (same seed). Where a direction
holds replicate by replicate because of how the model is built, it is asserted
per replicate; otherwise on shares or medians over thousands of replicates.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from conftest import load, simulate_cached

import sim

RUNS, SEED = 2000, 11


def run(spec: sim.Scenario, seed: int = SEED) -> pd.DataFrame:
    return simulate_cached(spec, RUNS, seed)


def share(df: pd.DataFrame, *outcomes: str) -> float:
    return float(df.outcome.isin(outcomes).mean())


def reached(df: pd.DataFrame) -> pd.Series:
    return df.mutiny_end == "reached_moscow"


@pytest.fixture(scope="module")
def base() -> sim.Scenario:
    return load("mutiny_2023")


def test_no_mediation_lets_the_column_reach_moscow(base: sim.Scenario) -> None:
    b = run(base)
    n = run(base.with_overrides(interventions=["no_mediation"]))
    assert reached(n).mean() > reached(b).mean() + 0.5
    # The march is the same until a deal stops it, so per replicate: never further
    # from Moscow, and every column that got there still gets there.
    assert (n.closest_km_to_moscow <= b.closest_km_to_moscow).all()
    assert (reached(n) | ~reached(b)).all()
    assert (n.mutiny_end != "mediated_halt").all()


@pytest.mark.parametrize("name", ["mutiny_2023", "perfect_storm"])
def test_hidden_patrons_raise_martial_law_and_capture(name: str) -> None:
    spec = load(name)
    on = run(spec.with_overrides(with_=["hidden_patrons"]))
    off = run(spec.with_overrides(without=["hidden_patrons"]))
    assert share(on, "martial_law", "rebel_capture") > share(off, "martial_law", "rebel_capture") + 0.05
    # Martial law has other doors (the security chiefs, insider moves): the patrons only widen them.
    assert share(off, "martial_law") < share(on, "martial_law")
    assert reached(on).mean() > reached(off).mean()


@pytest.mark.parametrize("name", ["mutiny_2023", "mutiny_hidden_patrons", "perfect_storm"])
@pytest.mark.parametrize("seed", [SEED, SEED + 1])
def test_loyal_security_forces_never_raise_rebel_capture(name: str, seed: int) -> None:
    """On shares: per replicate it is not guaranteed. A slower column frightens the leader
    later, so his call can come late enough for the column to arrive (seen with hidden
    patrons, who also discourage the deal: 2 of 2,000 replicates at seed 11)."""
    spec = load(name)
    b = run(spec, seed)
    loyal = run(spec.with_overrides(interventions=["loyal_security_forces"]), seed)
    before, after = share(b, "rebel_capture"), share(loyal, "rebel_capture")
    assert after <= before
    if before > 0.01:
        assert after < 0.5 * before, (before, after)
    mutinied = b.mutiny_end != "none"
    assert loyal.closest_km_to_moscow[mutinied].median() > b.closest_km_to_moscow[mutinied].median()


@pytest.mark.parametrize("name", ["mutiny_2023", "mutiny_hidden_patrons"])
def test_army_loyalty_never_raises_rebel_capture(name: str) -> None:
    spec = load(name)
    levels = (0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0)
    shares = [
        share(run(spec.with_overrides(sets=[f"factions.army.loyalty={x}"])), "rebel_capture") for x in levels
    ]
    if name == "mutiny_hidden_patrons":  # where columns reach Moscow often enough to compare every level
        assert all(a >= b for a, b in pairwise(shares)), dict(zip(levels, shares, strict=True))
    assert shares[0] > shares[-1]


def test_a_faster_column_comes_closer(base: sim.Scenario) -> None:
    speeds = (25, 35, 44, 55, 70)
    medians = [
        run(base.with_overrides(sets=[f"wagner.speed_kmh={v}"])).closest_km_to_moscow.median() for v in speeds
    ]
    assert all(a > b for a, b in pairwise(medians)), dict(zip(speeds, medians, strict=True))
    reach = [reached(run(base.with_overrides(sets=[f"wagner.speed_kmh={v}"]))).mean() for v in speeds]
    assert reach[-1] > reach[0]


def test_a_later_call_lets_it_come_closer(base: sim.Scenario) -> None:
    """Lower mediation hazards: the leader calls later, the column gets further.

    The march does not depend on the call, and a lower hazard with the same
    draws can only delay it, so per replicate the closest approach never grows.
    """
    factors = (1.0, 0.7, 0.5, 0.3)
    b0 = base.params["kremlin.mediation_base_per_h"]
    t0 = base.params["kremlin.mediation_threat_per_h"]
    frames = [
        run(
            base.with_overrides(
                sets=[f"kremlin.mediation_base_per_h={b0 * f}", f"kremlin.mediation_threat_per_h={t0 * f}"]
            )
        )
        for f in factors
    ]
    for earlier, later in pairwise(frames):
        assert (later.closest_km_to_moscow <= earlier.closest_km_to_moscow).all()
        assert (reached(later) | ~reached(earlier)).all()
        assert later.closest_km_to_moscow.median() < earlier.closest_km_to_moscow.median()
        assert reached(later).mean() > reached(earlier).mean()


def test_more_resistance_slows_the_column(base: sim.Scenario) -> None:
    levels = (0.0, 0.05, 0.1, 0.2, 0.4)
    frames = [run(base.with_overrides(sets=[f"defence.en_route_resistance={r}"])) for r in levels]
    medians = [f.closest_km_to_moscow.median() for f in frames]
    assert all(a < b for a, b in pairwise(medians)), dict(zip(levels, medians, strict=True))
    reach = [reached(f).mean() for f in frames]
    # Columns whose talks failed reach Moscow unless broken on the way: a replicate or two
    # (engagements drawn where the column happens to be) may go either way between close levels.
    assert all(a >= b - 0.001 for a, b in pairwise(reach)), dict(zip(levels, reach, strict=True))
    assert reach[0] > reach[-1]


def test_resistance_alone_slows_the_march_per_replicate(base: sim.Scenario) -> None:
    """With no call at all the march is deterministic: more resistance, never closer, later."""
    # No engagements either: their rate depends on where the column is, which resistance changes.
    spec = base.with_overrides(interventions=["no_mediation"], sets=["defence.engage_per_h=0"])
    frames = [run(spec.with_overrides(sets=[f"defence.en_route_resistance={r}"])) for r in (0.0, 0.1, 0.3)]
    # Within the arrival radius the figure is where the last step happened to end.
    arrival = base.params["wagner.arrival_km"]
    for fast, slow in pairwise(frames):
        assert (
            slow.closest_km_to_moscow.clip(lower=arrival) >= fast.closest_km_to_moscow.clip(lower=arrival)
        ).all()
        both = reached(slow) & reached(fast)
        assert (slow.mutiny_hours[both] >= fast.mutiny_hours[both]).all()
    assert reached(frames[0]).all() and reached(frames[1]).mean() > 0.5
    both = reached(frames[0]) & reached(frames[1])
    assert frames[1].mutiny_hours[both].median() > frames[0].mutiny_hours[both].median()
    assert frames[2].closest_km_to_moscow.median() > frames[0].closest_km_to_moscow.median()


@pytest.fixture(scope="module")
def invasion() -> dict[str, pd.DataFrame]:
    spec = load("invasion_2022")
    return {
        "on": run(spec.with_overrides(with_=["false_intelligence"])),
        "off": run(spec.with_overrides(without=["false_intelligence"])),
        "accurate": run(
            spec.with_overrides(with_=["false_intelligence"], interventions=["accurate_intelligence"])
        ),
    }


def test_false_intelligence_costs_elite_support(invasion: dict[str, pd.DataFrame]) -> None:
    on, off = invasion["on"].leader_elite_support, invasion["off"].leader_elite_support
    assert (on <= off + 1e-12).all()
    assert on.mean() < off.mean() - 0.01


def test_accurate_intelligence_restores_it(invasion: dict[str, pd.DataFrame]) -> None:
    on, acc = invasion["on"].leader_elite_support, invasion["accurate"].leader_elite_support
    assert (acc >= on - 1e-12).all()
    assert acc.mean() > on.mean() + 0.01
    # An exact estimate leaves no gap: no worse than an honest noisy one.
    assert acc.mean() >= invasion["off"].leader_elite_support.mean() - 1e-9


def test_no_long_range_removes_the_strikes_window() -> None:
    spec = load("long_range_2024")
    b = run(spec)
    n = run(spec.with_overrides(interventions=["no_long_range"]))
    assert n.storm_peak.mean() < b.storm_peak.mean()
    assert (n.regime_control >= b.regime_control - 1e-12).mean() > 0.9


def test_no_nuclear_leak_switches_off_the_leak() -> None:
    spec = load("nuclear_leak_2022")
    on = run(spec)
    blocked = run(spec.with_overrides(interventions=["no_nuclear_leak"]))
    off = run(spec.with_overrides(without=["nuclear_leak"]))
    np.testing.assert_array_equal(blocked.regime_control.to_numpy(), off.regime_control.to_numpy())
    assert on.regime_control.mean() < off.regime_control.mean()

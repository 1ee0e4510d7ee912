"""Time in real units (docs/design.md, decision 3): the clock, dated stories, step-size invariance."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import numpy as np
import pytest
from conftest import load, simulate_cached

import sim
from sim.clock import Clock

DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def hours_of(spec: sim.Scenario, when: datetime) -> float:
    return (when - spec.start) / timedelta(hours=1)


@pytest.mark.parametrize("fine", [1.0, 0.5])
def test_perfect_storm_clock_is_daily_with_an_hourly_mutiny(fine: float) -> None:
    spec = load("perfect_storm").with_overrides(sets=[f"time.fine_step_hours={fine}"])
    clock = Clock(spec)
    (mutiny,) = [s for s in spec.shocks if s["type"] == "mutiny"]
    a = hours_of(spec, mutiny["at"])
    b = a + mutiny["fine_hours"]
    # Contiguous steps covering the whole span.
    assert clock.hours[0] == 0
    np.testing.assert_allclose(clock.hours[1:], clock.hours[:-1] + clock.dt[:-1])
    assert clock.hours[-1] + clock.dt[-1] == pytest.approx(clock.total_hours)
    inside = (clock.hours >= a - 1e-9) & (clock.hours < b - 1e-9)
    np.testing.assert_allclose(clock.dt[inside], fine)
    assert inside.sum() == round(mutiny["fine_hours"] / fine)
    assert clock.hours[inside][0] == pytest.approx(a), "the window opens at the mutiny"
    outside = clock.dt[~inside]
    assert (outside <= spec.step_hours + 1e-9).all()
    # Outside the window every step is a day, bar the two that meet the window's edges.
    assert (outside == spec.step_hours).sum() >= len(outside) - 2
    on_grid = clock.hours[~inside] % spec.step_hours
    assert (np.isclose(on_grid, 0) | np.isclose(clock.hours[~inside], b)).all()
    assert clock.n_steps == len(clock.hours) == len(clock.dt)


def test_mutiny_and_war_year_clocks() -> None:
    mutiny = Clock(load("mutiny_2023"))
    assert (mutiny.dt == 1).all() and mutiny.n_steps == 96
    war = Clock(load("invasion_2022"))
    assert (war.dt == 24).all() and war.n_steps == (datetime(2022, 12, 31) - datetime(2022, 2, 1)).days


def test_shocks_fire_in_the_step_that_contains_them() -> None:
    spec = load("perfect_storm")
    clock = Clock(spec)
    for step, shocks in clock.schedule(spec.shocks).items():
        for s in shocks:
            h = hours_of(spec, s["at"])
            assert clock.hours[step] <= h < clock.hours[step] + clock.dt[step]
    assert sum(map(len, clock.schedule(spec.shocks).values())) == len(spec.shocks)


@pytest.mark.parametrize("name", ["perfect_storm", "mutiny_2023", "nuclear_leak_2022"])
def test_stories_show_real_dates(name: str) -> None:
    spec = load(name)
    told = sim.story(spec, seed=4, replicate=17)
    times = [e["time"] for e in told["events"]]
    assert times and all(DATE.match(t) for t in times)
    parsed = [datetime.strptime(t, "%Y-%m-%d %H:%M") for t in times]
    assert parsed == sorted(parsed)
    assert all(spec.start <= t <= spec.end for t in parsed)
    end = datetime.strptime(told["figures"]["end_time"], "%Y-%m-%d %H:%M")
    assert spec.start < end <= spec.end and parsed[-1] <= end
    # Scheduled shocks are told at their own date and hour, even inside a daily step.
    first = {e["event"]: e["time"] for e in reversed(told["events"])}
    if "invasion" in first:
        assert first["invasion"] == "2022-02-24 04:00"
    if "mutiny begins" in first:
        assert first["mutiny begins"] == "2023-06-23 21:00"


def test_end_time_column_is_a_date() -> None:
    df = sim.simulate(load("mutiny_2023"), runs=100, seed=0)
    assert str(df.end_time.dtype).startswith("datetime64")
    start = np.datetime64(load("mutiny_2023").start)
    hours = (df.end_time.to_numpy() - start) / np.timedelta64(1, "h")
    np.testing.assert_allclose(hours, df.end_hours.to_numpy(), rtol=0, atol=1 / 3600)  # to the second


def test_speed_keeps_its_meaning_when_the_step_halves() -> None:
    """Unhindered by talks, the column needs the same hours to reach Moscow at any step."""
    spec = load("mutiny_2023").with_overrides(interventions=["no_mediation"], sets=["defence.engage_per_h=0"])
    arrival = {}
    for fine in (1.0, 0.5, 0.25):
        df = sim.simulate(spec.with_overrides(sets=[f"time.fine_step_hours={fine}"]), runs=200, seed=1)
        reached = df[df.mutiny_end == "reached_moscow"]
        assert len(reached) == len(df)
        arrival[fine] = reached.mutiny_hours.median()
    assert abs(arrival[1.0] - arrival[0.5]) <= 1.0 and abs(arrival[0.5] - arrival[0.25]) <= 0.5
    # Twice the speed, about half the time (departure delay and defences aside).
    fast = sim.simulate(spec.with_overrides(sets=["wagner.speed_kmh=88"]), runs=200, seed=1)
    assert fast.mutiny_hours.median() < 0.65 * arrival[1.0]


def _median_closest(fine: float, seed: int) -> float:
    spec = load("mutiny_2023").with_overrides(sets=[f"time.fine_step_hours={fine}"])
    return float(simulate_cached(spec, 20_000, seed).closest_km_to_moscow.median())


def test_halving_the_fine_step_keeps_the_median_closest_approach() -> None:
    for seed in (5, 6):
        one, half = _median_closest(1.0, seed), _median_closest(0.5, seed)
        assert abs(half - one) / one <= 0.15, (one, half)


@pytest.mark.parametrize("fine", [0.5, 0.25])
def test_the_mutiny_does_not_depend_on_the_step(fine: float) -> None:
    """Events fall at their time within a step: duration, reach and halts keep their values."""
    base = load("mutiny_2023")
    one = simulate_cached(base, 20_000, 5)
    other = simulate_cached(base.with_overrides(sets=[f"time.fine_step_hours={fine}"]), 20_000, 5)
    mean_km = one.closest_km_to_moscow.mean()
    assert abs(other.closest_km_to_moscow.mean() - mean_km) <= 0.05 * mean_km
    assert abs(other.mutiny_hours.median() - one.mutiny_hours.median()) <= 1.0
    for end in ("mediated_halt", "reached_moscow"):
        assert abs((other.mutiny_end == end).mean() - (one.mutiny_end == end).mean()) <= 0.02, end


def test_daily_rates_keep_their_meaning_when_the_coarse_step_halves() -> None:
    spec = load("invasion_2022")
    day = simulate_cached(spec, 2000, 3).leader_elite_support.mean()
    half = simulate_cached(spec.with_overrides(sets=["time.step_hours=12"]), 2000, 3)
    assert abs(half.leader_elite_support.mean() - day) < 0.01 * day

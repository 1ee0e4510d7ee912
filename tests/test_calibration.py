"""The historical anchor (docs/design.md): mutiny_2023 reproduces the June 2023 course.

Thresholds are those documented in scenarios/mutiny_2023.toml: over at least
1,000 replicates, mediated halts >= 70 %, their median closest approach
150-300 km and median duration 16-36 h, the leader in power in >= 85 %.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from conftest import load, simulate_cached

import sim

RUNS = 2000
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def baseline(request: pytest.FixtureRequest) -> pd.DataFrame:
    return simulate_cached(load("mutiny_2023"), RUNS, request.param)


def test_baseline_has_no_hidden_patrons() -> None:
    spec = load("mutiny_2023")
    assert "hidden_patrons" not in spec.hypotheses_on


def test_every_replicate_mutinies(baseline: pd.DataFrame) -> None:
    assert (baseline.mutiny_end != "none").all()
    assert baseline.closest_km_to_moscow.notna().all()


def test_most_mutinies_end_in_a_mediated_halt(baseline: pd.DataFrame) -> None:
    share = (baseline.mutiny_end == "mediated_halt").mean()
    assert share >= 0.70, f"mediated halts {share:.1%}"


def test_mediated_halts_stop_about_200_km_out(baseline: pd.DataFrame) -> None:
    halted = baseline[baseline.mutiny_end == "mediated_halt"]
    km = halted.closest_km_to_moscow.median()
    assert 150 <= km <= 300, f"median closest approach {km:.0f} km"


def test_mediated_halts_last_about_a_day(baseline: pd.DataFrame) -> None:
    halted = baseline[baseline.mutiny_end == "mediated_halt"]
    hours = halted.mutiny_hours.median()
    assert 16 <= hours <= 36, f"median duration {hours:.1f} h"


def test_the_leader_stays_in_power(baseline: pd.DataFrame) -> None:
    share = baseline.outcome.isin(sim.IN_POWER).mean()
    assert share >= 0.85, f"leader in power {share:.1%}"
    # Insider moves stay at their base-rate level over a four-day mutiny.
    assert baseline.outcome.isin(["martial_law", "palace_coup"]).mean() <= 0.02


def test_the_halt_comes_on_the_evening_of_24_june(baseline: pd.DataFrame) -> None:
    """The typical deal lands within the 24th, not days later (end time of the mutiny)."""
    halted = baseline[baseline.mutiny_end == "mediated_halt"]
    start = datetime(2023, 6, 23, 21)
    ended = start + pd.to_timedelta(halted.mutiny_hours.median(), unit="h")
    assert datetime(2023, 6, 24, 12) <= ended <= datetime(2023, 6, 25, 9), ended


def test_halts_come_from_the_mechanism_not_a_script(baseline: pd.DataFrame) -> None:
    """The course varies from replicate to replicate: a distribution, not one scripted path."""
    halted = baseline[baseline.mutiny_end == "mediated_halt"]
    assert halted.closest_km_to_moscow.nunique() > 20
    assert halted.mutiny_hours.nunique() > 10
    assert halted.closest_km_to_moscow.quantile(0.9) - halted.closest_km_to_moscow.quantile(0.1) > 30

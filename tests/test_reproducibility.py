"""Replicate identity (docs/design.md, decision 2): counter-based randomness, property-tested.

Replicate i's row is a pure function of (scenario, seed, i): alone, inside a
batch at any offset, inside a 10,000-replicate batch, in any chunking.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_rows_identical, frames_differ, load
from hypothesis import given, settings
from hypothesis import strategies as st

import sim

BIG = 10_000
SEED = 2024
SCENARIOS = ("mutiny_2023", "perfect_storm")
seeds = st.integers(0, 2**64 - 1)
offsets = st.integers(0, 2**40)


@pytest.fixture(scope="module")
def big() -> dict[str, pd.DataFrame]:
    """One 10,000-replicate batch per scenario, shared by the module."""
    return {name: sim.simulate(load(name), runs=BIG, seed=SEED) for name in SCENARIOS}


def alone(name: str, seed: int, i: int) -> pd.DataFrame:
    return sim.simulate(load(name), runs=1, seed=seed, first=i)


@pytest.mark.parametrize("name", SCENARIOS)
def test_big_batch_is_well_formed(big: dict[str, pd.DataFrame], name: str) -> None:
    df = big[name]
    assert len(df) == BIG
    assert (df.replicate.to_numpy() == np.arange(BIG)).all()
    assert df.outcome.nunique() > 1, "replicates differ from one another"


@pytest.mark.parametrize("name", SCENARIOS)
@settings(max_examples=8, deadline=None, derandomize=True)
@given(i=st.integers(0, BIG - 1))
def test_replicate_alone_equals_its_row_in_the_big_batch(
    big: dict[str, pd.DataFrame], name: str, i: int
) -> None:
    assert_rows_identical(alone(name, SEED, i), big[name].iloc[[i]])


@pytest.mark.parametrize("name", SCENARIOS)
def test_early_and_late_endings_alone_equal_the_batch(big: dict[str, pd.DataFrame], name: str) -> None:
    """The replicates that end first, last, and with each outcome: a replicate that ends
    while the batch runs on must keep its figures (they once drifted with the batch)."""
    df = big[name]
    picks = {int(df.end_hours.idxmin()), int(df.end_hours.idxmax())}
    for col in ("outcome", "mutiny_end"):
        picks |= {int(df.index[df[col] == v][0]) for v in df[col].unique()}
    assert len(picks) >= 4
    for i in sorted(picks):
        assert_rows_identical(alone(name, SEED, i), df.iloc[[i]])


@pytest.mark.parametrize("name", SCENARIOS)
def test_big_batch_equals_its_own_slices(big: dict[str, pd.DataFrame], name: str) -> None:
    """A batch that starts at another offset holds the same rows."""
    first, runs = 9_871, 129
    part = sim.simulate(load(name), runs=runs, seed=SEED, first=first)
    assert_rows_identical(part, big[name].iloc[first : first + runs])


@settings(max_examples=20, deadline=None, derandomize=True)
@given(seed=seeds, first=offsets, k=st.integers(0, 39), shift=st.integers(1, 25))
def test_replicate_same_in_batches_at_other_offsets(seed: int, first: int, k: int, shift: int) -> None:
    spec = load("mutiny_2023")
    batch = sim.simulate(spec, runs=40, seed=seed, first=first)
    # Another batch whose window also covers replicate first + k, at another offset.
    other_first = max(first + k - shift, 0)
    other = sim.simulate(spec, runs=first + k - other_first + 3, seed=seed, first=other_first)
    row = alone("mutiny_2023", seed, first + k)
    assert_rows_identical(row, batch.iloc[[k]])
    assert_rows_identical(row, other[other.replicate == first + k])


@settings(max_examples=5, deadline=None, derandomize=True)
@given(seed=seeds, first=offsets, k=st.integers(0, 7))
def test_perfect_storm_replicate_same_in_any_batch(seed: int, first: int, k: int) -> None:
    spec = load("perfect_storm")
    batch = sim.simulate(spec, runs=8, seed=seed, first=first)
    assert_rows_identical(alone("perfect_storm", seed, first + k), batch.iloc[[k]])


@pytest.mark.parametrize("name", SCENARIOS)
@settings(max_examples=4, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32), first=st.integers(0, 10**6), k=st.integers(0, 29))
def test_event_logs_identical(name: str, seed: int, first: int, k: int) -> None:
    spec = load(name)
    batch = sim.StormModel(spec, replicates=30, rng=seed, first_replicate=first).run()
    single = sim.StormModel(spec, replicates=1, rng=seed, first_replicate=first + k).run()
    events = single.events_for(0)
    assert events, "every replicate logs at least the shocks it lived through"
    assert batch.events_for(k) == events


@pytest.mark.parametrize(
    ("name", "runs", "first"),
    [("mutiny_2023", 503, 0), ("mutiny_2023", 250, 77_777), ("perfect_storm", 20, 9_990)],
)
def test_chunk_size_does_not_matter(name: str, runs: int, first: int) -> None:
    spec = load(name)
    default = sim.simulate(spec, runs=runs, seed=SEED, first=first)
    assert_rows_identical(sim.simulate(spec, runs=runs, seed=SEED, first=first, chunk=7), default)
    assert_rows_identical(sim.simulate(spec, runs=runs, seed=SEED, first=first, chunk=runs - 1), default)


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_seed_same_result_other_seed_other(big: dict[str, pd.DataFrame], name: str) -> None:
    spec = load(name)
    again = sim.simulate(spec, runs=500, seed=SEED)
    assert_rows_identical(again, big[name].iloc[:500])
    other = sim.simulate(spec, runs=500, seed=SEED + 1)
    assert frames_differ(other, again)
    # Not merely a relabelling: the per-replicate figures change.
    changed = (other.leader_elite_support != again.leader_elite_support).mean()
    assert changed > 0.5


def test_model_run_matches_simulate() -> None:
    spec = load("mutiny_2023")
    model = sim.StormModel(spec, replicates=64, rng=9, first_replicate=100).run()
    assert_rows_identical(model.results(), sim.simulate(spec, runs=64, seed=9, first=100))


def test_mesa_style_rng_is_accepted_and_reproducible() -> None:
    """A non-integer ``rng`` (as Mesa allows) is turned into a seed deterministically."""
    spec = load("mutiny_2023")
    a = sim.StormModel(spec, replicates=20, rng=np.random.SeedSequence(5)).run().results()
    b = sim.StormModel(spec, replicates=20, rng=np.random.SeedSequence(5)).run().results()
    assert_rows_identical(a, b)


@pytest.mark.parametrize("bad", [-1, 2**64])
def test_bad_seed_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="seed"):
        sim.StormModel(load("mutiny_2023"), replicates=2, rng=bad)


def test_replicates_must_be_positive() -> None:
    with pytest.raises(ValueError, match="replicates"):
        sim.StormModel(load("mutiny_2023"), replicates=0, rng=1)
    with pytest.raises(ValueError, match="runs"):
        sim.simulate(load("mutiny_2023"), runs=0, seed=1)


def test_common_random_numbers_share_draws() -> None:
    """A change that cannot matter before the mutiny leaves earlier draws untouched."""
    spec = load("mutiny_2023")
    a = sim.StormModel(spec, replicates=200, rng=3).run()
    b = sim.StormModel(spec.with_overrides(sets=["wagner.accept_per_h=0.1"]), replicates=200, rng=3).run()
    # Threshold jitter is drawn while building the world: identical under CRN.
    for name in a.factions:
        assert (a.factions[name].threshold == b.factions[name].threshold).all()

    # The leader seeks mediation before any deal can be struck (the call is gated
    # on it), so the hour he does is the same in both variants.
    def sought(model: sim.StormModel) -> list[list[str]]:
        return [
            [e["time"] for e in model.events_for(i) if e["event"] == "seeks mediation"]
            for i in range(model.R)
        ]

    assert sought(a) == sought(b)
    assert sum(map(len, sought(a))) > 150
    assert frames_differ(a.results(), b.results()), "the change itself does matter later"

"""Compaction (sim/compaction.py): dropping ended replicates from the arrays changes no result bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim import api, compaction, series
from sim.catalog import load


class Sizes:
    """An observer that allows compaction and notes the model's replicate count each step."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.compactions = 0

    def __call__(self, model: sim.StormModel) -> None:
        self.sizes.append(model.R)

    def compact(self, keep: np.ndarray) -> None:
        self.compactions += 1

    def restore(self, orig: np.ndarray, total: int) -> None:
        pass


def _run(spec: object, n: int, seed: int, compact: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    # Compact as soon as a single replicate has ended, or never.
    monkeypatch.setattr(sim.StormModel, "COMPACT_MIN", 1 if compact else 10**9)
    monkeypatch.setattr(sim.StormModel, "COMPACT_SHARE", 0.0)
    hist, sizes = series.SeriesHistogram(spec, n), Sizes()  # type: ignore[arg-type]
    model = sim.StormModel(spec, replicates=n, rng=seed, first_replicate=5, observers=[hist, sizes]).run()
    events = [model.events_for(i) for i in range(n)]
    return model.results(), hist.finish(), events, sizes, model


@pytest.mark.parametrize(
    ("name", "uncertain"), [("mutiny_hidden_patrons", None), ("perfect_storm", "guesses")]
)
def test_compacted_model_gives_the_same_results_events_and_series(
    name: str, uncertain: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 300
    spec = api.prepare(name, uncertain=uncertain, runs=n)
    rows, counts, events, sizes, model = _run(spec, n, 11, True, monkeypatch)
    rows0, counts0, events0, sizes0, _ = _run(spec, n, 11, False, monkeypatch)
    assert sizes.compactions > 1 and min(sizes.sizes) < n, "the ended replicates were dropped"
    assert sizes0.compactions == 0 and set(sizes0.sizes) == {n}
    pd.testing.assert_frame_equal(rows, rows0, check_exact=True)
    np.testing.assert_array_equal(counts, counts0)
    assert events == events0
    # After the run the model is whole again.
    assert model.R == n and len(model.alive) == n and len(model.kremlin.elite_support) == n


def test_results_read_while_compacted_then_the_run_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    spec, n = load("mutiny_hidden_patrons"), 200
    monkeypatch.setattr(sim.StormModel, "COMPACT_MIN", 1)
    monkeypatch.setattr(sim.StormModel, "COMPACT_SHARE", 0.0)
    whole = sim.StormModel(spec, replicates=n, rng=4).run().results()
    model = sim.StormModel(spec, replicates=n, rng=4)
    while model.running and model._compacted is None:
        model.step()
    assert model._compacted is not None, "the model compacted mid-run"
    assert len(model.results()) == n  # restores the full arrays
    pd.testing.assert_frame_equal(model.run().results(), whole, check_exact=True)


def test_an_observer_that_cannot_follow_keeps_the_model_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.StormModel, "COMPACT_MIN", 1)
    monkeypatch.setattr(sim.StormModel, "COMPACT_SHARE", 0.0)
    sizes: list[int] = []
    sim.StormModel(
        load("mutiny_hidden_patrons"), replicates=100, rng=4, observers=[lambda m: sizes.append(m.R)]
    ).run()
    assert set(sizes) == {100}
    model = sim.StormModel(load("mutiny_hidden_patrons"), replicates=100, rng=4, record_series=True)
    assert not compaction.can_compact(model)


@pytest.mark.parametrize(
    "ids",
    [
        np.tile(np.arange(5, 25), 6),  # an ensemble's variants side by side: copied block by block
        np.array([7, 3, 7, 7, 3, 9, 3, 9, 7, 3]),  # repeated out of order (after compaction): gathered
        np.arange(40, 0, -1),  # all distinct: drawn directly
    ],
    ids=["tiled", "scattered", "distinct"],
)
def test_streams_draw_each_replicate_id_alike_wherever_it_repeats(ids: np.ndarray) -> None:
    """A replicate's draws are a function of (seed, id, step, site) only, however the ids repeat."""
    from sim.rng import Streams, site_key

    together = Streams(11, ids)
    alone = {int(i): Streams(11, np.array([i])) for i in np.unique(ids)}
    site = site_key("test.site")
    for step in (0, 3):
        together.begin_step(step)
        for s in alone.values():
            s.begin_step(step)
        expected = np.array([alone[int(i)].uniform(site)[0] for i in ids])
        np.testing.assert_array_equal(together.uniform(site), expected)
        np.testing.assert_array_equal(together.fixed(site), [alone[int(i)].fixed(site)[0] for i in ids])
        idx = np.array([1, len(ids) - 1])
        np.testing.assert_array_equal(together.uniform_at(site, idx), expected[idx])
    # Selecting other ids (as compaction does) keys them afresh, at the current step.
    kept = ids[::3]
    together.select(kept)
    np.testing.assert_array_equal(together.uniform(site), [alone[int(i)].uniform(site)[0] for i in kept])

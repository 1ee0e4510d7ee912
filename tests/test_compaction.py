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

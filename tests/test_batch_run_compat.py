"""StormModel works under Mesa's own ``mesa.batch_run``.

In mesa 3.5.1 ``batch_run`` passes each value of ``rng`` to the model as the
``rng`` keyword (the model has no ``seed`` parameter) and copies it into the
row, so each row's ``rng`` is its seed. ``iterations`` and ``rng`` cannot be
given together (``iterations=n`` is deprecated shorthand for ``rng=[None]*n``).
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Iterator

import mesa
import pytest

import sim
from sim import catalog

SCENARIO = str(catalog.resolve("mutiny_2023"))
SEEDS = [11, 12, 13, 14]


def capture_replicate(seed: int) -> int:
    """A replicate that ends early in rebel_capture (the model stops before the scenario's end)."""
    df = sim.simulate(SCENARIO, runs=2000, seed=seed)
    return int(df.index[df.outcome == "rebel_capture"][0])


@pytest.fixture(autouse=True)
def keep_start_method() -> Iterator[None]:
    """batch_run forces the spawn start method process-wide; put the old one back."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def expected(seed: int, first: int = 0) -> dict[str, object]:
    row = sim.simulate(SCENARIO, runs=1, seed=seed, first=first).iloc[0]
    return {"outcome": str(row.outcome), "mutiny_end": str(row.mutiny_end), "end_time": row.end_hours}


def batch(number_processes: int, rng: list[int], first: list[int] | None = None) -> list[dict[str, object]]:
    parameters: dict[str, object] = {"scenario": SCENARIO, "replicates": 1}
    if first is not None:
        parameters["first_replicate"] = first
    return mesa.batch_run(
        sim.StormModel,
        parameters=parameters,
        rng=rng,
        number_processes=number_processes,
        data_collection_period=-1,
        max_steps=10_000,
        display_progress=False,
    )


def check(rows: list[dict[str, object]], rng: list[int], per_seed: int = 1) -> None:
    assert len(rows) == len(rng) * per_seed, "one row per run, including runs that end early"
    assert sorted(r["rng"] for r in rows) == sorted(rng * per_seed)
    for r in rows:
        want = expected(r["rng"], r.get("first_replicate", 0))
        assert r["outcome"] == want["outcome"], r
        assert r["mutiny_end"] == want["mutiny_end"], r
        assert r["end_time"] == want["end_time"], r
        assert r["scenario"] == SCENARIO and r["replicates"] == 1


def test_seed_list_in_process() -> None:
    rows = batch(1, SEEDS)
    check(rows, SEEDS)
    assert [r["iteration"] for r in rows] == list(range(len(SEEDS)))


def test_runs_that_end_early_still_report() -> None:
    captured = capture_replicate(SEEDS[0])
    rows = batch(1, SEEDS[:2], first=[0, captured])
    check(rows, SEEDS[:2], per_seed=2)
    early = [r for r in rows if r["rng"] == SEEDS[0] and r["first_replicate"] == captured]
    assert early[0]["outcome"] == "rebel_capture"


def test_iterations_without_seeds() -> None:
    """The deprecated ``iterations`` form: random seeds, one valid row per run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        rows = mesa.batch_run(
            sim.StormModel,
            parameters={"scenario": SCENARIO, "replicates": 1},
            iterations=4,
            number_processes=1,
            data_collection_period=-1,
            max_steps=10_000,
            display_progress=False,
        )
    assert len(rows) == 4
    assert all(r["outcome"] in sim.OUTCOMES for r in rows)


def test_iterations_and_rng_together_are_refused_by_mesa() -> None:
    with pytest.raises(ValueError, match="iterations and rng"):
        mesa.batch_run(
            sim.StormModel,
            parameters={"scenario": SCENARIO, "replicates": 1},
            iterations=4,
            rng=[11, 12, 13, 14],
            display_progress=False,
        )


def test_seed_list_in_two_processes() -> None:
    """batch_run forces the spawn start method; the model must pickle its way there."""
    rng = SEEDS[:2]
    captured = capture_replicate(SEEDS[0])
    check(batch(2, rng, first=[0, captured]), rng, per_seed=2)


def test_a_several_replicate_model_reports_its_first_replicate() -> None:
    rows = mesa.batch_run(
        sim.StormModel,
        parameters={"scenario": SCENARIO, "replicates": 50, "first_replicate": [0, 7]},
        rng=[5],
        number_processes=1,
        data_collection_period=-1,
        max_steps=10_000,
        display_progress=False,
    )
    assert len(rows) == 2
    for r in rows:
        row = sim.simulate(SCENARIO, runs=1, seed=5, first=r["first_replicate"]).iloc[0]
        assert r["outcome"] == row.outcome

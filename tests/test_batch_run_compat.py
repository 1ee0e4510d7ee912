"""StormModel works under Mesa's own ``mesa.batch_run``.

In mesa 3.5.1 ``batch_run`` passes each value of ``rng`` to the model as the
``rng`` keyword (the model has no ``seed`` parameter) and copies it into the
row, so each row's ``rng`` is its seed. ``iterations`` and ``rng`` cannot be
given together (``iterations=n`` is deprecated shorthand for ``rng=[None]*n``).

Scenario keys are keyword arguments of StormModel, so a dotted key is a
batch_run parameter, and its reporters are the columns of ``sim.simulate``. A
test marked ``xfail(strict=True)`` states what batch_run users still need (one
replicate per model, or an error); it flips, and must be unmarked, when done.
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Iterator
from datetime import datetime

import mesa
import pandas as pd
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
    return {"outcome": str(row.outcome), "mutiny_end": str(row.mutiny_end)}


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


def _one_run(parameters: dict[str, object], rng: list[int]) -> list[dict[str, object]]:
    return mesa.batch_run(
        sim.StormModel,
        parameters=parameters,
        rng=rng,
        number_processes=1,
        data_collection_period=-1,
        max_steps=10_000,
        display_progress=False,
    )


def test_scenario_keys_as_keyword_arguments() -> None:
    """A dotted scenario key is a batch_run parameter: ``**{"wagner.speed_kmh": 30}`` is valid Python."""
    rows = _one_run(
        {"scenario": SCENARIO, "wagner.speed_kmh": [30, 60], "hypotheses.hidden_patrons.on": [True]}, [5, 6]
    )
    assert len(rows) == 4
    base = sim.catalog.load("mutiny_2023")
    for r in rows:
        spec = base.with_overrides(
            sets=[f"wagner.speed_kmh={r['wagner.speed_kmh']}"], with_=["hidden_patrons"]
        )
        want = sim.simulate(spec, runs=1, seed=r["rng"]).iloc[0]
        assert (r["outcome"], r["mutiny_end"]) == (want.outcome, want.mutiny_end), r
        assert r["closest_km_to_moscow"] == pytest.approx(want.closest_km_to_moscow, nan_ok=True)
    # The speed reached the model: the faster column gets closer to Moscow in some run.
    closest = {(r["rng"], r["wagner.speed_kmh"]): r["closest_km_to_moscow"] for r in rows}
    assert any(closest[(s, 60)] < closest[(s, 30)] for s in (5, 6))


def test_an_unknown_keyword_is_an_error_naming_it() -> None:
    with pytest.raises((TypeError, sim.UsageError), match=r"wagner\.sped_kmh"):
        _one_run({"scenario": SCENARIO, "wagner.sped_kmh": [30]}, [5])


def test_reporters_are_the_columns_of_simulate() -> None:
    """Every column of sim.simulate, same name, same value, same type: end_time a datetime in both."""
    captured = capture_replicate(SEEDS[0])
    rows = _one_run({"scenario": SCENARIO, "first_replicate": [0, captured]}, [SEEDS[0]])
    for r in rows:
        want = sim.simulate(SCENARIO, runs=1, seed=SEEDS[0], first=r["first_replicate"]).iloc[0]
        for column, value in want.items():
            assert column in r, f"batch_run rows lack {column!r}"
            got = r[column]
            if pd.isna(value):  # NaN or NaT: a figure that does not apply, in both
                assert pd.isna(got), (column, got)
            elif isinstance(value, datetime):  # end_time and the dated figures: datetimes in both
                assert isinstance(got, datetime) and pd.Timestamp(got) == value, (column, got, value)
            elif isinstance(value, float):
                assert got == pytest.approx(value), column
            else:
                assert got == value, column
        assert r["replicate"] == r["first_replicate"]


def test_several_replicates_under_batch_run_are_an_error() -> None:
    """A model of 50 replicates would report replicate 0 alone: refuse rather than mislead."""
    with pytest.raises((ValueError, sim.StormError), match="replicates"):
        _one_run({"scenario": SCENARIO, "replicates": 50}, [5])


def test_several_replicates_still_work_outside_batch_run() -> None:
    model = sim.StormModel(SCENARIO, replicates=50, rng=5).run()
    assert len(model.results()) == 50

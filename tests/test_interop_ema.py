"""The EMA workbench 3.x adapter (sim.interop.ema): parameters in, outcomes out, PRIM on the result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load

import sim
from sim.errors import UsageError
from sim.interop import ema

pytest.importorskip("ema_workbench", minversion="3")
from ema_workbench import Sample, perform_experiments  # noqa: E402
from ema_workbench.analysis import prim  # noqa: E402

SCENARIO = "mutiny_hidden_patrons"
BLOCK, BLOCKS, SEED = 40, 2, 3


@pytest.fixture(scope="module")
def run() -> tuple[object, pd.DataFrame, dict[str, np.ndarray]]:
    model = ema.storm_model(
        SCENARIO,
        uncertainties=[
            ema.real("wagner.speed_kmh", 25, 65),
            ema.integer("defence.capture_base", 0, 1),
            ema.switch("controlled_leaks"),
            ema.categorical("hypotheses.hidden_patrons.covert_help", [0.0, 0.4, 0.8]),
        ],
        levers=[ema.interventions(["no_mediation"])],
        seed=SEED,
        block=BLOCK,
        blocks=BLOCKS,
        series=True,
    )
    experiments, outcomes = perform_experiments(
        model,
        scenarios=6,
        policies=[Sample(level, intervention=level) for level in (ema.NONE, "no_mediation")],
        uncertainty_sampling_kwargs={"rng": 5},
    )
    return model, experiments, outcomes


def direct(row: pd.Series) -> pd.DataFrame:
    """The same experiment through sim.simulate: replicates 0..BLOCK*BLOCKS-1, same seed."""
    spec = load(SCENARIO)
    spec = spec.with_overrides(interventions=[] if row["intervention"] == ema.NONE else [row["intervention"]])
    spec.set_key("wagner.speed_kmh", float(row["wagner_speed_kmh"]), "test")
    spec.set_key("defence.capture_base", int(row["defence_capture_base"]), "test")
    spec.set_key("hypotheses.controlled_leaks.on", bool(row["controlled_leaks_on"]), "test")
    spec.set_key(
        "hypotheses.hidden_patrons.covert_help", float(row["hypotheses_hidden_patrons_covert_help"]), "test"
    )
    return sim.simulate(spec, runs=BLOCK * BLOCKS, seed=SEED)


def test_every_parameter_kind_reaches_the_scenario(run) -> None:
    _, x, y = run
    assert len(x) == 12 and set(x["intervention"]) == {ema.NONE, "no_mediation"}
    assert x["controlled_leaks_on"].dtype == bool and x["defence_capture_base"].dtype.kind == "i"
    # The replications are blocks of replicate ids: each experiment equals sim.simulate of its settings.
    for i in (0, 5, 11):
        df = direct(x.iloc[i])
        for o in sim.OUTCOMES:
            assert y[f"p_{o}"][i] == pytest.approx((df["outcome"] == o).mean()), (i, o)
        assert y["p_mutiny_reached_moscow"][i] == pytest.approx((df["mutiny_end"] == "reached_moscow").mean())
        closest = df["closest_km_to_moscow"].to_numpy(dtype=float)
        assert y["mean_closest_km_to_moscow"][i] == pytest.approx(np.nanmean(closest))
    # The parameters matter: outcomes are not all the same over the experiments.
    assert np.ptp(y["p_mutiny_mediated_halt"]) > 0


def test_time_series_outcomes_agree_with_the_scalars(run) -> None:
    _, x, y = run
    steps = y["TIME"].shape[1]
    assert all(
        y[k].shape == (len(x), steps) for k in ("share_running", "distance_km_mean", "ended_martial_law")
    )
    assert (np.diff(y["TIME"], axis=1) > 0).all()
    for o in sim.OUTCOMES:  # the cumulative share ended with o reaches P(o) at the end
        np.testing.assert_allclose(y[f"ended_{o}"][:, -1], y[f"p_{o}"])
    assert (y["share_running"][:, 0] == 1).all()
    # The mean distance counts only replicates still running; it starts at the full road.
    start_km = load(SCENARIO).params["wagner.start_km"]
    assert y["distance_km_mean"][:, 0] == pytest.approx(start_km, rel=0.05)
    done = y["share_running"] == 0
    assert np.isnan(y["distance_km_mean"][done]).all() and not np.isnan(y["distance_km_mean"][~done]).any()


def test_prim_finds_and_selects_a_box(run) -> None:
    _, x, y = run
    names = ["wagner_speed_kmh", "defence_capture_base", "controlled_leaks_on", "intervention"]
    interest = y["p_mutiny_reached_moscow"] > 0.5
    assert 0 < interest.sum() < len(interest)
    box = prim.Prim(x[names], interest, peel_alpha=0.1, mass_min=0.1).find_box()
    i = ema.select_box(box, 0.9)
    assert i is not None
    traj = box.peeling_trajectory
    assert traj["density"].iloc[i] >= 0.9
    assert traj["coverage"].iloc[i] == traj["coverage"][traj["density"] >= 0.9].max()
    assert ema.select_box(box, 1.01) is None
    limits = {name: (lo, hi) for name, lo, hi in ema.box_limits(box, i)}
    assert limits, "a box denser than the whole set restricts some parameter"
    inside = np.ones(len(x), dtype=bool)
    for name, (lo, hi) in limits.items():
        col = x[name]
        inside &= col.isin(lo).to_numpy() if isinstance(lo, set) else ((col >= lo) & (col <= hi)).to_numpy()
    assert interest[inside].mean() == pytest.approx(traj["density"].iloc[i])


def test_bad_parameters_are_one_line_errors_naming_the_key() -> None:
    with pytest.raises(UsageError, match=r"wagner\.sped_kmh: not a numeric parameter.*wagner\.speed_kmh"):
        ema.real("wagner.sped_kmh")
    with pytest.raises(UsageError, match="outside its declared range"):
        ema.integer("wagner.speed_kmh", 0, 10_000)
    with pytest.raises(UsageError, match="unknown hypothesis"):
        ema.switch("hidden_patron")
    with pytest.raises(UsageError, match="unknown intervention"):
        ema.interventions(["no_mediaton"])
    wb = pytest.importorskip("ema_workbench")
    bad = wb.RealParameter("x", 0, 1, variable_name="wagner.nope")
    with pytest.raises(UsageError, match=r"EMA parameter x: unknown scenario key 'wagner\.nope'"):
        ema.storm_model(SCENARIO, uncertainties=[bad])
    with pytest.raises(UsageError, match="time-series outcomes"):
        ema.storm_model(SCENARIO, uncertainties=[ema.real("time.fine_step_hours", 0.5, 1)], series=True)
    with pytest.raises(UsageError, match=r"wagner\.speed_kmh: .* out of range"):
        ema.apply(load(SCENARIO), {"wagner.speed_kmh": 1e6})


def test_declared_range_is_the_default() -> None:
    p = ema.real("wagner.speed_kmh")
    spec = sim.scenario.PARAMS["wagner.speed_kmh"]
    assert (p.lower_bound, p.upper_bound) == (spec.low, spec.high)
    assert p.variable_name == ["wagner.speed_kmh"] and p.name == "wagner_speed_kmh"
    assert ema.switch("hidden_patrons").variable_name == ["hypotheses.hidden_patrons.on"]

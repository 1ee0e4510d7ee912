"""The scalar Mesa reference (benchmarks/reference_mesa.py) agrees with the engine in distribution.

SPECULATIVE SCENARIO — NOT A FORECAST. The reference is what the benchmark's
"honest ratio" compares the engine with, so it must simulate the same world:
on ``mutiny_2023`` as shipped, and with a slower leader and a faster column,
where columns also reach Moscow and are suppressed, the share of mediated
halts, the median closest approach and the median duration (and the share of
weakened regimes) agree within their sampling error. The two use different
random streams, so they agree in distribution only.

Tolerances: four standard errors of the difference, from the samples
themselves (binomial for shares, bootstrap for medians), plus one unit of
resolution (1 / n for a share). A systematic difference in a rule shows as
many standard errors; chance alone passes all eight checks but about once in
2,000 runs (|z| > 4 has probability 6e-5 per check), and the seeds are fixed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from reference_mesa import run_reference  # noqa: E402

N = 2000
Z = 4.0
SETTINGS = {
    "as shipped": {},
    # The leader asks for mediation late and the column is fast: arrivals, captures and
    # suppressions happen, so their rules are compared too.
    "slow leader, fast column": {
        "kremlin.mediation_base_per_h": 0.0,
        "kremlin.mediation_threat_per_h": 0.15,
        "defence.engage_per_h": 0.06,
        "wagner.speed_kmh": 60.0,
    },
}


@pytest.fixture(scope="module", params=sorted(SETTINGS))
def pair(request: pytest.FixtureRequest) -> tuple[pd.DataFrame, pd.DataFrame]:
    overrides = SETTINGS[request.param]
    engine = sim.simulate("mutiny_2023", runs=N, seed=3, overrides=overrides or None)
    reference = run_reference(N, seed=3, overrides=overrides or None)
    return engine, reference


def share_close(a: pd.Series, b: pd.Series) -> tuple[float, float]:
    """|difference of the two shares| and its tolerance."""
    pa, pb = float(a.mean()), float(b.mean())
    pooled = (a.sum() + b.sum()) / (len(a) + len(b))
    se = np.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))
    return abs(pa - pb), Z * se + 1 / min(len(a), len(b))


def median_close(a: pd.Series, b: pd.Series, resamples: int = 300) -> tuple[float, float]:
    """|difference of the two medians| and its tolerance (bootstrap standard errors)."""
    rng = np.random.default_rng(0)
    se2 = 0.0
    for x in (a.dropna().to_numpy(), b.dropna().to_numpy()):
        boot = np.median(rng.choice(x, size=(resamples, len(x))), axis=1)
        se2 += boot.var(ddof=1)
    return abs(float(a.median()) - float(b.median())), Z * float(np.sqrt(se2))


def test_same_share_of_mediated_halts(pair: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    engine, reference = pair
    diff, tol = share_close(
        engine["mutiny_end"] == "mediated_halt", reference["mutiny_end"] == "mediated_halt"
    )
    assert diff <= tol, f"mediated halts differ by {diff:.4f} (tolerance {tol:.4f})"


def test_same_share_of_weakened_regimes(pair: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    engine, reference = pair
    diff, tol = share_close(engine["outcome"] == "regime_weakened", reference["outcome"] == "regime_weakened")
    assert diff <= tol, f"weakened regimes differ by {diff:.4f} (tolerance {tol:.4f})"


@pytest.mark.parametrize("column", ["closest_km_to_moscow", "mutiny_hours"])
def test_same_median(pair: tuple[pd.DataFrame, pd.DataFrame], column: str) -> None:
    engine, reference = pair
    diff, tol = median_close(engine[column], reference[column])
    assert diff <= tol, f"median {column} differs by {diff:.3f} (tolerance {tol:.3f})"


def test_the_reference_is_one_scalar_mesa_model_per_replicate() -> None:
    """What makes the ratio honest: plain Mesa agents holding Python floats, not arrays."""
    import mesa
    from reference_mesa import MutinyModel, setup

    params, steps, mutiny_step = setup()
    model = MutinyModel(params, steps, mutiny_step, seed=1)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == 10  # the Kremlin, six factions, the opposition, the mediator, Wagner
    assert all(isinstance(a, mesa.Agent) for a in model.agents)
    while model.running:
        model.step()
    assert model.step_index <= steps
    assert isinstance(model.wagner.distance, float) and isinstance(model.kremlin.elite_support, float)
    assert model.outcome in sim.OUTCOMES

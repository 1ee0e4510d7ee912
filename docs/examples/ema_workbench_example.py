"""Scenario discovery with the EMA workbench: PRIM boxes over Perfect Storm's parameters.

SPECULATIVE SCENARIO — NOT A FORECAST. Every result of this script comes from
the speculative hypotheses switched on in the scenario (here hidden_patrons
and leader_gated_mediation, from ``mutiny_hidden_patrons``).

The EMA workbench is NOT a dependency of Perfect Storm; install it yourself
(``pip install ema_workbench``) to run this example::

    .venv/bin/python docs/examples/ema_workbench_example.py

What it shows:

* ``sim.simulate`` wrapped as the function of an EMA ``ReplicatorModel``;
* replications that are blocks of replicate ids (``first``), the same blocks in
  every experiment, so every experiment sees the same random numbers (common
  random numbers, see docs/methods.md) and differences between experiments
  come from the parameters alone;
* PRIM on the experiments, to find the parameter box where martial law is
  likely (probability above THRESHOLD).
"""

from __future__ import annotations

import sys

import numpy as np

import sim
from sim import catalog

SCENARIO = "mutiny_hidden_patrons"
SEED = 1
BLOCK = 100  # replicates per replication (one StormModel each: far faster than one by one)
BLOCKS = 4  # replications per experiment -> 400 replicates per experiment
EXPERIMENTS = 200
THRESHOLD = 0.3  # "martial law likely": P(martial_law) above this

#: EMA parameter names must be Python identifiers; they map to dotted scenario keys.
KEYS = {
    "speed_kmh": "wagner.speed_kmh",
    "en_route_resistance": "defence.en_route_resistance",
    "covert_help": "hypotheses.hidden_patrons.covert_help",
}


def storm(first: int = 0, seed: int = SEED, **values: float) -> dict[str, float]:
    """One block of replicates ``first .. first+BLOCK-1`` at the given parameter values."""
    spec = catalog.load(SCENARIO).with_overrides(sets=[f"{KEYS[k]}={float(v)!r}" for k, v in values.items()])
    df = sim.simulate(spec, runs=BLOCK, seed=seed, first=first)
    return {
        "martial_law": float((df["outcome"] == "martial_law").mean()),
        "reached_moscow": float((df["mutiny_end"] == "reached_moscow").mean()),
    }


def main() -> int:
    try:
        from ema_workbench import (
            Constant,
            RealParameter,
            ReplicatorModel,
            ScalarOutcome,
            ema_logging,
            perform_experiments,
        )
        from ema_workbench.analysis import prim
    except ImportError:
        print(
            "This example needs the EMA workbench, which Perfect Storm does not install: "
            "pip install ema_workbench",
            file=sys.stderr,
        )
        return 1

    print(sim.BANNER)
    print(sim.banner.hypotheses_line(catalog.load(SCENARIO).hypotheses_on))
    ema_logging.log_to_stderr(ema_logging.INFO)

    model = ReplicatorModel("PerfectStorm", function=storm)
    model.uncertainties = [
        RealParameter("speed_kmh", 25, 65),
        RealParameter("en_route_resistance", 0.0, 0.4),
        RealParameter("covert_help", 0.0, 0.8),
    ]
    model.constants = [Constant("seed", SEED)]
    # The same blocks of replicate ids in every experiment: common random numbers.
    model.replications = [{"first": b * BLOCK} for b in range(BLOCKS)]
    # Each block returns a share; the mean over equal blocks is the share over all replicates.
    model.outcomes = [
        ScalarOutcome("p_martial_law", variable_name="martial_law", function=np.mean),
        ScalarOutcome("p_reached_moscow", variable_name="reached_moscow", function=np.mean),
    ]

    experiments, outcomes = perform_experiments(model, scenarios=EXPERIMENTS)

    x = experiments[[u.name for u in model.uncertainties]]
    y = outcomes["p_martial_law"] > THRESHOLD
    print(f"{int(y.sum())} of {len(y)} experiments have P(martial_law) > {THRESHOLD}")
    box = prim.Prim(x, y, threshold=0.8).find_box()
    box.inspect()  # coverage, density and the limits of the box found
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scenario discovery with the EMA workbench 3.x: PRIM boxes over Perfect Storm's parameters.

SPECULATIVE SCENARIO — NOT A FORECAST. Every result of this script comes from
the speculative hypotheses switched on in the scenario (here hidden_patrons
and leader_gated_mediation, from ``mutiny_hidden_patrons``).

The EMA workbench (``ema-workbench>=3,<4``) is a dependency of Perfect Storm::

    .venv/bin/python docs/examples/ema_workbench_example.py --experiments 200 --runs 400

What it shows:

* ``sim.interop.ema.storm_model``: the scenario as an EMA ``ReplicatorModel``
  with Real, Boolean and Categorical parameters (a hypothesis switch, an
  intervention as a lever) and scalar outcomes;
* replications that are blocks of replicate ids, the same in every experiment,
  so experiments share their random numbers (common random numbers, see
  docs/methods.md) and differ by their parameters alone;
* PRIM (``ema_workbench.analysis.prim``) on the experiments, for the box of
  parameters where martial law is likely (P(martial_law) above LIKELY). EMA 3's
  PRIM takes no ``threshold``: the box is picked on the peeling trajectory
  (``sim.interop.ema.select_box``).
"""

from __future__ import annotations

import argparse
import sys

import sim
from sim import catalog
from sim.interop import ema

SCENARIO = "mutiny_hidden_patrons"
SEED = 1
LIKELY = 0.3  # "martial law likely": P(martial_law) above this
MIN_DENSITY = 0.8  # the share of a box's experiments that must be "likely"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--experiments", type=int, default=200, help="experiments (LHS over the uncertainties)"
    )
    parser.add_argument("--runs", type=int, default=400, help="replicates per experiment (two equal blocks)")
    args = parser.parse_args(argv)
    if args.experiments < 2 or args.runs < 2:
        parser.error("--experiments and --runs must be at least 2")

    from ema_workbench import Sample, perform_experiments
    from ema_workbench.analysis import prim

    print(sim.BANNER)
    print(sim.banner.hypotheses_line(catalog.load(SCENARIO).hypotheses_on))
    model = ema.storm_model(
        SCENARIO,
        uncertainties=[
            ema.real("wagner.speed_kmh", 25, 65),
            ema.real("defence.en_route_resistance", 0.0, 0.4),
            ema.real("hypotheses.hidden_patrons.covert_help", 0.0, 0.8),
            ema.switch("controlled_leaks"),
        ],
        levers=[ema.interventions(["no_mediation"])],
        seed=SEED,
        block=args.runs // 2,
        blocks=2,
    )
    experiments, outcomes = perform_experiments(
        model,
        scenarios=args.experiments,
        # Both levels of the lever, named so: the mediation as it happened, and none.
        policies=[Sample(level, intervention=level) for level in (ema.NONE, "no_mediation")],
        uncertainty_sampling_kwargs={"rng": SEED},
        lever_sampling_kwargs={"rng": SEED},
    )
    names = [p.name for p in [*model.uncertainties, *model.levers]]
    x = experiments[names]
    y = outcomes["p_martial_law"] > LIKELY
    print(f"{int(y.sum())} of {len(y)} experiments have P(martial_law) > {LIKELY}")
    if not y.any():
        print("no experiment is of interest: nothing for PRIM to find")
        return 0
    box = prim.Prim(x, y, peel_alpha=0.1).find_box()
    i = ema.select_box(box, MIN_DENSITY)
    if i is None:
        print(f"no box on the peeling trajectory reaches density {MIN_DENSITY}")
        return 0
    stats = box.peeling_trajectory.iloc[i]
    print(
        f"box {i}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, mass {stats['mass']:.2f}"
    )
    for name, low, high in ema.box_limits(box, i):  # the restricted dimensions only
        kept = f"one of {sorted(low)}" if isinstance(low, set) else f"{low:.3g} to {high:.3g}"
        print(f"  {name}: {kept}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

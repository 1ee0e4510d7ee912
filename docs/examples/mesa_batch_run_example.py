"""``mesa.batch_run`` drives ``sim.StormModel`` like any Mesa model.

SPECULATIVE SCENARIO — NOT A FORECAST. Each run is one replicate; the seed
given to Mesa (``rng``) is the seed of the counter-based random numbers, so
run k is replicate 0 of ``sim.simulate(..., runs=1, seed=k)``::

    .venv/bin/python docs/examples/mesa_batch_run_example.py

Mesa 3.5 refuses ``iterations`` together with ``rng``: one run per seed in ``rng``.
For many replicates use ``sim.simulate`` or ``perfect-storm batch`` instead:
one StormModel simulates thousands of replicates at once, far faster.
"""

from __future__ import annotations

import mesa

import sim
from sim import catalog

if __name__ == "__main__":
    path = str(catalog.SCENARIO_DIR / "mutiny_2023.toml")
    rows = mesa.batch_run(
        sim.StormModel,
        parameters={"scenario": path, "replicates": 1},
        rng=[1, 2, 3],
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    print(sim.BANNER)
    print(sim.banner.hypotheses_line(catalog.load(path).hypotheses_on))
    for row in rows:
        same = sim.simulate(path, runs=1, seed=row["rng"])["outcome"].iloc[0]
        print(
            f"seed {row['rng']}: {row['outcome']:<16} mutiny {row['mutiny_end']:<15} (sim.simulate: {same})"
        )

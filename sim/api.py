"""The Python API the CLI, the page and notebooks share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .banner import BANNER
from .model import StormModel
from .scenario import Scenario, load_scenario

#: Replicates simulated per model in :func:`simulate`; results do not depend on it.
DEFAULT_CHUNK = 20_000


def simulate(
    scenario: str | Path | Scenario,
    runs: int = 1000,
    seed: int = 0,
    first: int = 0,
    chunk: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """Simulate replicates ``first .. first+runs-1``: one row per replicate.

    The frame's ``attrs`` carry the banner, the hypotheses on, the scenario hash
    and the seed, so a saved table stays labelled.
    """
    spec = load_scenario(scenario)
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    if first < 0:
        raise ValueError(f"first must be a replicate id >= 0, got {first}")
    frames = []
    for start in range(first, first + runs, chunk):
        count = min(chunk, first + runs - start)
        frames.append(StormModel(spec, replicates=count, rng=seed, first_replicate=start).run().results())
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    df.attrs.update(banner=BANNER, hypotheses_on=spec.hypotheses_on, scenario_hash=spec.hash, seed=seed)
    return df


def story(scenario: str | Path | Scenario, seed: int = 0, replicate: int = 0) -> dict[str, Any]:
    """One replicate told as a story: its dated events, its outcome and key figures."""
    spec = load_scenario(scenario)
    model = StormModel(spec, replicates=1, rng=seed, first_replicate=replicate).run()
    row = model.results().iloc[0]
    figures = {
        "end_time": row["end_time"].strftime("%Y-%m-%d %H:%M"),
        "mutiny_end": str(row["mutiny_end"]),
        "closest_km_to_moscow": _num(row["closest_km_to_moscow"]),
        "mutiny_hours": _num(row["mutiny_hours"]),
        "leaks": int(row["leaks"]),
        "top_leak_gainer": row["top_leak_gainer"],
        "leader_elite_support": round(float(row["leader_elite_support"]), 3),
        "regime_control": round(float(row["regime_control"]), 3),
    }
    return {
        "banner": BANNER,
        "hypotheses_on": spec.hypotheses_on,
        "scenario": spec.name,
        "title": spec.title,
        "question": spec.question,
        "scenario_hash": spec.hash,
        "interventions": list(spec.interventions),
        "seed": seed,
        "replicate": replicate,
        "events": model.events_for(0),
        "outcome": str(row["outcome"]),
        "figures": figures,
    }


def _num(x: float) -> float | None:
    return None if pd.isna(x) else round(float(x), 1)

"""The Python API the CLI, the page and notebooks share.

The library takes typed values: ``overrides`` maps dotted keys to values,
``on``/``off`` name hypotheses, ``uncertain`` is ``"guesses"`` or a mapping of
dotted keys to :class:`sim.uncertain.Dist` (or to ``(low, high)`` for a
uniform). The CLI parses its strings into these at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import uncertain as unc
from .banner import BANNER
from .errors import UsageError
from .hypotheses import IDS as HYPOTHESIS_IDS
from .model import StormModel
from .scenario import Scenario

#: Replicates simulated per model in :func:`simulate`; results do not depend on it.
DEFAULT_CHUNK = 20_000

Uncertain = str | Mapping[str, "unc.Dist | tuple[float, float]"] | None


def prepare(
    scenario: str | Path | Scenario,
    *,
    overrides: Mapping[str, object] | None = None,
    on: Iterable[str] = (),
    off: Iterable[str] = (),
    interventions: Iterable[str] = (),
    uncertain: Uncertain = None,
    runs: int | None = None,
    draws: int | None = None,
) -> Scenario:
    """The scenario with typed overrides, switches, interventions and uncertainty applied.

    ``draws`` splits ``runs`` replicates into that many parameter draws of
    ``runs // draws`` replicates each (it must divide them).
    """
    from .catalog import load

    spec = scenario if isinstance(scenario, Scenario) else load(scenario)
    if overrides:
        spec = spec.with_values(overrides)
    on, off = list(on), list(off)
    if on or off or interventions:
        spec = spec.with_overrides(with_=on, without=off, interventions=list(interventions))
    dists = resolve_uncertain(uncertain)
    per_draw = None
    if draws is not None:
        if runs is None:
            raise UsageError("draws: needs runs (the replicates to split into draws)")
        if not 1 <= draws <= runs or runs % draws:
            raise UsageError(f"draws = {draws} must be between 1 and runs = {runs} and divide it")
        if not dists and not spec.uncertain:
            raise UsageError("draws: nothing is uncertain; give uncertain keys (e.g. 'guesses')")
        per_draw = runs // draws
    if dists or per_draw is not None:
        spec = spec.with_uncertain(dists, per_draw)
    return spec


def resolve_uncertain(uncertain: Uncertain) -> dict[str, unc.Dist]:
    """Typed uncertainty: ``"guesses"``, or keys mapped to a Dist or a (low, high) uniform."""
    if uncertain is None:
        return {}
    if isinstance(uncertain, str):
        if uncertain != unc.GUESSES:
            raise UsageError(
                f"uncertain: {uncertain!r} is not a set of keys; valid: {unc.GUESSES!r} or a mapping"
            )
        return unc.guesses()
    out: dict[str, unc.Dist] = {}
    for key, value in uncertain.items():
        try:
            out[key] = value if isinstance(value, unc.Dist) else unc.uniform(key, *value)
        except unc.UncertainError as err:
            raise UsageError(f"uncertain {err}") from None
    return out


def simulate(
    scenario: str | Path | Scenario,
    runs: int = 1000,
    seed: int = 0,
    first: int = 0,
    chunk: int = DEFAULT_CHUNK,
    *,
    overrides: Mapping[str, object] | None = None,
    on: Iterable[str] = (),
    off: Iterable[str] = (),
    interventions: Iterable[str] = (),
    uncertain: Uncertain = None,
    draws: int | None = None,
    worlds: Mapping[str, np.ndarray] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Simulate replicates ``first .. first+runs-1``: one row per replicate.

    ``worlds`` gives explicit per-replicate values (one per replicate, dotted
    keys). With uncertain parameters the frame has a ``draw`` column and one
    column per uncertain key. The frame's ``attrs`` carry the banner, the
    hypotheses on (and uncertain), the scenario hash and the seed.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    if first < 0:
        raise ValueError(f"first must be a replicate id >= 0, got {first}")
    spec = prepare(
        scenario,
        overrides=overrides,
        on=on,
        off=off,
        interventions=interventions,
        uncertain=uncertain,
        runs=runs,
        draws=draws,
    )
    if worlds is not None:
        worlds = {k: np.asarray(v) for k, v in worlds.items()}
        bad = [k for k, v in worlds.items() if v.shape != (runs,)]
        if bad:
            raise ValueError(f"worlds[{bad[0]!r}]: expected one value per replicate ({runs})")
    frames = []
    bar = _bar(runs, progress)
    for start in range(first, first + runs, chunk):
        count = min(chunk, first + runs - start)
        part = (
            None
            if worlds is None
            else {k: v[start - first : start - first + count] for k, v in worlds.items()}
        )
        model = StormModel(spec, replicates=count, rng=seed, first_replicate=start, worlds=part)
        frames.append(model.run().results())
        if bar is not None:
            bar.update(count)
    if bar is not None:
        bar.close()
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    label(df, spec, seed)
    return df


def label(df: pd.DataFrame, spec: Scenario, seed: int) -> pd.DataFrame:
    """Put the banner, the hypotheses on and uncertain, the hash and the seed in ``df.attrs``."""
    df.attrs.update(
        banner=BANNER,
        hypotheses_on=spec.hypotheses_on,
        hypotheses_uncertain=spec.hypotheses_uncertain,
        scenario_hash=spec.hash,
        seed=seed,
        uncertain=dict(spec.uncertain),
        replicates_per_draw=spec.replicates_per_draw,
    )
    return df


def _bar(total: int, show: bool) -> Any:
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="rep", desc="simulate")


def story(scenario: str | Path | Scenario, seed: int = 0, replicate: int = 0) -> dict[str, Any]:
    """One replicate told as a story: its dated events, its outcome, key figures and its world."""
    from .catalog import load

    spec = scenario if isinstance(scenario, Scenario) else load(scenario)
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
        "legitimacy": round(float(row["legitimacy"]), 3),
    }
    world = {k: (bool(v[0]) if np.asarray(v).dtype == bool else float(v[0])) for k, v in model.worlds.items()}
    drawn_on = [h for h in spec.hypotheses_uncertain if world.get(f"hypotheses.{h}.on")]
    return {
        "banner": BANNER,
        "hypotheses_on": [h for h in HYPOTHESIS_IDS if h in spec.hypotheses_on or h in drawn_on],
        "hypotheses_uncertain": spec.hypotheses_uncertain,
        "scenario": spec.name,
        "title": spec.title,
        "question": spec.question,
        "scenario_hash": spec.hash,
        "interventions": list(spec.interventions),
        "seed": seed,
        "replicate": replicate,
        "world": world,
        "events": model.events_for(0),
        "outcome": str(row["outcome"]),
        "figures": figures,
    }


def _num(x: float) -> float | None:
    return None if pd.isna(x) else round(float(x), 1)

"""The page's state and the numbers behind every view, free of any UI code.

Everything here is plain Python over the ``sim`` API, so tests and the
benchmark can check the numbers the page shows without a browser.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

import sim
from sim import catalog
from sim.params import PARAMS
from sim.stats import paired_difference, wilson

DEFAULT_SCENARIO = "mutiny_2023"
RUN_CHOICES = (1000, 2000, 5000)

T = TypeVar("T")


class _Cache:
    """A small thread-safe LRU cache: the page reruns the same ensembles often."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()  # computed outside the lock: two sessions may race, both get equal values
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_ENSEMBLES = _Cache(48)
_STORIES = _Cache(64)
_WRITTEN = _Cache(16)


# --- scenarios as written ----------------------------------------------------


def scenario_choices(extra: str | None = None) -> list[str]:
    """The shipped scenario names, plus ``extra`` (a path given on the command line)."""
    names = [p.stem for p in catalog.scenario_files()]
    if extra and extra not in names:
        names.append(extra)
    return names


def load_written(name: str) -> sim.Scenario:
    """The scenario file as written (cached by path and modification time)."""
    path = catalog.resolve(name)
    stamp = path.stat().st_mtime_ns
    return _WRITTEN.get((str(path.resolve()), stamp), lambda: sim.load_scenario(path))


# --- the settings the sidebar edits -------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Everything the sidebar sets: a scenario plus the reader's changes to it."""

    scenario: str
    hypotheses: frozenset[str]
    params: tuple[tuple[str, float], ...] = ()
    interventions: tuple[str, ...] = ()
    seed: int = 0
    replicate: int = 0
    runs: int = 1000

    @classmethod
    def as_written(cls, scenario: str, seed: int = 0, runs: int = 1000) -> Settings:
        """The settings that reproduce the scenario file exactly."""
        spec = load_written(scenario)
        return cls(
            scenario=scenario,
            hypotheses=frozenset(spec.hypotheses_on),
            interventions=tuple(spec.interventions),
            seed=seed,
            runs=runs,
        )

    def with_hypothesis(self, hid: str, on: bool) -> Settings:
        hyps = self.hypotheses | {hid} if on else self.hypotheses - {hid}
        return replace(self, hypotheses=frozenset(hyps))

    def with_intervention(self, name: str, on: bool) -> Settings:
        rest = tuple(i for i in self.interventions if i != name)
        return replace(self, interventions=(*rest, name) if on else rest)

    def with_param(self, key: str, value: float) -> Settings:
        """Set one parameter; a value equal to the file's drops the override."""
        written = load_written(self.scenario).params[key]
        params = dict(self.params)
        if math.isclose(value, written, rel_tol=1e-9, abs_tol=1e-12):
            params.pop(key, None)
        else:
            params[key] = float(value)
        return replace(self, params=tuple(sorted(params.items())))

    def with_scenario(self, scenario: str) -> Settings:
        """Another scenario, as written; seed and runs are kept."""
        return Settings.as_written(scenario, seed=self.seed, runs=self.runs)


def build_spec(settings: Settings) -> sim.Scenario:
    """The scenario the page shows: the file as written with the settings applied."""
    base = load_written(settings.scenario)
    on = settings.hypotheses
    spec = base.with_overrides(
        sets=[f"{k}={v!r}" for k, v in settings.params],
        with_=[h for h in sim.HYPOTHESIS_IDS if h in on and h not in base.hypotheses_on],
        without=[h for h in base.hypotheses_on if h not in on],
    )
    # The checkboxes replace the list (with_overrides only adds), in the order ticked.
    spec.interventions = list(settings.interventions)
    return spec


def changes(written: sim.Scenario, spec: sim.Scenario) -> list[str]:
    """What differs between the file as written and the page's scenario, in words."""
    out = []
    for hid in sim.HYPOTHESIS_IDS:
        a, b = hid in written.hypotheses_on, hid in spec.hypotheses_on
        if a != b:
            out.append(f"hypothesis {hid} switched {'on' if b else 'off'}")
    for key, value in spec.params.items():
        old = written.params[key]
        if not math.isclose(value, old, rel_tol=1e-9, abs_tol=1e-12):
            out.append(f"{key}: {old:g} → {value:g} {PARAMS[key].unit}")
    for name in spec.interventions:
        if name not in written.interventions:
            out.append(f"intervention {name} applied")
    for name in written.interventions:
        if name not in spec.interventions:
            out.append(f"intervention {name} removed")
    return out


# --- sliders -------------------------------------------------------------------


@dataclass(frozen=True)
class SliderSpec:
    """How one parameter is shown as a slider."""

    key: str
    low: float
    high: float
    step: float
    unit: str
    meaning: str
    source: str
    narrowed: bool = field(default=False)

    def snap(self, value: float) -> float:
        """Round a slider's value to its step (sliders return 0.035000000000000003)."""
        digits = max(0, -int(math.floor(math.log10(self.step))))
        return round(float(value), digits)


def key_params(spec: sim.Scenario) -> list[str]:
    """The parameters worth a slider for this scenario, chosen by the shocks it has."""
    kinds = {s["type"] for s in spec.shocks}
    keys: list[str] = []
    if "mutiny" in kinds:
        keys += [
            "wagner.speed_kmh",
            "kremlin.mediation_base_per_h",
            "wagner.accept_per_h",
            "defence.moscow_resistance",
        ]
    if "invasion" in kinds or "nuclear_signalling" in kinds:
        keys += ["front.actual_resistance", "front.gap_cost"]
    if "long_range_authorisation" in kinds:
        keys.append("west.strikes_per_day")
    if (spec.end - spec.start).days > 60:  # the storm window needs weeks to matter
        keys += ["storm.act_per_day", "storm.threshold"]
    keys.append("factions.army.loyalty")
    return keys


def slider_spec(key: str, current: float) -> SliderSpec:
    """A slider over the declared range, narrowed for small rates so the default is reachable."""
    p = PARAMS[key]
    low, high, narrowed = p.low, p.high, False
    ref = max(abs(p.default), abs(current))
    if ref > 0 and ref < 0.05 * (p.high - p.low):
        high = min(p.high, _nice_up(10 * ref))
        narrowed = high < p.high
    step = 10.0 ** math.floor(math.log10((high - low) / 100))
    return SliderSpec(key, low, high, step, p.unit, p.meaning, p.source, narrowed)


def _nice_up(x: float) -> float:
    mag = 10.0 ** math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * mag >= x:
            return m * mag
    return 10 * mag


# --- the ensemble ----------------------------------------------------------------


def ensemble(spec: sim.Scenario, seed: int, runs: int) -> pd.DataFrame:
    """``sim.simulate(spec, runs, seed)``, cached by (hash, seed, runs)."""
    return _ENSEMBLES.get((spec.hash, seed, runs), lambda: sim.simulate(spec, runs=runs, seed=seed))


def outcome_table(df: pd.DataFrame) -> pd.DataFrame:
    """Count, share and 95 % Wilson interval of every outcome (all of sim.OUTCOMES)."""
    n = len(df)
    counts = df["outcome"].value_counts().reindex(list(sim.OUTCOMES), fill_value=0).to_numpy()
    lo, hi = wilson(counts, n)
    return pd.DataFrame(
        {
            "outcome": list(sim.OUTCOMES),
            "count": counts.astype(int),
            "n": n,
            "share": counts / n,
            "lo": lo,
            "hi": hi,
        }
    )


# --- the counterfactual ------------------------------------------------------------


@dataclass
class Counterfactual:
    """The file as written beside the page's scenario, on common random numbers."""

    table: pd.DataFrame
    changes: list[str]
    replicate: int | None
    written_story: dict[str, Any] | None
    changed_story: dict[str, Any] | None
    n_outcome_changed: int


def paired_table(written: pd.DataFrame, changed: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: both shares and the paired difference (changed − written) with its 95 % interval."""
    _check_paired(written, changed)
    rows = []
    for o in sim.OUTCOMES:
        a = (written["outcome"] == o).to_numpy(dtype=float)
        b = (changed["outcome"] == o).to_numpy(dtype=float)
        mean, lo, hi = paired_difference(a, b)
        if not (a != b).any():  # no replicate moved: the interval is exactly zero
            lo = hi = 0.0
        rows.append(
            {"outcome": o, "p_written": a.mean(), "p_changed": b.mean(), "diff": mean, "lo": lo, "hi": hi}
        )
    return pd.DataFrame(rows)


def most_changed(written: pd.DataFrame, changed: pd.DataFrame) -> int | None:
    """The replicate whose story changed most, or None if none changed.

    A changed outcome ranks first; among those (or, if no outcome changed,
    among all) the largest change in closest approach plus end time wins.
    """
    _check_paired(written, changed)
    moved = (written["outcome"].astype(str) != changed["outcome"].astype(str)).to_numpy()
    close_a = np.nan_to_num(written["closest_km_to_moscow"].to_numpy(dtype=float), nan=0.0)
    close_b = np.nan_to_num(changed["closest_km_to_moscow"].to_numpy(dtype=float), nan=0.0)
    end_a = written["end_hours"].to_numpy(dtype=float)
    end_b = changed["end_hours"].to_numpy(dtype=float)
    size = np.abs(close_b - close_a) + np.abs(end_b - end_a)
    score = moved * (1.0 + size.max()) + size
    best = int(np.argmax(score))
    if score[best] <= 0:
        return None
    return int(written["replicate"].iloc[best])


def story(spec: sim.Scenario, seed: int, replicate: int) -> dict[str, Any]:
    """``sim.story``, cached by (hash, seed, replicate)."""
    return _STORIES.get((spec.hash, seed, replicate), lambda: sim.story(spec, seed=seed, replicate=replicate))


def counterfactual(written: sim.Scenario, spec: sim.Scenario, seed: int, runs: int) -> Counterfactual:
    """Compare the file as written with the page's scenario on the same seed."""
    a, b = ensemble(written, seed, runs), ensemble(spec, seed, runs)
    rep = most_changed(a, b)
    moved = int((a["outcome"].astype(str) != b["outcome"].astype(str)).sum())
    told_a = story(written, seed, rep) if rep is not None else None
    told_b = story(spec, seed, rep) if rep is not None else None
    return Counterfactual(paired_table(a, b), changes(written, spec), rep, told_a, told_b, moved)


def _check_paired(a: pd.DataFrame, b: pd.DataFrame) -> None:
    if len(a) != len(b) or not np.array_equal(a["replicate"].to_numpy(), b["replicate"].to_numpy()):
        raise ValueError("paired comparison needs the same replicates in both frames")


def section_headings() -> list[tuple[str, list[str]]]:
    """The article's section headings the hypotheses cite, with the ids citing each."""
    out: dict[str, list[str]] = {}
    for hid in sim.HYPOTHESIS_IDS:
        out.setdefault(sim.HYPOTHESES[hid].metadata["section"], []).append(hid)
    return list(out.items())


def hypotheses_markdown() -> str:
    """docs/hypotheses.md if the checkout has it, else the same facts from the registry."""
    path = Path(__file__).resolve().parent.parent / "docs" / "hypotheses.md"
    if path.exists():
        return path.read_text(encoding="utf-8")
    lines = ["# Hypotheses", "", f"**{sim.BANNER}.** Each paraphrases a claim of an opinion article."]
    for hid in sim.HYPOTHESIS_IDS:
        m = sim.HYPOTHESES[hid].metadata
        lines += [
            "",
            f"## `{hid}` — {m['title']}",
            "",
            f'- **Article section:** "{m["section"]}"',
            f"- **Claim (paraphrased):** {m['claim']}",
            f"- **Null version (off):** {m['null']}",
        ]
    return "\n".join(lines)


class StepModel(sim.StormModel):
    """One replicate for Mesa's step/play/reset controls.

    Mesa's reset rebuilds the model as ``type(model)(**model_params)``; a
    ``scenario`` argument would collide with Mesa's own scenario object, so
    this subclass takes ``spec`` instead.
    """

    def __init__(self, spec: sim.Scenario, replicate: int = 0, seed: int = 0) -> None:
        super().__init__(spec, replicates=1, rng=seed, first_replicate=replicate, record_series=True)


def step_model(spec: sim.Scenario, replicate: int, seed: int) -> StepModel:
    """A StepModel whose class rebuilds the same replicate when called with no arguments.

    Mesa's reset calls ``type(model)(**params)``; binding the arguments into the
    class keeps reset correct even when Mesa's copy of the params is empty (as it
    is after SolaraViz remounts under a new key in mesa 3.5.1).
    """

    class StormReplicate(StepModel):
        def __init__(self) -> None:
            super().__init__(spec, replicate, seed)

    return StormReplicate()


def replicate_status(model: sim.StormModel) -> dict[str, Any]:
    """Where one stepped replicate stands: step, clock, distance, outcome, events so far."""
    from datetime import timedelta

    i, n = model.step_index, model.clock.n_steps
    hours = float(model.clock.hours[i]) if i < n else float(model.clock.total_hours)
    outcome = sim.OUTCOMES[int(model.outcome[0])] if model.outcome[0] >= 0 else "running"
    distance = model.series["distance_km"][-1][0] if model.series["distance_km"] else model.wagner.distance[0]
    return {
        "step": i,
        "steps": n,
        "time": (model.spec.start + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M"),
        "distance_km": float(distance),
        "outcome": outcome,
        "events": model.events_for(0),
    }


def series_polylines(model: sim.StormModel, width: float, height: float) -> dict[str, Any]:
    """SVG ``points`` for each of sim.SERIES so far, on the whole scenario's time axis.

    Distance is scaled to the column's starting distance, the other series to 0..1.
    """
    n = len(model.series["distance_km"])
    total = float(model.clock.total_hours)
    ends = model.clock.hours[:n] + model.clock.dt[:n]
    xs = ends / total * width
    km_max = float(model.params["wagner.start_km"])
    points = {}
    for name in sim.SERIES:
        ys = np.array([a[0] for a in model.series[name]], dtype=float)
        top = km_max if name == "distance_km" else 1.0
        ys = height * (1 - np.clip(ys / top, 0, 1))
        points[name] = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    fmt = "%d %b %H:%M" if total <= 24 * 10 else "%d %b %Y"
    return {
        "n": n,
        "points": points,
        "km_max": km_max,
        "start": model.spec.start.strftime(fmt),
        "end": model.spec.end.strftime(fmt),
    }


_DOC_STYLE = (
    "<style>.hyp-doc table{border-collapse:collapse;font-size:0.85em;margin:6px 0}"
    ".hyp-doc td,.hyp-doc th{border:1px solid #ccc;padding:2px 6px}.hyp-doc h2{margin-top:18px}</style>"
)


def hypotheses_html() -> str:
    """:func:`hypotheses_markdown` as HTML (our own docs, so safe to inline)."""
    import markdown  # a dependency of solara

    body = markdown.markdown(hypotheses_markdown(), extensions=["tables"])
    return f'{_DOC_STYLE}<div class="hyp-doc">{body}</div>'

"""One replicate, stepped: step, play, run to the end, jump to a date or to the next event.

The model lives in a :class:`Player`; every change to it goes through the
player's lock and ends in an immutable :class:`Snapshot`, which is all the view
reads. So a render never touches a model that the play thread is stepping, and
the play loop changes the page's state once per tick (never once per step,
which is what made reacton give up with "Too many renders triggered").
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import mesa
import numpy as np

import sim
from sim import outputs

from .inputs import PageInputError

#: The play loop's tick: at most one redraw per TICK_S seconds, however fast the speed.
TICK_S = 0.25
#: Speeds offered: label -> seconds a whole run takes (None: one step per tick).
SPEEDS: dict[str, float | None] = {"slow": None, "normal": 60.0, "fast": 15.0}
#: Points kept per drawn series (a long arc is thinned, the shape is not).
MAX_POINTS = 400


def series_style(name: str) -> tuple[str, str]:
    """Label and colour of one series (declared once, in sim.outputs)."""
    spec = outputs.SERIES_BY_NAME[name]
    unit = f" ({spec.unit})" if spec.unit == "km" else ""
    return spec.label + unit, spec.colour


class StepModel(sim.StormModel):
    """One replicate of the ensemble, recording its series."""

    def __init__(self, spec: sim.Scenario, replicate: int = 0, seed: int = 0) -> None:
        super().__init__(spec, replicates=1, rng=seed, first_replicate=replicate, record_series=True)
        # The page reads the model itself; mesa.batch_run's per-column reporters would build
        # results() once per column when the run ends (a visible stall at "Run to the end").
        self.datacollector = mesa.DataCollector()


@dataclass(frozen=True)
class Snapshot:
    """What the replicate view shows; built under the player's lock."""

    serial: int
    owner: int  # ident of the Player that made it: a snapshot of another replicate is stale
    step: int
    steps: int
    time: str
    finished: bool
    outcome: str
    outcome_time: str
    events: tuple[dict[str, Any], ...]
    mutiny: bool
    distance_km: float | None
    lines: dict[str, Any]


class Player:
    """One replicate under the page's controls; thread-safe."""

    _ids = itertools.count(1)

    def __init__(self, spec: sim.Scenario, replicate: int, seed: int) -> None:
        self.spec, self.replicate, self.seed = spec, replicate, seed
        self.ident = next(Player._ids)
        self.lock = threading.RLock()
        self.serial = 0
        self.mutiny = any(s["type"] == "mutiny" for s in spec.shocks)
        self.model = StepModel(spec, replicate, seed)

    # --- changes (each returns the new snapshot) ---------------------------------

    def reset(self) -> Snapshot:
        with self.lock:
            self.model = StepModel(self.spec, self.replicate, self.seed)
            return self.snapshot()

    def finished(self) -> bool:
        m = self.model
        return (not m.running) or m.step_index >= m.clock.n_steps

    def advance(self, steps: int = 1) -> Snapshot:
        with self.lock:
            for _ in range(max(1, int(steps))):
                if self.finished():
                    break
                self.model.step()
            return self.snapshot()

    def run_to_end(self) -> Snapshot:
        with self.lock:
            while not self.finished():
                self.model.step()
            return self.snapshot()

    def jump_to(self, when: datetime) -> Snapshot:
        """Step until the clock reaches ``when`` (a time inside the scenario's span)."""
        if not self.spec.start <= when <= self.spec.end:
            raise PageInputError(
                f"date must be between {self.spec.start:%Y-%m-%d %H:%M} and {self.spec.end:%Y-%m-%d %H:%M}"
            )
        hours = (when - self.spec.start).total_seconds() / 3600
        with self.lock:
            m = self.model
            while not self.finished() and float(m.clock.hours[m.step_index]) < hours:
                m.step()
            return self.snapshot()

    def next_event(self) -> Snapshot:
        """Step until the story gains an event (or the run ends)."""
        with self.lock:
            before = len(self.model.events_for(0))
            logged = len(self.model.events)
            while not self.finished():
                self.model.step()
                if len(self.model.events) != logged:  # cheap test first: something was logged
                    logged = len(self.model.events)
                    if len(self.model.events_for(0)) > before:
                        break
            return self.snapshot()

    def speed_steps(self, speed: str) -> int:
        """Steps per tick for a speed from :data:`SPEEDS`."""
        if speed not in SPEEDS:
            raise PageInputError(f"speed must be one of: {', '.join(SPEEDS)}")
        seconds = SPEEDS[speed]
        if seconds is None:
            return 1
        return max(1, math.ceil(self.model.clock.n_steps / (seconds / TICK_S)))

    # --- the view's copy ---------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self.lock:
            self.serial += 1
            m = self.model
            i, n = m.step_index, m.clock.n_steps
            hours = float(m.clock.hours[i]) if i < n else float(m.clock.total_hours)
            done = self.finished()
            code = int(m.outcome[0])
            outcome = sim.OUTCOMES[code] if code >= 0 else ("finished" if done else "running")
            when = ""
            if code >= 0:
                if outcome in sim.IN_POWER:
                    when = f"still in place at the end of the span ({m.spec.end:%Y-%m-%d %H:%M})"
                else:
                    ended = m.spec.start + timedelta(hours=float(m.end_hours[0]))
                    when = f"{ended:%Y-%m-%d %H:%M}"
            distance = None
            if self.mutiny:
                distance = float(m.series["distance_km"][-1][0]) if m.series["distance_km"] else None
            return Snapshot(
                serial=self.serial,
                owner=self.ident,
                step=i,
                steps=n,
                time=(m.spec.start + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M"),
                finished=done,
                outcome=outcome,
                outcome_time=when,
                events=tuple(m.events_for(0)),
                mutiny=self.mutiny,
                distance_km=distance,
                lines=series_polylines(m, 420.0, 110.0, with_distance=self.mutiny),
            )


def parse_when(text: str) -> datetime:
    """'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM' from the date field; anything else is refused."""
    text = (text or "").strip()[:40]
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise PageInputError("date must look like 2023-06-24 or 2023-06-24 18:00")


def series_polylines(
    model: sim.StormModel, width: float, height: float, with_distance: bool = True
) -> dict[str, Any]:
    """SVG ``points`` for each series so far, on the whole scenario's time axis.

    Distance is scaled to the column's starting distance, the other series to 0..1;
    without a mutiny there is no distance panel. Long arcs are thinned to MAX_POINTS.
    """
    n = len(model.series["distance_km"])
    total = float(model.clock.total_hours)
    keep = np.unique(np.linspace(0, n - 1, min(n, MAX_POINTS)).astype(int)) if n else np.arange(0)
    ends = (model.clock.hours[:n] + model.clock.dt[:n])[keep]
    xs = ends / total * width
    km_max = float(model.params["wagner.start_km"])
    points = {}
    for name in sim.SERIES:
        if name == "distance_km" and not with_distance:
            continue
        ys = np.array([model.series[name][k][0] for k in keep], dtype=float)
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


def series_frame(player: Player) -> Any:
    """The replicate's series so far as a table (for the CSV download)."""
    import pandas as pd

    with player.lock:
        m = player.model
        n = len(m.series["distance_km"])
        ends = m.clock.hours[:n] + m.clock.dt[:n]
        data: dict[str, Any] = {
            "time": [(m.spec.start + timedelta(hours=float(h))).strftime("%Y-%m-%d %H:%M") for h in ends]
        }
        for name in sim.SERIES:
            if name == "distance_km" and not player.mutiny:
                continue
            data[name] = [float(a[0]) for a in m.series[name]]
    return pd.DataFrame(data)

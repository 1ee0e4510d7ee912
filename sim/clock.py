"""Time in real units (DESIGN.md, decision 3).

The step grid is a function of the scenario alone (coarse steps, with fine
windows that open at each mutiny shock), never of the state, so every
replicate in every batch sees the same clock.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np

from .scenario import Scenario


class Clock:
    """Step start times and lengths, in hours since the scenario's start."""

    def __init__(self, spec: Scenario) -> None:
        self.start = spec.start
        self.total_hours = (spec.end - spec.start) / timedelta(hours=1)
        windows = []
        for s in spec.shocks:
            if s["type"] == "mutiny":
                at = (s["at"] - spec.start) / timedelta(hours=1)
                windows.append((at, at + s["fine_hours"]))
        windows.sort()
        hours, dts = [], []
        t = 0.0
        while t < self.total_hours - 1e-9:
            inside = any(a <= t < b for a, b in windows)
            if inside:
                dt = spec.fine_step_hours
            else:  # coarse steps stay on the grid start + k * step_hours
                k = np.floor(t / spec.step_hours + 1e-9) + 1
                dt = k * spec.step_hours - t
            # Never step over the start or end of a fine window.
            for a, b in windows:
                for edge in (a, b):
                    if t < edge < t + dt:
                        dt = edge - t
            dt = min(dt, self.total_hours - t)
            hours.append(t)
            dts.append(dt)
            t += dt
        self.hours = np.array(hours)
        self.dt = np.array(dts)
        self.n_steps = len(hours)

    def step_of(self, when_hours: float) -> int:
        """The index of the step whose span contains ``when_hours``."""
        return int(np.searchsorted(self.hours, when_hours, side="right") - 1)

    def schedule(self, shocks: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
        """Map each shock inside the scenario's span to the step it fires in."""
        out: dict[int, list[dict[str, Any]]] = {}
        for s in shocks:
            h = (s["at"] - self.start) / timedelta(hours=1)
            if 0 <= h < self.total_hours:
                out.setdefault(self.step_of(h), []).append(s)
        return out

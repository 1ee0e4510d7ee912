"""Time in real units (docs/design.md, decision 3).

The step grid is a function of the scenario alone (coarse steps, with fine
windows that open at each mutiny shock), never of the state, so every
replicate in every batch sees the same clock.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ScenarioError

if TYPE_CHECKING:
    from .scenario import Scenario

#: The most steps a scenario may take. Every step costs each replicate its
#: sub-steps and a batch chunk a row of series histograms (about 16 KB), so a
#: span of years 1 to 9999 or a century of quarter hours is refused before any
#: work; this allows, for example, 11 years of hourly steps.
MAX_STEPS = 100_000


def _windows(spec: Scenario) -> list[tuple[float, float]]:
    """The fine windows (hours since start) that the mutiny shocks open."""
    out = []
    for s in spec.shocks:
        if s["type"] == "mutiny":
            at = (s["at"] - spec.start) / timedelta(hours=1)
            out.append((at, at + s["fine_hours"]))
    return sorted(out)


def estimate_steps(spec: Scenario) -> int:
    """An upper bound of the clock's step count, computed without building the clock.

    Each stretch between fine windows takes at most ceil(length / step) + 1 coarse
    steps (a step may be cut at each edge); each window ceil(length / fine step) + 1.
    """
    total = (spec.end - spec.start) / timedelta(hours=1)
    merged: list[list[float]] = []
    for a, b in _windows(spec):
        a, b = max(a, 0.0), min(b, total)
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    steps, t = 0, 0.0
    for a, b in merged:
        steps += math.ceil((a - t) / spec.step_hours) + 1 + math.ceil((b - a) / spec.fine_step_hours) + 1
        t = b
    return steps + math.ceil((total - t) / spec.step_hours) + 1


def check_steps(spec: Scenario) -> int:
    """The step estimate, or a ScenarioError naming ``time`` if it exceeds MAX_STEPS."""
    steps = estimate_steps(spec)
    if steps > MAX_STEPS:
        raise ScenarioError(
            f"time: about {steps:,} steps ({spec.start:%Y-%m-%d} to {spec.end:%Y-%m-%d} at "
            f"{spec.step_hours:g} h steps, {spec.fine_step_hours:g} h in fine windows) exceed the limit "
            f"of {MAX_STEPS:,}; shorten the span or lengthen time.step_hours"
        )
    return steps


class Clock:
    """Step start times and lengths, in hours since the scenario's start."""

    def __init__(self, spec: Scenario) -> None:
        check_steps(spec)  # a Scenario built by hand has not been through the loader's checks
        self.start = spec.start
        self.total_hours = (spec.end - spec.start) / timedelta(hours=1)
        if self.total_hours <= 0:
            raise ScenarioError(f"time.end: {spec.end} is not after time.start {spec.start}")
        windows = _windows(spec)
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

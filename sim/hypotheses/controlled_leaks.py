"""Leaks are controlled: every release has a faction that ordered it and gains."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import Param
from .base import Hypothesis, Value, adjusts, register

if TYPE_CHECKING:
    from ..agents import Faction
    from ..model import StormModel


@register
class ControlledLeaks(Hypothesis):
    metadata = {
        "id": "controlled_leaks",
        "title": "Leaks are always controlled",
        "claim": (
            "In Russia no intercepted call of a high-profile figure reaches the public by "
            "accident: each release is commissioned by a faction that profits from it, as a "
            "move in the infighting the regime rests on (the Nemtsov case is the model)."
        ),
        "section": "Leaks are always controlled",
        "status": "speculative",
        "mechanism": (
            "Services with intercept capability keep compromising material and release it "
            "when the leader or a rival is vulnerable (elite support below the faction's "
            "trigger); the releasing faction gains capability."
        ),
        "null": (
            "Material still accumulates, but leaks happen at a fixed random rate "
            "(factions.random_leak_per_day), at no chosen moment, and nobody gains from them."
        ),
        "probe": "perfect_storm.toml",
    }
    #: On its probe, switching it on moves this (column, category or None, direction).
    expect = ("top_leak_gainer", "none", "lower")
    params = {
        "trigger_support": Param(
            0.7, 0, 1, "share", "elite support below which a holder releases material", "guess", (0.55, 0.8)
        ),
        "release_per_day": Param(
            0.03,
            0,
            1,
            "per day",
            "daily hazard that a holder releases an item while the leader is vulnerable, at full ambition",
            "guess",
            (0.01, 0.06),
        ),
        "gain": Param(
            0.03, 0, 0.5, "share", "capability the ordering faction gains per release", "guess", (0.01, 0.06)
        ),
    }

    @adjusts("leak.rate")
    def timed_release(self, model: StormModel, rate: Value, faction: Faction) -> Value:
        """A holder waits for a vulnerable leader, and an ambitious one moves sooner."""
        vulnerable = model.kremlin.elite_support < self.trigger_support
        # Ambition is set once, so the full-ambition rate is a constant of the run.
        full = model.constant(
            f"controlled_leaks.release.{faction.name}", lambda: self.release_per_day * faction.ambition
        )
        return np.where(vulnerable, full, 0.0)

    def on_leak(self, model: StormModel, faction: Faction, released: np.ndarray) -> None:
        """The release was ordered: the ordering faction gains capability."""
        # Only the releasing replicates change (a few per step): their entries alone are worked.
        idx = np.flatnonzero(released)
        gain = self.gain[idx] if isinstance(self.gain, np.ndarray) and self.gain.ndim else self.gain
        capability = faction.capability.copy()
        capability[idx] = np.minimum(capability[idx] + gain, 1.0)
        faction.capability = capability
        faction.gained[idx] += gain
        model.log(released, faction.name, "orders the leak", f"ordered by {faction.name}, who gains")

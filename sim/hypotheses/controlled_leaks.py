"""Leaks are controlled: every release has a faction that ordered it and gains."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import Param
from .base import Hypothesis, register

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
            "Material still accumulates, but leaks happen at a fixed random rate, at no "
            "chosen moment, and nobody gains from them."
        ),
        "probe": "perfect_storm.toml",
    }
    params = {
        "trigger_support": Param(
            0.7, 0, 1, "share", "elite support below which a holder releases material", "guess"
        ),
        "gain": Param(0.03, 0, 0.5, "share", "capability the ordering faction gains per release", "guess"),
        "random_leak_per_day": Param(
            0.003,
            0,
            1,
            "per day",
            "null version: daily chance a holding leaks by accident",
            "guess",
        ),
    }

    def release(self, model: StormModel, faction: Faction) -> np.ndarray:
        """Which replicates release one item of ``faction``'s holdings this step."""
        holding = faction.holdings > 0
        if not holding.any():
            return holding
        if self.on:
            vulnerable = model.kremlin.elite_support < self.trigger_support
            # An ambitious faction moves sooner: its hazard scales with ambition.
            act = model.hazard(0.03 * faction.ambition, f"leak.{faction.name}", per="day")
            return holding & vulnerable & act
        return holding & model.hazard(self.random_leak_per_day, f"leak.{faction.name}", per="day")

    def beneficiary(self) -> bool:
        """Whether a release has a faction that ordered it and gains."""
        return self.on

"""Only the leader could have made the Lukashenko call happen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import Param
from .base import Hypothesis, register

if TYPE_CHECKING:
    from ..model import StormModel


@register
class LeaderGatedMediation(Hypothesis):
    metadata = {
        "id": "leader_gated_mediation",
        "title": "Only the leader could authorise the call",
        "claim": (
            "The call between Lukashenko and Prigozhin that most likely kept the column out "
            "of Moscow could only have happened with Putin's say-so, and recording it needed "
            "the services' equipment and access."
        ),
        "section": "Prigozhin's rebellion and martial law",
        "status": "speculative",
        "mechanism": (
            "The mediator calls only after the Kremlin authorises it; the call is always "
            "intercepted by a service with the capability, and the recording becomes "
            "material that can be leaked later."
        ),
        "null": (
            "The mediator calls on his own initiative, whether or not the Kremlin asked, at "
            "a fixed hourly hazard; the call is recorded only by chance."
        ),
        "probe": "mutiny_2023.toml",
    }
    params = {
        "initiative_per_h": Param(
            0.08, 0, 5, "per hour", "null version: the mediator's own hazard of calling", "guess"
        ),
        "null_intercept_prob": Param(
            0.3, 0, 1, "probability", "null version: chance the call is recorded", "guess"
        ),
    }

    def calls(self, model: StormModel, waiting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Replicates where the mediator makes the call this step, and when (hours into it)."""
        if self.on:
            return waiting & model.kremlin.mediation_sought, model.kremlin.mediation_offset
        happens, offset = model.hazard_at(self.initiative_per_h, "mediator.initiative")
        return waiting & happens, offset

    def recorded(self, model: StormModel, called: np.ndarray) -> np.ndarray:
        """Replicates where the call is intercepted and kept."""
        if self.on:
            return called.copy()
        return called & model.chance(self.null_intercept_prob, "mediator.recorded")

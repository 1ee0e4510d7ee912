"""Only the leader could have made the Lukashenko call happen."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import Param
from .base import Hypothesis, Value, adjusts, register

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
            "The mediator calls only after the Kremlin asks for mediation; the call is "
            "intercepted by a service with the capability, and the recording becomes "
            "material that can be leaked later."
        ),
        "null": (
            "The mediator calls when the leader asks or, before that, on his own initiative "
            "(mediator.initiative_per_h); the call is recorded only by chance "
            "(mediator.record_prob). The claim removes the initiative, so it can only delay "
            "the call: its effect has one sign in every scenario."
        ),
        "probe": "mutiny_2023.toml",
    }
    #: On its probe, switching it on moves this (column, category or None, direction).
    expect = ("closest_km_to_moscow", None, "lower")
    params = {
        "authorised_record_prob": Param(
            1.0,
            0,
            1,
            "probability",
            "chance the services record a call they knew was coming (their equipment and access)",
            "guess",
            (0.7, 1.0),
        ),
    }

    @adjusts("mediator.initiative_rate")
    def no_initiative(self, model: StormModel, rate: Value) -> Value:
        """The mediator cannot call unasked: only the leader's request opens talks."""
        return rate * 0.0

    @adjusts("mediator.record_prob")
    def recorded_by_design(self, model: StormModel, p: Value) -> Value:
        return np.maximum(p, self.authorised_record_prob)

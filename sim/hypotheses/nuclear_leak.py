"""Insiders leaked the leader's nuclear readiness to US intelligence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..params import Param
from .base import Hypothesis, register

if TYPE_CHECKING:
    from ..model import StormModel


@register
class NuclearLeak(Hypothesis):
    metadata = {
        "id": "nuclear_leak",
        "title": "The nuclear readiness was leaked on purpose",
        "claim": (
            "Whether or not tactical nuclear use was really planned, Russian insiders passed "
            "word of the leader's readiness to US intelligence, expecting Washington to "
            "answer so harshly that the regime would be crushed."
        ),
        "section": "Sowing fear of a nuclear attack",
        "status": "speculative",
        "mechanism": (
            "At the nuclear-signalling shock the leak reaches the West with probability "
            "``leak_prob``; the West answers harshly, which drains regime control and elite "
            "support and leaves a lasting loss of legitimacy, unless the elite rallies round "
            "the flag (``rally_prob``)."
        ),
        "null": (
            "The signalling is read only through ordinary channels; the West answers mildly "
            "(west.nuclear_response) and nobody inside gains."
        ),
        "probe": "nuclear_leak_2022.toml",
    }
    #: On its probe, switching it on moves this (column, category or None, direction).
    expect = ("regime_control", None, "lower")
    params = {
        "leak_prob": Param(0.8, 0, 1, "probability", "chance the leak reaches the US", "guess", (0.5, 1.0)),
        "harsh_response": Param(
            0.35, 0, 1, "share", "rise in Western pressure after a leak", "guess", (0.15, 0.55)
        ),
        "drain": Param(
            0.08, 0, 0.5, "share", "elite support and control lost to harsh measures", "guess", (0.03, 0.15)
        ),
        "legitimacy_loss": Param(
            0.08,
            0,
            0.5,
            "share",
            "lasting legitimacy lost when insiders are seen to have gone to the enemy",
            "guess",
            (0.03, 0.15),
        ),
        "rally_prob": Param(
            0.35, 0, 1, "probability", "chance harsh measures rally the elite instead", "guess", (0.15, 0.55)
        ),
    }

    def on_shock(self, model: StormModel, shock: dict[str, Any], mask: np.ndarray) -> None:
        """The leak reaches Washington; harsh measures follow, unless the elite rallies."""
        if shock["type"] != "nuclear_signalling" or "no_nuclear_leak" in model.flags:
            return
        leaked = mask & model.chance(self.leak_prob, "nuclear.leak")
        rally = leaked & model.chance(self.rally_prob, "nuclear.rally")
        harsh = leaked & ~rally
        extra = np.where(
            leaked, np.maximum(self.harsh_response - model.params["west.nuclear_response"], 0), 0.0
        )
        for w in model.west:
            w.sanctions += extra
        drain = np.where(harsh, self.drain, 0.0)
        model.kremlin.shift(support=np.where(rally, 0.5 * self.drain, -drain), control=-drain)
        model.kremlin.wound(np.where(harsh, self.legitimacy_loss, 0.0))
        model.add_storm(np.where(harsh, model.params["storm.per_harsh_response"], 0.0))
        model.log(
            leaked,
            "insiders",
            "leak to US intelligence",
            "insiders pass the nuclear readiness to the US; harsh measures follow",
        )
        model.log(rally, "elite", "rallies", "harsh measures rally the elite round the leader")

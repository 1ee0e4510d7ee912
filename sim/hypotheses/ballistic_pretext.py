"""New ballistic missiles give the West a pretext for a second attempt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..params import Param
from .base import Hypothesis, register

if TYPE_CHECKING:
    from ..model import StormModel


@register
class BallisticPretext(Hypothesis):
    metadata = {
        "id": "ballistic_pretext",
        "title": "The ballistic strike as a pretext",
        "claim": (
            "By firing new ballistic missiles at Ukraine the leader crosses new lines, "
            "which could let the West make a second attempt against the regime together "
            "with strong opposition forces inside Russia."
        ),
        "section": "Sowing fear of a nuclear attack",
        "status": "speculative",
        "mechanism": (
            "The ballistic strike raises Western-opposition cooperation, which adds to the "
            "opposition's capability and risk tolerance and to the storm window."
        ),
        "null": "The strike only raises Western pressure a little; no cooperation forms.",
        "probe": "perfect_storm.toml",
    }
    #: On its probe, switching it on moves this (column, category or None, direction).
    expect = ("outcome", "palace_coup", "higher")
    params = {
        "cooperation": Param(
            0.5, 0, 1, "share", "Western-opposition cooperation the pretext creates", "guess", (0.2, 0.8)
        ),
        "storm": Param(0.4, 0, 2, "index", "storm index the pretext adds", "guess", (0.2, 0.8)),
    }

    def on_shock(self, model: StormModel, shock: dict[str, Any], mask: np.ndarray) -> None:
        if shock["type"] != "ballistic_strike":
            return
        model.factions["opposition"].cooperation += np.where(mask, self.cooperation, 0.0)
        model.add_storm(np.where(mask, self.storm, 0.0))
        model.log(mask, "West", "pretext", "the West and opposition forces at home begin to cooperate")

"""Insiders leaked the leader's nuclear readiness to US intelligence."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
            "support, unless the elite rallies round the flag (``rally_prob``)."
        ),
        "null": (
            "The signalling is read only through ordinary channels; the West answers "
            "mildly and nobody inside gains."
        ),
        "probe": "nuclear_leak_2022.toml",
    }
    params = {
        "leak_prob": Param(0.8, 0, 1, "probability", "chance the leak reaches the US", "guess"),
        "harsh_response": Param(0.35, 0, 1, "share", "rise in Western pressure after a leak", "guess"),
        "mild_response": Param(
            0.05, 0, 1, "share", "rise in Western pressure without a leak (null)", "guess"
        ),
        "drain": Param(0.08, 0, 0.5, "share", "elite support lost to harsh measures", "guess"),
        "rally_prob": Param(
            0.35, 0, 1, "probability", "chance harsh measures rally the elite instead", "guess"
        ),
    }

    def response(self, model: StormModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pressure rise, leaked mask, rally mask) at the signalling shock."""
        leaked = np.zeros(model.R, dtype=bool)
        if self.on and "no_nuclear_leak" not in model.flags:
            leaked = model.chance(self.leak_prob, "nuclear.leak")
        rally = leaked & model.chance(self.rally_prob, "nuclear.rally")
        rise = np.where(leaked, self.harsh_response, self.mild_response)
        return rise, leaked, rally

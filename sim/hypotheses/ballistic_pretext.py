"""New ballistic missiles give the West a pretext for a second attempt."""

from __future__ import annotations

from ..params import Param
from .base import Hypothesis, register


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
    params = {
        "cooperation": Param(
            0.5, 0, 1, "share", "Western-opposition cooperation the pretext creates", "guess"
        ),
        "storm": Param(0.4, 0, 2, "index", "storm index the pretext adds", "guess"),
    }

    def cooperation_boost(self) -> tuple[float, float]:
        """(cooperation gained, storm index added) at the ballistic strike."""
        if not self.on:
            return 0.0, 0.0
        return self.values["cooperation"], self.values["storm"]

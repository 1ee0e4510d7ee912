"""Someone powerful fed the leader rosy estimates of a quick war."""

from __future__ import annotations

from ..params import Param
from .base import Hypothesis, register


@register
class FalseIntelligence(Hypothesis):
    metadata = {
        "id": "false_intelligence",
        "title": "Rosy estimates planted to discredit the leader",
        "claim": (
            "The invasion rested on reports promising a swift, almost unopposed victory; "
            "the article asks whether someone powerful supplied those false inputs on "
            "purpose, to discredit the leader before the elite and the world."
        ),
        "section": (
            "What if someone powerful in Russia found out that Vladimir Putin was "
            "considering the occupation of Ukraine and deliberately tried to discredit him"
        ),
        "status": "speculative",
        "mechanism": (
            "The Kremlin's expected resistance is biased downward by ``bias``; the gap "
            "between promise and result during the opening offensive costs the leader "
            "elite support and feeds the storm window."
        ),
        "null": "The estimate is honest: the true resistance plus unbiased noise.",
        "probe": "invasion_2022.toml",
    }
    params = {
        "bias": Param(0.45, 0, 1, "share", "how far the planted estimate understates resistance", "guess"),
    }

    def estimate_bias(self) -> float:
        """Amount subtracted from the honest estimate of resistance."""
        return self.values["bias"] if self.on else 0.0

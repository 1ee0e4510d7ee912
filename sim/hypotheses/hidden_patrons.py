"""Hidden patrons: a clandestine group in the services used Prigozhin as a frontrunner."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import Param
from .base import Hypothesis, register

if TYPE_CHECKING:
    from ..model import StormModel


@register
class HiddenPatrons(Hypothesis):
    metadata = {
        "id": "hidden_patrons",
        "title": "Secret beneficiaries of the mutiny",
        "claim": (
            "An anti-regime group inside the intelligence services quietly steered "
            "Prigozhin, the country's second most popular man, towards Moscow, which is "
            "why the march met almost no resistance; had he entered the city, the group "
            "could have declared martial law and taken the country."
        ),
        "section": "Prigozhin's rebellion and martial law",
        "status": "speculative",
        "mechanism": (
            "Covert help lowers the resistance the column meets and slows the preparation "
            "of Moscow's defences; the patrons discourage Wagner from taking a deal; if the "
            "column reaches Moscow, the group may declare martial law and take power."
        ),
        "null": (
            "The opposition network exists but has no link to Wagner: no covert help, "
            "no discouragement, no declaration of martial law."
        ),
        "probe": "mutiny_hidden_patrons.toml",
    }
    params = {
        "covert_help": Param(0.35, 0, 1, "share", "fraction of resistance removed by covert help", "guess"),
        "defence_delay": Param(
            1.0, 0, 5, "factor", "extra time Moscow's defences need, as a multiple", "guess"
        ),
        "deal_discouragement": Param(
            0.35, 0, 1, "share", "how much the patrons cut Wagner's readiness for a deal", "guess"
        ),
        "declare_prob": Param(
            0.6, 0, 1, "probability", "chance the group declares martial law on arrival", "guess"
        ),
    }

    def covert_help(self) -> float:
        """Fraction of the column's resistance removed."""
        return self.values["covert_help"] if self.on else 0.0

    def prep_factor(self) -> float:
        """Multiplier on the hours Moscow's defences need."""
        return 1.0 + self.values["defence_delay"] if self.on else 1.0

    def deal_factor(self) -> float:
        """Multiplier on Wagner's hazard of accepting a deal."""
        return 1.0 - self.values["deal_discouragement"] if self.on else 1.0

    def declares_martial_law(self, model: StormModel, arrived: np.ndarray) -> np.ndarray:
        """Replicates where the group declares martial law as the column arrives."""
        if not self.on:
            return np.zeros_like(arrived)
        capable = model.factions["opposition"].capability / 0.25  # 1 at the default
        p = np.minimum(self.declare_prob * capable, 1.0)
        return arrived & model.chance(p, "patrons.declare", once=True)

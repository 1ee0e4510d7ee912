"""Hidden patrons: a clandestine group in the services used Prigozhin as a frontrunner."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import Param
from .base import Hypothesis, Value, adjusts, register

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
            "The opposition network exists but has no link to Wagner: no covert help, no "
            "discouragement; martial law on arrival comes only from the security chiefs' own "
            "chance of declaring it (defence.martial_law_on_arrival)."
        ),
        "probe": "mutiny_hidden_patrons.toml",
    }
    #: On its probe, switching it on moves this (column, category or None, direction).
    expect = ("closest_km_to_moscow", None, "lower")
    params = {
        "covert_help": Param(
            0.35, 0, 1, "share", "fraction of resistance removed by covert help", "guess", (0.15, 0.6)
        ),
        "defence_delay": Param(
            1.0, 0, 5, "factor", "extra time Moscow's defences need, as a multiple", "guess", (0.3, 2.0)
        ),
        "deal_discouragement": Param(
            0.7, 0, 1, "share", "how much the patrons cut Wagner's readiness for a deal", "guess", (0.4, 0.9)
        ),
        "declare_prob": Param(
            0.6,
            0,
            1,
            "probability",
            "chance the group declares martial law as the column arrives, at the opposition's starting capability",
            "guess",
            (0.3, 0.9),
        ),
    }

    @adjusts("march.resistance")
    def help_the_column(self, model: StormModel, resistance: Value) -> Value:
        return resistance * (1 - self.covert_help)

    @adjusts("defence.prep_hours")
    def slow_the_defences(self, model: StormModel, hours: Value) -> Value:
        return hours * (1 + self.defence_delay)

    @adjusts("wagner.deal_rate")
    def discourage_a_deal(self, model: StormModel, rate: Value) -> Value:
        return rate * (1 - self.deal_discouragement)

    @adjusts("moscow.martial_law")
    def declare_on_arrival(self, model: StormModel, p: Value) -> Value:
        """The patrons' own declaration adds to the security chiefs' chance of one."""
        opp = model.factions["opposition"]
        capable = opp.capability / np.maximum(opp.initial_capability, 1e-9)
        ours = np.minimum(self.declare_prob * capable, 1.0)
        return 1 - (1 - p) * (1 - ours)

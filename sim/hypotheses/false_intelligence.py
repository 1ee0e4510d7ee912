"""Someone powerful fed the leader rosy estimates of a quick war."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..params import Param
from .base import Hypothesis, Value, adjusts, register

if TYPE_CHECKING:
    from ..model import StormModel


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
            "The pre-war optimism is the same size as in the null version (it is documented), "
            "but it was planted: when the offensive stalls, the gap between promise and result "
            "is pinned on the leader, multiplying what it costs him in elite support and "
            "lasting legitimacy by 1 + blame."
        ),
        "null": (
            "The optimism is an ordinary error (front.prewar_optimism): the gap still costs the "
            "leader when the offensive stalls, at the ordinary rate."
        ),
        "probe": "invasion_2022.toml",
    }
    #: On its probe, switching it on moves this (column, category or None, direction).
    expect = ("leader_elite_support", None, "lower")
    params = {
        "blame": Param(
            1.0,
            0,
            5,
            "factor",
            "extra cost of the failure to the leader when it was engineered to be pinned on him "
            "(a multiple of the ordinary cost)",
            "guess",
            (0.3, 2.0),
        ),
    }

    @adjusts("front.gap_cost")
    def pin_it_on_the_leader(self, model: StormModel, cost: Value) -> Value:
        """The planters make sure the gap is read as the leader's own failure."""
        return cost * (1 + self.blame)

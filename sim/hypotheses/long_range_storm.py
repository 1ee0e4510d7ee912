"""Western long-range permission opens a new window for domestic forces."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..params import Param
from .base import Hypothesis, Value, adjusts, register

if TYPE_CHECKING:
    from ..model import StormModel


@register
class LongRangeStorm(Hypothesis):
    metadata = {
        "id": "long_range_storm",
        "title": "Long-range strikes open a new window",
        "claim": (
            "Permission to strike deep inside Russia with Western long-range weapons will "
            "put the country through something new, and capable forces at home may use it "
            "against the regime as a fresh perfect storm."
        ),
        "section": "Sowing fear of a nuclear attack",
        "status": "speculative",
        "mechanism": (
            "Each strike inside Russia adds to the storm window and costs the regime "
            "control, which the hidden opposition can exploit."
        ),
        "null": "Strikes have only a military effect: no domestic window, no loss of control.",
        "probe": "long_range_2024.toml",
    }
    #: On its probe, switching it on moves this (column, category or None, direction).
    expect = ("storm_peak", None, "higher")
    params = {
        "storm_per_strike": Param(
            0.06, 0, 2, "index", "storm index added by each strike", "guess", (0.03, 0.1)
        ),
        "control_per_strike": Param(
            0.001, 0, 0.2, "share", "regime control lost per strike", "guess", (0.0003, 0.003)
        ),
    }

    @adjusts("strike.storm")
    def open_a_window(self, model: StormModel, storm: Value) -> Value:
        return storm + self.storm_per_strike

    @adjusts("strike.control")
    def cost_control(self, model: StormModel, control: Value) -> Value:
        return control + self.control_per_strike

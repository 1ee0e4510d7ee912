"""Scheduled shocks: dated scenario entries that change the world at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from .params import Param


@dataclass(frozen=True)
class ShockType:
    """A kind of shock a scenario may schedule."""

    name: str
    description: str
    fields: dict[str, Param] = field(default_factory=dict)


SHOCK_TYPES: dict[str, ShockType] = {
    s.name: s
    for s in (
        ShockType(
            "invasion",
            "the full-scale invasion begins; the opening offensive tests the leader's "
            "estimate of resistance (24 Feb 2022)",
        ),
        ShockType(
            "nuclear_signalling",
            "the leadership signals readiness to use a tactical nuclear weapon (autumn 2022)",
        ),
        ShockType(
            "mutiny",
            "the Wagner mutiny: Rostov is taken and a column drives north on the M4 (23 Jun 2023)",
            {
                "fine_hours": Param(
                    96, 6, 720, "hours", "span simulated hour by hour from the start", "guess"
                ),
                "grievance_needed": Param(
                    0.0, 0, 1, "share", "grievance Wagner needs before it rises", "guess"
                ),
            },
        ),
        ShockType(
            "call_leak",
            "a recording of the Lukashenko-Prigozhin call of the mutiny is published (2024)",
        ),
        ShockType(
            "long_range_authorisation",
            "the West allows long-range strikes deep inside Russia (17-19 Nov 2024)",
        ),
        ShockType(
            "ballistic_strike",
            "the regime strikes Dnipro with a new intermediate-range ballistic missile (21 Nov 2024)",
        ),
    )
}

"""Scheduled shocks: dated scenario entries that change the world at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .params import Param

if TYPE_CHECKING:
    from .model import StormModel

Shock = dict[str, Any]


def _invasion(m: StormModel, shock: Shock) -> None:
    m.log(m.alive, "Kremlin", "invasion", "the full-scale invasion of Ukraine begins")
    m.front.begin_war()


def _nuclear_signalling(m: StormModel, shock: Shock) -> None:
    m.kremlin.escalation = max(m.kremlin.escalation, 1)
    hyp = m.h["nuclear_leak"]
    rise, leaked, rally = hyp.response(m)
    for w in m.west:
        w.sanctions += rise
    harsh = leaked & ~rally
    k = m.kremlin
    k.elite_support += np.where(harsh, -hyp.drain, np.where(rally, 0.5 * hyp.drain, 0.0))
    k.control -= np.where(harsh, hyp.drain, 0.0)
    m.add_storm(np.where(harsh, 0.6, 0.0))
    m.log(m.alive, "Kremlin", "nuclear signalling", "readiness to use a tactical nuclear weapon is signalled")
    m.log(
        leaked,
        "insiders",
        "leak to US intelligence",
        "insiders pass the nuclear readiness to the US; harsh measures follow",
    )
    m.log(rally, "elite", "rallies", "harsh measures rally the elite round the leader")


def _mutiny(m: StormModel, shock: Shock) -> None:
    m.wagner.rise(shock["grievance_needed"])


def _call_leak(m: StormModel, shock: Shock) -> None:
    # Whoever kept the recording of the mediator's call now releases it.
    for name in ("fsb", "gru", "svr"):
        f = m.factions[name]
        has = f.call_recording & m.alive
        f.call_recording &= ~has
        f.holdings += has
        f.release(has, "the Lukashenko-Prigozhin call", m.h["controlled_leaks"].beneficiary())


def _long_range(m: StormModel, shock: Shock) -> None:
    for w in m.west:
        w.authorised = True
        w.sanctions += 0.1
    m.log(m.alive, "West", "authorises long-range strikes", "Ukraine may strike deep inside Russia")


def _ballistic(m: StormModel, shock: Shock) -> None:
    m.kremlin.escalation = max(m.kremlin.escalation, 2)
    coop, storm = m.h["ballistic_pretext"].cooperation_boost()
    for w in m.west:
        w.sanctions += 0.05
    m.factions["opposition"].cooperation += coop
    m.add_storm(np.full(m.R, storm))
    m.log(m.alive, "Kremlin", "ballistic strike", "a new intermediate-range missile hits Dnipro")
    if coop:
        m.log(m.alive, "West", "pretext", "the West and opposition forces at home begin to cooperate")


@dataclass(frozen=True)
class ShockType:
    """A kind of shock a scenario may schedule."""

    name: str
    description: str
    apply: Callable[[StormModel, Shock], None]
    fields: dict[str, Param] = field(default_factory=dict)


SHOCK_TYPES: dict[str, ShockType] = {
    s.name: s
    for s in (
        ShockType(
            "invasion",
            "the full-scale invasion begins; the opening offensive tests the leader's "
            "estimate of resistance (24 Feb 2022)",
            _invasion,
        ),
        ShockType(
            "nuclear_signalling",
            "the leadership signals readiness to use a tactical nuclear weapon (autumn 2022)",
            _nuclear_signalling,
        ),
        ShockType(
            "mutiny",
            "the Wagner mutiny: Rostov is taken and a column drives north on the M4 (23 Jun 2023)",
            _mutiny,
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
            _call_leak,
        ),
        ShockType(
            "long_range_authorisation",
            "the West allows long-range strikes deep inside Russia (17-19 Nov 2024)",
            _long_range,
        ),
        ShockType(
            "ballistic_strike",
            "the regime strikes Dnipro with a new intermediate-range ballistic missile (21 Nov 2024)",
            _ballistic,
        ),
    )
}

"""Scheduled shocks: dated scenario entries that change the world at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .params import INTERCEPT_FACTIONS, Param

if TYPE_CHECKING:
    from .model import StormModel

Shock = dict[str, Any]


def _invasion(m: StormModel, shock: Shock) -> None:
    m.log(m.alive, "Kremlin", "invasion", "the full-scale invasion of Ukraine begins")
    m.front.begin_war()


def _sanctions(m: StormModel, shock: Shock) -> None:
    for w in m.west:
        w.sanctions += m.params["west.sanctions_2022"]
    m.log(m.alive, "West", "sanctions", "the US, UK and EU impose broad sanctions")


def _nuclear_signalling(m: StormModel, shock: Shock) -> None:
    # The null reading: the signal reaches the West through ordinary channels only.
    m.kremlin.escalation = max(m.kremlin.escalation, 1)
    for w in m.west:
        w.sanctions += m.params["west.nuclear_response"]
    m.log(m.alive, "Kremlin", "nuclear signalling", "readiness to use a tactical nuclear weapon is signalled")


def _mutiny(m: StormModel, shock: Shock) -> None:
    m.wagner.rise(shock["grievance_needed"])


def _mutiny_leader_death(m: StormModel, shock: Shock) -> None:
    m.wagner.die(m.wagner.started_h == m.wagner.started_h)  # wherever a mutiny happened


def _call_leak(m: StormModel, shock: Shock) -> None:
    # Whoever kept the recording of the mediator's call now releases it.
    for name in INTERCEPT_FACTIONS:
        f = m.factions[name]
        has = f.call_recording & m.alive
        f.call_recording &= ~has
        f.holdings += has
        f.release(has, "the Lukashenko-Prigozhin call")


def _long_range(m: StormModel, shock: Shock) -> None:
    for w in m.west:
        w.authorised = True
        w.sanctions += m.params["west.long_range_sanctions"]
    m.log(m.alive, "West", "authorises long-range strikes", "Ukraine may strike deep inside Russia")


def _ballistic(m: StormModel, shock: Shock) -> None:
    m.kremlin.escalation = max(m.kremlin.escalation, 2)
    for w in m.west:
        w.sanctions += m.params["west.ballistic_sanctions"]
    m.log(m.alive, "Kremlin", "ballistic strike", "a new intermediate-range missile hits Dnipro")


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
            "sanctions",
            "the US, UK and EU impose broad sanctions (from 26 Feb 2022)",
            _sanctions,
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
            "mutiny_leader_death",
            "the mutiny's leader dies when his plane crashes (23 Aug 2023); "
            "no effect where there was no mutiny",
            _mutiny_leader_death,
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

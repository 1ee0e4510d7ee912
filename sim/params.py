"""Every model parameter, declared once with its default, range, unit and source.

Keys are dotted (``wagner.speed_kmh``) and are exactly the keys a scenario file
uses and ``--set`` accepts. ``source`` says where a default comes from:
``history`` (the documented 2022–2024 course), ``base rate`` (a cross-national
figure, not a fact about Russia) or ``guess`` — and a guess is labelled as one.

The declarations live beside the part of the model they belong to; the order
assembled here is the registry's order (listings, documentation, the columns
of drawn parameters).
"""

from __future__ import annotations

from .param_spec import (
    ELITE_FACTIONS,
    FACTION_NAMES,
    INTERCEPT_FACTIONS,
    SECURITY_FACTIONS,
    SOURCES,
    P,
    Param,
)
from .params_leader import LEADER_AND_FRONT
from .params_mutiny import MEDIATOR, MUTINY
from .params_regime import REGIME

__all__ = [
    "ELITE_FACTIONS",
    "FACTION_NAMES",
    "INTERCEPT_FACTIONS",
    "PARAMS",
    "SECURITY_FACTIONS",
    "SOURCES",
    "P",
    "Param",
]

PARAMS: dict[str, Param] = {**LEADER_AND_FRONT, **MUTINY, **REGIME, **MEDIATOR}

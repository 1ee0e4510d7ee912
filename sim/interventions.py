"""Interventions: named counterfactual overrides ("same world, one thing changed").

Each acts on the resolved parameters and shock list before a run, or sets a
flag the agents read. They are applied in the order given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import UsageError, choices_hint
from .params import SECURITY_FACTIONS


@dataclass(frozen=True)
class Intervention:
    """A named override and what it changes."""

    name: str
    description: str
    apply: Callable[[dict[str, float], list[dict[str, Any]], set[str]], list[dict[str, Any]]]


def _flag(name: str) -> Callable[..., list[dict[str, Any]]]:
    def apply(params: dict[str, float], shocks: list[dict[str, Any]], flags: set[str]):
        flags.add(name)
        return shocks

    return apply


def _drop_long_range(params, shocks, flags):
    return [s for s in shocks if s["type"] != "long_range_authorisation"]


def _loyal_forces(params, shocks, flags):
    # np.maximum: a parameter may be an array over replicates (uncertain worlds).
    for faction in SECURITY_FACTIONS:
        key = f"factions.{faction}.loyalty"
        params[key] = np.maximum(params[key], 0.95)
    params["defence.en_route_resistance"] = np.maximum(params["defence.en_route_resistance"], 0.3)
    return shocks


INTERVENTIONS: dict[str, Intervention] = {
    i.name: i
    for i in (
        Intervention(
            "no_mediation",
            "the mediator never calls: no talks, no brokered deal, no call to intercept",
            _flag("no_mediation"),
        ),
        Intervention(
            "accurate_intelligence",
            "the leader's estimate of Ukrainian resistance is the true figure "
            "(no bias, no noise), whatever false_intelligence says",
            _flag("accurate_intelligence"),
        ),
        Intervention(
            "no_nuclear_leak",
            "the nuclear signalling never reaches US intelligence through a leak; "
            "the West answers it as under the null version",
            _flag("no_nuclear_leak"),
        ),
        Intervention(
            "no_long_range",
            "the West never authorises long-range strikes (the shock is removed)",
            _drop_long_range,
        ),
        Intervention(
            "loyal_security_forces",
            "the FSB, Rosgvardia and the army are fully loyal (loyalty at least 0.95) "
            "and resist the column on the way (en-route resistance at least 0.3)",
            _loyal_forces,
        ),
    )
}


def get(name: str) -> Intervention:
    """The intervention called ``name``, or a UsageError listing valid names."""
    try:
        return INTERVENTIONS[name]
    except KeyError:
        raise UsageError(f"unknown intervention {name!r}{choices_hint(name, INTERVENTIONS)}") from None

"""What a declared parameter is (:class:`Param`) and the factions' declarations.

The declarations themselves are split by part of the model
(:mod:`sim.params_leader`, :mod:`sim.params_mutiny`, :mod:`sim.params_regime`)
and assembled, in one fixed order, into :data:`sim.params.PARAMS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Where a default comes from.
SOURCES = ("history", "base rate", "guess")


@dataclass(frozen=True)
class Param:
    """A declared parameter.

    ``low``/``high`` bound every value the parameter may take (a scenario, ``--set``,
    a distribution's support). ``span`` narrows that to the range a guess is
    believed to lie in, where the full range would be absurd as a belief (a
    loyalty of 0 for the FSB); it is what ``--uncertain guesses`` draws from and
    what calibration takes as the prior. ``structural`` parameters shape the
    clock or the set of actors and cannot vary between replicates.
    """

    default: float
    low: float
    high: float
    unit: str
    meaning: str
    source: str
    span: tuple[float, float] | None = None
    structural: bool = False

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source {self.source!r} is not one of {SOURCES}")
        lo, hi = self.guess_range
        if not (self.low <= lo <= self.default <= hi <= self.high):
            raise ValueError(f"default {self.default} outside its span {self.guess_range} or range")

    @property
    def guess_range(self) -> tuple[float, float]:
        """The range a guess is believed to lie in (the declared range unless narrowed)."""
        return self.span if self.span is not None else (self.low, self.high)

    def check(self, key: str, value: object) -> float:
        """Return ``value`` as a float or raise ValueError naming ``key``."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key}: expected a number, got {type(value).__name__} {value!r}")
        if not self.low <= value <= self.high:
            raise ValueError(f"{key}: {value} is out of range [{self.low}, {self.high}] ({self.unit})")
        return float(value)

    def check_array(self, key: str, values: np.ndarray) -> np.ndarray:
        """Per-replicate values as float64, or ValueError naming ``key`` and the range."""
        if self.structural:
            raise ValueError(f"{key}: is structural (it shapes the clock or the actors) and cannot vary")
        arr = np.asarray(values, dtype=float)
        if arr.size and not (np.all(arr >= self.low) and np.all(arr <= self.high)):
            bad = arr[(arr < self.low) | (arr > self.high) | np.isnan(arr)][0]
            raise ValueError(f"{key}: {bad} is out of range [{self.low}, {self.high}] ({self.unit})")
        return arr


P = Param

FACTION_NAMES = ("fsb", "gru", "svr", "rosgvardia", "army", "oligarchs", "opposition")
INTERCEPT_FACTIONS = ("fsb", "gru", "svr")
SECURITY_FACTIONS = ("fsb", "rosgvardia", "army")
ELITE_FACTIONS = tuple(n for n in FACTION_NAMES if n != "opposition")

#: Per-faction defaults: loyalty, capability, ambition, risk tolerance (all guesses,
#: ordered by the common reading of the services' closeness to the leader).
_FACTION_DEFAULTS = {
    "fsb": (0.80, 0.80, 0.50, 0.30),
    "gru": (0.65, 0.70, 0.55, 0.45),
    "svr": (0.70, 0.60, 0.45, 0.30),
    "rosgvardia": (0.80, 0.55, 0.30, 0.25),
    "army": (0.70, 0.75, 0.40, 0.35),
    "oligarchs": (0.60, 0.50, 0.50, 0.20),
    "opposition": (0.10, 0.25, 0.90, 0.50),
}


def around(x: float, lo: float = 0.0, hi: float = 1.0, rel: float = 0.5) -> tuple[float, float]:
    """A guess's span: ``x`` ± ``rel`` of itself, inside [lo, hi]."""
    return (round(max(lo, x * (1 - rel)), 6), round(min(hi, x * (1 + rel)), 6))


def faction_params() -> dict[str, Param]:
    out: dict[str, Param] = {}
    for name, (loy, cap, amb, risk) in _FACTION_DEFAULTS.items():
        g = f"factions.{name}"
        out[f"{g}.loyalty"] = P(
            loy, 0, 1, "share", f"{name}: loyalty to the leader", "guess", around(loy, rel=0.3)
        )
        out[f"{g}.capability"] = P(
            cap, 0, 1, "share", f"{name}: capacity to act", "guess", around(cap, rel=0.3)
        )
        out[f"{g}.ambition"] = P(amb, 0, 1, "share", f"{name}: appetite for power", "guess", around(amb))
        out[f"{g}.risk_tolerance"] = P(
            risk, 0, 1, "share", f"{name}: willingness to act under uncertainty", "guess", around(risk)
        )
    return out

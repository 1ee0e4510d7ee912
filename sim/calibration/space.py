"""The unknowns of a calibration and their priors.

Every parameter whose declared source is ``guess`` (the model's and each
hypothesis's) is unknown, with a uniform prior over the range it is believed
to lie in (its declared ``span``, else its range: the same draws as
``--uncertain guesses``); each hypothesis switch is unknown with a
Bernoulli(0.5) prior.

The sampler works on an unbounded scale: each unknown is a standard normal
``z`` and its value is ``low + (high - low) * Phi(z)`` (a switch is on when
``z < 0``). A standard normal pushed through its own distribution function is
uniform, so these are exactly the priors above; the unbounded scale spares the
ABC-SMC proposal any draws outside the ranges, which in 80 dimensions would
reject almost every proposal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ..hypotheses import IDS


@dataclass(frozen=True)
class Unknown:
    """One unknown: a dotted scenario key, its prior and its kind."""

    key: str
    low: float
    high: float
    kind: str  # "uniform" or "switch"
    meaning: str = ""

    @property
    def prior(self) -> str:
        """The prior in words, for manifests and tables."""
        if self.kind == "switch":
            return "Bernoulli(0.5)"
        return f"Uniform({self.low:g}, {self.high:g})"

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "kind": self.kind, "low": self.low, "high": self.high, "prior": self.prior}


def default_unknowns(hypotheses: Iterable[str] | None = None) -> list[Unknown]:
    """Every ``guess`` parameter of the model and the hypotheses (uniform over the range it is
    believed to lie in, its ``span``), then every hypothesis switch."""
    from ..uncertain import numeric_keys

    ids = list(IDS if hypotheses is None else hypotheses)
    out = []
    for key, spec in numeric_keys().items():
        if spec.source != "guess" or spec.structural:
            continue
        if key.startswith("hypotheses.") and key.split(".")[1] not in ids:
            continue
        low, high = spec.guess_range
        out.append(Unknown(key, float(low), float(high), "uniform", spec.meaning))
    out += [Unknown(f"hypotheses.{hid}.on", 0.0, 1.0, "switch", f"{hid} switched on") for hid in ids]
    return out


def switch_id(key: str) -> str:
    """``hypotheses.X.on`` -> ``X``."""
    return key.split(".")[1]


class Space:
    """A list of unknowns and the map between the sampler's scale and theirs."""

    def __init__(self, unknowns: Sequence[Unknown]) -> None:
        if not unknowns:
            raise ValueError("calibration: no unknowns")
        keys = [u.key for u in unknowns]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"calibration: unknown {dup!r} listed twice")
        self.unknowns = list(unknowns)
        self.keys = keys
        self.names = [f"z{i}" for i in range(len(keys))]  # node names for the library
        self.low = np.array([u.low for u in unknowns])
        self.high = np.array([u.high for u in unknowns])
        self.is_switch = np.array([u.kind == "switch" for u in unknowns])

    def __len__(self) -> int:
        return len(self.unknowns)

    @property
    def switches(self) -> list[str]:
        return [u.key for u in self.unknowns if u.kind == "switch"]

    def worlds(self, z: np.ndarray) -> dict[str, np.ndarray]:
        """Values per dotted key for rows of ``z`` (n, dims): switches as bool arrays."""
        z = np.atleast_2d(z)
        out: dict[str, np.ndarray] = {}
        for j, u in enumerate(self.unknowns):
            if u.kind == "switch":
                out[u.key] = z[:, j] < 0
            else:
                # Clip: Phi(z) can round to exactly 0 or 1, the range's own ends.
                out[u.key] = np.clip(u.low + (u.high - u.low) * ndtr(z[:, j]), u.low, u.high)
        return out

    def to_z(self, values: Mapping[str, np.ndarray | float | bool]) -> np.ndarray:
        """The inverse of :meth:`worlds` (switch on -> z = -0.5, off -> +0.5); for tests and truths."""
        cols = []
        for u in self.unknowns:
            v = np.asarray(values[u.key], dtype=float)
            if u.kind == "switch":
                cols.append(np.where(v > 0.5, -0.5, 0.5))
            else:
                frac = np.clip((v - u.low) / (u.high - u.low), 1e-12, 1 - 1e-12)
                cols.append(ndtri(frac))
        return np.atleast_2d(np.column_stack(cols))

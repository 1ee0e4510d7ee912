"""What calibrate simulates: a function of per-replicate parameter values ("worlds").

A world simulator is a picklable callable ``(scenario, worlds, seed, first)
-> DataFrame`` returning one row per replicate ``first .. first+n-1``, where
``worlds`` maps dotted keys to one value per replicate, and a ``columns``
attribute naming the result columns it gives (so a pattern file can be
checked before anything runs). :class:`EngineSimulator` is the ensemble
engine; :class:`ToySimulator` is a cheap stand-in with known answers for
tests and benchmarks of the inference itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from ..errors import StormError
from ..scenario import Scenario
from .figures import column, engine_columns
from .space import Unknown


class WorldSimulator(Protocol):
    @property
    def columns(self) -> tuple[str, ...]: ...

    @property
    def name(self) -> str: ...

    def __call__(
        self, scenario: Scenario, worlds: Mapping[str, np.ndarray], seed: int, first: int
    ) -> pd.DataFrame: ...


def engine_has_worlds() -> bool:
    """Whether the engine takes per-replicate parameters (``sim.simulate(..., worlds=...)``)."""
    from .. import api

    return "worlds" in inspect.signature(api.simulate).parameters


@dataclass(frozen=True)
class EngineSimulator:
    """The ensemble engine: one replicate per particle, all particles of a chunk in one model."""

    name: str = "engine"
    columns: tuple[str, ...] = field(default_factory=engine_columns)

    def __call__(
        self, scenario: Scenario, worlds: Mapping[str, np.ndarray], seed: int, first: int
    ) -> pd.DataFrame:
        from .. import api

        if not engine_has_worlds():
            raise StormError(
                "calibrate: this engine cannot give each replicate its own parameters yet "
                "(sim.simulate has no worlds= argument; it comes with model v2)"
            )
        n = len(next(iter(worlds.values())))
        return api.simulate(scenario, runs=n, seed=seed, first=first, worlds=dict(worlds))  # type: ignore[call-arg]


# The toy's figures, registered so patterns can name them.
column("toy_x", "number", "", "toy: a + noise")
column("toy_y", "number", "", "toy: b + 2 if the switch is on, + noise")
column("toy_time", "time", "", "toy: a dated event, only when the switch is on")
column("toy_kind", "category", "", "toy: high or low", ("high", "low"))

TOY_UNKNOWNS = (
    Unknown("toy.a", 0.0, 1.0, "uniform", "toy location"),
    Unknown("toy.b", 0.0, 10.0, "uniform", "toy level"),
    Unknown("toy.c", 0.0, 1.0, "uniform", "toy parameter no pattern informs"),
    Unknown("hypotheses.toy_switch.on", 0.0, 1.0, "switch", "toy switch"),
)


@dataclass(frozen=True)
class ToySimulator:
    """Vectorised, counter-seeded, with known answers; ``steps`` > 0 adds engine-like cost."""

    steps: int = 0
    name: str = "toy"
    columns: tuple[str, ...] = ("replicate", "toy_x", "toy_y", "toy_time", "toy_kind")

    def __call__(
        self, scenario: Scenario, worlds: Mapping[str, np.ndarray], seed: int, first: int
    ) -> pd.DataFrame:
        a = np.asarray(worlds["toy.a"], dtype=float)
        b = np.asarray(worlds["toy.b"], dtype=float)
        on = np.asarray(worlds["hypotheses.toy_switch.on"], dtype=bool)
        ids = np.arange(first, first + len(a), dtype=np.int64)
        # Noise is a pure function of (seed, replicate id), like the engine's draws.
        noise = _noise(seed, ids)
        x = a + 0.05 * noise[0]
        y = b + 2.0 * on + 0.3 * noise[1]
        for _ in range(self.steps):  # engine-like cost: a fixed per-step overhead plus array work
            x = x + 0.0 * np.sin(x) * np.exp(-np.abs(y))
        t = np.datetime64("2023-01-01T00:00:00", "s") + (a * 100 * 86400).astype("timedelta64[s]")
        return pd.DataFrame(
            {
                "replicate": ids,
                "toy_x": x,
                "toy_y": y,
                "toy_time": np.where(on, t, np.datetime64("NaT", "s")),
                "toy_kind": np.where(x > 0.5, "high", "low"),
            }
        )


def _mix(x: np.ndarray) -> np.ndarray:
    # The SplitMix64 finaliser (as in sim/rng.py), so a replicate's noise is the same in any batch.
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _noise(seed: int, ids: np.ndarray) -> np.ndarray:
    """Two standard normals per replicate, keyed by (seed, id) (Box-Muller)."""
    u = []
    with np.errstate(over="ignore"):
        for site in (1, 2, 3, 4):
            k = _mix(ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(seed * 31 + site))
            u.append(((k >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53)
    r1, r2 = np.sqrt(-2 * np.log(u[0])), np.sqrt(-2 * np.log(u[2]))
    return np.vstack([r1 * np.cos(2 * np.pi * u[1]), r2 * np.cos(2 * np.pi * u[3])])

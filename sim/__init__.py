"""Perfect Storm: a scenario simulation engine for speculative what-ifs.

Every output is labelled SPECULATIVE SCENARIO — NOT A FORECAST.

The engine (``simulate``, ``story``, ``StormModel``, the outcome names) is
imported on first use, so that ``import sim`` for a scenario or the catalogue,
and with it the command line's start, does not load pandas or Mesa.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .banner import BANNER
from .errors import ScenarioError, StormError, UsageError
from .hypotheses import IDS as HYPOTHESIS_IDS
from .hypotheses import REGISTRY as HYPOTHESES
from .interventions import INTERVENTIONS
from .scenario import Scenario, load_scenario

if TYPE_CHECKING:
    from .api import simulate, story
    from .model import IN_POWER, OUTCOMES, SERIES, StormModel

__version__ = "0.1.0"

#: Names imported on first use, and the module that defines each.
_LAZY = {
    "simulate": "api",
    "story": "api",
    "IN_POWER": "model",
    "OUTCOMES": "model",
    "SERIES": "model",
    "StormModel": "model",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):  # a submodule not imported yet (sim.model, sim.batch, ...)
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BANNER",
    "HYPOTHESES",
    "HYPOTHESIS_IDS",
    "INTERVENTIONS",
    "IN_POWER",
    "OUTCOMES",
    "SERIES",
    "Scenario",
    "ScenarioError",
    "StormError",
    "StormModel",
    "UsageError",
    "load_scenario",
    "simulate",
    "story",
]

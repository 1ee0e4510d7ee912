"""Perfect Storm: a scenario simulation engine for speculative what-ifs.

Every output is labelled SPECULATIVE SCENARIO — NOT A FORECAST.
"""

from __future__ import annotations

from .api import simulate, story
from .banner import BANNER
from .errors import ScenarioError, StormError, UsageError
from .hypotheses import IDS as HYPOTHESIS_IDS
from .hypotheses import REGISTRY as HYPOTHESES
from .interventions import INTERVENTIONS
from .model import IN_POWER, OUTCOMES, SERIES, StormModel
from .scenario import Scenario, load_scenario

__version__ = "0.1.0"

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

"""Counterfactuals, sweeps, sensitivity and attribution over the ``sim`` API.

Every function returns pandas DataFrames (for notebooks); the CLI commands
``compare``, ``sweep`` and ``attribute`` are thin shells over them::

    from sim import analysis, catalog
    a = catalog.load("mutiny_2023")
    r = analysis.compare(a, a.with_overrides(interventions=["no_mediation"]), runs=2000, seed=1)
    r.differences, r.transitions
"""

from __future__ import annotations

from .attribution import AttributionResult, attribute
from .compare import CompareResult, StoryDiff, compare, story_diff
from .sweep import SweepParam, SweepResult, parse_param, sweep

__all__ = [
    "AttributionResult",
    "CompareResult",
    "StoryDiff",
    "SweepParam",
    "SweepResult",
    "attribute",
    "compare",
    "parse_param",
    "story_diff",
    "sweep",
]

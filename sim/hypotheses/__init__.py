"""Hypotheses register themselves: every module in this package is imported."""

from __future__ import annotations

import importlib
import pkgutil

from .base import REGISTRY, REQUIRED_METADATA, Hypothesis, get, register

for _mod in pkgutil.iter_modules(__path__):
    if _mod.name != "base":
        importlib.import_module(f"{__name__}.{_mod.name}")

#: Registry ids in the fixed order of DESIGN.md.
ORDER = (
    "controlled_leaks",
    "hidden_patrons",
    "leader_gated_mediation",
    "false_intelligence",
    "nuclear_leak",
    "long_range_storm",
    "ballistic_pretext",
)
IDS = tuple(h for h in ORDER if h in REGISTRY) + tuple(sorted(h for h in REGISTRY if h not in ORDER))

__all__ = ["IDS", "REGISTRY", "REQUIRED_METADATA", "Hypothesis", "get", "register"]

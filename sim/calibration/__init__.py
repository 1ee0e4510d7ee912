"""History as data, calibration and evidence (docs/design.md, decision 10).

* :func:`load_patterns` reads the documented patterns (``history/patterns.toml``);
* :func:`calibrate` runs ABC-SMC (ELFI) of every guessed parameter and every
  hypothesis switch against them, on the ensemble engine and the executors of ``batch``;
* :func:`load_posterior` reads a calibration's weighted posterior draws;
* :func:`evidence` weighs each hypothesis: conditional on this model's
  mechanisms, these priors and these patterns.
"""

from __future__ import annotations

from .evidence import evidence
from .figures import FIGURES, Figure, register
from .patterns import Pattern, PatternError, PatternSet, load_patterns
from .posterior import load_posterior, posterior_worlds
from .run import DEFAULT_PATTERNS, calibrate, plan
from .space import Space, Unknown, default_unknowns
from .store import CalibrationError, CalibrationInterrupted, CalibrationUsage

__all__ = [
    "DEFAULT_PATTERNS",
    "FIGURES",
    "CalibrationError",
    "CalibrationInterrupted",
    "CalibrationUsage",
    "Figure",
    "Pattern",
    "PatternError",
    "PatternSet",
    "Space",
    "Unknown",
    "calibrate",
    "default_unknowns",
    "evidence",
    "load_patterns",
    "load_posterior",
    "plan",
    "posterior_worlds",
    "register",
]

"""Small mechanisms shared by several actors, kept pure so they can be tested alone."""

from __future__ import annotations

import numpy as np


def threshold_cascade(
    thresholds: np.ndarray,
    weights: np.ndarray,
    signal: np.ndarray | float,
    already: np.ndarray,
) -> np.ndarray:
    """Granovetter's threshold model, over replicates.

    ``thresholds`` and ``weights`` are (actors, replicates); an actor defects
    once the weighted share of defectors plus ``signal`` reaches its threshold.
    Iterates to the fixed point (at most one round per actor) and returns the
    (actors, replicates) mask of defectors, ``already`` included.
    """
    defected = already.copy()
    total = weights.sum(axis=0)
    for _ in range(thresholds.shape[0]):
        share = (weights * defected).sum(axis=0) / total
        new = defected | (share + signal >= thresholds)
        if (new == defected).all():
            break
        defected = new
    return defected

"""Interval estimates shared by the batch, compare, sweep and attribution layers."""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054


def wilson(successes: int | np.ndarray, n: int | np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval for a binomial proportion (95 % by default)."""
    k = np.asarray(successes, dtype=float)
    n_ = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n_
        denom = 1 + z**2 / n_
        centre = (p + z**2 / (2 * n_)) / denom
        half = z * np.sqrt(p * (1 - p) / n_ + z**2 / (4 * n_**2)) / denom
    # Exact at the edges: rounding would otherwise leave 0 (or 1) just outside.
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))
    high = np.where(k == n_, 1.0, np.clip(centre + half, 0, 1))
    return low, high


def paired_difference(a: np.ndarray, b: np.ndarray, z: float = Z95) -> tuple[float, float, float]:
    """Mean of b - a over paired replicates, with a normal 95 % interval.

    ``a`` and ``b`` are per-replicate values (e.g. 0/1 indicators of an
    outcome) from the same replicates on common random numbers, so the
    variance is that of the differences, usually far below the unpaired one.
    """
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    n = d.size
    mean = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    return mean, mean - z * se, mean + z * se

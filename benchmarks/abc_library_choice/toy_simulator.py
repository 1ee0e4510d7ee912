"""A toy vectorised simulator that costs like the engine: ~0.5 s fixed per call, ~0.25 ms per replicate."""

import numpy as np

STEPS = 1500
ARR_REPS = 9
FIX_OPS = 450
_scalar = np.zeros(1)
D = 60  # continuous unknowns (theta in [0,1]) ; plus K switches


def simulate(theta, switches, seed):
    """theta: (n, D) in [0,1]; switches: (n, K) bool. Returns (n, 5) summaries."""
    n = theta.shape[0]
    rng = np.random.default_rng(seed)
    a = theta[:, 0] + 0.5 * switches[:, 0]
    b = theta[:, 1]
    c = theta[:, 2:].mean(axis=1)
    x = np.zeros(n)
    y = np.zeros(n)
    z = np.zeros(n)
    for _ in range(STEPS):
        u = rng.random(n)
        x += 0.01 * (a - x) + 0.02 * (u - 0.5)
        y += 0.01 * (b - y)
        z = np.maximum(z, x * y)
        w = np.where(u < 0.001 * c, 1.0, 0.0)
        y -= 0.1 * w
        np.clip(y, 0, 2, out=y)
        _ = np.sqrt(np.abs(x) + 1e-3) * np.exp(-y)
        for _k in range(ARR_REPS):
            _ = np.sin(z) + np.cos(x) * np.exp(-y)
        for _k in range(FIX_OPS):
            _ = _scalar + 1.0
    return np.column_stack([x, y, z, c + 0.3 * switches[:, 1], np.sin(a)])

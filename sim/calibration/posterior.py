"""Reading a calibration back: the weighted posterior draws, for analysis and for scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..banner import BANNER
from ..executors import engine_fingerprint
from . import store


def read_calibration(calib_dir: str | Path) -> tuple[Path, dict[str, Any]]:
    """The folder and its manifest, if it holds a finished calibration of this engine."""
    out = Path(calib_dir)
    if not out.is_dir():
        raise store.CalibrationUsage("calibration", f"{out}: no such directory")
    manifest = store.read_manifest(out)
    if manifest is None:
        raise store.CalibrationUsage("calibration", f"{out}: not a calibration folder (no {store.MANIFEST})")
    if manifest.get("kind") != store.KIND:
        raise store.CalibrationUsage(
            "calibration", f"{out}: holds a {manifest.get('kind')!r} result, not a calibration"
        )
    if not manifest.get("complete"):
        raise store.CalibrationError(
            f"{out}: the calibration is not complete; run the same calibrate command again to finish it"
        )
    here = engine_fingerprint()
    if manifest.get("engine") != here:
        raise store.CalibrationError(
            f"{out}: calibrated with another engine version ({manifest.get('engine')}; this engine is "
            f"{here}); its posterior does not describe this model: calibrate again"
        )
    return out, manifest


def load_posterior(calib_dir: str | Path) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """(draws, weights, manifest) of a finished calibration.

    ``draws`` has one column per unknown, named by its dotted key (switches
    ``hypotheses.X.on`` as bool), one row per posterior particle; ``weights``
    sum to 1. The frame is labelled with the banner and the hypotheses line.
    """
    out, manifest = read_calibration(calib_dir)
    path = out / store.POSTERIOR
    try:
        post = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise store.CalibrationError(f"{path}: cannot read: {err}") from None
    keys = [u["key"] for u in manifest["unknowns"]]
    missing = [k for k in keys if k not in post]
    if missing or "weight" not in post:
        raise store.CalibrationError(f"{path}: lacks the column(s) {', '.join(missing or ['weight'])}")
    draws = post[keys].reset_index(drop=True)
    draws.attrs.update(banner=BANNER, hypotheses_line=store.HYPOTHESES_LINE, engine=manifest["engine"])
    weights = post["weight"].to_numpy(dtype=float)
    return draws, weights / weights.sum(), manifest


def posterior_worlds(
    draws: pd.DataFrame, weights: np.ndarray, seed: int, ids: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per replicate id, a posterior particle picked with probability its weight, and its values.

    The pick is a pure function of (seed, id) (counter-based, like every draw of
    the engine), so a replicate gets the same world alone or in any batch. For
    ``[uncertain] posterior = "DIR"``: returns (particle index per id, worlds by dotted key).
    """
    from ..rng import keyed_uniform, site_key

    cdf = np.cumsum(np.asarray(weights, dtype=float))
    cdf /= cdf[-1]
    u = keyed_uniform(int(seed), np.asarray(ids, dtype=np.int64), site_key("calibration.posterior"))
    pick = np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
    return pick, {k: draws[k].to_numpy()[pick] for k in draws.columns}

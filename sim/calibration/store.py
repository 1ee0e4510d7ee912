"""The calibration folder: manifest, saved simulation batches, posterior files.

Every file is written under a temporary name and renamed once complete, so a
file that exists is whole. Each simulated batch is saved as it finishes
(``sims/gGGG-bBBBBB.parquet``); a rerun replays the sampler from its seed and
takes every saved batch from disk instead of simulating it again, checking
that the batch's parameters are bit for bit those the sampler proposes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..banner import BANNER
from ..errors import StormError, UsageError
from ..resultdir import OutputError, atomic, read_json

MANIFEST = "manifest.json"
POSTERIOR = "posterior.parquet"
PARTICLES = "particles.parquet"
PREDICTIVE = "predictive.parquet"
PATTERNS_COPY = "patterns.toml"
SIMS = "sims"
KIND = "calibrate"
HYPOTHESES_LINE = "Hypotheses: every switch uncertain, Bernoulli(0.5) a priori; the posterior weighs them"


class CalibrationError(StormError):
    """The calibration folder cannot be written or read, or holds something else (exit status 1)."""


class CalibrationUsage(UsageError):
    """A bad argument (exit status 2); ``key`` names it for the command line to translate."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.detail = message


class CalibrationInterrupted(KeyboardInterrupt):
    """Ctrl-C during calibrate; the message says what is saved and how to resume."""


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when there is none yet (errors name the file)."""
    path = out / MANIFEST
    if not path.is_file():
        return None
    try:
        return read_json(path)
    except OutputError as err:
        raise CalibrationError(str(err).replace("not a JSON object", "not a result manifest")) from None


def metadata(extra: dict[str, str] | None = None) -> dict[bytes, bytes]:
    meta = {"banner": BANNER, "hypotheses_line": HYPOTHESES_LINE, **(extra or {})}
    return {k.encode(): v.encode() for k, v in meta.items()}


def write_parquet(path: Path, df: pd.DataFrame, extra: dict[str, str] | None = None) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata(extra)})
    with atomic(path) as tmp:
        pq.write_table(table, tmp)


def z_digest(z: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(z, dtype=np.float64).tobytes()).hexdigest()


def batch_path(out: Path, generation: int, batch: int) -> Path:
    return out / SIMS / f"g{generation:03d}-b{batch:06d}.parquet"


def save_batch(
    out: Path, generation: int, batch: int, first: int, z: np.ndarray, d: np.ndarray, labels: list[str]
) -> None:
    """One simulated batch: replicate ids, parameters (float32, for analysis), discrepancies."""
    cols: dict[str, Any] = {"replicate": np.arange(first, first + len(z), dtype=np.int64)}
    cols.update({f"z{j}": z[:, j].astype(np.float32) for j in range(z.shape[1])})
    cols.update({f"d:{label}": d[:, k] for k, label in enumerate(labels)})
    extra = {"z_sha256": z_digest(z), "first": str(first), "generation": str(generation), "batch": str(batch)}
    write_parquet(batch_path(out, generation, batch), pd.DataFrame(cols), extra)


def load_batch(out: Path, generation: int, batch: int, first: int, z: np.ndarray) -> np.ndarray | None:
    """The saved discrepancies of a batch if it holds exactly these parameters and ids, else None."""
    path = batch_path(out, generation, batch)
    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid):
        return None  # unreadable: simulate it again
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    if meta.get("z_sha256") != z_digest(z) or meta.get("first") != str(first):
        return None
    names = [n for n in table.column_names if n.startswith("d:")]
    return np.column_stack([table.column(n).to_numpy() for n in names])


def generation_sims(out: Path, generation: int) -> pd.DataFrame:
    """Every saved simulation of one generation (accepted or not)."""
    files = sorted((out / SIMS).glob(f"g{generation:03d}-b*.parquet"))
    if not files:
        raise CalibrationError(f"{out / SIMS}: no saved simulations of generation {generation}")
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def check_identity(out: Path, old: dict[str, Any], new: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Refuse to resume into a folder that holds another calibration."""
    if old.get("kind") != KIND:
        raise CalibrationUsage("out", f"{out} holds a {old.get('kind')!r} result, not a calibration")
    if old.get("engine") != new["engine"]:
        raise CalibrationError(
            f"{out}: calibrated with another engine version ({old.get('engine')}, this engine is "
            f"{new['engine']}); calibrate into a new directory"
        )
    for key in keys:
        if old.get(key) != new.get(key):
            raise CalibrationUsage(
                "out", f"{out} holds another calibration (its {key} differs); give a new directory"
            )

"""Outcome tables and the labelled output directory shared by compare, sweep and attribute.

Every file written here carries the banner and the hypotheses that were on:
CSV files as ``#`` comment lines, Parquet files in their schema metadata,
``manifest.json`` as keys. Files are written under a temporary name and
renamed when complete, and ``manifest.json`` is written last, so a directory
that has a manifest holds a whole result.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..banner import BANNER, hypotheses_line
from ..errors import StormError, UsageError
from ..hypotheses import REGISTRY
from ..model import OUTCOMES
from ..outputs import MUTINY_ENDS
from ..scenario import Scenario
from ..stats import wilson

MANIFEST = "manifest.json"
#: The categorical result columns an analysis reports on, with their categories.
VARIABLES: dict[str, tuple[str, ...]] = {"outcome": OUTCOMES, "mutiny_end": MUTINY_ENDS}
_TMP = ".tmp-"


class OutputError(StormError):
    """An output directory cannot be written or read (exit status 1)."""


def outcome_table(df: pd.DataFrame, variable: str = "outcome") -> pd.DataFrame:
    """Count, probability and 95 % Wilson interval of each category of ``variable``.

    Columns: variable, outcome, count, runs, probability, ci_low, ci_high (one
    row per category, zero counts included, in the fixed vocabulary's order).
    """
    cats = VARIABLES[variable]
    codes = pd.Categorical(df[variable].astype(str), categories=cats).codes
    counts = np.bincount(codes[codes >= 0], minlength=len(cats))
    n = len(df)
    low, high = wilson(counts, n)
    return pd.DataFrame(
        {
            "variable": variable,
            "outcome": list(cats),
            "count": counts.astype(np.int64),
            "runs": n,
            "probability": counts / n,
            "ci_low": low,
            "ci_high": high,
        }
    )


def indicators(df: pd.DataFrame, variable: str = "outcome") -> np.ndarray:
    """A (replicates x categories) 0/1 matrix: which category each replicate ended in."""
    cats = VARIABLES[variable]
    codes = pd.Categorical(df[variable].astype(str), categories=cats).codes
    out = np.zeros((len(df), len(cats)), dtype=np.int8)
    ok = codes >= 0
    out[np.flatnonzero(ok), codes[ok]] = 1
    return out


def hypotheses_meta(on: Sequence[str]) -> list[dict[str, str]]:
    """Id, title and status of each hypothesis switched on (for manifests)."""
    return [
        {"id": h, "title": REGISTRY[h].metadata["title"], "status": REGISTRY[h].metadata["status"]}
        for h in on
    ]


def scenario_meta(spec: Scenario) -> dict[str, Any]:
    """What a manifest records about one scenario variant."""
    return {
        "scenario_name": spec.name,
        "scenario_path": spec.path,
        "scenario_hash": spec.hash,
        "hypotheses_on": spec.hypotheses_on,
        "interventions": list(spec.interventions),
        "start": spec.start.isoformat(timespec="minutes"),
        "end": spec.end.isoformat(timespec="minutes"),
    }


def manifest_base(kind: str, spec: Scenario, seed: int, runs: int) -> dict[str, Any]:
    """The keys every manifest starts with: banner, kind, hypotheses, scenario, seed, runs."""
    from .. import __version__

    return {
        "banner": BANNER,
        "kind": kind,
        "hypotheses_on": spec.hypotheses_on,
        "hypotheses": hypotheses_meta(spec.hypotheses_on),
        **{k: v for k, v in scenario_meta(spec).items() if k != "hypotheses_on"},
        "scenario": spec.to_dict(),
        "seed": int(seed),
        "runs": int(runs),
        "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def comment_lines(manifest: dict[str, Any], extra: Sequence[str] = ()) -> list[str]:
    """The banner, the hypotheses line(s) and a provenance line, for CSV headers."""
    lines = [BANNER, *hypothesis_lines(manifest)]
    lines.append(
        f"scenario {manifest.get('scenario_name')} (hash {manifest.get('scenario_hash')}), "
        f"seed {manifest.get('seed')}, {manifest.get('runs')} replicates per variant"
    )
    return [*lines, *extra]


def hypothesis_lines(manifest: dict[str, Any]) -> list[str]:
    """'Hypotheses on: ...' — one line, or one per variant of a comparison."""
    if "hypotheses_on_b" in manifest:
        return [
            "A (as written) " + hypotheses_line(manifest["hypotheses_on"]),
            "B (changed) " + hypotheses_line(manifest["hypotheses_on_b"]),
        ]
    return [hypotheses_line(manifest.get("hypotheses_on", []))]


# --- the output directory ------------------------------------------------------


def prepare_out(out: str | Path, overwrite: bool = False) -> Path:
    """Create ``out``; refuse (exit 2) a file, or a directory that already holds a result."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path}: is a file, not a directory")
    if (path / MANIFEST).exists() and not overwrite:
        raise UsageError(
            f"--out {path}: already holds a result ({MANIFEST}); choose another directory or pass --overwrite"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"--out {path}: cannot create the directory: {err.strerror or err}") from None
    return path


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed over it once written: no half files."""
    tmp = path.with_name(f"{_TMP}{os.getpid()}-{path.name}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_csv(
    path: Path, df: pd.DataFrame, manifest: dict[str, Any], extra: Sequence[str] = (), index: bool = False
) -> Path:
    """A CSV whose first lines are ``#`` comments: banner, hypotheses, provenance."""
    with _atomic(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            for line in comment_lines(manifest, extra):
                fh.write(f"# {line}\n")
            df.to_csv(fh, index=index)
    return path


def read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv` (comment lines skipped)."""
    return pd.read_csv(path, comment="#", **kwargs)


def write_parquet(path: Path, df: pd.DataFrame, manifest: dict[str, Any]) -> Path:
    """A Parquet file labelled in its schema metadata (banner, hypotheses, hash, seed)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta.update(
        {
            b"banner": BANNER.encode(),
            b"hypotheses_line": " | ".join(hypothesis_lines(manifest)).encode(),
            b"hypotheses_on": json.dumps(manifest.get("hypotheses_on", [])).encode(),
            b"scenario_hash": str(manifest.get("scenario_hash")).encode(),
            b"seed": str(manifest.get("seed")).encode(),
        }
    )
    with _atomic(path) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
    return path


def write_manifest(out: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest.json`` (last, so its presence means the directory is whole)."""
    path = out / MANIFEST
    with _atomic(path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    return path


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The manifest of a result directory; one-line errors if there is none."""
    path = Path(directory)
    if not path.exists():
        raise UsageError(f"{path}: no such directory")
    if not path.is_dir():
        raise UsageError(f"{path}: is a file, not a result directory")
    mpath = path / MANIFEST
    if not mpath.is_file():
        raise OutputError(f"{path}: not a result directory (no {MANIFEST})")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise OutputError(f"{mpath}: cannot read: {err}") from None
    if not isinstance(manifest, dict) or "kind" not in manifest:
        raise OutputError(f"{mpath}: not a result manifest (no 'kind' key)")
    return manifest

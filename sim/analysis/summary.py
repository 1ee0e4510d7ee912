"""Outcome tables and manifests shared by compare, sweep and attribute.

Their folders are written and read by :mod:`sim.resultdir` (atomic files,
labelled CSV and Parquet, ``manifest.json`` last), whose functions are
re-exported here under the names these modules have always used: every CSV
carries the banner and the hypotheses on as columns, every Parquet file in its
schema metadata and ``df.attrs``, ``manifest.json`` as keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..banner import BANNER
from ..executors import engine_fingerprint
from ..hypotheses import REGISTRY
from ..model import OUTCOMES
from ..outputs import MUTINY_ENDS
from ..resultdir import (
    MANIFEST,
    OutputError,
    hypothesis_lines,
    prepare_out,
    provenance,
    read_csv,
    read_manifest,
    read_parquet,
    write_csv,
    write_manifest,
    write_parquet,
)
from ..scenario import Scenario
from ..stats import wilson

__all__ = [
    "MANIFEST",
    "VARIABLES",
    "OutputError",
    "hypotheses_meta",
    "hypothesis_lines",
    "codes",
    "indicators",
    "manifest_base",
    "outcome_table",
    "prepare_out",
    "read_csv",
    "read_manifest",
    "read_parquet",
    "scenario_meta",
    "write_csv",
    "write_manifest",
    "write_parquet",
]

#: The categorical result columns an analysis reports on, with their categories.
VARIABLES: dict[str, tuple[str, ...]] = {"outcome": OUTCOMES, "mutiny_end": MUTINY_ENDS}


def codes(df: pd.DataFrame, variable: str = "outcome") -> np.ndarray:
    """Each row's position of ``variable`` in its fixed vocabulary (-1 for a value outside it)."""
    cats = VARIABLES[variable]
    column = df[variable]
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) and tuple(dtype.categories) == cats:
        # A results column: its codes already are these (read off the array, not as a new Series,
        # since a sweep asks this of every point).
        return np.asarray(column.array.codes)
    return pd.Categorical(column.astype(str), categories=cats).codes


def outcome_table(df: pd.DataFrame, variable: str = "outcome") -> pd.DataFrame:
    """Count, probability and 95 % Wilson interval of each category of ``variable``.

    Columns: variable, outcome, count, runs, probability, ci_low, ci_high (one
    row per category, zero counts included, in the fixed vocabulary's order).
    """
    cats = VARIABLES[variable]
    found = codes(df, variable)
    counts = np.bincount(found[found >= 0], minlength=len(cats))
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
    found = codes(df, variable)
    out = np.zeros((len(df), len(cats)), dtype=np.int8)
    ok = found >= 0
    out[np.flatnonzero(ok), found[ok]] = 1
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


def manifest_base(
    kind: str, spec: Scenario, seed: int, runs: int, command: Sequence[str] | None = None
) -> dict[str, Any]:
    """The keys every manifest starts with: banner, kind, hypotheses, scenario, seed, runs.

    Also the engine's fingerprint and the provenance (command line, default
    ``sys.argv``; git commit; Python and library versions).
    """
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
        "engine": engine_fingerprint(),
        **provenance(command),
        "time_unit": "ms",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# --- the output directory: one module for every result folder (sim.resultdir) ------

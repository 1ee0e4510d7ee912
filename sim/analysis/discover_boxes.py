"""PRIM's peeling trajectory as tables, and the rule that picks one box on it.

Used by :mod:`sim.analysis.discover`; the box limits and quasi-p values are
read from the ``PrimBox`` attributes of the EMA workbench 3.x
(``peeling_trajectory``, ``box_lims``, ``p_values``), not from its
``inspect()``, whose table style fails on categorical limits under pandas 3.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import UsageError

if TYPE_CHECKING:
    from .discover import Parameter

DEFAULT_COVERAGE = 0.5


def tables(
    found: Any, init: pd.DataFrame, parameters: list[Parameter], significance: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The trajectory and every box's restricted limits, from PRIM's box_lims and quasi-p values."""
    pt = found.peeling_trajectory
    rows = []
    max_qp = []
    for i, (lims, qps) in enumerate(zip(found.box_lims, found.p_values, strict=True)):
        worst = math.nan  # no restricted limit: nothing to test
        for p in parameters:
            lo_init, hi_init = init.loc[0, p.key], init.loc[1, p.key]
            lo, hi = lims.loc[0, p.key], lims.loc[1, p.key]
            if p.kind == "switch":
                if set(lo) == set(lo_init):
                    continue
                values, low, high = "|".join(sorted(lo)), math.nan, math.nan
            else:
                if lo == lo_init and hi == hi_init:
                    continue
                values, low, high = "", float(lo), float(hi)
            q = [float(v) if v is not None and v >= 0 else math.nan for v in qps.get(p.key, [-1, -1])]
            worst = max([v for v in [worst, *q] if not math.isnan(v)], default=math.nan)
            rows.append(
                {
                    "box": i,
                    "parameter": p.key,
                    "kind": p.kind,
                    "low": low,
                    "high": high,
                    "values": values,
                    "qp_low": q[0],
                    "qp_high": q[1],
                }
            )
        max_qp.append(worst)
    trajectory = pd.DataFrame(
        {
            "box": np.arange(len(pt), dtype=np.int64),
            "coverage": pt["coverage"].to_numpy(dtype=float),
            "density": pt["density"].to_numpy(dtype=float),
            "mass": pt["mass"].to_numpy(dtype=float),
            "res_dim": pt["res_dim"].to_numpy(dtype=np.int64),
            "n": pt["n"].to_numpy(dtype=np.int64),
            "k": pt["k"].to_numpy(dtype=np.int64),
            "max_qp": max_qp,
        }
    )
    trajectory["significant"] = ~(trajectory["max_qp"] > significance)  # NaN (box 0) counts as significant
    columns = ["box", "parameter", "kind", "low", "high", "values", "qp_low", "qp_high"]
    return trajectory, pd.DataFrame(rows, columns=columns)


def choose(
    t: pd.DataFrame,
    coverage: float | None,
    density: float | None,
    box: int | None,
    significance: float,
    notes: list[str],
) -> tuple[int, str]:
    """The chosen box's number and the rule that chose it, in words."""
    if box is not None:
        if not 0 <= box < len(t):
            raise UsageError(f"box: {box} is not on the trajectory (boxes 0 to {len(t) - 1})")
        return box, f"box {box} as asked"
    ok = t[t["significant"]]
    sig = f"every limit significant (quasi-p <= {significance:g})"
    if density is not None:
        dense = ok[ok["density"] >= density]
        if len(dense):
            best = dense.sort_values(["coverage", "res_dim"], ascending=[False, True]).iloc[0]
            return int(best["box"]), f"the highest coverage with density >= {density:g} and {sig}"
        best = ok.sort_values(["density", "coverage"], ascending=False).iloc[0]
        notes.append(f"no significant box reaches density {density:g}; the densest significant box is shown")
        return int(best["box"]), f"the densest box with {sig} (none reaches density {density:g})"
    floor = DEFAULT_COVERAGE if coverage is None else coverage
    wide = ok[ok["coverage"] >= floor]
    best = wide.sort_values(["density", "coverage", "res_dim"], ascending=[False, False, True]).iloc[0]
    chosen = int(best["box"])
    if chosen == 0:
        notes.append(
            f"no box with coverage >= {floor:g} has {sig}: PRIM found no condition that "
            "raises the share of the outcome; the whole ensemble is shown (see trajectory.csv, box=I)"
        )
    return chosen, f"the densest box with coverage >= {floor:g} and {sig}"

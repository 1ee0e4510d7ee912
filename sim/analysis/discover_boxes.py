"""PRIM's inputs, its peeling trajectory as tables, and the rule that picks one box on it.

Used by :mod:`sim.analysis.discover`; the box limits and quasi-p values are
read from the ``PrimBox`` attributes of the EMA workbench 3.x
(``peeling_trajectory``, ``box_lims``, ``p_values``), not from its
``inspect()``, whose table style fails on categorical limits under pandas 3.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..stats import wilson

DEFAULT_COVERAGE = 0.5
ON, OFF = "on", "off"  # a hypothesis switch enters PRIM as these two categories


@dataclass(frozen=True)
class Parameter:
    """One uncertain parameter: its kind and the range its limits are normalised to."""

    key: str
    kind: str  # "number" or "switch"
    low: float
    high: float
    unit: str
    spec: dict[str, Any]


def _declared(key: str) -> Any:
    """The declared parameter of ``key`` (unit, range), or None."""
    from ..uncertain import numeric_keys

    return numeric_keys().get(key)


def parameter(key: str, values: pd.Series, spec: Mapping[str, Any]) -> Parameter:
    if pd.api.types.is_bool_dtype(values.dtype):
        return Parameter(key, "switch", 0.0, 1.0, "switch", dict(spec))
    declared = _declared(key)
    low, high = spec.get("low"), spec.get("high")
    if not (isinstance(low, int | float) and isinstance(high, int | float) and high > low):
        # e.g. a normal distribution truncated to the declared range: normalise to that range
        low, high = (declared.low, declared.high) if declared is not None else (values.min(), values.max())
    unit = declared.unit if declared is not None else ""
    return Parameter(key, "number", float(low), float(high), unit, dict(spec))


def tables(
    found: Any, init: pd.DataFrame, parameters: list[Parameter], significance: float, peeled: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The trajectory and every box's restricted limits, from PRIM's box_lims and quasi-p values.

    The first ``peeled`` boxes are PRIM's peeling and pasting trajectory; any
    after them are the chosen box pruned (``origin`` "pruned").
    """
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
            "origin": ["prim" if i < peeled else "pruned" for i in range(len(pt))],
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
    t: pd.DataFrame, coverage: float | None, density: float | None, box: int | None, notes: list[str]
) -> tuple[int, str]:
    """The candidate box on PRIM's trajectory (before pruning) and the rule that chose it, in words."""
    if box is not None:
        if not 0 <= box < len(t):
            raise UsageError(f"box: {box} is not on the trajectory (boxes 0 to {len(t) - 1})")
        return box, f"box {box} of the trajectory"
    if density is not None:
        dense = t[t["density"] >= density]
        if len(dense):
            best = dense.sort_values(["coverage", "res_dim"], ascending=[False, True]).iloc[0]
            return int(best["box"]), f"the box of highest coverage with density >= {density:g}"
        best = t.sort_values(["density", "coverage"], ascending=False).iloc[0]
        notes.append(f"no box reaches density {density:g}; the densest box is shown")
        return int(best["box"]), f"the densest box (none reaches density {density:g})"
    floor = DEFAULT_COVERAGE if coverage is None else coverage
    wide = t[t["coverage"] >= floor]
    densest = wide.sort_values(["density", "coverage"], ascending=False).iloc[0]
    # Density gains inside the densest box's own 95 % interval are noise, and buying them with
    # coverage over-fits: PRIM keeps peeling while noise raises the density a little.
    low = float(wilson(int(densest["k"]), int(densest["n"]))[0])
    near = wide[wide["density"] >= low]
    best = near.sort_values(["coverage", "density", "res_dim"], ascending=[False, False, True]).iloc[0]
    return int(best["box"]), (
        f"the widest box with coverage >= {floor:g} whose density is within the 95 % interval of "
        f"the densest such box (#{int(densest['box'])})"
    )


def in_box(x: pd.DataFrame, lims: pd.DataFrame) -> np.ndarray:
    """Which rows of ``x`` lie inside ``lims`` (bounds inclusive, as PRIM counts them)."""
    inside = np.ones(len(x), dtype=bool)
    for key in x.columns:
        lo, hi = lims.at[0, key], lims.at[1, key]
        v = x[key].to_numpy()
        inside &= np.isin(v, list(lo)) if isinstance(lo, set) else (v >= lo) & (v <= hi)
    return inside


def prune(found: Any, x: pd.DataFrame, init: pd.DataFrame, i: int, significance: float) -> list[str]:
    """Drop box ``i``'s limits that are not significant, least significant first; the limits dropped.

    Each step resets one limit to the whole range and hands the wider box to
    ``PrimBox.update``, which appends it to the trajectory with its coverage,
    density and fresh quasi-p values (what ``PrimBox.drop_restriction`` does for
    a whole dimension; here one side of a number at a time, as the quasi-p
    values are per side). Ends when every limit left is significant.
    """
    dropped: list[str] = []
    while True:
        qps = found.p_values[i]
        sides = [
            (q, key, side) for key, pair in qps.items() for side, q in enumerate(pair) if q > significance
        ]
        if not sides:
            return dropped
        q, key, side = max(sides)
        lims = found.box_lims[i].copy()
        if isinstance(init.at[0, key], set):
            lims[key] = [set(init.at[0, key]), set(init.at[0, key])]
            dropped.append(f"{key} (quasi-p {q:.2g})")
        else:
            lims.at[side, key] = init.at[side, key]
            dropped.append(f"{key} {'lower' if side == 0 else 'upper'} limit (quasi-p {q:.2g})")
        found.update(lims, np.flatnonzero(in_box(x, lims)))
        i = len(found.box_lims) - 1


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """EMA's optional-dependency warnings and pandas deprecations are not the user's business."""
    logger = logging.getLogger("EMA")
    level = logger.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logger.setLevel(logging.WARNING)
        try:
            yield
        finally:
            logger.setLevel(level)

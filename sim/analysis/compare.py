"""Counterfactuals: a scenario as written (A) against a changed one (B), on common random numbers.

Both variants run the same replicate ids with the same seed, so replicate *i*
sees the same draws in A and B and any difference in its result is caused by
the change. The difference in an outcome's probability is then estimated
from the per-replicate differences of the 0/1 indicators (a paired interval),
usually far tighter than comparing two independent samples.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..api import story
from ..ensemble import DEFAULT_CHUNK, check_size, run_variants
from ..outputs import FIGURE_SPECS
from ..scenario import TEXT_KEYS, Scenario, load_scenario
from ..stats import Z95, paired_difference
from . import summary as sm

#: Numeric result columns whose paired mean shift a comparison reports (declared in sim.outputs).
FIGURES = ("end_hours", *(f.name for f in FIGURE_SPECS if f.compared and f.kind in ("float", "int")))


@dataclass
class CompareResult:
    """A finished comparison: per-replicate results of both variants and the tables."""

    spec_a: Scenario
    spec_b: Scenario
    seed: int
    runs: int
    outcomes_a: pd.DataFrame
    outcomes_b: pd.DataFrame
    changes: list[str]
    differences: pd.DataFrame = field(init=False)
    transitions: pd.DataFrame = field(init=False)
    figures: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        self.differences = differences(self.outcomes_a, self.outcomes_b)
        self.transitions = transitions(self.outcomes_a, self.outcomes_b)
        self.figures = figure_shifts(self.outcomes_a, self.outcomes_b)

    @property
    def changed_replicates(self) -> int:
        """How many replicates ended in a different outcome under B."""
        return int((self.outcomes_a["outcome"].astype(str) != self.outcomes_b["outcome"].astype(str)).sum())

    def manifest(self) -> dict[str, Any]:
        """What ``manifest.json`` records: both variants, the changes, seed and runs."""
        m = sm.manifest_base("compare", self.spec_a, self.seed, self.runs)
        b = sm.scenario_meta(self.spec_b)
        m.update(
            {
                "hypotheses_on_a": self.spec_a.hypotheses_on,
                "hypotheses_on_b": self.spec_b.hypotheses_on,
                "hypotheses_b": sm.hypotheses_meta(self.spec_b.hypotheses_on),
                "scenario_hash_a": self.spec_a.hash,
                "scenario_hash_b": self.spec_b.hash,
                "interventions_b": b["interventions"],
                "scenario_b": self.spec_b.to_dict(),
                "changes": self.changes,
                "common_random_numbers": "same seed and replicate ids in A and B",
                "changed_replicates": self.changed_replicates,
                "files": [
                    "outcomes_a.parquet",
                    "outcomes_b.parquet",
                    "differences.csv",
                    "transitions.csv",
                    "figures.csv",
                ],
            }
        )
        return m

    def write(self, out: str | Path, overwrite: bool = False) -> Path:
        """Write the comparison's files to ``out`` (manifest last)."""
        path = sm.prepare_out(out, overwrite)
        m = self.manifest()
        sm.write_parquet(path / "outcomes_a.parquet", self.outcomes_a, m)
        sm.write_parquet(path / "outcomes_b.parquet", self.outcomes_b, m)
        note = [
            "changes: " + "; ".join(self.changes),
            "differences are B - A, paired over replicates on common random numbers (95 %)",
        ]
        sm.write_csv(path / "differences.csv", self.differences, m, note)
        sm.write_csv(
            path / "transitions.csv",
            self.transitions,
            m,
            ["rows: outcome as written (A); columns: outcome changed (B); counts"],
            index=True,
        )
        sm.write_csv(path / "figures.csv", self.figures, m, note)
        sm.write_manifest(path, m)
        return path


def compare(
    spec_a: str | Path | Scenario,
    spec_b: str | Path | Scenario,
    runs: int = 1000,
    seed: int = 0,
    changes: list[str] | None = None,
    *,
    executor: str = "inline",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> CompareResult:
    """Run A and B on the same replicates (common random numbers) and compare them.

    A and B may be any two scenarios with the same clock (two files, or one
    file and a changed copy); each runs in chunks on the executor.
    """
    a, b = load_scenario(spec_a), load_scenario(spec_b)
    check_size("compare", 2, runs, a, workers=workers or 1)
    opts: dict[str, Any] = {"executor": executor, "workers": workers, "scheduler": scheduler, "chunk": chunk}

    def half(offset: int) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda done, total: progress(offset + done, 2 * total))

    (out_a,) = run_variants(a, [{}], runs, seed, progress=half(0), **opts)
    (out_b,) = run_variants(b, [{}], runs, seed, progress=half(runs), **opts)
    return CompareResult(a, b, int(seed), int(runs), out_a, out_b, changes or spec_changes(a, b))


def differences(outcomes_a: pd.DataFrame, outcomes_b: pd.DataFrame) -> pd.DataFrame:
    """P(A), P(B) with Wilson intervals and the paired difference B - A, per category.

    One row per outcome and per mutiny end (column ``variable``). ``diff_low``/
    ``diff_high`` is the paired 95 % interval; ``unpaired_low``/``unpaired_high``
    what two independent samples of the same size would give, for contrast.
    ``gained``/``lost`` count replicates that moved into / out of the category.
    """
    if len(outcomes_a) != len(outcomes_b) or not np.array_equal(
        outcomes_a["replicate"].to_numpy(), outcomes_b["replicate"].to_numpy()
    ):
        raise ValueError("A and B must hold the same replicates, in the same order")
    frames = []
    for variable in sm.VARIABLES:
        ta, tb = sm.outcome_table(outcomes_a, variable), sm.outcome_table(outcomes_b, variable)
        ia, ib = sm.indicators(outcomes_a, variable), sm.indicators(outcomes_b, variable)
        n = len(outcomes_a)
        rows = []
        for j in range(ia.shape[1]):
            diff, lo, hi = paired_difference(ia[:, j], ib[:, j])
            var_a = ia[:, j].var(ddof=1) if n > 1 else math.nan
            var_b = ib[:, j].var(ddof=1) if n > 1 else math.nan
            half = Z95 * math.sqrt((var_a + var_b) / n)
            rows.append(
                {
                    "diff": diff,
                    "diff_low": lo,
                    "diff_high": hi,
                    "unpaired_low": diff - half,
                    "unpaired_high": diff + half,
                    "gained": int(((ib[:, j] == 1) & (ia[:, j] == 0)).sum()),
                    "lost": int(((ia[:, j] == 1) & (ib[:, j] == 0)).sum()),
                }
            )
        extra = pd.DataFrame(rows)
        frames.append(
            pd.DataFrame(
                {
                    "variable": variable,
                    "outcome": ta["outcome"],
                    "runs": ta["runs"],
                    "count_a": ta["count"],
                    "p_a": ta["probability"],
                    "a_low": ta["ci_low"],
                    "a_high": ta["ci_high"],
                    "count_b": tb["count"],
                    "p_b": tb["probability"],
                    "b_low": tb["ci_low"],
                    "b_high": tb["ci_high"],
                }
            ).join(extra)
        )
    out = pd.concat(frames, ignore_index=True)
    out["changed"] = out["gained"] + out["lost"]
    return out


def transitions(
    outcomes_a: pd.DataFrame, outcomes_b: pd.DataFrame, variable: str = "outcome"
) -> pd.DataFrame:
    """Counts of (category as written -> category changed) over the paired replicates."""
    cats = sm.VARIABLES[variable]
    ca = pd.Categorical(outcomes_a[variable].astype(str), categories=cats).codes
    cb = pd.Categorical(outcomes_b[variable].astype(str), categories=cats).codes
    table = np.zeros((len(cats), len(cats)), dtype=np.int64)
    np.add.at(table, (ca, cb), 1)
    return pd.DataFrame(
        table,
        index=pd.Index(cats, name=f"{variable}_a"),
        columns=pd.Index(cats, name=f"{variable}_b"),
    )


def figure_shifts(outcomes_a: pd.DataFrame, outcomes_b: pd.DataFrame) -> pd.DataFrame:
    """Paired mean shift (B - A) of the numeric figures, over replicates where both are defined."""
    rows = []
    for col in FIGURES:
        a = outcomes_a[col].to_numpy(dtype=float)
        b = outcomes_b[col].to_numpy(dtype=float)
        ok = ~(np.isnan(a) | np.isnan(b))
        n = int(ok.sum())
        if n >= 2:
            diff, lo, hi = paired_difference(a[ok], b[ok])
        else:
            diff = lo = hi = math.nan
        rows.append(
            {
                "figure": col,
                "n": n,
                "mean_a": float(a[ok].mean()) if n else math.nan,
                "mean_b": float(b[ok].mean()) if n else math.nan,
                "diff": diff,
                "diff_low": lo,
                "diff_high": hi,
            }
        )
    return pd.DataFrame(rows)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def spec_changes(a: Scenario, b: Scenario) -> list[str]:
    """What differs between two resolved scenarios, one 'key: old -> new' per change."""
    da, db = a.to_dict(), b.to_dict()
    for d in (da, db):
        for k in TEXT_KEYS:
            d.pop(k, None)
    fa, fb = _flatten(da), _flatten(db)
    changes = []
    for key in sorted(set(fa) | set(fb)):
        if fa.get(key) != fb.get(key):
            changes.append(f"{key}: {fa.get(key)!r} -> {fb.get(key)!r}")
    return changes


# --- one replicate, told twice -------------------------------------------------

_MARK = {"equal": "=", "delete": "A", "insert": "B"}


@dataclass
class StoryDiff:
    """Replicate ``replicate`` told under A and under B, events merged in one timeline."""

    story_a: dict[str, Any]
    story_b: dict[str, Any]
    #: Columns: side ('=' both, 'A' only as written, 'B' only changed), time, actor, event, detail.
    timeline: pd.DataFrame
    #: Row of ``timeline`` where the two stories first part, or None if their events agree.
    parting: int | None


def story_diff(spec_a: Scenario, spec_b: Scenario, seed: int, replicate: int) -> StoryDiff:
    """Both stories of one replicate, aligned: shared events once, the rest marked A or B."""
    sa = story(spec_a, seed=seed, replicate=replicate)
    sb = story(spec_b, seed=seed, replicate=replicate)
    ea, eb = sa["events"], sb["events"]
    key = lambda e: (e["time"], e["actor"], e["event"], e["detail"])  # noqa: E731
    matcher = difflib.SequenceMatcher(None, [key(e) for e in ea], [key(e) for e in eb], autojunk=False)
    rows: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [{"side": "=", **e} for e in ea[i1:i2]]
            continue
        block = [{"side": "A", **e} for e in ea[i1:i2]] + [{"side": "B", **e} for e in eb[j1:j2]]
        rows += sorted(block, key=lambda r: r["time"])  # stable: A before B at the same time
    timeline = pd.DataFrame(rows, columns=["side", "time", "actor", "event", "detail"])
    differing = np.flatnonzero(timeline["side"].to_numpy() != "=")
    parting = int(differing[0]) if differing.size else None
    return StoryDiff(sa, sb, timeline, parting)

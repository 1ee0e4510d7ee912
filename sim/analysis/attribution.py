"""Which hypothesis drives an outcome: exact Shapley values over on/off subsets.

With k hypotheses switched on in a scenario, every one of the 2^k subsets is
run as a variant (the others switched off), all on the same replicate ids and
seed. The "game" is v(S) = P(outcome | exactly the hypotheses in S on). The
Shapley value of hypothesis i is a fixed linear combination of the v(S), so
it is also the mean over replicates of the same combination of the 0/1
indicators; its interval comes from that per-replicate vector (a paired
normal interval, like a paired difference).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..ensemble import DEFAULT_CHUNK, check_size, run_variants
from ..errors import UsageError, choices_hint
from ..model import OUTCOMES
from ..scenario import Scenario, load_scenario
from ..stats import Z95, wilson
from . import summary as sm


def check_outcome(outcome: str) -> str:
    """``outcome`` if it is one of sim.OUTCOMES, else a UsageError with did-you-mean."""
    if outcome not in OUTCOMES:
        raise UsageError(f"--outcome: unknown outcome {outcome!r}{choices_hint(outcome, OUTCOMES)}")
    return outcome


def shapley_weights(k: int) -> np.ndarray:
    """The (k x 2^k) integer matrix W with Shapley value i = sum_S W[i, S] v(S) / k!.

    Subsets are bit masks (bit i set = hypothesis i on). For S not holding i,
    v(S ∪ {i}) gets +w and v(S) gets -w, with w = |S|! (k - |S| - 1)!. Integer
    weights keep the sums exact, so a hypothesis that changes nothing gets exactly 0.
    """
    n = 1 << k
    w = np.zeros((k, n), dtype=np.int64)
    for i in range(k):
        bit = 1 << i
        for s in range(n):
            if s & bit:
                continue
            size = bin(s).count("1")
            weight = math.factorial(size) * math.factorial(k - size - 1)
            w[i, s | bit] += weight
            w[i, s] -= weight
    return w


@dataclass
class AttributionResult:
    """Shapley values of the switched-on hypotheses for P(outcome)."""

    spec: Scenario
    outcome: str
    runs: int
    seed: int
    hypotheses: list[str]
    #: Columns: mask, hypotheses_on (';'-joined), n_on, count, probability, ci_low, ci_high.
    variants: pd.DataFrame
    #: Columns: hypothesis, shapley, se, ci_low, ci_high.
    shapley: pd.DataFrame

    @property
    def p_all_on(self) -> float:
        return float(self.variants["probability"].iloc[-1])

    @property
    def p_all_off(self) -> float:
        return float(self.variants["probability"].iloc[0])

    def manifest(self) -> dict[str, Any]:
        m = sm.manifest_base("attribute", self.spec, self.seed, self.runs)
        m.update(
            {
                "outcome": self.outcome,
                "attributed": self.hypotheses,
                "variants": len(self.variants),
                "p_all_on": self.p_all_on,
                "p_all_off": self.p_all_off,
                "shapley_sum": float(self.shapley["shapley"].sum()),
                "method": "exact Shapley values over all on/off subsets, common random numbers; "
                "paired normal 95 % intervals from per-replicate contributions",
                "files": ["shapley.csv", "variants.csv"],
            }
        )
        return m

    def write(self, out: str | Path, overwrite: bool = False) -> Path:
        path = sm.prepare_out(out, overwrite)
        m = self.manifest()
        note = [
            f"Shapley values for P({self.outcome}); they sum to P(all on) - P(all off) = "
            f"{self.p_all_on - self.p_all_off:.6f}"
        ]
        sm.write_csv(path / "shapley.csv", self.shapley, m, note)
        sm.write_csv(path / "variants.csv", self.variants, m, ["one row per on/off subset; 95 % Wilson"])
        sm.write_manifest(path, m)
        return path


def attribute(
    scenario: str | Path | Scenario,
    outcome: str,
    runs: int = 1000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    *,
    executor: str = "inline",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> AttributionResult:
    """Exact Shapley attribution of P(outcome) to the hypotheses switched on in ``scenario``.

    All 2^k on/off combinations run as one ensemble with per-replicate
    switches, chunked over the executor; the only limit on k is the size of
    2^k x runs (checked before any work). ``progress(done, total)`` counts replicates.
    """
    spec = load_scenario(scenario)
    check_outcome(outcome)
    if runs < 2:
        raise UsageError(f"--runs: attribution needs at least 2 replicates, got {runs}")
    hyps = spec.hypotheses_on
    k = len(hyps)
    if k == 0:
        raise UsageError(f"{spec.name}: no hypothesis is switched on; nothing to attribute (use --with ID)")
    check_size("attribute", 1 << k, runs, spec, columns=1, workers=workers or 1)
    variants = [
        {f"hypotheses.{h}.on": bool(mask >> i & 1) for i, h in enumerate(hyps)} for mask in range(1 << k)
    ]
    frames = run_variants(
        spec,
        variants,
        runs,
        seed,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        chunk=chunk,
        progress=progress,
        columns=["outcome"],
    )
    code = OUTCOMES.index(outcome)
    ind = np.stack([f["outcome"].cat.codes.to_numpy() == code for f in frames]).astype(np.int8)
    rows = []
    for mask in range(1 << k):
        on = [h for i, h in enumerate(hyps) if mask >> i & 1]
        rows.append(
            {"mask": mask, "hypotheses_on": ";".join(on), "n_on": len(on), "count": int(ind[mask].sum())}
        )
    variants_table = pd.DataFrame(rows)
    variants_table["probability"] = variants_table["count"] / runs
    low, high = wilson(variants_table["count"].to_numpy(), runs)
    variants_table["ci_low"], variants_table["ci_high"] = low, high
    return AttributionResult(
        spec, outcome, int(runs), int(seed), hyps, variants_table, shapley_table(hyps, ind)
    )


def shapley_table(hypotheses: list[str], indicators: np.ndarray) -> pd.DataFrame:
    """Shapley values and paired 95 % intervals from a (2^k x runs) 0/1 matrix.

    Row ``mask`` of ``indicators`` holds, per replicate, whether the outcome
    happened with exactly the hypotheses of ``mask`` on.
    """
    k = len(hypotheses)
    per_rep = (shapley_weights(k) @ indicators.astype(np.int64)) / math.factorial(k)  # k x runs
    n = per_rep.shape[1]
    mean = per_rep.mean(axis=1)
    se = per_rep.std(axis=1, ddof=1) / math.sqrt(n)
    return pd.DataFrame(
        {
            "hypothesis": hypotheses,
            "shapley": mean,
            "se": se,
            "ci_low": mean - Z95 * se,
            "ci_high": mean + Z95 * se,
        }
    )

"""Two intervals per outcome: Monte Carlo noise, and how much the result depends on the guesses.

With uncertain parameters in a nested design (K draws of n replicates each),
each outcome gets:

- the 95 % Wilson interval of its marginal probability over all replicates
  (Monte Carlo noise only: more replicates make it as narrow as you like);
- the 5-95 % spread, across draws, of P(outcome | that draw's parameters).
  Each draw's estimate p̂_k carries binomial noise p(1-p)/n on top of the true
  spread; the spread reported is of p̂_k shrunk toward their mean by
  sqrt(1 - noise / variance) (a method-of-moments removal of the replicate
  noise), and ``noise_share`` says how much of the raw spread was noise.

The second interval does not shrink with more replicates: it is the
uncertainty of the guesses themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats import wilson

#: Columns the draw spread adds to an outcome table.
SPREAD_COLUMNS = ("draws", "per_draw", "param_q05", "param_q95", "raw_q05", "raw_q95", "noise_share")


def draw_counts(df: pd.DataFrame, categories: tuple[str, ...], variable: str = "outcome") -> np.ndarray:
    """A (draws x categories) matrix of counts, rows in draw order (draws with no row dropped)."""
    codes = pd.Categorical(df[variable].astype(str), categories=categories).codes
    _, inv = np.unique(df["draw"].to_numpy(), return_inverse=True)
    out = np.zeros((inv.max() + 1 if len(inv) else 0, len(categories)), dtype=np.int64)
    np.add.at(out, (inv[codes >= 0], codes[codes >= 0]), 1)
    return out


def spread_from_counts(
    counts: np.ndarray, categories: tuple[str, ...], variable: str = "outcome"
) -> pd.DataFrame:
    """Per category: the spread of P(category | draw) across the draws of a count matrix, noise removed.

    ``counts`` is (draws x categories); draws with no replicate are ignored and
    draws of unequal size are weighted alike.
    """
    counts = np.asarray(counts, dtype=float)
    n = counts.sum(axis=1)
    counts, n = counts[n > 0], n[n > 0]
    rows = []
    for c, name in enumerate(categories):
        p = counts[:, c] / n
        raw_var = p.var(ddof=1) if len(p) > 1 else 0.0
        noise = float(np.mean(p * (1 - p) / np.maximum(n - 1, 1)))
        share = min(noise / raw_var, 1.0) if raw_var > 0 else (1.0 if noise > 0 else 0.0)
        shrunk = p.mean() + (p - p.mean()) * np.sqrt(max(0.0, 1.0 - share))
        rows.append(
            {
                variable: name,
                "draws": len(p),
                "per_draw": float(n.mean()),
                "param_q05": float(np.quantile(shrunk, 0.05)),
                "param_q95": float(np.quantile(shrunk, 0.95)),
                "raw_q05": float(np.quantile(p, 0.05)),
                "raw_q95": float(np.quantile(p, 0.95)),
                "noise_share": share if len(p) > 1 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def draw_spread(df: pd.DataFrame, categories: tuple[str, ...], variable: str = "outcome") -> pd.DataFrame:
    """Per category of ``variable``: the spread of P(category | draw) across draws, noise removed."""
    return spread_from_counts(draw_counts(df, categories, variable), categories, variable)


def two_intervals(df: pd.DataFrame, categories: tuple[str, ...], variable: str = "outcome") -> pd.DataFrame:
    """Count, probability, 95 % Wilson interval and (with a ``draw`` column) the draw spread."""
    codes = pd.Categorical(df[variable].astype(str), categories=categories).codes
    counts = np.bincount(codes[codes >= 0], minlength=len(categories))
    low, high = wilson(counts, len(df))
    table = pd.DataFrame(
        {
            variable: list(categories),
            "count": counts.astype(np.int64),
            "runs": len(df),
            "probability": counts / len(df),
            "ci_low": low,
            "ci_high": high,
        }
    )
    if "draw" in df.columns and df["draw"].nunique() > 1:
        table = table.merge(draw_spread(df, categories, variable), on=variable)
    return table


def describe(row: pd.Series) -> str:
    """One terminal line's worth: 'p [MC low, high]  guesses: q05-q95 (noise share)'."""
    text = f"{row['probability']:7.2%} [{row['ci_low']:7.2%}, {row['ci_high']:7.2%}]"
    if "param_q05" in row and pd.notna(row.get("param_q05")):
        text += f"   guesses 5-95 %: {row['param_q05']:6.1%} to {row['param_q95']:6.1%}"
        if pd.notna(row.get("noise_share")):
            text += f" (replicate noise {row['noise_share']:.0%} of the raw spread, removed)"
    return text

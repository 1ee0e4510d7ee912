"""The evidence for each hypothesis, conditional on this model, these priors and these patterns.

Per hypothesis switch: the prior P(on) (0.5), the posterior P(on) (the
weighted share of the final population with the switch on) with a 95 %
Wilson interval that counts the population's effective sample size as its
size, and the Bayes factor (posterior odds over prior odds).

Which pattern moves it most: each pattern is left out in turn. ELFI keeps
only the accepted particles, but every simulation is saved with its
discrepancies, and each generation's proposals came from a known density
(the prior, then the kernel mixture of the generation before). The posterior
at the final tolerance without pattern ``k`` is then the set of all saved
simulations whose distance without ``k`` is within that tolerance, weighted
by prior / (the simulation-weighted mixture of every generation's proposal
density): importance sampling whose prior share covers every region, also
those the final generations no longer visit. The same estimator with every
pattern gives the reference, so the difference is the pattern's own effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy.special import logsumexp

from ..stats import wilson
from . import store
from .posterior import read_calibration
from .smc import kernel_from, mixture_logpdf, std_normal_logpdf


def conditional_on(manifest: dict[str, Any]) -> str:
    names = [p["name"] for p in manifest["patterns"]]
    return (
        f"this model's mechanisms (engine {manifest['engine']}), these priors (each guessed parameter "
        f"uniform over the range it is believed to lie in, each switch Bernoulli(0.5)) and these {len(names)} patterns "
        f"({Path(manifest['patterns_file']).name}: {', '.join(names)})"
    )


def _loo_shares(
    out: Path, manifest: dict[str, Any], switch_cols: list[int]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """P(on) per switch from every saved simulation: with every pattern, and without each."""
    gens = manifest["generations"]
    eps = float(gens[-1]["tolerance"])
    names = [p["name"] for p in manifest["patterns"]]
    files = sorted((out / store.SIMS).glob("g*-b*.parquet"))
    if not files:
        raise store.CalibrationError(f"{out / store.SIMS}: no saved simulations")
    dcols = [c for c in pq.read_schema(files[0]).names if c.startswith("d:")]
    drop = {n: np.array([c.endswith(f":{n}") for c in dcols]) for n in names}
    zs, keeps, fulls = [], {n: [] for n in names}, []  # type: ignore[var-annotated]
    for f in files:
        sq = pq.read_table(f, columns=dcols).to_pandas().to_numpy(dtype=float) ** 2
        full = np.sqrt(sq.sum(axis=1)) <= eps
        keep = {n: np.sqrt(sq[:, ~m].sum(axis=1)) <= eps for n, m in drop.items()}
        rows = full | np.logical_or.reduce(list(keep.values()))
        if rows.any():
            zc = [c for c in pq.read_schema(f).names if c.startswith("z")]
            zs.append(pq.read_table(f, columns=zc).to_pandas().to_numpy(dtype=float)[rows])
            fulls.append(full[rows])
            for n in names:
                keeps[n].append(keep[n][rows])
    if not zs:
        nan = np.full(len(switch_cols), np.nan)
        return nan, {n: nan for n in names}
    z = np.concatenate(zs)
    # Every generation's proposals pooled: the deterministic mixture of their proposal
    # densities (the prior for generation 0) is the importance density, so the
    # prior's share keeps every region covered (balance-heuristic importance sampling).
    counts = np.array([g["simulations"] for g in gens], dtype=float)
    logq = [std_normal_logpdf(z)]
    parts = pd.read_parquet(out / store.PARTICLES)
    for g in range(1, len(gens)):
        prev = parts[parts["generation"] == g - 1]
        pz = prev[[f"z{j}" for j in range(z.shape[1])]].to_numpy(dtype=float)
        pw = prev["weight"].to_numpy(dtype=float)
        means, var = kernel_from(pz, pw, float(manifest["kappa"]))
        logq.append(mixture_logpdf(z, means, var, pw))
    mix = logsumexp(np.column_stack(logq) + np.log(counts / counts.sum())[None, :], axis=1)
    logw = std_normal_logpdf(z) - mix
    w = np.exp(logw - logw.max())
    on = z[:, switch_cols] < 0

    def share(mask: np.ndarray) -> np.ndarray:
        ww = w * mask
        return (ww[:, None] * on).sum(axis=0) / max(ww.sum(), 1e-300)

    return share(np.concatenate(fulls)), {n: share(np.concatenate(keeps[n])) for n in names}


def evidence(calib_dir: str | Path) -> pd.DataFrame:
    """One row per hypothesis switch; ``attrs['heading']`` says what the evidence is conditional on."""
    out, manifest = read_calibration(calib_dir)
    post = pd.read_parquet(out / store.POSTERIOR)
    w = post["weight"].to_numpy(dtype=float)
    w = w / w.sum()
    ess = float(1.0 / (w * w).sum())
    keys = [u["key"] for u in manifest["unknowns"]]
    switch_cols = [j for j, u in enumerate(manifest["unknowns"]) if u["kind"] == "switch"]
    switches = [keys[j] for j in switch_cols]
    ref, loo = _loo_shares(out, manifest, switch_cols)
    cond = conditional_on(manifest)
    short = f"model {manifest['engine']}, declared priors, {len(manifest['patterns'])} patterns"
    rows = []
    for i, key in enumerate(switches):
        p = float((w * post[key].to_numpy(dtype=bool)).sum())
        low, high = wilson(np.asarray(p * ess), np.asarray(ess))
        clipped = min(max(p, 0.5 / ess), 1 - 0.5 / ess)
        bound = ">=" if p >= 1 - 0.5 / ess else ("<=" if p <= 0.5 / ess else "")
        moves = {n: float(v[i] - ref[i]) for n, v in loo.items()}
        top = max(moves, key=lambda n: abs(moves[n])) if moves else ""
        rows.append(
            {
                "hypothesis": key.split(".")[1],
                "prior_p_on": 0.5,
                "posterior_p_on": p,
                "ci_low": float(low),
                "ci_high": float(high),
                "bayes_factor": clipped / (1 - clipped),
                "bf_bound": bound,
                "moved_most_by": top,
                # The change of P(on) when that pattern is left out (same estimator both ways).
                "moved_by": moves[top] if top else float("nan"),
                "conditional_on": short,
            }
        )
    df = pd.DataFrame(rows)
    df.attrs.update(
        heading=f"Evidence for each hypothesis, conditional on {cond}",
        effective_sample_size=ess,
        banner=manifest["banner"],
    )
    return df

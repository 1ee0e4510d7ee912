"""Figures of a calibration folder: posterior against prior, and the posterior predictive check.

The numbers behind each figure come from :func:`marginals_data`,
:func:`switches_data` and :func:`predictive_data`, which return DataFrames.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..banner import BANNER
from ..calibration import store
from ..calibration.patterns import load_patterns

BINS = 20


def _posterior(d: Path) -> pd.DataFrame:
    return pd.read_parquet(d / store.POSTERIOR)


def marginals_data(d: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    """Per continuous unknown and bin: prior and posterior density (weighted), and the shift."""
    post = _posterior(d)
    w = post["weight"].to_numpy(dtype=float)
    rows = []
    for u in manifest["unknowns"]:
        if u["kind"] != "uniform":
            continue
        edges = np.linspace(u["low"], u["high"], BINS + 1)
        dens, _ = np.histogram(post[u["key"]].to_numpy(dtype=float), bins=edges, weights=w, density=True)
        prior = 1.0 / (u["high"] - u["low"])
        shift = 0.5 * np.abs(dens - prior).sum() * (edges[1] - edges[0])  # total variation from the prior
        for i in range(BINS):
            rows.append(
                {
                    "key": u["key"],
                    "low": edges[i],
                    "high": edges[i + 1],
                    "prior_density": prior,
                    "posterior_density": dens[i],
                    "shift": shift,
                }
            )
    return pd.DataFrame(rows)


def switches_data(d: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    """Per hypothesis switch: prior and posterior P(on)."""
    post = _posterior(d)
    w = post["weight"].to_numpy(dtype=float)
    keys = [u["key"] for u in manifest["unknowns"] if u["kind"] == "switch"]
    return pd.DataFrame(
        {
            "hypothesis": [k.split(".")[1] for k in keys],
            "prior_p_on": 0.5,
            "posterior_p_on": [float((w * post[k].to_numpy(dtype=bool)).sum() / w.sum()) for k in keys],
        }
    )


def predictive_data(d: Path) -> pd.DataFrame:
    """The posterior predictive replicates: per (scenario, pattern) its figure and whether it matches."""
    return pd.read_parquet(d / store.PREDICTIVE)


def _label(fig: Figure, manifest: dict[str, Any], title: str) -> None:
    fig.suptitle(f"{BANNER}\n{title}", fontsize=12, fontweight="bold", color="#8b0000", y=0.995)
    lines = [
        manifest["hypotheses_line"],
        f"Calibration: {manifest['simulations_done']:,} simulations of "
        f"{', '.join(s['name'] for s in manifest['scenarios'])} · {manifest['library']} ABC-SMC · "
        f"{len(manifest['generations'])} generations · population {manifest['population']:,} · "
        f"ESS {manifest['ess']:,.0f} · seed {manifest['seed']} · engine {manifest['engine']}",
        "Conditional on this model's mechanisms, these priors and these patterns: "
        + ", ".join(p["name"] for p in manifest["patterns"]),
    ]
    wrapped = [w for line in lines for w in textwrap.wrap(line, 160)]
    fig.text(0.01, 0.003, "\n".join(wrapped), fontsize=7.5, va="bottom", ha="left", color="#333333")


def draw_marginals(data: pd.DataFrame, switches: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    keys = list(data.sort_values("shift", ascending=False)["key"].drop_duplicates())
    ncols = 6
    nrows = 1 + math.ceil(len(keys) / ncols)
    fig = Figure(figsize=(16, 2.0 * nrows + 1.5), dpi=100)
    gs = fig.add_gridspec(
        nrows, ncols, hspace=0.9, wspace=0.35, top=1 - 1.2 / (2.0 * nrows + 1.5), bottom=0.05
    )
    ax = fig.add_subplot(gs[0, :])
    x = np.arange(len(switches))
    ax.bar(x - 0.2, switches["prior_p_on"], 0.4, color="#bbbbbb", label="prior P(on)")
    ax.bar(x + 0.2, switches["posterior_p_on"], 0.4, color="#8b0000", label="posterior P(on)")
    ax.set_xticks(x, switches["hypothesis"], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(switch on)")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("Hypothesis switches (speculative claims): prior against posterior", fontsize=9)
    for i, key in enumerate(keys):
        a = fig.add_subplot(gs[1 + i // ncols, i % ncols])
        part = data[data["key"] == key]
        a.stairs(
            part["posterior_density"],
            np.r_[part["low"].to_numpy(), part["high"].iloc[-1]],
            color="#8b0000",
            fill=True,
            alpha=0.5,
        )
        a.axhline(part["prior_density"].iloc[0], color="#555555", lw=1, ls="--")
        a.set_title(key if len(key) <= 34 else "…" + key[-33:], fontsize=7)
        a.tick_params(labelsize=6)
        a.set_yticks([])
    _label(fig, manifest, "Posterior (red) against prior (dashed) of every unknown, most moved first")
    return fig


def draw_predictive(figs: pd.DataFrame, manifest: dict[str, Any], d: Path) -> Figure:
    pats = {p.name: p for p in load_patterns(d / store.PATTERNS_COPY, available=_AnyColumns()).patterns}
    labels = [c for c in figs.columns if ":" in c and not c.startswith("match:")]
    ncols = min(3, len(labels))
    nrows = math.ceil(len(labels) / ncols)
    fig = Figure(figsize=(5.2 * ncols, 3.2 * nrows + 1.6), dpi=100)
    for i, label in enumerate(labels):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        p = pats[label.split(":", 1)[1]]
        share = float(figs[f"match:{label}"].mean())
        x = figs[label]
        if p.fig.kind == "category":
            counts = x.astype(str).value_counts(normalize=True)
            colors = ["#8b0000" if c in p.categories else "#999999" for c in counts.index]
            ax.bar(counts.index, counts.to_numpy() * 100, color=colors)
            ax.set_ylabel("% of replicates")
            ax.tick_params(axis="x", labelsize=7, rotation=20)
        else:
            v = x.to_numpy(dtype=float)
            v = v[~np.isnan(v)]
            time = p.fig.kind == "time"
            conv = (
                (lambda a: np.datetime64("1970-01-01") + (np.asarray(a) * 86400).astype("timedelta64[s]"))
                if time
                else (lambda a: a)
            )
            if len(v):
                lo, hi = np.quantile(v, [0.05, 0.95])
                ax.hist(conv(v) if time else v, bins=30, color="#8b0000", alpha=0.6)
                ax.axvspan(conv(lo), conv(hi), color="#8b0000", alpha=0.08, label="central 90 %")
            if p.test == "near":
                ax.axvline(conv(p.target), color="black", lw=1.5, label="observed")
            elif p.test in ("between", "outside"):
                ax.axvspan(conv(p.low), conv(p.high), color="#4c72b0", alpha=0.15, label=f"window ({p.test})")
            ax.set_ylabel("replicates")
            ax.legend(fontsize=6)
            ax.tick_params(axis="x", labelsize=7, rotation=20)
            if len(v) < len(x):
                ax.text(
                    0.99,
                    0.97,
                    f"{1 - len(v) / len(x):.0%} never happened",
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=7,
                )
        ax.set_title(f"{label}\n{share:.0%} of replicates match", fontsize=8)
    fig.subplots_adjust(
        top=1 - 1.1 / (3.2 * nrows + 1.6), bottom=0.9 / (3.2 * nrows + 1.6) + 0.05, hspace=0.8, wspace=0.3
    )
    _label(fig, manifest, "Posterior predictive check: fresh replicates from the posterior, per pattern")
    return fig


class _AnyColumns:
    """Every column counts as available (the copy of the patterns was checked when it ran)."""

    def __contains__(self, item: object) -> bool:
        return True

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


def figures(d: Path, manifest: dict[str, Any]) -> dict[str, Figure]:
    """The figures of a finished calibration folder, by file stem."""
    from ..errors import StormError

    if not manifest.get("complete"):
        raise StormError(f"{d}: the calibration is not finished; run the same calibrate command again")
    return {
        "posterior_marginals": draw_marginals(
            marginals_data(d, manifest), switches_data(d, manifest), manifest
        ),
        "predictive_check": draw_predictive(predictive_data(d), manifest, d),
    }

"""Figures of a ``discover`` directory: PRIM's coverage/density trade-off and the chosen box.

As in :mod:`sim.plots.data`, the numbers behind each figure come from a
``*_data`` function that tests can check without looking at pixels; the
drawing functions only draw them, with the banner and hypotheses of
:func:`sim.plots.draw.label`.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from .. import resultdir as rd
from .draw import label, new_figure

KIND = "discover"


def tradeoff_data(directory: str | Path) -> pd.DataFrame:
    """The peeling trajectory (origin "prim") and the pruned boxes (origin "pruned"), per box:
    coverage, density, mass, res_dim, significant, chosen."""
    d = Path(directory)
    if rd.read_manifest(d)["kind"] != KIND:
        return pd.DataFrame()
    return rd.read_csv(d / "trajectory.csv")


def box_data(directory: str | Path) -> pd.DataFrame:
    """The chosen box's restricted parameters with limits as shares of each parameter's range."""
    d = Path(directory)
    if rd.read_manifest(d)["kind"] != KIND:
        return pd.DataFrame()
    b = rd.read_csv(d / "box.csv", keep_default_na=False, na_values=[""])
    b["values"] = b["values"].astype(object).fillna("").astype(str)  # all empty: read as floats
    return b[b["restricted"].astype(bool)].reset_index(drop=True)


def _subtitle(manifest: dict[str, Any]) -> str:
    """What was asked and what was found, wrapped to sit above the axes."""
    s = manifest.get("chosen", {})
    outcome = manifest.get("outcome_label") or " or ".join(manifest.get("outcomes", []))
    switches = manifest.get("hypotheses_uncertain") or []
    text = (
        f"Outcome of interest: {outcome}. Box #{manifest.get('chosen_box')}: coverage "
        f"{s.get('coverage', math.nan):.2f}, density {s.get('density', math.nan):.2f}, mass "
        f"{s.get('mass', math.nan):.2f} ({manifest.get('rule', '')})."
    )
    if switches:
        text += f" Switches drawn per replicate (on in some, off in others): {', '.join(switches)}."
    return "\n".join(textwrap.wrap(text, 120))


def tradeoff(data: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    """Coverage against density of every box on the trajectory, coloured by restricted dimensions."""
    fig = new_figure(9, 7)
    ax = fig.add_subplot()
    dims = data["res_dim"].to_numpy(dtype=int)
    levels = np.arange(dims.max() + 2) - 0.5
    cmap = ListedColormap([_viridis(i, len(levels) - 1) for i in range(len(levels) - 1)])
    norm = BoundaryNorm(levels, cmap.N)
    peeled = (data["origin"] == "prim").to_numpy() if "origin" in data else np.ones(len(data), bool)
    ax.plot(data["coverage"][peeled], data["density"][peeled], color="#bbbbbb", linewidth=0.8, zorder=1)
    sig = data["significant"].astype(bool).to_numpy()
    for mask, marker in ((sig & peeled, "o"), (~sig & peeled, "X"), (~peeled, "D")):
        ax.scatter(
            data["coverage"][mask],
            data["density"][mask],
            c=dims[mask],
            cmap=cmap,
            norm=norm,
            marker=marker,
            s=36,
            zorder=2,
            edgecolors="none",
        )
    chosen = data[data["chosen"].astype(bool)]
    candidate = manifest.get("candidate_box")
    if len(chosen):
        c = chosen.iloc[0]
        if candidate is not None and candidate != int(c["box"]):  # pruned: from the candidate to the box
            start = data.loc[data["box"] == candidate].iloc[0]
            ax.annotate(
                "",
                (c["coverage"], c["density"]),
                xytext=(start["coverage"], start["density"]),
                arrowprops={"arrowstyle": "->", "color": "#c00000", "lw": 1.2},
                zorder=3,
            )
            ax.annotate(
                f"#{candidate}, pruned",
                (start["coverage"], start["density"]),
                textcoords="offset points",
                xytext=(-8, -14),
                ha="right",
                color="#c00000",
                fontsize=8,
            )
        ax.scatter(
            [c["coverage"]], [c["density"]], s=220, facecolors="none", edgecolors="#c00000", lw=2, zorder=3
        )
        ax.annotate(
            f"chosen box #{int(c['box'])}",
            (c["coverage"], c["density"]),
            textcoords="offset points",
            xytext=(-12, 12),
            ha="right",
            color="#c00000",
            fontsize=9,
        )
    base = float(data["density"].iloc[0])
    ax.axhline(base, color="grey", linestyle="--", linewidth=0.8)
    floor = manifest.get("settings", {}).get("coverage_floor")
    if floor is not None:
        ax.axvline(floor, color="grey", linestyle=":", linewidth=0.8)
    cb = fig.colorbar(ax.collections[0], ax=ax, ticks=np.arange(dims.max() + 1), shrink=0.8)
    cb.set_label("restricted parameters")
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box's replicates that end so)")
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker=m, linestyle="", color="#555555", label=t)
        for m, t in (
            ("o", "PRIM box, every limit significant"),
            ("X", "PRIM box, some limit not significant"),
            ("D", "a box pruned to its significant limits"),
        )
    ]
    handles.append(
        Line2D([], [], color="grey", linestyle="--", linewidth=0.8, label="density of the whole batch")
    )
    ax.legend(handles=handles, frameon=False, fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    ax.set_title(_subtitle(manifest), fontsize=8, loc="left")
    label(fig, manifest, "PRIM peeling trajectory: coverage against density")
    fig.subplots_adjust(top=1 - 1.35 / 7)
    return fig


def _viridis(i: int, n: int) -> tuple[float, float, float, float]:
    from matplotlib import colormaps

    return tuple(colormaps["viridis"](i / max(n - 1, 1)))  # type: ignore[return-value]


def box(data: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    """The chosen box: each restricted parameter's limits as a bar over its whole range (0 to 1)."""
    n = max(len(data), 1)
    height = max(5.5, 3.4 + 0.6 * n)
    fig = new_figure(10, height)
    ax = fig.add_subplot()
    y = np.arange(len(data))[::-1]
    ax.barh(y, np.ones(len(data)), left=0, height=0.55, color="#e6e6e6", zorder=1)
    for yi, row in zip(y, data.itertuples(), strict=True):
        lo, hi = float(row.norm_low), float(row.norm_high)
        if row.kind == "switch":
            ax.scatter([0, 1], [yi, yi], s=60, color="#999999", zorder=2)
            inside = [0.0 if v == "off" else 1.0 for v in str(row.values).split("|")]
            ax.scatter(inside, [yi] * len(inside), s=140, color="#c44e52", zorder=3)
            for x, word in ((0, "off"), (1, "on")):
                ax.text(x, yi - 0.42, word, ha="center", va="top", fontsize=8)
            ax.text(1.04, yi, f"= {str(row.values).replace('|', ' or ')}", va="center", fontsize=8)
            continue
        ax.barh([yi], [hi - lo], left=lo, height=0.55, color="#c44e52", alpha=0.85, zorder=2)
        # An unrestricted side stops at the smallest or largest value drawn: no limit to label.
        if not math.isnan(row.qp_low):
            ax.text(lo, yi - 0.4, f"{row.low:.4g}", ha="center", va="top", fontsize=8)
        if not math.isnan(row.qp_high):
            ax.text(hi, yi - 0.4, f"{row.high:.4g}", ha="center", va="top", fontsize=8)
        ax.text(1.04, yi, f"range {row.range_low:.4g} to {row.range_high:.4g}", va="center", fontsize=8)
    ax.set_yticks(y, list(data["parameter"]), fontsize=8)
    ax.set_xlim(-0.05, 1.35)
    ax.set_ylim(-0.9, max(len(data) - 0.4, 0.6))
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("limit as a share of the parameter's range (grey: whole range; red: inside the box)")
    ax.grid(axis="x", alpha=0.3)
    if not len(data):
        ax.text(0.5, 0, "no restricted parameter: the box is the whole batch", ha="center", va="center")
    ax.set_title(_subtitle(manifest), fontsize=8, loc="left")
    label(fig, manifest, "The chosen PRIM box, limits as shares of each parameter's range", left=0.3)
    fig.subplots_adjust(top=1 - 1.35 / height)  # room for the banner, the title and the 3-line subtitle
    return fig


def figures(directory: str | Path) -> dict[str, Figure]:
    """Both figures of a discover directory, by file stem."""
    manifest = rd.read_manifest(directory)
    return {
        "tradeoff": tradeoff(tradeoff_data(directory), manifest),
        "box": box(box_data(directory), manifest),
    }

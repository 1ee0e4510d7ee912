"""Figures drawn from the frames of :mod:`sim.plots.data`.

Figures are built with the object-oriented API (:class:`StormFigure`, a
``matplotlib.figure.Figure``), never pyplot, so no global state or GUI backend
is involved; files are written through the Agg canvas. A StormFigure shows
itself in Jupyter (``_repr_png_``) without ``%matplotlib inline``. Every figure
carries the banner as its title and the hypotheses that were on in a footer.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis import summary as sm
from ..banner import BANNER
from ..model import OUTCOMES
from ..outputs import SERIES_SPECS

#: Panel title and axis unit of each series, from its declaration in sim.outputs.
SERIES_LABELS = {
    s.name: (s.label, s.unit if s.unit == "km" else f"{s.unit} ({s.low:g}-{s.high:g})") for s in SERIES_SPECS
}
#: Fewest replicates of an outcome for its bands to be drawn.
MIN_GROUP = 10
INDEX_LABELS = {"S1": "first-order S1", "ST": "total ST", "mu_star": "Morris μ*", "sigma": "Morris σ"}
_COLORS = {
    o: c
    for o, c in zip(OUTCOMES, ("#4c72b0", "#8fb0d9", "#c44e52", "#dd8452", "#8172b3", "#937860"), strict=True)
}


def _color(name: str, i: int) -> str:
    return _COLORS.get(name, f"C{i % 10}")


class StormFigure(Figure):
    """A Figure that Jupyter displays as a PNG on its own (the last value of a cell).

    pyplot is never involved, so neither a GUI backend nor ``%matplotlib
    inline`` is needed; IPython calls ``_repr_png_`` on the object.
    """

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=90)
        return buf.getvalue()


def new_figure(width: float = 10, height: float = 6) -> Figure:
    return StormFigure(figsize=(width, height), dpi=100)


def label(fig: Figure, manifest: dict[str, Any], title: str, left: float | None = None) -> Figure:
    """Banner on top, the figure's own title below it, hypotheses and provenance in a footer."""
    fig.suptitle(f"{BANNER}\n{title}", fontsize=12, fontweight="bold", color="#8b0000", y=0.985)
    lines = sm.hypothesis_lines(manifest)
    if manifest.get("changes"):
        lines.append("B changes: " + "; ".join(manifest["changes"]))
    drawn = [k for k in manifest.get("uncertain") or {} if k != "posterior"]
    if drawn or (manifest.get("uncertain") or {}).get("posterior"):
        # An uncertain batch mixes guessed worlds: say so on every figure, and where the spread is.
        source = (
            "from a posterior" if "posterior" in (manifest.get("uncertain") or {}) else "from their spans"
        )
        lines.append(
            f"Guessed parameters drawn per replicate ({len(drawn) or 'all calibrated'} keys {source}; "
            f"{manifest.get('draws', '?')} draws of {manifest.get('replicates_per_draw', '?')} replicates): "
            "bands mix those worlds; outcomes.png and summary.csv give the spread across draws."
        )
    seed, runs = manifest.get("seed"), manifest.get("runs")
    per = {"sweep": " per point", "compare": " per variant", "attribute": " per on/off variant"}
    lines.append(
        f"Scenario {manifest.get('scenario_name')} · hash {manifest.get('scenario_hash')} · seed {seed} · "
        f"{runs} replicates{per.get(str(manifest.get('kind')), '')}"
    )
    wrapped = [w for line in lines for w in textwrap.wrap(line, 150)]
    fig.text(0.01, 0.01, "\n".join(wrapped), fontsize=7.5, va="bottom", ha="left", color="#333333")
    bottom = 0.06 + 0.022 * len(wrapped)
    fig.subplots_adjust(top=0.86, bottom=bottom + 0.06, **({"left": left} if left is not None else {}))
    return fig


def _pct_axis(ax: Axes, axis: str = "y") -> None:
    fmt = "{x:.0f} %"
    from matplotlib.ticker import StrMethodFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(StrMethodFormatter(fmt))


def _dates(ax: Axes) -> None:
    loc = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def _span_unit(td: pd.Timedelta) -> str:
    return "hours" if td <= pd.Timedelta(days=10) else "days"


def _span(td: pd.Timedelta) -> float:
    hours = td / pd.Timedelta(hours=1)
    return hours if _span_unit(td) == "hours" else hours / 24


def outcome_bars(data: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    """Outcome probabilities (percent) with 95 % Wilson interval bars, one bar per variant."""
    fig = new_figure(10, 5.8)
    ax = fig.add_subplot()
    variants = list(dict.fromkeys(data["variant"]))
    guesses = False
    x = np.arange(len(OUTCOMES))
    width = 0.8 / max(len(variants), 1)
    for i, v in enumerate(variants):
        d = data[data["variant"] == v].set_index("outcome").reindex(list(OUTCOMES))
        p = 100 * d["probability"].to_numpy(dtype=float)
        # Clipped: a Wilson bound can sit a rounding error beyond p when p is 0 or 1.
        err = np.clip(
            np.vstack(
                [p - 100 * d["ci_low"].to_numpy(dtype=float), 100 * d["ci_high"].to_numpy(dtype=float) - p]
            ),
            0,
            None,
        )
        pos = x - 0.4 + width * (i + 0.5)
        if "param_q05" in d.columns and d["param_q05"].notna().any():
            # How much the result depends on the guesses: a wider, lighter band behind the bar.
            lo, hi = 100 * d["param_q05"].to_numpy(dtype=float), 100 * d["param_q95"].to_numpy(dtype=float)
            ax.bar(
                pos,
                hi - lo,
                width * 0.98,
                bottom=lo,
                color=f"C{i}",
                alpha=0.22,
                edgecolor=f"C{i}",
                label=f"{v}: 5-95 % across parameter draws (the guesses)",
            )
            guesses = True
        ax.bar(pos, p, width * 0.92, label=v, color=f"C{i}", yerr=err, capsize=3, ecolor="black")
        for xi, pi, top in zip(pos, p, p + err[1], strict=True):
            ax.annotate(
                f"{pi:.1f}", (xi, top), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=7
            )
    ax.set_xticks(x, [o.replace("_", " ") for o in OUTCOMES])
    ax.set_ylabel("share of replicates")
    _pct_axis(ax)
    top = max(data["ci_high"].max(), data["param_q95"].max() if guesses else 0)
    ax.set_ylim(0, min(105, max(10, 100 * float(top) * 1.15)))
    ax.legend(frameon=False, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    title = "Outcome probabilities with 95 % Wilson intervals (Monte Carlo)"
    if guesses:
        title += "; light bands: the guesses' 5-95 % spread"
    return label(fig, manifest, title)


def fan_chart(data: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    """Median and quantile bands of each key series over real dates, for all or by outcome.

    Bands are over the replicates still running at each step. The distance to
    Moscow has its own time axis: the mutiny's fine window.
    """
    series = [s for s in dict.fromkeys(data["series"].astype(str))]
    rows = max(1, -(-len(series) // 2))
    fig = new_figure(11, 3.75 * rows)
    groups = [g for g in dict.fromkeys(data["outcome"].astype(str))]
    split = groups != ["all"]
    # Bands of a handful of replicates are noise: outcomes with fewer than MIN_GROUP are named, not drawn.
    size = data.groupby(data["outcome"].astype(str))["n"].max()
    few = [g for g in groups if split and size[g] < MIN_GROUP]
    groups = [g for g in groups if g not in few]
    axes: Any = np.asarray(fig.subplots(rows, 2, squeeze=False, gridspec_kw={"hspace": 0.5})).ravel()
    for ax in axes[len(series) :]:
        ax.set_visible(False)
    for ax, name in zip(axes, series, strict=False):
        d = data[data["series"].astype(str) == name]
        for gi, group in enumerate(groups):
            g = d[d["outcome"].astype(str) == group]
            if not len(g):
                continue
            t = g["time"].to_numpy()
            color = _color(group, gi) if split else "C0"
            if split:  # one band per outcome, so keep to the median and the middle half
                n = int(g["n"].max())
                ax.fill_between(t, g["q25"], g["q75"], color=color, alpha=0.22, linewidth=0)
                ax.plot(t, g["q50"], color=color, linewidth=1.4, label=f"{group} ({n})")
            else:
                ax.fill_between(t, g["q05"], g["q95"], color=color, alpha=0.18, linewidth=0, label="5-95 %")
                ax.fill_between(t, g["q25"], g["q75"], color=color, alpha=0.38, linewidth=0, label="25-75 %")
                ax.plot(t, g["q50"], color=color, linewidth=1.6, label="median")
        title, unit = SERIES_LABELS.get(name, (name, ""))
        # A series that barely moves would fill the panel with binning noise: keep a minimum span.
        lo, hi = float(d["q05"].min()), float(d["q95"].max())
        min_span = 50.0 if unit == "km" else 0.1
        if hi - lo < min_span:
            mid = (hi + lo) / 2
            ax.set_ylim(mid - min_span / 2, mid + min_span / 2)
        if name == "distance_km":
            title += " (the mutiny's fine window)"
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        _dates(ax)
    for ax in axes[len(series) :]:
        ax.set_visible(False)
    legend = axes[0].legend(frameon=False, fontsize=7 if split else 8)
    if split:
        sample = int(size.sum())
        if few:
            legend.set_title(f"not drawn (< {MIN_GROUP}): {', '.join(few)}", prop={"size": 7})
        return label(
            fig, manifest, f"Key series by final outcome: median and 25-75 % over {sample} replicates re-run"
        )
    return label(fig, manifest, "Key series over the replicates still running: median and quantile bands")


def time_to_outcome(data: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    """Histogram of end times (before the scenario's end) and cumulative incidence by outcome."""
    from .data import scenario_time

    fig = new_figure(11, 6.5)
    panels: Any = fig.subplots(1, 2, sharex=True)
    ax_h, ax_c = panels
    variants = list(dict.fromkeys(data["variant"]))
    styles = ["-", "--", ":"]
    start = scenario_time(manifest, "start") or data["end_time"].min()
    end = scenario_time(manifest, "end") or data["end_time"].max()
    edges = pd.date_range(start, end, periods=41)  # the whole span, so early and late ends both show
    early = data[~data["at_end"].astype(bool)]
    for vi, v in enumerate(variants):
        for oi, (o, g) in enumerate(early[early["variant"] == v].groupby("outcome", sort=False)):
            counts, _ = np.histogram(
                g["end_time"].astype("int64"), bins=edges.astype("int64"), weights=g["count"]
            )
            name = o if len(variants) == 1 else f"{o} ({v[0]})"
            ax_h.stairs(
                counts, edges, label=name, color=_color(o, oi), linestyle=styles[vi % 3], linewidth=1.5
            )
    if len(early):
        ax_h.legend(frameon=False, fontsize=7)
    else:
        ax_h.text(
            0.5,
            0.5,
            "every replicate ran to the scenario's end",
            ha="center",
            va="center",
            transform=ax_h.transAxes,
        )
    ax_h.set_title("When replicates ended (before the scenario's end)", fontsize=10)
    ax_h.set_ylabel(f"replicates per bin ({_span(end - start) / 40:.3g} {_span_unit(end - start)})")
    for vi, v in enumerate(variants):
        for oi, (o, g) in enumerate(data[data["variant"] == v].groupby("outcome", sort=False)):
            name = o if len(variants) == 1 else f"{o} ({v[0]})"
            # From 0 at the start to the outcome's probability at the end.
            x = [start, *g["end_time"], max(end, g["end_time"].max())]
            y = [0.0, *(100 * g["cumulative_share"]), 100 * g["cumulative_share"].iloc[-1]]
            ax_c.step(x, y, where="post", label=name, color=_color(o, oi), linestyle=styles[vi % 3])
    ax_c.set_title("Cumulative share of replicates ended, by outcome", fontsize=10)
    ax_c.set_ylabel("share of all replicates")
    _pct_axis(ax_c)
    ax_c.legend(frameon=False, fontsize=7)
    for ax in (ax_h, ax_c):
        ax.grid(alpha=0.3)
        _dates(ax)
    return label(fig, manifest, "Time to outcome (replicates still in power end at the scenario's end)")


def differences(data: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    """Paired differences B - A (points) with paired and, for contrast, unpaired intervals."""
    d = data[(data["count_a"] + data["count_b"]) > 0].reset_index(drop=True)
    fig = new_figure(10, 1.6 + 0.45 * max(len(d), 2) + 1.5)
    ax = fig.add_subplot()
    names = [
        o if v == "outcome" else f"mutiny end: {o}" for v, o in zip(d["variable"], d["outcome"], strict=True)
    ]
    y = np.arange(len(d))[::-1]
    diff = 100 * d["diff"].to_numpy(dtype=float)
    ax.barh(y, diff, color=["#c44e52" if v < 0 else "#4c72b0" for v in diff], alpha=0.8, height=0.6)
    ax.errorbar(
        diff,
        y,
        xerr=np.clip([diff - 100 * d["diff_low"], 100 * d["diff_high"] - diff], 0, None),
        fmt="none",
        ecolor="black",
        capsize=4,
        label="paired 95 % (common random numbers)",
    )
    ax.errorbar(
        diff,
        y - 0.25,
        xerr=np.clip([diff - 100 * d["unpaired_low"], 100 * d["unpaired_high"] - diff], 0, None),
        fmt="none",
        ecolor="grey",
        capsize=2,
        alpha=0.8,
        label="unpaired 95 % (for contrast)",
    )
    ax.set_yticks(y, names)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("B - A, percentage points")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(frameon=False, fontsize=8, loc="best")
    changes = "; ".join(manifest.get("changes", []))
    return label(fig, manifest, textwrap.shorten(f"Changed: {changes}", 110), left=0.24)


def transitions(data: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    """Heatmap of replicate counts: outcome as written (rows) -> outcome changed (columns)."""
    fig = new_figure(8.5, 7.5)
    ax = fig.add_subplot()
    m = data.to_numpy(dtype=float)
    im = ax.imshow(np.log10(m + 1), cmap="Blues")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(
                j,
                i,
                f"{int(m[i, j])}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if m[i, j] > m.max() / 3 else "black",
                fontweight="bold" if i == j else "normal",
            )
    ax.set_xticks(range(m.shape[1]), [c.replace("_", "\n") for c in data.columns], fontsize=8)
    ax.set_yticks(range(m.shape[0]), [c.replace("_", " ") for c in data.index], fontsize=8)
    ax.set_xlabel("outcome changed (B)")
    ax.set_ylabel("outcome as written (A)")
    cb = fig.colorbar(im, ax=ax, shrink=0.7)
    cb.set_label("log10(replicates + 1)")
    unchanged = int(np.trace(m))
    return label(
        fig,
        manifest,
        f"Transitions: {int(m.sum()) - unchanged} of {int(m.sum())} replicates changed "
        "outcome (diagonal: unchanged)",
    )


def response_curves(data: pd.DataFrame, manifest: dict[str, Any], outputs: list[str]) -> Figure:
    """Probability of each output against each swept parameter, with Wilson intervals."""
    params = list(dict.fromkeys(data["parameter"]))
    fig = new_figure(6 * min(len(params), 2) + 1, 4.6 * ((len(params) + 1) // 2) + 1.5)
    axes = np.atleast_1d(fig.subplots((len(params) + 1) // 2, min(len(params), 2), squeeze=False).ravel())
    units = {p["key"]: p.get("unit", "") for p in manifest.get("params", [])}
    for ax, key in zip(axes, params, strict=False):
        d = data[data["parameter"] == key]
        for i, out in enumerate(outputs):
            g = d[d["output"] == out].sort_values("value")
            p = 100 * g["probability"].to_numpy(dtype=float)
            err = np.clip(
                [p - 100 * g["ci_low"].to_numpy(dtype=float), 100 * g["ci_high"].to_numpy(dtype=float) - p],
                0,
                None,
            )
            color = _color(out, i)
            ax.errorbar(g["value"], p, yerr=err, fmt="o", ms=3, alpha=0.45, color=color, elinewidth=0.8)
            means = g.groupby("value")["probability"].mean()
            if len(means) <= 25:  # grid-like: join the mean at each level
                ax.plot(means.index, 100 * means.to_numpy(), color=color, label=out)
            else:  # scattered design: a running mean over sorted values
                roll = g["probability"].rolling(max(3, len(g) // 8), center=True, min_periods=1).mean()
                ax.plot(g["value"], 100 * roll, color=color, label=out)
        ax.set_xlabel(f"{key} ({units.get(key, '')})")
        ax.set_ylabel("share of replicates")
        _pct_axis(ax)
        ax.grid(alpha=0.3)
    for ax in axes[len(params) :]:
        ax.set_visible(False)
    axes[0].legend(frameon=False, fontsize=7)
    return label(
        fig,
        manifest,
        f"Response curves ({manifest.get('design')}); "
        f"{manifest.get('runs')} replicates per point on common random numbers",
    )


def sensitivity(data: pd.DataFrame, manifest: dict[str, Any], outputs: list[str]) -> Figure:
    """Sobol S1/ST or Morris mu*/sigma per parameter, one panel per output, 95 % error bars."""
    outputs = [o for o in outputs if o in set(data["output"])]
    n = max(len(outputs), 1)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig = new_figure(4.2 * cols + 1, 3.4 * rows + 2)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    indices = list(dict.fromkeys(data["index"]))
    for ax, out in zip(axes, outputs, strict=False):
        d = data[data["output"] == out]
        params = list(dict.fromkeys(d["parameter"]))
        y = np.arange(len(params))[::-1]
        h = 0.8 / len(indices)
        for i, ix in enumerate(indices):
            g = d[d["index"] == ix].set_index("parameter").reindex(params)
            ax.barh(
                y + 0.4 - h * (i + 0.5),
                g["value"],
                h * 0.9,
                xerr=g["conf"],
                capsize=2,
                label=INDEX_LABELS.get(ix, ix),
                color=f"C{i}",
            )
        ax.set_yticks(y, [p.split(".", 1)[-1] for p in params], fontsize=7)
        ax.set_title(out, fontsize=9)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[len(outputs) :]:
        ax.set_visible(False)
    axes[0].legend(frameon=False, fontsize=7)
    method = "Sobol indices (Saltelli design)" if "S1" in indices else "Morris screening (Δp per unit range)"
    return label(fig, manifest, f"Sensitivity of outcome probabilities: {method}, 95 % intervals")


def shapley(data: pd.DataFrame, manifest: dict[str, Any]) -> Figure:
    """Shapley value of each hypothesis (percentage points of P(outcome)) with paired 95 % intervals."""
    fig = new_figure(9.5, 2.2 + 0.55 * len(data) + 1.5)
    ax = fig.add_subplot()
    y = np.arange(len(data))[::-1]
    v = 100 * data["shapley"].to_numpy(dtype=float)
    ax.barh(
        y,
        v,
        color=["#c44e52" if x < 0 else "#4c72b0" for x in v],
        height=0.6,
        xerr=np.clip([v - 100 * data["ci_low"], 100 * data["ci_high"] - v], 0, None),
        capsize=4,
    )
    ax.set_yticks(y, list(data["hypothesis"]))
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"contribution to P({manifest.get('outcome')}), percentage points")
    ax.grid(axis="x", alpha=0.3)
    on, off = manifest.get("p_all_on", float("nan")), manifest.get("p_all_off", float("nan"))
    return label(
        fig,
        manifest,
        f"Exact Shapley attribution of P({manifest.get('outcome')}): "
        f"all on {100 * on:.1f} %, all off {100 * off:.1f} %",
        left=0.24,
    )

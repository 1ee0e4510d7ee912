"""Every chart and table the page shows, as a file to save: PNG, and CSV labelled with the banner.

PNG figures are drawn by :mod:`sim.plots.draw` (the same figures ``plot`` writes),
so they carry the banner as their title and the hypotheses in a footer. CSV files
are labelled the way every result table of the project is (sim.resultdir.csv_frame):
``banner`` and ``hypotheses_on`` columns (and ``hypotheses_on_b`` for A against B).
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

import sim
from sim.analysis import summary as sm


def _manifest(spec: sim.Scenario, seed: int, runs: int, spec_b: sim.Scenario | None = None) -> dict[str, Any]:
    m = sm.manifest_base("compare" if spec_b is not None else "batch", spec, seed, runs)
    if spec_b is not None:
        from sim.analysis.compare import spec_changes

        m["hypotheses_on_b"] = spec_b.hypotheses_on
        m["changes"] = spec_changes(spec, spec_b)
    return m


def csv_bytes(frame: pd.DataFrame, manifest: dict[str, Any]) -> bytes:
    """``frame`` as CSV with the project's label columns (banner, hypotheses on)."""
    from sim.resultdir import csv_frame

    return csv_frame(frame, manifest).to_csv(index=False).encode("utf-8")


def _png(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Title": sim.BANNER})
    return buf.getvalue()


def _bars(tables: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    frames = []
    for variant, t in tables:
        frames.append(
            pd.DataFrame(
                {
                    "variant": variant,
                    "outcome": t["outcome"],
                    "count": t["count"],
                    "runs": t["n"],
                    "probability": t["share"],
                    "ci_low": t["lo"],
                    "ci_high": t["hi"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def distribution_png(table: pd.DataFrame, spec: sim.Scenario, seed: int, runs: int, given: str = "") -> bytes:
    """The outcome distribution of one world (sim.plots.draw.outcome_bars).

    ``given`` names what a posterior ensemble is conditional on: it labels the bars, since the
    footer's hypotheses line cannot say that every switch was drawn.
    """
    from sim.plots import draw

    variant = f"{spec.name}, {given}" if given else spec.name
    return _png(draw.outcome_bars(_bars([(variant, table)]), _manifest(spec, seed, runs)))


def distribution_csv(table: pd.DataFrame, spec: sim.Scenario, seed: int, runs: int, given: str = "") -> bytes:
    """The distribution's table; a posterior ensemble's rows say what they are conditional on."""
    return csv_bytes(table.assign(given=given) if given else table, _manifest(spec, seed, runs))


def ab_png(diffs: pd.DataFrame, spec_a: sim.Scenario, spec_b: sim.Scenario, seed: int, runs: int) -> bytes:
    """World A and world B side by side (sim.plots.draw.outcome_bars with two variants)."""
    from sim.plots import draw

    tables = []
    for side, label in (("a", "A"), ("b", "B")):
        tables.append(
            (
                label,
                pd.DataFrame(
                    {
                        "outcome": diffs["outcome"],
                        "count": diffs[f"count_{side}"],
                        "n": diffs["runs"],
                        "share": diffs[f"p_{side}"],
                        "lo": diffs[f"{side}_low"],
                        "hi": diffs[f"{side}_high"],
                    }
                ),
            )
        )
    return _png(draw.outcome_bars(_bars(tables), _manifest(spec_a, seed, runs, spec_b)))


def ab_csv(diffs: pd.DataFrame, spec_a: sim.Scenario, spec_b: sim.Scenario, seed: int, runs: int) -> bytes:
    return csv_bytes(diffs, _manifest(spec_a, seed, runs, spec_b))


def timeline_csv(
    timeline: pd.DataFrame, spec_a: sim.Scenario, spec_b: sim.Scenario, seed: int, rep: int
) -> bytes:
    """The aligned stories of one replicate (side '=': both worlds; 'A' or 'B': that world only)."""
    return csv_bytes(timeline.assign(replicate=rep), _manifest(spec_a, seed, 1, spec_b))


def series_png(frame: pd.DataFrame, spec: sim.Scenario, seed: int, replicate: int) -> bytes:
    """The stepped replicate's series so far."""
    from sim.plots import draw

    from .player import series_style

    fig = draw.new_figure(10, 5.2)
    ax = fig.add_subplot()
    times = pd.to_datetime(frame["time"])
    for name in frame.columns[1:]:
        label, colour = series_style(name)
        values = frame[name]
        if name == "distance_km":  # km on its own scale: shown as a share of the starting distance
            top = float(values.max()) or 1.0
            values = values / top
            label += f" (÷ {top:.0f} km)"
        ax.plot(times, values, label=label, color=colour)
    ax.set_ylim(0, 1.05)
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    m = _manifest(spec, seed, 1)
    return _png(draw.label(fig, m, f"Replicate #{replicate}: key series so far"))


def series_csv(frame: pd.DataFrame, spec: sim.Scenario, seed: int, replicate: int) -> bytes:
    return csv_bytes(frame.assign(replicate=replicate), _manifest(spec, seed, 1))

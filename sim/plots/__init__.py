"""Figures (PNG and SVG) from batch, compare, sweep and attribute result directories.

``render(dir, figdir)`` reads the directory's ``manifest.json``, draws every
figure that applies to its kind and writes each as PNG and SVG. The numbers
behind each figure come from the ``*_data`` functions of :mod:`sim.plots.data`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from ..analysis import summary as sm
from ..banner import BANNER
from ..errors import StormError, UsageError
from . import draw
from .data import (
    KINDS,
    difference_data,
    fan_chart_data,
    outcome_bars_data,
    response_curve_data,
    sensitivity_data,
    shapley_data,
    time_to_outcome_data,
    transition_data,
    varying_outputs,
)

__all__ = [
    "difference_data",
    "fan_chart_data",
    "figures",
    "outcome_bars_data",
    "render",
    "response_curve_data",
    "sensitivity_data",
    "shapley_data",
    "time_to_outcome_data",
    "transition_data",
]


def _style() -> AbstractContextManager[Any]:
    # Text stays text in SVG files, so the banner can be found (and read) in them.
    return matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9})


def figures(directory: str | Path) -> dict[str, Figure]:
    """Every figure that applies to the directory's kind, by file stem."""
    d = Path(directory)
    manifest = sm.read_manifest(d)
    kind = manifest["kind"]
    if kind == "discover":  # PRIM's figures live in their own module
        from . import discover

        with _style():
            return discover.figures(d)
    if kind not in KINDS:
        raise StormError(f"{d}: cannot plot a {kind!r} result; kinds with figures: {', '.join(KINDS)}")
    if kind == "batch" and manifest.get("complete") is False:
        raise StormError(f"{d}: the batch is not finished (complete: false); run it again to resume")
    out: dict[str, Figure] = {}
    with _style():
        makers: list[tuple[str, Callable[[], Figure | None]]] = []
        if kind in ("batch", "compare"):
            bars = outcome_bars_data(d)
            if len(bars):
                makers.append(("outcomes", lambda: draw.outcome_bars(bars, manifest)))
            fan = fan_chart_data(d)
            if len(fan):  # no series.parquet: no fan chart
                makers.append(("fan_chart", lambda: draw.fan_chart(fan, manifest)))
            tto = time_to_outcome_data(d)
            if len(tto):
                makers.append(("time_to_outcome", lambda: draw.time_to_outcome(tto, manifest)))
        if kind == "compare":
            makers.append(("differences", lambda: draw.differences(difference_data(d), manifest)))
            makers.append(("transitions", lambda: draw.transitions(transition_data(d), manifest)))
        if kind == "sweep":
            curves = response_curve_data(d)
            outputs = varying_outputs(curves)
            makers.append(("response_curves", lambda: draw.response_curves(curves, manifest, outputs)))
            ix = sensitivity_data(d)
            if len(ix):
                makers.append(("sensitivity", lambda: draw.sensitivity(ix, manifest, outputs)))
        if kind == "attribute":
            makers.append(("shapley", lambda: draw.shapley(shapley_data(d), manifest)))
        for name, make in makers:
            fig = make()
            if fig is not None:
                out[name] = fig
    return out


def render(
    directory: str | Path, figdir: str | Path, formats: tuple[str, ...] = ("png", "svg")
) -> list[Path]:
    """Draw every figure of ``directory`` into ``figdir`` (created if needed); the paths written."""
    target = Path(figdir)
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {target}: is a file, not a directory")
    figs = figures(directory)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise sm.OutputError(f"--out {target}: cannot create the directory: {err.strerror or err}") from None
    written = []
    with _style():
        for name, fig in figs.items():
            for fmt in formats:
                path = target / f"{name}.{fmt}"
                tmp = target / f".tmp-{name}.{fmt}"
                try:
                    fig.savefig(
                        tmp,
                        format=fmt,
                        dpi=110 if fmt == "png" else None,
                        metadata={"Title": f"{BANNER} — {name}"},
                    )
                    tmp.replace(path)
                except OSError as err:
                    tmp.unlink(missing_ok=True)
                    raise sm.OutputError(f"{path}: cannot write: {err.strerror or err}") from None
                written.append(path)
    return written

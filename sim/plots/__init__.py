"""Figures (PNG and SVG) from batch, compare, sweep and attribute result directories.

``render(dir, figdir)`` reads the directory's ``manifest.json``, draws every
figure that applies to its kind and writes each as PNG and SVG. The numbers
behind each figure come from the ``*_data`` functions of :mod:`sim.plots.data`.

In a notebook, :func:`outcome_chart`, :func:`fan_chart` and
:func:`time_to_outcome_chart` take a result directory or the DataFrame
``sim.simulate`` returns, and return a figure that Jupyter shows by itself::

    df = sim.simulate("mutiny_hidden_patrons", runs=2000, seed=1)
    sim.plots.fan_chart(df, scenario="mutiny_hidden_patrons", by_outcome=True)
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
    DEFAULT_SAMPLE,
    KINDS,
    difference_data,
    export_trajectories,
    fan_chart_data,
    outcome_bars_data,
    response_curve_data,
    sensitivity_data,
    shapley_data,
    time_to_outcome_data,
    trajectories_data,
    transition_data,
    varying_outputs,
)
from .source import Source, resolve

__all__ = [
    "difference_data",
    "export_trajectories",
    "fan_chart",
    "fan_chart_data",
    "figures",
    "outcome_bars_data",
    "outcome_chart",
    "render",
    "response_curve_data",
    "sensitivity_data",
    "shapley_data",
    "time_to_outcome_chart",
    "time_to_outcome_data",
    "trajectories_data",
    "transition_data",
]


def _style() -> AbstractContextManager[Any]:
    # Text stays text in SVG files, so the banner can be found (and read) in them.
    return matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9})


def figures(
    source: Source, by_outcome: bool = False, scenario: Any = None, sample: int = DEFAULT_SAMPLE
) -> dict[str, Figure]:
    """Every figure that applies to the source's kind, by file stem.

    ``source`` is a result directory or a ``sim.simulate`` frame. With
    ``by_outcome``, a batch also gets ``fan_chart_by_outcome`` (its first ``sample``
    replicates re-run, see :func:`sim.plots.data.fan_chart_data`).
    """
    src = resolve(source, scenario)
    manifest, kind = src.manifest, src.kind
    where = src.directory if src.directory is not None else "the DataFrame"
    if kind == "discover" and src.directory is not None:  # PRIM's figures live in their own module
        from . import discover

        with _style():
            return discover.figures(src.directory)
    if kind == "calibrate" and src.directory is not None:  # its figures live in sim/plots/calibration.py
        from .calibration import figures as calibration_figures

        with _style():
            return calibration_figures(Path(src.directory), manifest)
    if kind not in KINDS:
        raise StormError(f"{where}: cannot plot a {kind!r} result; kinds with figures: {', '.join(KINDS)}")
    if by_outcome and kind != "batch":
        raise UsageError(f"{where}: by_outcome: bands by outcome need a batch result, not a {kind!r} one")
    if kind == "batch" and manifest.get("complete") is False:
        raise StormError(f"{where}: the batch is not finished (complete: false); run it again to resume")
    d = src.directory
    out: dict[str, Figure] = {}
    with _style():
        makers: list[tuple[str, Callable[[], Figure | None]]] = []
        if kind in ("batch", "compare"):
            bars = outcome_bars_data(src)
            if len(bars):
                makers.append(("outcomes", lambda: draw.outcome_bars(bars, manifest)))
            if src.frame is None or src.spec is not None:  # a frame needs its scenario
                fan = fan_chart_data(src)
                if len(fan):  # no series.parquet: no fan chart
                    makers.append(("fan_chart", lambda: draw.fan_chart(fan, manifest)))
            if by_outcome and kind == "batch":
                split = fan_chart_data(src, by_outcome=True, sample=sample)
                makers.append(("fan_chart_by_outcome", lambda: draw.fan_chart(split, manifest)))
            tto = time_to_outcome_data(src)
            if len(tto):
                makers.append(("time_to_outcome", lambda: draw.time_to_outcome(tto, manifest)))
        if kind == "compare":
            assert d is not None
            makers.append(("differences", lambda: draw.differences(difference_data(d), manifest)))
            makers.append(("transitions", lambda: draw.transitions(transition_data(d), manifest)))
        if kind == "sweep":
            assert d is not None
            curves = response_curve_data(d)
            outputs = varying_outputs(curves)
            makers.append(("response_curves", lambda: draw.response_curves(curves, manifest, outputs)))
            ix = sensitivity_data(d)
            if len(ix):
                makers.append(("sensitivity", lambda: draw.sensitivity(ix, manifest, outputs)))
        if kind == "attribute":
            assert d is not None
            makers.append(("shapley", lambda: draw.shapley(shapley_data(d), manifest)))
        for name, make in makers:
            fig = make()
            if fig is not None:
                out[name] = fig
    return out


def outcome_chart(source: Source, scenario: Any = None) -> Figure:
    """Outcome probabilities with 95 % Wilson intervals, from a directory or a simulate frame."""
    src = resolve(source, scenario)
    with _style():
        return draw.outcome_bars(outcome_bars_data(src), src.manifest)


def fan_chart(
    source: Source, by_outcome: bool = False, sample: int = DEFAULT_SAMPLE, scenario: Any = None
) -> Figure:
    """Bands of the key series over the replicates still running (by final outcome on request)."""
    src = resolve(source, scenario)
    data = fan_chart_data(src, by_outcome=by_outcome, sample=sample)
    if not len(data):
        raise StormError("no series to draw (a batch without series.parquet?)")
    with _style():
        return draw.fan_chart(data, src.manifest)


def time_to_outcome_chart(source: Source, scenario: Any = None) -> Figure:
    """When replicates ended, by outcome, from a directory or a simulate frame."""
    src = resolve(source, scenario)
    with _style():
        return draw.time_to_outcome(time_to_outcome_data(src), src.manifest)


def render(
    directory: Source,
    figdir: str | Path,
    formats: tuple[str, ...] = ("png", "svg"),
    by_outcome: bool = False,
    scenario: Any = None,
    sample: int = DEFAULT_SAMPLE,
) -> list[Path]:
    """Draw every figure of ``directory`` (or a simulate frame) into ``figdir``; the paths written."""
    target = Path(figdir)
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {target}: is a file, not a directory")
    figs = figures(directory, by_outcome=by_outcome, scenario=scenario, sample=sample)
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

"""Scenario discovery: under which drawn parameters does a batch end in an outcome of interest?

A batch run with uncertain parameters (``batch --uncertain ...``) is an
exploratory experiment: each replicate carries the parameter values it drew
(one column per dotted key) and its outcome. This module hands those columns
to the PRIM of the EMA workbench 3.x (``ema_workbench.analysis.prim``; PRIM is
not re-implemented here), takes its peeling trajectory and picks one box on it
by a stated rule:

* by default the **widest box (highest coverage) whose coverage is at least
  0.5 and whose density lies within the 95 % Wilson interval of the densest
  such box**: PRIM keeps peeling while noise raises the density a little, and
  the densest box buys those noise gains with coverage;
* or, with ``density=D``, the widest box whose density is at least D;
* or box number ``box=I`` of the trajectory.

The box is then **pruned**: its limits that are not significant (quasi-p above
0.05, the one-sided binomial test of Bryant & Lempert 2010 that the EMA
workbench computes for each side of each limit) are reset to the whole range,
least significant first, each wider box going through ``PrimBox.update``
(which recomputes its statistics and quasi-p values) until every limit left is
significant. The pruned boxes are appended to the trajectory.

Coverage is the share of the cases of interest that fall in the box, density
the share of the box's replicates that are cases of interest, mass the share of
all replicates in the box. Uncertain hypothesis switches (bool columns) enter
PRIM as categories ``on``/``off``. Every result is labelled: the hypotheses on,
and the switches that were uncertain.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import resultdir as rd
from ..banner import BANNER
from ..errors import StormError, UsageError, choices_hint
from ..outputs import IN_POWER, OUTCOMES
from . import discover_boxes as boxes
from .discover_boxes import DEFAULT_COVERAGE, OFF, ON, Parameter

#: ``leader_removed``: every outcome in which the leader is no longer in power.
ALIASES: dict[str, tuple[str, ...]] = {"leader_removed": tuple(o for o in OUTCOMES if o not in IN_POWER)}
DEFAULT_SIGNIFICANCE = 0.05
#: Replicates x parameters PRIM is given at most. EMA's peeling recurses once per step and each
#: level keeps a copy of the box's data and candidate indices: about 450 bytes per value at the
#: peak (100,000 x 122 took 6 GB and 57 s on one core; 25,000 x 122 took 1.8 GB and 36 s).
MAX_VALUES = 6_000_000
FILES = ("trajectory.csv", "box.csv", "limits.csv")
MAX_RESAMPLE = 100
FEW_DRAWS = 50  # fewer distinct worlds than this and a box is little more than a list of them
_NOT_PARAMETERS = ("draw", "replicate")


class DiscoverError(StormError):
    """The result directory cannot be analysed (exit status 1)."""


class NoUncertainError(DiscoverError):
    """The directory's replicates drew no parameters: nothing for PRIM to restrict."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        super().__init__(
            f"{directory}: no uncertain parameters (nothing listed under 'uncertain'); scenario "
            "discovery needs a batch whose replicates draw their parameters"
        )


class TooLargeError(UsageError):
    """More replicates x parameters than PRIM is given at once."""

    def __init__(self, where: str, rows: int, columns: int) -> None:
        self.rows, self.columns = rows, columns
        self.fits = max(1, MAX_VALUES // max(columns, 1))
        super().__init__(
            f"{where}: {rows:,} replicates x {columns} parameters is more than scenario discovery "
            f"takes at once ({MAX_VALUES:,} values); analyse a random subset (sample={self.fits:,})"
        )


def parse_outcomes(names: str | Sequence[str]) -> tuple[str, ...]:
    """Outcome names (comma-separated or a sequence; aliases expanded), in the vocabulary's order."""
    items = names.split(",") if isinstance(names, str) else list(names)
    wanted: set[str] = set()
    valid = [*OUTCOMES, *ALIASES]
    for raw in items:
        name = raw.strip()
        if not name:
            continue
        if name in ALIASES:
            wanted.update(ALIASES[name])
        elif name in OUTCOMES:
            wanted.add(name)
        else:
            raise UsageError(f"outcome: unknown outcome {name!r}{_hint(name, valid)}")
    if not wanted:
        raise UsageError(f"outcome: no outcome given; valid: {', '.join(valid)}")
    return tuple(o for o in OUTCOMES if o in wanted)


def select_keys(uncertain: Mapping[str, Any], patterns: Sequence[str] | None = None) -> list[str]:
    """The uncertain keys PRIM is given: all, or those matching any shell pattern (``wagner.*``)."""
    # Only distributions: the [uncertain] table's settings (replicates_per_draw, ...) are not parameters.
    keys = [
        k for k, v in uncertain.items() if k not in _NOT_PARAMETERS and isinstance(v, Mapping) and "dist" in v
    ]
    if not patterns:
        return keys
    picked = set()
    for pattern in patterns:
        hits = [k for k in keys if fnmatch.fnmatchcase(k, pattern)]
        if not hits:
            raise UsageError(
                f"params: {pattern!r} matches none of the {len(keys)} uncertain keys (e.g. {', '.join(keys[:3])})"
            )
        picked.update(hits)
    return [k for k in keys if k in picked]


def outcome_label(outcomes: Sequence[str]) -> str:
    """'a or b', or the alias that names exactly that set: 'leader_removed (a, b, c or d)'."""
    text = " or ".join(outcomes) if len(outcomes) < 3 else f"{', '.join(outcomes[:-1])} or {outcomes[-1]}"
    for alias, members in ALIASES.items():
        if set(members) == set(outcomes):
            return f"{alias} ({text})"
    return text


def _hint(name: str, valid: Sequence[str]) -> str:
    # choices_hint sorts; the vocabulary reads better in its own order.
    return choices_hint(name, valid).split("; valid:")[0] + "; valid: " + ", ".join(valid)


@dataclass
class DiscoverResult:
    """PRIM's peeling trajectory over a batch and the box chosen on it."""

    outcomes: tuple[str, ...]
    parameters: list[Parameter]
    trajectory: pd.DataFrame  # box, coverage, density, mass, res_dim, n, k, max_qp, significant, chosen
    limits: pd.DataFrame  # every box's restricted limits: box, parameter, low, high, values, qp_low, qp_high
    chosen: int
    rule: str
    rows: int  # replicates analysed
    interest: int  # of which cases of interest
    settings: dict[str, Any]
    observed: dict[str, tuple[float, float]]  # each number's smallest and largest value analysed
    source: dict[str, Any] = field(default_factory=dict)  # the batch's manifest (keys used for labels)
    directory: str = ""
    notes: list[str] = field(default_factory=list)
    reproduce: pd.DataFrame | None = None  # by parameter: reproduce_coverage, reproduce_density (percent)
    candidate: int = 0  # the box the rule chose on PRIM's trajectory, before pruning
    dropped: list[str] = field(default_factory=list)  # limits pruned from it, in order

    @property
    def switches(self) -> list[str]:
        """Hypothesis ids whose on/off switch was drawn per replicate (the batch's list, and PRIM's)."""
        mine = [
            p.key.split(".")[1]
            for p in self.parameters
            if p.kind == "switch" and p.key.startswith("hypotheses.")
        ]
        return list(dict.fromkeys([*self.source.get("hypotheses_uncertain", []), *mine]))

    @property
    def stats(self) -> dict[str, float]:
        """Coverage, density, mass and number of restricted parameters of the chosen box."""
        row = self.trajectory.iloc[self.chosen]
        return {k: float(row[k]) for k in ("coverage", "density", "mass", "res_dim")}

    def box(self, i: int | None = None) -> pd.DataFrame:
        """Limits of box ``i`` (default: the chosen one) for every parameter, restricted or not.

        Columns: parameter, kind, restricted, low, high, values (a switch's
        categories in the box), range_low, range_high, norm_low, norm_high
        (limits as shares of the range), qp_low, qp_high, and with a resample
        run on the chosen box, reproduce_coverage and reproduce_density.
        """
        i = self.chosen if i is None else i
        own = self.limits[self.limits["box"] == i].set_index("parameter")
        rows = []
        for p in self.parameters:
            r = own.loc[p.key] if p.key in own.index else None
            if p.kind == "switch":
                # off sits at 0 and on at 1 of a switch's "range"
                vals = str(r["values"]) if r is not None else f"{OFF}|{ON}"
                lo, hi = (0.0 if OFF in vals.split("|") else 1.0), (1.0 if ON in vals.split("|") else 0.0)
            else:
                vals = ""
                lo, hi = (float(r["low"]), float(r["high"])) if r is not None else self.observed[p.key]
            span = (p.high - p.low) or 1.0
            rows.append(
                {
                    "parameter": p.key,
                    "kind": p.kind,
                    "restricted": r is not None,
                    "low": lo if p.kind == "number" else math.nan,
                    "high": hi if p.kind == "number" else math.nan,
                    "values": vals,
                    "range_low": p.low,
                    "range_high": p.high,
                    "norm_low": (lo - p.low) / span,
                    "norm_high": (hi - p.low) / span,
                    "qp_low": r["qp_low"] if r is not None else math.nan,
                    "qp_high": r["qp_high"] if r is not None else math.nan,
                }
            )
        out = pd.DataFrame(rows)
        if self.reproduce is not None and i == self.chosen:
            out = out.join(self.reproduce.astype(float), on="parameter")
        return out.sort_values(["restricted", "parameter"], ascending=[False, True], ignore_index=True)

    def manifest(self) -> dict[str, Any]:
        """What ``manifest.json`` of a discover directory holds."""
        from .. import __version__

        src = self.source
        keep = ("scenario_name", "scenario_path", "scenario_hash", "seed", "runs", "engine", "start", "end")
        return {
            "banner": BANNER,
            "kind": "discover",
            "hypotheses_on": list(src.get("hypotheses_on", [])),
            "hypotheses": src.get("hypotheses", []),
            "hypotheses_uncertain": self.switches,
            **{k: src[k] for k in keep if k in src},
            "source": {"directory": self.directory, "kind": src.get("kind"), "draws": src.get("draws")},
            "outcomes": list(self.outcomes),
            "outcome_label": outcome_label(self.outcomes),
            "replicates_analysed": self.rows,
            "cases_of_interest": self.interest,
            "method": "PRIM (ema_workbench.analysis.prim.Prim), first box of the covering",
            "settings": self.settings,
            "rule": self.rule,
            "candidate_box": self.candidate,
            "dropped": self.dropped,
            "chosen_box": self.chosen,
            "chosen": self.stats,
            "boxes": len(self.trajectory),
            "parameters": [
                {"key": p.key, "kind": p.kind, "low": p.low, "high": p.high, "unit": p.unit, "spec": p.spec}
                for p in self.parameters
            ],
            "notes": self.notes,
            "files": [*FILES, rd.MANIFEST],
            "version": __version__,
            **rd.provenance(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def write(self, out: str | Path, overwrite: bool = False) -> Path:
        """Write trajectory.csv, box.csv, limits.csv and (last) manifest.json, all labelled.

        The CSV files carry the banner and the hypotheses on in their label
        columns (:mod:`sim.resultdir`); their notes (the outcome, the rule, the
        switches drawn per replicate) go to the manifest's ``file_notes``.
        """
        path = rd.prepare_out(out, overwrite)
        manifest = self.manifest()
        extra = [
            f"Outcome of interest: {outcome_label(self.outcomes)}; chosen box {self.chosen}: {self.rule}"
        ]
        switches = manifest["hypotheses_uncertain"]
        if switches:
            extra.insert(0, "Uncertain switches (on in some replicates): " + ", ".join(switches))
        rd.write_csv(path / "trajectory.csv", self.trajectory, manifest, extra)
        rd.write_csv(path / "box.csv", self.box(), manifest, extra)
        rd.write_csv(path / "limits.csv", self.limits, manifest, extra)
        rd.write_manifest(path, manifest)
        return path


def _check_unit(name: str, value: float | None) -> None:
    if value is not None and not 0 < value <= 1:  # NaN fails too
        raise UsageError(f"{name}: {value} is outside (0, 1]")


def discover_frame(
    df: pd.DataFrame,
    outcomes: str | Sequence[str],
    *,
    uncertain: Mapping[str, Mapping[str, Any]] | None = None,
    params: Sequence[str] | None = None,
    coverage: float | None = None,
    density: float | None = None,
    box: int | None = None,
    significance: float = DEFAULT_SIGNIFICANCE,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    sample: int | None = None,
    resample: int = 0,
    prune: bool = True,
    seed: int = 0,
    where: str = "outcomes",
) -> DiscoverResult:
    """PRIM on a frame of replicates (``outcome`` plus one column per key of ``uncertain``).

    ``uncertain`` maps each parameter key to its distribution; by default it is
    ``df.attrs["uncertain"]``, as ``sim.simulate(..., uncertain=...)`` sets it;
    ``params`` keeps only the keys matching one of its shell patterns.
    ``coverage``, ``density`` and ``box`` choose a box on PRIM's trajectory
    (at most one; the default is ``coverage=0.5``); unless ``prune`` is false,
    its limits whose quasi-p exceeds ``significance`` are then dropped.
    ``sample`` analyses at most that many replicates, a random subset drawn
    with ``seed``. ``resample`` > 0 reruns PRIM on that many random halves
    (EMA's ``PrimBox.resample``) and reports how often each parameter is
    restricted again.
    """
    if uncertain is None:
        uncertain = df.attrs.get("uncertain") or {}
    if sum(v is not None for v in (coverage, density, box)) > 1:
        raise UsageError("coverage, density, box: give at most one way to choose the box")
    for name, value in (("coverage", coverage), ("density", density), ("significance", significance)):
        _check_unit(name, value)
    for name, value in (("peel_alpha", peel_alpha), ("paste_alpha", paste_alpha), ("mass_min", mass_min)):
        if not 0 < value <= 0.5:
            raise UsageError(f"{name}: {value} is outside (0, 0.5]")
    wanted = parse_outcomes(outcomes)
    if not select_keys(uncertain):
        raise NoUncertainError(where)
    keys = select_keys(uncertain, params)
    missing = [k for k in [*keys, "outcome"] if k not in df.columns]
    if missing:
        raise DiscoverError(f"{where}: no column {missing[0]!r} (uncertain keys: {', '.join(keys)})")
    notes: list[str] = []
    if sample is not None and sample < 1:
        raise UsageError(f"sample: {sample} is not a positive number of replicates")
    if not 0 <= resample <= MAX_RESAMPLE:
        raise UsageError(f"resample: {resample} is outside 0 to {MAX_RESAMPLE}")
    if sample is not None and sample < len(df):
        pick = np.sort(np.random.default_rng(seed).choice(len(df), size=sample, replace=False))
        df = df.iloc[pick]
        notes.append(f"a random subset of {sample:,} replicates (seed {seed}) was analysed")
    if len(df) * len(keys) > MAX_VALUES:
        raise TooLargeError(where, len(df), len(keys))
    if "draw" in df.columns and (worlds := int(df["draw"].nunique())) < FEW_DRAWS:
        notes.append(
            f"only {worlds} parameter draws (worlds) among the {len(df):,} replicates: PRIM can only "
            "tell these apart; for discovery draw one world per replicate (replicates_per_draw = 1)"
        )
    y = df["outcome"].astype(str).isin(wanted).to_numpy().astype(np.int64)
    interest = int(y.sum())
    if interest == 0 or interest == len(y):
        which = "no" if interest == 0 else "every"
        raise DiscoverError(
            f"{where}: {which} replicate ended in {' or '.join(wanted)} ({len(y):,} replicates); "
            "PRIM needs both cases of interest and others"
        )
    x, parameters, observed = _inputs(df, keys, uncertain, where, notes)
    if x.shape[1] == 0:
        raise DiscoverError(f"{where}: every uncertain parameter is constant; nothing for PRIM to restrict")
    with boxes.quiet():
        import ema_workbench
        from ema_workbench.analysis import prim

        alg = prim.Prim(x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
        found = alg.find_box()
    if found is None:  # cannot happen with cases of interest left, but PRIM's API allows it
        raise DiscoverError(f"{where}: PRIM found no box")
    peeled = len(found.box_lims)
    pt = found.peeling_trajectory.assign(box=np.arange(peeled))
    candidate, rule = boxes.choose(pt, coverage, density, box, notes)
    dropped = boxes.prune(found, x, alg.box_init, candidate, significance) if prune else []
    chosen = len(found.box_lims) - 1 if dropped else candidate
    if prune:
        rule += f", pruned to its limits significant at quasi-p <= {significance:g}"
    trajectory, limits = boxes.tables(found, alg.box_init, parameters, significance, peeled)
    trajectory["chosen"] = trajectory["box"] == chosen
    if int(trajectory.loc[chosen, "res_dim"]) == 0:
        notes.append(
            "the chosen box restricts nothing: PRIM found no condition that significantly raises the "
            "share of the outcome (trajectory.csv lists the boxes it tried)"
        )
    reproduce = None
    if resample:
        with boxes.quiet():
            scores = found.resample(chosen, iterations=resample, p=0.5, rng=seed)
        # percent of the reruns whose box nearest in coverage (density) restricts the parameter
        reproduce = scores.set_axis(["reproduce_coverage", "reproduce_density"], axis=1)
    by_coverage = density is None and box is None
    settings = {
        "peel_alpha": peel_alpha,
        "paste_alpha": paste_alpha,
        "mass_min": mass_min,
        "significance": significance,
        "prune": prune,
        "coverage_floor": (DEFAULT_COVERAGE if coverage is None else coverage) if by_coverage else None,
        "density_floor": density,
        "box": box,
        "sample": sample,
        "sample_seed": seed if sample is not None else None,
        "resample": resample,
        "resample_seed": seed if resample else None,
        "ema_workbench": ema_workbench.__version__,
    }
    labels = {k: v for k, v in df.attrs.items() if k != "uncertain"}  # sim.simulate's labels
    return DiscoverResult(
        wanted,
        parameters,
        trajectory,
        limits,
        chosen,
        rule,
        len(y),
        interest,
        settings,
        observed,
        notes=notes,
        reproduce=reproduce,
        candidate=candidate,
        dropped=dropped,
        source=labels,
    )


def _inputs(
    df: pd.DataFrame,
    keys: list[str],
    uncertain: Mapping[str, Mapping[str, Any]],
    where: str,
    notes: list[str],
) -> tuple[pd.DataFrame, list[Parameter], dict[str, tuple[float, float]]]:
    """PRIM's input frame (floats; switches as on/off categories) and the parameters in it."""
    cols: dict[str, Any] = {}
    parameters = []
    observed: dict[str, tuple[float, float]] = {}
    for key in keys:
        s = df[key]
        if s.isna().any():
            raise DiscoverError(f"{where}: column {key!r} has missing values")
        if not pd.api.types.is_bool_dtype(s.dtype) and not pd.api.types.is_numeric_dtype(s.dtype):
            raise DiscoverError(f"{where}: column {key!r} is {s.dtype}, not a number or a switch (bool)")
        if s.nunique() < 2:
            notes.append(f"{key} has one value in every replicate analysed; left out")
            continue
        p = boxes.parameter(key, s, uncertain[key])
        parameters.append(p)
        if p.kind == "switch":
            cols[key] = np.where(s.to_numpy(), ON, OFF).astype(object)
        else:
            v = s.to_numpy(dtype=np.float64)  # ints peel badly in PRIM (discrete quantiles); floats do not
            cols[key] = v
            observed[key] = (float(v.min()), float(v.max()))
    return pd.DataFrame(cols), parameters, observed


def discover(directory: str | Path, outcomes: str | Sequence[str], **options: Any) -> DiscoverResult:
    """Scenario discovery on a batch result directory (see :func:`discover_frame` for ``options``)."""
    d = Path(directory)
    manifest = rd.read_manifest(d)
    path = d / "outcomes.parquet"
    if manifest.get("complete") is False:
        raise DiscoverError(f"{d}: the batch is not finished (complete: false); run it again to resume")
    if not path.is_file():
        raise DiscoverError(
            f"{d}: no outcomes.parquet (a {manifest['kind']!r} result); give a batch directory"
        )
    uncertain = manifest.get("uncertain") or {}
    if not isinstance(uncertain, dict) or not select_keys(uncertain):
        raise NoUncertainError(str(d))
    parse_outcomes(outcomes)  # a bad name is reported before the file is read
    import pyarrow.parquet as pq

    try:
        names = set(pq.ParquetFile(path).schema_arrow.names)
        rows = pq.ParquetFile(path).metadata.num_rows
        keys = select_keys(uncertain, options.get("params"))
        sample = options.get("sample")
        if min(rows, sample or rows) * len(keys) > MAX_VALUES:  # refuse before reading it all
            raise TooLargeError(str(d), min(rows, sample or rows), len(keys))
        wanted = [c for c in ["outcome", "draw", *keys] if c in names]
        df = pd.read_parquet(path, columns=wanted)
    except (OSError, ValueError) as err:
        raise DiscoverError(f"{path}: cannot read: {err}") from None
    result = discover_frame(df, outcomes, uncertain=uncertain, where=str(path), **options)
    result.source = manifest
    result.directory = str(d)
    return result

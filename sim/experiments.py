"""Experiments: several scenarios x settings x a parameter design, run into one tidy table.

In the manner of NetLogo's BehaviorSpace and EMA workbench, an experiment file
(TOML, recognised by its top-level ``[experiment]`` table) lists scenarios,
named *variants* (overrides, hypotheses switched on or off, interventions) and
a parameter *design*. Every (scenario, variant, design point) is a *cell*; each
cell runs the same replicate ids with the same seed (common random numbers),
so two cells differ only by their settings. The format: docs/experiments.md.

The library takes parsed structures (:func:`parse_experiment` takes the TOML
data as a mapping); errors are :class:`ScenarioError` naming the file and key.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import catalog
from .banner import BANNER
from .errors import OverrideError, ScenarioError, StormError, UsageError, choices_hint
from .hypotheses import IDS
from .scenario import Scenario, load_scenario
from .scenario_io import check_text, loads_toml, read_text, short, short_path

if TYPE_CHECKING:
    import pandas as pd

DESIGNS = ("grid", "lhs", "sobol")
#: Replicate rows an experiment may hold in memory (about 200 bytes each): refused before any run.
MAX_ROWS = 2_000_000
MAX_CELLS = 20_000
TABLES = ("experiment", "variants", "design")
_EXPERIMENT_KEYS = ("title", "description", "scenarios", "runs", "seed")
_VARIANT_KEYS = ("name", "set", "on", "off", "interventions")
_DESIGN_KEYS = ("kind", "points", "params")


@dataclass(frozen=True)
class Variant:
    """A named setting applied to every scenario: overrides, switches, interventions."""

    name: str
    overrides: Mapping[str, object] = field(default_factory=dict)
    on: tuple[str, ...] = ()
    off: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()

    def apply(self, spec: Scenario) -> Scenario:
        return spec.with_overrides(self.overrides, on=self.on, off=self.off, interventions=self.interventions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "set": dict(self.overrides),
            "on": list(self.on),
            "off": list(self.off),
            "interventions": list(self.interventions),
        }


@dataclass(frozen=True)
class DesignParam:
    """One designed key: a numeric range (``low``..``high``) or a list of ``values``."""

    key: str
    low: float | None = None
    high: float | None = None
    values: tuple[object, ...] | None = None


@dataclass(frozen=True)
class Design:
    """Ranged keys follow ``kind`` with ``points``; listed values are crossed with them (full factorial)."""

    kind: str = "grid"
    points: int = 1
    params: tuple[DesignParam, ...] = ()

    def rows(self, seed: int) -> list[dict[str, object]]:
        """The design points: one mapping of key -> value per point (one empty point without params)."""
        ranged = [p for p in self.params if p.values is None]
        listed = [p for p in self.params if p.values is not None]
        ranged_rows: list[dict[str, object]] = [{}]
        if ranged:
            from .analysis.sweep import SweepParam, build_design, numeric_keys

            keys = numeric_keys()
            sweep_params = [
                SweepParam(p.key, float(p.low or 0), float(p.high or 0), keys[p.key]) for p in ranged
            ]
            try:
                x, _, _ = build_design(sweep_params, self.kind, self.points, seed)
            except UsageError as err:  # its messages name sweep's flags
                raise ScenarioError(f"design: {err}") from None
            ranged_rows = [{p.key: float(v) for p, v in zip(ranged, row, strict=True)} for row in x]
        combos = itertools.product(*(p.values or () for p in listed))
        listed_rows = [dict(zip([p.key for p in listed], combo, strict=True)) for combo in combos]
        return [{**a, **b} for b in listed_rows for a in ranged_rows]

    def to_dict(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for p in self.params:
            params[p.key] = {"values": list(p.values)} if p.values is not None else [p.low, p.high]
        return {"kind": self.kind, "points": self.points, "params": params}


@dataclass
class Experiment:
    """A parsed experiment: resolved scenarios by name, variants, design, runs and seed."""

    title: str
    scenarios: dict[str, Scenario]
    variants: list[Variant]
    design: Design
    runs: int
    seed: int
    path: str | None = None
    description: str = ""

    def cells(self) -> list[tuple[str, Variant, int, dict[str, object], Scenario]]:
        """Every (scenario name, variant, point, design values, resolved scenario), checked before any run."""
        rows = self.design.rows(self.seed)
        if len(self.scenarios) * len(self.variants) * len(rows) > MAX_CELLS:
            raise ScenarioError(
                f"{self.where}: {len(self.scenarios)} scenarios x {len(self.variants)} variants x "
                f"{len(rows)} design points exceed {MAX_CELLS:,} cells"
            )
        out = []
        for name, base in self.scenarios.items():
            for v in self.variants:
                try:
                    spec = v.apply(base)
                except OverrideError as err:
                    raise ScenarioError(f"{self.where}: variants.{v.name}: {name}: {err}") from None
                for i, values in enumerate(rows):
                    try:
                        cell = spec.with_overrides(values) if values else spec
                    except OverrideError as err:
                        raise ScenarioError(
                            f"{self.where}: design: {name}, variant {v.name}: {err}"
                        ) from None
                    out.append((name, v, i, values, cell))
        return out

    @property
    def where(self) -> str:
        return short_path(self.path) if self.path else "experiment"

    def to_dict(self) -> dict[str, Any]:
        """Everything the experiment runs, resolved (scenarios as full tables): what a manifest records."""
        return {
            "title": self.title,
            "description": self.description,
            "runs": self.runs,
            "seed": self.seed,
            "scenarios": {n: s.to_dict() for n, s in self.scenarios.items()},
            "scenario_paths": {n: s.path for n, s in self.scenarios.items()},
            "variants": [v.to_dict() for v in self.variants],
            "design": self.design.to_dict(),
        }

    @property
    def hash(self) -> str:
        """A 16-hex-digit hash of what decides the results (scenario hashes, settings, design, runs, seed)."""
        data = self.to_dict()
        data.pop("title"), data.pop("description"), data.pop("scenario_paths")
        data["scenarios"] = {n: s.hash for n, s in self.scenarios.items()}
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --- parsing ----------------------------------------------------------------------


def is_experiment_file(path: str | Path) -> bool:
    """Whether a readable TOML file has a top-level ``[experiment]`` table (False on any error)."""
    try:
        return isinstance(loads_toml(read_text(Path(path)), str(path)).get("experiment"), dict)
    except (StormError, OSError):
        return False


def load_experiment(path: str | Path) -> Experiment:
    """Read and parse an experiment file; scenario paths are relative to it."""
    p = Path(path)
    where = short_path(p)
    data = loads_toml(read_text(p), where)
    return parse_experiment(data, where=where, base_dir=p.parent, path=str(p))


def _table(where: str, data: Mapping[str, Any], key: str, allowed: Sequence[str]) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: {key}: expected a table")
    for k in value:
        if k not in allowed:
            raise ScenarioError(f"{where}: {key}.{k}: unknown key{choices_hint(k, allowed)}")
    return value


def _int(where: str, key: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScenarioError(
            f"{where}: {key}: expected a whole number in [{low}, {high:,}], got {short(value)}"
        )
    return value


def _names(where: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(f"{where}: {key}: expected a list of names, got {short(value)}")
    return tuple(value)


def parse_experiment(
    data: Mapping[str, Any], where: str = "experiment", base_dir: Path | None = None, path: str | None = None
) -> Experiment:
    """An :class:`Experiment` from parsed TOML data; ScenarioError naming ``where`` and the key if wrong."""
    for k in data:
        if k not in TABLES:
            raise ScenarioError(f"{where}: unknown key {short(k)}{choices_hint(str(k), TABLES)}")
    if "experiment" not in data:
        raise ScenarioError(
            f"{where}: experiment: missing (an experiment file starts with an [experiment] table)"
        )
    exp = _table(where, data, "experiment", _EXPERIMENT_KEYS)
    try:
        title = check_text("experiment.title", exp.get("title", ""))
        description = check_text("experiment.description", exp.get("description", ""), multiline=True)
    except ValueError as err:
        raise ScenarioError(f"{where}: {err}") from None
    runs = _int(where, "experiment.runs", exp.get("runs", 1000), 1, MAX_ROWS)
    seed = _int(where, "experiment.seed", exp.get("seed", 0), 0, 2**63 - 1)
    scenarios = _scenarios(where, exp.get("scenarios"), base_dir or Path("."))
    variants = _variants(where, data.get("variants", [{"name": "as_written"}]))
    design = _design(where, _table(where, data, "design", _DESIGN_KEYS))
    experiment = Experiment(title, scenarios, variants, design, runs, seed, path, description)
    check_size(experiment)
    return experiment


def check_size(experiment: Experiment) -> int:
    """The replicate rows the experiment will hold; ScenarioError if more than MAX_ROWS."""
    exp = experiment
    n_points = _point_count(exp.design)
    rows = len(exp.scenarios) * len(exp.variants) * n_points * exp.runs
    if rows > MAX_ROWS:
        raise ScenarioError(
            f"{exp.where}: {len(exp.scenarios)} scenarios x {len(exp.variants)} variants x {n_points} design "
            f"points x {exp.runs:,} runs = {rows:,} replicate rows, more than the {MAX_ROWS:,} an experiment "
            "may hold; lower experiment.runs or the design, or run one scenario as a batch"
        )
    return rows


def _scenarios(where: str, value: object, base_dir: Path) -> dict[str, Scenario]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ScenarioError(
            f"{where}: experiment.scenarios: expected a list of scenario names or paths, got {short(value)}"
        )
    out: dict[str, Scenario] = {}
    for i, name in enumerate(value):
        key = f"experiment.scenarios[{i}]"
        local = base_dir / name
        try:
            target = local if local.is_file() else catalog.resolve(name)
        except UsageError as err:
            raise ScenarioError(f"{where}: {key}: {err}") from None
        except (OSError, ValueError) as err:
            raise ScenarioError(f"{where}: {key}: cannot read {short(name)}: {err}") from None
        spec = load_scenario(target)
        if spec.name in out:
            raise ScenarioError(
                f"{where}: {key}: a second scenario named {spec.name!r}; give each scenario once"
            )
        out[spec.name] = spec
    return out


def _variants(where: str, value: object) -> list[Variant]:
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise ScenarioError(f"{where}: variants: expected an array of tables ([[variants]])")
    out: list[Variant] = []
    for i, v in enumerate(value):
        key = f"variants[{i}]"
        for k in v:
            if k not in _VARIANT_KEYS:
                raise ScenarioError(f"{where}: {key}.{k}: unknown key{choices_hint(k, _VARIANT_KEYS)}")
        name = v.get("name")
        try:
            check_text(f"{key}.name", name)
        except ValueError as err:
            raise ScenarioError(f"{where}: {err}") from None
        if not name or any(x.name == name for x in out):
            raise ScenarioError(f"{where}: {key}.name: expected a unique, non-empty name, got {short(name)}")
        sets = v.get("set", {})
        if not isinstance(sets, dict):
            raise ScenarioError(
                f'{where}: {key}.set: expected a table of KEY = VALUE, e.g. "wagner.speed_kmh" = 50'
            )
        out.append(
            Variant(
                name=name,
                overrides=_flatten(sets),
                on=_names(where, f"{key}.on", v.get("on", [])),
                off=_names(where, f"{key}.off", v.get("off", [])),
                interventions=_names(where, f"{key}.interventions", v.get("interventions", [])),
            )
        )
    return out


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, object]:
    """``{wagner = {speed_kmh = 50}}`` and ``{"wagner.speed_kmh" = 50}`` both as dotted keys."""
    out: dict[str, object] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _design(where: str, table: Mapping[str, Any]) -> Design:
    kind = table.get("kind", "grid")
    if kind not in DESIGNS:
        raise ScenarioError(
            f"{where}: design.kind: unknown design {short(kind)}{choices_hint(str(kind), DESIGNS)}"
        )
    points = _int(where, "design.points", table.get("points", 2 if kind == "grid" else 16), 1, MAX_CELLS)
    params_raw = table.get("params", {})
    if not isinstance(params_raw, dict):
        raise ScenarioError(
            f"{where}: design.params: expected a table of KEY = [LOW, HIGH] or {{values = [...]}}"
        )
    params = []
    for key, spec in _flatten_design(params_raw).items():
        label = f"design.params.{key}"
        if (
            isinstance(spec, dict)
            and set(spec) == {"values"}
            and isinstance(spec["values"], list)
            and spec["values"]
        ):
            params.append(DesignParam(key, values=tuple(spec["values"])))
        elif isinstance(spec, list) and len(spec) == 2 and all(_is_number(x) for x in spec):
            low, high = float(spec[0]), float(spec[1])
            _check_range(where, label, key, low, high)
            params.append(DesignParam(key, low=low, high=high))
        else:
            raise ScenarioError(
                f"{where}: {label}: expected [LOW, HIGH] or {{values = [...]}}, got {short(spec)}"
            )
    if kind == "grid" and any(p.values is None for p in params) and points < 2:
        raise ScenarioError(f"{where}: design.points: a grid needs at least 2 levels per key, got {points}")
    return Design(kind, points, tuple(params))


def _flatten_design(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, dict) and "values" not in v:
            out.update(_flatten_design(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _check_range(where: str, label: str, key: str, low: float, high: float) -> None:
    from .analysis.sweep import numeric_keys

    keys = numeric_keys()
    if key not in keys:
        group = key.rsplit(".", 1)[0]
        raise ScenarioError(
            f"{where}: {label}: not a numeric scenario key"
            f"{choices_hint(key, [k for k in keys if k.startswith(group + '.')] or list(keys)[:12])}"
        )
    p = keys[key]
    if not (low < high and p.low <= low and high <= p.high):
        raise ScenarioError(
            f"{where}: {label}: [{low:g}, {high:g}] must rise inside the valid range [{p.low:g}, {p.high:g}] ({p.unit})"
        )


def _point_count(design: Design) -> int:
    ranged = [p for p in design.params if p.values is None]
    n = 1
    if ranged:
        n = design.points ** len(ranged) if design.kind == "grid" else design.points
        if design.kind == "sobol":
            n = 1 << max(0, math.ceil(math.log2(design.points)))
    for p in design.params:
        n *= len(p.values or (None,))
    return n


# --- running ---------------------------------------------------------------------------


@dataclass
class ExperimentResult:
    """One row per replicate of every cell (``outcomes``) and outcome probabilities per cell (``summary``)."""

    experiment: Experiment
    outcomes: pd.DataFrame
    summary: pd.DataFrame

    def manifest(self) -> dict[str, Any]:
        from . import __version__

        exp = self.experiment
        switched = {h for line in self.summary["hypotheses_on"].unique() for h in str(line).split(", ") if h}
        on = sorted(switched, key=IDS.index)
        return {
            "banner": BANNER,
            "kind": "experiment",
            "hypotheses_on": on,
            "hypotheses_note": "the hypotheses on differ by cell: see the hypotheses_on column of summary.csv",
            "scenario_name": exp.title or Path(exp.path or "experiment").stem,
            "scenario_hash": exp.hash,
            "experiment_hash": exp.hash,
            "experiment_path": exp.path,
            "experiment": exp.to_dict(),
            "seed": exp.seed,
            "runs": exp.runs,
            "cells": int(self.summary[["scenario", "variant", "point"]].drop_duplicates().shape[0]),
            "version": __version__,
            "files": ["outcomes.parquet", "summary.csv"],
        }

    def write(self, out: str | Path, overwrite: bool = False) -> Path:
        """Write outcomes.parquet, summary.csv and manifest.json (last) to ``out``."""
        from .analysis import summary as sm

        path = sm.prepare_out(out, overwrite)
        m = self.manifest()
        sm.write_parquet(path / "outcomes.parquet", self.outcomes, m)
        sm.write_csv(
            path / "summary.csv", self.summary, m, ["one row per cell and outcome; 95 % Wilson intervals"]
        )
        sm.write_manifest(path, m)
        return path


def run_experiment(
    experiment: Experiment, progress: Callable[[int, int], None] | None = None
) -> ExperimentResult:
    """Run every cell through :func:`sim.simulate` with the experiment's runs and seed."""
    import pandas as pd

    from .analysis import summary as sm
    from .api import simulate

    cells = experiment.cells()  # every override checked before the first run
    keys = [p.key for p in experiment.design.params]
    frames, tables = [], []
    for n, (name, variant, point, values, spec) in enumerate(cells):
        df = simulate(spec, runs=experiment.runs, seed=experiment.seed)
        labels = {
            "scenario": name,
            "variant": variant.name,
            "point": point,
            **{k: values.get(k) for k in keys},
            "scenario_hash": spec.hash,
            "hypotheses_on": ", ".join(spec.hypotheses_on),
        }
        frames.append(df.assign(**labels)[[*labels, *df.columns]])
        for variable in sm.VARIABLES:
            t = sm.outcome_table(df, variable)
            tables.append(t.assign(**labels)[[*labels, *t.columns]])
        if progress is not None:
            progress(n + 1, len(cells))
    outcomes = pd.concat(frames, ignore_index=True)
    summary = pd.concat(tables, ignore_index=True)
    for table in (outcomes, summary):
        for col in ("scenario", "variant"):
            table[col] = pd.Categorical(table[col], categories=list(dict.fromkeys(table[col])))
        table.attrs.update(banner=BANNER, experiment_hash=experiment.hash, seed=experiment.seed)
    return ExperimentResult(experiment, outcomes, summary)


def experiment_from_manifest(data: Mapping[str, Any], where: str) -> Experiment:
    """Rebuild an experiment from the resolved copy a manifest records (no file needed)."""
    from .scenario import scenario_from_dict

    try:
        scenarios = {
            name: scenario_from_dict(
                table, f"{where}: experiment.scenarios.{name}", data["scenario_paths"].get(name)
            )
            for name, table in data["scenarios"].items()
        }
        variants = [
            Variant(v["name"], dict(v["set"]), tuple(v["on"]), tuple(v["off"]), tuple(v["interventions"]))
            for v in data["variants"]
        ]
        design = _design(where, copy.deepcopy(data["design"]))
        return Experiment(
            data["title"],
            scenarios,
            variants,
            design,
            int(data["runs"]),
            int(data["seed"]),
            None,
            data["description"],
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise ScenarioError(
            f"{where}: experiment: not a recorded experiment (missing or wrong {err})"
        ) from None

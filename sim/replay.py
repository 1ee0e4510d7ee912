"""Replay: rerun a result from its ``manifest.json`` and check it comes out bit for bit the same.

A manifest records the resolved scenario(s) (every value, overrides applied),
the seed, the runs and the options of the computation, so a replay rebuilds
the call from those recorded values, never by re-parsing a shell command. The
result is written to a new directory and compared file by file with the
original: identical bytes, the same values with other metadata, or which rows
and columns differ. Where the engine fingerprint, the package versions or the
git commit differ from the original's, the report says so: those explain a
difference that the inputs do not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ScenarioError, StormError, UsageError
from .scenario import Scenario, scenario_from_dict
from .scenario_io import short, short_path

MANIFEST = "manifest.json"
#: Manifest keys that say when, where or how fast a result was made, not what it is.
CIRCUMSTANCES = (
    "created",
    "started",
    "finished",
    "command",
    "executor",
    "workers",
    "workers_note",
    "scheduler",
    "segments",
    "files",
    "checksums",
    "scenario_path",
    "experiment_path",
)
#: Manifest keys describing the software that made a result.
ENVIRONMENT = ("engine", "version", "versions", "git_commit", "numpy")
#: Files and folders of a result directory that are not part of its content.
_SKIP = {MANIFEST, ".lock", "chunks", "figures"}

Replayer = Callable[[Mapping[str, Any], Path, str], None]
#: How each kind of result is recomputed: (manifest, output directory, where for errors).
REPLAYERS: dict[str, Replayer] = {}


class ReplayError(StormError):
    """A manifest cannot be replayed (exit status 1)."""


def replayer(kind: str) -> Callable[[Replayer], Replayer]:
    """Register how a kind of result is recomputed (other modules add theirs, e.g. calibrate)."""

    def add(fn: Replayer) -> Replayer:
        REPLAYERS[kind] = fn
        return fn

    return add


@dataclass
class ReplayReport:
    """What a replay found: per file and per manifest key, and the software that differs."""

    kind: str
    original: Path
    replayed: Path
    files: dict[str, str] = field(default_factory=dict)
    manifest: list[str] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return all(v == "identical" for v in self.files.values()) and not self.manifest

    def lines(self) -> list[str]:
        out = [f"replayed the {self.kind} result in {self.original} into {self.replayed}"]
        for name, verdict in self.files.items():
            out.append(f"  {name}: {verdict}")
        out += [f"  manifest.json: {d}" for d in self.manifest]
        if not self.manifest:
            out.append("  manifest.json: the same inputs and results (times, command and workers aside)")
        if self.environment:
            out.append("Software that differs from the original's:")
            out += [f"  {e}" for e in self.environment]
        out.append("identical: bit for bit" if self.identical else "DIFFERENT: see above")
        return out


# --- reading a manifest ---------------------------------------------------------


def read_manifest(source: str | Path) -> tuple[Path, dict[str, Any]]:
    """The result directory and manifest of ``source`` (a manifest.json or its directory).

    A path that is missing or holds no manifest is a UsageError (exit 2); a
    manifest that is not one, or cannot be replayed, is a ReplayError (exit 1).
    """
    path = Path(source)
    shown = short_path(path)
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except (OSError, ValueError) as err:
        raise UsageError(f"{shown}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    if not exists:
        raise UsageError(f"{shown}: no such file or directory; give a manifest.json or its result directory")
    mpath = path / MANIFEST if is_dir else path
    if not mpath.is_file():
        raise UsageError(f"{shown}: not a result directory (no {MANIFEST})")
    if mpath.stat().st_size > 64 << 20:
        raise ReplayError(f"{short_path(mpath)}: {mpath.stat().st_size:,} bytes is too large for a manifest")
    try:
        data = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ReplayError(f"{short_path(mpath)}: cannot read: {err}") from None
    except ValueError as err:
        raise ReplayError(f"{short_path(mpath)}: not a manifest (invalid JSON: {err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise ReplayError(f"{short_path(mpath)}: not a result manifest (no 'kind' key)")
    kind = data["kind"]
    if kind not in REPLAYERS:
        raise ReplayError(
            f"{short_path(mpath)}: kind: cannot replay a {short(kind)} result; kinds: {', '.join(sorted(REPLAYERS))}"
        )
    if data.get("complete") is False:
        raise ReplayError(
            f"{short_path(mpath)}: complete: the {kind} did not finish; finish it first (run its command again)"
        )
    return mpath.parent, data


def _get(m: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    value = m.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ReplayError(
            f"{where}: {key}: missing or not a {getattr(kind, '__name__', kind)} ({short(value)})"
        )
    return value


def _scenario(m: Mapping[str, Any], key: str, where: str) -> Scenario:
    table = _get(m, key, where, dict)
    try:
        return scenario_from_dict(table, f"{where}: {key}", path=m.get("scenario_path"))
    except ScenarioError as err:
        raise ReplayError(str(err)) from None


# --- recomputing each kind -----------------------------------------------------


@replayer("batch")
def _batch(m: Mapping[str, Any], out: Path, where: str) -> None:
    from . import batch

    spec = _scenario(m, "scenario", where)
    runs, chunk = _get(m, "runs", where, int), _get(m, "chunk", where, int)
    executor = "inline" if runs <= chunk else "processes"
    batch.run_batch(
        spec, runs=runs, seed=_get(m, "seed", where, int), out_dir=out, executor=executor, chunk=chunk
    )


@replayer("compare")
def _compare(m: Mapping[str, Any], out: Path, where: str) -> None:
    from .analysis.compare import compare

    a, b = _scenario(m, "scenario", where), _scenario(m, "scenario_b", where)
    changes = m.get("changes") if isinstance(m.get("changes"), list) else None
    result = compare(
        a, b, runs=_get(m, "runs", where, int), seed=_get(m, "seed", where, int), changes=changes
    )
    result.write(out)


def sweep_arguments(m: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The design, points and analysis a sweep was called with, from what its manifest records."""
    params = _get(m, "params", where, list)
    d, n = len(params), _get(m, "points", where, int)
    description = str(m.get("design", ""))
    analyze = m.get("analyze")
    kind = description.split(" ", 1)[0]
    if analyze == "sobol":  # Saltelli: N (d + 2) rows
        return {"design": "lhs", "points": n // (d + 2), "analyze": "sobol"}
    if analyze == "morris":  # trajectories of d + 1 rows
        return {"design": "lhs", "points": n // (d + 1), "analyze": "morris"}
    if kind == "grid":
        return {"design": "grid", "points": round(n ** (1 / d)), "analyze": None}
    if kind in ("lhs", "sobol"):
        return {"design": kind, "points": n, "analyze": None}
    raise ReplayError(f"{where}: design: cannot tell the design from {short(description)}")


@replayer("sweep")
def _sweep(m: Mapping[str, Any], out: Path, where: str) -> None:
    from .analysis.sweep import parse_param, sweep

    spec = _scenario(m, "scenario", where)
    try:
        params = [parse_param(f"{p['key']}={float(p['low'])!r}:{float(p['high'])!r}") for p in m["params"]]
    except (KeyError, TypeError, ValueError, UsageError) as err:
        raise ReplayError(f"{where}: params: not a recorded sweep design ({err})") from None
    args = sweep_arguments(m, where)
    result = sweep(spec, params, runs=_get(m, "runs", where, int), seed=_get(m, "seed", where, int), **args)
    result.write(out)


@replayer("attribute")
def _attribute(m: Mapping[str, Any], out: Path, where: str) -> None:
    from .analysis.attribution import attribute

    spec = _scenario(m, "scenario", where)
    outcome = _get(m, "outcome", where, str)
    attribute(spec, outcome, _get(m, "runs", where, int), _get(m, "seed", where, int)).write(out)


@replayer("experiment")
def _experiment(m: Mapping[str, Any], out: Path, where: str) -> None:
    from .experiments import experiment_from_manifest, run_experiment

    try:
        exp = experiment_from_manifest(_get(m, "experiment", where, dict), where)
    except ScenarioError as err:
        raise ReplayError(str(err)) from None
    run_experiment(exp).write(out)


# --- comparing ---------------------------------------------------------------------


def replay(source: str | Path, out: str | Path) -> ReplayReport:
    """Recompute the result ``source`` names into ``out`` (a new directory) and compare the two."""
    original, manifest = read_manifest(source)
    target = Path(out)
    if target.exists() and target.resolve() == original.resolve():
        raise UsageError(f"{target}: is the original result; replay into another directory")
    where = short_path(original / MANIFEST)
    REPLAYERS[manifest["kind"]](manifest, target, where)
    _, again = read_manifest(target)
    report = ReplayReport(manifest["kind"], original, target)
    report.environment = _environment(manifest, again)
    report.manifest = _manifest_differences(manifest, again)
    names = [n for n in manifest.get("files", []) if isinstance(n, str)] or _content_files(original)
    for name in dict.fromkeys([*names, *_content_files(target)]):
        report.files[name] = compare_files(original / name, target / name)
    return report


def _content_files(d: Path) -> list[str]:
    return sorted(
        p.name for p in d.iterdir() if p.is_file() and p.name not in _SKIP and not p.name.startswith(".")
    )


def _environment(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    out = []
    for key in ENVIRONMENT:
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += [
                f"{key}.{k}: {a.get(k)} then, {b.get(k)} now"
                for k in sorted(set(a) | set(b))
                if a.get(k) != b.get(k)
            ]
        elif a is not None and a != b:
            out.append(f"{key}: {a} then, {b} now")
    return out


def _manifest_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    skip = {*CIRCUMSTANCES, *ENVIRONMENT}
    out = []
    for key in sorted((set(old) | set(new)) - skip):
        if not _same(old.get(key), new.get(key)):
            out.append(f"{key}: {short(old.get(key))} then, {short(new.get(key))} now")
    return out


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def compare_files(a: Path, b: Path) -> str:
    """'identical', or what differs between two result files (values first, then metadata)."""
    if not a.is_file():
        return "only in the replay"
    if not b.is_file():
        return "missing from the replay"
    if a.read_bytes() == b.read_bytes():
        return "identical"
    if a.suffix == ".parquet":
        return _parquet_difference(a, b)
    if a.suffix == ".csv":
        return _csv_difference(a, b)
    return "differs (bytes)"


def _parquet_difference(a: Path, b: Path) -> str:
    import pyarrow.parquet as pq

    try:
        ta, tb = pq.read_table(a), pq.read_table(b)
    except Exception as err:  # noqa: BLE001 - any unreadable file is reported, not raised
        return f"differs (cannot read as Parquet: {err})"
    if ta.schema.remove_metadata() != tb.schema.remove_metadata():
        return (
            f"differs: columns or types ({', '.join(ta.schema.names)} then; {', '.join(tb.schema.names)} now)"
        )
    if ta.equals(tb):
        ma, mb = ta.schema.metadata or {}, tb.schema.metadata or {}
        keys = sorted(k.decode() for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))
        return f"the same values; metadata differs in {', '.join(keys) or 'layout'}"
    return _frame_difference(ta.to_pandas(), tb.to_pandas())


def _csv_difference(a: Path, b: Path) -> str:
    import pandas as pd

    try:
        fa, fb = pd.read_csv(a, comment="#"), pd.read_csv(b, comment="#")
    except Exception as err:  # noqa: BLE001
        return f"differs (cannot read as CSV: {err})"
    verdict = _frame_difference(fa, fb)
    return verdict if verdict != "the same values" else "the same values; comment lines differ"


def _frame_difference(fa: Any, fb: Any) -> str:
    if list(fa.columns) != list(fb.columns):
        return f"differs: columns {list(fa.columns)} then, {list(fb.columns)} now"
    if len(fa) != len(fb):
        return f"differs: {len(fa):,} rows then, {len(fb):,} now"
    changed, rows = [], None
    for col in fa.columns:
        x, y = fa[col].reset_index(drop=True), fb[col].reset_index(drop=True)
        diff = (x != y) & ~(x.isna() & y.isna())
        if diff.any():
            changed.append(str(col))
            rows = diff if rows is None else rows | diff
    if rows is None:
        return "the same values"
    return f"differs: {int(rows.sum()):,} of {len(fa):,} rows, in columns {', '.join(changed)}"

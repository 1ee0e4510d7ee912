"""Scenarios are data: strict TOML loading with ``extends``.

Every error names the file, the key and, where there are choices, the valid
ones. A resolved :class:`Scenario` has every default filled in and a hash of
everything that decides a result, which goes into every output. Every size
is bounded before work starts: the file (see :mod:`sim.scenario_io`), the
``extends`` chain (:data:`MAX_EXTENDS`) and the step count (:mod:`sim.clock`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import hypotheses as hyp
from . import overrides as ov
from .clock import check_steps
from .errors import OverrideError, ScenarioError, UsageError, choices_hint
from .interventions import INTERVENTIONS
from .overrides import TIME_PARAMS, parse_value, settable_keys
from .params import PARAMS
from .scenario_check import TEXT_KEYS, validate
from .scenario_io import (
    check_nesting,
    dumps_toml,
    fmt_time,
    loads_toml,
    parse_time,
    read_text,
    short,
    short_path,
)
from .shocks import SHOCK_TYPES

__all__ = [
    "MAX_EXTENDS",
    "SCENARIO_DIR",
    "TEXT_KEYS",
    "TIME_PARAMS",
    "Scenario",
    "load_scenario",
    "parse_time",
    "parse_value",
    "scenario_from_dict",
    "settable_keys",
]

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
#: An ``extends`` chain is at most this many files long (a deeper one is a mistake, or a loop in disguise).
MAX_EXTENDS = 16
_MAX_NAME = 4096  # PATH_MAX on Linux: a longer ``extends`` cannot name a file


@dataclass
class Scenario:
    """A fully resolved scenario: every default filled in."""

    path: str | None
    title: str
    question: str
    description: str
    start: datetime
    end: datetime
    step_hours: float
    fine_step_hours: float
    params: dict[str, float]
    hypotheses: dict[str, dict[str, Any]]
    shocks: list[dict[str, Any]]
    interventions: list[str] = field(default_factory=list)
    #: the figure the question asks about (a name in sim.analysis.anchors.ANSWERS), or ""
    answer: str = ""
    #: dotted key -> distribution (plain data, validated by sim.uncertain)
    uncertain: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: replicates per parameter draw (nested design): replicate i belongs to draw
    #: i // replicates_per_draw, whatever the batch size, so it keeps its world alone
    replicates_per_draw: int = 100

    def uncertainty(self) -> dict[str, Any]:
        """The uncertain keys as :class:`sim.uncertain.Dist` objects."""
        from . import uncertain

        return uncertain.parse_table(self.uncertain)

    @property
    def hypotheses_uncertain(self) -> list[str]:
        """Ids of the hypotheses whose switch is drawn per replicate.

        A posterior draws every switch: a calibration's unknowns include each one.
        """
        if "posterior" in self.uncertain:
            return list(hyp.IDS)
        return [h for h in hyp.IDS if f"hypotheses.{h}.on" in self.uncertain]

    def with_uncertain(
        self, dists: Mapping[str, Any] | None = None, replicates_per_draw: int | None = None
    ) -> Scenario:
        """A copy with more uncertain keys (``sim.uncertain.Dist`` values) and/or a nested design."""
        new = copy.deepcopy(self)
        for key, d in (dists or {}).items():
            new.uncertain[key] = d.to_dict()
        if replicates_per_draw is not None:
            if int(replicates_per_draw) < 1:
                raise UsageError(f"replicates per draw must be at least 1, got {replicates_per_draw}")
            new.replicates_per_draw = int(replicates_per_draw)
        return new

    def with_values(self, values: Mapping[str, object]) -> Scenario:
        """A copy with typed values set by dotted key (the same as ``with_overrides(values)``)."""
        return self.with_overrides(values)

    @property
    def hypotheses_on(self) -> list[str]:
        """Ids of the hypotheses switched on in every replicate, in registry order.

        A switch drawn per replicate (``hypotheses_uncertain``) is not listed here.
        """
        drawn = set(self.hypotheses_uncertain)
        return [h for h in hyp.IDS if self.hypotheses[h]["on"] and h not in drawn]

    @property
    def name(self) -> str:
        """A short name: the file stem, or the title."""
        return Path(self.path).stem if self.path else self.title

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (nested like the TOML format; times to the second)."""
        out: dict[str, Any] = {
            "title": self.title,
            "question": self.question,
            "description": self.description,
            "time": {
                "start": fmt_time(self.start),
                "end": fmt_time(self.end),
                "step_hours": self.step_hours,
                "fine_step_hours": self.fine_step_hours,
            },
            "hypotheses": copy.deepcopy(self.hypotheses),
            "shocks": [{**s, "at": fmt_time(s["at"])} for s in self.shocks],
            "interventions": list(self.interventions),
        }
        if self.answer:
            out["answer"] = self.answer
        if self.uncertain:  # the nested design matters only when something is drawn
            out["uncertain"] = {
                **copy.deepcopy(self.uncertain),
                "replicates_per_draw": self.replicates_per_draw,
            }
        for key, value in self.params.items():
            node = out
            *parents, leaf = key.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = value
        return out

    def to_toml(self) -> str:
        """The resolved scenario as a TOML file that loads back with the same hash."""
        return dumps_toml(self.to_dict())

    @property
    def hash(self) -> str:
        """A 16-hex-digit hash of everything that decides a result (every value but the texts)."""
        data = self.to_dict()
        for k in TEXT_KEYS:
            data.pop(k, None)
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_overrides(
        self,
        overrides: Mapping[str, object] | Iterable[str] | None = None,
        *,
        on: Iterable[str] = (),
        off: Iterable[str] = (),
        interventions: Iterable[str] = (),
        sets: Iterable[str] = (),
        with_: Iterable[str] = (),
        without: Iterable[str] = (),
    ) -> Scenario:
        """A copy with dotted keys set, hypotheses switched on/off and interventions added.

        ``overrides`` maps dotted keys to typed values (``{"wagner.speed_kmh": 50,
        "shocks.mutiny.at": datetime(...)}``); ``sets``, ``with_`` and ``without``
        are the older spellings (``sets`` takes ``KEY=VALUE`` strings). Errors are
        :class:`OverrideError` naming the key and the argument.
        """
        values: dict[str, object] = {}
        if overrides is not None:
            if isinstance(overrides, Mapping):
                values.update(overrides)
            elif isinstance(overrides, str):
                raise OverrideError(f"{short(overrides)}: overrides are a mapping of dotted keys to values")
            else:
                values.update(ov.parse_assignments(overrides))
        values.update(ov.parse_assignments(sets))
        on_ids, off_ids = [*on, *with_], [*off, *without]
        new = copy.deepcopy(self)
        for argument, ids in (("on", on_ids), ("off", off_ids)):
            for hid in ids:
                if hid not in hyp.REGISTRY:
                    raise OverrideError(
                        f"unknown hypothesis {short(hid)}{choices_hint(str(hid), hyp.REGISTRY)}", argument
                    )
        both = sorted(set(on_ids) & set(off_ids))
        if both:
            raise OverrideError(f"{', '.join(both)}: switched both on and off", "off")
        for hid in on_ids:
            new.hypotheses[hid]["on"] = True
        for hid in off_ids:
            new.hypotheses[hid]["on"] = False
        ov.apply_all(new, values)
        try:
            check_resolved(new)
        except ScenarioError as err:
            raise OverrideError(str(err)) from None
        for name in interventions:
            if name not in INTERVENTIONS:
                raise OverrideError(
                    f"unknown intervention {short(name)}{choices_hint(str(name), INTERVENTIONS)}",
                    "interventions",
                )
            if name not in new.interventions:
                new.interventions.append(name)
        return new

    def set_key(self, key: str, value: object, where: str = "") -> None:
        """Set one dotted key in place; OverrideError naming the key (prefixed by ``where`` if given)."""
        try:
            ov.apply(self, key, value)
        except OverrideError as err:
            raise OverrideError(f"{where} {err}" if where else str(err), err.argument) from None


def check_resolved(spec: Scenario) -> None:
    """Rules over the whole scenario: a span forward in time, a bounded step count, shocks inside."""
    if spec.end <= spec.start:
        raise ScenarioError(f"time.end: {fmt_time(spec.end)} is not after time.start {fmt_time(spec.start)}")
    check_steps(spec)
    for address, s in zip(ov.shock_addresses(spec), spec.shocks, strict=True):
        if not spec.start <= s["at"] < spec.end:
            label = f" ({s['label']!r})" if s.get("label") else ""
            raise ScenarioError(
                f"{address}.at: the shock{label} at {fmt_time(s['at'])} is outside the time window "
                f"{fmt_time(spec.start)} to {fmt_time(spec.end)}; move it, or widen time.start/time.end"
            )


# --- loading ---------------------------------------------------------------


def _uncertain_data(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each distribution in its normal form (sim.uncertain); ``posterior`` kept as written."""
    if not table:
        return {}
    from .uncertain import parse_table

    out = {k: d.to_dict() for k, d in parse_table(table).items()}
    if "posterior" in table:
        out["posterior"] = copy.deepcopy(table["posterior"])
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if k == "hypotheses" and isinstance(v, dict):
            node = out.setdefault("hypotheses", {})
            for hid, entry in v.items():
                entry = {"on": entry} if isinstance(entry, bool) else entry
                old = node.get(hid, {})
                old = {"on": old} if isinstance(old, bool) else old
                node[hid] = {**old, **entry}
        elif k == "uncertain" and isinstance(v, dict):  # one key's distribution replaces the parent's
            out["uncertain"] = {**out.get("uncertain", {}), **copy.deepcopy(v)}
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:  # scalars, and lists (shocks, interventions) replace the parent's
            out[k] = copy.deepcopy(v)
    return out


def _parent_path(where: str, base_dir: Path, name: str) -> Path:
    """What ``extends = name`` means: a file relative to ``base_dir`` if there is one, else a shipped name."""
    if len(name) > _MAX_NAME:
        raise ScenarioError(f"{where}: extends: a name of {len(name):,} characters cannot name a file")
    candidate = Path(name) if Path(name).is_absolute() else base_dir / name
    try:
        mode: int | None = os.stat(candidate).st_mode
    except FileNotFoundError:
        mode = None
    except (OSError, ValueError) as err:  # a name too long for the file system, a loop of links
        reason = getattr(err, "strerror", None) or str(err)
        raise ScenarioError(f"{where}: extends: cannot read {short_path(name)}: {reason}") from None
    if mode is not None:
        if stat.S_ISREG(mode):
            return candidate
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a named pipe, device or socket)"
        raise ScenarioError(f"{where}: extends: {short_path(candidate)!r} is {what}, not a scenario file")
    exists = False
    shipped = SCENARIO_DIR / f"{name}.toml"
    if (
        not exists
        and "/" not in name
        and "\\" not in name
        and not name.endswith(".toml")
        and shipped.is_file()
    ):
        return shipped
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    raise ScenarioError(
        f"{where}: extends: no such scenario file {short_path(candidate)!r} and no shipped scenario "
        f"named {short(name)}{choices_hint(name, names)}"
    )


def _load_raw(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    where = short_path(path)
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(
            f"{where}: extends: a chain of more than {MAX_EXTENDS} files; at most {MAX_EXTENDS}"
        )
    try:
        real = path.resolve()
    except (OSError, RuntimeError) as err:
        raise ScenarioError(f"{where}: cannot read: {err}") from None
    if real in chain:
        cycle = " -> ".join(short_path(p) for p in (*chain, real))
        raise ScenarioError(f"{where}: extends: cycle of extends: {cycle}")
    raw = loads_toml(read_text(path), where)
    if not raw:
        raise ScenarioError(f"{where}: the file is empty; a scenario needs at least a title")
    return _extend(where, path.parent, raw, (*chain, real))


def _extend(where: str, base_dir: Path, raw: dict[str, Any], chain: tuple[Path, ...]) -> dict[str, Any]:
    """Validate ``raw`` and merge it over the scenario it extends, if any."""
    validate(where, raw)
    raw = dict(raw)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    inherited = _load_raw(_parent_path(where, base_dir, parent), chain)
    inherited.pop("description", None)  # a description speaks for its own file only
    return _merge(inherited, raw)


def load_scenario(source: str | Path | Scenario) -> Scenario:
    """Load, validate and resolve a scenario file (or return a Scenario as is)."""
    if isinstance(source, Scenario):
        return source
    path = Path(source)
    return _resolve(_load_raw(path, ()), short_path(path), str(path))


def scenario_from_dict(
    data: Mapping[str, Any], where: str = "scenario", path: str | None = None, base_dir: Path | None = None
) -> Scenario:
    """A scenario from parsed TOML-like data (a resolved ``to_dict()``, a manifest's copy, an experiment's table).

    Checked as strictly as a file; errors name ``where``. ``extends`` is
    relative to ``base_dir`` (default: the current directory) or a shipped name.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{where}: expected a table, got {short(data)}")
    check_nesting(data, where)
    raw = copy.deepcopy(dict(data))
    return _resolve(_extend(where, base_dir or Path("."), raw, ()), where, path)


def _resolve(raw: dict[str, Any], where: str, path: str | None) -> Scenario:
    if "title" not in raw:
        raise ScenarioError(f"{where}: title: missing (every scenario needs a title)")
    tbl = raw.get("time", {})
    for k in ("start", "end"):
        if k not in tbl:
            raise ScenarioError(f"{where}: time.{k}: missing (e.g. {k} = 2023-06-23T18:00:00)")
    # Floats throughout, so a default and the same value written in a file hash alike.
    params = {k: float(p.default) for k, p in PARAMS.items()}
    for k in PARAMS:
        node: Any = raw
        for part in k.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            params[k] = float(node)
    hyps: dict[str, dict[str, Any]] = {}
    for hid, cls in hyp.REGISTRY.items():
        entry = raw.get("hypotheses", {}).get(hid, {})
        entry = {"on": entry} if isinstance(entry, bool) else entry
        hyps[hid] = {"on": bool(entry.get("on", False))}
        for name, declared in cls.params.items():
            hyps[hid][name] = float(entry.get(name, declared.default))
    shocks = []
    for s in raw.get("shocks", []):
        fields = SHOCK_TYPES[s["type"]].fields
        shock = {"type": s["type"], "at": parse_time(s["at"], "at")}
        shock.update({k: float(s.get(k, f.default)) for k, f in fields.items()})
        if "label" in s:
            shock["label"] = s["label"]
        shocks.append(shock)
    shocks.sort(key=lambda s: s["at"])
    spec = Scenario(
        path=path,
        title=raw["title"],
        question=raw.get("question", ""),
        answer=raw.get("answer", ""),
        description=raw.get("description", ""),
        start=parse_time(tbl["start"], f"{where}: time.start"),
        end=parse_time(tbl["end"], f"{where}: time.end"),
        step_hours=float(tbl.get("step_hours", TIME_PARAMS["step_hours"].default)),
        fine_step_hours=float(tbl.get("fine_step_hours", TIME_PARAMS["fine_step_hours"].default)),
        params=params,
        hypotheses=hyps,
        shocks=shocks,
        interventions=list(raw.get("interventions", [])),
        uncertain=_uncertain_data(raw.get("uncertain", {})),
        replicates_per_draw=int(raw.get("uncertain", {}).get("replicates_per_draw", 100)),
    )
    try:
        check_resolved(spec)
    except ScenarioError as err:
        raise ScenarioError(f"{where}: {err}") from None
    return spec

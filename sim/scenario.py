"""Scenarios are data (DESIGN.md, decision 4): strict TOML loading with ``extends``.

Every error names the file, the key and, where there are choices, the valid
ones. A resolved :class:`Scenario` has every default filled in and a hash that
goes into every output.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from . import hypotheses as hyp
from .errors import ScenarioError, UsageError, choices_hint
from .interventions import INTERVENTIONS
from .params import PARAMS, Param
from .shocks import SHOCK_TYPES

TIME_PARAMS: dict[str, Param] = {
    "step_hours": Param(24, 0.25, 24 * 31, "hours", "coarse step outside fine windows", "guess"),
    "fine_step_hours": Param(1, 0.05, 24, "hours", "step inside a mutiny's fine window", "guess"),
}
TEXT_KEYS = ("title", "question", "description")
GROUPS = sorted({k.split(".")[0] for k in PARAMS})
TOP_KEYS = (*TEXT_KEYS, "extends", "time", "hypotheses", "shocks", "interventions", "uncertain", *GROUPS)


def _fmt_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M")


def parse_time(value: object, where: str) -> datetime:
    """A TOML datetime/date or an ISO string, as a naive datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ScenarioError(
                f"{where}: time zones are not supported; give a local date-time like 2023-06-23T21:00"
            )
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parse_time(parsed, where)
    raise ScenarioError(f"{where}: expected a date-time like 2023-06-23T21:00, got {value!r}")


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
        """Ids of the hypotheses whose switch is drawn per replicate."""
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
        """A copy with typed values set by dotted key (the library side of ``--set``)."""
        new = copy.deepcopy(self)
        for key, value in values.items():
            new.set_key(key, value, where="scenario key")
        return new

    @property
    def hypotheses_on(self) -> list[str]:
        """Ids of the hypotheses switched on, in registry order."""
        return [h for h in hyp.IDS if self.hypotheses[h]["on"]]

    @property
    def name(self) -> str:
        """A short name: the file stem, or the title."""
        return Path(self.path).stem if self.path else self.title

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (nested like the TOML format)."""
        out: dict[str, Any] = {
            "title": self.title,
            "question": self.question,
            "description": self.description,
            "time": {
                "start": _fmt_time(self.start),
                "end": _fmt_time(self.end),
                "step_hours": self.step_hours,
                "fine_step_hours": self.fine_step_hours,
            },
            "hypotheses": copy.deepcopy(self.hypotheses),
            "shocks": [{**s, "at": _fmt_time(s["at"])} for s in self.shocks],
            "interventions": list(self.interventions),
        }
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

    @property
    def hash(self) -> str:
        """A 16-hex-digit hash of everything that affects results."""
        data = self.to_dict()
        for k in TEXT_KEYS:
            data.pop(k)
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_overrides(
        self,
        sets: list[str] | tuple[str, ...] = (),
        with_: list[str] | tuple[str, ...] = (),
        without: list[str] | tuple[str, ...] = (),
        interventions: list[str] | tuple[str, ...] = (),
    ) -> Scenario:
        """A copy with ``--set`` values, hypotheses switched and interventions added."""
        new = copy.deepcopy(self)
        for option, ids in (("--with", with_), ("--without", without)):
            for hid in ids:
                if hid not in hyp.REGISTRY:
                    raise UsageError(f"{option}: unknown hypothesis {hid!r}{choices_hint(hid, hyp.REGISTRY)}")
        for hid in with_:
            new.hypotheses[hid]["on"] = True
        for hid in without:
            new.hypotheses[hid]["on"] = False
        for item in sets:
            key, sep, text = item.partition("=")
            if not sep or not key:
                raise UsageError(f"--set {item!r}: expected KEY=VALUE, e.g. wagner.speed_kmh=50")
            new.set_key(key.strip(), parse_value(text.strip()), where="--set")
        if new.end <= new.start:
            raise UsageError(f"--set: time.end {new.end} is not after time.start {new.start}")
        for name in interventions:
            if name not in INTERVENTIONS:
                raise UsageError(
                    f"--intervene: unknown intervention {name!r}{choices_hint(name, INTERVENTIONS)}"
                )
            if name not in new.interventions:
                new.interventions.append(name)
        return new

    def set_key(self, key: str, value: object, where: str) -> None:
        """Set one dotted key; UsageError naming ``where`` if it is invalid."""
        try:
            if key in PARAMS:
                self.params[key] = PARAMS[key].check(key, value)
            elif key.startswith("time."):
                leaf = key[5:]
                if leaf in ("start", "end"):
                    setattr(self, leaf, parse_time(value, key))
                elif leaf in TIME_PARAMS:
                    setattr(self, leaf, TIME_PARAMS[leaf].check(key, value))
                else:
                    raise KeyError(key)
            elif key.startswith("hypotheses."):
                _, hid, leaf = (key.split(".") + ["", ""])[:3]
                cls = hyp.get(hid)
                if leaf == "on":
                    if not isinstance(value, bool):
                        raise ValueError(f"{key}: expected true or false, got {value!r}")
                    self.hypotheses[hid]["on"] = value
                elif leaf in cls.params:
                    self.hypotheses[hid][leaf] = cls.params[leaf].check(key, value)
                else:
                    valid = ["on", *cls.params]
                    raise UsageError(
                        f"{where} {key}: unknown hypothesis parameter{choices_hint(leaf, valid)}"
                    )
            else:
                raise KeyError(key)
        except KeyError:
            raise UsageError(f"{where}: unknown key {key!r}{_key_hint(key)}") from None
        except (ValueError, ScenarioError) as err:
            raise UsageError(f"{where} {err}") from None


def settable_keys() -> list[str]:
    """Every dotted key ``--set`` accepts."""
    keys = [*PARAMS, "time.start", "time.end", *(f"time.{k}" for k in TIME_PARAMS)]
    for hid, cls in hyp.REGISTRY.items():
        keys += [f"hypotheses.{hid}.on", *(f"hypotheses.{hid}.{p}" for p in cls.params)]
    return keys


def _key_hint(key: str) -> str:
    """Did-you-mean over every key, listing the valid keys of the key's group
    (or the groups, when the group itself is unknown) to keep the line short."""
    keys = settable_keys()
    close = difflib.get_close_matches(key, keys, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    group = key.split(".")[0]
    same = sorted(k for k in keys if k.startswith(group + "."))
    if same and group not in ("factions", "hypotheses"):
        return f"{hint}; valid in {group}: {', '.join(same)}"
    groups = sorted({k.split(".")[0] for k in keys})
    return f"{hint}; valid groups: {', '.join(groups)} (see docs/scenarios.md)"


def parse_value(text: str) -> object:
    """A ``--set`` value: true/false, an int, a float, or else the string itself."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


# --- loading ---------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ScenarioError(f"{path}: no such scenario file")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a directory, not a scenario file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot read: {err}") from None
    if not text.strip():
        raise ScenarioError(f"{path}: the file is empty; a scenario needs at least a title")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: invalid TOML: {err}") from None


def _unknown(path: Path, key: str, valid: Any) -> ScenarioError:
    leaf = key.rsplit(".", 1)[-1]
    return ScenarioError(f"{path}: unknown key {key!r}{choices_hint(leaf, valid)}")


def _check_number(path: Path, key: str, spec: Param, value: object) -> float:
    try:
        return spec.check(key, value)
    except ValueError as err:
        raise ScenarioError(f"{path}: {err}") from None


def _validate(path: Path, raw: dict[str, Any]) -> None:
    """Check one file's own keys, types and ranges (before merging)."""
    for key, value in raw.items():
        if key not in TOP_KEYS:
            raise _unknown(path, key, TOP_KEYS)
        if key in (*TEXT_KEYS, "extends") and not isinstance(value, str):
            raise ScenarioError(f"{path}: {key}: expected a string, got {value!r}")
    for group in GROUPS:
        _validate_group(path, group, raw.get(group, {}))
    tbl = raw.get("time", {})
    if not isinstance(tbl, dict):
        raise ScenarioError(f"{path}: time: expected a table")
    for k, v in tbl.items():
        if k in ("start", "end"):
            parse_time(v, f"{path}: time.{k}")
        elif k in TIME_PARAMS:
            _check_number(path, f"time.{k}", TIME_PARAMS[k], v)
        else:
            raise _unknown(path, f"time.{k}", ["start", "end", *TIME_PARAMS])
    _validate_hypotheses(path, raw.get("hypotheses", {}))
    _validate_uncertain(path, raw.get("uncertain", {}))
    _validate_shocks(path, raw.get("shocks", []))
    ivs = raw.get("interventions", [])
    if not isinstance(ivs, list) or not all(isinstance(i, str) for i in ivs):
        raise ScenarioError(f"{path}: interventions: expected a list of names")
    for name in ivs:
        if name not in INTERVENTIONS:
            raise ScenarioError(
                f"{path}: interventions: unknown intervention {name!r}{choices_hint(name, INTERVENTIONS)}"
            )


def _validate_group(path: Path, prefix: str, table: object) -> None:
    if not isinstance(table, dict):
        raise ScenarioError(f"{path}: {prefix}: expected a table")
    for k, v in table.items():
        key = f"{prefix}.{k}"
        if isinstance(v, dict):
            if not any(p.startswith(key + ".") for p in PARAMS):
                raise _unknown(path, key, _children(prefix))
            _validate_group(path, key, v)
        elif key in PARAMS:
            _check_number(path, key, PARAMS[key], v)
        else:
            raise _unknown(path, key, _children(prefix))


def _children(prefix: str) -> set[str]:
    n = prefix.count(".") + 1
    return {p.split(".")[n] for p in PARAMS if p.startswith(prefix + ".")}


def _validate_hypotheses(path: Path, table: object) -> None:
    if not isinstance(table, dict):
        raise ScenarioError(f"{path}: hypotheses: expected a table")
    for hid, entry in table.items():
        if hid not in hyp.REGISTRY:
            raise ScenarioError(
                f"{path}: hypotheses: unknown hypothesis {hid!r}{choices_hint(hid, hyp.REGISTRY)}"
            )
        if isinstance(entry, bool):
            continue
        if not isinstance(entry, dict):
            raise ScenarioError(f"{path}: hypotheses.{hid}: expected true, false or a table")
        cls = hyp.REGISTRY[hid]
        for k, v in entry.items():
            key = f"hypotheses.{hid}.{k}"
            if k == "on":
                if not isinstance(v, bool):
                    raise ScenarioError(f"{path}: {key}: expected true or false, got {v!r}")
            elif k in cls.params:
                _check_number(path, key, cls.params[k], v)
            else:
                raise _unknown(path, key, ["on", *cls.params])


def _validate_uncertain(path: Path, table: object) -> None:
    from .uncertain import UncertainError, parse_table

    if not isinstance(table, dict):
        raise ScenarioError(f"{path}: uncertain: expected a table keyed by dotted parameter keys")
    try:
        parse_table(table)
    except UncertainError as err:
        raise ScenarioError(f"{path}: uncertain: {err}") from None


def _validate_shocks(path: Path, shocks: object) -> None:
    if not isinstance(shocks, list):
        raise ScenarioError(f"{path}: shocks: expected an array of tables ([[shocks]])")
    for i, s in enumerate(shocks):
        where = f"shocks[{i}]"
        if not isinstance(s, dict):
            raise ScenarioError(f"{path}: {where}: expected a table")
        kind = s.get("type")
        if kind not in SHOCK_TYPES:
            raise ScenarioError(
                f"{path}: {where}.type: unknown shock type {kind!r}{choices_hint(str(kind), SHOCK_TYPES)}"
            )
        if "at" not in s:
            raise ScenarioError(f"{path}: {where}.at: missing (the shock's date and time)")
        parse_time(s["at"], f"{path}: {where}.at")
        fields = SHOCK_TYPES[kind].fields
        for k, v in s.items():
            if k in ("type", "at"):
                continue
            if k == "label":
                if not isinstance(v, str):
                    raise ScenarioError(f"{path}: {where}.label: expected a string")
            elif k in fields:
                _check_number(path, f"{where}.{k}", fields[k], v)
            else:
                raise _unknown(path, f"{where}.{k}", ["type", "at", "label", *fields])


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
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:  # scalars, and lists (shocks, interventions) replace the parent's
            out[k] = copy.deepcopy(v)
    return out


def _load_raw(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    real = path.resolve()
    if real in chain:
        cycle = " -> ".join(str(p) for p in (*chain, real))
        raise ScenarioError(f"{path}: extends: cycle of extends: {cycle}")
    raw = _read(path)
    _validate(path, raw)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    parent_path = (path.parent / parent) if not Path(parent).is_absolute() else Path(parent)
    if not parent_path.is_file():  # missing, or a directory
        raise ScenarioError(f"{path}: extends: no such scenario file {str(parent_path)!r}")
    inherited = _load_raw(parent_path, (*chain, real))
    inherited.pop("description", None)  # a description speaks for its own file only
    return _merge(inherited, raw)


def load_scenario(source: str | Path | Scenario) -> Scenario:
    """Load, validate and resolve a scenario file (or return a Scenario as is)."""
    if isinstance(source, Scenario):
        return source
    path = Path(source)
    raw = _load_raw(path, ())
    if "title" not in raw:
        raise ScenarioError(f"{path}: title: missing (every scenario needs a title)")
    tbl = raw.get("time", {})
    for k in ("start", "end"):
        if k not in tbl:
            raise ScenarioError(f"{path}: time.{k}: missing (e.g. {k} = 2023-06-23T18:00)")
    start = parse_time(tbl["start"], f"{path}: time.start")
    end = parse_time(tbl["end"], f"{path}: time.end")
    if end <= start:
        raise ScenarioError(f"{path}: time.end: {end} is not after time.start {start}")
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
        for name, spec in cls.params.items():
            hyps[hid][name] = float(entry.get(name, spec.default))
    shocks = []
    for s in raw.get("shocks", []):
        fields = SHOCK_TYPES[s["type"]].fields
        shock = {"type": s["type"], "at": parse_time(s["at"], "at")}
        shock.update({k: float(s.get(k, f.default)) for k, f in fields.items()})
        if "label" in s:
            shock["label"] = s["label"]
        shocks.append(shock)
    shocks.sort(key=lambda s: s["at"])
    return Scenario(
        path=str(path),
        title=raw["title"],
        question=raw.get("question", ""),
        description=raw.get("description", ""),
        start=start,
        end=end,
        step_hours=float(tbl.get("step_hours", TIME_PARAMS["step_hours"].default)),
        fine_step_hours=float(tbl.get("fine_step_hours", TIME_PARAMS["fine_step_hours"].default)),
        params=params,
        hypotheses=hyps,
        shocks=shocks,
        interventions=list(raw.get("interventions", [])),
        uncertain=_uncertain_data(raw.get("uncertain", {})),
        replicates_per_draw=int(raw.get("uncertain", {}).get("replicates_per_draw", 100)),
    )


def _uncertain_data(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from .uncertain import parse_table

    return {k: d.to_dict() for k, d in parse_table(table).items()}

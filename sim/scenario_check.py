"""Checks of one scenario file's own keys, types and ranges, before ``extends`` merges it.

Every error is a ScenarioError naming the file (``path``), the key and, where
there are choices, the valid ones.
"""

from __future__ import annotations

from typing import Any

from . import hypotheses as hyp
from .errors import ScenarioError, choices_hint
from .interventions import INTERVENTIONS
from .overrides import TIME_PARAMS
from .params import PARAMS
from .scenario_io import check_text, parse_time, short
from .shocks import SHOCK_TYPES

TEXT_KEYS = ("title", "question", "description", "answer")
GROUPS = sorted({k.split(".")[0] for k in PARAMS})
TOP_KEYS = (
    *TEXT_KEYS,
    "extends",
    "time",
    "hypotheses",
    "shocks",
    "interventions",
    "uncertain",
    *GROUPS,
)


def _unknown(path: str, key: str, valid: Any) -> ScenarioError:
    leaf = key.rsplit(".", 1)[-1]
    return ScenarioError(f"{path}: unknown key {short(key)}{choices_hint(leaf, valid)}")


def _check(path: str, check: Any, *args: object) -> Any:
    """Run a checker that raises ValueError; re-raise as ScenarioError naming the file."""
    try:
        return check(*args)
    except ValueError as err:
        raise ScenarioError(f"{path}: {err}") from None


def validate(path: str, raw: dict[str, Any]) -> None:
    """Check one file's own keys, types and ranges (before merging)."""
    for key, value in raw.items():
        if key == "experiment" and isinstance(value, dict):
            raise ScenarioError(
                f"{path}: an experiment file (it has an [experiment] table), not a scenario; "
                "run it with the experiment command (docs/experiments.md)"
            )
        if key not in TOP_KEYS:
            raise _unknown(path, key, TOP_KEYS)
        if key in TEXT_KEYS:
            _check(path, check_text, key, value, key == "description")
        if key == "extends":
            _check(path, check_text, key, value)
        if key == "answer":
            from .answers import ANSWERS

            if value and value not in ANSWERS:
                raise _unknown(path, f"answer = {value!r}", ANSWERS)
    for group in GROUPS:
        _validate_group(path, group, raw.get(group, {}))
    tbl = raw.get("time", {})
    if not isinstance(tbl, dict):
        raise ScenarioError(f"{path}: time: expected a table")
    for k, v in tbl.items():
        if k in ("start", "end"):
            parse_time(v, f"{path}: time.{k}")
        elif k in TIME_PARAMS:
            _check(path, TIME_PARAMS[k].check, f"time.{k}", v)
        else:
            raise _unknown(path, f"time.{k}", ["start", "end", *TIME_PARAMS])
    _validate_hypotheses(path, raw.get("hypotheses", {}))
    _validate_shocks(path, raw.get("shocks", []))
    ivs = raw.get("interventions", [])
    if not isinstance(ivs, list) or not all(isinstance(i, str) for i in ivs):
        raise ScenarioError(f"{path}: interventions: expected a list of names")
    for name in ivs:
        if name not in INTERVENTIONS:
            raise ScenarioError(
                f"{path}: interventions: unknown intervention {short(name)}{choices_hint(name, INTERVENTIONS)}"
            )
    _validate_uncertain(path, raw.get("uncertain", {}))


def _validate_uncertain(path: str, table: object) -> None:
    settings = {"posterior": str, "replicates_per_draw": int}
    if not isinstance(table, dict) or not all(isinstance(v, settings.get(k, dict)) for k, v in table.items()):
        raise ScenarioError(
            f'{path}: uncertain: expected a table of KEY = {{dist = ...}}, e.g. "wagner.speed_kmh" = '
            '{dist = "uniform", low = 30, high = 70}'
        )
    if table:  # sim.uncertain is imported only for a scenario that has one
        from .uncertain import UncertainError, parse_table

        try:
            parse_table(table)
        except UncertainError as err:
            raise ScenarioError(f"{path}: uncertain: {err}") from None


def _validate_group(path: str, prefix: str, table: object) -> None:
    if not isinstance(table, dict):
        raise ScenarioError(f"{path}: {prefix}: expected a table")
    for k, v in table.items():
        key = f"{prefix}.{k}"
        if isinstance(v, dict):
            if not any(p.startswith(key + ".") for p in PARAMS):
                raise _unknown(path, key, _children(prefix))
            _validate_group(path, key, v)
        elif key in PARAMS:
            _check(path, PARAMS[key].check, key, v)
        else:
            raise _unknown(path, key, _children(prefix))


def _children(prefix: str) -> set[str]:
    n = prefix.count(".") + 1
    return {p.split(".")[n] for p in PARAMS if p.startswith(prefix + ".")}


def _validate_hypotheses(path: str, table: object) -> None:
    if not isinstance(table, dict):
        raise ScenarioError(f"{path}: hypotheses: expected a table")
    for hid, entry in table.items():
        if hid not in hyp.REGISTRY:
            raise ScenarioError(
                f"{path}: hypotheses: unknown hypothesis {short(hid)}{choices_hint(hid, hyp.REGISTRY)}"
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
                    raise ScenarioError(f"{path}: {key}: expected true or false, got {short(v)}")
            elif k in cls.params:
                _check(path, cls.params[k].check, key, v)
            else:
                raise _unknown(path, key, ["on", *cls.params])


def _validate_shocks(path: str, shocks: object) -> None:
    if not isinstance(shocks, list):
        raise ScenarioError(f"{path}: shocks: expected an array of tables ([[shocks]])")
    for i, s in enumerate(shocks):
        where = f"shocks[{i}]"
        if not isinstance(s, dict):
            raise ScenarioError(f"{path}: {where}: expected a table")
        kind = s.get("type")
        if not isinstance(kind, str):  # a list here is unhashable: check before the lookup
            raise ScenarioError(
                f"{path}: {where}.type: expected the name of a shock type, got {short(kind)}; "
                f"valid: {', '.join(sorted(SHOCK_TYPES))}"
            )
        if kind not in SHOCK_TYPES:
            raise ScenarioError(
                f"{path}: {where}.type: unknown shock type {short(kind)}{choices_hint(kind, SHOCK_TYPES)}"
            )
        if "at" not in s:
            raise ScenarioError(f"{path}: {where}.at: missing (the shock's date and time)")
        parse_time(s["at"], f"{path}: {where}.at")
        fields = SHOCK_TYPES[kind].fields
        for k, v in s.items():
            if k in ("type", "at"):
                continue
            if k == "label":
                _check(path, check_text, f"{where}.label", v)
            elif k in fields:
                _check(path, fields[k].check, f"{where}.{k}", v)
            else:
                raise _unknown(path, f"{where}.{k}", ["type", "at", "label", *fields])

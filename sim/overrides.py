"""Dotted scenario keys: what can be set, how a key finds its value, and ``KEY=VALUE`` parsing.

Keys are those of the TOML format (``wagner.speed_kmh``, ``time.end``,
``hypotheses.hidden_patrons.on``) plus shock addresses: ``shocks.TYPE.FIELD``
when the scenario has one shock of that type, ``shocks.TYPE[I].FIELD`` (I from
0, in time order, as ``show`` lists them) whichever number it has.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from . import hypotheses as hyp
from .errors import OverrideError, ScenarioError, choices_hint
from .params import PARAMS, Param
from .scenario_io import check_text, parse_time, short
from .shocks import SHOCK_TYPES

if TYPE_CHECKING:
    from .scenario import Scenario

TIME_PARAMS: dict[str, Param] = {
    "step_hours": Param(24, 0.25, 24 * 31, "hours", "coarse step outside fine windows", "guess"),
    "fine_step_hours": Param(1, 0.05, 24, "hours", "step inside a mutiny's fine window", "guess"),
}
_SHOCK_KEY = re.compile(r"^shocks\.([A-Za-z0-9_]+)(?:\[(\d+)\])?\.([A-Za-z0-9_]+)$")


def settable_keys() -> list[str]:
    """Every dotted key an override accepts in any scenario (shock keys depend on the scenario)."""
    keys = [*PARAMS, "time.start", "time.end", *(f"time.{k}" for k in TIME_PARAMS)]
    for hid, cls in hyp.REGISTRY.items():
        keys += [f"hypotheses.{hid}.on", *(f"hypotheses.{hid}.{p}" for p in cls.params)]
    return keys


def shock_fields(kind: str) -> list[str]:
    return ["at", "label", *SHOCK_TYPES[kind].fields]


def shock_addresses(spec: Scenario) -> list[str]:
    """How each of ``spec``'s shocks is addressed: ``shocks.mutiny`` or ``shocks.mutiny[1]``."""
    counts: dict[str, int] = {}
    for s in spec.shocks:
        counts[s["type"]] = counts.get(s["type"], 0) + 1
    seen: dict[str, int] = {}
    out = []
    for s in spec.shocks:
        i = seen.get(s["type"], 0)
        seen[s["type"]] = i + 1
        out.append(f"shocks.{s['type']}" if counts[s["type"]] == 1 else f"shocks.{s['type']}[{i}]")
    return out


def key_hint(key: str, spec: Scenario | None = None) -> str:
    """Did-you-mean over every key, listing the valid keys of the key's group
    (or the groups, when the group itself is unknown) to keep the line short."""
    keys = settable_keys()
    if spec is not None:
        keys += [f"{a}.at" for a in shock_addresses(spec)]
    close = difflib.get_close_matches(key, keys, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    group = key.split(".")[0]
    same = sorted(k for k in keys if k.startswith(group + "."))
    if same and group not in ("factions", "hypotheses", "shocks"):
        return f"{hint}; valid in {group}: {', '.join(same)}"
    groups = sorted({k.split(".")[0] for k in keys} | {"shocks"})
    return f"{hint}; valid groups: {', '.join(groups)} (see docs/scenarios.md)"


def parse_value(text: str) -> object:
    """A ``KEY=VALUE`` value: true/false, an int, a float, or else the string itself."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_assignments(items: Iterable[str]) -> dict[str, object]:
    """``KEY=VALUE`` strings as a mapping (a later value for a key wins); OverrideError if malformed."""
    out: dict[str, object] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise OverrideError(f"{short(item)}: expected KEY=VALUE, e.g. wagner.speed_kmh=50")
        out[key.strip()] = parse_value(text.strip())
    return out


def apply(spec: Scenario, key: str, value: object) -> None:
    """Set one dotted key on ``spec`` in place; OverrideError naming the key if it is invalid.

    Shocks are not re-sorted here: a caller that sets several keys addresses
    every shock by its place before any change, then sorts once.
    """
    try:
        _apply(spec, key, value)
    except (ValueError, ScenarioError) as err:
        raise OverrideError(str(err)) from None


def _apply(spec: Scenario, key: str, value: object) -> None:
    if key in PARAMS:
        spec.params[key] = PARAMS[key].check(key, value)
        return
    group, _, rest = key.partition(".")
    if group == "time" and rest in ("start", "end"):
        setattr(spec, rest, parse_time(value, key))
    elif group == "time" and rest in TIME_PARAMS:
        setattr(spec, rest, TIME_PARAMS[rest].check(key, value))
    elif group == "hypotheses" and rest:
        _apply_hypothesis(spec, key, value)
    elif group == "shocks":
        _apply_shock(spec, key, value)
    else:
        raise OverrideError(f"unknown key {short(key)}{key_hint(key, spec)}")


def _apply_hypothesis(spec: Scenario, key: str, value: object) -> None:
    parts = key.split(".")
    hid = parts[1]
    if hid not in hyp.REGISTRY:
        raise OverrideError(f"{key}: unknown hypothesis {hid!r}{choices_hint(hid, hyp.REGISTRY)}")
    cls = hyp.REGISTRY[hid]
    valid = ["on", *cls.params]
    if len(parts) != 3:  # hypotheses.ID.on.x must not quietly set hypotheses.ID.on
        forms = ", ".join(f"hypotheses.{hid}.{p}" for p in valid)
        raise OverrideError(f"unknown key {short(key)}; keys of {hid}: {forms}")
    leaf = parts[2]
    if leaf == "on":
        if not isinstance(value, bool):
            raise OverrideError(f"{key}: expected true or false, got {short(value)}")
        spec.hypotheses[hid]["on"] = value
    elif leaf in cls.params:
        spec.hypotheses[hid][leaf] = cls.params[leaf].check(key, value)
    else:
        raise OverrideError(f"{key}: unknown hypothesis parameter{choices_hint(leaf, valid)}")


def find_shock(spec: Scenario, key: str) -> tuple[dict[str, Any], str]:
    """The shock ``shocks.TYPE[I].FIELD`` addresses in ``spec``, and the field; OverrideError if none."""
    m = _SHOCK_KEY.match(key)
    if not m:
        raise OverrideError(
            f"{short(key)}: expected shocks.TYPE.FIELD or shocks.TYPE[I].FIELD, e.g. shocks.mutiny.at"
            + _present(spec)
        )
    kind, index, leaf = m.group(1), m.group(2), m.group(3)
    if kind not in SHOCK_TYPES:
        raise OverrideError(f"{key}: unknown shock type {kind!r}{choices_hint(kind, SHOCK_TYPES)}")
    same = [s for s in spec.shocks if s["type"] == kind]
    if not same:
        raise OverrideError(f"{key}: the scenario has no {kind} shock{_present(spec)}")
    forms = " or ".join(f"shocks.{kind}[{i}].{leaf}" for i in range(len(same)))
    if index is None and len(same) > 1:
        raise OverrideError(
            f"{key}: the scenario has {len(same)} {kind} shocks (in time order); address one as {forms}"
        )
    i = int(index or 0)
    if i >= len(same):
        raise OverrideError(f"{key}: the scenario has {len(same)} {kind} shock(s); valid: {forms}")
    fields = shock_fields(kind)
    if leaf not in fields or leaf == "type":
        raise OverrideError(f"{key}: unknown field of a {kind} shock{choices_hint(leaf, fields)}")
    return same[i], leaf


def _present(spec: Scenario) -> str:
    addresses = shock_addresses(spec)
    return f"; its shocks: {', '.join(addresses)}" if addresses else "; it has no shocks"


def _apply_shock(spec: Scenario, key: str, value: object) -> None:
    shock, leaf = find_shock(spec, key)
    if leaf == "at":
        shock["at"] = parse_time(value, key)
    elif leaf == "label":
        shock["label"] = check_text(key, value)
    else:
        shock[leaf] = SHOCK_TYPES[shock["type"]].fields[leaf].check(key, value)


def apply_all(spec: Scenario, overrides: Mapping[str, object]) -> None:
    """Apply every override in order, then put the shocks back in time order."""
    for key, value in overrides.items():
        if not isinstance(key, str):
            raise OverrideError(f"{short(key)}: a key is a dotted string, e.g. wagner.speed_kmh")
        apply(spec, key.strip(), value)
    spec.shocks.sort(key=lambda s: s["at"])

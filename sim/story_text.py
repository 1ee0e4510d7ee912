"""Plain-text renderings: a story for the terminal, a resolved scenario as TOML."""

from __future__ import annotations

import json
from typing import Any

from .banner import label


def format_story(told: dict[str, Any]) -> str:
    """The story of one replicate: banner, dated timeline, outcome and figures."""
    lines = [label(told["hypotheses_on"])]
    iv = ", ".join(told["interventions"]) or "none"
    lines += [
        f"Scenario: {told['scenario']} — {told['title']}",
        f"  hash {told['scenario_hash']} · seed {told['seed']} · replicate {told['replicate']}"
        f" · interventions: {iv}",
    ]
    if told.get("question"):
        lines.append(f"  Question: {told['question']}")
    world = told.get("world") or {}
    if world:
        switches = {k.split(".")[1]: v for k, v in world.items() if k.endswith(".on")}
        lines.append(f"  This replicate's world: {len(world)} drawn values (see --json)")
        if switches:
            lines.append(
                "  Drawn switches: " + ", ".join(f"{h} {'on' if v else 'off'}" for h, v in switches.items())
            )
    lines += ["", "Timeline"]
    width = max((len(e["actor"]) for e in told["events"]), default=6)
    for e in told["events"]:
        lines.append(f"  {e['time']}  {e['actor']:<{width}}  {e['event']}: {e['detail']}")
    if not told["events"]:
        lines.append("  (no events)")
    f = told["figures"]
    lines += ["", f"Outcome: {told['outcome']} (ended {f['end_time']})"]
    km = "—" if f["closest_km_to_moscow"] is None else f"{f['closest_km_to_moscow']:.0f} km"
    hours = "—" if f["mutiny_hours"] is None else f"{f['mutiny_hours']:.0f} h"
    lines.append(f"  mutiny: {f['mutiny_end']}; closest approach to Moscow {km}; duration {hours}")
    lines.append(
        f"  leaks: {f['leaks']} (top gainer: {f['top_leak_gainer']}); leader elite support "
        f"{f['leader_elite_support']:.2f}; regime control {f['regime_control']:.2f}"
        + (f"; legitimacy {f['legitimacy']:.2f}" if "legitimacy" in f else "")
    )
    return "\n".join(lines)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """A minimal TOML writer for the resolved scenario (tables, scalars, lists)."""
    out: list[str] = []
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and k != "shocks"}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    for k, v in scalars.items():
        if isinstance(v, str) and "\n" in v:
            out.append(f'{k} = """{v}"""')
        else:
            out.append(f"{k} = {_toml_value(v)}")
    for k, v in tables.items():
        name = f"{prefix}{k}"
        if any(not isinstance(x, dict) for x in v.values()):
            out.append(f"\n[{name}]")
        out.append(to_toml(v, prefix=f"{name}.").strip("\n"))
    for shock in data.get("shocks", []):
        out.append(f"\n[[{prefix}shocks]]")
        out += [f"{k} = {_toml_value(v)}" for k, v in shock.items()]
    return "\n".join(x for x in out if x)

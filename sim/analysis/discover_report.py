"""The terminal report of a scenario discovery: the chosen box, its limits and statistics."""

from __future__ import annotations

import math

from ..banner import BANNER, hypotheses_line
from .discover import DiscoverResult, outcome_label

SHOWN = 8  # dropped limits listed; an over-fitted box can lose dozens


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _qp(q: float) -> str:
    return "< 1e-300" if q == 0 else f"{q:.2g}"  # 0 is an underflow, not a certainty


def _provenance(src: dict[str, object]) -> str:
    """'scenario NAME (hash H), seed S: ' with whatever the batch (or frame) recorded."""
    parts = [f"scenario {src['scenario_name']}" if src.get("scenario_name") else ""]
    parts.append(f"(hash {src['scenario_hash']})" if src.get("scenario_hash") else "")
    text = " ".join(p for p in parts if p)
    if src.get("seed") is not None:
        text += f"{', ' if text else ''}seed {src['seed']}"
    return f"{text}: " if text else ""


def format_discover(r: DiscoverResult) -> str:
    """The chosen box for the terminal: banner, hypotheses, the rule, the limits and the statistics."""
    src = r.source
    s = r.stats
    t = r.trajectory[r.trajectory["origin"] == "prim"]
    c = r.trajectory.loc[r.candidate]
    switches = r.switches
    lines = [BANNER, hypotheses_line(src.get("hypotheses_on", []))]
    if switches:
        lines.append("Uncertain switches (on in some replicates): " + ", ".join(switches))
    lines += [
        f"Scenario discovery (PRIM, EMA workbench {r.settings['ema_workbench']}) on {r.directory or 'a frame'}",
        f"  {_provenance(src)}{r.rows:,} replicates, {len(r.parameters)} uncertain parameters",
        f"Outcome of interest: {outcome_label(r.outcomes)} — {r.interest:,} of {r.rows:,} replicates "
        f"({100 * r.interest / r.rows:.1f} %)",
        f"Peeling trajectory: {len(t)} boxes, coverage {t['coverage'].iloc[0]:.2f} -> "
        f"{t['coverage'].iloc[-1]:.2f}, density {t['density'].iloc[0]:.2f} -> {t['density'].iloc[-1]:.2f}",
        "",
        f"Chosen box: #{r.chosen}, {r.rule}",
    ]
    if r.dropped:
        lines += [
            f"  from box #{r.candidate} (coverage {c['coverage']:.3f}, density {c['density']:.3f}, "
            f"{int(c['res_dim'])} restricted), dropped as not significant:",
            *(f"    {d}" for d in r.dropped[:SHOWN]),
        ]
        if len(r.dropped) > SHOWN:
            lines.append(f"    ... and {len(r.dropped) - SHOWN} more (manifest.json: dropped)")
    lines += [
        f"  coverage {s['coverage']:.3f}  (share of the cases of interest inside the box)",
        f"  density  {s['density']:.3f}  (share of the box's replicates that end so; "
        f"{t['density'].iloc[0]:.3f} in the whole batch)",
        f"  mass     {s['mass']:.3f}  (share of all replicates inside the box)",
        f"  restricted parameters: {int(s['res_dim'])} of {len(r.parameters)}",
    ]
    b = r.box()
    width = max([len(k) for k in b["parameter"]] + [10])
    for row in b[b["restricted"]].itertuples():
        if row.kind == "switch":
            cond = f"= {row.values.replace('|', ' or ')}"
            qp = f"quasi-p {_qp(row.qp_low)}"
        else:
            lo_cut = row.low > r.observed[row.parameter][0]
            hi_cut = row.high < r.observed[row.parameter][1]
            if lo_cut and hi_cut:
                cond = f"{_fmt(row.low)} to {_fmt(row.high)}"
            else:
                cond = f">= {_fmt(row.low)}" if lo_cut else f"<= {_fmt(row.high)}"
            qps = [_qp(q) for q in (row.qp_low, row.qp_high) if not math.isnan(q)]
            qp = "quasi-p " + "/".join(qps)
            cond += f"   (range {_fmt(row.range_low)} to {_fmt(row.range_high)})"
        again = f"   reproduced {row.reproduce_coverage:.0f} %" if r.reproduce is not None else ""
        lines.append(f"    {row.parameter:<{width}}  {cond:<42} {qp}{again}")
    if not b["restricted"].any():
        lines.append("    (none: the box is the whole batch)")
    if r.reproduce is not None:
        n = r.settings["resample"]
        lines.append(
            f"  reproduced: share of {n} PRIM reruns on random halves whose box of nearest coverage "
            "restricts the parameter too"
        )
        other = b[~b["restricted"] & (b["reproduce_coverage"] >= 50)]["parameter"]
        if len(other):
            lines.append(f"  not in this box but restricted in at least half the reruns: {', '.join(other)}")
    lines += [f"Note: {n}" for n in r.notes]
    return "\n".join(lines)

"""Plain-text reports of comparisons, sweeps and attributions for the terminal.

Every report starts with the banner and the hypotheses that were on.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..banner import BANNER, hypotheses_line, uncertainty_line

if TYPE_CHECKING:
    from .attribution import AttributionResult
    from .compare import CompareResult, StoryDiff
    from .sweep import SweepResult


def _uncertain(spec: Any) -> list[str]:
    line = uncertainty_line(spec.uncertain, spec.replicates_per_draw)
    return [line] if line else []


def _pct(p: Any) -> str:
    p = float(p)
    return "—" if math.isnan(p) else f"{100 * p:5.1f}"


def _signed(p: Any) -> str:
    p = float(p)
    return "—" if math.isnan(p) else f"{100 * p:+5.1f}"


def format_compare(r: CompareResult) -> str:
    """The comparison table (percentages), the transitions and the figure shifts."""
    lines = [
        BANNER,
        "A (as written) " + hypotheses_line(r.spec_a.hypotheses_on, r.spec_a.hypotheses_uncertain),
        "B (changed)    " + hypotheses_line(r.spec_b.hypotheses_on, r.spec_b.hypotheses_uncertain),
        *_uncertain(r.spec_b),
        f"Scenario: {r.spec_a.name} — {r.spec_a.title}",
        f"  A hash {r.spec_a.hash} · B hash {r.spec_b.hash} · seed {r.seed} · {r.runs} replicates each,"
        " common random numbers (same replicate ids)",
        "Changed (B):",
        *(f"  {c}" for c in r.changes),
        "",
        "Percent of replicates; [95 % Wilson]; B - A paired over replicates [95 %]",
    ]
    for variable, title in (("outcome", "Outcome"), ("mutiny_end", "Mutiny end")):
        d = r.differences[r.differences["variable"] == variable]
        if variable == "mutiny_end" and (d["count_a"] + d["count_b"]).iloc[1:].sum() == 0:
            continue  # no mutiny in this scenario: nothing to shift
        lines.append(f"  {title:<17} {'P(A) %':>20} {'P(B) %':>20} {'B - A (points)':>24} {'changed':>8}")
        for row in d.itertuples():
            a = f"{_pct(row.p_a)} [{_pct(row.a_low)},{_pct(row.a_high)}]"
            b = f"{_pct(row.p_b)} [{_pct(row.b_low)},{_pct(row.b_high)}]"
            diff = f"{_signed(row.diff)} [{_signed(row.diff_low)},{_signed(row.diff_high)}]"
            lines.append(f"  {row.outcome:<17} {a:>20} {b:>20} {diff:>24} {row.changed:>8}")
        lines.append("")
    lines.append(
        f"Transitions (rows: outcome as written; columns: outcome changed); "
        f"{r.changed_replicates} of {r.runs} replicates changed outcome"
    )
    t = r.transitions
    short = [c[:9] for c in t.columns]
    lines.append("  " + f"{'A \\ B':<17}" + "".join(f"{s:>10}" for s in short))
    for name, counts in t.iterrows():
        lines.append("  " + f"{name:<17}" + "".join(f"{v:>10}" for v in counts))
    f = r.figures[r.figures["n"] > 0]
    if len(f):
        lines += ["", "Figures: paired mean over replicates where both are defined (B - A [95 %])"]
        for row in f.itertuples():
            lines.append(
                f"  {row.figure:<22} A {row.mean_a:10.3f}  B {row.mean_b:10.3f}  "
                f"diff {row.diff:+9.3f} [{row.diff_low:+.3f}, {row.diff_high:+.3f}]  n={row.n}"
            )
    return "\n".join(lines)


def format_story_diff(sd: StoryDiff) -> str:
    """Both stories of one replicate in one timeline, the first parting point marked."""
    a, b = sd.story_a, sd.story_b
    lines = [
        BANNER,
        "A (as written) " + hypotheses_line(a["hypotheses_on"]),
        "B (changed)    " + hypotheses_line(b["hypotheses_on"]),
        f"Replicate {a['replicate']} (seed {a['seed']}) told twice: '=' both, 'A' only as written, "
        "'B' only changed",
        "",
    ]
    width = max((len(str(x)) for x in sd.timeline["actor"]), default=6)
    for i, e in enumerate(sd.timeline.itertuples()):
        if i == sd.parting:
            lines.append(f"  >>>>>> the runs part here ({e.time}) <<<<<<")
        lines.append(f"  {e.side}  {e.time}  {e.actor:<{width}}  {e.event}: {e.detail}")
    if sd.parting is None:
        same = a["outcome"] == b["outcome"]
        lines.append("  (the two timelines are identical" + ("" if same else "; the outcomes differ") + ")")
    lines += [
        "",
        f"Outcome A: {a['outcome']} (ended {a['figures']['end_time']}; mutiny: {a['figures']['mutiny_end']})",
        f"Outcome B: {b['outcome']} (ended {b['figures']['end_time']}; mutiny: {b['figures']['mutiny_end']})",
    ]
    return "\n".join(lines)


def format_sweep(r: SweepResult) -> str:
    """The design, the per-point table (outcomes only) and any sensitivity indices."""
    lines = [
        BANNER,
        hypotheses_line(r.spec.hypotheses_on, r.spec.hypotheses_uncertain),
        *_uncertain(r.spec),
        f"Scenario: {r.spec.name} — {r.spec.title}",
        f"  hash {r.spec.hash} · seed {r.seed} · {r.runs} replicates per point on common random numbers",
        f"Design: {r.design}, {r.n_points} points over "
        + ", ".join(f"{p.key} in [{p.low:g}, {p.high:g}]" for p in r.params),
    ]
    lines += [f"  note: {n}" for n in r.notes]
    wide = r.wide()
    keys = [p.key for p in r.params]
    outs = [c for c in wide.columns if c not in keys and c != "point" and wide[c].max() > 0]
    lines += ["", "Percent of replicates per point (95 % Wilson intervals in points.csv)"]
    lines.append(
        "  " + "".join(f"{k.split('.')[-1][:14]:>15}" for k in keys) + "".join(f"{o[:14]:>15}" for o in outs)
    )
    show = wide if len(wide) <= 40 else wide.iloc[:40]
    for _, point in show.iterrows():
        lines.append(
            "  "
            + "".join(f"{point[k]:15.4g}" for k in keys)
            + "".join(f"{100 * point[o]:15.1f}" for o in outs)
        )
    if len(wide) > 40:
        lines.append(f"  ... {len(wide) - 40} more points in points.csv")
    lines += [
        "",
        "Replicate noise: share of the variance of the point estimates that binomial "
        "noise (p(1-p)/R) explains",
    ]
    for row in r.noise.itertuples():
        if row.var_total > 0:
            lines.append(f"  {row.output:<28} {100 * row.noise_share:6.1f} %")
    if r.indices is not None:
        lines += ["", f"Sensitivity ({r.analyze}), 95 % confidence half-widths"]
        lines.append(_format_indices(r.indices))
    return "\n".join(lines)


def _format_indices(ix: pd.DataFrame) -> str:
    lines = []
    for output, g in ix.groupby("output", sort=False):
        lines.append(f"  {output}")
        for param, h in g.groupby("parameter", sort=False):
            cells = "  ".join(f"{row.index}={row.value:.3f}±{row.conf:.3f}" for row in h.itertuples())
            lines.append(f"    {param:<40} {cells}")
    return "\n".join(lines)


def format_attribution(r: AttributionResult) -> str:
    """Shapley values of each hypothesis, the efficiency check and the subset table size."""
    s = r.shapley
    lines = [
        BANNER,
        hypotheses_line(r.spec.hypotheses_on, r.spec.hypotheses_uncertain),
        *_uncertain(r.spec),
        f"Scenario: {r.spec.name} — {r.spec.title}",
        f"  hash {r.spec.hash} · seed {r.seed} · {r.runs} replicates per variant · "
        f"{len(r.variants)} on/off variants, common random numbers",
        "",
        f"Exact Shapley attribution of P({r.outcome}), percentage points [paired 95 %]",
    ]
    for row in s.itertuples():
        lines.append(
            f"  {row.hypothesis:<26} {_signed(row.shapley)} [{_signed(row.ci_low)}, {_signed(row.ci_high)}]"
        )
    lines += [
        "",
        f"  P(all on)  = {_pct(r.p_all_on)} %   P(all off) = {_pct(r.p_all_off)} %",
        f"  sum of Shapley values = {_signed(s['shapley'].sum())} points "
        f"= P(all on) - P(all off) = {_signed(r.p_all_on - r.p_all_off)} points",
    ]
    return "\n".join(lines)

"""The ensemble views: the outcome distribution of the world shown, and world A against world B."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd
import solara

import sim

from . import export, history, numbers, state
from .components import SMALL, Downloads, H, guarded

Update = Callable[[Callable[[state.PageState], state.PageState]], None]

MC_NOTE = (
    "Bar: share of replicates ending in each outcome. Black line: 95 % Wilson interval (how far the "
    "share could move with more replicates of the same model — not the uncertainty of the hypotheses "
    "or of the guessed parameters)."
)
POSTERIOR_BAND_NOTE = (
    "Bar: share of replicates ending in each outcome, with every calibrated parameter and switch drawn "
    "from the posterior. Grey band: how far the share moves from one posterior draw to another (5–95 % "
    "over {draws} draws of {per} replicates each) — what history leaves open. Black line: the Monte "
    "Carlo interval, only the noise of running a finite number of replicates."
)
BAND_NOTE = (
    "Grey band: how far the share moves when the guessed parameters are drawn from their plausible "
    "ranges (5–95 % over {draws} draws of {per} replicates each) — the uncertainty of the guesses. "
    "Black line: the Monte Carlo interval, only the noise of running a finite number of replicates "
    "of one model."
)


def _pct(x: float) -> str:
    return f"{x * 100:.1f} %"


# --- one world's distribution -----------------------------------------------------------


@solara.component
def Distribution(
    spec: sim.Scenario, seed: int, runs: int, uncertain: bool, posterior: bool, written: sim.Scenario
) -> None:
    """The outcome distribution of the ensemble, with 95 % Wilson intervals (and the parameter band).

    With ``posterior`` (and a calibration given to the server), the ensemble is the world
    given what history shows: every calibrated parameter and switch drawn from the posterior.
    """
    cal = history.status()[0] if posterior else None
    band = None
    if cal is not None:
        frame = history.ensemble(spec, seed, runs, cal)
        table = numbers.outcome_table(frame)
        band = numbers.parameter_band(frame).set_index("outcome")
        note = POSTERIOR_BAND_NOTE.format(draws=runs // history.PER_DRAW, per=history.PER_DRAW)
        shown = history.posterior_spec(spec, cal)
    else:
        table = numbers.outcome_table(numbers.ensemble(spec, seed, runs))
        if uncertain:
            frame = numbers.uncertain_ensemble(spec, seed, runs)
            band = numbers.parameter_band(frame).set_index("outcome") if frame is not None else None
        note = (
            BAND_NOTE.format(draws=numbers.DRAWS, per=runs // numbers.DRAWS) if band is not None else MC_NOTE
        )
        shown = spec
    rows = {r.name: r for r in numbers.outcome_rows()}
    title = "given what history shows" if cal is not None else "world B: the settings in the sidebar"
    given = f"given what history shows ({cal.name})" if cal is not None else ""
    with solara.Card(f"Outcome distribution ({title})"):
        H(
            "div",
            f"{runs:,} replicates · seed {seed} · scenario {spec.name} · hash {state.spec_hash(shown)}",
            testid="dist-meta",
            attrs={"data-hash": state.spec_hash(spec)},
            cls="storm-secondary",
            style=SMALL,
        )
        if cal is not None:
            _posterior_lines(spec, written, cal)
        with H(
            "div",
            testid="distribution",
            attrs={
                "data-hash": state.spec_hash(spec),
                "data-seed": str(seed),
                "data-posterior": "1" if cal is not None else "0",
            },
        ):
            for r in table.itertuples():
                lo_hi = (
                    None if band is None else (band.loc[r.outcome, "band_lo"], band.loc[r.outcome, "band_hi"])
                )
                _bar_row(r, rows[r.outcome].label, rows[r.outcome].colour, lo_hi)
        H("div", note, testid="dist-note", cls="storm-secondary", style=SMALL + ";margin-top:6px")
        Downloads(
            "distribution",
            [state.spec_hash(shown), seed, runs],
            lambda: export.distribution_png(table, shown, seed, runs, given),
            lambda: export.distribution_csv(table, shown, seed, runs, given),
        )


def _posterior_lines(spec: sim.Scenario, written: sim.Scenario, cal: history.Calibration) -> None:
    """What the posterior ensemble is conditional on, and which sidebar settings it replaces."""
    H(
        "div",
        f"Given what history shows means conditional on {cal.conditional()}: shares of simulated "
        "replicates, not probabilities of real events.",
        testid="posterior-conditional",
        style="font-size:0.88em;margin:4px 0;padding:4px 6px;background:#fff8e1;border-left:3px solid #ef6c00",
    )
    replaced = history.drawn_settings(spec, written, cal)
    H(
        "div",
        f"Every hypothesis switch{' and ' + ', '.join(replaced) if replaced else ''} is drawn from the "
        f"posterior in {cal.name}; the interventions and the other settings in the sidebar are kept.",
        testid="posterior-drawn",
        cls="storm-secondary",
        style=SMALL,
    )


def _bar_row(row: Any, label: str, colour: str, band: tuple[float, float] | None) -> None:
    o = row.outcome
    with H(
        "div",
        testid=f"dist-row-{o}",
        cls="dist-row",
        attrs={"data-outcome": o, "data-count": str(row.count), "data-n": str(row.n)},
        style="display:flex;align-items:center;gap:6px;margin:3px 0;font-size:0.9em",
    ):
        H("span", label, style="flex:0 0 8.5em")
        with H("div", style="position:relative;flex:1 1 auto;min-width:60px;height:1.1em;background:#eceff1"):
            if band is not None:
                H(
                    "div",
                    "",
                    testid=f"band-{o}",
                    style=f"position:absolute;left:{band[0] * 100:.2f}%;width:{max((band[1] - band[0]) * 100, 0.4):.2f}%;"
                    "top:0;bottom:0;background:rgba(0,0,0,0.18)",
                )
            H(
                "div",
                "",
                style=f"position:absolute;left:0;top:20%;bottom:20%;width:{row.share * 100:.2f}%;background:{colour}",
            )
            H(
                "div",
                "",
                cls="ci",
                style=f"position:absolute;left:{row.lo * 100:.2f}%;width:{max((row.hi - row.lo) * 100, 0.4):.2f}%;"
                "top:45%;height:3px;background:#212121",
            )
        H("span", _pct(row.share), testid=f"dist-share-{o}", style="flex:0 0 4em;text-align:right")
        H(
            "span",
            f"[{row.lo * 100:.1f}, {row.hi * 100:.1f}]",
            testid=f"dist-ci-{o}",
            style="flex:0 0 6.5em;color:#555",
        )


# --- world A against world B ----------------------------------------------------------------


@solara.component
def Comparison(page: state.PageState, update: Update) -> None:
    """World A (pinned, or the file as written) against world B, on common random numbers."""
    a_settings, b_settings = page.world_a(), page.world
    spec_a, spec_b = state.build_spec(a_settings), state.build_spec(b_settings)
    seed, runs = b_settings.seed, b_settings.runs
    same = state.spec_hash(spec_a) == state.spec_hash(spec_b)

    def compute(cancel: threading.Event) -> numbers.Comparison | None:
        # A moment's wait lets the render that started this thread finish first (the GIL is
        # shared), and a quick second change cancels this one before it costs anything.
        if same or cancel.wait(0.15):
            return None
        return numbers.compare_worlds(spec_a, spec_b, seed, runs)

    result = solara.use_thread(
        compute,
        dependencies=[state.spec_hash(spec_a), state.spec_hash(spec_b), seed, runs],
        intrusive_cancel=False,
    )
    a_name = "the pinned settings" if page.pinned is not None else "the scenario file as written"
    with solara.Card("World A against world B"):
        with H("div", testid="ab-worlds", style="font-size:0.9em;margin-bottom:4px"):
            H("div", f"A: {a_name} · B: the settings in the sidebar · same seed ({seed}), same replicates")
        with solara.Row(gap="6px", classes=["storm-secondary"]):
            solara.Button(
                "Pin these settings as world A",
                on_click=guarded(lambda: update(lambda p: p.pin())),
                small=True,
                color="primary",
                outlined=True,
            )
            if page.pinned is not None:
                solara.Button(
                    "Unpin (A = file as written)",
                    on_click=guarded(lambda: update(lambda p: p.unpin())),
                    small=True,
                )
        if same:
            H(
                "div",
                "Same world: B equals A. Pin a world, then switch a hypothesis, move a slider or tick an "
                "intervention to see what changes.",
                testid="cf-none",
            )
            return
        if result.state == solara.ResultState.ERROR:
            solara.Error("the comparison failed; change a setting to try again")
            return
        ready = result.state == solara.ResultState.FINISHED and result.value is not None
        shown = result.value
        if shown is None or (
            not ready and shown.key != (state.spec_hash(spec_a), state.spec_hash(spec_b), seed, runs)
        ):
            # Until the new comparison is ready the previous one stays, marked: replacing it
            # by a placeholder and back rebuilt every widget of the table twice per change.
            H("div", "comparing the two worlds …", testid="cf-busy")
        solara.ProgressLinear(not ready)
        if shown is not None:
            _comparison_body(shown, ready, update)


def _comparison_body(c: numbers.Comparison, ready: bool, update: Update) -> None:
    labels = {r.name: r for r in numbers.outcome_rows()}
    spec_a, spec_b, seed, runs = c.spec_a, c.spec_b, c.seed, c.runs
    with H(
        "div",
        testid="counterfactual",
        attrs={
            "data-hash": state.spec_hash(spec_b),
            "data-hash-a": state.spec_hash(spec_a),
            "data-ready": "1" if ready else "0",
        },
        style="" if ready else "opacity:0.5",
    ):
        H(
            "div",
            "B differs from A in: " + "; ".join(c.changes),
            testid="cf-changes",
            style="font-size:0.85em",
        )
        with H(
            "table",
            testid="ab-table",
            style="width:100%;border-collapse:collapse;font-size:0.9em;margin-top:4px",
        ):
            with H("tr", style="text-align:left;border-bottom:1px solid #ccc"):
                for head in ("outcome", "A and B", "A", "B", "paired Δ B−A (95 %)"):
                    H("th", head)
            for r in c.differences.itertuples():
                strong = "font-weight:700" if r.diff_low > 0 or r.diff_high < 0 else ""
                with H(
                    "tr", testid=f"cf-row-{r.outcome}", attrs={"data-diff": f"{r.diff:.4f}"}, style=strong
                ):
                    H("td", labels[r.outcome].label)
                    with H("td", style="width:35%"):
                        _ab_bars(r, labels[r.outcome].colour)
                    _share_cell(r.p_a, r.a_low, r.a_high, f"ab-a-{r.outcome}")
                    _share_cell(r.p_b, r.b_low, r.b_high, f"ab-b-{r.outcome}")
                    H(
                        "td",
                        f"{r.diff * 100:+.1f} pts [{r.diff_low * 100:+.1f}, {r.diff_high * 100:+.1f}]",
                        testid=f"cf-diff-{r.outcome}",
                        style="white-space:nowrap",
                    )
        H(
            "div",
            f"{c.n_changed:,} of {runs:,} replicates ended differently. Replicate i meets the same random "
            "draws in both worlds (common random numbers), so a difference is caused by the change alone; "
            "bold rows have an interval that excludes zero.",
            cls="storm-secondary",
            style=SMALL + ";margin-top:4px",
        )
        Downloads(
            "a-vs-b",
            [state.spec_hash(spec_a), state.spec_hash(spec_b), seed, runs],
            lambda: export.ab_png(c.differences, spec_a, spec_b, seed, runs),
            lambda: export.ab_csv(c.differences, spec_a, spec_b, seed, runs),
        )
        LessonNumbers(c.numbers_a, c.numbers_b)
        if c.replicate is None:
            H("div", "No replicate's story changed.", testid="cf-replicate")
            return
        StoryTimeline(spec_a, spec_b, seed, c.replicate, update)


def _share_cell(p: float, lo: float, hi: float, testid: str) -> None:
    with H("td", style="white-space:nowrap"):
        H("span", _pct(p), testid=testid)
        H("span", f" [{lo * 100:.1f}, {hi * 100:.1f}]", style="color:#666;font-size:0.85em")


def _ab_bars(r: Any, colour: str) -> None:
    for side, alpha in (("a", "0.45"), ("b", "1")):
        p, lo, hi = getattr(r, f"p_{side}"), getattr(r, f"{side}_low"), getattr(r, f"{side}_high")
        with H("div", style="position:relative;height:0.8em;background:#eceff1;margin:1px 0"):
            H(
                "div",
                "",
                style=f"position:absolute;left:0;top:0;bottom:0;width:{p * 100:.2f}%;background:{colour};opacity:{alpha}",
            )
            H(
                "div",
                "",
                style=f"position:absolute;left:{lo * 100:.2f}%;width:{max((hi - lo) * 100, 0.4):.2f}%;top:40%;height:2px;background:#212121",
            )


#: The figures the lesson quotes: (row label, a format over lesson_numbers or a key, unit or digits).
LESSON_ROWS_MUTINY = (
    ("mutinies ending in a mediated halt", "{mediated_halts:,} of {mutinies:,}", ""),
    ("columns reaching Moscow", "{reached_moscow:,}", ""),
    ("median closest approach, halted columns", "median_closest_km_halted", " km"),
    ("median closest approach, all mutinies", "median_closest_km_all", " km"),
    ("median duration, halted mutinies", "median_hours_halted", " h"),
    ("median duration, all mutinies", "median_hours_all", " h"),
)
LESSON_ROWS = (("mean elite support at the end", "mean_elite_support", 3),)


def lesson_cell(values: dict[str, Any], fmt: str, unit: str | int) -> str:
    """One cell of the lesson's figures, as the page prints it."""
    if "{" in fmt:
        return fmt.format(**values)
    value = values[fmt]
    if value is None or value != value:
        return "—"
    if isinstance(unit, int):
        return f"{value:.{unit}f}"
    return f"{value:,.0f}{unit}"


def lesson_table(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, A, B) rows, exactly as the page shows them (docs/lesson.md quotes these)."""
    rows = (LESSON_ROWS_MUTINY if "mutinies" in a else ()) + LESSON_ROWS
    return [(name, lesson_cell(a, fmt, unit), lesson_cell(b, fmt, unit)) for name, fmt, unit in rows]


@solara.component
def LessonNumbers(a: dict[str, Any], b: dict[str, Any]) -> None:
    """The figures the lesson quotes, for A and B."""
    with H(
        "table", testid="lesson-numbers", style="border-collapse:collapse;font-size:0.88em;margin-top:8px"
    ):
        with H("tr", style="text-align:left;border-bottom:1px solid #ccc"):
            for head in ("figure", "A", "B"):
                H("th", head, style="padding-right:14px")
        for i, (name, va, vb) in enumerate(lesson_table(a, b)):
            with H("tr", testid=f"lesson-row-{i}"):
                H("td", name, style="padding-right:14px")
                H("td", va, style="padding-right:14px")
                H("td", vb)


@solara.component
def StoryTimeline(
    spec_a: sim.Scenario, spec_b: sim.Scenario, seed: int, replicate: int, update: Update
) -> None:
    """Both stories of one replicate as one aligned timeline, marking where they part."""
    sd = numbers.story_pair(spec_a, spec_b, seed, replicate)
    a, b = sd.story_a, sd.story_b
    H(
        "div",
        f"Replicate #{replicate} changed most: {a['outcome']} → {b['outcome']} "
        f"(A: {numbers.outcome_time(a, spec_a)}; B: {numbers.outcome_time(b, spec_b)})",
        testid="cf-replicate",
        attrs={"data-replicate": str(replicate)},
        style="margin-top:10px;font-weight:600",
    )
    solara.Button(
        f"Step through replicate #{replicate} below",
        text=True,
        color="primary",
        on_click=guarded(lambda: update(lambda p: p.with_world(p.world.with_replicate(replicate)))),
    )
    _timeline(sd.timeline, sd.parting)
    Downloads(
        "timeline",
        [state.spec_hash(spec_a), state.spec_hash(spec_b), seed, replicate],
        None,
        lambda: export.timeline_csv(sd.timeline, spec_a, spec_b, seed, replicate),
    )


def timeline_html(timeline: pd.DataFrame, parting: int | None) -> str:
    """The aligned timeline's rows as one HTML string (escaped): one element instead of hundreds,
    so a redraw of the page does not walk every event of a long story."""
    cell = "flex:1 1 0;padding:1px 6px;min-width:0"
    out = [
        '<div style="display:flex;font-weight:700;border-bottom:1px solid #ccc">'
        '<span style="flex:0 0 8.5em;padding:1px 6px">time</span>'
        f'<span style="{cell}">world A</span><span style="{cell}">world B</span></div>'
    ]
    for i, r in enumerate(timeline.itertuples()):
        if i == parting:
            out.append(
                '<div data-testid="parting" style="color:#b71c1c;font-weight:700;padding:2px 6px">'
                "▼ the two stories part here</div>"
            )
        text = html.escape(f"{r.actor} · {r.event}: {r.detail}")
        if r.side == "=":  # the same event in both worlds: one cell across both columns
            cells = f'<span style="flex:2 1 0;padding:1px 6px;color:#666;text-align:center">{text}</span>'
        else:
            a = (
                f'<span style="{cell};background:#e3f2fd">{text}</span>'
                if r.side == "A"
                else f'<span style="{cell}"></span>'
            )
            b = (
                f'<span style="{cell};background:#fff3e0">{text}</span>'
                if r.side == "B"
                else f'<span style="{cell}"></span>'
            )
            cells = a + b
        out.append(
            f'<div data-testid="tl-{i}" data-side="{html.escape(r.side)}" '
            'style="display:flex;border-bottom:1px solid #f0f0f0">'
            f'<span style="flex:0 0 8.5em;padding:1px 6px">{html.escape(r.time)}</span>{cells}</div>'
        )
    return "".join(out)


def _timeline(timeline: pd.DataFrame, parting: int | None) -> None:
    """Two aligned columns, A and B, in time order; the row where they part is marked."""
    side = "" if parting is None else str(timeline["side"].iloc[parting])
    solara.HTML(
        tag="div",
        unsafe_innerHTML=timeline_html(timeline, parting),
        attributes={
            "data-testid": "timeline",
            "data-parting": "" if parting is None else str(parting),
            "data-parting-side": side,
            "data-rows": str(len(timeline)),
        },
        style="font-size:0.82em;max-height:22em;overflow:auto;border:1px solid #ddd;margin-top:4px",
    )

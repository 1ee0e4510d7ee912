"""The page's Solara components: banner, sidebar controls, distribution, counterfactual, replicate.

Elements the browser test reads carry ``data-testid`` attributes; the numbers
they show come from :mod:`storm_page.state`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
import solara.lab
from mesa.visualization.utils import update_counter
from solara.alias import rv as v

import sim
from sim.banner import hypotheses_line

from . import state

OUTCOME_COLOURS = {
    "regime_intact": "#546e7a",
    "regime_weakened": "#90a4ae",
    "martial_law": "#c62828",
    "palace_coup": "#6a1b9a",
    "rebel_capture": "#ef6c00",
    "regime_collapse": "#2e7d32",
}
SMALL = "font-size:0.8em;color:#555;line-height:1.3"


def H(
    tag: str,
    text: Any = None,
    testid: str | None = None,
    style: str | None = None,
    cls: str | None = None,
    attrs: dict[str, str] | None = None,
) -> Any:
    """A plain HTML element; as a ``with`` block it collects children instead of ``text``."""
    attributes = dict(attrs or {})
    if testid:
        attributes["data-testid"] = testid
    kwargs: dict[str, Any] = {"tag": tag, "attributes": attributes or None}
    if text is not None:
        kwargs["children"] = [str(text)]
    if style:
        kwargs["style_"] = style
    if cls:
        kwargs["class_"] = cls
    return v.Html(**kwargs)


# --- labels --------------------------------------------------------------------


@solara.component
def Banner(hypotheses_on: list[str], line: str | None = None) -> None:
    """The banner every view carries, with the hypotheses that are on (or ``line`` instead)."""
    with H(
        "div",
        testid="banner-box",
        style="background:#b71c1c;color:#fff;padding:8px 14px;border-radius:4px;margin-bottom:10px",
    ):
        H("div", sim.BANNER, testid="banner", style="font-weight:700;font-size:1.15em;letter-spacing:0.05em")
        H("div", line or hypotheses_line(hypotheses_on), testid="hypotheses-on", style="font-size:0.9em")


@solara.component
def SpeculativeBadge() -> None:
    H(
        "span",
        "SPECULATIVE",
        cls="speculative-badge",
        style="background:#ef6c00;color:#fff;font-size:0.65em;font-weight:700;padding:1px 5px;"
        "border-radius:3px;margin-left:6px;letter-spacing:0.05em",
    )


@solara.component
def WhatThisIs() -> None:
    """What the page is and is not, and where the hypotheses come from."""
    with solara.Card("What this is — and is not"):
        with H("div", testid="what-this-is", style="font-size:0.9em;line-height:1.45"):
            H(
                "p",
                "A teaching toy. Each hypothesis paraphrases a claim made in an opinion article; "
                "none is established fact. The article is opinion, and the page quotes none of it: "
                "the claims are retold in our own words and cited by the article's section headings. "
                "Percentages are shares of simulated replicates under guessed parameters, not "
                "probabilities of real events.",
            )
            H("span", "Article sections the hypotheses cite: ")
            for section, ids in state.section_headings():
                H("span", f"“{section}” ({', '.join(ids)}); ", style="font-style:italic")
            with H("p", style="margin-top:6px"):
                H(
                    "span",
                    "Full reference for every hypothesis (claim, mechanism, null version, parameters): ",
                )
                H("a", "docs/hypotheses.md", testid="hypotheses-link", attrs={"href": "./hypotheses"})


# --- sidebar -------------------------------------------------------------------


@solara.component
def ScenarioControls(settings: solara.Reactive[state.Settings], choices: list[str]) -> None:
    s = settings.value
    with solara.Card("Scenario"):
        solara.Select(
            "Scenario",
            values=choices,
            value=s.scenario,
            on_value=lambda name: settings.set(settings.value.with_scenario(name)),
        )
        solara.InputInt(
            "Seed",
            value=s.seed,
            on_value=lambda x: settings.set(_replace(settings.value, seed=max(0, int(x)))),
        )
        solara.Select(
            "Replicates in the ensemble",
            values=list(state.RUN_CHOICES),
            value=s.runs,
            on_value=lambda n: settings.set(_replace(settings.value, runs=int(n))),
        )
        solara.InputInt(
            "Replicate to step (below)",
            value=s.replicate,
            on_value=lambda x: settings.set(_replace(settings.value, replicate=max(0, int(x)))),
        )
        solara.Button(
            "Back to the file as written",
            text=True,
            color="primary",
            on_click=lambda: settings.set(settings.value.with_scenario(settings.value.scenario)),
        )


@solara.component
def HypothesisControls(settings: solara.Reactive[state.Settings]) -> None:
    s = settings.value
    with solara.Card("Hypotheses (all speculative)"):
        for hid in sim.HYPOTHESIS_IDS:
            meta = sim.HYPOTHESES[hid].metadata

            def flip(on: bool, hid: str = hid) -> None:
                settings.set(settings.value.with_hypothesis(hid, on))

            with H("div", testid=f"hyp-{hid}", style="margin-bottom:8px"):
                with solara.Row(gap="0px", style="align-items:center"):
                    solara.Switch(label=hid, value=hid in s.hypotheses, on_value=flip)
                    SpeculativeBadge()
                H("div", meta["claim"], cls="claim", style=SMALL)
                H("div", f"Article section: “{meta['section']}”", style=SMALL + ";font-style:italic")


@solara.component
def InterventionControls(settings: solara.Reactive[state.Settings]) -> None:
    s = settings.value
    with solara.Card("Interventions (counterfactual overrides)"):
        for name, iv in sim.INTERVENTIONS.items():

            def tick(on: bool, name: str = name) -> None:
                settings.set(settings.value.with_intervention(name, on))

            solara.Checkbox(label=name, value=name in s.interventions, on_value=tick)
            H("div", iv.description, style=SMALL + ";margin:-14px 0 6px 32px")


@solara.component
def ParameterControls(settings: solara.Reactive[state.Settings], spec: sim.Scenario) -> None:
    written = state.load_written(settings.value.scenario)
    with solara.Card("Key parameters"):
        for key in state.key_params(written):
            value = spec.params[key]
            sl = state.slider_spec(key, value)

            def move(x: float, sl: state.SliderSpec = sl) -> None:
                settings.set(settings.value.with_param(sl.key, sl.snap(x)))

            solara.SliderFloat(
                f"{key} ({sl.unit})", value=value, min=sl.low, max=sl.high, step=sl.step, on_value=move
            )
            note = f"{sl.meaning}; default from {sl.source}"
            if sl.narrowed:
                note += f"; slider shows {sl.low:g}–{sl.high:g} of the declared {_declared(key)}"
            H(
                "div",
                f"{value:g} {sl.unit} — {note}",
                testid=f"param-{key}",
                style=SMALL + ";margin:-8px 0 8px",
            )


def _declared(key: str) -> str:
    from sim.params import PARAMS

    p = PARAMS[key]
    return f"{p.low:g}–{p.high:g}"


def _replace(s: state.Settings, **kw: Any) -> state.Settings:
    from dataclasses import replace

    return replace(s, **kw)


# --- the ensemble ------------------------------------------------------------------


@solara.component
def Distribution(spec: sim.Scenario, seed: int, runs: int) -> None:
    """The outcome distribution of the ensemble, with 95 % Wilson intervals."""
    table = state.outcome_table(state.ensemble(spec, seed, runs))
    with solara.Card("Outcome distribution"):
        H(
            "div",
            f"{runs:,} replicates · seed {seed} · scenario {spec.name} · hash {spec.hash}",
            testid="dist-meta",
            attrs={"data-hash": spec.hash},
            style=SMALL,
        )
        with H(
            "div",
            testid="distribution",
            attrs={"data-hash": spec.hash, "data-seed": str(seed)},
            style="margin-top:6px",
        ):
            for row in table.itertuples():
                _bar_row(row)
        H(
            "div",
            "Bar: share of replicates ending in each outcome. Black line: 95 % Wilson interval "
            "for that share (how far it could move with more replicates of the same model — "
            "not the uncertainty of the hypotheses themselves).",
            style=SMALL + ";margin-top:6px",
        )


def _bar_row(row: Any) -> None:
    o = row.outcome
    with H(
        "div",
        testid=f"dist-row-{o}",
        cls="dist-row",
        attrs={
            "data-outcome": o,
            "data-count": str(row.count),
            "data-n": str(row.n),
            "title": f"{row.count} of {row.n} replicates",
        },
        style="display:flex;align-items:center;gap:6px;margin:3px 0;font-size:0.88em",
    ):
        H("span", o, style="flex:0 0 118px;font-family:monospace")
        with H(
            "div",
            style="position:relative;flex:1 1 auto;min-width:90px;height:16px;"
            "background:#eceff1;border-radius:3px",
        ):
            H(
                "div",
                "",
                style=f"position:absolute;left:0;top:0;bottom:0;width:{row.share * 100:.2f}%;"
                f"background:{OUTCOME_COLOURS[o]};border-radius:3px",
            )
            H(
                "div",
                "",
                cls="ci",
                style=f"position:absolute;left:{row.lo * 100:.2f}%;"
                f"width:{max((row.hi - row.lo) * 100, 0.4):.2f}%;top:6px;height:4px;"
                "background:#212121",
            )
        H(
            "span",
            f"{row.share * 100:.1f} %",
            testid=f"dist-share-{o}",
            style="flex:0 0 50px;text-align:right",
        )
        H(
            "span",
            f"[{row.lo * 100:.1f}, {row.hi * 100:.1f}]",
            testid=f"dist-ci-{o}",
            style="flex:0 0 86px;color:#555",
        )


# --- the counterfactual --------------------------------------------------------------


@solara.component
def CounterfactualView(
    written: sim.Scenario, spec: sim.Scenario, seed: int, runs: int, on_pick: Callable[[int], None]
) -> None:
    """The file as written beside the page's scenario, on common random numbers."""
    same = written.hash == spec.hash

    def compute() -> state.Counterfactual | None:
        return None if same else state.counterfactual(written, spec, seed, runs)

    result = solara.use_thread(
        compute, dependencies=[written.hash, spec.hash, seed, runs], intrusive_cancel=False
    )
    with solara.Card("Counterfactual: as written vs. changed"):
        if same:
            H(
                "div",
                "Same world: the settings equal the scenario file as written. Switch a hypothesis, "
                "move a slider or tick an intervention to see what changes.",
                testid="cf-none",
            )
            return
        if result.state == solara.ResultState.ERROR:
            solara.Error(f"comparison failed: {result.error}")
            return
        if result.state != solara.ResultState.FINISHED or result.value is None:
            H("div", "comparing the two worlds …", testid="cf-busy")
            solara.ProgressLinear(True)
            return
        _counterfactual_body(result.value, spec, seed, runs, on_pick)


def _counterfactual_body(
    cf: state.Counterfactual, spec: sim.Scenario, seed: int, runs: int, on_pick: Callable[[int], None]
) -> None:
    with H("div", testid="counterfactual", attrs={"data-hash": spec.hash}):
        H(
            "div",
            "Changed from the file: " + "; ".join(cf.changes),
            testid="cf-changes",
            style="font-size:0.9em;margin-bottom:6px",
        )
        with H("table", style="width:100%;font-size:0.88em;border-collapse:collapse"):
            with H("tr", style="text-align:left;border-bottom:1px solid #ccc"):
                for head in ("outcome", "as written", "changed", "paired Δ (95 %)"):
                    H("th", head)
            for r in cf.table.itertuples():
                strong = "font-weight:700" if r.lo > 0 or r.hi < 0 else ""
                with H(
                    "tr", testid=f"cf-row-{r.outcome}", attrs={"data-diff": f"{r.diff:.4f}"}, style=strong
                ):
                    H("td", r.outcome, style="font-family:monospace")
                    H("td", f"{r.p_written * 100:.1f} %")
                    H("td", f"{r.p_changed * 100:.1f} %")
                    H(
                        "td",
                        f"{r.diff * 100:+.1f} pts [{r.lo * 100:+.1f}, {r.hi * 100:+.1f}]",
                        testid=f"cf-diff-{r.outcome}",
                    )
        H(
            "div",
            f"{cf.n_outcome_changed} of {runs:,} replicates ended differently. Both columns use seed "
            f"{seed}: replicate i meets the same random draws in both worlds (common random numbers), "
            "so a difference is caused by the change alone. Δ is the mean paired difference of 0/1 "
            "outcome indicators; bold rows have an interval that excludes zero.",
            style=SMALL + ";margin-top:6px",
        )
        if cf.replicate is None:
            H("div", "No replicate's story changed.", testid="cf-replicate")
            return
        a, b = cf.written_story, cf.changed_story
        assert a is not None and b is not None
        H(
            "div",
            f"Replicate #{cf.replicate} changed most: {a['outcome']} → {b['outcome']}; "
            f"closest approach {_km(a)} → {_km(b)}; ended {a['figures']['end_time']} → "
            f"{b['figures']['end_time']}",
            testid="cf-replicate",
            attrs={"data-replicate": str(cf.replicate)},
            style="margin-top:10px;font-weight:600",
        )
        solara.Button(
            f"Step through replicate #{cf.replicate} below",
            text=True,
            color="primary",
            on_click=lambda: on_pick(int(cf.replicate or 0)),
        )
        with solara.Columns([1, 1]):
            StoryList(a, "As written", "cf-story-written")
            StoryList(b, "Changed", "cf-story-changed")


def _km(told: dict[str, Any]) -> str:
    km = told["figures"]["closest_km_to_moscow"]
    return "—" if km is None else f"{km:.0f} km"


@solara.component
def StoryList(told: dict[str, Any], title: str, testid: str) -> None:
    with H("div", testid=testid, style="font-size:0.82em"):
        H("div", f"{title}: {told['outcome']}", style="font-weight:700")
        for e in told["events"]:
            H("div", f"{e['time']} · {e['actor']} · {e['event']}: {e['detail']}")


# --- one replicate, stepped with Mesa's controls --------------------------------------


@solara.component
def ReplicateState(model: state.StepModel) -> None:
    """The stepped replicate so far: clock, distance, story and key series."""
    update_counter.get()  # Mesa bumps this after every step; reading it subscribes
    st = state.replicate_status(model)
    with solara.Card(f"One replicate, step by step: #{model.first_replicate} (seed {model.seed_value})"):
        H(
            "div",
            "Step, play (▶) and reset with Mesa's controls in the sidebar (card “Controls”). "
            "The replicate is the same one as in the ensemble above.",
            style=SMALL,
        )
        with H("div", style="display:flex;gap:18px;flex-wrap:wrap;margin:6px 0;font-size:0.95em"):
            H(
                "span",
                f"step {st['step']} of {st['steps']} · {st['time']}",
                testid="replicate-time",
                attrs={"data-step": str(st["step"]), "data-hash": model.spec.hash},
            )
            H("span", f"column's distance to Moscow: {st['distance_km']:.0f} km", testid="replicate-distance")
            H("span", f"outcome: {st['outcome']}", testid="replicate-outcome")
        SeriesPlot(model, st["step"])
        with H(
            "div",
            testid="replicate-story",
            attrs={"data-count": str(len(st["events"]))},
            style="font-size:0.85em;margin-top:6px",
        ):
            H("div", "Story so far", style="font-weight:700")
            if not st["events"]:
                H("div", "(nothing has happened yet)")
            for e in st["events"]:
                H("div", f"{e['time']} · {e['actor']} · {e['event']}: {e['detail']}", cls="story-event")


SERIES_STYLE = (
    ("distance_km", "#ef6c00", "column's distance to Moscow (km)"),
    ("elite_support", "#1565c0", "elite support"),
    ("control", "#546e7a", "regime control"),
    ("west_pressure", "#2e7d32", "Western pressure"),
)


@solara.component
def SeriesPlot(model: state.StepModel, step: int) -> None:
    """Distance to Moscow and the regime's key series so far (sim.SERIES), as inline SVG.

    SVG instead of a matplotlib image: a redraw costs microseconds, so neither a change
    of world nor Mesa's play loop waits for a figure to render.
    """
    lines = state.series_polylines(model, width=420.0, height=110.0)
    with H(
        "div",
        testid="series",
        attrs={"data-points": str(lines["n"])},
        style="display:flex;gap:16px;flex-wrap:wrap",
    ):
        for panel, names, top in (
            (0, ("distance_km",), f"{lines['km_max']:.0f} km"),
            (1, ("elite_support", "control", "west_pressure"), "1.0"),
        ):
            with H("div", style="flex:1 1 420px;max-width:520px"):
                with H("div", style=SMALL):
                    for name, colour, label in SERIES_STYLE:
                        if name in names:
                            H("span", f"■ {label}  ", style=f"color:{colour}")
                with H(
                    "svg",
                    attrs={
                        "viewBox": "0 0 440 130",
                        "width": "100%",
                        "height": "130",
                        "data-testid": f"series-panel-{panel}",
                    },
                ):
                    H(
                        "rect",
                        "",
                        attrs={
                            "x": "30",
                            "y": "5",
                            "width": "420",
                            "height": "110",
                            "fill": "#fafafa",
                            "stroke": "#bbb",
                        },
                    )
                    H("text", top, attrs={"x": "0", "y": "14", "font-size": "9", "fill": "#555"})
                    H("text", "0", attrs={"x": "20", "y": "115", "font-size": "9", "fill": "#555"})
                    H("text", lines["start"], attrs={"x": "30", "y": "127", "font-size": "9", "fill": "#555"})
                    H(
                        "text",
                        lines["end"],
                        attrs={
                            "x": "450",
                            "y": "127",
                            "font-size": "9",
                            "fill": "#555",
                            "text-anchor": "end",
                        },
                    )
                    for name, colour, _label in SERIES_STYLE:
                        if name in names and lines["points"][name]:
                            H(
                                "polyline",
                                "",
                                attrs={
                                    "points": lines["points"][name],
                                    "fill": "none",
                                    "stroke": colour,
                                    "stroke-width": "2",
                                    "transform": "translate(30,5)",
                                },
                            )

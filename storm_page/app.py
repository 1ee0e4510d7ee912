"""The classroom page: ``solara run storm_page.app`` or ``perfect-storm viz``.

Two routes: ``/`` (the dashboard) and ``/hypotheses`` (the hypotheses'
reference, docs/hypotheses.md). Both carry the banner.
"""

from __future__ import annotations

import os
from dataclasses import replace

import solara
from mesa.visualization import SolaraViz

import sim

from . import state
from .components import (
    Banner,
    CounterfactualView,
    Distribution,
    H,
    HypothesisControls,
    InterventionControls,
    ParameterControls,
    ReplicateState,
    ScenarioControls,
    WhatThisIs,
)
from .server import ENV_SCENARIO, ENV_SEED

TITLE = f"Perfect Storm classroom page · {sim.BANNER}"


def initial_settings() -> state.Settings:
    """The scenario the page opens with (``perfect-storm viz SCENARIO``), as written."""
    name = os.environ.get(ENV_SCENARIO) or state.DEFAULT_SCENARIO
    return state.Settings.as_written(name, seed=int(os.environ.get(ENV_SEED) or 0))


@solara.component
def Page() -> None:
    """The dashboard: ensemble, counterfactual and one replicate under Mesa's controls."""
    first = solara.use_memo(initial_settings, [])
    settings = solara.use_reactive(first)
    s = settings.value
    written = state.load_written(s.scenario)
    spec = state.build_spec(s)
    choices = state.scenario_choices(os.environ.get(ENV_SCENARIO) or None)

    solara.Title("Perfect Storm — classroom page")
    Banner(spec.hypotheses_on)
    # Sidebar cards are ordered by how deep they are declared: the scenario card first, Mesa's
    # Controls (reset, play, step) next, then the world's switches and sliders (declared deeper).
    # The hidden div swallows the empty placeholders Sidebar leaves in the main area.
    with solara.Div(style="display:none"):
        with solara.Sidebar():
            ScenarioControls(settings, choices)
        WorldSidebar(settings, spec)

    with solara.ColumnsResponsive(default=12, large=[6, 6]):
        Distribution(spec, s.seed, s.runs)
        CounterfactualView(
            written,
            spec,
            s.seed,
            s.runs,
            on_pick=lambda i: settings.set(replace(settings.value, replicate=i)),
        )
    # Keyed: a new world, seed or replicate mounts a fresh model and fresh Mesa controls
    # (Mesa keeps play/running state of its own that must not carry over).
    ReplicateSection(spec, s.seed, s.replicate).key(f"replicate-{spec.hash}-{s.seed}-{s.replicate}")
    WhatThisIs()


@solara.component
def ReplicateSection(spec: sim.Scenario, seed: int, replicate: int) -> None:
    """One replicate under Mesa's SolaraViz controls (in the sidebar) and its story (here)."""
    fresh: state.StepModel = solara.use_memo(lambda: state.step_model(spec, replicate, seed), [])
    model: solara.Reactive[state.StepModel] = solara.use_reactive(fresh)  # Mesa's reset replaces model.value
    with solara.Div(style="display:none"):
        SolaraViz(
            model,
            components=[],  # the views are ReplicateState below, laid out with the rest of the page
            model_params={},  # the model's class carries its arguments (state.step_model)
            name=TITLE,
            play_interval=250,
        )
    ReplicateState(model.value)


@solara.component
def WorldSidebar(settings: solara.Reactive[state.Settings], spec: sim.Scenario, depth: int = 4) -> None:
    """The world's cards, declared ``depth`` components further down.

    Solara orders sidebar cards by 2**depth of the component declaring them. SolaraViz
    (inside ReplicateSection) declares its Controls card three levels below Page; ours go
    deeper so they come after it (a tie is broken by mount order, which changes whenever
    SolaraViz remounts).
    """
    if depth > 0:
        WorldSidebar(settings, spec, depth - 1)
    else:
        _WorldSidebarCards(settings, spec)


@solara.component
def _WorldSidebarCards(settings: solara.Reactive[state.Settings], spec: sim.Scenario) -> None:
    with solara.Sidebar():
        HypothesisControls(settings)
        InterventionControls(settings)
        ParameterControls(settings, spec)


@solara.component
def HypothesesPage() -> None:
    """docs/hypotheses.md, under the banner."""
    solara.Title("Perfect Storm — hypotheses")
    Banner([], line="Every hypothesis below is speculative; the classroom page shows which are on.")
    with solara.Div(style="max-width:1000px;padding:0 12px"):
        H("p", "This page lists every hypothesis; the classroom page says which are on.")
        H("a", "← back to the classroom page", testid="back-link", attrs={"href": "./"})
        # Rendered with python-markdown: solara.Markdown would fetch KaTeX, which the offline
        # asset bundle (solara-assets) does not carry.
        solara.HTML(
            tag="div", unsafe_innerHTML=state.hypotheses_html(), attributes={"data-testid": "hypotheses-doc"}
        )


@solara.component
def Layout(children: list = []) -> None:  # noqa: B006 - solara's layout signature
    """Solara's AppLayout: without it the sidebar controls have nowhere to go."""
    solara.AppLayout(children=children, title=TITLE, navigation=False, color="#263238")


routes = [
    solara.Route(path="/", component=Page, label="Classroom page", layout=Layout),
    solara.Route(path="hypotheses", component=HypothesesPage, label="Hypotheses"),
]

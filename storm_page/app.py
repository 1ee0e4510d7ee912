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

    # One replicate for Mesa's controls; a new one whenever the world, seed or replicate changes.
    key = (spec.hash, s.seed, s.replicate)
    fresh = solara.use_memo(lambda: state.step_model(spec, s.replicate, s.seed), [key])
    model = solara.use_reactive(fresh)

    solara.Title("Perfect Storm — classroom page")
    Banner(spec.hypotheses_on)
    # Sidebar cards are ordered by how deep they are declared: the scenario card first, Mesa's
    # Controls (reset, play, step) next, then the world's switches and sliders (declared deeper).
    # The hidden div swallows the empty placeholders Sidebar and SolaraViz leave in the main area.
    with solara.Div(style="display:none"):
        with solara.Sidebar():
            ScenarioControls(settings, choices)
        # Keyed so its play/running state starts afresh with each new replicate.
        SolaraViz(
            model,
            components=[],
            model_params={},  # the model's class carries its arguments (state.step_model)
            name=TITLE,
            play_interval=250,
        ).key(f"viz-{spec.hash}-{s.seed}-{s.replicate}")
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
    ReplicateState(model.value)
    WhatThisIs()


@solara.component
def WorldSidebar(settings: solara.Reactive[state.Settings], spec: sim.Scenario) -> None:
    # Solara orders sidebar cards by 2**depth of the component declaring them; SolaraViz
    # declares its cards two levels below Page, so ours go three levels below, after Mesa's
    # (a tie would be broken by mount order, which changes when SolaraViz remounts).
    _Deeper(settings, spec)


@solara.component
def _Deeper(settings: solara.Reactive[state.Settings], spec: sim.Scenario) -> None:
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
    Banner(list(sim.HYPOTHESIS_IDS))
    solara.Markdown(
        "This page lists every hypothesis; the classroom page says which are on. "
        "[← back to the classroom page](./)"
    )
    solara.Markdown(state.hypotheses_markdown())


@solara.component
def Layout(children: list = []) -> None:  # noqa: B006 - solara's layout signature
    """Solara's AppLayout: without it the sidebar controls have nowhere to go."""
    solara.AppLayout(children=children, title=TITLE, navigation=False, color="#263238")


routes = [
    solara.Route(path="/", component=Page, label="Classroom page", layout=Layout),
    solara.Route(path="hypotheses", component=HypothesesPage, label="Hypotheses"),
]

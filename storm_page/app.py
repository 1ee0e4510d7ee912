"""The classroom page: ``perfect-storm viz`` (or ``solara run storm_page.app``).

Two routes: ``/`` (the dashboard) and ``/hypotheses`` (the hypotheses' reference,
docs/hypotheses.md, and their evidence from the calibration ``viz --posterior DIR``
gave). Both carry the banner. The page's whole state lives in the URL's query
string (storm_page.state.to_query), so a prepared lesson is a bookmark and a
reload keeps it. The replicate is a Mesa model (sim.StormModel)
stepped by the page's own throttled controls (storm_page.replicate) rather than
SolaraViz's, whose play loop changes state on every step (issue 10).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import solara

from sim.banner import hypotheses_line

from . import history, numbers, reference, state
from .components import (
    CSS,
    NOTICE,
    PRESENT_CSS,
    Banner,
    ErrorBoundary,
    H,
    Notice,
    ScenarioContext,
    WhatThisIs,
    guarded,
)
from .controls import Sidebar
from .evidence import EvidenceSection
from .inputs import ENV_SCENARIO, ENV_SEED  # noqa: F401 - re-exported for tests and the benchmark
from .replicate import ReplicateCard
from .views import Comparison, Distribution

TITLE = "Perfect Storm classroom page"


def use_page_state() -> tuple[
    state.PageState, Callable[[Callable[[state.PageState], state.PageState]], None]
]:
    """The page's state, read from the URL once and written back to it on every change.

    Under the Solara server the router holds the URL; rendered without one (tests,
    the benchmark) the state is kept in the component alone.
    """
    router = solara.use_router()
    initial = solara.use_memo(lambda: state.from_query(router.search), [])
    page, set_page = solara.use_state(initial[0])
    pushed = solara.use_ref(router.search)
    solara.use_memo(lambda: NOTICE.set(initial[1] or ""), [])

    def follow_url() -> None:
        # The browser's back and forward buttons change the URL: follow it.
        if router.search != pushed.current:
            pushed.current = router.search
            new, message = state.from_query(router.search)
            set_page(new)
            NOTICE.set(message or "")

    solara.use_effect(follow_url, [router.search])

    router_ref = solara.use_ref(router)
    router_ref.current = router
    page_ref = solara.use_ref(page)
    page_ref.current = page

    def make_update() -> Callable[[Callable[[state.PageState], state.PageState]], None]:
        def update(change: Callable[[state.PageState], state.PageState]) -> None:
            new = change(page_ref.current)
            state.build_spec(new.world)  # refused here, before anything is shown or pushed
            page_ref.current = new
            set_page(new)
            r = router_ref.current
            if r.set_path is not None:
                query = state.to_query(new)
                pushed.current = query
                r.push(f"{r.path or '/'}?{query}")

        return update

    # One function for the page's lifetime: components given an equal ``update`` (and equal
    # settings) are not redrawn, so a switch redraws the cards it changes, not the whole page.
    update = solara.use_memo(make_update, [])
    return page, update


@solara.component
def Page() -> None:
    """The dashboard: world B's distribution, A against B, and one replicate stepped."""
    page, update = use_page_state()
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("normal")
    w = page.world
    spec = state.build_spec(w)
    spec_a = state.build_spec(page.world_a())

    def warm_neighbours() -> None:
        # The next click is most likely one switch or intervention away: compute those worlds now.
        numbers.prefetch([state.build_spec(n) for n in state.neighbours(w)], w.seed, w.runs)

    solara.use_effect(warm_neighbours, [state.spec_hash(spec), w.seed, w.runs])

    solara.Title("Perfect Storm — classroom page")
    solara.Style(CSS + (PRESENT_CSS if page.present else ""))
    Sidebar(page, update)
    with H("div", cls="storm-main", testid="main"):
        extras = []
        if page.pinned is not None:
            extras.append("World A (pinned): " + hypotheses_line(spec_a.hypotheses_on))
        cal = history.status()[0] if page.posterior else None
        if cal is not None:
            extras.append(
                "Outcome distribution given what history shows: every hypothesis switch drawn per "
                f"replicate from the posterior in {cal.name}"
            )
        Banner(spec.hypotheses_on, extra=" · ".join(extras) or None)
        Notice()
        if page.present:
            solara.Button(
                "Leave presentation mode",
                small=True,
                text=True,
                on_click=guarded(lambda: update(lambda p: replace(p, present=False))),
            )
        ScenarioContext(spec)
        with ErrorBoundary():
            # Presentation mode stacks the cards: at 1280x720 in large type each needs the full width.
            with solara.ColumnsResponsive(default=12, large=[12, 12] if page.present else [5, 7]):
                written = state.load_written(w.scenario)
                Distribution(spec, w.seed, w.runs, page.uncertain, cal is not None, written)
                Comparison(page, update)
        with ErrorBoundary():
            # Play state is the page's: a new world mid-play goes on playing the new replicate.
            ReplicateCard(spec, w.seed, w.replicate, w.runs, playing, speed, update)
        if not page.present:
            WhatThisIs()


@solara.component
def HypothesesPage() -> None:
    """The evidence from history (with ``viz --posterior``) and docs/hypotheses.md, under the banner."""
    solara.Title("Perfect Storm — hypotheses")
    Banner([], line="Every hypothesis below is speculative; the classroom page shows which are on.")
    with solara.Div(style="max-width:1000px;padding:0 12px"):
        H("p", "This page lists every hypothesis; the classroom page says which are on.")
        H("a", "← back to the classroom page", testid="back-link", attrs={"href": "./"})
        with ErrorBoundary():
            EvidenceSection()
        # Rendered with python-markdown: solara.Markdown would fetch KaTeX, which the offline
        # asset bundle (solara-assets) does not carry.
        solara.HTML(
            tag="div",
            unsafe_innerHTML=reference.hypotheses_html(),
            attributes={"data-testid": "hypotheses-doc"},
        )


@solara.component
def Layout(children: list = []) -> None:  # noqa: B006 - solara's layout signature
    """Solara's AppLayout: without it the sidebar controls have nowhere to go."""
    solara.AppLayout(children=children, title=TITLE, navigation=False, color="#263238")


routes = [
    solara.Route(path="/", component=Page, label="Classroom page", layout=Layout),
    solara.Route(path="hypotheses", component=HypothesesPage, label="Hypotheses"),
]

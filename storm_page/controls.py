"""The sidebar: scenario, hypothesis switches, interventions, sliders and the view switches.

Short by design: the scenario card and the switches come first (above the fold),
claims, seed and sliders fold. Every handler goes through the page's ``update``
(state.PageState -> state.PageState), checked on the server and guarded so a
refused value becomes a one-line notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import solara

import sim
from sim.params import PARAMS

from . import history, inputs, numbers, state
from .components import SMALL, H, SpeculativeBadge, guarded
from .inputs import PageInputError

Update = Callable[[Callable[[state.PageState], state.PageState]], None]


def _world(update: Update, change: Callable[[state.Settings], state.Settings]) -> Callable[[], None]:
    return lambda: update(lambda p: p.with_world(change(p.world)))


@solara.component
def Sidebar(page: state.PageState, update: Update) -> None:
    written = state.load_written(page.world.scenario)
    spec = state.build_spec(page.world)
    with solara.Sidebar():
        with H("div", cls="storm-sidebar", testid="sidebar"):
            # Each card gets only what it shows: reacton redraws a card whose arguments changed,
            # so a switch redraws the switches, not the sliders or the scenario card.
            w = page.world
            ScenarioCard(w.scenario, w.seed, w.runs, update)
            HypothesisCard(w.hypotheses, update)
            InterventionCard(w.interventions, update, written)
            keys = tuple(state.key_params(written))
            ParameterCard(keys, tuple(spec.params[k] for k in keys), update)
            ViewCard(page.present, page.uncertain, page.posterior, update)


@solara.component
def ScenarioCard(scenario: str, seed: int, runs: int, update: Update) -> None:
    with solara.Card("Scenario"):
        solara.Select(
            "Scenario",
            values=inputs.scenario_names(),
            value=scenario,
            on_value=guarded(lambda name: update(lambda p: p.with_world(p.world.with_scenario(name)))),
        )
        solara.Button(
            "Back to the file as written",
            text=True,
            color="primary",
            on_click=guarded(lambda: update(lambda p: p.unpin().with_world(p.world.with_scenario(scenario)))),
        )
        with solara.Details("Seed and ensemble size"):
            solara.InputText(
                "Seed",
                value=str(seed),
                continuous_update=False,
                on_value=guarded(lambda x: update(lambda p: p.with_world(p.world.with_seed(x)))),
            )
            H("div", f"a whole number from 0 to {inputs.MAX_SEED:,}", style=SMALL)
            solara.Select(
                "Replicates in the ensemble",
                values=list(inputs.RUN_CHOICES),
                value=runs,
                on_value=guarded(lambda n: update(lambda p: p.with_world(p.world.with_runs(n)))),
            )


@solara.component
def HypothesisCard(on: frozenset[str], update: Update) -> None:
    with solara.Card("Hypotheses (all speculative)"):
        for hid in sim.HYPOTHESIS_IDS:

            def flip(value: bool, hid: str = hid) -> None:
                update(lambda p: p.with_world(p.world.with_hypothesis(hid, value)))

            with H(
                "div",
                testid=f"hyp-{hid}",
                attrs={"title": sim.HYPOTHESES[hid].metadata["claim"]},
                style="display:flex;align-items:center;height:30px",
            ):
                solara.Switch(label=hid, value=hid in on, on_value=guarded(flip))
                SpeculativeBadge()
        with solara.Details("What each hypothesis claims"):
            for hid in sim.HYPOTHESIS_IDS:
                meta = sim.HYPOTHESES[hid].metadata
                with H("div", testid=f"claim-{hid}", style="margin-bottom:6px"):
                    H("div", hid, style="font-family:monospace;font-size:0.85em")
                    H("div", meta["claim"], cls="claim", style=SMALL)
                    H("div", f"Article section: “{meta['section']}”", style=SMALL + ";font-style:italic")


@solara.component
def InterventionCard(ticked: tuple[str, ...], update: Update, written: sim.Scenario) -> None:
    names = state.relevant_interventions(written)
    with solara.Card("Interventions (counterfactual overrides)"):
        for name in names:

            def tick(value: bool, name: str = name) -> None:
                update(lambda p: p.with_world(p.world.with_intervention(name, value)))

            with H("div", testid=f"iv-{name}"):
                solara.Checkbox(label=name, value=name in ticked, on_value=guarded(tick))
                H("div", sim.INTERVENTIONS[name].description, style=SMALL + ";margin:-4px 0 6px 32px")


@solara.component
def ParameterCard(keys: tuple[str, ...], values: tuple[float, ...], update: Update) -> None:
    with solara.Card("Key parameters"):
        with solara.Details("Sliders (guessed or historical values)", expand=False):
            for key, value in zip(keys, values, strict=True):
                sl = state.slider_spec(key, value)

                def move(x: float, sl: state.SliderSpec = sl) -> None:
                    update(lambda p: p.with_world(p.world.with_param(sl.key, sl.snap(x))))

                solara.SliderFloat(
                    f"{key} ({sl.unit})",
                    value=value,
                    min=sl.low,
                    max=sl.high,
                    step=sl.step,
                    on_value=guarded(move),
                    thumb_label=False,
                )
                note = f"{sl.meaning}; default from {sl.source}"
                if sl.narrowed:
                    decl = PARAMS[key]
                    note += (
                        f"; slider shows {sl.low:g}–{sl.high:g} of the declared {decl.low:g}–{decl.high:g}"
                    )
                H(
                    "div",
                    f"{value:g} {sl.unit} — {note}",
                    testid=f"param-{key}",
                    style=SMALL + ";margin:0 0 10px",
                )


def set_posterior(page: state.PageState, on: bool) -> state.PageState:
    """Switch "given what history shows"; refused (one line) when the server has no calibration."""
    if on:
        cal, why = history.status()
        if cal is None:  # the switch is disabled, but a widget message can still arrive
            raise PageInputError(why)
        return replace(page, posterior=True, uncertain=False)  # the posterior replaces the guesses
    return replace(page, posterior=False)


@solara.component
def ViewCard(present: bool, uncertain: bool, posterior: bool, update: Update) -> None:
    with solara.Card("View"):
        solara.Switch(
            label="Presentation mode (large type)",
            value=present,
            on_value=guarded(lambda x: update(lambda p: replace(p, present=bool(x)))),
        )
        available = numbers.uncertainty_available()
        solara.Switch(
            label="Guessed parameters uncertain",
            value=uncertain and available,
            disabled=not available,
            on_value=guarded(
                lambda x: update(lambda p: replace(p, uncertain=bool(x), posterior=p.posterior and not x))
            ),
        )
        if not available:
            H("div", "(needs the engine's uncertain parameters, not in this version)", style=SMALL)
        cal, why = history.status()
        with H("div", testid="posterior-switch"):
            solara.Switch(
                label="Given what history shows",
                value=posterior and cal is not None,
                disabled=cal is None,
                on_value=guarded(lambda x: update(lambda p: set_posterior(p, bool(x)))),
            )
        if cal is None:
            H("div", why, testid="posterior-how", style=SMALL)
        else:
            on = ", ".join(cal.scenarios) or "its scenarios"
            H(
                "div",
                f"Draws from the posterior in {cal.name} (calibrated on {on}); the hypotheses page "
                "shows each hypothesis's evidence.",
                testid="posterior-from",
                style=SMALL,
            )

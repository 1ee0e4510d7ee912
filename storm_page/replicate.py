"""One replicate, step by step, with its controls on its own card.

Play is throttled: a thread advances several model steps per tick, at most one
tick per ``player.TICK_S`` seconds, and waits for the page to finish drawing a
tick before it makes the next (so however slow the machine, the page's state
never changes during every render pass). ``playing`` and ``speed`` belong to
the page, not to this card: when a switch or the scenario changes mid-play,
the card is rebuilt for the new world and play goes on there.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable

import solara

import sim

from . import export, inputs, state
from .components import SMALL, Downloads, H, guarded
from .player import SPEEDS, TICK_S, Player, Snapshot, parse_when, series_frame, series_style

Update = Callable[[Callable[[state.PageState], state.PageState]], None]


@solara.component
def ReplicateCard(
    spec: sim.Scenario,
    seed: int,
    replicate: int,
    runs: int,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[str],
    update: Update,
) -> None:
    # Not keyed by world: a new world, seed or replicate gets a new Player while the card's
    # widgets are kept and updated in place (rebuilding them cost more than the simulation).
    player: Player = solara.use_memo(
        lambda: Player(spec, replicate, seed), [state.spec_hash(spec), seed, replicate]
    )
    first: Snapshot = solara.use_memo(player.snapshot, [player])
    held, set_snap = solara.use_state(first)
    snap = held if held.owner == player.ident else first
    drawn = solara.use_memo(threading.Event, [])
    date_text = solara.use_reactive("")

    # Back-pressure: the play thread waits for this, set once the tick it made is on the page.
    solara.use_effect(drawn.set, [snap.serial])

    def loop(cancel: threading.Event) -> None:
        last = 0.0
        while playing.value and not cancel.is_set():
            drawn.wait(timeout=2.0)
            pause = TICK_S - (time.monotonic() - last)
            if pause > 0 and cancel.wait(pause):
                return
            if cancel.is_set() or not playing.value:
                return
            drawn.clear()
            new = player.advance(player.speed_steps(speed.value))
            last = time.monotonic()
            set_snap(new)
            if new.finished:
                playing.set(False)
                return

    solara.use_thread(loop, dependencies=[playing.value, speed.value, player], intrusive_cancel=False)

    def act(change: Callable[[], Snapshot]) -> Callable[[], None]:
        def run() -> None:
            playing.set(False)
            set_snap(change())

        return guarded(run)

    def jump() -> None:
        playing.set(False)
        set_snap(player.jump_to(parse_when(date_text.value)))

    with solara.Card(f"One replicate, step by step: #{replicate} of {runs:,} (seed {seed})"):
        with solara.Row(gap="6px", style="flex-wrap:wrap;align-items:center"):
            solara.Button("Reset", on_click=act(player.reset), color="primary", outlined=True)
            solara.Button(
                "❚❚ Pause" if playing.value else "▶ Play",
                on_click=guarded(lambda: playing.set(not playing.value)),
                color="primary",
                disabled=snap.finished and not playing.value,
            )
            solara.Button(
                "Step",
                on_click=act(lambda: player.advance(1)),
                color="primary",
                disabled=snap.finished or playing.value,
            )
            solara.Button("Next event", on_click=act(player.next_event), disabled=snap.finished)
            solara.Button("Run to the end", on_click=act(player.run_to_end), disabled=snap.finished)
            solara.ToggleButtonsSingle(
                value=speed.value, values=list(SPEEDS), on_value=guarded(speed.set), dense=True
            )
        with solara.Row(gap="6px", style="align-items:center;flex-wrap:wrap", classes=["storm-secondary"]):
            solara.InputText(
                "Jump to date, e.g. 2023-06-24 18:00",
                value=date_text,
                continuous_update=False,
                style="min-width:18em;max-width:20em",
            )
            solara.Button("Jump", on_click=guarded(jump), disabled=snap.finished)
            solara.InputText(
                f"Replicate (0–{runs - 1:,})",
                value=str(replicate),
                continuous_update=False,
                on_value=guarded(
                    lambda x: update(
                        lambda p: p.with_world(p.world.with_replicate(inputs.parse_replicate(x, runs)))
                    )
                ),
                style="max-width:10em",
            )
        ReplicateView(snap)
        Downloads(
            f"replicate-{replicate}",
            [
                state.spec_hash(spec),
                seed,
                replicate,
            ],  # the files read the replicate as it stands when clicked
            lambda: export.series_png(series_frame(player), spec, seed, replicate),
            lambda: export.series_csv(series_frame(player), spec, seed, replicate),
        )


@solara.component
def ReplicateView(snap: Snapshot) -> None:
    """Clock, outcome, the story so far and the key series (the distance only with a mutiny)."""
    state_text = f"finished: {snap.outcome}" if snap.finished else f"outcome: {snap.outcome}"
    with H("div", style="display:flex;gap:18px;flex-wrap:wrap;margin:6px 0;font-size:0.95em"):
        H(
            "span",
            f"step {snap.step} of {snap.steps} · {snap.time}",
            testid="replicate-time",
            attrs={"data-step": str(snap.step), "data-finished": "1" if snap.finished else "0"},
        )
        if snap.mutiny and snap.distance_km is not None:
            H("span", f"column's distance to Moscow: {snap.distance_km:.0f} km", testid="replicate-distance")
        H("span", state_text, testid="replicate-outcome", style="font-weight:700" if snap.finished else None)
        if snap.outcome_time:
            H("span", f"reached {snap.outcome_time}", testid="replicate-ended")
    if snap.finished:
        H(
            "div",
            "Finished: this replicate's story is complete. Reset to play it again.",
            testid="replicate-finished",
            style=SMALL,
        )
    SeriesPlot(snap)
    # The story as one escaped HTML string: a long arc's events would otherwise be hundreds
    # of elements for every tick of play to walk.
    lines = "".join(
        f'<div class="story-event">{html.escape(_event_line(e))}</div>' for e in snap.events[-40:]
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML='<div style="font-weight:700">Story so far</div>'
        + (lines or "<div>(nothing has happened yet)</div>"),
        attributes={"data-testid": "replicate-story", "data-count": str(len(snap.events))},
        style="font-size:0.85em;margin-top:6px",
    )


def _event_line(e: dict[str, str]) -> str:
    return f"{e['time']} · {e['actor']} · {e['event']}: {e['detail']}"


@solara.component
def SeriesPlot(snap: Snapshot) -> None:
    """The key series so far as inline SVG (a redraw costs microseconds, so play never waits on it)."""
    lines = snap.lines
    panels: list[tuple[int, tuple[str, ...], str]] = []
    if "distance_km" in lines["points"]:
        panels.append((0, ("distance_km",), f"{lines['km_max']:.0f} km"))
    panels.append((1, tuple(n for n in sim.SERIES if n != "distance_km"), "1.0"))
    with H(
        "div",
        testid="series",
        attrs={"data-points": str(lines["n"])},
        style="display:flex;gap:16px;flex-wrap:wrap",
    ):
        for panel, names, top in panels:
            with H("div", style="flex:1 1 360px;max-width:520px"):
                with H("div", style=SMALL):
                    for name in names:
                        label, colour = series_style(name)
                        H("span", f"■ {label}  ", style=f"color:{colour}")
                with H(
                    "svg",
                    attrs={
                        "viewBox": "0 0 460 130",
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
                    for name in names:
                        if lines["points"].get(name):
                            H(
                                "polyline",
                                "",
                                attrs={
                                    "points": lines["points"][name],
                                    "fill": "none",
                                    "stroke": series_style(name)[1],
                                    "stroke-width": "2",
                                    "transform": "translate(30,5)",
                                },
                            )

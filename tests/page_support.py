"""Helpers for the classroom page's tests: find elements by data-testid in a rendered page."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipyvue
import solara

import sim

OUTCOMES = list(sim.OUTCOMES)


class HasTestId:
    """Matches an ``attributes`` dict holding this data-testid (whatever else it holds)."""

    def __init__(self, testid: str) -> None:
        self.testid = testid

    def __eq__(self, other: object) -> bool:
        return isinstance(other, dict) and other.get("data-testid") == self.testid

    __hash__ = None  # type: ignore[assignment]


def by_testid(rc: Any, testid: str) -> list[ipyvue.Html]:
    return rc.find(ipyvue.Html, attributes=HasTestId(testid)).widgets


def one(rc: Any, testid: str) -> ipyvue.Html:
    found = by_testid(rc, testid)
    assert len(found) == 1, f"expected one element with data-testid={testid!r}, got {len(found)}"
    return found[0]


def raw_html(rc: Any, testid: str) -> Any:
    """A solara.HTML element (rows drawn as one escaped HTML string) by data-testid."""
    import solara.widgets

    found = rc.find(solara.widgets.HTML, attributes=HasTestId(testid)).widgets
    assert len(found) == 1, f"expected one HTML element with data-testid={testid!r}, got {len(found)}"
    return found[0]


def text(widget: Any) -> str:
    return "".join(c if isinstance(c, str) else text(c) for c in widget.children)


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait until ``check()`` holds: threads (comparison, play) re-render a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except AssertionError:
            pass
        if time.monotonic() > deadline:
            assert check(), "condition not reached in time"
        time.sleep(0.05)


def counts(rc: Any) -> dict[str, int]:
    return {o: int(one(rc, f"dist-row-{o}").attributes["data-count"]) for o in OUTCOMES}


def comparison_ready(rc: Any, hash_b: str) -> bool:
    found = by_testid(rc, "counterfactual")
    return (
        len(found) == 1
        and found[0].attributes.get("data-hash") == hash_b
        and found[0].attributes.get("data-ready") == "1"
    )


def render_page(page_component: Any, layout: Any) -> tuple[Any, Any]:
    return solara.render(layout(children=[page_component()]), handle_error=False)

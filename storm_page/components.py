"""Building blocks every view shares: the banner, context, errors, downloads and the page's CSS.

Elements the tests read carry ``data-testid`` attributes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import solara
from solara.alias import rv as v

import sim
from sim.banner import hypotheses_line

from . import reference
from .inputs import PageInputError

SMALL = "font-size:0.8em;color:#555;line-height:1.3"

#: The one-line message the page shows when an input is refused or an action fails.
NOTICE = solara.reactive("")

CSS = """
/* Long slider labels wrap above the track, so the track keeps the sidebar's full width. */
.storm-sidebar .v-input__slider .v-input__slot { flex-wrap: wrap; }
.storm-sidebar .v-input__slider .v-input__slot > .v-label {
  flex: 0 0 100%; max-width: 100%; white-space: normal; word-break: normal; overflow-wrap: normal;
  height: auto; margin-bottom: 2px; font-size: 0.85em;
}
/* Card and app titles break between words only. */
.v-card__title, .v-toolbar__title { word-break: normal !important; overflow-wrap: normal !important;
  hyphens: none; white-space: normal; }
.storm-sidebar .v-card__title { font-size: 1.0em; padding: 8px 12px; line-height: 1.25; }
.storm-sidebar .v-input--switch, .storm-sidebar .v-input--checkbox { margin-top: 0; padding-top: 0; }
.storm-sidebar .v-input--switch .v-messages, .storm-sidebar .v-input--checkbox .v-messages { display: none; }
.storm-main table td, .storm-main table th { padding: 1px 8px 1px 0; }
"""

PRESENT_CSS = """
/* Presentation mode: large type for the back of a room at 1280x720; the sidebar folds away. */
.v-navigation-drawer { display: none !important; }
.v-main { padding-left: 0 !important; }
.storm-main { font-size: 1.45rem; line-height: 1.35; }
.storm-main .v-card__text { font-size: 1.5rem !important; line-height: 1.4; }
.storm-main .v-card__title { font-size: 1.6rem; }
.storm-main [data-testid=banner] { font-size: 1.6rem; }
.storm-main .storm-secondary { display: none; }
"""


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


def one_line(err: BaseException) -> str:
    """An error as one line without server paths (PageInputError messages are written for readers)."""
    if isinstance(err, PageInputError | sim.StormError):
        text = str(err)
    else:
        text = f"that did not work ({type(err).__name__}); the page is unchanged"
    return text.splitlines()[0][:300] if text else "that did not work; the page is unchanged"


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """An event handler that reports a refused input as the page's notice instead of a traceback."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - whatever went wrong, the reader gets one line
            NOTICE.set(one_line(err))
            return None
        if NOTICE.value:
            NOTICE.set("")
        return result

    return run


@solara.component
def Notice() -> None:
    """The last refused input or failed action, as one line."""
    if NOTICE.value:
        with H("div", testid="notice", style="margin:6px 0"):
            solara.Warning(NOTICE.value, dense=True)


@solara.component
def ErrorBoundary(children: list = []) -> None:  # noqa: B006 - solara's children signature
    """Render errors in ``children`` become one line (no traceback, no server path) and a retry."""
    error, clear = solara.use_exception()
    if error is not None:
        with H("div", testid="page-error"):
            solara.Error(f"This part of the page failed: {one_line(error)}")
            solara.Button("Try again", on_click=clear, text=True)
        return
    solara.Column(children=children, style="padding:0;gap:0")


# --- labels -------------------------------------------------------------------------


@solara.component
def Banner(hypotheses_on: list[str], line: str | None = None, extra: str | None = None) -> None:
    """The banner every view carries, with the hypotheses that are on (or ``line`` instead)."""
    with H(
        "div",
        testid="banner-box",
        style="background:#b71c1c;color:#fff;padding:8px 14px;border-radius:4px;margin-bottom:10px",
    ):
        H("div", sim.BANNER, testid="banner", style="font-weight:700;font-size:1.15em;letter-spacing:0.05em")
        H("div", line or hypotheses_line(hypotheses_on), testid="hypotheses-on", style="font-size:0.9em")
        if extra:
            H("div", extra, testid="hypotheses-on-a", style="font-size:0.85em;opacity:0.9")


@solara.component
def SpeculativeBadge() -> None:
    H(
        "span",
        "SPECULATIVE",
        cls="speculative-badge",
        style="background:#ef6c00;color:#fff;font-size:0.65em;font-weight:700;padding:1px 5px;"
        "border-radius:3px;margin-left:6px;letter-spacing:0.05em",
    )


def article_line() -> str:
    """'“Title” by Author, Publication, Date' from what the project records about the article."""
    a = reference.article()
    title = a.get("title", "")
    # Without a byline the engine records a description ("an opinion article on ..."), not a title.
    if title.lower().startswith("an opinion article"):
        head, title = title, ""
    else:
        head = "an opinion article"
    parts = []
    if title:
        parts.append(f"“{title}”")
    if a.get("author"):
        parts.append(f"by {a['author']}")
    tail = ", ".join(a[k] for k in ("publication", "date") if a.get(k))
    if tail:
        parts.append(f"({tail})")
    return " ".join([head, *parts])


@solara.component
def ScenarioContext(spec: sim.Scenario) -> None:
    """The scenario's title and question, and the article its hypotheses come from."""
    with H("div", testid="scenario-context", style="margin:0 0 8px 2px"):
        H("div", spec.title, testid="scenario-title", style="font-size:1.2em;font-weight:700")
        if spec.question:
            H("div", f"Question: {spec.question}", testid="scenario-question", style="font-style:italic")
        H(
            "div",
            f"The hypotheses paraphrase {article_line()}, cited by section; the article is opinion, "
            "not evidence.",
            testid="article",
            cls="storm-secondary",
            style=SMALL,
        )


@solara.component
def WhatThisIs() -> None:
    """What the page is and is not, and where the hypotheses come from."""
    with solara.Card("What this is — and is not"):
        with H("div", testid="what-this-is", style="font-size:0.9em;line-height:1.45"):
            H(
                "p",
                f"A teaching toy. Each hypothesis paraphrases a claim made in {article_line()}; "
                "none is established fact. The article is opinion, and the page quotes none of it: "
                "the claims are retold in our own words and cited by the article's section headings. "
                "Percentages are shares of simulated replicates under guessed parameters, not "
                "probabilities of real events.",
            )
            H("span", "Article sections the hypotheses cite: ")
            for section, ids in reference.section_headings():
                H("span", f"“{section}” ({', '.join(ids)}); ", style="font-style:italic")
            with H("p", style="margin-top:6px"):
                H(
                    "span",
                    "Full reference for every hypothesis (claim, mechanism, null version, parameters): ",
                )
                H("a", "the hypotheses page", testid="hypotheses-link", attrs={"href": "./hypotheses"})


@solara.component
def Downloads(
    name: str, deps: list[Any], png: Callable[[], bytes] | None, csv: Callable[[], bytes] | None
) -> None:
    """Save buttons for one chart or table: PNG (banner in the title) and CSV (banner on top).

    The callables are kept per ``deps``: FileDownload restarts its work whenever the
    callable it is given changes, so a fresh lambda on every render would cancel a save.
    """
    png_fn = solara.use_memo(lambda: guarded(png) if png else None, deps)
    csv_fn = solara.use_memo(lambda: guarded(csv) if csv else None, deps)
    with H("div", testid=f"save-{name}", cls="storm-secondary", style="display:flex;gap:4px;margin-top:4px"):
        if png_fn is not None:
            solara.FileDownload(data=png_fn, filename=f"{name}.png", label="Save PNG", mime_type="image/png")
        if csv_fn is not None:
            solara.FileDownload(data=csv_fn, filename=f"{name}.csv", label="Save CSV", mime_type="text/csv")

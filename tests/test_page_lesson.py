"""docs/lesson.md quotes the page: every number and bookmark it gives is what the page shows.

The numbers come from the page's own functions (storm_page.numbers and the
table of storm_page.views), so a change of the engine's calibration fails
here until the lesson is re-measured.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

pytest.importorskip("solara")  # the viz extra

from conftest import ROOT  # noqa: E402

from storm_page import numbers, state, views  # noqa: E402

LESSON = (ROOT / "docs" / "lesson.md").read_text(encoding="utf-8")


def _written(name: str) -> state.Settings:
    return state.Settings.as_written(name)


def _gap(s: state.Settings) -> state.Settings:
    return s.with_param("front.gap_cost", 0.9)


CASES = [
    # (world A, world B), in the order of the lesson's bookmarks
    (_written("mutiny_2023"), _written("mutiny_2023").with_intervention("no_mediation", True)),
    (_written("invasion_2022"), _written("invasion_2022").with_intervention("accurate_intelligence", True)),
    (
        _gap(_written("invasion_2022")),
        _gap(_written("invasion_2022")).with_intervention("accurate_intelligence", True),
    ),
    (_written("perfect_storm"), _written("perfect_storm").with_intervention("no_long_range", True)),
]


def _row(r) -> str:
    return (
        f"| {r.outcome} | {r.p_a * 100:.1f} % [{r.a_low * 100:.1f}, {r.a_high * 100:.1f}] | "
        f"{r.p_b * 100:.1f} % [{r.b_low * 100:.1f}, {r.b_high * 100:.1f}] | "
        f"{r.diff * 100:+.1f} pts [{r.diff_low * 100:+.1f}, {r.diff_high * 100:+.1f}] |"
    )


@pytest.mark.parametrize("a, b", CASES, ids=["no_call", "accurate", "pinned_gap", "no_long_range"])
def test_lesson_tables_are_what_the_page_shows(a: state.Settings, b: state.Settings) -> None:
    spec_a, spec_b = state.build_spec(a), state.build_spec(b)
    c = numbers.compare_worlds(spec_a, spec_b, seed=0, runs=1000)
    quoted = 0
    for r in c.differences.itertuples():
        if r.p_a > 0 or r.p_b > 0:  # the lesson leaves out outcomes no replicate reached
            assert _row(r) in LESSON, _row(r)
            quoted += 1
    assert quoted >= 2
    figures = views.lesson_table(c.numbers_a, c.numbers_b)
    lines = [f"| {name} | {va} | {vb} |" for name, va, vb in figures]
    assert any(line in LESSON for line in lines)
    assert f"{c.n_changed:,} " in LESSON or f"{c.n_changed} " in LESSON
    assert c.replicate is not None and f"#{c.replicate}" in LESSON


def test_every_figure_row_of_the_lesson_is_on_the_page() -> None:
    shown = set()
    for a, b in CASES:
        c = numbers.compare_worlds(state.build_spec(a), state.build_spec(b), seed=0, runs=1000)
        shown |= {f"| {n} | {va} | {vb} |" for n, va, vb in views.lesson_table(c.numbers_a, c.numbers_b)}
    quoted = re.findall(r"^\| (?:mutinies|columns|median|mean) .*\|$", LESSON, flags=re.M)
    assert len(quoted) >= 10
    assert set(quoted) <= shown, set(quoted) - shown


def test_the_stories_the_lesson_tells_are_the_page_stories() -> None:
    a, b = CASES[0]
    sd = numbers.story_pair(state.build_spec(a), state.build_spec(b), 0, 904)
    assert (
        sd.story_b["outcome"] == "rebel_capture" and sd.story_b["figures"]["end_time"] == "2023-06-25 06:33"
    )
    assert sd.parting is not None
    a, b = CASES[3]
    sd = numbers.story_pair(state.build_spec(a), state.build_spec(b), 0, 894)
    assert sd.story_a["outcome"] == "palace_coup" and sd.story_a["figures"]["end_time"].startswith(
        "2024-11-26"
    )
    assert sd.story_b["outcome"] == "regime_intact"


def test_lesson_bookmarks_open_the_worlds_it_describes() -> None:
    links = re.findall(r"http://127\.0\.0\.1:8765/\?(\S+?)`", LESSON)
    assert len(links) == 4
    for query, (a, b) in zip(links, CASES, strict=True):
        page, message = state.from_query(urlsplit("?" + query).query)
        assert message is None, message
        assert page.world == b
        assert state.build_spec(page.world_a()).hash == state.build_spec(a).hash

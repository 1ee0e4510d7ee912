"""End to end: the classroom page in headless Debian Chromium, driven by Playwright.

Starts ``python run.py viz --no-browser`` on 127.0.0.1 once (and once with
``--posterior``, for "given what history shows"), then clicks like a
teacher would, one test per item of issue 10. Needs /usr/bin/chromium
(installed by .ci/browser.sh); never downloads a browser.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BANNER = "SPECULATIVE SCENARIO — NOT A FORECAST"
TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (bash .ci/browser.sh installs it)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serving(tmp: Path, *extra: str) -> Iterator[tuple[str, Path]]:
    """``run.py viz mutiny_2023 --no-browser`` on a free port; always stopped afterwards."""
    pytest.importorskip("playwright")
    port = _free_port()
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "run.py", "viz", "mutiny_2023", "--no-browser", "--port", str(port), *extra],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"},
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the page server exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the page server did not answer within 90 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
    text = log.read_text(errors="replace")
    # The server fetched nothing it lacks (solara's proxy logs each attempt) and hid no traceback.
    assert "Could not load URL" not in text and "Traceback" not in text, text


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The page served by the CLI."""
    with _serving(tmp_path_factory.mktemp("page")) as served:
        yield served


@pytest.fixture(scope="module")
def history_server(
    tmp_path_factory: pytest.TempPathFactory, tiny_posterior: Path
) -> Iterator[tuple[str, Path]]:
    """The page served with a calibration: ``viz --posterior DIR``."""
    with _serving(tmp_path_factory.mktemp("page"), "--posterior", str(tiny_posterior)) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    # Expectations wait as long as actions: a shared 2-core machine can take seconds per ensemble.
    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlparse(url).hostname in ("127.0.0.1", "localhost", "::1")


def _opener(url: str, browser) -> Iterator:
    """Open the page at a query string; afterwards check nothing left this machine."""
    pages, requests = [], []

    def go(query: str = "", width: int = 1500, height: int = 1100):
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
        page.goto(url + (f"?{query}" if query else ""))
        page.get_by_test_id("distribution").wait_for()
        pages.append(context)
        return page

    yield go
    for context in pages:
        context.close()
    outside = [u for u in requests if not _local(u)]
    assert requests and not outside, f"requests left this machine: {outside}"


@pytest.fixture
def open_page(server, browser):
    yield from _opener(server[0], browser)


@pytest.fixture
def open_history_page(history_server, browser):
    yield from _opener(history_server[0], browser)


def _step(page) -> int:
    return int(page.get_by_test_id("replicate-time").get_attribute("data-step"))


def _no_traceback(page) -> None:
    from playwright.sync_api import expect

    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Too many renders" not in body and "/work" not in body
    expect(page.get_by_test_id("banner")).to_have_text(BANNER)


def test_fast_play_on_the_perfect_storm_for_ten_seconds(open_page) -> None:
    page = open_page("scenario=perfect_storm")
    page.get_by_role("button", name="fast").click()
    page.get_by_role("button", name="▶ Play").click()
    seen = []
    for _ in range(10):
        page.wait_for_timeout(1000)
        seen.append(_step(page))
        _no_traceback(page)
    assert seen[-1] > seen[0] > 0, seen  # it kept advancing, several steps per redraw
    page.get_by_role("button", name="❚❚ Pause").click()


def test_a_switch_changed_mid_play_leaves_play_working(open_page) -> None:
    page = open_page("scenario=mutiny_2023")
    page.get_by_role("button", name="slow").click()
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function("() => +document.querySelector('[data-testid=replicate-time]').dataset.step >= 3")
    page.get_by_test_id("hyp-hidden_patrons").locator("input").click(force=True)
    # The new world's replicate restarts, and play goes on there.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=hypotheses-on]').innerText.includes('hidden')"
    )
    start = _step(page)
    page.wait_for_function(
        f"() => +document.querySelector('[data-testid=replicate-time]').dataset.step > {start + 2}"
    )
    assert page.get_by_role("button", name="❚❚ Pause").is_visible()
    _no_traceback(page)
    page.get_by_role("button", name="❚❚ Pause").click()
    page.get_by_role("button", name="Step", exact=True).wait_for()


def test_run_to_the_end_says_finished(open_page) -> None:
    from playwright.sync_api import expect

    page = open_page("scenario=perfect_storm&rep=157")
    page.get_by_role("button", name="Run to the end").click()
    expect(page.get_by_test_id("replicate-time")).to_have_attribute("data-finished", "1")
    expect(page.get_by_test_id("replicate-outcome")).to_have_text("finished: palace_coup")
    expect(page.get_by_test_id("replicate-ended")).to_contain_text("2024-12-02")
    assert page.get_by_role("button", name="▶ Play").is_disabled()
    _no_traceback(page)


def test_a_pinned_world_a_against_world_b(open_page) -> None:
    from playwright.sync_api import expect

    page = open_page("scenario=invasion_2022&iv=accurate_intelligence")
    expect(page.get_by_test_id("cf-changes")).to_contain_text("accurate_intelligence")
    page.get_by_role("button", name="Pin these settings as world A").click()
    expect(page.get_by_test_id("cf-none")).to_be_visible()
    expect(page.get_by_test_id("hypotheses-on-a")).to_contain_text("World A (pinned)")
    page.get_by_test_id("iv-accurate_intelligence").locator("input").click(force=True)
    cf = page.get_by_test_id("counterfactual")
    expect(cf).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("cf-changes")).to_contain_text("interventions")
    assert "pin=1" in page.url
    # A and B side by side: the intact share is higher in the pinned world A.
    a = float(page.get_by_test_id("ab-a-regime_intact").inner_text().rstrip(" %"))
    b = float(page.get_by_test_id("ab-b-regime_intact").inner_text().rstrip(" %"))
    assert a > b
    expect(page.get_by_test_id("timeline")).to_be_visible()
    expect(page.get_by_test_id("parting")).to_be_visible()


def test_reload_from_the_url_restores_the_state(open_page) -> None:
    from playwright.sync_api import expect

    page = open_page("scenario=mutiny_2023")
    page.get_by_test_id("hyp-hidden_patrons").locator("input").click(force=True)
    page.get_by_test_id("iv-no_mediation").locator("input").click(force=True)
    page.get_by_text("Seed and ensemble size").click()
    seed = page.get_by_label("Seed")
    seed.fill("42")
    seed.press("Enter")
    expect(page.get_by_test_id("dist-meta")).to_contain_text("seed 42")
    dist_hash = page.get_by_test_id("distribution").get_attribute("data-hash")
    assert "seed=42" in page.url and "iv=no_mediation" in page.url
    page.reload()
    page.get_by_test_id("distribution").wait_for()
    expect(page.get_by_test_id("distribution")).to_have_attribute("data-hash", dist_hash)
    expect(page.get_by_test_id("dist-meta")).to_contain_text("seed 42")
    expect(page.get_by_test_id("hypotheses-on")).to_contain_text("hidden_patrons")
    assert page.get_by_test_id("iv-no_mediation").locator("input").is_checked()


def test_saving_a_figure_and_a_table(open_page, tmp_path: Path) -> None:
    page = open_page("scenario=mutiny_2023")
    box = page.get_by_test_id("save-distribution")
    with page.expect_download() as png:
        box.get_by_role("button", name="Save PNG").click()
    path = tmp_path / "distribution.png"
    png.value.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    with page.expect_download() as csv:
        box.get_by_role("button", name="Save CSV").click()
    csv_path = tmp_path / "distribution.csv"
    csv.value.save_as(csv_path)
    import pandas as pd

    table = pd.read_csv(csv_path)  # labelled like every result table: banner and hypotheses columns
    assert set(table["banner"]) == {BANNER} and set(table["hypotheses_on"]) == {"leader_gated_mediation"}
    assert table["count"].sum() == 1000


def test_presentation_mode_at_1280_by_720(open_page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = open_page("scenario=perfect_storm&iv=no_long_range&present=1", width=1280, height=720)
    expect(page.get_by_test_id("counterfactual")).to_have_attribute("data-ready", "1")
    banner = page.get_by_test_id("banner").bounding_box()
    dist = page.get_by_test_id("distribution").bounding_box()
    assert banner and banner["x"] < 80 and banner["y"] < 150  # the sidebar folded away
    size = page.get_by_test_id("dist-share-regime_intact").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 20, size  # readable from the back of a room
    assert dist and dist["x"] + dist["width"] <= 1280
    shot = ROOT / "docs" / "figures" / "classroom_page_presentation.png"
    target = shot if os.environ.get("STORM_PAGE_SCREENSHOTS") else tmp_path / shot.name
    page.screenshot(path=str(target))
    assert target.stat().st_size > 20_000
    _no_traceback(page)


def test_given_what_history_shows_draws_the_band_and_says_what_it_is_conditional_on(
    open_history_page,
) -> None:
    from playwright.sync_api import expect

    page = open_history_page("scenario=mutiny_2023")
    expect(page.get_by_test_id("distribution")).to_have_attribute("data-posterior", "0")
    assert page.get_by_test_id("band-regime_intact").count() == 0
    page.get_by_test_id("posterior-switch").locator("input").click(force=True)
    expect(page.get_by_test_id("distribution")).to_have_attribute("data-posterior", "1")
    band = page.get_by_test_id("band-regime_intact")
    expect(band).to_be_visible()
    box = band.bounding_box()
    assert box and box["width"] > 1  # a band across posterior draws, not a hairline
    expect(page.get_by_test_id("posterior-conditional")).to_contain_text(
        "conditional on this model's mechanisms"
    )
    expect(page.get_by_test_id("posterior-conditional")).to_contain_text("these priors")
    expect(page.get_by_test_id("dist-note")).to_contain_text("Monte Carlo")
    assert "posterior=1" in page.url
    page.reload()  # part of the URL state, like the other switches
    expect(page.get_by_test_id("distribution")).to_have_attribute("data-posterior", "1")
    _no_traceback(page)

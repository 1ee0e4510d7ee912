"""End to end: the classroom page in headless Debian Chromium, driven by Playwright.

Starts ``python run.py viz --no-browser`` on 127.0.0.1, then clicks like a
teacher would. Needs /usr/bin/chromium (installed by .ci/browser.sh); never
downloads a browser.
"""

from __future__ import annotations

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
TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (bash .ci/browser.sh installs it)"
    ),
]


_SERVER_LOG: list[Path] = []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page served by the CLI on a free port; always stopped afterwards."""
    port = _free_port()
    log = tmp_path_factory.mktemp("page") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "run.py", "viz", "mutiny_2023", "--no-browser", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}/"
    _SERVER_LOG.append(log)
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
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

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


def _count(page, outcome: str) -> int:
    return int(page.get_by_test_id(f"dist-row-{outcome}").get_attribute("data-count"))


def test_classroom_page_in_chromium(server: str, browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))

    page.goto(server)
    expect(page.get_by_test_id("banner")).to_have_text(BANNER)
    expect(page.get_by_test_id("hypotheses-on")).to_contain_text("leader_gated_mediation")
    dist = page.get_by_test_id("distribution")
    expect(dist).to_be_visible()
    hash_before = dist.get_attribute("data-hash")
    counts_before = {o: _count(page, o) for o in ("regime_intact", "martial_law")}
    total = sum(
        int(page.get_by_test_id(f"dist-row-{o}").get_attribute("data-count"))
        for o in (
            "regime_intact",
            "regime_weakened",
            "martial_law",
            "palace_coup",
            "rebel_capture",
            "regime_collapse",
        )
    )
    assert total == 1000
    assert counts_before["martial_law"] == 0  # without hidden patrons nobody declares martial law
    expect(page.get_by_test_id("cf-none")).to_be_visible()

    # Switch hidden_patrons on: the distribution is redrawn with martial law appearing.
    page.get_by_test_id("hyp-hidden_patrons").locator("label").click()
    expect(dist).not_to_have_attribute("data-hash", hash_before)
    expect(page.get_by_test_id("hypotheses-on")).to_contain_text("hidden_patrons")
    assert _count(page, "martial_law") > 0
    assert _count(page, "regime_intact") < counts_before["regime_intact"]
    share = page.get_by_test_id("dist-share-martial_law").inner_text()
    assert share.endswith("%") and float(share.rstrip(" %")) > 0

    # Mesa's controls stay right under the scenario card, above the switches, after the remount.
    step_box = page.get_by_role("button", name="Step", exact=True).bounding_box()
    hyp_box = page.get_by_text("Hypotheses (all speculative)").bounding_box()
    assert step_box and hyp_box and step_box["y"] < hyp_box["y"]

    # The counterfactual beside it: paired differences and the replicate that changed most.
    cf = page.get_by_test_id("counterfactual")
    expect(cf).to_be_visible()
    expect(page.get_by_test_id("cf-changes")).to_contain_text("hidden_patrons switched on")
    assert float(page.get_by_test_id("cf-row-martial_law").get_attribute("data-diff")) > 0
    expect(page.get_by_test_id("cf-replicate")).to_contain_text("changed most")
    expect(page.get_by_test_id("cf-story-changed")).to_contain_text("martial law")

    # One replicate under Mesa's controls: Step advances the clock, and the story grows.
    clock = page.get_by_test_id("replicate-time")
    expect(clock).to_have_attribute("data-step", "0")
    step = page.get_by_role("button", name="Step", exact=True)
    for i in range(1, 5):
        step.click()
        expect(clock).to_have_attribute("data-step", str(i))
    expect(clock).to_contain_text("2023-06-23 22:00")
    assert int(page.get_by_test_id("replicate-story").get_attribute("data-count")) >= 1
    expect(page.get_by_test_id("replicate-story")).to_contain_text("mutiny begins")

    # Play runs on by itself; pause; reset returns to the start.
    page.get_by_role("button", name="▶", exact=True).click()
    page.wait_for_function(
        "() => +document.querySelector('[data-testid=replicate-time]').dataset.step >= 7", timeout=TIMEOUT_MS
    )
    page.get_by_role("button", name="❚❚", exact=True).click()
    expect(page.get_by_role("button", name="▶", exact=True)).to_be_visible()
    # Mesa 3.5.1's play loop may take one more step after pause when it wakes from its
    # play-interval sleep (250 ms here); let it settle so it cannot step the reset model.
    page.wait_for_timeout(800)
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(clock).to_have_attribute("data-step", "0")

    shot = tmp_path / "classroom_page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # The hypotheses' reference page carries the banner too.
    page.get_by_test_id("hypotheses-link").click()
    expect(page.get_by_test_id("banner")).to_have_text(BANNER)
    expect(page.get_by_text("Prigozhin's rebellion and martial law").first).to_be_visible()

    outside = [u for u in requests if not _local(u)]
    assert requests and not outside, f"requests left this machine: {outside}"
    # Nor did the server try to fetch an asset it lacks (solara's proxy logs each attempt).
    log = _SERVER_LOG[-1].read_text(errors="replace")
    assert "Could not load URL" not in log and "Traceback" not in log, log
    page.close()

"""The classroom page at Solara's render level, and the numbers behind it (storm_page.state)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

solara = pytest.importorskip("solara")  # the viz extra

import ipyvue  # noqa: E402
import ipyvuetify as vw  # noqa: E402

import sim  # noqa: E402
from storm_page import app, state  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = list(sim.OUTCOMES)


# --- helpers -------------------------------------------------------------------


class HasTestId:
    """Matches an ``attributes`` dict holding this data-testid (whatever else it holds)."""

    def __init__(self, testid: str) -> None:
        self.testid = testid

    def __eq__(self, other: object) -> bool:
        return isinstance(other, dict) and other.get("data-testid") == self.testid

    __hash__ = None  # type: ignore[assignment]


def by_testid(rc, testid: str) -> list[ipyvue.Html]:
    return rc.find(ipyvue.Html, attributes=HasTestId(testid)).widgets


def one(rc, testid: str) -> ipyvue.Html:
    found = by_testid(rc, testid)
    assert len(found) == 1, f"expected one element with data-testid={testid!r}, got {len(found)}"
    return found[0]


def text(widget) -> str:
    return "".join(c if isinstance(c, str) else text(c) for c in widget.children)


def eventually(check, timeout: float = 20.0) -> None:
    """Wait until ``check()`` holds: the counterfactual's thread may delay a re-render."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            assert check(), "condition not reached in time"
        time.sleep(0.05)


def counts(rc) -> dict[str, int]:
    return {o: int(one(rc, f"dist-row-{o}").attributes["data-count"]) for o in OUTCOMES}


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(app.ENV_SCENARIO, raising=False)
    monkeypatch.delenv(app.ENV_SEED, raising=False)
    box, rc = solara.render(app.Layout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


# --- the rendered page -------------------------------------------------------------


def test_banner_and_hypotheses_line_are_rendered(page) -> None:
    assert text(one(page, "banner")) == sim.BANNER
    assert text(one(page, "hypotheses-on")) == "Hypotheses on: leader_gated_mediation"
    note = text(one(page, "what-this-is"))
    assert "opinion" in note and "Prigozhin's rebellion and martial law" in note
    assert one(page, "hypotheses-link").attributes["href"] == "./hypotheses"


def test_sidebar_has_every_control(page) -> None:
    for hid in sim.HYPOTHESIS_IDS:
        page.find(vw.Switch, label=hid).assert_single()
        claim = sim.HYPOTHESES[hid].metadata["claim"]
        assert claim in text(one(page, f"hyp-{hid}"))
        assert "SPECULATIVE" in text(one(page, f"hyp-{hid}"))
    for name in sim.INTERVENTIONS:
        page.find(vw.Checkbox, label=name).assert_single()
    for key in (
        "wagner.speed_kmh (km/h)",
        "kremlin.mediation_base_per_h (per hour)",
        "defence.moscow_resistance (share)",
        "factions.army.loyalty (share)",
    ):
        page.find(vw.Slider, label=key).assert_single()
    page.find(vw.Select, label="Scenario").assert_single()
    page.find(vw.TextField, label="Seed").assert_single()
    # Mesa's SolaraViz controls are there too.
    for name in ("Reset", "Step"):
        page.find(vw.Btn, children=[name]).assert_single()


def test_distribution_matches_simulate(page) -> None:
    got = counts(page)
    df = sim.simulate(state.load_written("mutiny_2023"), runs=1000, seed=0)
    want = df["outcome"].value_counts().reindex(OUTCOMES, fill_value=0).to_dict()
    assert got == want and sum(got.values()) == 1000
    lo, hi = sim.stats.wilson(want["regime_intact"], 1000)
    assert text(one(page, "dist-ci-regime_intact")) == f"[{lo * 100:.1f}, {hi * 100:.1f}]"


def test_switching_hidden_patrons_on_changes_the_distribution(page) -> None:
    before = counts(page)
    assert before["martial_law"] == 0
    page.find(vw.Switch, label="hidden_patrons").widget.v_model = True
    after = counts(page)
    assert after["martial_law"] > 0 and after != before
    assert "hidden_patrons" in text(one(page, "hypotheses-on"))
    # and the counterfactual (computed in a thread) shows the paired difference
    page.find(ipyvue.Html, attributes=HasTestId("cf-changes")).wait_for(timeout=20)
    assert "hidden_patrons switched on" in text(one(page, "cf-changes"))
    diff = float(one(page, "cf-row-martial_law").attributes["data-diff"])
    assert diff == pytest.approx(after["martial_law"] / 1000)
    # switching it off again is the file as written
    page.find(vw.Switch, label="hidden_patrons").widget.v_model = False
    eventually(lambda: counts(page) == before)
    one(page, "cf-none")


def test_slider_changes_the_world_and_back(page) -> None:
    slider = page.find(vw.Slider, label="wagner.speed_kmh (km/h)")
    written = state.load_written("mutiny_2023").params["wagner.speed_kmh"]
    assert slider.widget.v_model == written
    h0 = one(page, "distribution").attributes["data-hash"]
    slider.widget.v_model = 90
    assert text(one(page, "param-wagner.speed_kmh")).startswith("90 km/h")
    assert one(page, "distribution").attributes["data-hash"] != h0
    slider.widget.v_model = written
    eventually(lambda: one(page, "distribution").attributes["data-hash"] == h0)


def test_intervention_no_mediation_is_a_counterfactual(page) -> None:
    page.find(vw.Checkbox, label="no_mediation").widget.v_model = True
    page.find(ipyvue.Html, attributes=HasTestId("cf-changes")).wait_for(timeout=20)
    assert "intervention no_mediation applied" in text(one(page, "cf-changes"))
    rep = one(page, "cf-replicate")
    assert "changed most" in text(rep)
    assert int(rep.attributes["data-replicate"]) >= 0


def test_scenario_picker_swaps_the_sliders(page) -> None:
    page.find(vw.Select, label="Scenario").widget.v_model = "invasion_2022"
    assert "false_intelligence" in text(one(page, "hypotheses-on"))
    page.find(vw.Slider, label="front.actual_resistance (share)").assert_single()
    page.find(vw.Slider, label="wagner.speed_kmh (km/h)").assert_empty()
    assert one(page, "dist-meta").attributes["data-hash"] == state.load_written("invasion_2022").hash


def test_mesa_step_and_reset_drive_the_replicate(page) -> None:
    clock = one(page, "replicate-time")
    assert clock.attributes["data-step"] == "0"
    step = page.find(vw.Btn, children=["Step"]).widget
    for _ in range(4):
        step.click()
    assert one(page, "replicate-time").attributes["data-step"] == "4"
    assert "2023-06-23 22:00" in text(one(page, "replicate-time"))
    assert "mutiny begins" in text(one(page, "replicate-story"))
    page.find(vw.Btn, children=["Reset"]).widget.click()
    assert one(page, "replicate-time").attributes["data-step"] == "0"
    # After a change of world SolaraViz remounts; reset must rebuild the new world's replicate.
    page.find(vw.Slider, label="wagner.speed_kmh (km/h)").widget.v_model = 99
    page.find(vw.Btn, children=["Step"]).widget.click()
    assert one(page, "replicate-time").attributes["data-step"] == "1"
    page.find(vw.Btn, children=["Reset"]).widget.click()
    assert one(page, "replicate-time").attributes["data-step"] == "0"
    changed = state.build_spec(state.Settings.as_written("mutiny_2023").with_param("wagner.speed_kmh", 99))
    assert one(page, "replicate-time").attributes["data-hash"] == changed.hash
    for _ in range(30):  # to 2023-06-25 00:00
        page.find(vw.Btn, children=["Step"]).widget.click()
    told = sim.story(changed, seed=0, replicate=0)
    so_far = [e for e in told["events"] if e["time"] < "2023-06-25 00:00"]
    assert int(one(page, "replicate-story").attributes["data-count"]) == len(so_far)


def test_seed_changes_the_ensemble(page) -> None:
    before = counts(page)
    field = page.find(vw.TextField, label="Seed").widget
    field.v_model = "7"
    field.fire_event("focusout")  # InputInt commits when it loses focus or on enter
    assert "seed 7" in text(one(page, "dist-meta"))
    assert counts(page) != before


def test_hypotheses_page_carries_the_banner() -> None:
    box, rc = solara.render(app.Layout(children=[app.HypothesesPage()]), handle_error=False)
    try:
        assert text(one(rc, "banner")) == sim.BANNER
    finally:
        rc.close()


# --- the numbers behind the views ------------------------------------------------------


def test_settings_as_written_reproduce_the_file() -> None:
    for name in ("mutiny_2023", "perfect_storm", "invasion_2022"):
        s = state.Settings.as_written(name)
        assert state.build_spec(s).hash == state.load_written(name).hash


def test_param_back_to_the_file_value_drops_the_override() -> None:
    s = state.Settings.as_written("mutiny_2023").with_param("wagner.speed_kmh", 99)
    assert s.params == (("wagner.speed_kmh", 99.0),)
    assert state.build_spec(s).params["wagner.speed_kmh"] == 99
    written = state.load_written("mutiny_2023").params["wagner.speed_kmh"]
    assert s.with_param("wagner.speed_kmh", written).params == ()


def test_interventions_can_be_unticked() -> None:
    s = state.Settings.as_written("mutiny_2023").with_intervention("no_mediation", True)
    assert state.build_spec(s).interventions == ["no_mediation"]
    assert state.build_spec(s.with_intervention("no_mediation", False)).interventions == []


def test_slider_spec_reaches_small_defaults() -> None:
    sl = state.slider_spec("storm.act_per_day", 0.003)
    assert sl.narrowed and sl.high < 1 and sl.low == 0
    assert sl.snap(0.0030000000000000001) == 0.003
    assert round(0.003 / sl.step) * sl.step == pytest.approx(0.003)
    full = state.slider_spec("factions.army.loyalty", 0.7)
    assert (full.low, full.high, full.narrowed) == (0, 1, False)


def test_key_params_follow_the_shocks() -> None:
    assert "wagner.speed_kmh" in state.key_params(state.load_written("mutiny_2023"))
    assert "storm.act_per_day" not in state.key_params(state.load_written("mutiny_2023"))
    storm = state.key_params(state.load_written("perfect_storm"))
    assert {"wagner.speed_kmh", "storm.act_per_day", "front.actual_resistance"} <= set(storm)


def _frame(outcomes: list[str], closest: list[float], end: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "replicate": np.arange(len(outcomes)),
            "outcome": pd.Categorical(outcomes, categories=OUTCOMES),
            "closest_km_to_moscow": closest,
            "end_hours": end,
        }
    )


def test_most_changed_prefers_a_changed_outcome() -> None:
    a = _frame(["regime_intact"] * 3, [200.0, 300.0, np.nan], [24.0, 30.0, 96.0])
    b = _frame(["regime_intact", "martial_law", "regime_intact"], [10.0, 290.0, np.nan], [80.0, 31.0, 96.0])
    assert state.most_changed(a, b) == 1  # outcome changed beats a bigger move in km
    assert state.most_changed(a, a) is None
    c = _frame(["regime_intact"] * 3, [200.0, 300.0, np.nan], [24.0, 30.0, 50.0])
    assert state.most_changed(a, c) == 2


def test_paired_table_uses_common_replicates() -> None:
    a = _frame(["regime_intact", "regime_intact", "martial_law", "regime_intact"], [0.0] * 4, [1.0] * 4)
    b = _frame(["martial_law", "regime_intact", "martial_law", "regime_intact"], [0.0] * 4, [1.0] * 4)
    t = state.paired_table(a, b).set_index("outcome")
    assert t.loc["martial_law", "diff"] == pytest.approx(0.25)
    assert t.loc["regime_intact", "diff"] == pytest.approx(-0.25)
    assert t.loc["palace_coup", ["lo", "hi"]].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError):
        state.paired_table(a, b.iloc[:3])


def test_counterfactual_without_the_call() -> None:
    written = state.load_written("mutiny_2023")
    spec = state.build_spec(state.Settings.as_written("mutiny_2023").with_intervention("no_mediation", True))
    cf = state.counterfactual(written, spec, seed=0, runs=300)
    row = cf.table.set_index("outcome").loc["regime_intact"]
    assert row["diff"] == pytest.approx(row["p_changed"] - row["p_written"])
    assert cf.replicate is not None
    assert cf.written_story["replicate"] == cf.changed_story["replicate"] == cf.replicate
    assert cf.written_story["outcome"] != cf.changed_story["outcome"]


def test_replicate_status_follows_the_steps() -> None:
    model = state.StepModel(state.load_written("mutiny_2023"), replicate=3, seed=0)
    assert state.replicate_status(model)["step"] == 0
    for _ in range(model.clock.n_steps):
        model.step()
    st = state.replicate_status(model)
    told = sim.story(state.load_written("mutiny_2023"), seed=0, replicate=3)
    assert st["outcome"] == told["outcome"] and st["events"] == told["events"]


# --- the viz command's errors (no server is started) ------------------------------------


def _viz(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", "viz", *args, "--no-browser"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_viz_unknown_scenario_is_a_one_line_usage_error() -> None:
    r = _viz("no_such_scenario")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "mutiny_2023" in r.stderr and "Traceback" not in r.stderr


def test_viz_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = _viz("--port", str(port))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "--port" in r.stderr and "in use" in r.stderr

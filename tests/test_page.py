"""The classroom page at Solara's render level: what a teacher sees and clicks, without a browser."""

from __future__ import annotations

import pytest

solara = pytest.importorskip("solara")  # the viz extra

import ipyvuetify as vw  # noqa: E402
from page_support import by_testid, comparison_ready, counts, eventually, one, raw_html, text  # noqa: E402

import sim  # noqa: E402
from storm_page import app, components, inputs, numbers, state  # noqa: E402


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(inputs.ENV_SCENARIO, raising=False)
    monkeypatch.delenv(inputs.ENV_SEED, raising=False)
    components.NOTICE.set("")
    box, rc = solara.render(app.Layout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


@pytest.fixture
def storm_page(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(inputs.ENV_SCENARIO, "invasion_2022")
    components.NOTICE.set("")
    box, rc = solara.render(app.Layout(children=[app.Page()]), handle_error=False)
    yield rc
    rc.close()


def _click(rc, label: str) -> None:
    rc.find(vw.Btn, children=[label]).widget.click()


def _step(rc) -> int:
    return int(one(rc, "replicate-time").attributes["data-step"])


# --- context and labels -------------------------------------------------------------


def test_every_view_carries_banner_hypotheses_and_context(page) -> None:
    assert text(one(page, "banner")) == sim.BANNER
    assert text(one(page, "hypotheses-on")) == "Hypotheses on: leader_gated_mediation"
    written = state.load_written("mutiny_2023")
    assert text(one(page, "scenario-title")) == written.title
    assert written.question in text(one(page, "scenario-question"))
    assert "opinion article" in text(one(page, "article"))
    note = text(one(page, "what-this-is"))
    assert "Prigozhin's rebellion and martial law" in note
    assert "not recorded" not in text(one(page, "article"))  # a field the project lacks is left out
    assert one(page, "hypotheses-link").attributes["href"] == "./hypotheses"


def test_sidebar_offers_switches_relevant_interventions_and_sliders(page) -> None:
    for hid in sim.HYPOTHESIS_IDS:
        page.find(vw.Switch, label=hid).assert_single()
        assert sim.HYPOTHESES[hid].metadata["claim"] in text(one(page, f"claim-{hid}"))
    # Only interventions that can change a mutiny scenario.
    page.find(vw.Checkbox, label="no_mediation").assert_single()
    page.find(vw.Checkbox, label="no_long_range").assert_empty()
    page.find(vw.Checkbox, label="accurate_intelligence").assert_empty()
    page.find(vw.Slider, label="wagner.speed_kmh (km/h)").assert_single()
    # Step, play and reset sit on the replicate's card; no Mesa parameter card is left over.
    for label in ("Reset", "▶ Play", "Step", "Next event", "Run to the end"):
        page.find(vw.Btn, children=[label]).assert_single()
    assert not page.find(vw.CardTitle, children=["Model Parameters"]).widgets


def test_distribution_matches_simulate(page) -> None:
    df = sim.simulate(state.load_written("mutiny_2023"), runs=1000, seed=0)
    want = df["outcome"].value_counts().reindex(list(sim.OUTCOMES), fill_value=0).to_dict()
    assert counts(page) == want
    lo, hi = sim.stats.wilson(want["regime_intact"], 1000)
    assert text(one(page, "dist-ci-regime_intact")) == f"[{lo * 100:.1f}, {hi * 100:.1f}]"


def test_switch_changes_world_b_and_the_comparison_shows_it(page) -> None:
    before = counts(page)
    # As written, martial law is rare (only a column whose talks failed outright can bring it);
    # hidden patrons make it common.
    assert before["martial_law"] < 10
    one(page, "cf-none")
    page.find(vw.Switch, label="hidden_patrons").widget.v_model = True
    after = counts(page)
    assert after["martial_law"] > before["martial_law"] + 50
    assert "hidden_patrons" in text(one(page, "hypotheses-on"))
    spec_b = state.build_spec(
        state.Settings.as_written("mutiny_2023").with_hypothesis("hidden_patrons", True)
    )
    eventually(lambda: comparison_ready(page, spec_b.hash))
    assert "hidden_patrons.on: False -> True" in text(one(page, "cf-changes"))
    assert float(one(page, "cf-row-martial_law").attributes["data-diff"]) == pytest.approx(
        (after["martial_law"] - before["martial_law"]) / 1000
    )
    assert text(one(page, "ab-a-martial_law")) == f"{before['martial_law'] / 10:.1f} %"
    # The aligned timeline marks where the two stories part.
    timeline = raw_html(page, "timeline")
    parting = timeline.attributes["data-parting"]
    assert parting != "" and timeline.attributes["data-parting-side"] in ("A", "B")
    assert 'data-testid="parting"' in timeline.unsafe_innerHTML
    assert (
        f'data-testid="tl-{parting}" data-side="{timeline.attributes["data-parting-side"]}"'
        in timeline.unsafe_innerHTML
    )
    assert "mediated halt" in text(one(page, "lesson-numbers"))


def test_pinned_world_a_compares_two_changed_worlds(storm_page) -> None:
    rc = storm_page
    rc.find(vw.Checkbox, label="accurate_intelligence").widget.v_model = True
    _click(rc, "Pin these settings as world A")
    one(rc, "cf-none")  # B equals the pinned A
    assert "World A (pinned)" in text(one(rc, "hypotheses-on-a"))
    rc.find(vw.Slider, label="front.gap_cost (share)").widget.v_model = 0.9
    s = state.Settings.as_written("invasion_2022").with_intervention("accurate_intelligence", True)
    spec_b = state.build_spec(s.with_param("front.gap_cost", 0.9))
    eventually(lambda: comparison_ready(rc, spec_b.hash))
    changes = text(one(rc, "cf-changes"))
    assert "front.gap_cost" in changes and "accurate_intelligence" not in changes
    assert one(rc, "counterfactual").attributes["data-hash-a"] == state.build_spec(s).hash
    _click(rc, "Unpin (A = file as written)")
    eventually(lambda: "accurate_intelligence" in text(one(rc, "cf-changes")))


def test_replicate_adapts_to_the_scenario(storm_page) -> None:
    assert not by_testid(storm_page, "replicate-distance")
    assert not by_testid(storm_page, "series-panel-0")  # no distance to Moscow without a mutiny
    one(storm_page, "series-panel-1")


def test_step_next_event_jump_and_run_to_the_end(page) -> None:
    assert _step(page) == 0
    _click(page, "Step")
    assert _step(page) == 1
    _click(page, "Next event")
    assert "mutiny begins" in raw_html(page, "replicate-story").unsafe_innerHTML and _step(page) == 4
    field = page.find(vw.TextField, label="Jump to date, e.g. 2023-06-24 18:00").widget
    field.v_model = "2023-06-24 06:00"
    field.fire_event("focusout")
    _click(page, "Jump")
    assert "2023-06-24 06:00" in text(one(page, "replicate-time"))
    _click(page, "Run to the end")
    assert one(page, "replicate-time").attributes["data-finished"] == "1"
    told = sim.story(state.load_written("mutiny_2023"), seed=0, replicate=0)
    assert text(one(page, "replicate-outcome")) == f"finished: {told['outcome']}"
    one(page, "replicate-finished")
    assert page.find(vw.Btn, children=["▶ Play"]).widget.disabled
    _click(page, "Reset")
    assert _step(page) == 0


def test_jump_outside_the_span_is_refused_in_one_line(page) -> None:
    field = page.find(vw.TextField, label="Jump to date, e.g. 2023-06-24 18:00").widget
    field.v_model = "2031-01-01"
    field.fire_event("focusout")
    _click(page, "Jump")
    assert "date must be between" in text(one(page, "notice"))
    assert _step(page) == 0


def test_play_survives_a_switch_mid_play_and_stops_when_finished(page) -> None:
    page.find(vw.BtnToggle).widget.v_model = 2  # "fast"
    _click(page, "▶ Play")
    eventually(lambda: _step(page) >= 4)
    page.find(vw.Switch, label="hidden_patrons").widget.v_model = True
    # The new world's replicate starts over and play goes on there.
    spec_b = state.build_spec(
        state.Settings.as_written("mutiny_2023").with_hypothesis("hidden_patrons", True)
    )
    eventually(lambda: page.find(vw.Btn, children=["❚❚ Pause"]).widgets and _step(page) >= 4)
    assert numbers.has_mutiny(spec_b)
    eventually(lambda: one(page, "replicate-time").attributes["data-finished"] == "1", timeout=60)
    # Play stops by itself at the end (the label changes just after the last tick is drawn).
    eventually(lambda: bool(page.find(vw.Btn, children=["▶ Play"]).widgets))
    assert page.find(vw.Btn, children=["▶ Play"]).widget.disabled


def test_negative_or_huge_seed_and_replicate_are_refused(page) -> None:
    before = counts(page)
    seed = page.find(vw.TextField, label="Seed").widget
    for bad in ("-1", str(2**64), str(2**63), "1e9", "seven"):
        seed.v_model = bad
        seed.fire_event("focusout")
        assert "seed must be" in text(one(page, "notice")), bad
        assert "seed 0" in text(one(page, "dist-meta"))
    rep = page.find(vw.TextField, label="Replicate (0–999)").widget
    rep.v_model = "1000"
    rep.fire_event("focusout")
    assert "replicate must be from 0 to 999" in text(one(page, "notice"))
    assert "#0 of 1,000" in str(page.find(vw.CardTitle).widgets)
    seed.v_model = "7"
    seed.fire_event("focusout")
    assert "seed 7" in text(one(page, "dist-meta")) and counts(page) != before
    assert not by_testid(page, "notice")


def test_tampered_widget_values_are_refused(page) -> None:
    page.find(vw.Select, label="Scenario").widget.v_model = "/etc/passwd"
    note = text(one(page, "notice"))
    assert "not offered here" in note and "/etc" not in note
    assert one(page, "dist-meta").attributes["data-hash"] == state.load_written("mutiny_2023").hash
    page.find(vw.Select, label="Replicates in the ensemble").widget.v_model = 10**9
    assert "replicates must be one of" in text(one(page, "notice"))
    assert "1,000 replicates" in text(one(page, "dist-meta"))


def test_scenario_picker_swaps_sliders_and_interventions(page) -> None:
    page.find(vw.Select, label="Scenario").widget.v_model = "invasion_2022"
    assert "false_intelligence" in text(one(page, "hypotheses-on"))
    page.find(vw.Slider, label="front.actual_resistance (share)").assert_single()
    page.find(vw.Slider, label="wagner.speed_kmh (km/h)").assert_empty()
    page.find(vw.Checkbox, label="accurate_intelligence").assert_single()
    page.find(vw.Checkbox, label="no_mediation").assert_empty()
    assert one(page, "dist-meta").attributes["data-hash"] == state.load_written("invasion_2022").hash


def test_a_failing_view_shows_one_line_not_a_traceback(page, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire at /srv/secret/path.py")

    monkeypatch.setattr(numbers, "ensemble", boom)
    page.find(vw.Switch, label="nuclear_leak").widget.v_model = True
    shown = text(one(page, "page-error"))
    assert "RuntimeError" in shown and "/srv" not in shown and "Traceback" not in shown
    assert text(one(page, "banner")) == sim.BANNER  # the banner stays


def test_presentation_mode_folds_the_sidebar(page) -> None:
    page.find(vw.Switch, label="Presentation mode (large type)").widget.v_model = True
    page.find(vw.Btn, children=["Leave presentation mode"]).assert_single()
    assert not by_testid(page, "what-this-is")


def test_uncertain_guesses_show_a_band_beside_the_monte_carlo_interval(page) -> None:
    page.find(vw.Switch, label="Guessed parameters uncertain").widget.v_model = True
    note = text(one(page, "dist-note"))
    assert "guessed parameters" in note and "Monte Carlo" in note
    frame = numbers.uncertain_ensemble(state.load_written("mutiny_2023"), 0, 1000)
    band = numbers.parameter_band(frame).set_index("outcome")
    assert band.loc["regime_intact", "band_hi"] > band.loc["regime_intact", "band_lo"]
    assert "left:" in one(page, "band-regime_intact").style_
    assert frame["draw"].nunique() == numbers.DRAWS


def test_saved_files_carry_the_banner() -> None:
    import io

    import pandas as pd

    from storm_page import export

    spec = state.load_written("mutiny_2023")
    table = numbers.outcome_table(numbers.ensemble(spec, 0, 1000))
    assert export.distribution_png(table, spec, 0, 1000)[:8] == b"\x89PNG\r\n\x1a\n"
    saved = pd.read_csv(io.BytesIO(export.distribution_csv(table, spec, 0, 1000)))
    assert set(saved["banner"]) == {sim.BANNER} and saved["count"].sum() == 1000


def test_hypotheses_page_carries_the_banner() -> None:
    box, rc = solara.render(app.Layout(children=[app.HypothesesPage()]), handle_error=False)
    try:
        assert text(one(rc, "banner")) == sim.BANNER
    finally:
        rc.close()

"""'Given what history shows' on the classroom page: the posterior switch, the evidence, ``viz --posterior``.

Render-level (no browser) with a small real calibration (the session fixture
``tiny_posterior``); the calibration folder reaches the page only the way
``perfect-storm viz --posterior DIR`` passes it, through the server's environment.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

solara = pytest.importorskip("solara")  # the viz extra

import ipyvuetify as vw  # noqa: E402
from conftest import run_cli  # noqa: E402
from page_support import by_testid, counts, one, text  # noqa: E402

import sim  # noqa: E402
from sim import calibration  # noqa: E402
from storm_cli import viz_cmds  # noqa: E402
from storm_page import app, components, history, inputs, numbers, server, state  # noqa: E402

HOW = ("perfect-storm calibrate --out results/calibrate", "viz --posterior results/calibrate")


def _render(monkeypatch: pytest.MonkeyPatch, posterior: Path | None, component=app.Page):
    monkeypatch.delenv(inputs.ENV_SCENARIO, raising=False)
    monkeypatch.delenv(inputs.ENV_SEED, raising=False)
    if posterior is None:
        monkeypatch.delenv(inputs.ENV_POSTERIOR, raising=False)
    else:
        monkeypatch.setenv(inputs.ENV_POSTERIOR, str(posterior))
    components.NOTICE.set("")
    return solara.render(app.Layout(children=[component()]), handle_error=False)[1]


@pytest.fixture
def plain_page(monkeypatch: pytest.MonkeyPatch):
    rc = _render(monkeypatch, None)
    yield rc
    rc.close()


@pytest.fixture
def history_page(monkeypatch: pytest.MonkeyPatch, tiny_posterior: Path):
    rc = _render(monkeypatch, tiny_posterior)
    yield rc
    rc.close()


def _switch(rc):
    return rc.find(vw.Switch, label="Given what history shows").widget


def _posterior_frame(posterior: Path, runs: int = 1000, seed: int = 0):
    """The posterior ensemble as a scenario file with ``[uncertain] posterior`` would run it."""
    spec = state.load_written("mutiny_2023").with_uncertain(None, history.PER_DRAW)
    spec.uncertain["posterior"] = str(posterior)
    return sim.simulate(spec, runs=runs, seed=seed)


# --- without a calibration ---------------------------------------------------------


def test_without_a_calibration_the_switch_is_off_and_says_how_to_make_one(plain_page) -> None:
    assert _switch(plain_page).disabled
    how = text(one(plain_page, "posterior-how"))
    assert all(h in how for h in HOW) and "\n" not in how
    # A tampered widget message cannot turn it on: one line, and the distribution is the plain one.
    before = counts(plain_page)
    _switch(plain_page).v_model = True
    assert "perfect-storm calibrate" in text(one(plain_page, "notice"))
    assert one(plain_page, "distribution").attributes["data-posterior"] == "0"
    assert counts(plain_page) == before


def test_a_link_asking_for_the_posterior_without_one_keeps_the_rest(monkeypatch) -> None:
    monkeypatch.delenv(inputs.ENV_POSTERIOR, raising=False)
    page, message = state.from_query("scenario=mutiny_2023&seed=5&posterior=1")
    assert page.world.seed == 5 and not page.posterior
    assert message and "given what history shows" in message and HOW[0] in message


def test_without_a_calibration_the_hypotheses_page_says_how_to_get_evidence(monkeypatch) -> None:
    rc = _render(monkeypatch, None, app.HypothesesPage)
    try:
        how = text(one(rc, "evidence-how"))
        assert all(h in how for h in HOW)
        assert not by_testid(rc, "evidence-table")
    finally:
        rc.close()


# --- given what history shows --------------------------------------------------------


def test_given_what_history_shows_draws_from_the_posterior_with_its_band(
    history_page, tiny_posterior: Path
) -> None:
    rc = history_page
    assert not _switch(rc).disabled
    assert "calibrated on mutiny_2023" in text(one(rc, "posterior-from"))
    plain = counts(rc)
    _switch(rc).v_model = True
    assert one(rc, "distribution").attributes["data-posterior"] == "1"
    df = _posterior_frame(tiny_posterior)
    want = df["outcome"].value_counts().reindex(list(sim.OUTCOMES), fill_value=0).to_dict()
    assert counts(rc) == want and want != plain
    # Per replicate, identity kept: replicate i's switches are the posterior particle of draw i // 25.
    draws, weights, _ = calibration.load_posterior(tiny_posterior)
    ids = df["replicate"].to_numpy() // history.PER_DRAW
    _, worlds = calibration.posterior_worlds(draws, weights, 0, ids)
    for hid in sim.HYPOTHESIS_IDS:
        key = f"hypotheses.{hid}.on"
        assert np.array_equal(df[key].to_numpy(dtype=bool), worlds[key].astype(bool)), key
    # The across-draw band beside the Monte Carlo interval, and what it is conditional on.
    band = numbers.parameter_band(df).set_index("outcome")
    assert band.loc["regime_intact", "draws"] == 1000 // history.PER_DRAW
    assert band.loc["regime_intact", "band_hi"] > band.loc["regime_intact", "band_lo"]
    assert f"left:{band.loc['regime_intact', 'band_lo'] * 100:.2f}%" in one(rc, "band-regime_intact").style_
    note = text(one(rc, "dist-note"))
    assert "posterior draw" in note and "Monte Carlo" in note
    sentence = text(one(rc, "posterior-conditional"))
    assert sentence.count(". ") == 0 and sentence.endswith(".")  # one sentence
    for words in ("conditional on this model's mechanisms", "these priors", "7 patterns", "mutiny_halt"):
        assert words in sentence, words
    assert str(tiny_posterior.parent) not in sentence  # never a server path
    assert "given what history shows" in text(one(rc, "hypotheses-on-a"))


def test_under_the_posterior_the_switches_are_drawn_but_interventions_count(history_page) -> None:
    rc = history_page
    _switch(rc).v_model = True
    drawn = counts(rc)
    rc.find(vw.Switch, label="hidden_patrons").widget.v_model = True
    assert counts(rc) == drawn  # the posterior draws every switch: the sidebar's is replaced
    assert "Every hypothesis switch" in text(one(rc, "posterior-drawn"))
    rc.find(vw.Checkbox, label="no_mediation").widget.v_model = True
    assert counts(rc) != drawn  # an intervention is not calibrated: it still changes the world
    # The guesses switch and the posterior exclude each other.
    rc.find(vw.Switch, label="Guessed parameters uncertain").widget.v_model = True
    assert one(rc, "distribution").attributes["data-posterior"] == "0"
    assert not _switch(rc).v_model


def test_the_posterior_switch_is_part_of_the_url(monkeypatch, tiny_posterior: Path) -> None:
    monkeypatch.setenv(inputs.ENV_POSTERIOR, str(tiny_posterior))
    page = state.PageState(state.Settings.as_written("mutiny_2023", seed=3), posterior=True)
    query = state.to_query(page)
    assert "posterior=1" in query
    assert str(tiny_posterior) not in query  # the folder is the server's, never in a link
    # A link cannot name a folder: anything but "1" is no posterior.
    tampered, _ = state.from_query(f"scenario=mutiny_2023&posterior={tiny_posterior.parent}")
    assert not tampered.posterior
    back, message = state.from_query(query)
    assert message is None and back == page
    both, _ = state.from_query(query + "&uncertain=1")
    assert both.posterior and not both.uncertain


def test_a_posterior_csv_says_what_it_is_conditional_on(tiny_posterior: Path) -> None:
    import io

    import pandas as pd

    from storm_page import export

    cal = history.check(tiny_posterior)
    spec = history.posterior_spec(state.load_written("mutiny_2023"), cal)
    table = numbers.outcome_table(_posterior_frame(tiny_posterior))
    saved = pd.read_csv(io.BytesIO(export.distribution_csv(table, spec, 0, 1000, "given what history shows")))
    assert set(saved["banner"]) == {sim.BANNER} and set(saved["given"]) == {"given what history shows"}


# --- the evidence -------------------------------------------------------------------------


def test_hypotheses_page_shows_each_hypothesis_evidence(monkeypatch, tiny_posterior: Path) -> None:
    rc = _render(monkeypatch, tiny_posterior, app.HypothesesPage)
    try:
        table = calibration.evidence(tiny_posterior)
        assert "conditional on this model's mechanisms" in text(one(rc, "evidence-heading"))
        assert str(tiny_posterior.parent) not in text(one(rc, "evidence-heading"))
        for r in table.itertuples():
            h = r.hypothesis
            assert text(one(rc, f"evidence-prior-{h}")) == "0.50"
            assert text(one(rc, f"evidence-posterior-{h}")) == (
                f"{r.posterior_p_on:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]"
            )
            assert text(one(rc, f"evidence-bf-{h}")) == f"{r.bf_bound}{r.bayes_factor:.3g}"
            assert text(one(rc, f"evidence-moved-{h}")).startswith(r.moved_most_by)
            assert one(rc, f"evidence-{h}").attributes["data-given"] == r.conditional_on
        assert len(table) == len(sim.HYPOTHESIS_IDS)
        assert text(one(rc, "banner")) == sim.BANNER
    finally:
        rc.close()


# --- viz --posterior: checked on the server, before it serves --------------------------------


def _copy(src: Path, dst: Path, **manifest_changes: object) -> Path:
    shutil.copytree(src, dst)
    m = json.loads((dst / "manifest.json").read_text())
    m.update(manifest_changes)
    (dst / "manifest.json").write_text(json.dumps(m))
    return dst


def _refused(args: list[str], capsys) -> str:
    code, out, err = run_cli(["viz", "mutiny_2023", "--no-browser", *args], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and err.startswith("Error: --posterior: ")
    return err


def test_viz_posterior_missing_folder(tmp_path: Path, capsys) -> None:
    err = _refused(["--posterior", str(tmp_path / "nowhere")], capsys)
    assert "no such directory" in err and "perfect-storm calibrate --out" in err


def test_viz_posterior_not_a_calibration(tmp_path: Path, capsys) -> None:
    err = _refused(["--posterior", str(tmp_path)], capsys)
    assert "not a calibration folder" in err
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "batch", "banner": sim.BANNER}))
    assert "not a calibration" in _refused(["--posterior", str(tmp_path)], capsys)


def test_viz_posterior_of_another_engine_or_unfinished(tmp_path: Path, tiny_posterior: Path, capsys) -> None:
    old = _copy(tiny_posterior, tmp_path / "old", engine="0123456789abcdef")
    assert "another engine version" in _refused(["--posterior", str(old)], capsys)
    half = _copy(tiny_posterior, tmp_path / "half", complete=False)
    assert "not complete" in _refused(["--posterior", str(half)], capsys)


def test_viz_passes_a_good_calibration_to_the_server_only(
    tiny_posterior: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    served: dict = {}
    monkeypatch.setattr(server, "check_port", lambda host, port: None)
    monkeypatch.setattr(server, "serve", lambda **kw: served.update(kw))
    code, out, err = run_cli(
        ["viz", "mutiny_2023", "--no-browser", "--posterior", str(tiny_posterior)], capsys
    )
    assert code == 0, err
    assert served["posterior"] == str(tiny_posterior.resolve())
    assert server.offline_env(posterior=served["posterior"])[inputs.ENV_POSTERIOR] == served["posterior"]
    assert viz_cmds.POSTERIOR_HINT.endswith("perfect-storm calibrate --out results/calibrate")

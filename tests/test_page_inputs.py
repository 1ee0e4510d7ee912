"""The page trusts no input (issue 11): every value the browser can send is checked on the server.

No server or browser is started: these call the functions the page's handlers
call, and the ``viz`` command through its real entry point.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("solara")  # the viz extra

from conftest import ROOT, run_cli  # noqa: E402

from storm_cli import viz_cmds  # noqa: E402
from storm_page import inputs, server, state  # noqa: E402
from storm_page.inputs import PageInputError  # noqa: E402
from storm_page.player import Player, parse_when  # noqa: E402


def _one_line(err: pytest.ExceptionInfo[PageInputError]) -> str:
    msg = str(err.value)
    assert "\n" not in msg and "Traceback" not in msg
    assert str(ROOT) not in msg and "/work" not in msg  # never a server path
    return msg


@pytest.mark.parametrize("bad", [2**64, 2**63, -1, "-5", "1e9", "seven", 1.5, True, None, "9" * 400])
def test_seed_is_bounded(bad: object) -> None:
    with pytest.raises(PageInputError) as err:
        inputs.parse_seed(bad)
    assert _one_line(err).startswith("seed must be")


def test_seed_limits_themselves_are_accepted() -> None:
    assert inputs.parse_seed("0") == 0
    assert inputs.parse_seed(str(inputs.MAX_SEED)) == inputs.MAX_SEED == 2**53 - 1


@pytest.mark.parametrize("bad", [2**63, 2**64, 1000, -1, "1000", "x"])
def test_replicate_must_be_inside_the_ensemble(bad: object) -> None:
    with pytest.raises(PageInputError) as err:
        inputs.parse_replicate(bad, runs=1000)
    assert "replicate must be" in _one_line(err)
    assert inputs.parse_replicate("999", runs=1000) == 999


@pytest.mark.parametrize("bad", [999, 10**9, 2**63, "lots", 0, -1000, 1000.5])
def test_runs_only_from_the_menu(bad: object) -> None:
    with pytest.raises(PageInputError) as err:
        inputs.parse_runs(bad)
    assert "replicates must be one of" in _one_line(err)
    assert [inputs.parse_runs(str(r)) for r in inputs.RUN_CHOICES] == list(inputs.RUN_CHOICES)


@pytest.mark.parametrize(
    "bad",
    [
        "/etc/passwd",
        "../scenarios/mutiny_2023",
        "scenarios/mutiny_2023.toml",
        str(ROOT / "pyproject.toml"),
        "",
        7,
        None,
    ],
)
def test_scenario_comes_only_from_the_catalogue(bad: object) -> None:
    with pytest.raises(PageInputError) as err:
        inputs.scenario_path(bad)
    msg = _one_line(err)
    assert "not offered here" in msg and "mutiny_2023" in msg


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_in_the_scenario_folder_is_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / "scenarios" / "mutiny_2023.toml", tmp_path / "my_mutiny.toml")
    os.mkfifo(tmp_path / "pipe.toml")
    monkeypatch.setenv(inputs.ENV_SCENARIO_DIR, str(tmp_path))
    names = inputs.scenario_names()
    assert "my_mutiny" in names and "pipe" not in names  # a pipe would hang a server thread
    assert state.load_written("my_mutiny").title == state.load_written("mutiny_2023").title
    with pytest.raises(PageInputError):
        inputs.scenario_path("pipe")


def test_parameters_stay_in_their_declared_range() -> None:
    s = state.Settings.as_written("mutiny_2023")
    for bad in (float("nan"), float("inf"), -1.0, 1e9, "50", True):
        with pytest.raises(PageInputError) as err:
            s.with_param("wagner.speed_kmh", bad)
        assert "wagner.speed_kmh" in _one_line(err)
    with pytest.raises(PageInputError):
        s.with_param("time.start", 1.0)
    with pytest.raises(PageInputError):
        s.with_hypothesis("no_such_hypothesis", True)
    with pytest.raises(PageInputError):
        s.with_intervention("no_such_intervention", True)


def test_tampered_urls_fall_back_to_the_defaults_with_one_line() -> None:
    for query in (
        "scenario=/etc/passwd",
        "scenario=mutiny_2023&seed=18446744073709551616",
        "scenario=mutiny_2023&seed=-1",
        "scenario=mutiny_2023&rep=9223372036854775808",
        "scenario=mutiny_2023&runs=999999999",
        "scenario=mutiny_2023&p.wagner.speed_kmh=1e308",
        "scenario=mutiny_2023&on=hidden_patrons,../../x",
        "scenario=mutiny_2023&iv=rm_-rf",
        "scenario=" + "x" * 5000,
    ):
        page, message = state.from_query(query)
        assert page == state.default_page(), query
        assert message and "\n" not in message and "/work" not in message, query


def test_url_round_trip_restores_every_setting() -> None:
    s = (
        state.Settings.as_written("mutiny_2023", seed=12345, runs=2000, replicate=77)
        .with_hypothesis("hidden_patrons", True)
        .with_intervention("no_mediation", True)
        .with_param("wagner.speed_kmh", 61.0)
    )
    page = (
        state.PageState(s, present=True).pin().with_world(s.with_hypothesis("leader_gated_mediation", False))
    )
    query = state.to_query(page)
    back, message = state.from_query(query)
    assert message is None and back == page
    assert "/" not in query.split("scenario=")[1].split("&")[0]  # names only, never paths


def test_jump_dates_are_checked() -> None:
    player = Player(state.load_written("mutiny_2023"), replicate=0, seed=0)
    for bad in ("tomorrow", "2023-13-40", "", "2023-06-24 25:00"):
        with pytest.raises(PageInputError):
            parse_when(bad)
    with pytest.raises(PageInputError) as err:
        player.jump_to(parse_when("1999-01-01"))
    assert "date must be between" in _one_line(err)
    assert player.jump_to(parse_when("2023-06-24")).time == "2023-06-24 00:00"


def test_server_runs_in_production_without_the_solara_badge() -> None:
    env = server.offline_env("mutiny_2023", 3)
    assert env["SOLARA_MODE"] == "production"  # no tracebacks with server paths in the browser
    assert env["SOLARA_THEME_SHOW_BANNER"] == "False"  # the badge covered the page's corner
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


# --- the viz command ------------------------------------------------------------------


def test_viz_without_the_page_packages_says_what_to_run(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(viz_cmds, "missing_viz_package", lambda: "solara")
    code, out, err = run_cli(["viz", "mutiny_2023", "--no-browser"], capsys)
    assert code == 1
    assert err.count("\n") == 1 and "pip install -e '.[viz]'" in err and "Traceback" not in err


def test_viz_refuses_a_seed_the_page_cannot_keep(capsys) -> None:
    code, out, err = run_cli(["viz", "mutiny_2023", "--no-browser", "--seed", str(2**60)], capsys)
    assert code == 2 and err.count("\n") == 1 and "--seed" in err


def test_viz_unknown_scenario_is_a_one_line_usage_error(capsys) -> None:
    code, out, err = run_cli(["viz", "no_such_scenario", "--no-browser"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "mutiny_2023" in err and "Traceback" not in err


def test_viz_port_in_use_is_a_one_line_error(capsys) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, out, err = run_cli(["viz", "--no-browser", "--port", str(port)], capsys)
    assert code == 1
    assert err.count("\n") == 1 and "--port" in err and "in use" in err

"""Bounded, one-line handling of hostile or odd scenario input (issue 11: inputs that gave a
traceback or a hang), and the scenario identity (the hash covers seconds)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from conftest import load, run_cli

import sim
from sim import catalog, clock
from sim.errors import ScenarioError, UsageError
from sim.scenario import MAX_EXTENDS
from sim.scenario_io import MAX_FILE_BYTES, MAX_NESTING

HEAD = 'title = "t"\n[time]\nstart = 2023-06-23T18:00:00\nend = 2023-06-25T18:00:00\n'
TIME = "[time]\nstart = 2023-06-23T18:00:00\nend = 2023-06-25T18:00:00\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(args: list[str], capsys: pytest.CaptureFixture[str], status: int) -> str:
    code, out, err = run_cli(args, capsys)
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == status, (code, err)
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "Traceback" not in out + err
    return lines[0]


# --- identity -----------------------------------------------------------------------


def test_hash_covers_seconds(tmp_path: Path) -> None:
    a = sim.load_scenario(write(tmp_path / "a.toml", HEAD))
    b = sim.load_scenario(
        write(tmp_path / "b.toml", HEAD.replace("end = 2023-06-25T18:00:00", "end = 2023-06-25T18:00:59"))
    )
    assert a.hash != b.hash
    assert b.to_dict()["time"]["end"] == "2023-06-25T18:00:59"
    shock = '[[shocks]]\ntype = "mutiny"\nat = 2023-06-23T21:00:{s}\n'
    c = sim.load_scenario(write(tmp_path / "c.toml", HEAD + shock.format(s="00")))
    d = sim.load_scenario(write(tmp_path / "d.toml", HEAD + shock.format(s="01")))
    assert c.hash != d.hash


def test_sub_second_times_are_refused_alike_in_show_and_run(tmp_path: Path, capsys) -> None:
    path = write(
        tmp_path / "us.toml", HEAD.replace("end = 2023-06-25T18:00:00", "end = 2023-06-23T18:00:00.000001")
    )
    for command in ("show", "run"):
        line = one_line_error([command, str(path)], capsys, 1)
        assert "us.toml" in line and "time.end" in line and "whole seconds" in line
    with pytest.raises(UsageError, match=r"time\.end: give whole seconds"):
        load("mutiny_2023").with_overrides({"time.end": "2023-06-23T18:00:00.000001"})


def test_a_one_second_span_runs(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", HEAD.replace("end = 2023-06-25T18:00:00", "end = 2023-06-23T18:00:01"))
    df = sim.simulate(path, runs=5, seed=0)
    assert len(df) == 5 and df.outcome.notna().all()


# --- sizes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_table", "steps"),
    [
        ("start = 0001-01-01T00:00:00\nend = 9999-12-31T00:00:00\n", "3,652,0"),
        ("start = 2000-01-01T00:00:00\nend = 2100-01-01T00:00:00\nstep_hours = 0.25\n", "3,506,"),
    ],
)
def test_step_count_is_limited(tmp_path: Path, capsys, time_table: str, steps: str) -> None:
    path = write(tmp_path / "long.toml", f'title = "t"\n[time]\n{time_table}')
    line = one_line_error(["show", str(path)], capsys, 1)
    assert "long.toml" in line and steps in line and f"limit of {clock.MAX_STEPS:,}" in line
    with pytest.raises(ScenarioError, match="exceed the limit"):
        sim.load_scenario(path)


def test_step_limit_holds_for_overrides_and_scenarios_built_by_hand() -> None:
    spec = load("mutiny_2023")
    with pytest.raises(UsageError, match=r"time: about [\d,]+ steps .* exceed the limit"):
        spec.with_overrides({"time.end": "2400-01-01T00:00:00"})
    spec.end = spec.end.replace(year=2400)  # around the loader's checks
    with pytest.raises(ScenarioError, match="exceed the limit"):
        clock.Clock(spec)


def test_estimate_bounds_the_real_step_count() -> None:
    for path in catalog.scenario_files():
        spec = sim.load_scenario(path)
        real, estimate = clock.Clock(spec).n_steps, clock.estimate_steps(spec)
        assert real <= estimate <= real + 2 + 2 * len(spec.shocks), (path.stem, real, estimate)


def test_extends_chain_is_limited(tmp_path: Path, capsys) -> None:
    write(tmp_path / "s0.toml", HEAD)
    for i in range(1, 2000):
        write(tmp_path / f"s{i}.toml", f'extends = "s{i - 1}.toml"\n')
    line = one_line_error(["show", str(tmp_path / "s1999.toml")], capsys, 1)
    assert f"at most {MAX_EXTENDS}" in line and "extends" in line
    assert sim.load_scenario(tmp_path / f"s{MAX_EXTENDS - 1}.toml").title == "t"


@pytest.mark.parametrize("depth", [3000, 5000])
@pytest.mark.parametrize("shape", ["a = {0}1{1}\n", "[wagner]\nspeed_kmh = {0}1{1}\n"])
def test_deep_toml_nesting_is_refused(tmp_path: Path, capsys, depth: int, shape: str) -> None:
    text = HEAD + shape.format("[" * depth, "]" * depth)
    line = one_line_error(["show", str(write(tmp_path / "deep.toml", text))], capsys, 1)
    assert "deep.toml" in line and "nested too deeply" in line
    inline = "x = " + "{a = " * depth + "1" + "}" * depth + "\n" + HEAD
    line = one_line_error(["run", str(write(tmp_path / "inline.toml", inline))], capsys, 1)
    assert "nested too deeply" in line
    moderate = "x = " + "[" * (MAX_NESTING + 2) + "]" * (MAX_NESTING + 2) + "\n" + HEAD
    with pytest.raises(ScenarioError, match=f"at most {MAX_NESTING} levels"):
        sim.load_scenario(write(tmp_path / "moderate.toml", moderate))


def test_a_huge_file_is_refused_before_reading(tmp_path: Path, capsys) -> None:
    path = tmp_path / "huge.toml"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    line = one_line_error(["show", str(path)], capsys, 1)
    assert "huge.toml" in line and f"{MAX_FILE_BYTES:,}" in line


def test_a_long_extends_name_is_one_line(tmp_path: Path, capsys) -> None:
    for n in (300, 5000):
        path = write(tmp_path / f"long{n}.toml", f'extends = "{"x" * n}"\ntitle = "t"\n')
        line = one_line_error(["show", str(path)], capsys, 1)
        assert f"long{n}.toml" in line and "extends" in line
        assert len(line) < 800, "the name is shortened in the message"
    nul = write(tmp_path / "nul.toml", 'extends = "a\\u0000b"\ntitle = "t"\n')
    assert "control character" in one_line_error(["show", str(nul)], capsys, 1)


def test_a_long_scenario_argument_is_a_usage_error(capsys) -> None:
    line = one_line_error(["show", "y" * 5000], capsys, 2)
    assert len(line) < 800


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_a_named_pipe_is_refused_without_hanging(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    done: dict[str, object] = {}

    def attempt() -> None:
        try:
            done["line"] = one_line_error(["show", str(fifo)], capsys, 2)
            with pytest.raises(ScenarioError, match="not a regular file"):
                sim.load_scenario(fifo)
            child = write(tmp_path / "child.toml", 'extends = "pipe.toml"\ntitle = "c"\n')
            with pytest.raises(
                ScenarioError, match=r"child\.toml: extends: .*pipe\.toml' is not a regular file"
            ):
                sim.load_scenario(child)
            done["ok"] = True
        except BaseException as err:  # noqa: BLE001 - reported by the main thread
            done["error"] = err

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # unblock the reader so the test process can exit
        with open(fifo, "w") as fh:  # noqa: PTH123
            fh.write("")
        pytest.fail("reading a named pipe blocked")
    assert "error" not in done, done.get("error")
    assert done.get("ok") and "not a regular file" in str(done["line"])


# --- types and text -----------------------------------------------------------------


@pytest.mark.parametrize("value", ['["mutiny"]', "3", "{a = 1}", "true"])
def test_a_shock_type_that_is_not_a_name(tmp_path: Path, capsys, value: str) -> None:
    path = write(tmp_path / "t.toml", HEAD + f"[[shocks]]\ntype = {value}\nat = 2023-06-23T21:00:00\n")
    line = one_line_error(["show", str(path)], capsys, 1)
    assert "t.toml" in line and "shocks[0].type" in line and "mutiny" in line


@pytest.mark.parametrize("key", ["title", "question", "description"])
@pytest.mark.parametrize("char", ["\\u001b[2J", "\\u0007", "\\u009b", "\\u202e", "\\r"])
def test_control_characters_in_text_keys(tmp_path: Path, capsys, key: str, char: str) -> None:
    text = ('title = "ok"\n' if key != "title" else "") + f'{key} = "a{char}b"\n' + TIME
    path = write(tmp_path / "esc.toml", text)
    line = one_line_error(["show", str(path)], capsys, 1)
    assert "esc.toml" in line and f"{key}:" in line and "control character" in line
    assert "\x1b" not in line


def test_control_characters_in_shock_labels(tmp_path: Path) -> None:
    text = HEAD + '[[shocks]]\ntype = "mutiny"\nat = 2023-06-23T21:00:00\nlabel = "x\\u001b]0;pwned\\u0007"\n'
    with pytest.raises(ScenarioError, match=r"shocks\[0\]\.label: contains the control character U\+001B"):
        sim.load_scenario(write(tmp_path / "label.toml", text))
    with pytest.raises(UsageError, match=r"shocks\.mutiny\.label: contains the control character"):
        load("mutiny_2023").with_overrides({"shocks.mutiny.label": "\x1b[31mred"})


def test_newlines_and_tabs_stay_allowed_in_descriptions(tmp_path: Path) -> None:
    text = 'title = "t"\ndescription = """\nline one\n\tline two\n"""\n' + TIME
    assert sim.load_scenario(write(tmp_path / "d.toml", text)).description == "line one\n\tline two\n"


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """Editors on Windows write a UTF-8 BOM: accepted and dropped; other BOMs are named."""
    plain = sim.load_scenario(write(tmp_path / "plain.toml", HEAD))
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + HEAD.encode())
    assert sim.load_scenario(path).hash == plain.hash
    path.write_bytes(HEAD.encode("utf-16"))
    with pytest.raises(ScenarioError, match="bom.toml: starts with a UTF-16 byte-order mark"):
        sim.load_scenario(path)


# --- options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["batch", "mutiny_2023", "--runs", "10", "--out", ""],
        ["batch", "mutiny_2023", "--runs", "10", "--out", "  "],
        ["compare", "mutiny_2023", "--intervene", "no_mediation", "--runs", "10", "--out", ""],
        ["sweep", "mutiny_2023", "--param", "wagner.speed_kmh=30:60", "--out", ""],
        ["attribute", "mutiny_2023", "--outcome", "martial_law", "--out", ""],
        ["plot", ".", "--out", ""],
        ["experiment", "e.toml", "--out", ""],
        ["replay", "manifest.json", "--out", ""],
    ],
    ids=lambda a: a[0] + ("-blank" if a[-1] == "  " else ""),
)
def test_an_empty_out_is_refused(args: list[str], capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    line = one_line_error(args, capsys, 2)
    assert "--out" in line and "empty path" in line
    assert list(tmp_path.iterdir()) == [], "nothing written into the current directory"


def test_set_with_a_key_longer_than_a_hypothesis_key(capsys) -> None:
    with pytest.raises(UsageError, match=r"unknown key 'hypotheses\.hidden_patrons\.on\.x'"):
        load("mutiny_2023").with_overrides({"hypotheses.hidden_patrons.on.x": True})
    line = one_line_error(["show", "mutiny_2023", "--set", "hypotheses.hidden_patrons.on.x=true"], capsys, 2)
    assert (
        "--set" in line
        and "hypotheses.hidden_patrons.on.x" in line
        and "hypotheses.hidden_patrons.on" in line
    )


def test_plot_and_load_batch_agree_on_a_directory_that_is_not_a_result(tmp_path: Path, capsys) -> None:
    from sim import batch

    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError):
        batch.load_batch(tmp_path / "empty")
    line = one_line_error(["plot", str(tmp_path / "empty"), "--out", str(tmp_path / "figs")], capsys, 2)
    assert "no manifest.json" in line
    assert not (tmp_path / "figs").exists()

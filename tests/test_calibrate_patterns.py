"""History as data: the patterns file, its figures, and its bad-input errors (no simulation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration import PatternError, load_patterns
from sim.calibration.figures import engine_columns
from sim.calibration.simulators import ToySimulator
from tests.conftest import ROOT, run_cli

HEADER = 'observed = "o"\nwhen = 2023-01-01\nsource = "s"\n'


def write(tmp_path: Path, body: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_patterns_load_with_sources_and_figures() -> None:
    ps = load_patterns(ROOT / "history" / "patterns.toml")
    assert ps.names == [
        "mutiny_halt",
        "mutiny_closest_km",
        "mutiny_hours",
        "kyiv_withdrawal",
        "no_security_defection",
        "no_regime_fall",
        "mutiny_leader_death",
    ]
    for p in ps.patterns:
        assert p.observed and p.source and p.when.year in (2022, 2023, 2024, 2025)
        assert all(c in engine_columns() for c in p.fig.columns)


def test_base_rates_are_not_patterns() -> None:
    text = (ROOT / "history" / "patterns.toml").read_text(encoding="utf-8")
    body = text.split("[patterns.", 1)[1]
    assert "Powell" not in body and "Svolik" not in body


def frame() -> pd.DataFrame:
    t = pd.to_datetime(["2022-04-02", "2022-05-01", None, "2022-03-01"])
    return pd.DataFrame(
        {
            "replicate": np.arange(4),
            "outcome": ["regime_intact", "palace_coup", "regime_intact", "regime_weakened"],
            "end_time": pd.to_datetime(["2025-12-31", "2024-01-01", "2025-12-31", "2025-12-31"]),
            "mutiny_end": ["mediated_halt", "suppressed", "none", "mediated_halt"],
            "closest_km_to_moscow": [200.0, 300.0, np.nan, 150.0],
            "kyiv_withdrawal_time": t,
        }
    )


def test_discrepancies_of_each_test(tmp_path: Path) -> None:
    body = f"""
[patterns.halt]
{HEADER}figure = "mutiny_end"
equals = "mediated_halt"
[patterns.km]
{HEADER}figure = "closest_km_to_moscow"
near = 200
scale = 50
[patterns.kyiv]
{HEADER}figure = "kyiv_withdrawal_time"
between = [2022-03-20, 2022-04-10]
[patterns.kyiv_graded]
{HEADER}figure = "kyiv_withdrawal_time"
between = [2022-03-20, 2022-04-10]
scale = 10
[patterns.no_fall]
{HEADER}figure = "regime_fall_time"
outside = [2022-02-01, 2025-06-30]
"""
    ps = load_patterns(write(tmp_path, body))
    df = frame()
    got = {p.name: p.discrepancy(df) for p in ps.patterns}
    np.testing.assert_array_equal(got["halt"], [0, 1, 1, 0])
    np.testing.assert_allclose(got["km"], [0, 2, 3, 1])  # a missing value counts 3 scales
    np.testing.assert_array_equal(got["kyiv"], [0, 1, 1, 1])
    np.testing.assert_allclose(got["kyiv_graded"], [0, 2.1, 3, 1.9])
    np.testing.assert_array_equal(got["no_fall"], [0, 1, 0, 0])  # the coup of 2024 falls inside


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("", "patterns: no patterns"),
        ('title = "t"\n', "patterns: no patterns"),
        (
            f'[patterns.a]\n{HEADER}figure = "closest_km"\nnear = 1\nscale = 1\n',
            "patterns.a.figure: unknown figure",
        ),
        (f'[patterns.a]\n{HEADER}figure = "mutiny_end"\nequals = "won"\n', "patterns.a.equals"),
        (
            f'[patterns.a]\n{HEADER}figure = "mutiny_end"\nequals = "none"\ncolour = 1\n',
            "patterns.a.colour: unknown key",
        ),
        (f'[patterns.a]\n{HEADER}figure = "mutiny_end"\n', "patterns.a: give exactly one test"),
        (f'[patterns.a]\n{HEADER}figure = "mutiny_hours"\nnear = 24\n', "patterns.a.scale: required"),
        (
            f'[patterns.a]\n{HEADER}figure = "mutiny_hours"\nbetween = [30, 20]\n',
            "patterns.a.between: LOW 30 is after HIGH 20",
        ),
        (
            '[patterns.a]\nwhen = 2023-01-01\nsource = "s"\nfigure = "leaks"\nnear = 1\nscale = 1\n',
            "patterns.a.observed",
        ),
        (
            f'[patterns.a]\n{HEADER}figure = "mutiny_end"\nequals = "suppressed"\n'
            f'[patterns.b]\n{HEADER}figure = "mutiny_end"\none_of = ["none", "mediated_halt"]\n',
            "patterns.a and patterns.b contradict each other",
        ),
        (
            f'[patterns.a]\n{HEADER}figure = "mutiny_leader_death_time"\nbetween = [2023-07-01, 2023-08-01]\n'
            f'[patterns.b]\n{HEADER}figure = "mutiny_leader_death_time"\noutside = [2023-06-01, 2023-09-01]\n',
            "patterns.a and patterns.b contradict each other",
        ),
        ("[patterns\n", "not valid TOML"),
    ],
)
def test_bad_pattern_files_name_file_and_key(tmp_path: Path, body: str, needle: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(PatternError) as err:
        load_patterns(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and needle in msg and "\n" not in msg


def test_a_figure_the_simulator_does_not_give_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'[patterns.a]\n{HEADER}figure = "mutiny_leader_death_time"\nbetween = [2023-06-24, 2023-09-24]\n',
    )
    load_patterns(path)  # the engine gives it
    with pytest.raises(
        PatternError, match=r"patterns\.a\.figure: 'mutiny_leader_death_time' needs the result"
    ):
        load_patterns(path, ToySimulator().columns)


def test_cli_bad_patterns_file_is_one_line_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, f'[patterns.a]\n{HEADER}figure = "no_such_figure"\nnear = 1\nscale = 1\n')
    code, out, err = run_cli(["calibrate", "--patterns", str(path), "--out", str(tmp_path / "c")], capsys)
    assert code == 1 and "Traceback" not in err
    assert err.strip().count("\n") == 0 and "patterns.a.figure: unknown figure" in err


def test_cli_simulations_below_one_generation_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["calibrate", "--simulations", "500", "--out", str(tmp_path / "c")], capsys)
    assert code == 2 and err.strip().count("\n") == 0
    assert "--simulations: 500 is below one generation (1,000 simulations" in err
    assert not (tmp_path / "c").exists()


def test_cli_evidence_on_a_folder_that_is_not_a_calibration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["evidence", str(tmp_path)], capsys)
    assert code == 2 and "CALIB_DIR: " in err and "not a calibration folder" in err

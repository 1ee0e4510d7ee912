"""Bands by outcome and trajectory export from a batch directory, uncertain batches included.

SPECULATIVE SCENARIO — NOT A FORECAST: these check the tools, not the world.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim import resultdir as rd
from sim import series as ser
from sim.banner import BANNER
from sim.plots.data import MAX_TRAJECTORY_ROWS, check_sample
from sim.plots.source import resolve
from storm_cli import cli


@pytest.fixture(scope="module")
def uncertain_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ub") / "batch"
    args = ["batch", "mutiny_hidden_patrons", "--runs", "120", "--uncertain", "guesses", "--draws", "6"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_an_uncertain_batch_rebuilds_its_scenario_and_reruns_its_replicates(uncertain_batch: Path) -> None:
    """The manifest's scenario (with its drawn-parameter table) hashes as recorded, and its
    replicates re-run to the batch's own outcomes: same worlds, same draws."""
    src = resolve(uncertain_batch)
    spec = src.scenario("a test")
    assert spec.hash == src.manifest["scenario_hash"]
    assert len(spec.uncertain) > 50  # every guess drawn
    batch = pd.read_parquet(uncertain_batch / "outcomes.parquet").set_index("replicate")
    ids = np.array([0, 1, 19, 20, 57, 119])  # across several draws (20 replicates each)
    rec = ser.record(spec, int(src.manifest["seed"]), ids)
    assert list(rec.outcome) == batch.loc[ids, "outcome"].astype(str).tolist()


def test_plot_by_outcome_draws_the_split_bands(uncertain_batch: Path, tmp_path: Path) -> None:
    figs = tmp_path / "figs"
    result = CliRunner().invoke(
        cli, ["plot", str(uncertain_batch), "--out", str(figs), "--by-outcome", "--sample", "60"]
    )
    assert result.exit_code == 0, result.output
    assert (figs / "fan_chart_by_outcome.png").stat().st_size > 10_000
    assert BANNER in (figs / "fan_chart_by_outcome.svg").read_text(encoding="utf-8")


def test_trajectories_export_is_labelled_and_matches_the_batch(uncertain_batch: Path, tmp_path: Path) -> None:
    path = tmp_path / "deep" / "traj.parquet"
    result = CliRunner().invoke(
        cli, ["trajectories", str(uncertain_batch), "--out", str(path), "--sample", "30"]
    )
    assert result.exit_code == 0, result.output
    df = rd.read_parquet(path)
    assert df.attrs["banner"] == BANNER and "hidden_patrons" in df.attrs["hypotheses_on"]
    assert sorted(df["replicate"].unique()) == list(range(30))
    batch = pd.read_parquet(uncertain_batch / "outcomes.parquet").set_index("replicate")
    finals = df.groupby("replicate", observed=True)["outcome"].first().astype(str)
    assert finals.tolist() == batch.loc[finals.index, "outcome"].astype(str).tolist()
    # A replicate's rows stop with the step it ended in (its end time lies inside that step):
    # no frozen value stands in after its end.
    last = df.groupby("replicate")["time"].max()
    gap = last - batch.loc[last.index, "end_time"]
    assert (gap >= pd.Timedelta(0)).all() and (gap < pd.Timedelta(hours=1)).all()
    assert (last < last.max()).any()  # some replicates ended early (martial law, capture)


def test_the_sample_is_bounded_before_work_with_the_valid_range(
    uncertain_batch: Path, tmp_path: Path
) -> None:
    spec = resolve(uncertain_batch).scenario("a test")
    with pytest.raises(Exception, match=r"^sample: .* choose 1 to [\d,]+ \(at most"):
        check_sample(spec, MAX_TRAJECTORY_ROWS, rows=True)
    result = CliRunner().invoke(
        cli,
        ["trajectories", str(uncertain_batch), "--out", str(tmp_path / "t.parquet"), "--sample", "99999999"],
    )
    assert result.exit_code == 2
    assert (
        "--sample: 99,999,999 replicates is out of range" in result.output and "choose 1 to" in result.output
    )
    assert "Traceback" not in result.output and not (tmp_path / "t.parquet").exists()
    result = CliRunner().invoke(
        cli,
        ["plot", str(uncertain_batch), "--out", str(tmp_path / "f"), "--by-outcome", "--sample", "99999999"],
    )
    assert result.exit_code == 2 and "--sample:" in result.output and not (tmp_path / "f").exists()


def test_by_outcome_needs_a_batch(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["compare", "mutiny_2023", "--without", "leader_gated_mediation", "--runs", "40", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["plot", str(out), "--out", str(tmp_path / "f"), "--by-outcome"])
    assert result.exit_code == 2
    assert "--by-outcome: bands by outcome need a batch result, not a 'compare' one" in result.output

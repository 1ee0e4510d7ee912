"""Figures from result directories: the numbers behind them, the files, the labels (`plot`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load, run_cli

import sim
import sim.series
from sim import plots
from sim.analysis import attribute, compare, sweep
from sim.analysis import summary as sm
from sim.stats import paired_difference, wilson

RUNS, SEED = 300, 5
QS = ["q05", "q25", "q50", "q75", "q95"]


def make_batch_dir(out: Path, spec: sim.Scenario, runs: int, seed: int, series: bool = True) -> pd.DataFrame:
    """A directory in the layout of the ``batch`` command, built straight from StormModel.

    Stands in for ``perfect-storm batch`` so the plot layer is tested on its
    own: manifest.json (kind "batch"), outcomes.parquet, summary.csv and,
    optionally, series.parquet from the streaming histograms of sim.series.
    """
    out.mkdir(parents=True, exist_ok=True)
    hist = sim.series.SeriesHistogram(spec, runs)
    model = sim.StormModel(spec, replicates=runs, rng=seed, observers=[hist]).run()
    df = model.results()
    manifest = sm.manifest_base("batch", spec, seed, runs)
    df.to_parquet(out / "outcomes.parquet")
    with open(out / "summary.csv", "w", encoding="utf-8") as fh:
        fh.write(f"# {sim.BANNER}\n# {sim.banner.hypotheses_line(spec.hypotheses_on)}\n")
        sm.outcome_table(df).drop(columns="variable").to_csv(fh, index=False)
    if series:
        sim.series.quantile_table(spec, hist.finish()).to_parquet(out / "series.parquet")
    (out / "manifest.json").write_text(json.dumps(manifest, default=str), encoding="utf-8")
    return df


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    d = tmp_path_factory.mktemp("batch")
    df = make_batch_dir(d, load("mutiny_hidden_patrons"), RUNS, SEED)
    return d, df


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    a = load("mutiny_2023")
    r = compare(a, a.with_overrides(interventions=["no_mediation"]), runs=RUNS, seed=SEED)
    return r.write(tmp_path_factory.mktemp("cmp") / "c")


def test_outcome_bars_data_is_count_share_and_wilson(batch_dir) -> None:
    d, df = batch_dir
    bars = plots.outcome_bars_data(d)
    assert list(bars["outcome"]) == list(sim.OUTCOMES)
    counts = df["outcome"].astype(str).value_counts()
    for row in bars.itertuples():
        k = int(counts.get(row.outcome, 0))
        lo, hi = wilson(k, RUNS)
        assert (row.count, row.runs) == (k, RUNS)
        assert (row.probability, row.ci_low, row.ci_high) == pytest.approx((k / RUNS, float(lo), float(hi)))


def test_fan_chart_data_has_dated_ordered_quantiles(batch_dir) -> None:
    d, _ = batch_dir
    fan = plots.fan_chart_data(d)
    assert list(dict.fromkeys(fan["series"].astype(str))) == list(sim.SERIES)
    assert pd.api.types.is_datetime64_any_dtype(fan["time"])
    spec = load("mutiny_hidden_patrons")
    expected = pd.Timestamp(spec.start) + pd.to_timedelta(fan["hours"], unit="h")
    assert (fan["time"] == expected).all()
    q = fan[QS].to_numpy()
    assert (np.diff(q, axis=1) >= -1e-12).all()
    # The column starts at the full road distance (wagner.start_km) from Moscow.
    first = fan[fan["series"] == "distance_km"].iloc[0]
    assert first["q50"] == pytest.approx(spec.params["wagner.start_km"], rel=0.02)


def test_time_to_outcome_data_ends_at_each_probability(batch_dir) -> None:
    d, df = batch_dir
    t = plots.time_to_outcome_data(d)
    assert int(t["count"].sum()) == RUNS
    last = t.groupby("outcome")["cumulative_share"].last()
    shares = df["outcome"].astype(str).value_counts(normalize=True)
    for outcome, share in last.items():
        assert share == pytest.approx(shares[outcome])
    end = pd.Timestamp(load("mutiny_hidden_patrons").end)
    in_power = t[t["outcome"].isin(sim.IN_POWER)]
    assert in_power["at_end"].all() and (in_power["end_time"] == end).all()
    martial = t[t["outcome"] == "martial_law"]
    assert len(martial) and not martial["at_end"].any()


def test_compare_figure_data_matches_independent_pairs(compare_dir: Path) -> None:
    a = pd.read_parquet(compare_dir / "outcomes_a.parquet")
    b = pd.read_parquet(compare_dir / "outcomes_b.parquet")
    diffs = plots.difference_data(compare_dir).set_index(["variable", "outcome"])
    for outcome in sim.OUTCOMES:
        mean, lo, hi = paired_difference(
            (a["outcome"] == outcome).to_numpy(), (b["outcome"] == outcome).to_numpy()
        )
        row = diffs.loc[("outcome", outcome)]
        assert (row["diff"], row["diff_low"], row["diff_high"]) == pytest.approx((mean, lo, hi))
    trans = plots.transition_data(compare_dir)
    assert int(trans.to_numpy().sum()) == RUNS
    expected = pd.crosstab(a["outcome"].astype(str), b["outcome"].astype(str))
    for ra in expected.index:
        for cb in expected.columns:
            assert trans.loc[ra, cb] == expected.loc[ra, cb]
    bars = plots.outcome_bars_data(compare_dir)
    assert set(bars["variant"]) == {"A (as written)", "B (changed)"} and len(bars) == 12


def test_sweep_and_attribute_figure_data(tmp_path: Path) -> None:
    r = sweep(
        load("mutiny_2023"),
        ["wagner.speed_kmh=30:60"],
        design="grid",
        points=3,
        runs=40,
        seed=1,
        analyze=None,
    )
    d = r.write(tmp_path / "sw")
    curves = plots.response_curve_data(d)
    assert len(curves) == 3 * len(r.points["output"].unique())
    row = curves[(curves["output"] == "regime_intact") & (curves["value"] == 60.0)].iloc[0]
    direct = sim.simulate(load("mutiny_2023").with_overrides(sets=["wagner.speed_kmh=60"]), runs=40, seed=1)
    assert row["probability"] == pytest.approx((direct["outcome"] == "regime_intact").mean())
    assert plots.sensitivity_data(d).empty  # no --analyze, no indices
    att = attribute(load("mutiny_hidden_patrons"), "martial_law", runs=60, seed=1)
    ad = att.write(tmp_path / "att")
    s = plots.shapley_data(ad)
    assert list(s["hypothesis"]) == list(att.shapley["hypothesis"])
    assert s["shapley"].to_numpy() == pytest.approx(att.shapley["shapley"].to_numpy())


def _check_svgs(paths: list[Path], *needles: str) -> None:
    for p in paths:
        assert p.stat().st_size > 1000
        if p.suffix == ".svg":
            text = p.read_text(encoding="utf-8")
            for needle in needles:
                assert needle in text, (p.name, needle)


def test_plot_batch_writes_png_and_svg_with_the_banner(batch_dir, tmp_path: Path, capsys) -> None:
    d, _ = batch_dir
    code, out, _ = run_cli(["plot", str(d), "--out", str(tmp_path / "fig")], capsys)
    assert code == 0
    names = {p.name for p in (tmp_path / "fig").iterdir()}
    for stem in ("outcomes", "fan_chart", "time_to_outcome"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    assert (tmp_path / "fig" / "outcomes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _check_svgs(
        sorted((tmp_path / "fig").iterdir()),
        sim.BANNER,
        "Hypotheses on: hidden_patrons, leader_gated_mediation",
    )
    assert out.count("wrote ") == 6


def test_plot_without_series_skips_the_fan_chart(tmp_path: Path) -> None:
    d = tmp_path / "b"
    make_batch_dir(d, load("mutiny_2023"), 50, 1, series=False)
    written = {p.name for p in plots.render(d, tmp_path / "fig")}
    assert "outcomes.svg" in written and "fan_chart.png" not in written


def test_plot_every_other_kind(compare_dir: Path, tmp_path: Path) -> None:
    written = plots.render(compare_dir, tmp_path / "c")
    assert {p.stem for p in written} == {"outcomes", "time_to_outcome", "differences", "transitions"}
    _check_svgs(written, sim.BANNER, "A (as written) Hypotheses on: leader_gated_mediation")
    sw = sweep(
        load("mutiny_hidden_patrons"), ["wagner.speed_kmh=30:60"], points=2, runs=40, seed=1, analyze="morris"
    ).write(tmp_path / "sw")
    written = plots.render(sw, tmp_path / "s")
    assert {p.stem for p in written} == {"response_curves", "sensitivity"}
    _check_svgs(written, sim.BANNER)


def test_plot_bad_directories_are_one_line_errors(tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(["plot", str(tmp_path / "missing"), "--out", str(tmp_path / "f")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no such directory" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(["plot", str(tmp_path / "empty"), "--out", str(tmp_path / "f")], capsys)
    assert code == 2 and "no manifest.json" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "manifest.json").write_text('{"kind": "poem"}', encoding="utf-8")
    code, _, err = run_cli(["plot", str(tmp_path / "odd"), "--out", str(tmp_path / "f")], capsys)
    assert code == 1 and "cannot plot a 'poem' result" in err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json", encoding="utf-8")
    code, _, err = run_cli(["plot", str(tmp_path / "bad"), "--out", str(tmp_path / "f")], capsys)
    assert code == 1 and "cannot read" in err
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "manifest.json").write_text('{"kind": "batch", "complete": false}', encoding="utf-8")
    code, _, err = run_cli(["plot", str(tmp_path / "half"), "--out", str(tmp_path / "f")], capsys)
    assert code == 1 and "not finished" in err
    assert not (tmp_path / "f").exists()


# --- fan charts: running replicates, the mutiny's window, by outcome, simulate frames -----------


def _step_starts(spec: sim.Scenario) -> np.ndarray:
    return sim.StormModel(spec).clock.hours


def test_an_ended_replicate_leaves_the_bands(batch_dir) -> None:
    """Each step's n is the number of replicates whose end lies after the step's start."""
    d, df = batch_dir
    spec = load("mutiny_hidden_patrons")
    fan = plots.fan_chart_data(d)
    starts = _step_starts(spec)
    ends = df["end_hours"].to_numpy()
    for name in ("elite_support", "distance_km"):
        rows = fan[fan["series"] == name]
        want = np.array([(ends > starts[s] + 1e-9).sum() for s in rows["step"]])
        assert (rows["n"].to_numpy() == want).all(), name
    assert fan["n"].min() < RUNS, "some replicate ended early: the bands lost it"
    # At the last step only the replicates still in power at the scenario's end are counted.
    last = fan[fan["step"] == fan["step"].max()]
    assert (last["n"] == df["outcome"].isin(sim.IN_POWER).sum()).all()


def test_the_distance_panel_covers_the_mutinys_fine_window(batch_dir) -> None:
    d, _ = batch_dir
    spec = load("perfect_storm")
    fan = plots.fan_chart_data(d)
    dist = fan[fan["series"] == "distance_km"]
    shock = next(s for s in load("mutiny_hidden_patrons").shocks if s["type"] == "mutiny")
    at = (shock["at"] - load("mutiny_hidden_patrons").start).total_seconds() / 3600
    assert dist["hours"].min() == pytest.approx(at + 1)  # the first hourly step of the window
    assert (dist["hours"] > at).all()
    assert len(fan[fan["series"] == "elite_support"]) > len(dist)  # the other series span the scenario
    # In perfect_storm (2022-2025, daily steps) the window is 96 hours out of about four years.
    windows = plots.source.mutiny_windows({"scenario": spec.to_dict()})
    assert windows == [(pytest.approx(at_h := windows[0][0]), pytest.approx(at_h + 96))]


def test_fan_chart_of_a_simulate_frame_equals_the_batch(batch_dir) -> None:
    d, _ = batch_dir
    spec = load("mutiny_hidden_patrons")
    df = sim.simulate(spec, runs=RUNS, seed=SEED)
    mine = plots.fan_chart_data(df, scenario=spec)
    pd.testing.assert_frame_equal(mine, plots.fan_chart_data(d), check_exact=True)
    bars = plots.outcome_bars_data(df)
    assert bars[["outcome", "count"]].equals(plots.outcome_bars_data(d)[["outcome", "count"]])
    tto = plots.time_to_outcome_data(df)
    assert int(tto["count"].sum()) == RUNS
    with pytest.raises(sim.StormError, match="pass scenario="):
        plots.fan_chart_data(df)
    with pytest.raises(sim.StormError, match="hash"):
        plots.fan_chart_data(df, scenario="mutiny_2023")


def test_bands_split_by_outcome_match_recorded_trajectories(batch_dir) -> None:
    d, _ = batch_dir
    spec = load("mutiny_hidden_patrons")
    sample = 120
    split = plots.fan_chart_data(d, by_outcome=True, sample=sample)
    # Independently: record the first `sample` replicates with the model's own series recording.
    model = sim.StormModel(spec, replicates=sample, rng=SEED, record_series=True).run()
    outcome = model.outcome_names()
    ends = model.results()["end_hours"].to_numpy()
    starts = _step_starts(spec)
    distance = np.array(model.series["distance_km"], dtype=float)  # (steps run, sample)
    assert set(split["outcome"].astype(str)) == set(outcome)
    for o in set(outcome):
        rows = split[(split["outcome"] == o) & (split["series"] == "distance_km")]
        for r in rows.iloc[:: max(1, len(rows) // 7)].itertuples():
            running = (outcome == o) & (ends > starts[r.step] + 1e-9)
            assert r.n == running.sum()
            assert r.q50 == pytest.approx(np.quantile(distance[r.step, running], 0.5), abs=1e-3)
    assert split.groupby("outcome", observed=True)["n"].max().sum() == sample


def test_trajectories_export_in_long_format(batch_dir, tmp_path: Path) -> None:
    d, df = batch_dir
    path = plots.export_trajectories(d, tmp_path / "t" / "trajectories.parquet", sample=30)
    t = pd.read_parquet(path)
    assert t.attrs["banner"] == sim.BANNER and t.attrs["seed"] == SEED
    assert t.attrs["hypotheses_on"] == ["hidden_patrons", "leader_gated_mediation"]
    assert list(t.columns) == ["replicate", "outcome", "step", "time", "hours", "series", "value"]
    assert sorted(t["replicate"].unique()) == list(range(30))
    spec = load("mutiny_hidden_patrons")
    starts = _step_starts(spec)
    for rep in (0, 7, 29):
        mine = t[t["replicate"] == rep]
        row = df[df["replicate"] == rep].iloc[0]
        assert set(mine["outcome"].astype(str)) == {str(row["outcome"])}
        last = int(np.searchsorted(starts, row["end_hours"] - 1e-9, side="left")) - 1
        assert mine["step"].max() == last, "a replicate's rows end with the step it ended in"
        assert len(mine) == (last + 1) * len(sim.SERIES)
    one = sim.StormModel(spec, replicates=1, rng=SEED, first_replicate=7, record_series=True).run()
    mine = t[(t["replicate"] == 7) & (t["series"] == "distance_km")].sort_values("step")
    np.testing.assert_allclose(mine["value"], np.array(one.series["distance_km"])[: len(mine), 0], rtol=1e-6)


def test_figures_of_a_simulate_frame_and_by_outcome(tmp_path: Path) -> None:
    spec = load("mutiny_2023")
    df = sim.simulate(spec, runs=80, seed=2)
    df.attrs["scenario"] = spec
    written = plots.render(df, tmp_path / "f", formats=("svg",), by_outcome=True)
    assert {p.stem for p in written} == {"outcomes", "fan_chart", "fan_chart_by_outcome", "time_to_outcome"}
    _check_svgs(written, sim.BANNER, "Hypotheses on: leader_gated_mediation")
    fig = plots.fan_chart(df, by_outcome=True, sample=50)
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"

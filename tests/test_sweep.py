"""Parameter sweeps, designs and SALib sensitivity (sim.analysis.sweep and `sweep`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load, run_cli, simulate_cached

import sim
from sim.analysis import sweep
from sim.analysis.sweep import build_design, morris_effects, noise_share, parse_param
from sim.errors import UsageError
from sim.stats import wilson

SPEED = "wagner.speed_kmh=20:60"
RESIST = "defence.en_route_resistance=0:0.5"


def params(*texts: str) -> list[sim.analysis.SweepParam]:
    return [parse_param(t) for t in texts]


def test_grid_design_is_the_full_product_of_levels() -> None:
    x, name, notes = build_design(params(SPEED, RESIST), "grid", 3)
    assert x.shape == (9, 2) and notes == [] and "grid" in name
    assert sorted(set(x[:, 0])) == [20.0, 40.0, 60.0]
    assert sorted(set(x[:, 1])) == [0.0, 0.25, 0.5]
    assert len({tuple(r) for r in x}) == 9


def test_lhs_design_has_one_point_per_stratum() -> None:
    x, _, _ = build_design(params(SPEED, RESIST), "lhs", 10, seed=4)
    assert x.shape == (10, 2)
    strata = np.floor((x - [20, 0]) / ([40, 0.5]) * 10).astype(int)
    for j in range(2):
        assert sorted(strata[:, j]) == list(range(10))
    again, _, _ = build_design(params(SPEED, RESIST), "lhs", 10, seed=4)
    assert np.array_equal(x, again)  # the design is a function of the seed


def test_sobol_design_rounds_up_to_a_power_of_two() -> None:
    x, name, notes = build_design(params(SPEED, RESIST), "sobol", 10)
    assert x.shape == (16, 2)
    assert notes and "rounded up to 16" in notes[0]
    assert (x[:, 0] >= 20).all() and (x[:, 0] <= 60).all() and (x[:, 1] <= 0.5).all()
    x, _, notes = build_design(params(SPEED), "sobol", 8)
    assert x.shape == (8, 1) and notes == []


def test_analysis_designs_come_from_salib() -> None:
    x, name, _ = build_design(params(SPEED, RESIST), "lhs", 8, analyze="sobol")
    assert x.shape == (8 * (2 + 2), 2) and "saltelli" in name
    x, name, _ = build_design(params(SPEED, RESIST), "lhs", 5, analyze="morris")
    assert x.shape == (5 * 3, 2) and "morris" in name
    steps = np.diff(x.reshape(5, 3, 2), axis=1)
    assert ((steps != 0).sum(axis=2) == 1).all()  # a trajectory moves one parameter at a time


def test_parse_param_checks_form_key_and_range() -> None:
    p = parse_param("hypotheses.hidden_patrons.covert_help=0.1:0.6")
    assert (p.low, p.high, p.declared.high) == (0.1, 0.6, 1)
    for text, match in [
        ("wagner.speed_kmh", "expected KEY=LOW:HIGH"),
        ("wagner.speed_kmh=20", "expected KEY=LOW:HIGH"),
        ("wagner.sped_kmh=20:60", "did you mean 'wagner.speed_kmh'"),
        ("hypotheses.hidden_patrons.on=0:1", "not a numeric scenario key"),
        ("wagner.speed_kmh=60:20", r"LOW must be below HIGH.*valid range \[1, 120\]"),
        ("wagner.speed_kmh=0:200", r"outside the valid range \[1, 120\] \(km/h\)"),
        ("wagner.speed_kmh=x:y", "must be numbers"),
    ]:
        with pytest.raises(UsageError, match=match):
            parse_param(text)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--param", "wagner.speed_kmh=60:20"], "--param wagner.speed_kmh: LOW must be below HIGH"),
        (
            ["--param", "kremlin.control=0.5:1.5"],
            "--param kremlin.control: 0.5:1.5 is outside the valid range",
        ),
        (["--param", "nope=1:2"], "--param nope: not a numeric scenario key"),
        ([], "--param: give at least one"),
        (["--param", SPEED, "--analyze", "sobol", "--design", "grid"], "--design grid: --analyze sobol"),
        (["--param", SPEED, "--points", "1", "--design", "grid"], "a grid needs at least 2 levels"),
    ],
)
def test_cli_bad_sweep_options_are_one_line_usage_errors(tmp_path: Path, capsys, extra, message) -> None:
    out_dir = tmp_path / "sw"
    code, out, err = run_cli(["sweep", "mutiny_2023", "--runs", "5", "--out", str(out_dir), *extra], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not (out_dir / "manifest.json").exists()


def test_faster_column_reaches_moscow_no_less_often() -> None:
    """On common random numbers the response to the column's speed is monotone."""
    spec = load("mutiny_hidden_patrons")
    r = sweep(spec, [SPEED], design="grid", points=5, runs=200, seed=2)
    w = r.wide().sort_values("wagner.speed_kmh")
    reached = w["mutiny_end:reached_moscow"].to_numpy()
    assert (np.diff(reached) >= 0).all() and reached[-1] > reached[0]
    # Every point runs the same replicates as a direct simulation with that value.
    p40 = r.points[(r.points["wagner.speed_kmh"] == 40.0) & (r.points["variable"] == "outcome")]
    direct = simulate_cached(spec.with_overrides(sets=["wagner.speed_kmh=40.0"]), 200, 2)
    counts = direct["outcome"].astype(str).value_counts()
    for row in p40.itertuples():
        assert row.count == counts.get(row.outcome, 0)
        lo, hi = wilson(row.count, 200)
        assert (row.ci_low, row.ci_high) == pytest.approx((float(lo), float(hi)))


def test_noise_share_is_mean_binomial_variance_over_total() -> None:
    pts = pd.DataFrame({"output": ["x"] * 4, "probability": [0.1, 0.2, 0.4, 0.5]})
    n = noise_share(pts, runs=50).iloc[0]
    p = np.array([0.1, 0.2, 0.4, 0.5])
    assert n["var_total"] == pytest.approx(p.var(ddof=1))
    assert n["noise_share"] == pytest.approx(np.mean(p * (1 - p) / 49) / p.var(ddof=1))


def test_sobol_indices_with_confidence_intervals(tmp_path: Path) -> None:
    r = sweep(load("mutiny_2023"), [SPEED, RESIST], points=8, runs=60, seed=1, analyze="sobol")
    ix = r.indices
    assert ix is not None and len(ix)
    assert {"output", "parameter", "index", "value", "conf", "ci_low", "ci_high"} <= set(ix.columns)
    assert set(ix["index"]) == {"S1", "ST"}
    assert set(ix["parameter"]) == {"wagner.speed_kmh", "defence.en_route_resistance"}
    assert (ix["conf"] >= 0).all()
    assert np.allclose(ix["ci_high"] - ix["ci_low"], 2 * ix["conf"])
    # Outputs that never vary (no palace coup in a mutiny) get no indices.
    assert "palace_coup" not in set(ix["output"])
    r.write(tmp_path / "sw")
    ixf = pd.read_csv(tmp_path / "sw" / "indices.csv")  # plain CSV: banner and hypotheses are columns
    assert set(ixf["banner"]) == {sim.BANNER} and set(ixf["hypotheses_on"]) == {"leader_gated_mediation"}


def test_morris_indices_agree_with_salib() -> None:
    r = sweep(load("mutiny_2023"), [SPEED, RESIST], points=6, runs=60, seed=3, analyze="morris")
    ix = r.indices.set_index(["output", "parameter", "index"])
    w = r.wide()
    y = w["regime_intact"].to_numpy()
    ee = morris_effects(r.x, y, r.params)
    for j, p in enumerate(r.params):
        assert ix.loc[("regime_intact", p.key, "mu_star"), "value"] == pytest.approx(np.abs(ee[j]).mean())
        assert ix.loc[("regime_intact", p.key, "sigma"), "value"] == pytest.approx(ee[j].std(ddof=1))
        assert np.isfinite(ix.loc[("regime_intact", p.key, "sigma"), "conf"])


def test_cli_sweep_writes_points_and_manifest(tmp_path: Path, capsys) -> None:
    out_dir = tmp_path / "sw"
    code, out, err = run_cli(
        [
            "sweep",
            "mutiny_2023",
            "--param",
            SPEED,
            "--design",
            "sobol",
            "--points",
            "3",
            "--runs",
            "20",
            "--seed",
            "5",
            "--out",
            str(out_dir),
        ],
        capsys,
    )
    assert code == 0
    assert "rounded up to 4" in err
    assert out.splitlines()[0] == sim.BANNER
    m = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["kind"] == "sweep" and m["hypotheses_on"] == ["leader_gated_mediation"]
    assert m["points"] == 4 and m["runs_per_point"] == 20 and m["params"][0]["key"] == "wagner.speed_kmh"
    pts = pd.read_parquet(out_dir / "points.parquet")
    assert pts["point"].nunique() == 4
    assert (pts.groupby(["point", "variable"])["count"].sum() == 20).all()
    csv = pd.read_csv(out_dir / "points.csv")
    pd.testing.assert_frame_equal(csv[["point", "count"]], pts[["point", "count"]].astype("int64"))


def test_seed_zero_gives_reproducible_sobol_intervals(tmp_path: Path) -> None:
    """SALib reads seed 0 as 'unseeded': ours is shifted, so --seed 0 repeats to the bit."""
    spec = load("mutiny_2023")
    a = sweep(spec, [SPEED], points=4, runs=40, seed=0, analyze="sobol")
    b = sweep(spec, [SPEED], points=4, runs=40, seed=0, analyze="sobol")
    assert a.indices is not None and len(a.indices)
    pd.testing.assert_frame_equal(a.indices, b.indices, check_exact=True)
    m = a.manifest()["salib"]
    assert m["resamples"] == 200 and m["seed"] == 1 and m["version"]

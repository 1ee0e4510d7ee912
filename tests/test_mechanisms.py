"""Pure mechanisms: Granovetter's threshold cascade and the counter-based streams."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.mechanisms import threshold_cascade
from sim.rng import Streams, site_key

N_DRAWS = 100_000


def granovetter(thresholds: list[float]) -> np.ndarray:
    """One replicate (a column) of equal-weight actors, no signal, nobody out yet."""
    t = np.asarray(thresholds, dtype=float)[:, None]
    return threshold_cascade(t, np.ones_like(t), 0.0, np.zeros_like(t, dtype=bool))[:, 0]


def test_uniform_thresholds_give_a_full_riot() -> None:
    out = granovetter([i / 100 for i in range(100)])
    assert out.sum() == 100


def test_raising_one_threshold_stops_it_at_one() -> None:
    t = [i / 100 for i in range(100)]
    t[1] = 2 / 100
    out = granovetter(t)
    assert out.sum() == 1 and out[0]


def test_cascade_runs_per_replicate() -> None:
    """Two replicates side by side: the riot in one does not leak into the other."""
    riot = np.arange(100) / 100
    stalled = riot.copy()
    stalled[1] = 0.02
    t = np.stack([riot, stalled, riot], axis=1)
    out = threshold_cascade(t, np.ones_like(t), 0.0, np.zeros_like(t, dtype=bool))
    assert out.sum(axis=0).tolist() == [100, 1, 100]


def test_signal_and_weights_count() -> None:
    t = np.array([[0.3], [0.5], [0.99]])
    none = np.zeros_like(t, dtype=bool)
    # No signal: nobody starts.
    assert threshold_cascade(t, np.ones_like(t), 0.0, none).sum() == 0
    # A signal of 0.3 starts the first; 1/3 + 0.3 reaches 0.5, 2/3 + 0.3 falls short of 0.99.
    out = threshold_cascade(t, np.ones_like(t), 0.3, none)[:, 0]
    assert out.tolist() == [True, True, False]
    # A heavy first defector carries everybody: 0.8 + 0.3 >= 0.99.
    heavy = np.array([[8.0], [1.0], [1.0]])
    assert threshold_cascade(t, heavy, 0.3, none).all()


def test_those_already_out_stay_out_and_count() -> None:
    already = np.array([[False], [False], [True]])
    # The third is out whatever its threshold; its third of the weight starts the others.
    t = np.array([[0.3], [0.5], [0.99]])
    assert threshold_cascade(t, np.ones_like(t), 0.0, already).all()
    # Here 1/3 is short of every remaining threshold: nobody follows.
    t = np.array([[0.4], [0.5], [0.99]])
    out = threshold_cascade(t, np.ones_like(t), 0.0, already)[:, 0]
    assert out.tolist() == [False, False, True]
    assert already[:, 0].tolist() == [False, False, True], "the input mask is not changed"


def test_signal_per_replicate() -> None:
    t = np.tile(np.array([[0.3], [0.9]]), (1, 3))
    signal = np.array([0.0, 0.3, 0.6])
    out = threshold_cascade(t, np.ones_like(t), signal, np.zeros_like(t, dtype=bool))
    assert out.sum(axis=0).tolist() == [0, 1, 2]


# --- counter-based streams --------------------------------------------------


@pytest.fixture(scope="module")
def draws() -> np.ndarray:
    s = Streams(20240617, np.arange(N_DRAWS, dtype=np.uint64))
    s.begin_step(0)
    return s.uniform(site_key("test.site"))


def test_uniforms_in_unit_interval(draws: np.ndarray) -> None:
    assert draws.dtype == np.float64 and draws.shape == (N_DRAWS,)
    assert draws.min() >= 0.0 and draws.max() < 1.0
    # 53-bit resolution: every draw is k / 2**53.
    k = draws * 2.0**53
    assert (k == np.floor(k)).all()
    assert len(np.unique(draws)) > N_DRAWS - 5


def test_uniforms_pass_ks_and_chi_square(draws: np.ndarray) -> None:
    assert stats.kstest(draws, "uniform").pvalue > 1e-3
    counts, _ = np.histogram(draws, bins=100, range=(0, 1))
    assert stats.chisquare(counts).pvalue > 1e-3
    assert abs(draws.mean() - 0.5) < 0.005 and abs(draws.var() - 1 / 12) < 0.002


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_sites_steps_replicates_seeds_look_independent(draws: np.ndarray) -> None:
    ids = np.arange(N_DRAWS, dtype=np.uint64)
    s = Streams(20240617, ids)
    s.begin_step(0)
    other_site = s.uniform(site_key("test.site2"))
    s.begin_step(1)
    next_step = s.uniform(site_key("test.site"))
    t = Streams(20240618, ids)
    t.begin_step(0)
    next_seed = t.uniform(site_key("test.site"))
    limit = 0.02  # about six standard errors at 100,000 pairs
    assert abs(_corr(draws, other_site)) < limit
    assert abs(_corr(draws, next_step)) < limit
    assert abs(_corr(draws, next_seed)) < limit
    assert abs(_corr(draws[:-1], draws[1:])) < limit  # neighbouring replicates
    # Joint uniformity of neighbouring pairs: a 10x10 chi-square on (u_i, u_i+1).
    grid, _, _ = np.histogram2d(draws[:-1], draws[1:], bins=10, range=[[0, 1], [0, 1]])
    assert stats.chisquare(grid.ravel()).pvalue > 1e-3


def test_a_draw_is_a_pure_function_of_seed_replicate_step_site(draws: np.ndarray) -> None:
    site = site_key("test.site")
    for ids in (np.array([7], dtype=np.uint64), np.array([99_999, 7, 3], dtype=np.uint64)):
        s = Streams(20240617, ids)
        s.begin_step(5)  # another step first: the step key is reset, not accumulated
        s.uniform(site)
        s.begin_step(0)
        np.testing.assert_array_equal(s.uniform(site), draws[ids.astype(np.int64)])
    again = Streams(20240617, np.arange(N_DRAWS, dtype=np.uint64))
    again.begin_step(0)
    again.uniform(site_key("something else"))  # other draws in between do not shift it
    np.testing.assert_array_equal(again.uniform(site), draws)


def test_site_keys_are_stable_and_distinct() -> None:
    assert site_key("wagner.accept") == site_key("wagner.accept")
    names = [f"site.{i}" for i in range(1000)]
    assert len({int(site_key(n)) for n in names}) == 1000


@pytest.mark.parametrize("seed", [-1, 2**64])
def test_streams_refuse_out_of_range_seeds(seed: int) -> None:
    with pytest.raises(ValueError, match="seed"):
        Streams(seed, np.arange(3, dtype=np.uint64))


def test_extreme_seeds_work() -> None:
    for seed in (0, 2**64 - 1):
        s = Streams(seed, np.arange(1000, dtype=np.uint64))
        s.begin_step(0)
        u = s.uniform(site_key("x"))
        assert 0 <= u.min() and u.max() < 1 and 0.4 < u.mean() < 0.6

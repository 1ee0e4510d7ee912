"""Shared fixtures and helpers for the tests of the simulation core.

Simulations that several tests read are cached per session (per xdist worker):
results are a pure function of (scenario hash, runs, seed, first), so a cached
frame is exactly what a fresh call would return.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import catalog

ROOT = Path(__file__).resolve().parent.parent
#: The opinion article the hypotheses paraphrase. It is not part of the repository
#: (it is someone else's text): tests that check the paraphrasing read it from
#: $PERFECT_STORM_ARTICLE, or from an untracked copy at source/article.txt, and
#: skip, saying so, when neither is there.
ARTICLE_ENV = "PERFECT_STORM_ARTICLE"
ARTICLE = Path(os.environ.get(ARTICLE_ENV) or ROOT / "source" / "article.txt")
ARTICLE_MISSING = (
    f"the source article is not in this checkout: set {ARTICLE_ENV}=PATH "
    f"or copy it to source/article.txt (untracked) to check the paraphrasing"
)

_CACHE: dict[tuple[str, int, int, int], pd.DataFrame] = {}


def simulate_cached(spec: sim.Scenario, runs: int, seed: int, first: int = 0) -> pd.DataFrame:
    """``sim.simulate`` memoised on the scenario hash; returns a copy callers may change."""
    key = (spec.hash, runs, seed, first)
    if key not in _CACHE:
        _CACHE[key] = sim.simulate(spec, runs=runs, seed=seed, first=first)
    return _CACHE[key].copy()


def load(name: str) -> sim.Scenario:
    """A shipped scenario by name."""
    return catalog.load(name)


def words(text: str) -> list[str]:
    """Lower-case words with punctuation (and typographic apostrophes) removed."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def assert_rows_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Bit-identical rows (NaN in the same places), whatever the index."""
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True)


def frames_differ(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two result frames differ in any value (NaN equal to NaN)."""
    try:
        assert_rows_identical(a, b)
    except AssertionError:
        return True
    return False


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the real entry point (one-line errors, exit codes); return (code, stdout, stderr)."""
    from storm_cli.main import main

    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def tiny_posterior(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small but real calibration (mutiny_2023, every unknown), for scenarios that draw from a posterior."""
    from sim.calibration import calibrate

    out = tmp_path_factory.mktemp("posterior") / "calibrate"
    calibrate(["mutiny_2023"], simulations=4000, out=out, population=200, executor="inline", seed=0)
    return out

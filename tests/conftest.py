"""Shared fixtures and helpers for the tests of the simulation core.

Simulations that several tests read are cached per session (per xdist worker):
results are a pure function of (scenario hash, runs, seed, first), so a cached
frame is exactly what a fresh call would return.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import catalog

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = Path("/work/shared/source/article.txt")
if not ARTICLE.exists():  # a checkout that carries its own copy of the source
    ARTICLE = ROOT.parent / "shared" / "source" / "article.txt"

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

"""Every benchmark runs at reduced size and prints its figures (no timing is asserted).

SPECULATIVE SCENARIO — NOT A FORECAST: the benchmarks measure speed only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"[\d,]+(?:\.\d+)?"

#: (script and arguments, a pattern every one of which must match the output)
CASES = {
    "core": (
        ["benchmarks/bench_core.py", "--quick"],
        [
            rf"fixed parameters: +{NUMBER} s = +{NUMBER} M replicate-steps/s",
            rf"--uncertain guesses: +{NUMBER} s = +{NUMBER} M replicate-steps/s",
            rf"ratio uncertain / fixed: {NUMBER}",
            rf"honest ratio: {NUMBER}x",
            rf"ratio against mesa\.batch_run at R = 1: {NUMBER}x",
        ],
    ),
    "sweep": (
        ["benchmarks/bench_sweep.py", "--quick"],
        [
            rf"one sim\.simulate each: +{NUMBER} s",
            rf"as one ensemble, with its tables: +{NUMBER} s",
            rf"speed-up of the ensemble sweep: {NUMBER}x",
            rf"of which the simulation \(sim\.ensemble\.run_variants\): +{NUMBER} s, {NUMBER}x",
            r"check: 8 of 8 points give the same rows",
        ],
    ),
    "attribute": (
        ["benchmarks/bench_attribute.py", "--quick"],
        [
            rf"attribute, all variants as one ensemble: +{NUMBER} s",
            rf"one sim\.simulate each: +{NUMBER} s",
            rf"speed-up of the ensemble: {NUMBER}x",
            r"counts the same outcomes in the ensemble and alone: True",
        ],
    ),
    "reference": (
        ["benchmarks/reference_mesa.py", "--runs", "20"],
        [rf"20 replicates in {NUMBER} s of CPU", r"mediated_halt"],
    ),
    "batch": (
        [
            "benchmarks/bench_batch.py",
            "--runs",
            "400",
            "--chunk",
            "200",
            "--sample",
            "2",
            "--workers",
            "1",
            "--scenario",
            "mutiny_2023",
            "--skip-memory",
            "--skip-dask",
        ],
        [
            rf"\[0\] one chunk of 200 \(CPU time\): model alone {NUMBER} s",
            rf"\[1\] batch, processes x1: 400 replicates in {NUMBER} s",
            rf"speed-up of batch over one-at-a-time batch_run: {NUMBER}x",
            r"\[4\] the same batch run again",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_benchmark_runs_small_and_prints_its_figures(name: str) -> None:
    args, patterns = CASES[name]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "SPECULATIVE SCENARIO — NOT A FORECAST" in done.stdout
    missing = [p for p in patterns if not re.search(p, done.stdout)]
    assert not missing, f"{name}: no line matches {missing}\n{done.stdout}"

"""A new hypothesis is one file plus its probe scenario: nothing else in the engine changes.

The test defines an eighth hypothesis here (as its own module would), registers
it, writes its probe scenario, and runs ``list``, ``run``, ``compare`` and
``attribute`` through the real command line with eight hypotheses on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_cli

import sim
from sim.hypotheses import REGISTRY, Hypothesis
from sim.hypotheses.base import adjusts, register, unregister
from sim.params import Param

PROBE = """
title = "Probe: purges after the mutiny"
question = "Does fear of purges make the services leak less?"
extends = "perfect_storm"

[hypotheses]
controlled_leaks = true
hidden_patrons = true
leader_gated_mediation = true
false_intelligence = true
nuclear_leak = true
long_range_storm = true
ballistic_pretext = true
purge_fear = true
"""


class PurgeFear(Hypothesis):
    """A throw-away plug-in: after a mutiny, fear of purges halves every leak and cools the storm."""

    metadata = {
        "id": "purge_fear",
        "title": "Fear of purges",
        "claim": "After an armed revolt the services keep their heads down for fear of a purge.",
        "section": "Leaks are always controlled",
        "status": "speculative",
        "mechanism": "Leak hazards are multiplied by leak_factor; the mutiny shock adds less storm.",
        "null": "Leaks go on at the null rate; the mutiny adds its usual storm.",
        "probe": "purge_fear_probe.toml",
    }
    expect = ("leaks", None, "lower")
    params = {
        "leak_factor": Param(0.5, 0, 1, "factor", "leak hazard kept under fear", "guess"),
        "calm": Param(0.3, 0, 1, "index", "storm index the fear takes away at the mutiny", "guess"),
    }

    @adjusts("leak.rate")
    def fewer_leaks(self, model: Any, rate: Any, faction: Any) -> Any:
        return rate * self.leak_factor

    def on_shock(self, model: Any, shock: dict[str, Any], mask: np.ndarray) -> None:
        if shock["type"] == "mutiny":
            model.storm = np.where(mask, np.maximum(model.storm - self.calm, 0), model.storm)


@pytest.fixture
def eighth(tmp_path: Path) -> Any:
    probe = tmp_path / "purge_fear_probe.toml"
    probe.write_text(PROBE, encoding="utf-8")
    register(PurgeFear)
    try:
        yield probe
    finally:
        unregister("purge_fear")
    assert "purge_fear" not in REGISTRY


def test_eight_hypotheses_through_every_command(eighth: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["list"], capsys)
    assert code == 0 and "purge_fear" in out

    spec = sim.load_scenario(eighth)
    assert len(spec.hypotheses_on) == 8 and "purge_fear" in spec.hypotheses_on

    code, out, err = run_cli(["run", str(eighth), "--replicate", "3"], capsys)
    assert code == 0, err
    assert "purge_fear" in out.splitlines()[1]  # the hypotheses line names it

    code, out, err = run_cli(["compare", str(eighth), "--without", "purge_fear", "--runs", "200"], capsys)
    assert code == 0, err
    assert "purge_fear" in out

    code, out, err = run_cli(
        ["attribute", str(eighth), "--outcome", "regime_weakened", "--runs", "20"], capsys
    )
    assert code == 0, err
    assert "256 on/off variants" in out and "purge_fear" in out


def test_the_new_plugin_does_what_it_declares(eighth: Path) -> None:
    """Its hooks run through the shared lifecycle: fewer leaks with it on (common random numbers)."""
    spec = sim.load_scenario(eighth)
    on = sim.simulate(spec, runs=400, seed=2)
    off = sim.simulate(spec.with_overrides(off=["purge_fear"]), runs=400, seed=2)
    assert on.leaks.mean() < off.leaks.mean()
    # Only the leak hazard changed: replicates that leak at all under fear leak no more than without.
    assert (on.leaks <= off.leaks).mean() > 0.9

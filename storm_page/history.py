""" "Given what history shows": the calibration ``viz --posterior DIR`` gave, its posterior and evidence.

No UI code, and no ABC of its own: the folder is read with sim.calibration's
loader (the same checks and messages as ``perfect-storm evidence``), the
ensemble draws from the posterior through the scenario's ``[uncertain]
posterior`` (sim.uncertain.posterior_sample, as a scenario file would), and
the evidence per hypothesis is sim.calibration.evidence. The folder comes only
from the command line (storm_page.inputs.posterior_folder), never the browser.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import sim

from . import inputs, numbers
from .state import Cache, spec_hash

#: How to get a calibration, for the page's notes (the lesson's optional step says the same).
HOW_TO = (
    "make one with `perfect-storm calibrate --out results/calibrate`, then start the page with "
    "`perfect-storm viz --posterior results/calibrate`"
)
#: Replicates per posterior draw. Fixed, not a share of the ensemble: replicate i belongs to draw
#: i // 25 and so keeps its posterior world whatever the ensemble size (1,000 replicates: 40 draws).
PER_DRAW = 25

_LOADED = Cache(4)
_EVIDENCE = Cache(4)


@dataclass(frozen=True)
class Calibration:
    """A finished calibration of this engine, as the page shows it (named by its folder's name)."""

    folder: Path
    stamp: int  # the manifest's modification time: a calibration resumed or redone is read again
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def keys(self) -> frozenset[str]:
        """The dotted keys the posterior draws (every calibrated parameter and switch)."""
        return frozenset(u["key"] for u in self.manifest["unknowns"])

    @property
    def scenarios(self) -> list[str]:
        return [s["name"] for s in self.manifest.get("scenarios", [])]

    def conditional(self) -> str:
        """What the posterior is conditional on, in sim.calibration's own words."""
        from sim.calibration.evidence import conditional_on

        return conditional_on(self.manifest)

    def pattern_observed(self, name: str) -> str:
        """What history records for one pattern (its ``observed`` text), or ""."""
        return next((str(p.get("observed", "")) for p in self.manifest["patterns"] if p["name"] == name), "")


def check(folder: str | Path) -> Calibration:
    """The calibration in ``folder``, read with sim.calibration's loader (its errors as they are)."""
    from sim.calibration import load_posterior

    path = Path(folder)
    stamp = os.stat(path / "manifest.json").st_mtime_ns if (path / "manifest.json").is_file() else 0
    _draws, _weights, manifest = load_posterior(path)  # also reads the posterior: a torn file fails here
    return Calibration(path, stamp, manifest)


def status() -> tuple[Calibration | None, str]:
    """The command line's calibration, or None and one line (no server path) saying why not."""
    folder = inputs.posterior_folder()
    if folder is None:
        return None, f"No calibration was given to the page: {HOW_TO}."
    try:
        stamp = os.stat(folder / "manifest.json").st_mtime_ns
    except OSError:
        stamp = None
    try:
        return _LOADED.get((str(folder), stamp), lambda: check(folder)), ""
    except sim.StormError as err:  # CalibrationUsage and CalibrationError both are
        text = str(err).splitlines()[0].replace(str(folder), folder.name)
    except Exception as err:  # noqa: BLE001 - a damaged folder must not take the page down
        text = f"{folder.name}: unreadable ({type(err).__name__})"
    return None, f"The calibration given to the page cannot be used ({text[:240]})."


def available() -> bool:
    return status()[0] is not None


def posterior_spec(spec: sim.Scenario, cal: Calibration) -> sim.Scenario:
    """The world ``spec`` with every calibrated parameter and switch drawn from the posterior.

    Exactly what ``[uncertain] posterior = "DIR"`` in the scenario file does; the scenario's
    own uncertain keys and the settings the calibration does not draw (interventions, other
    sliders) are kept.
    """
    new = spec.with_uncertain(None, PER_DRAW)  # a copy: cached scenarios are never changed
    table: dict[str, Any] = new.uncertain  # the table holds the folder as a path, beside distributions
    table["posterior"] = str(cal.folder.resolve())
    return new


def ensemble(spec: sim.Scenario, seed: int, runs: int, cal: Calibration) -> pd.DataFrame:
    """The ensemble given what history shows (one posterior particle per draw of 25), cached."""
    key = ("posterior", spec_hash(spec), seed, runs, str(cal.folder), cal.stamp)
    return numbers.cached(key, lambda: sim.simulate(posterior_spec(spec, cal), runs=runs, seed=seed))


def drawn_settings(spec: sim.Scenario, written: sim.Scenario, cal: Calibration) -> list[str]:
    """Sidebar settings the posterior replaces: changed sliders whose key it draws."""
    return sorted(k for k, v in spec.params.items() if k in cal.keys and v != written.params.get(k))


def evidence(cal: Calibration) -> pd.DataFrame:
    """sim.calibration.evidence of the calibration, cached (it reads every saved simulation)."""
    from sim.calibration import evidence as compute

    return _EVIDENCE.get((str(cal.folder), cal.stamp), lambda: compute(cal.folder))


def evidence_rows(cal: Calibration) -> list[dict[str, str]]:
    """The evidence as the hypotheses page prints it, one dict of cells per hypothesis."""
    rows = []
    for r in evidence(cal).itertuples():
        moved = f"{r.moved_most_by} (P(on) {r.moved_by:+.2f} without it)" if r.moved_most_by else "no pattern"
        rows.append(
            {
                "hypothesis": str(r.hypothesis),
                "prior": f"{r.prior_p_on:.2f}",
                "posterior": f"{r.posterior_p_on:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]",
                "bayes_factor": f"{r.bf_bound}{r.bayes_factor:.3g}",
                "moved_most_by": moved,
                "pattern": str(r.moved_most_by),
                "given": str(r.conditional_on),
            }
        )
    return rows

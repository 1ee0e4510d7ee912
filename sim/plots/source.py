"""What a figure is drawn from: a result directory, or the DataFrame ``sim.simulate`` returns.

A directory brings its manifest; a DataFrame brings its ``attrs`` (banner,
hypotheses on, scenario hash, seed) and, for the figures that need the
scenario itself (the fan chart, the time axis), the scenario: passed as
``scenario=``, or found in ``df.attrs["scenario"]`` (a Scenario, a path or a
shipped scenario's name). Series are not kept in a frame: a fan chart of a
frame re-runs its replicates recording them, which gives the very same
trajectories (a replicate is a pure function of seed and id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from .. import catalog
from ..analysis import summary as sm
from ..banner import BANNER
from ..errors import StormError
from ..scenario import Scenario, load_scenario, parse_time, scenario_from_dict

type Source = str | Path | pd.DataFrame


@dataclass
class Resolved:
    """A figure's source, resolved: its manifest, outcome frames and (when known) scenario."""

    manifest: dict[str, Any]
    directory: Path | None = None
    frame: pd.DataFrame | None = None
    spec: Scenario | None = None
    _frames: list[tuple[str, pd.DataFrame]] | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    def frames(self) -> list[tuple[str, pd.DataFrame]]:
        """(variant label, per-replicate outcomes) pairs."""
        if self._frames is None:
            self._frames = _outcome_frames(self)
        return self._frames

    def scenario(self, why: str) -> Scenario:
        """The scenario, or a one-line error saying what needs it and how to give it."""
        if self.spec is None:
            if self.frame is not None:
                raise StormError(
                    f"{why} needs the scenario of this DataFrame: pass scenario=NAME_OR_PATH "
                    "(or set df.attrs['scenario'])"
                )
            self.spec = scenario_from_manifest(self.manifest, str(self.directory))
        return self.spec


def _outcome_frames(src: Resolved) -> list[tuple[str, pd.DataFrame]]:
    if src.frame is not None:
        return [(str(src.manifest.get("scenario_name", "simulate")), src.frame)]
    d, kind = src.directory, src.kind
    assert d is not None
    if kind == "batch" and (d / "outcomes.parquet").is_file():
        return [(str(src.manifest.get("scenario_name", "batch")), pd.read_parquet(d / "outcomes.parquet"))]
    if kind == "compare":
        return [
            ("A (as written)", pd.read_parquet(d / "outcomes_a.parquet")),
            ("B (changed)", pd.read_parquet(d / "outcomes_b.parquet")),
        ]
    return []


def _scenario_arg(value: Any) -> Scenario:
    if isinstance(value, Scenario):
        return value
    return load_scenario(catalog.resolve(value))


def resolve(source: Source | Resolved, scenario: Any = None) -> Resolved:
    """A directory (its manifest is read) or a ``sim.simulate`` frame, resolved."""
    if isinstance(source, Resolved):
        return source
    if isinstance(source, pd.DataFrame):
        if "outcome" not in source.columns or "replicate" not in source.columns:
            raise StormError(
                "a DataFrame to plot must be what sim.simulate returns (columns replicate, outcome, ...)"
            )
        given = scenario if scenario is not None else source.attrs.get("scenario")
        spec = _scenario_arg(given) if given is not None else None
        attrs = source.attrs
        if spec is not None and attrs.get("scenario_hash") not in (None, spec.hash):
            raise StormError(
                f"scenario {spec.name} has hash {spec.hash}, but the DataFrame came from "
                f"{attrs['scenario_hash']}: pass the scenario it was simulated from"
            )
        manifest: dict[str, Any] = {
            "banner": attrs.get("banner", BANNER),
            "kind": "batch",
            "hypotheses_on": list(attrs.get("hypotheses_on", spec.hypotheses_on if spec else [])),
            "scenario_name": spec.name if spec else "simulate",
            "scenario_hash": attrs.get("scenario_hash", spec.hash if spec else None),
            "seed": attrs.get("seed"),
            "runs": len(source),
        }
        if spec is not None:
            manifest["scenario"] = spec.to_dict()
        return Resolved(manifest, frame=source, spec=spec)
    d = Path(source)
    manifest = sm.read_manifest(d)
    spec = _scenario_arg(scenario) if scenario is not None else None
    return Resolved(manifest, directory=d, spec=spec)


def scenario_from_manifest(manifest: dict[str, Any], where: str) -> Scenario:
    """Rebuild the resolved scenario a manifest records, checked against its hash."""
    data = manifest.get("scenario")
    if not isinstance(data, dict):
        raise StormError(f"{where}: the manifest records no scenario to rerun")
    try:  # the same loader as a file's (uncertain tables, answer and all), as replay uses
        spec = scenario_from_dict(
            data, f"{where}: the manifest's scenario", path=manifest.get("scenario_path")
        )
    except StormError as err:
        raise StormError(f"{where}: cannot rebuild the scenario from the manifest ({err})") from None
    if spec.hash != manifest.get("scenario_hash"):
        raise StormError(
            f"{where}: the scenario rebuilt from the manifest hashes to {spec.hash}, not "
            f"{manifest.get('scenario_hash')} (written by another version?)"
        )
    return spec


def mutiny_windows(manifest: dict[str, Any]) -> list[tuple[float, float]]:
    """The mutiny's fine windows, in hours since the start: (opens, closes) per mutiny shock."""
    data = manifest.get("scenario") or {}
    time = data.get("time") or {}
    if "start" not in time:
        return []
    start = parse_time(time["start"], "time.start")
    end = parse_time(time["end"], "time.end")
    total = (end - start) / timedelta(hours=1)
    out = []
    for s in data.get("shocks", []):
        if s.get("type") == "mutiny":
            at = (parse_time(s["at"], "at") - start) / timedelta(hours=1)
            if 0 <= at < total:
                out.append((at, min(at + float(s.get("fine_hours", 96.0)), total)))
    return out

"""Uncertain parameters: each replicate draws its own world.

A scenario's ``[uncertain]`` table gives any numeric parameter (or hypothesis
switch) a distribution, keyed by its dotted key::

    [uncertain]
    "wagner.speed_kmh" = { dist = "triangular", low = 30, mode = 48, high = 70 }
    "hypotheses.hidden_patrons.on" = { dist = "bernoulli", p = 0.5 }

Replicate ``i`` belongs to draw ``i // replicates_per_draw`` and takes, for each
key, the inverse CDF of a counter-based uniform keyed by (seed, draw, key): a
pure function, so a replicate and its parameter values are the same alone, in
any batch, chunk or worker, and two variants of a scenario that share a key
share its draws (common random numbers). Distributions are checked against
each key's declared range when the scenario loads, so a draw outside it is
impossible.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import hypotheses as hyp
from .params import PARAMS, Param
from .rng import keyed_uniform, site_key

#: Distribution name -> (required fields, optional fields).
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "loguniform": (("low", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),
    "bernoulli": (("p",), ()),
}
GUESSES = "guesses"
#: Entries of an ``[uncertain]`` table that are settings, not keys.
SPECIAL = ("posterior", "replicates_per_draw")


class UncertainError(ValueError):
    """A bad ``[uncertain]`` entry; the message names the key (the caller adds the file)."""


def numeric_keys() -> dict[str, Param]:
    """Every key that may be uncertain, with its declaration (switches excluded)."""
    keys = {k: p for k, p in PARAMS.items() if not p.structural}
    for hid, cls in hyp.REGISTRY.items():
        keys.update({f"hypotheses.{hid}.{n}": p for n, p in cls.params.items()})
    return keys


def switch_keys() -> list[str]:
    return [f"hypotheses.{hid}.on" for hid in hyp.REGISTRY]


def guess_keys() -> list[str]:
    """The keys ``--uncertain guesses`` makes uncertain: every parameter whose source is a guess."""
    return [k for k, p in numeric_keys().items() if p.source == "guess"]


@dataclass(frozen=True)
class Dist:
    """One key's distribution; ``ppf`` maps U[0, 1) to its values."""

    key: str
    dist: str
    args: tuple[tuple[str, float], ...]

    @property
    def kw(self) -> dict[str, float]:
        return dict(self.args)

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.dist, **self.kw}

    @property
    def is_switch(self) -> bool:
        return self.dist == "bernoulli"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The inverse CDF at ``u`` (scipy.stats), as float64 or bool for a switch."""
        from scipy import stats  # lazy: keeps the CLI's start fast

        k = self.kw
        if self.dist == "bernoulli":
            return u < k["p"]
        if self.dist == "uniform":
            return stats.uniform.ppf(u, loc=k["low"], scale=k["high"] - k["low"])
        if self.dist == "triangular":
            width = k["high"] - k["low"]
            c = (k["mode"] - k["low"]) / width if width > 0 else 0.5
            return stats.triang.ppf(u, c, loc=k["low"], scale=width)
        if self.dist == "loguniform":
            return stats.loguniform.ppf(u, k["low"], k["high"])
        if self.dist == "normal":
            a, b = (k["low"] - k["mean"]) / k["sd"], (k["high"] - k["mean"]) / k["sd"]
            return stats.truncnorm.ppf(u, a, b, loc=k["mean"], scale=k["sd"])
        if self.dist == "beta":
            return stats.beta.ppf(u, k["a"], k["b"], loc=k["low"], scale=k["high"] - k["low"])
        raise AssertionError(self.dist)  # parse() admits no other

    def describe(self) -> str:
        return f"{self.dist}(" + ", ".join(f"{n}={v:g}" for n, v in self.args) + ")"


def _number(key: str, field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UncertainError(f"{key}: {field} must be a finite number, got {value!r}")
    return float(value)


def parse(key: str, entry: object) -> Dist:
    """Validate one ``[uncertain]`` entry against the key's declaration; UncertainError if bad."""
    numeric = numeric_keys()
    if key not in numeric and key not in switch_keys():
        from .errors import choices_hint

        raise UncertainError(f"unknown uncertain key {key!r}{choices_hint(key, [*numeric, *switch_keys()])}")
    if not isinstance(entry, Mapping):
        raise UncertainError(f'{key}: expected a table like {{ dist = "uniform", low = 0, high = 1 }}')
    fields = dict(entry)
    name = fields.pop("dist", None)
    if name not in DISTRIBUTIONS:
        raise UncertainError(f"{key}: unknown dist {name!r}; valid: {', '.join(DISTRIBUTIONS)}")
    is_switch = key.endswith(".on")
    if is_switch != (name == "bernoulli"):
        want = (
            "bernoulli (a switch)" if is_switch else ", ".join(d for d in DISTRIBUTIONS if d != "bernoulli")
        )
        raise UncertainError(f"{key}: dist {name!r} does not fit this key; valid: {want}")
    required, optional = DISTRIBUTIONS[name]
    missing = [f for f in required if f not in fields]
    if missing:
        raise UncertainError(
            f"{key}: dist {name!r} needs {', '.join(missing)} (fields: {', '.join(required)})"
        )
    extra = [f for f in fields if f not in required + optional]
    if extra:
        raise UncertainError(
            f"{key}: unknown field {extra[0]!r} for dist {name!r}; valid: {', '.join(required + optional)}"
        )
    kw = {f: _number(key, f, v) for f, v in fields.items()}
    if name == "bernoulli":
        if not 0 <= kw["p"] <= 1:
            raise UncertainError(f"{key}: p = {kw['p']:g} is outside [0, 1]")
        return Dist(key, name, (("p", kw["p"]),))
    spec = numeric[key]
    if name in ("normal", "beta"):
        kw.setdefault("low", spec.low)
        kw.setdefault("high", spec.high)
    lo, hi = kw["low"], kw["high"]
    if not lo < hi:
        raise UncertainError(f"{key}: low = {lo:g} must be below high = {hi:g}")
    if lo < spec.low or hi > spec.high:
        raise UncertainError(
            f"{key}: [{lo:g}, {hi:g}] is outside the declared range [{spec.low:g}, {spec.high:g}] ({spec.unit})"
        )
    if name == "triangular" and not lo <= kw["mode"] <= hi:
        raise UncertainError(f"{key}: mode = {kw['mode']:g} is outside [low, high] = [{lo:g}, {hi:g}]")
    if name == "loguniform" and lo <= 0:
        raise UncertainError(f"{key}: loguniform needs low > 0, got {lo:g}")
    if name == "normal" and kw["sd"] <= 0:
        raise UncertainError(f"{key}: sd must be positive, got {kw['sd']:g}")
    if name == "beta" and (kw["a"] <= 0 or kw["b"] <= 0):
        raise UncertainError(f"{key}: a and b must be positive")
    order = required + tuple(f for f in optional if f in kw)
    return Dist(key, name, tuple((f, kw[f]) for f in order))


def parse_table(table: Mapping[str, object]) -> dict[str, Dist]:
    """Every entry of an ``[uncertain]`` table (``posterior`` is handled by the scenario)."""
    per = table.get("replicates_per_draw", 1)
    if isinstance(per, bool) or not isinstance(per, int) or per < 1:
        raise UncertainError(f"replicates_per_draw: expected a whole number >= 1, got {per!r}")
    return {key: parse(key, entry) for key, entry in table.items() if key not in SPECIAL}


def guesses() -> dict[str, Dist]:
    """Every guessed parameter uniform over the range it is believed to lie in."""
    out = {}
    for key, spec in numeric_keys().items():
        if spec.source == "guess":
            lo, hi = spec.guess_range
            # Through the table parser, so the numbers take their normal form (floats) and a
            # scenario rebuilt from its manifest hashes the same.
            out[key] = parse(key, {"dist": "uniform", "low": lo, "high": hi})
    return out


def uniform(key: str, low: float, high: float) -> Dist:
    """One uniform key (``--uncertain KEY=LOW:HIGH``), validated like a table entry."""
    return parse(key, {"dist": "uniform", "low": low, "high": high})


#: Keeps parameter draws apart from the dynamic streams of the same seed.
_DOMAIN = 0x5EEDD1A50F0B


def draw_ids(replicate_ids: np.ndarray, per_draw: int) -> np.ndarray:
    """The parameter draw each replicate belongs to (nested design: ``per_draw`` replicates each)."""
    return np.asarray(replicate_ids, dtype=np.int64) // int(per_draw)


def sample(dists: Mapping[str, Dist], seed: int, draws: np.ndarray) -> dict[str, np.ndarray]:
    """Each key's value for each draw id: a pure function of (seed, draw, key)."""
    ids = np.asarray(draws, dtype=np.uint64)
    return {
        key: d.ppf(keyed_uniform(seed ^ _DOMAIN, ids, site_key(f"uncertain.{key}")))
        for key, d in dists.items()
    }


def posterior_dir(spec: Any) -> Path | None:
    """The calibration folder a scenario's ``[uncertain] posterior`` names.

    A relative path is read from the current directory, where ``calibrate`` writes its
    folder (``results/calibrate`` by default), not from the scenario file's directory.
    """
    name = spec.uncertain.get("posterior") if spec.uncertain else None
    return Path(name) if name else None


@functools.cache
def _posterior(path: str, stamp: float) -> tuple[Any, np.ndarray]:
    from .calibration.posterior import load_posterior

    draws, weights, _ = load_posterior(path)
    return draws, weights


def _short(path: Path) -> str:
    import os

    return os.path.relpath(path.resolve())


def posterior_sample(spec: Any, seed: int, draws: np.ndarray) -> dict[str, np.ndarray]:
    """Each draw's values from the scenario's posterior (empty without one).

    A draw picks a posterior particle with probability its weight, through the
    counter-based streams, so a replicate keeps its world alone and in any batch.
    """
    path = posterior_dir(spec)
    if path is None:
        return {}
    from .calibration.posterior import posterior_worlds

    if not (path / "manifest.json").is_file():
        from .errors import ScenarioError

        raise ScenarioError(
            f"{spec.path or spec.name}: uncertain.posterior: {_short(path)} holds no calibration; make it "
            f"with `perfect-storm calibrate --out {_short(path)}` (docs/calibration.md)"
        )
    frame, weights = _posterior(str(path), (path / "manifest.json").stat().st_mtime)
    _, worlds = posterior_worlds(frame, weights, seed, np.asarray(draws, dtype=np.int64))
    return {
        k: (np.asarray(v).astype(bool) if k.endswith(".on") else np.asarray(v, dtype=float))
        for k, v in worlds.items()
    }


def summary(dists: Mapping[str, Dist]) -> dict[str, dict[str, Any]]:
    """Plain data for manifests and attrs."""
    return {k: d.to_dict() for k, d in dists.items()}

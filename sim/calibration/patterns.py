"""History as data: the documented patterns a run is checked and calibrated against.

A patterns file is TOML with one ``[patterns.NAME]`` table per pattern::

    [patterns.mutiny_halt]
    observed = "the mutiny ended in a halt brokered by a mediator"
    when = 2023-06-24
    source = "contemporary reporting, 24-25 June 2023"
    figure = "mutiny_end"          # a named figure (sim.calibration.figures)
    equals = "mediated_halt"       # exactly one test: equals, one_of, none_of, between, outside, near

Tests: ``equals``/``one_of``/``none_of`` for a category; ``between = [LOW,
HIGH]`` (the value is inside; a missing value misses), ``outside = [LOW,
HIGH]`` (missing or outside: "did not happen in the window") and ``near =
TARGET`` with ``scale`` for numbers and times (times as TOML dates; ``scale``
in days). Optional: ``value`` (the observed value, for plots), ``scale`` on
``between`` (graded distance outside the window), ``weight`` (default 1),
``scenarios`` (names of the scenarios it applies to; default all).

Each pattern gives every replicate a discrepancy: 0 or 1 for a yes/no test,
``|x - target| / scale`` (``near``) or the distance outside the window over
``scale`` (graded ``between``); a missing value counts ``MISSING`` scales.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ScenarioError, choices_hint
from .figures import FIGURES, Figure, missing_columns

TESTS = ("equals", "one_of", "none_of", "between", "outside", "near")
TEXT = ("observed", "when", "source", "figure")
OPTIONAL = ("value", "scale", "weight", "scenarios", "note")
KEYS = (*TEXT, *TESTS, *OPTIONAL)
#: Discrepancy of a missing value under a graded test, in scales.
MISSING = 3.0
_EPOCH = np.datetime64("1970-01-01T00:00:00", "s")


class PatternError(ScenarioError):
    """A patterns file or its content is wrong (exit status 1); the message names file and key."""


@dataclass(frozen=True)
class Pattern:
    """One documented pattern and how it is computed from a run."""

    name: str
    observed: str
    when: date
    source: str
    figure: str
    test: str
    categories: tuple[str, ...] = ()
    low: float = float("nan")  # numbers, or days since 1970 for times
    high: float = float("nan")
    target: float = float("nan")
    scale: float = float("nan")
    value: Any = None
    weight: float = 1.0
    scenarios: tuple[str, ...] | None = None

    @property
    def fig(self) -> Figure:
        return FIGURES[self.figure]

    @property
    def graded(self) -> bool:
        return self.test == "near" or (self.test == "between" and np.isfinite(self.scale))

    def applies_to(self, scenario: str) -> bool:
        return self.scenarios is None or scenario in self.scenarios

    def values(self, df: pd.DataFrame) -> np.ndarray:
        """The figure per replicate: floats (days since 1970 for times) or objects (categories)."""
        raw = self.fig.compute(df)
        if self.fig.kind == "time":
            t = np.asarray(raw, dtype="datetime64[s]")
            return np.where(np.isnat(t), np.nan, (t - _EPOCH) / np.timedelta64(1, "D"))
        return raw

    def discrepancy(self, df: pd.DataFrame) -> np.ndarray:
        """0 where a replicate matches; positive where it does not (see the module doc)."""
        x = self.values(df)
        if self.test in ("equals", "one_of"):
            d = (~np.isin(x.astype(object), list(self.categories))).astype(float)
        elif self.test == "none_of":
            d = np.isin(x.astype(object), list(self.categories)).astype(float)
        else:
            x = np.asarray(x, dtype=float)
            missing = np.isnan(x)
            if self.test == "outside":
                d = np.where(missing | (x < self.low) | (x > self.high), 0.0, 1.0)
            elif self.test == "between":
                if self.graded:
                    gap = np.maximum(self.low - x, 0) + np.maximum(x - self.high, 0)
                    d = np.where(missing, MISSING, gap / self.scale)
                else:
                    d = np.where(missing | (x < self.low) | (x > self.high), 1.0, 0.0)
            else:  # near
                d = np.where(missing, MISSING, np.abs(x - self.target) / self.scale)
        return self.weight * d

    def matches(self, df: pd.DataFrame) -> np.ndarray:
        """Whether each replicate shows the pattern (for ``near``: within one scale)."""
        d = self.discrepancy(df) / self.weight
        return d <= 1.0 if self.test == "near" else d == 0.0


@dataclass(frozen=True)
class PatternSet:
    """The patterns of one file, with the file's text and hash for the record."""

    path: str
    patterns: tuple[Pattern, ...]
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.patterns]

    def without(self, name: str) -> PatternSet:
        return PatternSet(self.path, tuple(p for p in self.patterns if p.name != name), self.text)


def _days(value: object, where: str) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise PatternError(f"{where}: time zones are not supported; give a local date like 2023-06-24")
        t = np.datetime64(value.replace(microsecond=0), "s")
    elif isinstance(value, date):
        t = np.datetime64(value, "s")
    else:
        raise PatternError(f"{where}: expected a date like 2023-06-24, got {value!r}")
    return float((t - _EPOCH) / np.timedelta64(1, "D"))


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PatternError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _point(fig: Figure, value: object, where: str) -> float:
    return _days(value, where) if fig.kind == "time" else _number(value, where)


def _window(fig: Figure, value: object, where: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise PatternError(f"{where}: expected [LOW, HIGH], got {value!r}")
    low, high = (_point(fig, v, where) for v in value)
    if low > high:
        raise PatternError(f"{where}: LOW {value[0]} is after HIGH {value[1]}")
    return low, high


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PatternError(f"{where}.{key}: required, a non-empty text")
    return value


def _pattern(name: str, table: object, where: str, available: Collection[str]) -> Pattern:
    if not isinstance(table, dict):
        raise PatternError(f"{where}: expected a table of keys, got {table!r}")
    for key in table:
        if key not in KEYS:
            raise PatternError(f"{where}.{key}: unknown key{choices_hint(key, KEYS)}")
    observed, source = _text(table, "observed", where), _text(table, "source", where)
    when = table.get("when")
    if not isinstance(when, date):
        raise PatternError(f"{where}.when: required, a date like 2023-06-24")
    fname = _text(table, "figure", where)
    if fname not in FIGURES:
        raise PatternError(f"{where}.figure: unknown figure {fname!r}{choices_hint(fname, FIGURES)}")
    fig = FIGURES[fname]
    lacking = missing_columns(fig, available)
    if lacking:
        raise PatternError(
            f"{where}.figure: {fname!r} needs the result column(s) {', '.join(lacking)}, "
            "which this engine does not compute yet"
        )
    tests = [t for t in TESTS if t in table]
    if len(tests) != 1:
        got = ", ".join(tests) or "none"
        raise PatternError(f"{where}: give exactly one test of {', '.join(TESTS)} (got {got})")
    test = tests[0]
    spec = table[test]
    kw: dict[str, Any] = {}
    at = f"{where}.{test}"
    if test in ("equals", "one_of", "none_of"):
        if fig.kind != "category":
            raise PatternError(f"{at}: {fname!r} is a {fig.kind}; use between, outside or near")
        cats = [spec] if test == "equals" else spec
        if not isinstance(cats, list) or not cats or not all(isinstance(c, str) for c in cats):
            raise PatternError(f"{at}: expected {'a text' if test == 'equals' else 'a list of texts'}")
        for c in cats:
            if fig.categories is not None and c not in fig.categories:
                raise PatternError(f"{at}: {fname!r} has no value {c!r}{choices_hint(c, fig.categories)}")
        kw["categories"] = tuple(cats)
    else:
        if fig.kind == "category":
            raise PatternError(f"{at}: {fname!r} is a category; use equals, one_of or none_of")
        if test == "near":
            kw["target"] = _point(fig, spec, at)
            if "scale" not in table:
                raise PatternError(f"{where}.scale: required with near (in {fig.unit or 'days'})")
        else:
            kw["low"], kw["high"] = _window(fig, spec, at)
    if "scale" in table:
        if test not in ("near", "between"):
            raise PatternError(f"{where}.scale: only with near or between")
        kw["scale"] = _number(table["scale"], f"{where}.scale")
        if kw["scale"] <= 0:
            raise PatternError(f"{where}.scale: must be positive, got {table['scale']}")
    weight = _number(table.get("weight", 1.0), f"{where}.weight")
    if weight <= 0:
        raise PatternError(f"{where}.weight: must be positive, got {weight}")
    scenarios = table.get("scenarios")
    if scenarios is not None and (
        not isinstance(scenarios, list) or not scenarios or not all(isinstance(s, str) for s in scenarios)
    ):
        raise PatternError(f"{where}.scenarios: expected a non-empty list of scenario names")
    return Pattern(
        name,
        observed,
        when,
        source,
        fname,
        test,
        value=table.get("value", spec if test in ("equals", "near") else None),
        weight=weight,
        scenarios=tuple(scenarios) if scenarios else None,
        **kw,
    )


def _contradiction(a: Pattern, b: Pattern) -> str | None:
    """Why ``a`` and ``b`` cannot both hold, or None."""
    if a.figure != b.figure:
        return None
    if a.scenarios and b.scenarios and not set(a.scenarios) & set(b.scenarios):
        return None
    fig = a.fig
    if fig.kind == "category":

        def allowed(p: Pattern) -> set[str] | None:
            if p.test == "none_of":
                return None if fig.categories is None else set(fig.categories) - set(p.categories)
            return set(p.categories)

        sa, sb = allowed(a), allowed(b)
        if sa is not None and sb is not None and not sa & sb:
            return f"{a.figure} cannot satisfy both"
        if a.test != "none_of" and b.test == "none_of" and sa is not None and sa <= set(b.categories):
            return f"{a.figure} cannot satisfy both"
        return None
    for p, q in ((a, b), (b, a)):
        if p.test == "between" and q.test == "between" and (p.high < q.low or q.high < p.low):
            return f"the windows of {a.figure} do not overlap"
        if p.test == "between" and q.test == "outside" and q.low <= p.low and p.high <= q.high:
            return f"{a.figure} must be inside a window the other excludes"
    return None


def load_patterns(path: str | Path, available: Collection[str] | None = None) -> PatternSet:
    """Read and check a patterns file; ``available``: the result columns the simulator gives.

    Errors (:class:`PatternError`) name the file and the key: an unknown
    figure or key, a figure whose columns the engine does not compute yet, an
    empty file, two patterns that contradict each other.
    """
    from .figures import engine_columns

    p = Path(path)
    cols = engine_columns() if available is None else available
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PatternError(f"{p}: no such patterns file") from None
    except OSError as err:
        raise PatternError(f"{p}: cannot read: {err.strerror or err}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PatternError(f"{p}: not valid TOML: {err}") from None
    for key in raw:
        if key not in ("patterns", "title", "description"):
            raise PatternError(
                f"{p}: {key}: unknown key{choices_hint(key, ('patterns', 'title', 'description'))}"
            )
    table = raw.get("patterns", {})
    if not isinstance(table, dict) or not table:
        raise PatternError(f"{p}: patterns: no patterns (add at least one [patterns.NAME] table)")
    patterns = tuple(_pattern(n, t, f"{p}: patterns.{n}", cols) for n, t in table.items())
    for i, a in enumerate(patterns):
        for b in patterns[i + 1 :]:
            why = _contradiction(a, b)
            if why:
                raise PatternError(
                    f"{p}: patterns.{a.name} and patterns.{b.name} contradict each other: {why}"
                )
    return PatternSet(str(p), patterns, text)


def discrepancies(
    patterns: PatternSet, frames: Sequence[tuple[str, pd.DataFrame]]
) -> tuple[np.ndarray, list[str]]:
    """The discrepancy of every (scenario, pattern) pair that applies: (replicates, pairs), labels."""
    cols, labels = [], []
    for scenario, df in frames:
        for pat in patterns.patterns:
            if pat.applies_to(scenario):
                lacking = missing_columns(pat.fig, df.columns)
                if lacking:
                    raise PatternError(
                        f"{patterns.path}: patterns.{pat.name}.figure: the results of {scenario} "
                        f"lack the column(s) {', '.join(lacking)}"
                    )
                cols.append(pat.discrepancy(df))
                labels.append(f"{scenario}:{pat.name}")
    if not cols:
        names = ", ".join(s for s, _ in frames)
        raise PatternError(f"{patterns.path}: patterns: none applies to the scenario(s) {names}")
    return np.column_stack(cols), labels

"""Parameter sweeps over a scenario, and global sensitivity with SALib.

Every point of a design runs the same replicate ids with the same seed
(common random numbers), so two points differ only by their parameters, and
the response curves are smooth where the model is. Designs: a full grid, a
Latin hypercube, a scrambled Sobol sequence (scipy.stats.qmc), a Saltelli
design for Sobol indices or Morris trajectories (SALib).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import hypotheses as hyp
from ..ensemble import DEFAULT_CHUNK, check_size, run_variants
from ..errors import UsageError
from ..params import PARAMS, Param
from ..scenario import TIME_PARAMS, Scenario, load_scenario
from ..stats import wilson
from ..worlds import valid_keys as world_keys
from . import summary as sm

DESIGNS = ("grid", "lhs", "sobol")
ANALYSES = ("sobol", "morris")
MORRIS_LEVELS = 4
#: Bootstrap resamples of SALib's confidence intervals.
RESAMPLES = 200
MAX_POINTS = 20_000  # a guard against a typo turning into days of simulation


@dataclass(frozen=True)
class SweepParam:
    """One swept key and its range."""

    key: str
    low: float
    high: float
    declared: Param


def numeric_keys() -> dict[str, Param]:
    """Every numeric dotted key a sweep can vary, with its declared range."""
    keys: dict[str, Param] = dict(PARAMS)
    keys.update({f"time.{k}": p for k, p in TIME_PARAMS.items()})
    for hid, cls in hyp.REGISTRY.items():
        keys.update({f"hypotheses.{hid}.{k}": p for k, p in cls.params.items()})
    return keys


def _key_error(key: str, keys: dict[str, Param]) -> UsageError:
    close = difflib.get_close_matches(key, list(keys), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    group = key.rsplit(".", 1)[0]
    same = sorted(k for k in keys if k.rsplit(".", 1)[0] == group)
    if same:
        valid = f"; numeric keys in {group}: {', '.join(same)}"
    else:
        valid = "; see `perfect-storm show SCENARIO` or docs/scenarios.md for the numeric keys"
    return UsageError(f"--param {key}: not a numeric scenario key{hint}{valid}")


def parse_param(text: str) -> SweepParam:
    """``KEY=LOW:HIGH`` checked against the key's declared range (UsageError if not)."""
    key, sep, rng = text.partition("=")
    key = key.strip()
    low_s, colon, high_s = rng.partition(":")
    if not sep or not key or not colon:
        raise UsageError(f"--param {text!r}: expected KEY=LOW:HIGH, e.g. wagner.speed_kmh=20:60")
    keys = numeric_keys()
    if key not in keys:
        raise _key_error(key, keys)
    decl = keys[key]
    try:
        low, high = float(low_s), float(high_s)
    except ValueError:
        raise UsageError(f"--param {key}: LOW and HIGH must be numbers, got {rng!r}") from None
    valid = f"valid range [{decl.low:g}, {decl.high:g}] ({decl.unit})"
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise UsageError(f"--param {key}: LOW must be below HIGH, got {low:g}:{high:g}; {valid}")
    if low < decl.low or high > decl.high:
        raise UsageError(f"--param {key}: {low:g}:{high:g} is outside the {valid}")
    return SweepParam(key, low, high, decl)


def parse_params(texts: list[str] | tuple[str, ...]) -> list[SweepParam]:
    """All ``--param`` options; at least one, no key twice."""
    if not texts:
        raise UsageError("--param: give at least one KEY=LOW:HIGH, e.g. --param wagner.speed_kmh=20:60")
    params = [parse_param(t) for t in texts]
    seen: set[str] = set()
    for p in params:
        if p.key in seen:
            raise UsageError(f"--param {p.key}: given twice")
        seen.add(p.key)
    return params


def _problem(params: list[SweepParam]) -> dict[str, Any]:
    return {
        "num_vars": len(params),
        "names": [p.key for p in params],
        "bounds": [[p.low, p.high] for p in params],
    }


def _pow2(n: int) -> int:
    return 1 << max(0, math.ceil(math.log2(max(n, 1))))


def build_design(
    params: list[SweepParam],
    design: str = "lhs",
    points: int = 16,
    seed: int = 0,
    analyze: str | None = None,
) -> tuple[np.ndarray, str, list[str]]:
    """The design matrix (points x parameters, in real units), its name and notes.

    ``analyze='sobol'`` gives a Saltelli design with N = ``points`` base samples
    (N (d + 2) rows); ``analyze='morris'`` gives ``points`` Morris trajectories
    (``points`` (d + 1) rows). A Sobol sequence or Saltelli design wants N a power
    of 2: other values are rounded up, with a note.
    """
    if points < 1:
        raise UsageError(f"--points: must be at least 1, got {points}")
    d = len(params)
    lows = np.array([p.low for p in params])
    highs = np.array([p.high for p in params])
    notes: list[str] = []
    if analyze is not None and analyze not in ANALYSES:
        raise UsageError(f"--analyze: unknown method {analyze!r}; valid: {', '.join(ANALYSES)}")
    if analyze == "sobol":
        from SALib.sample import sobol as saltelli

        n = _pow2(points)
        if n != points:
            notes.append(f"Saltelli designs want a power of 2: --points {points} rounded up to {n}")
        x = saltelli.sample(_problem(params), n, calc_second_order=False, seed=salib_seed(seed))
        name = f"saltelli (N={n}, {n * (d + 2)} points)"
    elif analyze == "morris":
        from SALib.sample import morris

        x = morris.sample(_problem(params), points, num_levels=MORRIS_LEVELS, seed=salib_seed(seed))
        name = f"morris ({points} trajectories, {MORRIS_LEVELS} levels, {len(x)} points)"
    elif design == "grid":
        if points < 2:
            raise UsageError(f"--points: a grid needs at least 2 levels per parameter, got {points}")
        if points**d > MAX_POINTS:  # before the grid exists: points^d grows fast
            raise UsageError(
                f"--points: a {points}-level grid over {d} parameters has {points**d:,} points, "
                f"more than {MAX_POINTS:,}; use fewer levels or an lhs/sobol design"
            )
        axes = [np.linspace(p.low, p.high, points) for p in params]
        x = np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)
        name = f"grid ({points} levels per parameter, {len(x)} points)"
    elif design == "lhs":
        from scipy.stats import qmc  # imported here: scipy.stats is slow to import

        unit = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(points)
        x = qmc.scale(unit, lows, highs)
        name = f"lhs ({points} points)"
    elif design == "sobol":
        n = _pow2(points)
        if n != points:
            notes.append(f"Sobol sequences want a power of 2: --points {points} rounded up to {n}")
        from scipy.stats import qmc

        unit = qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(seed)).random_base2(int(math.log2(n)))
        x = qmc.scale(unit, lows, highs)
        name = f"sobol ({n} points)"
    else:
        raise UsageError(f"--design: unknown design {design!r}; valid: {', '.join(DESIGNS)}")
    if len(x) > MAX_POINTS:
        raise UsageError(f"--points: the design has {len(x)} points, more than {MAX_POINTS}; use fewer")
    return np.asarray(x, dtype=float), name, notes


def _notes_for(spec: Scenario, params: list[SweepParam]) -> list[str]:
    notes = []
    for p in params:
        if p.key.startswith("hypotheses."):
            hid = p.key.split(".")[1]
            if not spec.hypotheses[hid]["on"]:
                notes.append(f"{hid} is off in this scenario: {p.key} changes nothing unless --with {hid}")
        if p.key.startswith("time."):
            notes.append(f"{p.key} changes the step grid: points share seeds but not step-by-step draws")
    return notes


@dataclass
class SweepResult:
    """A finished sweep: the design and the outcome probabilities at each point."""

    spec: Scenario
    params: list[SweepParam]
    design: str
    runs: int
    seed: int
    x: np.ndarray
    #: Long table: point, the parameter columns, variable, outcome, output, count, runs,
    #: probability, ci_low, ci_high.
    points: pd.DataFrame
    analyze: str | None = None
    notes: list[str] = field(default_factory=list)
    noise: pd.DataFrame = field(init=False)
    indices: pd.DataFrame | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.noise = noise_share(self.points, self.runs)
        if self.analyze is not None:
            self.indices = sensitivity(self.params, self.x, self.wide(), self.analyze, self.seed)

    @property
    def n_points(self) -> int:
        return len(self.x)

    def wide(self) -> pd.DataFrame:
        """One row per point: the parameters, then one probability column per output."""
        keys = [p.key for p in self.params]
        w = self.points.pivot_table(
            index=["point", *keys], columns="output", values="probability", sort=False
        ).reset_index()
        w.columns.name = None
        return w

    def manifest(self) -> dict[str, Any]:
        m = sm.manifest_base("sweep", self.spec, self.seed, self.runs)
        m.update(
            {
                "design": self.design,
                "points": self.n_points,
                "runs_per_point": self.runs,
                "params": [
                    {
                        "key": p.key,
                        "low": p.low,
                        "high": p.high,
                        "unit": p.declared.unit,
                        "declared_range": [p.declared.low, p.declared.high],
                    }
                    for p in self.params
                ],
                "analyze": self.analyze,
                "salib": _salib_record(self.analyze, self.seed),
                "notes": self.notes,
                "common_random_numbers": "same seed and replicate ids at every point",
                "files": ["points.parquet", "points.csv", "noise.csv"]
                + (["indices.csv"] if self.indices is not None else []),
            }
        )
        return m

    def write(self, out: str | Path, overwrite: bool = False) -> Path:
        path = sm.prepare_out(out, overwrite)
        m = self.manifest()
        sm.write_parquet(path / "points.parquet", self.points, m)
        sm.write_csv(path / "points.csv", self.points, m, [f"design: {self.design}; 95 % Wilson intervals"])
        sm.write_csv(
            path / "noise.csv",
            self.noise,
            m,
            ["noise_share = mean binomial variance p(1-p)/(R-1) / variance of the point estimates"],
        )
        if self.indices is not None:
            sm.write_csv(
                path / "indices.csv",
                self.indices,
                m,
                [f"{self.analyze} indices via SALib; conf = 95 % half-width"],
            )
        sm.write_manifest(path, m)
        return path


def _output_name(variable: str, outcome: str) -> str:
    return outcome if variable == "outcome" else f"{variable}:{outcome}"


def sweep(
    scenario: str | Path | Scenario,
    params: list[SweepParam] | list[str],
    design: str = "lhs",
    points: int = 16,
    runs: int = 200,
    seed: int = 0,
    analyze: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    executor: str = "inline",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> SweepResult:
    """Run ``runs`` replicates at every design point, on common random numbers.

    All points run as one ensemble (each point a block of replicates whose
    swept values are arrays over the block), chunked over the executor; each
    point's rows equal a plain ``simulate`` at that point, bit for bit. A key
    that shapes the clock (``time.*``) cannot vary inside one model, so those
    points run one model each. ``progress(done, total)`` counts replicates.
    """
    spec = load_scenario(scenario)
    plist = [p if isinstance(p, SweepParam) else parse_param(p) for p in params]
    if runs < 1:
        raise UsageError(f"--runs: must be at least 1, got {runs}")
    x, name, notes = build_design(plist, design, points, seed, analyze)
    check_size("sweep", len(x), runs, spec, columns=len(sm.VARIABLES), workers=workers or 1)
    notes += _notes_for(spec, plist)
    opts: dict[str, Any] = {"executor": executor, "workers": workers, "scheduler": scheduler, "chunk": chunk}
    keys = [p.key for p in plist]
    if all(k in world_keys() for k in keys):
        variants = [{k: float(v) for k, v in zip(keys, row, strict=True)} for row in x]
        results = run_variants(
            spec, variants, runs, seed, progress=progress, columns=list(sm.VARIABLES), **opts
        )
    else:
        results = []
        for i, row in enumerate(x):
            sets = [f"{k}={float(v)!r}" for k, v in zip(keys, row, strict=True)]
            results += run_variants(
                spec.with_overrides(sets=sets), [{}], runs, seed, columns=list(sm.VARIABLES), **opts
            )
            if progress is not None:
                progress((i + 1) * runs, len(x) * runs)
    table = points_table(x, plist, results)
    return SweepResult(spec, plist, name, int(runs), int(seed), x, table, analyze, notes)


def points_table(x: np.ndarray, plist: list[SweepParam], results: list[pd.DataFrame]) -> pd.DataFrame:
    """The long table of :attr:`SweepResult.points`: per point, variable and category, the count,
    runs, probability and 95 % Wilson interval, as :func:`summary.outcome_table` gives them.

    Every point at once: one bincount over (point, category) per variable, one Wilson call.
    """
    n_points = len(results)
    runs = np.array([len(df) for df in results], dtype=np.int64)
    point_of_row = np.repeat(np.arange(n_points), runs)
    counts, variables, outcomes = [], [], []
    for variable, cats in sm.VARIABLES.items():
        found = np.concatenate([sm.codes(df, variable) for df in results]).astype(np.int64)
        ok = found >= 0
        tally = np.bincount(point_of_row[ok] * len(cats) + found[ok], minlength=n_points * len(cats))
        counts.append(tally.reshape(n_points, len(cats)))
        variables += [variable] * len(cats)
        outcomes += list(cats)
    per_point = len(outcomes)  # rows per point
    count = np.concatenate(counts, axis=1).ravel().astype(np.int64)
    n = np.repeat(runs, per_point)
    low, high = wilson(count, n)
    names = [_output_name(v, o) for v, o in zip(variables, outcomes, strict=True)]
    return pd.DataFrame(
        {
            "point": np.repeat(np.arange(n_points, dtype=np.int64), per_point),
            **{p.key: np.repeat(np.asarray(x[:, j], dtype=float), per_point) for j, p in enumerate(plist)},
            "variable": np.tile(np.array(variables, dtype=object), n_points),
            "outcome": np.tile(np.array(outcomes, dtype=object), n_points),
            "output": np.tile(np.array(names, dtype=object), n_points),
            "count": count,
            "runs": n,
            "probability": count / n,
            "ci_low": low,
            "ci_high": high,
        }
    )


def noise_share(points: pd.DataFrame, runs: int) -> pd.DataFrame:
    """Per output: the variance of the point estimates and the share binomial noise explains.

    Each point's estimate p̂ has sampling variance p(1-p)/R, estimated without
    bias by p̂(1-p̂)/(R-1); its mean over points, over the variance of p̂ across
    points, is the share of that variance that replicate noise alone would give.
    """
    rows = []
    for output, g in points.groupby("output", sort=False):
        p = g["probability"].to_numpy(dtype=float)
        total = float(p.var(ddof=1)) if len(p) > 1 else math.nan
        noise = float(np.mean(p * (1 - p) / max(runs - 1, 1)))
        share = noise / total if total and total > 0 else math.nan
        rows.append(
            {
                "output": output,
                "mean_probability": float(p.mean()),
                "var_total": total,
                "var_noise": noise,
                "noise_share": share,
            }
        )
    return pd.DataFrame(rows)


def morris_effects(x: np.ndarray, y: np.ndarray, params: list[SweepParam]) -> np.ndarray:
    """Elementary effects (parameters x trajectories) of a Morris design, as SALib defines them.

    Each trajectory moves one parameter at a time by ±Δ (Δ = p/(2(p-1)) of its
    range for p levels); the effect is the output change over Δ, signed.
    """
    d = len(params)
    delta = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))
    span = np.array([p.high - p.low for p in params])
    xs = x.reshape(-1, d + 1, d)
    ys = y.reshape(-1, d + 1)
    ee = np.zeros((d, xs.shape[0]))
    for t in range(xs.shape[0]):
        for k in range(d):
            step = (xs[t, k + 1] - xs[t, k]) / span
            j = int(np.argmax(np.abs(step)))
            ee[j, t] = (ys[t, k + 1] - ys[t, k]) / (delta * np.sign(step[j]))
    return ee


def sensitivity(
    params: list[SweepParam],
    x: np.ndarray,
    wide: pd.DataFrame,
    analyze: str,
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices with 95 % intervals, per output.

    Outputs that do not vary over the design (always 0, say) have no indices and
    are left out. Columns: output, parameter, index, value, conf (half-width),
    ci_low, ci_high.
    """
    problem = _problem(params)
    keys = [p.key for p in params]
    rows = []
    for output in [c for c in wide.columns if c not in keys and c != "point"]:
        y = wide[output].to_numpy(dtype=float)
        if np.ptp(y) == 0:
            continue
        if analyze == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(
                problem,
                y,
                calc_second_order=False,
                conf_level=0.95,
                num_resamples=resamples,
                seed=salib_seed(seed),
            )
            for j, key in enumerate(keys):
                rows.append((output, key, "S1", si["S1"][j], si["S1_conf"][j]))
                rows.append((output, key, "ST", si["ST"][j], si["ST_conf"][j]))
        else:
            from SALib.analyze import morris

            si = morris.analyze(
                problem,
                x,
                y,
                conf_level=0.95,
                num_levels=MORRIS_LEVELS,
                num_resamples=resamples,
                seed=salib_seed(seed),
            )
            ee = morris_effects(x, y, params)
            sig_conf = _bootstrap_sigma(ee, resamples, seed)
            for j, key in enumerate(keys):
                rows.append((output, key, "mu_star", si["mu_star"][j], si["mu_star_conf"][j]))
                rows.append((output, key, "sigma", si["sigma"][j], sig_conf[j]))
    out = pd.DataFrame(rows, columns=["output", "parameter", "index", "value", "conf"])
    out["ci_low"] = out["value"] - out["conf"]
    out["ci_high"] = out["value"] + out["conf"]
    return out


def _salib_record(analyze: str | None, seed: int) -> dict[str, Any] | None:
    """What SALib computed the indices with: its version, resamples and the seed it was given."""
    if analyze is None:
        return None
    from importlib.metadata import version

    return {"version": version("SALib"), "resamples": RESAMPLES, "seed": salib_seed(seed)}


def salib_seed(seed: int) -> int:
    """SALib's seed for ours: SALib reads 0 as "unseeded", so every seed is shifted by one
    (and kept within numpy's legacy 32-bit seed range)."""
    return int(seed) % (2**32 - 1) + 1


def _bootstrap_sigma(ee: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """95 % half-width of sigma by resampling trajectories (SALib gives one only for mu*)."""
    from ..stats import Z95

    rng = np.random.default_rng(seed)
    n = ee.shape[1]
    if n < 2:
        return np.full(ee.shape[0], math.nan)
    idx = rng.integers(n, size=(resamples, n))
    sig = ee[:, idx].std(axis=2, ddof=1)  # parameters x resamples
    return Z95 * sig.std(axis=1, ddof=1)

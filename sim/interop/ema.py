"""Perfect Storm as an EMA workbench (3.x) model: parameters in, scalar and time-series outcomes out.

SPECULATIVE SCENARIO — NOT A FORECAST. Every outcome is conditional on the
hypotheses switched on in the scenario and in the experiments.

:func:`storm_model` returns an EMA ``ReplicatorModel`` whose function runs one
block of replicates of a scenario. Its replications are fixed blocks of
replicate ids (``first = 0, B, 2B, ...``), the same in every experiment, so all
experiments share their random numbers (common random numbers) and differences
between experiments come from the parameters alone::

    from ema_workbench import perform_experiments
    from sim.interop import ema

    model = ema.storm_model(
        "mutiny_hidden_patrons",
        uncertainties=[ema.real("wagner.speed_kmh", 25, 65), ema.switch("hidden_patrons")],
        levers=[ema.interventions(["no_mediation"])],
        seed=1, block=200, blocks=2,
    )
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=2)

Parameters map to scenario keys through their ``variable_name`` (a dotted key
such as ``wagner.speed_kmh`` or ``hypotheses.hidden_patrons.on``); EMA names
must be identifiers, so the helpers name them ``wagner_speed_kmh`` and so on.
The special variable ``intervention`` takes an intervention's name, or
``"none"``. Any EMA parameter built by hand works the same way.

Outcomes (:func:`outcome_names`): ``p_<outcome>`` for each outcome of the
fixed vocabulary and ``p_mutiny_<end>`` for each way a mutiny ends (shares of
replicates); ``mean_<figure>`` for the per-replicate figures (means over the
replicates where the figure is defined); with ``series=True`` also the time
series ``TIME`` (hours since the start, at the end of each step),
``share_running`` and ``ended_<outcome>`` (cumulative share of replicates
ended with that outcome by then) and ``<series>_mean`` (the mean over the
replicates still running). Blocks pool exactly: shares are means over equal
blocks, means are pooled sums over pooled counts.
"""

from __future__ import annotations

import difflib
import functools
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import catalog
from ..api import prepare
from ..errors import UsageError, choices_hint
from ..hypotheses import REGISTRY
from ..interventions import INTERVENTIONS
from ..model import StormModel
from ..outputs import FIGURE_SPECS, MUTINY_ENDS, OUTCOMES, SERIES
from ..params import PARAMS
from ..scenario import TIME_PARAMS, Scenario, load_scenario, settable_keys
from ..series import LiveSums, step_end_hours

if TYPE_CHECKING:
    from ema_workbench import ReplicatorModel
    from ema_workbench.em_framework.outcomes import Outcome
    from ema_workbench.em_framework.parameters import Parameter

#: The variable that selects an intervention (or NONE).
INTERVENTION = "intervention"
NONE = "none"
#: Per-replicate figures reported as means (NaN where undefined, e.g. no mutiny, is left out):
#: the end time in hours and every numeric figure declared in sim.outputs.
FIGURES = ("end_hours", *(f.name for f in FIGURE_SPECS if f.kind in ("float", "int")))
DEFAULT_BLOCK = 200
DEFAULT_BLOCKS = 2


def _workbench() -> Any:
    try:
        with warnings.catch_warnings():
            # Its optional ipyparallel evaluator warns on import; the adapter never uses it.
            warnings.filterwarnings("ignore", message="ipyparallel not installed")
            import ema_workbench
    except ImportError as err:  # pragma: no cover - a dependency
        raise UsageError(
            f"the EMA workbench is not installed ({err}): pip install 'ema-workbench>=3,<4'"
        ) from None
    return ema_workbench


def ema_name(key: str) -> str:
    """An identifier for a dotted key (EMA 3 requires identifiers): ``wagner.speed_kmh`` -> ``wagner_speed_kmh``."""
    return key.replace(".", "_")


def declared_range(key: str) -> tuple[float, float]:
    """The declared [low, high] of a numeric scenario key; UsageError naming the key otherwise."""
    if key in PARAMS:
        return PARAMS[key].low, PARAMS[key].high
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "hypotheses" and parts[1] in REGISTRY:
        spec = REGISTRY[parts[1]].params.get(parts[2])
        if spec is not None:
            return spec.low, spec.high
    if key.startswith("time.") and key[5:] in TIME_PARAMS:
        return TIME_PARAMS[key[5:]].low, TIME_PARAMS[key[5:]].high
    raise UsageError(f"{key}: not a numeric parameter{_did_you_mean(key, _numeric_keys())}")


def _numeric_keys() -> list[str]:
    return [k for k in settable_keys() if not k.endswith(".on") and k not in ("time.start", "time.end")]


def _did_you_mean(key: str, valid: Iterable[str]) -> str:
    """A short hint: the closest valid key (the full list has over a hundred)."""
    close = difflib.get_close_matches(key, list(valid), n=1)
    return (
        f" (did you mean {close[0]!r}?; every key: docs/scenarios.md)"
        if close
        else " (every key: docs/scenarios.md)"
    )


def real(key: str, low: float | None = None, high: float | None = None, name: str | None = None) -> Parameter:
    """A RealParameter over a numeric scenario key (its declared range by default)."""
    lo, hi = declared_range(key)
    return _workbench().RealParameter(
        name or ema_name(key), lo if low is None else low, hi if high is None else high, variable_name=key
    )


def integer(key: str, low: int, high: int, name: str | None = None) -> Parameter:
    """An IntegerParameter over a numeric scenario key (e.g. a count-like setting)."""
    lo, hi = declared_range(key)
    if low < lo or high > hi:
        raise UsageError(f"{key}: [{low}, {high}] is outside its declared range [{lo}, {hi}]")
    return _workbench().IntegerParameter(name or ema_name(key), low, high, variable_name=key)


def switch(hypothesis: str, name: str | None = None) -> Parameter:
    """A BooleanParameter switching a hypothesis on or off (``hypotheses.<id>.on``)."""
    if hypothesis not in REGISTRY:
        raise UsageError(f"{hypothesis}: unknown hypothesis{choices_hint(hypothesis, REGISTRY)}")
    return _workbench().BooleanParameter(
        name or f"{hypothesis}_on", variable_name=f"hypotheses.{hypothesis}.on"
    )


def categorical(key: str, values: Sequence[Any], name: str | None = None) -> Parameter:
    """A CategoricalParameter over a scenario key: one of ``values`` per experiment."""
    declared_range(key)  # a known numeric key
    return _workbench().CategoricalParameter(name or ema_name(key), list(values), variable_name=key)


def interventions(names: Iterable[str] | None = None, name: str = INTERVENTION) -> Parameter:
    """A CategoricalParameter over ``"none"`` and the named interventions (all by default)."""
    chosen = list(INTERVENTIONS) if names is None else list(names)
    for n in chosen:
        if n not in INTERVENTIONS:
            raise UsageError(f"{n}: unknown intervention{choices_hint(n, INTERVENTIONS)}")
    return _workbench().CategoricalParameter(name, [NONE, *chosen], variable_name=INTERVENTION)


def _plain(value: Any) -> Any:
    """numpy scalars (what EMA samples) as Python values, which the scenario checks accept."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def apply(spec: Scenario, values: Mapping[str, Any]) -> Scenario:
    """``spec`` with ``values`` (dotted keys, or ``intervention``) applied; UsageError naming a bad key."""
    overrides: dict[str, Any] = {}
    chosen: list[str] = []
    for key, raw in values.items():
        value = _plain(raw)
        if key == INTERVENTION:
            if value != NONE:
                chosen.append(str(value))
        elif key.endswith(".on") and not isinstance(value, bool):
            raise UsageError(f"{key}: expected True or False, got {value!r}")
        else:
            overrides[key] = value
    # The library's own typed path (checks: known key, declared range).
    return prepare(spec, overrides=overrides, interventions=chosen)


def run_block(
    scenario: Scenario, seed: int, block: int, series: bool, first: int = 0, **values: Any
) -> dict[str, Any]:
    """Replicates ``first .. first+block-1`` of ``scenario`` with ``values`` set: every model variable."""
    spec = apply(scenario, values)
    live = LiveSums(spec, block) if series else None
    model = StormModel(
        spec, replicates=block, rng=seed, first_replicate=first, observers=[live] if live else None
    ).run()
    df = model.results()
    out: dict[str, Any] = {}
    outcome = df["outcome"].astype(str).to_numpy()
    for o in OUTCOMES:
        out[f"p_{o}"] = float(np.mean(outcome == o))
    ends = df["mutiny_end"].astype(str).to_numpy()
    for e in MUTINY_ENDS:
        out[f"p_mutiny_{e}"] = float(np.mean(ends == e))
    for f in FIGURES:
        v = df[f].to_numpy(dtype=float)
        ok = ~np.isnan(v)
        out[f"mean_{f}"] = np.array([v[ok].sum(), ok.sum()])
    if live is not None:
        hours = step_end_hours(spec)
        out["TIME"] = hours
        out["share_running"] = live.counts / block
        end = df["end_hours"].to_numpy(dtype=float)
        for o in OUTCOMES:
            done = np.sort(end[outcome == o])
            out[f"ended_{o}"] = np.searchsorted(done, hours + 1e-9, side="right") / block
        for i, s in enumerate(SERIES):
            out[f"{s}_mean"] = np.vstack([live.sums[:, i], live.counts])
    return out


def pooled_mean(blocks: Sequence[np.ndarray]) -> float:
    """Sum over blocks of [sum, count] pairs, divided: the mean over every replicate where defined."""
    a = np.asarray(blocks, dtype=float)
    total, n = a[:, 0].sum(), a[:, 1].sum()
    return float(total / n) if n else float("nan")


def pooled_series(blocks: Sequence[np.ndarray]) -> np.ndarray:
    """Per step, pooled sums over pooled counts of running replicates (NaN once none runs)."""
    a = np.asarray(blocks, dtype=float)  # (blocks, 2, steps)
    total, n = a[:, 0].sum(axis=0), a[:, 1].sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / n, np.nan)


def mean_series(blocks: Sequence[np.ndarray]) -> np.ndarray:
    """Per step, the mean over equal blocks (a share over all replicates)."""
    return np.mean(np.asarray(blocks, dtype=float), axis=0)


def first_block(blocks: Sequence[np.ndarray]) -> np.ndarray:
    """The value of the first block (the same in every block, e.g. the time axis)."""
    return np.asarray(blocks[0], dtype=float)


def outcome_names(series: bool = False) -> list[str]:
    """The names of the outcomes :func:`outcomes` declares."""
    return [o.name for o in outcomes(series)]


def outcomes(series: bool = False) -> list[Outcome]:
    """The EMA outcomes of a Perfect Storm model: shares and means, plus time series on request."""
    wb = _workbench()
    out: list[Outcome] = [wb.ScalarOutcome(f"p_{o}", function=np.mean) for o in OUTCOMES]
    out += [wb.ScalarOutcome(f"p_mutiny_{e}", function=np.mean) for e in MUTINY_ENDS]
    out += [wb.ScalarOutcome(f"mean_{f}", function=pooled_mean) for f in FIGURES]
    if series:
        out.append(wb.TimeSeriesOutcome("TIME", function=first_block))
        out.append(wb.TimeSeriesOutcome("share_running", function=mean_series))
        out += [wb.TimeSeriesOutcome(f"ended_{o}", function=mean_series) for o in OUTCOMES]
        out += [wb.TimeSeriesOutcome(f"{s}_mean", function=pooled_series) for s in SERIES]
    return out


def storm_model(
    scenario: str | Path | Scenario,
    uncertainties: Iterable[Parameter] = (),
    levers: Iterable[Parameter] = (),
    *,
    seed: int = 0,
    block: int = DEFAULT_BLOCK,
    blocks: int = DEFAULT_BLOCKS,
    series: bool = False,
    name: str = "PerfectStorm",
) -> ReplicatorModel:
    """An EMA ``ReplicatorModel`` running ``blocks`` blocks of ``block`` replicates per experiment.

    ``scenario`` is a path, a shipped scenario's name or a Scenario. Every
    parameter's variable name must be a settable scenario key or
    ``intervention``: checked here, before any experiment runs.
    """
    wb = _workbench()
    if isinstance(scenario, Scenario):
        spec = scenario
    else:
        spec = load_scenario(catalog.resolve(scenario))
    if block < 1 or blocks < 1:
        raise UsageError(f"block and blocks must be at least 1, got block={block}, blocks={blocks}")
    uncertainties, levers = list(uncertainties), list(levers)
    keys = set(settable_keys())
    for p in [*uncertainties, *levers]:
        for var in p.variable_name:
            if var != INTERVENTION and var not in keys:
                raise UsageError(
                    f"EMA parameter {p.name}: unknown scenario key {var!r}{_did_you_mean(var, keys)}"
                )
            if series and var.startswith("time."):
                raise UsageError(
                    f"EMA parameter {p.name}: {var} changes the step grid, so time-series outcomes "
                    "would differ in length between experiments; use series=False"
                )
    fn = functools.partial(run_block, spec, int(seed), int(block), bool(series))
    model = wb.ReplicatorModel(name, function=fn)
    model.uncertainties = uncertainties
    model.levers = levers
    model.outcomes = outcomes(series)
    # The same blocks of replicate ids in every experiment: common random numbers.
    model.replications = [{"first": b * int(block)} for b in range(int(blocks))]
    return model


def select_box(box: Any, min_density: float) -> int | None:
    """Select, on a PRIM box's peeling trajectory, the widest box with density >= ``min_density``.

    EMA workbench 3 dropped PRIM's ``threshold`` argument: ``find_box`` now
    peels to the end (``mass_min``) and the analyst picks a point on the
    trajectory. This picks the one a density threshold used to give: the
    highest coverage among the boxes at least that dense. Returns its index
    (and selects it), or None when no box is that dense.
    """
    traj = box.peeling_trajectory
    ok = traj.index[traj["density"] >= min_density]
    if len(ok) == 0:
        return None
    i = int(traj.loc[ok, "coverage"].idxmax())
    box.select(i)
    return i


def box_limits(box: Any, i: int | None = None) -> list[tuple[str, Any, Any]]:
    """The restricted dimensions of box ``i`` (the selected one by default): (parameter, low, high).

    For a categorical parameter, low and high are both the set of kept
    categories. (EMA 3's ``PrimBox.inspect`` fails on categorical limits under
    pandas 3, so the limits are read from ``box_lims`` directly.)
    """
    lims = box.box_lims[box._cur_box if i is None else i]
    first = box.box_lims[0]
    out = []
    for col in lims.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        if lo != first[col].iloc[0] or hi != first[col].iloc[1]:
            out.append((str(col), lo, hi))
    return out

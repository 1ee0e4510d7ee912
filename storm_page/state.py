"""The page's settings, the URL that holds them, and the world they make, free of any UI code.

A :class:`Settings` is one world (scenario, switches, sliders, interventions,
seed, replicate, ensemble size). A :class:`PageState` adds what the page shows:
the world pinned as A (if any), presentation mode, the uncertainty switch and
"given what history shows".
Every field is checked on the way in (storm_page.inputs), so a tampered widget
message or URL cannot reach the engine.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

import sim
from sim.errors import StormError
from sim.params import PARAMS

from . import inputs
from .inputs import PageInputError

T = TypeVar("T")


class Cache:
    """A small thread-safe LRU cache: the page reruns the same ensembles often.

    A value being computed is computed once: a second caller (the comparison's
    thread asking for the ensemble the distribution is drawing) waits for it
    instead of running the same simulation again beside it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.pending: dict[Hashable, threading.Event] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        while True:
            with self.lock:
                if key in self.items:
                    self.items.move_to_end(key)
                    return self.items[key]
                waiting = self.pending.get(key)
                if waiting is None:
                    self.pending[key] = threading.Event()
                    break
            waiting.wait(timeout=120)
        try:
            value = make()
            with self.lock:
                self.items[key] = value
                while len(self.items) > self.size:
                    self.items.popitem(last=False)
            return value
        finally:
            with self.lock:
                self.pending.pop(key).set()  # on failure too: a waiter then computes it itself

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_WRITTEN = Cache(16)


def load_written(name: str) -> sim.Scenario:
    """The scenario file as written, for a name the page offers (cached by path and mtime)."""
    path = inputs.scenario_path(name)
    stamp = path.stat().st_mtime_ns

    def load() -> sim.Scenario:
        try:
            return sim.load_scenario(path)
        except StormError as err:  # the message names the file by its name, never its folder
            raise PageInputError(str(err).replace(str(path), path.name).splitlines()[0]) from None

    return _WRITTEN.get((str(path.resolve()), stamp), load)


# --- one world ------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """One world: a scenario plus the reader's changes to it."""

    scenario: str
    hypotheses: frozenset[str]
    params: tuple[tuple[str, float], ...] = ()
    interventions: tuple[str, ...] = ()
    seed: int = 0
    replicate: int = 0
    runs: int = 1000

    @classmethod
    def as_written(
        cls, scenario: str, seed: object = 0, runs: object = 1000, replicate: object = 0
    ) -> Settings:
        """The settings that reproduce the scenario file exactly (seed, runs, replicate checked)."""
        spec = load_written(scenario)
        return cls(
            scenario=scenario,
            hypotheses=frozenset(spec.hypotheses_on),
            interventions=tuple(spec.interventions),
            seed=inputs.parse_seed(seed),
            runs=inputs.parse_runs(runs),
            replicate=inputs.parse_replicate(replicate, inputs.parse_runs(runs)),
        )

    def with_hypothesis(self, hid: str, on: bool) -> Settings:
        if hid not in sim.HYPOTHESES:
            raise PageInputError(f"unknown hypothesis {hid!r}; valid: {', '.join(sim.HYPOTHESIS_IDS)}")
        hyps = self.hypotheses | {hid} if on else self.hypotheses - {hid}
        return replace(self, hypotheses=frozenset(hyps))

    def with_intervention(self, name: str, on: bool) -> Settings:
        if name not in sim.INTERVENTIONS:
            raise PageInputError(f"unknown intervention {name!r}; valid: {', '.join(sim.INTERVENTIONS)}")
        rest = tuple(i for i in self.interventions if i != name)
        return replace(self, interventions=(*rest, name) if on else rest)

    def with_param(self, key: str, value: object) -> Settings:
        """Set one parameter within its declared range; the file's value drops the override."""
        if key not in PARAMS:
            raise PageInputError(f"unknown parameter {key!r}")
        p = PARAMS[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise PageInputError(f"{key} must be a number from {p.low:g} to {p.high:g} {p.unit}")
        if not p.low <= value <= p.high:
            raise PageInputError(f"{key} must be from {p.low:g} to {p.high:g} {p.unit}, got {value:g}")
        written = load_written(self.scenario).params[key]
        params = dict(self.params)
        if math.isclose(value, written, rel_tol=1e-9, abs_tol=1e-12):
            params.pop(key, None)
        else:
            params[key] = float(value)
        return replace(self, params=tuple(sorted(params.items())))

    def with_scenario(self, scenario: str) -> Settings:
        """Another scenario, as written; seed, runs and replicate are kept."""
        return Settings.as_written(scenario, seed=self.seed, runs=self.runs, replicate=self.replicate)

    def with_seed(self, value: object) -> Settings:
        return replace(self, seed=inputs.parse_seed(value))

    def with_runs(self, value: object) -> Settings:
        runs = inputs.parse_runs(value)
        return replace(self, runs=runs, replicate=min(self.replicate, runs - 1))

    def with_replicate(self, value: object) -> Settings:
        return replace(self, replicate=inputs.parse_replicate(value, self.runs))

    def same_world(self, other: Settings) -> bool:
        """Equal scenario, switches, sliders and interventions (seed and replicate aside)."""
        keep = ("scenario", "hypotheses", "params", "interventions")
        return all(getattr(self, k) == getattr(other, k) for k in keep)


_SPECS = Cache(64)
_HASHES: dict[int, tuple[sim.Scenario, str]] = {}


def spec_hash(spec: sim.Scenario) -> str:
    """``spec.hash``, remembered per scenario object (a render asks dozens of times, and each
    answer serialises the whole scenario). Callers never change a scenario they were given."""
    held = _HASHES.get(id(spec))
    if held is not None and held[0] is spec:
        return held[1]
    if len(_HASHES) > 512:
        _HASHES.clear()
    value = spec.hash
    _HASHES[id(spec)] = (spec, value)
    return value


def build_spec(settings: Settings) -> sim.Scenario:
    """The scenario the settings describe: the file as written with the changes applied.

    Cached (every render asks, and a scenario's deep copy is most of a redraw); callers
    must not change the scenario they get.
    """
    base = load_written(settings.scenario)
    key = (spec_hash(base), base.path, settings.hypotheses, settings.params, settings.interventions)
    return _SPECS.get(key, lambda: _build_spec(base, settings))


def _build_spec(base: sim.Scenario, settings: Settings) -> sim.Scenario:
    on = settings.hypotheses
    try:
        spec = base.with_overrides(
            sets=[f"{k}={v!r}" for k, v in settings.params],
            with_=[h for h in sim.HYPOTHESIS_IDS if h in on and h not in base.hypotheses_on],
            without=[h for h in base.hypotheses_on if h not in on],
        )
    except StormError as err:
        raise PageInputError(str(err).replace("--set ", "").replace("--set: ", "")) from None
    # The checkboxes replace the list (with_overrides only adds), in the order ticked.
    spec.interventions = list(settings.interventions)
    return spec


# --- the page: two worlds and how they are shown ----------------------------------


@dataclass(frozen=True)
class PageState:
    """Everything the URL holds: the world shown (B), the pinned world A, and the view."""

    world: Settings
    pinned: Settings | None = None
    present: bool = False
    uncertain: bool = False
    #: "given what history shows": the distribution draws from the command line's posterior
    posterior: bool = False

    def world_a(self) -> Settings:
        """World A: the pinned settings, or the file as written."""
        if self.pinned is not None:
            return self.pinned
        return Settings.as_written(self.world.scenario, seed=self.world.seed, runs=self.world.runs)

    def with_world(self, world: Settings) -> PageState:
        """A new world B; A stays pinned unless the scenario (and so the clock) changed."""
        pinned = self.pinned
        if pinned is not None and pinned.scenario != world.scenario:
            pinned = None
        elif pinned is not None:  # A and B always share seed and ensemble: common random numbers
            pinned = replace(pinned, seed=world.seed, runs=world.runs, replicate=world.replicate)
        return replace(self, world=world, pinned=pinned)

    def pin(self) -> PageState:
        """Pin the current world as A; the controls now change B."""
        return replace(self, pinned=self.world)

    def unpin(self) -> PageState:
        return replace(self, pinned=None)


def default_page() -> PageState:
    """The page as ``perfect-storm viz SCENARIO --seed N`` opens it."""
    return PageState(Settings.as_written(inputs.default_scenario(), seed=inputs.default_seed()))


def _encode_world(s: Settings, prefix: str, written: sim.Scenario) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if set(s.hypotheses) != set(written.hypotheses_on):
        out.append((f"{prefix}on", ",".join(h for h in sim.HYPOTHESIS_IDS if h in s.hypotheses) or "-"))
    if list(s.interventions) != list(written.interventions):
        out.append((f"{prefix}iv", ",".join(s.interventions) or "-"))
    out += [(f"{prefix}p.{k}", f"{v:g}") for k, v in s.params]
    return out


def to_query(page: PageState) -> str:
    """The URL query string that restores ``page`` (defaults left out, so links stay short)."""
    w = page.world
    written = load_written(w.scenario)
    items: list[tuple[str, str]] = [("scenario", w.scenario)]
    if w.seed:
        items.append(("seed", str(w.seed)))
    if w.runs != inputs.RUN_CHOICES[0]:
        items.append(("runs", str(w.runs)))
    if w.replicate:
        items.append(("rep", str(w.replicate)))
    items += _encode_world(w, "", written)
    if page.pinned is not None:
        items.append(("pin", "1"))
        items += _encode_world(page.pinned, "a.", written)
    if page.present:
        items.append(("present", "1"))
    if page.uncertain:
        items.append(("uncertain", "1"))
    if page.posterior:
        items.append(("posterior", "1"))
    return urlencode(items, safe=",")


def _decode_world(query: dict[str, str], prefix: str, base: Settings) -> Settings:
    s = base
    if f"{prefix}on" in query:
        wanted = {h for h in query[f"{prefix}on"].split(",") if h and h != "-"}
        s = replace(s, hypotheses=frozenset())
        for hid in wanted:
            s = s.with_hypothesis(hid, True)
    if f"{prefix}iv" in query:
        s = replace(s, interventions=())
        for name in (n for n in query[f"{prefix}iv"].split(",") if n and n != "-"):
            s = s.with_intervention(name, True)
    for key, text in query.items():
        if key.startswith(f"{prefix}p."):
            try:
                value = float(text)
            except ValueError:
                raise PageInputError(f"{key[len(prefix) + 2 :]} must be a number") from None
            s = s.with_param(key[len(prefix) + 2 :], value)
    return s


def from_query(search: str | None) -> tuple[PageState, str | None]:
    """The page a URL describes, and a one-line message if part of it was refused.

    A refused URL falls back to the default page (never to half of a bad one).
    """
    if not search:
        return default_page(), None
    if len(search) > 4000:
        return default_page(), "the link is too long; the page opened with its defaults"
    query = dict(parse_qsl(search, keep_blank_values=True))
    try:
        scenario = query.get("scenario") or inputs.default_scenario()
        inputs.scenario_path(scenario)
        runs = inputs.parse_runs(query.get("runs", inputs.RUN_CHOICES[0]))
        base = Settings.as_written(scenario, seed=query.get("seed", 0), runs=runs)
        world = _decode_world(query, "", base).with_replicate(query.get("rep", 0))
        pinned = _decode_world(query, "a.", base) if query.get("pin") == "1" else None
        if pinned is not None:
            pinned = replace(pinned, replicate=world.replicate)
        build_spec(world)
        if pinned is not None:
            build_spec(pinned)
        posterior, note = _posterior_flag(query)
        uncertain = query.get("uncertain") == "1" and not posterior  # the posterior replaces the guesses
        return PageState(world, pinned, query.get("present") == "1", uncertain, posterior), note
    except PageInputError as err:
        return default_page(), f"link refused: {err}"


def _posterior_flag(query: dict[str, str]) -> tuple[bool, str | None]:
    """The link's "given what history shows", kept only if this server was given a calibration."""
    if query.get("posterior") != "1":
        return False, None
    from . import history  # history reads this module's cache: imported when asked

    cal, why = history.status()
    if cal is None:
        return False, f"the link asks for 'given what history shows', but: {why}"
    return True, None


def neighbours(settings: Settings) -> list[Settings]:
    """The worlds one click away: each hypothesis switched, each offered intervention toggled."""
    written = load_written(settings.scenario)
    out = [settings.with_hypothesis(h, h not in settings.hypotheses) for h in sim.HYPOTHESIS_IDS]
    out += [
        settings.with_intervention(n, n not in settings.interventions)
        for n in relevant_interventions(written)
    ]
    return out


# --- sliders and relevant controls ----------------------------------------------------


@dataclass(frozen=True)
class SliderSpec:
    """How one parameter is shown as a slider."""

    key: str
    low: float
    high: float
    step: float
    unit: str
    meaning: str
    source: str
    narrowed: bool = field(default=False)

    def snap(self, value: float) -> float:
        """Round a slider's value to its step (sliders return 0.035000000000000003)."""
        digits = max(0, -int(math.floor(math.log10(self.step))))
        return round(float(value), digits)


def shock_kinds(spec: sim.Scenario) -> set[str]:
    return {s["type"] for s in spec.shocks}


def key_params(spec: sim.Scenario) -> list[str]:
    """The parameters worth a slider for this scenario, chosen by the shocks it has."""
    kinds = shock_kinds(spec)
    keys: list[str] = []
    if "mutiny" in kinds:
        keys += [
            "wagner.speed_kmh",
            "kremlin.mediation_base_per_h",
            "wagner.accept_per_h",
            "defence.moscow_resistance",
        ]
    if "invasion" in kinds or "nuclear_signalling" in kinds:
        keys += ["front.actual_resistance", "front.gap_cost"]
    if "long_range_authorisation" in kinds:
        keys.append("west.strikes_per_day")
    if (spec.end - spec.start).days > 60:  # the storm window needs weeks to matter
        keys += ["storm.threshold", "coup.window_factor"]
    keys.append("factions.army.loyalty")
    return [k for k in keys if k in PARAMS]  # an engine without a key offers no slider for it


#: The shocks each intervention acts on, when sim.interventions does not declare them:
#: an intervention whose shocks a scenario lacks changes nothing there, so it is not offered.
_INTERVENTION_SHOCKS = {
    "no_mediation": {"mutiny"},
    "loyal_security_forces": {"mutiny"},
    "accurate_intelligence": {"invasion"},
    "no_nuclear_leak": {"nuclear_signalling"},
    "no_long_range": {"long_range_authorisation"},
}


def relevant_interventions(spec: sim.Scenario) -> list[str]:
    """The interventions that can change something in this scenario (plus any the file applies)."""
    kinds = shock_kinds(spec)
    out = []
    for name, iv in sim.INTERVENTIONS.items():
        acts_on = getattr(iv, "shocks", None) or _INTERVENTION_SHOCKS.get(name)
        if acts_on is None or set(acts_on) & kinds or name in spec.interventions:
            out.append(name)
    return out


def slider_spec(key: str, current: float) -> SliderSpec:
    """A slider over the declared range, narrowed for small rates so the default is reachable."""
    p = PARAMS[key]
    low, high, narrowed = p.low, p.high, False
    ref = max(abs(p.default), abs(current))
    if ref > 0 and ref < 0.05 * (p.high - p.low):
        high = min(p.high, _nice_up(10 * ref))
        narrowed = high < p.high
    step = 10.0 ** math.floor(math.log10((high - low) / 100))
    return SliderSpec(key, low, high, step, p.unit, p.meaning, p.source, narrowed)


def _nice_up(x: float) -> float:
    mag = 10.0 ** math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * mag >= x:
            return m * mag
    return 10 * mag

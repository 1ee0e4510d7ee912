"""StormModel: one Mesa model simulating R replicates at once.

Each replicate may live in its own world: any parameter (and any hypothesis
switch) can be an array over replicates, drawn from the scenario's
``[uncertain]`` table or given directly (``worlds=``) by a sweep, an
attribution ensemble or a calibration. The actors read a parameter the same
way whether it is a number or an array.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from . import compaction
from . import hypotheses as hyp
from . import outputs as out
from . import uncertain as unc
from .agents import Faction, Front, Kremlin, Opposition, West, at, clip, positions
from .clock import Clock
from .errors import UsageError
from .interventions import INTERVENTIONS
from .mutiny import Mediator, Wagner
from .params import ELITE_FACTIONS, FACTION_NAMES, PARAMS, SECURITY_FACTIONS
from .randomness import Randomness
from .rng import Streams
from .scenario import Scenario, load_scenario
from .shocks import SHOCK_TYPES
from .worlds import split_worlds

_LN_HALF = float(np.log(0.5))


# Names kept for callers that imported them from here.
OUTCOMES, IN_POWER, SERIES = out.OUTCOMES, out.IN_POWER, out.SERIES
#: The services whose open defection the history patterns look for.
SERVICES = ("fsb", "gru", "svr", "rosgvardia", "army")


def seed_from(rng: Any) -> int:
    """An integer seed from whatever Mesa-style ``rng`` was given."""
    if rng is None:
        return int(np.random.default_rng().integers(2**63))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"seed must be a non-negative integer, got {rng}")
        return int(rng)
    return int(np.random.default_rng(rng).integers(2**63))


class StormModel(Randomness, mesa.Model):
    """The Perfect Storm world, over ``replicates`` replicates at once.

    Replicate ``first_replicate + i`` (or ``replicate_ids[i]``) draws its
    randomness from (seed, its id, step, site) only, so it is the same alone,
    in any batch, at any offset. ``worlds`` maps dotted keys to one value per
    replicate. Other keyword arguments are scenario keys (``**{"wagner.speed_kmh":
    40}``), which is how ``mesa.batch_run`` passes its ``parameters``.
    """

    #: Ended replicates are dropped from the arrays (sim/compaction.py) once this share of the
    #: current ones, and at least COMPACT_MIN of them, have ended since the last time.
    COMPACT_SHARE = 0.1
    COMPACT_MIN = 64

    def __init__(
        self,
        scenario: str | Path | Scenario,
        replicates: int = 1,
        rng: Any = None,
        first_replicate: int = 0,
        record_series: bool = False,
        observers: list[Callable[[StormModel], None]] | None = None,
        worlds: Mapping[str, np.ndarray] | None = None,
        replicate_ids: np.ndarray | None = None,
        **scenario_keys: Any,
    ) -> None:
        self.seed_value = seed_from(rng)
        super().__init__(rng=self.seed_value % (2**32))
        spec = load_scenario(scenario)
        if scenario_keys:
            spec = spec.with_values(scenario_keys)
        self.spec = spec
        if replicate_ids is None:
            if int(replicates) < 1:
                raise ValueError(f"replicates must be at least 1, got {replicates}")
            ids = np.arange(int(replicates), dtype=np.int64) + int(first_replicate)
        else:
            ids = np.asarray(replicate_ids, dtype=np.int64)
            if ids.ndim != 1 or len(ids) < 1 or (ids < 0).any():
                raise ValueError("replicate_ids must be a non-empty 1-D array of ids >= 0")
        self.R = len(ids)
        self.replicate_ids = ids
        self.first_replicate = int(ids[0])
        self.streams = Streams(self.seed_value, ids.astype(np.uint64))
        self._sites: dict[str, np.uint64] = {}
        # The step-free draws of one-off decisions, kept for the whole run (they are
        # pure functions of seed, replicate and site: made once, asked for often).
        self._fixed_draws: dict[str, np.ndarray] = {}
        # Values computed from parameters and the step length alone, by (name, step length).
        self._constants: dict[tuple[str, float], Any] = {}
        self._by_source: dict[str, tuple[np.ndarray, float, Any]] = {}  # see Randomness.hazard_of
        self.clock = Clock(spec)
        self.step_index = 0
        self.hours = 0.0
        self.dt_hours = float(self.clock.dt[0])
        self.streams.begin_step(-1)  # draws made while building the world

        # Each replicate's world: the scenario's values, its uncertain draws, explicit worlds.
        self.draw_ids = unc.draw_ids(ids, spec.replicates_per_draw)
        drawn = unc.sample(spec.uncertainty(), self.seed_value, self.draw_ids) if spec.uncertain else {}
        # "Given what history shows": each draw picks a posterior particle; the scenario's own
        # distributions, then explicit worlds, take precedence over it key by key.
        posterior = unc.posterior_sample(spec, self.seed_value, self.draw_ids)
        self.worlds: dict[str, np.ndarray] = {**posterior, **drawn, **dict(worlds or {})}
        params, switches, hvalues = split_worlds(self.worlds, self.R)
        self.params: dict[str, Any] = dict(spec.params)
        self.params.update(params)
        self.flags: set[str] = set()
        shocks = [dict(s) for s in spec.shocks]
        for name in spec.interventions:
            shocks = INTERVENTIONS[name].apply(self.params, shocks, self.flags)
        self.shocks_at = self.clock.schedule(shocks)
        self.h: dict[str, hyp.Hypothesis] = {}
        for hid, cls in hyp.REGISTRY.items():
            settings = {**spec.hypotheses[hid], **hvalues.get(hid, {})}
            settings["on"] = switches.get(hid, settings["on"])
            self.h[hid] = cls(**settings)
            self.h[hid].bind(self.R)
        self._active = [h for h in self.h.values() if h.any_on]
        self._adjusters: dict[str, list[hyp.Hypothesis]] = {}
        for h in self._active:
            for quantity in h.adjustments:
                self._adjusters.setdefault(quantity, []).append(h)
        self._listeners = {e: [h for h in self._active if e in h.overrides()] for e in hyp.base.EVENT_HOOKS}

        R = self.R
        self.alive = np.ones(R, dtype=bool)
        self.outcome = np.full(R, -1, dtype=np.int8)
        self.end_hours = np.full(R, np.nan)
        self.storm = np.zeros(R)
        self.storm_peak = np.zeros(R)
        self.signal = np.zeros(R)
        self.leaks = np.zeros(R, dtype=np.int32)
        self.west_pressure = np.zeros(R)
        self.security_defection_hours = np.full(R, np.nan)
        # Public opinion is model-level state: the public's support for the leader.
        self.opinion = self.per_replicate(self.params["kremlin.public_support"])
        self._frozen = np.zeros(R, dtype=bool)  # replicates whose figures are kept
        self._n_frozen = 0
        self._final: dict[str, np.ndarray] = {}
        self.events: list[tuple[Any, str, str, Any, np.ndarray]] = []  # positions: of the full model
        # While ended replicates are compacted away (sim/compaction.py): where the rest sit.
        self._compacted: compaction.Compacted | None = None
        self.event_hours: float | None = None  # a shock's own time while it fires

        # Agents, in the order they act each step.
        self.front = Front(self)
        self.west = [West(self, n) for n in ("US", "UK", "EU")]
        self.kremlin = Kremlin(self)
        self.factions: dict[str, Faction] = {n: Faction(self, n) for n in FACTION_NAMES if n != "opposition"}
        self.factions["opposition"] = Opposition(self)
        #: Per replicate, the lowest defection threshold among elite factions still loyal
        #: (inf once all are out): the cascade's first test in one comparison.
        self._loyal_threshold = self._lowest_loyal_threshold()
        self.wagner = Wagner(self)
        self.mediator = Mediator(self)
        self.actors = [
            self.front,
            *self.west,
            self.kremlin,
            *self.factions.values(),
            self.mediator,  # before Wagner: a call opens talks at its time within the step
            self.wagner,
        ]

        self.record_series = record_series
        self.series: dict[str, list[np.ndarray]] = {s: [] for s in out.SERIES}
        self.observers = list(observers or [])
        self.datacollector = _collector(self)

    # --- the hypotheses' shared hooks ------------------------------------------------

    def adjusted(self, quantity: str, value: Any, **context: Any) -> Any:
        """``value`` of a named quantity after every hypothesis that adjusts it (null where off)."""
        for h in self._adjusters.get(quantity, ()):
            new = h.adjustments[quantity](h, self, value, **context)
            value = new if h.all_on else np.where(h.on_mask, new, value)
        return value

    def run_hook(self, hook: str, mask: np.ndarray, *args: Any) -> None:
        """Call an event hook of every hypothesis on in some of ``mask``'s live replicates."""
        for h in self._listeners[hook]:
            sub = mask & self.alive if h.all_on else mask & h.on_mask & self.alive
            if sub.any():
                if hook == "on_shock" or hook == "on_leak":
                    getattr(h, hook)(self, args[0], sub)
                elif hook == "on_arrival":
                    getattr(h, hook)(self, sub, args[0])
                else:
                    getattr(h, hook)(self, sub)

    # --- time ---------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.spec.start + timedelta(hours=self.hours)

    def event_time(self) -> float:
        """Hours since the start of what is happening now: a shock's own time, else the step's end."""
        return self.event_hours if self.event_hours is not None else self.hours + self.dt_hours

    # --- shared state helpers -----------------------------------------------

    def log(
        self, mask: np.ndarray, actor: str, event: str, detail: Any, offset: np.ndarray | None = None
    ) -> None:
        """Record an event for the live replicates in ``mask``.

        ``offset`` gives, per replicate, the hours into the step at which it happened.
        """
        mask = mask & self.alive
        if mask.any():
            idx = positions(mask)
            det = detail[idx] if isinstance(detail, np.ndarray) else detail
            when: Any = self.hours if self.event_hours is None else self.event_hours
            if offset is not None:
                when = self.hours + offset[idx]
            self.events.append((when, actor, event, det, self._full_positions(idx)))

    def log_at(
        self,
        idx: np.ndarray,
        actor: str,
        event: str,
        detail: Any,
        offset: np.ndarray | None = None,
        picked: bool = False,
    ) -> None:
        """:meth:`log` for the replicates at ``idx`` (sorted positions of live replicates).

        ``picked``: ``detail`` is an array over ``idx`` already, not over all replicates.
        """
        if len(idx):
            det = detail[idx] if isinstance(detail, np.ndarray) and not picked else detail
            when: Any = self.hours if self.event_hours is None else self.event_hours
            if offset is not None:
                when = self.hours + offset[idx]
            self.events.append((when, actor, event, det, self._full_positions(idx)))

    def _full_positions(self, idx: np.ndarray) -> np.ndarray:
        """Positions in the full model of the current replicates at ``idx`` (they differ while compacted)."""
        return idx if self._compacted is None else self._compacted.orig[idx]

    def add_storm(self, amount: np.ndarray | float) -> None:
        self.storm += amount
        np.maximum(self.storm_peak, self.storm, out=self.storm_peak)

    def add_storm_at(self, idx: np.ndarray, amount: np.ndarray | float) -> None:
        """:meth:`add_storm` at the replicates ``idx`` only (``amount`` per entry of ``idx``, or a number)."""
        self.storm[idx] += amount
        np.maximum(self.storm_peak, self.storm, out=self.storm_peak)  # as add_storm does, everywhere

    def finish(self, mask: np.ndarray, outcome: str, offset: np.ndarray | None = None) -> None:
        """End the replicates in ``mask`` with ``outcome`` (``offset`` hours into the step, else at its end).

        A leader who falls loses the state: his regime's control is reported as 0.
        """
        mask = mask & self.alive
        if not mask.any():
            return
        self.outcome[mask] = OUTCOMES.index(outcome)
        self.end_hours[mask] = self.hours + (self.dt_hours if offset is None else offset[mask])
        if outcome not in IN_POWER:
            self.kremlin.control = np.where(mask, 0.0, self.kremlin.control)
        self.alive &= ~mask

    def finish_at(self, idx: np.ndarray, outcome: str, offset: np.ndarray | None = None) -> None:
        """:meth:`finish` for the live replicates among the positions ``idx``."""
        idx = idx[self.alive[idx]]
        if not len(idx):
            return
        self.outcome[idx] = OUTCOMES.index(outcome)
        self.end_hours[idx] = self.hours + (self.dt_hours if offset is None else offset[idx])
        if outcome not in IN_POWER:
            control = self.kremlin.control.copy()
            control[idx] = 0.0
            self.kremlin.control = control
        self.alive[idx] = False

    def defected_share(
        self, names: tuple[str, ...] = ELITE_FACTIONS, idx: np.ndarray | None = None
    ) -> np.ndarray:
        """Share of the capability of ``names`` that has abandoned the leader (at the replicates ``idx``)."""
        # Summed faction by faction, in order: the very sums (to the bit) of a stacked
        # (factions, replicates) table over its first axis, without building the table.
        gone = total = None
        for name in names:
            f = self.factions[name]
            cap, out = (f.capability, f.defected) if idx is None else (f.capability[idx], f.defected[idx])
            if gone is None or total is None:
                gone, total = cap * out, cap.copy()
            else:
                # gone + cap where defected, gone elsewhere: gone + cap * out to the bit
                # (capabilities are finite and >= 0, so adding cap * 0 adds +0.0), in one pass.
                np.add(gone, cap, out=gone, where=out)
                total += cap
        assert gone is not None and total is not None
        return np.divide(gone, total, out=gone)

    def cascade(
        self, signal: np.ndarray, offset: np.ndarray | None = None, share: np.ndarray | None = None
    ) -> bool:
        """Elite defection as a threshold cascade (Granovetter 1978); whether any faction defected.

        ``share``: :meth:`defected_share` as it stands, if the caller has it; it is
        brought up to date where factions defect.
        """
        from .mechanisms import threshold_cascade

        facs = [self.factions[n] for n in ELITE_FACTIONS]
        # The cascade's first round: a live replicate moves only if a faction still loyal
        # there has its threshold within reach; in most steps none has. Each replicate's
        # cascade is its own, so the fixed point is then found over the moving ones alone.
        reach = (self.defected_share() if share is None else share) + signal
        # Some faction still loyal has its threshold within reach: the same test as, faction by
        # faction, (reach >= threshold) and not yet defected.
        moving = (reach >= self._loyal_threshold) & self.alive
        if not moving.any():
            return False
        cols = positions(moving)
        already = np.stack([f.defected[cols] for f in facs])
        defected = threshold_cascade(
            np.stack([f.threshold[cols] for f in facs]),
            np.stack([f.capability[cols] for f in facs]),
            signal[cols] if isinstance(signal, np.ndarray) and signal.ndim else signal,
            already,
        )
        cost_rate = self.params["factions.defection_cost"]
        moved = False
        for i, f in enumerate(facs):
            idx = cols[defected[i] & ~already[i]]
            if not len(idx):
                continue
            moved = True
            f.defected[idx] = True
            # A defection costs the leader support and control in proportion to its weight.
            cost = -(at(cost_rate, idx) * f.capability[idx])
            self.kremlin.shift_at(idx, support=cost, control=cost)
            self.log_at(idx, f.name, "defects", f"{f.name} abandons the leader", offset)
            if f.name in SERVICES:
                first = idx[np.isnan(self.security_defection_hours[idx])]
                if len(first):
                    when = self.hours + (self.dt_hours if offset is None else offset[first])
                    self.security_defection_hours = self.security_defection_hours.copy()
                    self.security_defection_hours[first] = when
        if moved:
            self._loyal_threshold[cols] = self._lowest_loyal_threshold(cols)
            if share is not None:
                share[cols] = self.defected_share(idx=cols)  # the share moved where the cascade did
        return moved

    def _lowest_loyal_threshold(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Per replicate (at ``idx``), the lowest threshold of an elite faction not yet defected."""
        lowest = None
        for name in ELITE_FACTIONS:
            f = self.factions[name]
            th, out = (f.threshold, f.defected) if idx is None else (f.threshold[idx], f.defected[idx])
            loyal = np.where(out, np.inf, th)
            lowest = loyal if lowest is None else np.minimum(lowest, loyal)
        assert lowest is not None
        return lowest

    def resolve_moscow(self, arrived: np.ndarray, offset: np.ndarray) -> None:
        """The column is at Moscow: martial law, capture, or the regime holds."""
        p = self.adjusted("moscow.martial_law", self.params["defence.martial_law_on_arrival"])
        martial = arrived & self.chance(p, "moscow.martial_law", once=True)
        self.log(
            martial, "security chiefs", "declare martial law", "martial law is declared in Moscow", offset
        )
        self.finish(martial, "martial_law", offset)
        self.run_hook("on_arrival", arrived, offset)
        rest = arrived & self.alive
        if not rest.any():
            return
        w = self.wagner
        self.cascade(
            np.where(rest, self.params["wagner.arrival_signal"] * w.strength * w.popularity, 0.0), offset
        )
        loyal = [self.factions[f].loyalty * ~self.factions[f].defected for f in SECURITY_FACTIONS]
        garrison = np.mean(loyal, axis=0)
        # The base rate holds for a full-strength column against a garrison at the reference
        # loyalty; a more loyal garrison lowers it, a wavering one raises it (at most twofold).
        waver = np.clip((1 - garrison) / (1 - self.params["defence.reference_loyalty"]), 0, 2)
        p = self.params["defence.capture_base"] * w.strength * waver
        p = np.clip(p + self.defected_share(SECURITY_FACTIONS), 0, 1)
        captured = rest & self.chance(p, "moscow.capture", once=True)
        self.log(captured, "Wagner", "takes Moscow", "the column seizes the capital", offset)
        self.finish(captured, "rebel_capture", offset)
        held = rest & ~captured
        self.kremlin.shift(support=np.where(held, -self.params["defence.held_cost"], 0.0))
        self.log(held, "Kremlin", "holds Moscow", "the garrison stops the column at the city edge", offset)

    # --- the step -----------------------------------------------------------

    def step(self) -> None:
        if self.step_index >= self.clock.n_steps:
            self.running = False
            return
        self.hours = float(self.clock.hours[self.step_index])
        self.dt_hours = float(self.clock.dt[self.step_index])
        self.streams.begin_step(self.step_index)
        shocks = self.shocks_at.get(self.step_index, ())
        for shock in shocks:
            self.event_hours = max(self.hours, (shock["at"] - self.spec.start).total_seconds() / 3600)
            self.fire(shock)
        self.event_hours = None
        if shocks or self.step_index == 0:
            # Sanctions change only when a shock fires (its handler or an on_shock hook) and
            # resolve never does: the pressure is computed again only then.
            self.west_pressure = sum(w.sanctions * w.resolve for w in self.west) / len(self.west)
        for actor in self.actors:
            actor.step()
        if self._listeners["on_step"]:
            self.run_hook("on_step", self.alive)
        self.update_world()
        self.freeze_ended()
        self.step_index += 1
        if self.step_index >= self.clock.n_steps:
            self.close()
        elif not self.alive.any():
            self.running = False
            compaction.restore(self)
            self.datacollector.collect(self)
        elif self._n_frozen >= max(self.COMPACT_MIN, self.COMPACT_SHARE * self.R) and compaction.can_compact(
            self
        ):
            compaction.compact(self)

    def fire(self, shock: dict[str, Any]) -> None:
        """Apply a scheduled shock (its handler lives in sim/shocks.py), then the hypotheses' hooks."""
        SHOCK_TYPES[shock["type"]].apply(self, shock)
        self.run_hook("on_shock", self.alive, shock)

    def update_world(self) -> None:
        """The storm window fades, opinion moves, the elite reads the crisis, the regime may collapse."""
        p, k = self.params, self.kremlin
        self.storm *= self.constant(
            "storm.decay", lambda: np.exp(_LN_HALF * self.dt_days / p["storm.halflife_days"])
        )
        self.update_opinion()
        # The crisis signal each faction weighs against its defection threshold.
        self.signal = clip(
            p["signal.elite_weight"] * (1 - k.elite_support)
            + p["signal.storm_weight"] * self.storm
            + p["signal.public_weight"] * np.maximum(p["signal.public_floor"] - self.opinion, 0)
            + p["signal.control_weight"] * (1 - k.control)
            + p["signal.legitimacy_weight"] * (1 - k.legitimacy)
            - p["signal.offset"],
            0,
            1,
        )
        share = self.defected_share()
        if (self.signal > 0).any():
            self.cascade(self.signal, share=share)
        self.collapse(share)
        if self.record_series:
            for s in out.SERIES_SPECS:
                self.series[s.name].append(np.asarray(s.get(self), dtype=np.float32))
        for observer in self.observers:
            observer(self)

    def collapse(self, share: np.ndarray | None = None) -> None:
        """Collapse from below: a base-rate hazard raised smoothly by each strain on its own.

        Each strain is measured from the scenario's starting state, so a regime
        as it starts collapses at the base rate. ``share``: :meth:`defected_share`, if known.
        """
        p, k = self.params, self.kremlin
        log_factor = (
            p["collapse.control_gain"] * np.maximum(p["kremlin.control"] - k.control, 0)
            + p["collapse.defection_gain"] * (self.defected_share() if share is None else share)
            + p["collapse.pressure_gain"] * self.west_pressure
            + p["collapse.legitimacy_gain"] * np.maximum(p["kremlin.legitimacy"] - k.legitimacy, 0)
        )
        rate = self.constant("collapse.per_day", lambda: p["collapse.per_year"] / 365.0) * np.exp(log_factor)
        falls = positions(self.hazard(rate, "regime.collapse", per="day", among=self.alive))
        self.log_at(
            falls, "Kremlin", "regime collapses", "external pressure and defection bring the regime down"
        )
        self.finish_at(falls, "regime_collapse")

    def update_opinion(self) -> None:
        """The public follows the elite's mood slowly and recoils from open crises."""
        p = self.params
        rate = self.constant(
            "kremlin.recovery", lambda: np.minimum(p["kremlin.support_recovery_per_day"] * self.dt_days, 1.0)
        )
        start = self.constant("kremlin.start_support", lambda: np.maximum(p["kremlin.elite_support"], 1e-9))
        relative = self.kremlin.elite_support / start
        target = p["kremlin.public_support"] * (0.5 + 0.5 * relative)
        self.opinion += (target - self.opinion) * rate
        self.opinion -= p["kremlin.public_storm_erosion_per_day"] * self.storm * self.dt_days
        clip(self.opinion, 0, 1, out=self.opinion)

    def series_values(self) -> tuple[np.ndarray, ...]:
        """The key series this step, in the order of sim.outputs.SERIES."""
        return tuple(s.get(self) for s in out.SERIES_SPECS)

    def close(self) -> None:
        """End of the scenario: every live replicate gets a regime outcome."""
        k, low = self.kremlin, self.params["kremlin.weakened_below"]
        weak = (k.elite_support < low) | (k.control < low)
        self.hours = float(self.clock.total_hours) - self.dt_hours
        self.finish(weak, "regime_weakened")
        self.finish(self.alive.copy(), "regime_intact")
        self.freeze_ended()
        self.hours = float(self.clock.total_hours)
        self.running = False
        compaction.restore(self)
        self.datacollector.collect(self)

    def run(self) -> StormModel:
        """Step until every replicate has ended."""
        while self.running:
            self.step()
        if self.alive.any():
            self.close()
        return self

    # --- results ------------------------------------------------------------

    @property
    def hypotheses_on(self) -> list[str]:
        return self.spec.hypotheses_on

    def outcome_names(self) -> np.ndarray:
        return np.array(OUTCOMES, dtype=object)[self.outcome]

    def _figures(self) -> dict[str, np.ndarray]:
        return {f.name: f.get(self) for f in out.FIGURE_SPECS}

    def freeze_ended(self) -> None:
        """Keep the figures of replicates that have ended.

        Ended replicates keep computing while the rest of the batch runs; without
        this their figures would depend on when the batch stopped, i.e. on the
        other replicates, and a replicate alone would differ from the same one
        inside a batch.
        """
        if self.R - np.count_nonzero(self.alive) == self._n_frozen:
            return  # nobody ended since the last call
        new = ~self.alive & ~self._frozen
        idx = positions(new)
        for spec in out.FIGURE_SPECS:
            kept = self._final.get(spec.name)
            if kept is None:  # the first time: a full-length copy (only its frozen entries are read)
                self._final[spec.name] = np.array(spec.get(self), copy=True)
            else:  # then only the replicates that ended (a figure computed for them alone)
                kept[idx] = spec.values_at(self, idx)
        self._frozen[idx] = True
        self._n_frozen += len(idx)

    def results(self) -> pd.DataFrame:
        """One row per replicate: its id, its world (draw and drawn values), outcome and figures."""
        from .results import results_frame

        compaction.restore(self)
        current = self._figures()
        fig = {
            key: np.where(self._frozen, self._final[key], values) if key in self._final else values
            for key, values in current.items()
        }
        return results_frame(self, fig)

    def events_for(self, i: int) -> list[dict[str, Any]]:
        """The event log of local replicate ``i``, in time order: time, actor, event, detail."""
        found = []
        for seq, (hours, actor, event, detail, idx) in enumerate(self.events):
            pos = np.searchsorted(idx, i)
            if pos < len(idx) and idx[pos] == i:
                det = detail[pos] if isinstance(detail, np.ndarray) else detail
                at = float(hours[pos]) if isinstance(hours, np.ndarray) else float(hours)
                found.append((at, seq, actor, event, str(det)))
        found.sort()
        return [
            {
                "time": (self.spec.start + timedelta(hours=at)).strftime("%Y-%m-%d %H:%M"),
                "actor": actor,
                "event": event,
                "detail": det,
            }
            for at, _, actor, event, det in found
        ]


class _EnsembleCollector(mesa.DataCollector):
    """A model of many replicates has no single value to report per model."""

    def __init__(self, replicates: int) -> None:
        super().__init__()
        self.replicates = replicates

    def collect(self, model: Any) -> None:
        pass

    def _refuse(self) -> UsageError:
        return UsageError(
            f"StormModel with replicates={self.replicates} reports per replicate through "
            "results(); under mesa.batch_run use replicates=1 (one replicate per model)"
        )

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        raise self._refuse()

    @property
    def _collection_steps(self) -> list[int]:
        # mesa.batch_run reads this before asking for any value: refuse there, not silently.
        raise self._refuse()

    @_collection_steps.setter
    def _collection_steps(self, value: list[int]) -> None:
        pass


def _collector(model: StormModel) -> mesa.DataCollector:
    """Per-model reporters for ``mesa.batch_run``: every ``results()`` column, under the same name."""
    if model.R > 1:
        return _EnsembleCollector(model.R)
    from .results import result_columns

    return mesa.DataCollector(
        model_reporters={c: (lambda m, c=c: m.results().iloc[0][c]) for c in result_columns(model)}
    )


# Keep PARAMS importable from here for older callers.
__all__ = ["IN_POWER", "OUTCOMES", "PARAMS", "SERIES", "StormModel", "seed_from"]

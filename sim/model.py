"""StormModel: one Mesa model simulating R replicates at once (DESIGN.md, decision 1)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from . import hypotheses as hyp
from .agents import MUTINY_ENDS, Faction, Front, Kremlin, Mediator, Opposition, Wagner, West
from .clock import Clock
from .interventions import INTERVENTIONS
from .params import FACTION_NAMES
from .rng import Streams, site_key
from .scenario import Scenario, load_scenario
from .shocks import SHOCK_TYPES

OUTCOMES = (
    "regime_intact",
    "regime_weakened",
    "martial_law",
    "palace_coup",
    "rebel_capture",
    "regime_collapse",
)
IN_POWER = ("regime_intact", "regime_weakened")
SERIES = ("elite_support", "control", "distance_km", "west_pressure")
_SECURITY = ("fsb", "rosgvardia", "army")
_ELITE = tuple(n for n in FACTION_NAMES if n != "opposition")  # all but the hidden opposition


def seed_from(rng: Any) -> int:
    """An integer seed from whatever Mesa-style ``rng`` was given."""
    if rng is None:
        return int(np.random.default_rng().integers(2**63))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"seed must be a non-negative integer, got {rng}")
        return int(rng)
    return int(np.random.default_rng(rng).integers(2**63))


class StormModel(mesa.Model):
    """The Perfect Storm world, over ``replicates`` replicates at once.

    Replicate ``first_replicate + i`` draws its randomness from (seed, its id,
    step, site) only, so it is the same alone, in any batch, at any offset.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario,
        replicates: int = 1,
        rng: Any = None,
        first_replicate: int = 0,
        record_series: bool = False,
        observers: list[Callable[[StormModel], None]] | None = None,
    ) -> None:
        self.seed_value = seed_from(rng)
        super().__init__(rng=self.seed_value % (2**32))
        if int(replicates) < 1:
            raise ValueError(f"replicates must be at least 1, got {replicates}")
        self.spec = load_scenario(scenario)
        self.R = int(replicates)
        self.first_replicate = int(first_replicate)
        self.streams = Streams(self.seed_value, np.arange(self.R, dtype=np.uint64) + self.first_replicate)
        self._sites: dict[str, np.uint64] = {}
        self.clock = Clock(self.spec)
        self.step_index = 0
        self.hours = 0.0
        self.dt_hours = self.clock.dt[0]
        self.streams.begin_step(-1)  # draws made while building the world

        self.params = dict(self.spec.params)
        self.flags: set[str] = set()
        shocks = [dict(s) for s in self.spec.shocks]
        for name in self.spec.interventions:
            shocks = INTERVENTIONS[name].apply(self.params, shocks, self.flags)
        self.shocks_at = self.clock.schedule(shocks)
        # Any: each hypothesis class defines its own hooks, looked up by id.
        self.h: dict[str, Any] = {hid: cls(**self.spec.hypotheses[hid]) for hid, cls in hyp.REGISTRY.items()}

        R = self.R
        self.alive = np.ones(R, dtype=bool)
        self.outcome = np.full(R, -1, dtype=np.int8)
        self.end_hours = np.full(R, np.nan)
        self.storm = np.zeros(R)
        self.storm_peak = np.zeros(R)
        self.leaks = np.zeros(R, dtype=np.int32)
        self.west_pressure = np.zeros(R)
        # Public opinion is model-level state: the public's support for the leader.
        self.opinion = np.full(R, self.params["kremlin.public_support"])
        self._frozen = np.zeros(R, dtype=bool)  # replicates whose figures are kept
        self._final: dict[str, np.ndarray] = {}
        self.events: list[tuple[float, str, str, Any, np.ndarray]] = []
        self.event_hours: float | None = None  # a shock's own time while it fires

        # Agents, in the order they act each step.
        self.front = Front(self)
        self.west = [West(self, n) for n in ("US", "UK", "EU")]
        self.kremlin = Kremlin(self)
        self.factions: dict[str, Faction] = {n: Faction(self, n) for n in FACTION_NAMES if n != "opposition"}
        self.factions["opposition"] = Opposition(self)
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
        self.series: dict[str, list[np.ndarray]] = {k: [] for k in SERIES}
        self.observers = list(observers or [])
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "outcome": _first_outcome,
                "end_time": _first_end_time,
                "mutiny_end": _first_mutiny_end,
            }
        )

    # --- randomness ---------------------------------------------------------

    def _site(self, site: str) -> np.uint64:
        key = self._sites.get(site)
        if key is None:
            key = self._sites[site] = site_key(site)
        return key

    def draw(self, site: str) -> np.ndarray:
        """U[0, 1) per replicate, a pure function of (seed, replicate, step, site)."""
        return self.streams.uniform(self._site(site))

    def chance(self, p: float | np.ndarray, site: str, once: bool = False) -> np.ndarray:
        """Bernoulli(p) per replicate; ``once`` for a one-off decision whose draw ignores the step."""
        u = self.streams.fixed(self._site(site)) if once else self.draw(site)
        return u < p

    def hazard(self, rate: float | np.ndarray, site: str, per: str = "hour") -> np.ndarray:
        """Whether an event with the given rate happens within this step."""
        dt = self.dt_hours if per == "hour" else self.dt_days
        if np.isscalar(rate):
            p: float | np.ndarray = -math.expm1(-float(rate) * dt)  # type: ignore[arg-type]
        else:
            p = -np.expm1(-np.asarray(rate) * dt)
        return self.draw(site) < p

    def hazard_at(
        self, rate: np.ndarray | float, site: str, exposure: np.ndarray | float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Whether an hourly-rate event happens in this step, and when (hours into the step).

        The event is exposed for the last ``exposure`` hours of the step (all of
        it by default). Placing it at its time inside the step, rather than at
        the step's end, keeps results from depending on the step length.
        """
        dt = self.dt_hours
        expo = np.full(self.R, dt) if exposure is None else np.broadcast_to(exposure, (self.R,))
        p = -np.expm1(-np.asarray(rate, dtype=float) * expo)
        u = self.draw(site)
        happens = u < p
        # Given that it happens, u / p is uniform on [0, 1): the time within the exposure.
        frac = np.divide(u, p, out=np.ones(self.R), where=happens)
        return happens, (dt - expo) + expo * frac

    # --- time ---------------------------------------------------------------

    @property
    def dt_days(self) -> float:
        return self.dt_hours / 24.0

    @property
    def now(self) -> datetime:
        return self.spec.start + timedelta(hours=self.hours)

    # --- shared state helpers -----------------------------------------------

    def log(
        self, mask: np.ndarray, actor: str, event: str, detail: Any, offset: np.ndarray | None = None
    ) -> None:
        """Record an event for the live replicates in ``mask``.

        ``offset`` gives, per replicate, the hours into the step at which it happened.
        """
        mask = mask & self.alive
        if mask.any():
            idx = np.flatnonzero(mask)
            det = detail[idx] if isinstance(detail, np.ndarray) else detail
            when: Any = self.hours if self.event_hours is None else self.event_hours
            if offset is not None:
                when = self.hours + offset[idx]
            self.events.append((when, actor, event, det, idx))

    def add_storm(self, amount: np.ndarray) -> None:
        self.storm += amount
        np.maximum(self.storm_peak, self.storm, out=self.storm_peak)

    def finish(self, mask: np.ndarray, outcome: str, offset: np.ndarray | None = None) -> None:
        """End the replicates in ``mask`` with ``outcome`` (``offset`` hours into the step, else at its end)."""
        mask = mask & self.alive
        self.outcome[mask] = OUTCOMES.index(outcome)
        self.end_hours[mask] = self.hours + (self.dt_hours if offset is None else offset[mask])
        self.alive &= ~mask

    def security_defected_share(self) -> np.ndarray:
        caps = [self.factions[f].capability for f in _SECURITY]
        dfs = [self.factions[f].capability * self.factions[f].defected for f in _SECURITY]
        return np.sum(dfs, axis=0) / np.sum(caps, axis=0)

    def cascade(self, signal: np.ndarray, offset: np.ndarray | None = None) -> None:
        """Elite defection as a threshold cascade (Granovetter 1978)."""
        from .mechanisms import threshold_cascade

        thresholds = np.stack([self.factions[n].threshold for n in _ELITE])
        weights = np.stack([self.factions[n].capability for n in _ELITE])
        already = np.stack([self.factions[n].defected for n in _ELITE])
        defected = threshold_cascade(thresholds, weights, signal, already & self.alive)
        for i, n in enumerate(_ELITE):
            new = defected[i] & ~self.factions[n].defected & self.alive
            self.factions[n].defected |= new
            # A defection costs the leader support and control in proportion to its weight.
            cost = np.where(new, 0.1 * self.factions[n].capability, 0.0)
            self.kremlin.elite_support -= cost
            self.kremlin.control -= cost
            self.log(new, n, "defects", f"{n} abandons the leader", offset)

    def resolve_moscow(self, arrived: np.ndarray, offset: np.ndarray) -> None:
        """The column is at Moscow: martial law, capture, or the regime holds."""
        martial = self.h["hidden_patrons"].declares_martial_law(self, arrived)
        self.log(
            martial,
            "opposition",
            "declares martial law",
            "the hidden patrons declare martial law in Moscow and take control",
            offset,
        )
        self.finish(martial, "martial_law", offset)
        rest = arrived & self.alive
        if not rest.any():
            return
        w = self.wagner
        self.cascade(np.where(rest, 0.5 * w.strength * w.popularity, 0.0), offset)
        loyal = [self.factions[f].loyalty * ~self.factions[f].defected for f in _SECURITY]
        garrison = np.mean(loyal, axis=0)
        p = self.params["defence.capture_base"] * w.strength * 2 * (1 - garrison)
        p = np.clip(p + self.security_defected_share(), 0, 1)
        captured = rest & self.chance(p, "moscow.capture", once=True)
        self.log(captured, "Wagner", "takes Moscow", "the column seizes the capital", offset)
        self.finish(captured, "rebel_capture", offset)
        held = rest & ~captured
        self.kremlin.elite_support -= np.where(held, 0.1, 0.0)
        self.log(held, "Kremlin", "holds Moscow", "the garrison stops the column at the city edge", offset)

    # --- the step -----------------------------------------------------------

    def step(self) -> None:
        if self.step_index >= self.clock.n_steps:
            self.running = False
            return
        self.hours = float(self.clock.hours[self.step_index])
        self.dt_hours = float(self.clock.dt[self.step_index])
        self.streams.begin_step(self.step_index)
        for shock in self.shocks_at.get(self.step_index, ()):
            self.event_hours = max(self.hours, (shock["at"] - self.spec.start).total_seconds() / 3600)
            self.fire(shock)
        self.event_hours = None
        self.west_pressure = sum(w.sanctions * w.resolve for w in self.west) / len(self.west)
        for actor in self.actors:
            actor.step()
        self.update_world()
        self.freeze_ended()
        self.step_index += 1
        if self.step_index >= self.clock.n_steps:
            self.close()
        elif not self.alive.any():
            self.running = False
            self.datacollector.collect(self)

    def fire(self, shock: dict[str, Any]) -> None:
        """Apply a scheduled shock to every replicate (its handler lives in sim/shocks.py)."""
        SHOCK_TYPES[shock["type"]].apply(self, shock)

    def update_world(self) -> None:
        k = self.kremlin
        np.clip(k.elite_support, 0, 1, out=k.elite_support)
        np.clip(k.control, 0, 1, out=k.control)
        self.storm *= 0.5 ** (self.dt_days / self.params["storm.halflife_days"])
        self.update_opinion()
        # The crisis signal each faction weighs against its defection threshold:
        # a leader losing the elite, an open storm window, a public turning away.
        signal = np.clip(
            0.6 * (1 - k.elite_support)
            + 0.15 * self.storm
            + 0.3 * np.maximum(0.6 - self.opinion, 0)
            + 0.2 * (1 - k.control)
            - 0.2,
            0,
            1,
        )
        if (signal > 0).any():
            self.cascade(signal)
            np.clip(k.elite_support, 0, 1, out=k.elite_support)  # defections cost support
            np.clip(k.control, 0, 1, out=k.control)
        caps = sum(self.factions[n].capability for n in _ELITE)
        gone = sum(self.factions[n].capability * self.factions[n].defected for n in _ELITE)
        collapse = (k.control < self.params["storm.collapse_control"]) & (
            gone / caps >= self.params["storm.collapse_defected"]
        )
        self.log(
            collapse, "Kremlin", "regime collapses", "external pressure and defection bring the regime down"
        )
        self.finish(collapse, "regime_collapse")
        if self.record_series:
            for name, values in zip(SERIES, self.series_values(), strict=True):
                self.series[name].append(values.astype(np.float32))
        for observer in self.observers:
            observer(self)

    def update_opinion(self) -> None:
        """The public follows the elite's mood slowly and recoils from open crises."""
        rate = min(self.params["kremlin.support_recovery_per_day"] * self.dt_days, 1.0)
        target = self.params["kremlin.public_support"] * (0.5 + 0.5 * self.kremlin.elite_support / 0.75)
        self.opinion += (target - self.opinion) * rate
        self.opinion -= 0.02 * self.storm * self.dt_days / 30
        np.clip(self.opinion, 0, 1, out=self.opinion)

    def series_values(self) -> tuple[np.ndarray, ...]:
        """The key series this step, in the order of SERIES."""
        k = self.kremlin
        return (k.elite_support, k.control, self.wagner.distance, self.west_pressure)

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
        """The per-replicate figures of :meth:`results`, from the current state."""
        w, k = self.wagner, self.kremlin
        gained = np.stack([self.factions[f].gained for f in ("fsb", "gru", "svr")])
        return {
            "mutiny_end": w.mutiny_end,
            "closest_km_to_moscow": w.closest,
            "mutiny_hours": w.mutiny_hours,
            "leaks": self.leaks,
            "top_leak_gainer": np.where(gained.max(axis=0) > 0, gained.argmax(axis=0), 3),
            "leader_elite_support": k.elite_support,
            "regime_control": k.control,
            "storm_peak": self.storm_peak,
            "public_support": self.opinion,
        }

    def freeze_ended(self) -> None:
        """Keep the figures of replicates that have ended.

        Ended replicates keep computing while the rest of the batch runs; without
        this their figures would depend on when the batch stopped, i.e. on the
        other replicates, and a replicate alone would differ from the same one
        inside a batch (DESIGN.md, decision 2).
        """
        new = ~self.alive & ~self._frozen
        if not new.any():
            return
        for key, values in self._figures().items():
            self._final[key] = np.where(new, values, self._final.get(key, values))
        self._frozen |= new

    def results(self) -> pd.DataFrame:
        """One row per replicate (the columns of :func:`sim.simulate`)."""
        current = self._figures()
        fig = {
            key: np.where(self._frozen, self._final[key], values) if key in self._final else values
            for key, values in current.items()
        }
        end_time = np.datetime64(self.spec.start) + (self.end_hours * 3600).astype("timedelta64[s]")
        return pd.DataFrame(
            {
                "replicate": np.arange(self.R, dtype=np.int64) + self.first_replicate,
                "outcome": pd.Categorical(self.outcome_names(), categories=OUTCOMES),
                "end_time": end_time,
                "end_hours": self.end_hours,
                "mutiny_end": pd.Categorical(
                    np.array(MUTINY_ENDS, dtype=object)[fig["mutiny_end"]], categories=MUTINY_ENDS
                ),
                "closest_km_to_moscow": fig["closest_km_to_moscow"],
                "mutiny_hours": fig["mutiny_hours"],
                "leaks": fig["leaks"],
                "top_leak_gainer": np.array(["fsb", "gru", "svr", "none"], dtype=object)[
                    fig["top_leak_gainer"]
                ],
                "leader_elite_support": fig["leader_elite_support"],
                "regime_control": fig["regime_control"],
                "storm_peak": fig["storm_peak"],
                "public_support": fig["public_support"],
            }
        )

    def events_for(self, i: int) -> list[dict[str, Any]]:
        """The event log of local replicate ``i``, in time order: time, actor, event, detail."""
        found = []
        for seq, (hours, actor, event, detail, idx) in enumerate(self.events):
            pos = np.searchsorted(idx, i)
            if pos < len(idx) and idx[pos] == i:
                det = detail[pos] if isinstance(detail, np.ndarray) else detail
                at = float(hours[pos]) if isinstance(hours, np.ndarray) else float(hours)
                found.append((at, seq, actor, event, str(det)))
        # Events of one step are logged actor by actor; order them by their own time.
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


def _first_outcome(m: StormModel) -> str:
    return str(m.outcome_names()[0]) if m.outcome[0] >= 0 else "running"


def _first_end_time(m: StormModel) -> float:
    return float(m.end_hours[0])


def _first_mutiny_end(m: StormModel) -> str:
    return MUTINY_ENDS[int(m.wagner.mutiny_end[0])]

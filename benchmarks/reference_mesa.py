"""A plain scalar Mesa model of ``mutiny_2023``: the honest reference for the ensemble's speed.

SPECULATIVE SCENARIO — NOT A FORECAST: this file exists to measure speed.

The engine (:class:`sim.model.StormModel`) simulates R replicates at once with
array code. This is the same world written as a competent Mesa user would
write it without arrays: one :class:`mesa.Agent` per actor (the Kremlin, the
six factions and the opposition, the mediator, the Wagner column; the war
front and the West do nothing in this scenario), scalar Python floats, one
model per replicate, randomness from the model's numpy ``default_rng``. It
follows the engine's rules for ``mutiny_2023`` step by step (sim/agents.py,
sim/mutiny.py, sim/model.py): the column's own pace, hold-ups, resistance at
the step's midpoint, the leader's mediation hazard, the mediator's call (only
when asked: ``leader_gated_mediation`` is on), the deal, engagements and
suppression, arrival at Moscow (martial law, capture or the city holds), the
null-version leaks, the opposition's plots, the elite's threshold cascade,
collapse from below, and at the end an intact or weakened regime.

It does not reproduce the engine's counter-based random streams, so it agrees
with it in distribution, not replicate by replicate
(tests/test_reference_model.py checks that).

    .venv/bin/python benchmarks/reference_mesa.py [--runs 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import mesa
import pandas as pd

import sim

SCENARIO = "mutiny_2023"
INTERCEPT = ("fsb", "gru", "svr")
SECURITY = ("fsb", "rosgvardia", "army")
ELITE = ("fsb", "gru", "svr", "rosgvardia", "army", "oligarchs")
SERVICES = ("fsb", "gru", "svr", "rosgvardia", "army")
IN_POWER = ("regime_intact", "regime_weakened")


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def chance_of(rate: float, dt: float) -> float:
    """Probability that an event of the given rate happens within ``dt``."""
    return -math.expm1(-rate * dt)


class Actor(mesa.Agent):
    model: MutinyModel

    def p(self, key: str) -> float:
        return self.model.params[key]


class Kremlin(Actor):
    def __init__(self, model: MutinyModel) -> None:
        super().__init__(model)
        self.elite_support = self.p("kremlin.elite_support")
        self.control = self.p("kremlin.control")
        self.legitimacy = self.p("kremlin.legitimacy")
        self.mediation_sought = False
        self.mediation_offset = 0.0

    def shift(self, support: float = 0.0, control: float = 0.0) -> None:
        self.elite_support = clip01(self.elite_support + support)
        self.control = clip01(self.control + control)

    def wound(self, amount: float) -> None:
        self.legitimacy = clip01(self.legitimacy - amount)

    def step(self) -> None:
        m = self.model
        rate = min(self.p("kremlin.support_recovery_per_day") * m.dt_days, 1.0)
        self.shift(
            support=(self.p("kremlin.elite_support") - self.elite_support) * rate,
            control=(self.p("kremlin.control") - self.control)
            * rate
            * self.p("kremlin.control_recovery_share")
            - self.p("west.sanction_drain_per_day") * m.west_pressure * m.dt_days,
        )
        heal = -math.expm1(-math.log(2) * m.dt_days / self.p("kremlin.legitimacy_recovery_days"))
        self.legitimacy += (self.p("kremlin.legitimacy") - self.legitimacy) * heal
        w = m.wagner
        if w.marching and not self.mediation_sought:
            # The threat as it stands mid-step, from the column's last speed.
            mid_km = max(w.distance - 0.5 * w.speed * m.dt, 0.0)
            threat = (1 - mid_km / self.p("wagner.start_km")) ** self.p("kremlin.mediation_threat_exponent")
            rate = self.p("kremlin.mediation_base_per_h") + self.p("kremlin.mediation_threat_per_h") * threat
            happens, offset = m.event_at(rate, m.dt)
            if happens:
                self.mediation_sought = True
                self.mediation_offset = offset


class Faction(Actor):
    def __init__(self, model: MutinyModel, name: str) -> None:
        super().__init__(model)
        self.name = name
        g = f"factions.{name}"
        self.loyalty = self.p(f"{g}.loyalty")
        self.capability = self.p(f"{g}.capability")
        self.risk_tolerance = self.p(f"{g}.risk_tolerance")
        self.threshold = clip01(
            self.loyalty + (model.rng.random() - 0.5) * self.p("factions.threshold_spread")
        )
        self.defected = name == "opposition"
        self.holdings = 0
        self.call_recording = False

    def step(self) -> None:
        if self.name not in INTERCEPT:
            return
        m = self.model
        if m.happens(self.p("factions.intercept_per_day") * self.capability, m.dt_days):
            self.holdings += 1
        if self.holdings > 0 and m.happens(self.p("factions.random_leak_per_day"), m.dt_days):
            # The null version: material leaks at random, nobody gains.
            self.holdings -= 1
            m.kremlin.shift(support=-self.p("factions.leak_damage"))
            m.kremlin.wound(self.p("factions.leak_legitimacy"))
            m.leaks += 1
            m.add_storm(self.p("storm.per_leak"))


class Opposition(Faction):
    def __init__(self, model: MutinyModel) -> None:
        super().__init__(model, "opposition")
        self.initial_risk = max(self.risk_tolerance, 1e-9)

    def step(self) -> None:
        m, k = self.model, self.model.kremlin
        boldness = self.risk_tolerance / self.initial_risk
        window = self.p("coup.window_factor") if m.storm > self.p("storm.threshold") else 1.0
        rate = (
            (
                self.p("coup.attempt_per_year")
                / 365.0
                * self.p("coup.proofing")
                * math.exp(self.p("coup.crisis_gain") * m.signal)
            )
            * window
            * boldness
        )
        if not m.happens(rate, m.dt_days):
            return
        weakness = 1 - 0.5 * (k.elite_support + k.control)
        p = self.p("coup.success") * (0.5 + weakness) * (0.5 + self.capability)
        if m.rng.random() < clip01(p):
            martial = m.rng.random() < self.p("coup.martial_share")
            m.finish("martial_law" if martial else "palace_coup")
        else:
            self.capability *= self.p("coup.purge_keep")
            k.shift(control=self.p("coup.failed_control"))


class Mediator(Actor):
    def __init__(self, model: MutinyModel) -> None:
        super().__init__(model)
        self.called = False

    def step(self) -> None:
        m, w, k = self.model, self.model.wagner, self.model.kremlin
        # leader_gated_mediation is on: no call on the mediator's own initiative.
        if not w.marching or self.called or not k.mediation_sought:
            return
        self.called = True
        # The talks may fail outright; then the column marches on with no deal.
        w.in_talks = m.rng.random() >= self.p("wagner.talks_fail_prob")
        w.talks_from = k.mediation_offset
        p_record = max(
            self.p("mediator.record_prob"), self.p("hypotheses.leader_gated_mediation.authorised_record_prob")
        )
        if m.rng.random() < p_record:
            # The service with the most capability is likeliest to keep the recording.
            caps = [m.factions[f].capability for f in INTERCEPT]
            pick, total = m.rng.random() * sum(caps), 0.0
            for name, cap in zip(INTERCEPT, caps, strict=True):
                total += cap
                if total > pick:
                    m.factions[name].call_recording = True
                    break


class Wagner(Actor):
    def __init__(self, model: MutinyModel) -> None:
        super().__init__(model)
        self.grievance = self.p("wagner.grievance")
        self.popularity = self.p("wagner.popularity")
        self.strength = 1.0
        self.distance = self.p("wagner.start_km")
        self.closest = math.nan
        self.marching = False
        self.started_h = math.nan
        self.in_talks = False
        self.talks_from = 0.0
        spread = self.p("wagner.speed_spread")
        z = model.rng.standard_normal()
        self.pace = self.p("wagner.speed_kmh") * math.exp(spread * z - 0.5 * spread * spread)
        self.delay_owed = 0.0
        # Talks persuade at a rate; the column turns back once persuasion reaches its resolve.
        self.persuasion = 0.0
        self.resolve = 1 + self.p("wagner.resolve_spread") * (2 * model.rng.random() - 1)
        self.engagements = 0
        self.speed = 0.0
        self.mutiny_end = "none"
        self.mutiny_hours = math.nan
        self.leader_alive = True

    def rise(self) -> None:
        m = self.model
        if self.grievance >= m.grievance_needed and self.leader_alive and math.isnan(self.started_h):
            self.marching = True
            self.started_h = m.hours
            self.closest = self.distance
            m.add_storm(self.p("storm.per_mutiny"))

    def defences(self, distance: float) -> float:
        """How far Moscow's prepared defences stand in the way (0-1): prepared over time, deeper near the city."""
        m = self.model
        prep = clip01((m.hours + m.dt / 2 - self.started_h) / self.p("defence.prep_h"))
        return prep * clip01(1 - distance / self.p("defence.radius_km"))

    def resistance(self, distance: float) -> float:
        """Share of speed lost: en-route resistance plus Moscow's prepared defences."""
        m = self.model
        loyal = 0.5 * (m.factions["army"].loyalty + m.factions["rosgvardia"].loyalty)
        r = self.p("defence.en_route_resistance") * (0.5 + loyal) + self.p(
            "defence.moscow_resistance"
        ) * self.defences(distance) * loyal / self.p("defence.reference_loyalty")
        return min(max(r, 0.0), self.p("defence.max_resistance"))

    def step(self) -> None:
        if self.marching:
            self.advance()
        # After a halted or crushed mutiny, the regime may kill the mutiny's leader.
        if self.leader_alive and self.mutiny_end in ("mediated_halt", "suppressed"):
            if self.model.happens(self.p("kremlin.revenge_per_day"), self.model.dt_days):
                self.leader_alive = False
                self.popularity = 0.0
                self.model.kremlin.shift(support=self.p("kremlin.revenge_support"))

    def advance(self) -> None:
        m = self.model
        dt = m.dt
        # Resistance at the step's midpoint (one predictor pass).
        ahead = self.pace * (1 - self.resistance(self.distance)) * dt / 2
        mid = max(self.distance - ahead, 0.0)
        resistance = self.resistance(mid)
        accepts, t_accept = False, dt
        if self.in_talks:
            exposure = dt - self.talks_from
            # Moscow's prepared defences (and, a little, isolation) persuade the column.
            rate = self.p("wagner.accept_per_h") * (self.p("wagner.deal_isolation") + self.defences(mid))
            gained = rate * exposure
            if self.persuasion + gained >= self.resolve:
                accepts = True
                frac = (self.resolve - self.persuasion) / gained if gained > 0 else 1.0
                t_accept = (dt - exposure) + exposure * min(max(frac, 0.0), 1.0)
            self.persuasion += gained
        if m.happens(self.p("wagner.holdup_per_h"), dt):
            self.delay_owed += -self.p("wagner.holdup_hours") * math.log1p(-m.rng.random())
        # The march, from departure (or the step's start) until the deal or the step's end.
        depart = max(self.started_h + self.p("wagner.departure_h") - m.hours, 0.0)
        available = max((t_accept if accepts else dt) - depart, 0.0)
        waited = min(self.delay_owed, available)
        self.delay_owed -= waited
        moving = available - waited
        self.speed = self.pace * (1 - resistance)
        start_km = self.distance
        self.distance = max(self.distance - self.speed * moving, 0.0)
        self.strength -= self.p("wagner.attrition_per_h") * resistance * moving
        edge = self.p("wagner.arrival_km")
        arrived = self.distance <= edge
        if arrived:
            self.distance = min(self.distance, edge)
        self.closest = min(self.closest, self.distance)
        if arrived:
            to_go = max(start_km - edge, 0.0)
            t_arrive = min(depart + waited + (to_go / self.speed if self.speed > 0 else 0.0), dt)
            self.end("reached_moscow", t_arrive)
            m.resolve_moscow(t_arrive)
        elif accepts:
            self.end("mediated_halt", t_accept)
        self.talks_from = 0.0
        if not self.marching:
            return
        # Loyal forces engage the column now and then; a broken column is suppressed.
        loyal = 0.5 * (m.factions["army"].loyalty + m.factions["rosgvardia"].loyalty)
        near = clip01(1 - self.distance / self.p("defence.radius_km"))
        rate = self.p("defence.engage_per_h") * loyal / self.p("defence.reference_loyalty") * (0.5 + near)
        if m.happens(rate, dt):
            self.strength -= self.p("defence.engage_damage") * m.rng.random()
            self.engagements += 1
        if self.strength < self.p("wagner.suppressed_below"):
            self.end("suppressed", dt)

    def end(self, how: str, at: float) -> None:
        m = self.model
        self.marching = False
        self.mutiny_end = how
        self.mutiny_hours = m.hours + at - self.started_h
        hit = 1 - self.distance / self.p("wagner.start_km")
        m.kremlin.shift(support=-self.p("wagner.mutiny_cost") * hit)
        m.kremlin.wound(self.p("wagner.mutiny_legitimacy") * hit)


class MutinyModel(mesa.Model):
    """One replicate of mutiny_2023 with hourly steps."""

    def __init__(self, params: Mapping[str, float], steps: int, mutiny_step: int, seed: int) -> None:
        super().__init__(rng=seed)
        self.params = params
        self.n_steps, self.mutiny_step = steps, mutiny_step
        self.grievance_needed = params["mutiny.grievance_needed"]
        self.dt, self.dt_days = 1.0, 1.0 / 24.0
        self.hours, self.step_index = 0.0, 0
        self.storm = self.storm_peak = self.signal = self.west_pressure = 0.0
        self.opinion = params["kremlin.public_support"]
        self.leaks = 0
        self.outcome: str | None = None
        self.end_hours = math.nan
        self.kremlin = Kremlin(self)
        self.factions: dict[str, Faction] = {n: Faction(self, n) for n in ELITE}
        self.factions["opposition"] = Opposition(self)
        self.mediator = Mediator(self)
        self.wagner = Wagner(self)
        self.order: list[mesa.Agent] = [self.kremlin, *self.factions.values(), self.mediator, self.wagner]

    # --- randomness ------------------------------------------------------------
    def happens(self, rate: float, dt: float) -> bool:
        return self.rng.random() < chance_of(rate, dt)

    def event_at(self, rate: float, exposure: float) -> tuple[bool, float]:
        """Whether an hourly-rate event happens in the last ``exposure`` hours of the step, and when."""
        p = chance_of(rate, exposure)
        u = self.rng.random()
        if u < p:
            return True, (self.dt - exposure) + exposure * (u / p)
        return False, self.dt

    # --- shared state -------------------------------------------------------------
    def add_storm(self, amount: float) -> None:
        self.storm += amount
        self.storm_peak = max(self.storm_peak, self.storm)

    def finish(self, outcome: str, offset: float | None = None) -> None:
        if self.outcome is None:
            self.outcome = outcome
            self.end_hours = self.hours + (self.dt if offset is None else offset)
            if outcome not in IN_POWER:
                self.kremlin.control = 0.0

    def defected_share(self, names: tuple[str, ...] = ELITE) -> float:
        caps = [self.factions[f].capability for f in names]
        return sum(c for c, f in zip(caps, names, strict=True) if self.factions[f].defected) / sum(caps)

    def cascade(self, signal: float) -> None:
        """Granovetter's threshold cascade: defect once the defected share plus the signal reaches one's threshold."""
        while True:
            share = self.defected_share()
            new = [
                f
                for f in ELITE
                if not self.factions[f].defected and share + signal >= self.factions[f].threshold
            ]
            if not new:
                return
            for name in new:
                f = self.factions[name]
                f.defected = True
                cost = self.params["factions.defection_cost"] * f.capability
                self.kremlin.shift(support=-cost, control=-cost)

    def resolve_moscow(self, offset: float) -> None:
        if self.rng.random() < self.params["defence.martial_law_on_arrival"]:
            self.finish("martial_law", offset)
        if self.outcome is not None:
            return
        w = self.wagner
        self.cascade(self.params["wagner.arrival_signal"] * w.strength * w.popularity)
        garrison = sum(self.factions[f].loyalty * (not self.factions[f].defected) for f in SECURITY) / 3
        # A garrison more loyal than the reference lowers the odds, a wavering one raises them (at most twofold).
        waver = min(max((1 - garrison) / (1 - self.params["defence.reference_loyalty"]), 0.0), 2.0)
        p = self.params["defence.capture_base"] * w.strength * waver
        if self.rng.random() < clip01(p + self.defected_share(SECURITY)):
            self.finish("rebel_capture", offset)
        else:
            self.kremlin.shift(support=-self.params["defence.held_cost"])

    # --- the step --------------------------------------------------------------------
    def step(self) -> None:
        self.hours = float(self.step_index)
        if self.step_index == self.mutiny_step:
            self.wagner.rise()
        for agent in self.order:
            agent.step()
        self.update_world()
        self.step_index += 1
        if self.outcome is not None:
            self.running = False
        elif self.step_index >= self.n_steps:
            k, low = self.kremlin, self.params["kremlin.weakened_below"]
            self.hours = float(self.n_steps) - self.dt
            self.finish("regime_weakened" if min(k.elite_support, k.control) < low else "regime_intact")
            self.running = False

    def update_world(self) -> None:
        p, k = self.params, self.kremlin
        self.storm *= math.exp(math.log(0.5) * self.dt_days / p["storm.halflife_days"])
        rate = min(p["kremlin.support_recovery_per_day"] * self.dt_days, 1.0)
        target = p["kremlin.public_support"] * (
            0.5 + 0.5 * k.elite_support / max(p["kremlin.elite_support"], 1e-9)
        )
        self.opinion += (target - self.opinion) * rate
        self.opinion = clip01(
            self.opinion - p["kremlin.public_storm_erosion_per_day"] * self.storm * self.dt_days
        )
        self.signal = clip01(
            p["signal.elite_weight"] * (1 - k.elite_support)
            + p["signal.storm_weight"] * self.storm
            + p["signal.public_weight"] * max(p["signal.public_floor"] - self.opinion, 0.0)
            + p["signal.control_weight"] * (1 - k.control)
            + p["signal.legitimacy_weight"] * (1 - k.legitimacy)
            - p["signal.offset"]
        )
        if self.signal > 0:
            self.cascade(self.signal)
        log_factor = (
            p["collapse.control_gain"] * max(p["kremlin.control"] - k.control, 0.0)
            + p["collapse.defection_gain"] * self.defected_share()
            + p["collapse.pressure_gain"] * self.west_pressure
            + p["collapse.legitimacy_gain"] * max(p["kremlin.legitimacy"] - k.legitimacy, 0.0)
        )
        if self.happens(p["collapse.per_year"] / 365.0 * math.exp(log_factor), self.dt_days):
            self.finish("regime_collapse")

    def result(self) -> dict[str, Any]:
        w = self.wagner
        return {
            "outcome": self.outcome,
            "end_hours": self.end_hours,
            "mutiny_end": w.mutiny_end,
            "closest_km_to_moscow": w.closest,
            "mutiny_hours": w.mutiny_hours,
            "engagements": w.engagements,
            "leader_elite_support": self.kremlin.elite_support,
        }


def setup(
    scenario: str = SCENARIO, overrides: Mapping[str, float] | None = None
) -> tuple[dict[str, float], int, int]:
    """The scenario's parameters (plus the mutiny's), its step count and the mutiny's step."""
    spec = sim.api.prepare(scenario, overrides=overrides)
    if spec.step_hours != 1 or spec.fine_step_hours != 1 or spec.hypotheses_on != ["leader_gated_mediation"]:
        raise ValueError(f"{scenario}: the reference model covers hourly mutiny_2023-like scenarios only")
    (shock,) = [s for s in spec.shocks if s["type"] == "mutiny"]
    params = {k: float(v) for k, v in spec.params.items()}
    params["mutiny.grievance_needed"] = float(shock["grievance_needed"])
    params["hypotheses.leader_gated_mediation.authorised_record_prob"] = float(
        spec.hypotheses["leader_gated_mediation"]["authorised_record_prob"]
    )
    hours = (spec.end - spec.start) / timedelta(hours=1)
    return params, int(round(hours)), int((shock["at"] - spec.start) / timedelta(hours=1))


def run_reference(
    runs: int, seed: int = 0, scenario: str = SCENARIO, overrides: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """One row per replicate: ``runs`` models, one after another, as a Mesa user would run them."""
    params, steps, mutiny_step = setup(scenario, overrides)
    rows = []
    for i in range(runs):
        model = MutinyModel(params, steps, mutiny_step, seed=seed * 1_000_003 + i)
        while model.running:
            model.step()
        rows.append(model.result())
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.process_time()
    df = run_reference(args.runs, args.seed)
    secs = time.process_time() - t0
    print(sim.BANNER, "— the scalar Mesa reference of mutiny_2023")
    print(f"{args.runs} replicates in {secs:.2f} s of CPU ({args.runs / secs:,.0f} replicates/s)")
    print(df["mutiny_end"].value_counts(normalize=True).round(3).to_string())
    halted = df[df["mutiny_end"] == "mediated_halt"]
    print(
        f"median closest approach {df['closest_km_to_moscow'].median():.0f} km, "
        f"median duration {df['mutiny_hours'].median():.1f} h (mediated halts: "
        f"{halted['closest_km_to_moscow'].median():.0f} km, {halted['mutiny_hours'].median():.1f} h)"
    )
    print(df["outcome"].value_counts(normalize=True).round(3).to_string())


if __name__ == "__main__":
    main()

"""The actors of DESIGN.md as Mesa agents whose state is arrays over replicates.

Every rule is written once as array code that reads like the scalar rule; a
replicate that has ended keeps computing but can no longer log events or
change its outcome (the model masks both with ``alive``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .params import INTERCEPT_FACTIONS

if TYPE_CHECKING:
    from .model import StormModel

# Mutiny end codes (``Wagner.mutiny_end``); index into MUTINY_ENDS.
NONE, MEDIATED, SUPPRESSED, REACHED = 0, 1, 2, 3
MUTINY_ENDS = ("none", "mediated_halt", "suppressed", "reached_moscow")


class Actor(mesa.Agent):
    """Common base: a name and access to the model's parameters."""

    name = "actor"
    model: StormModel

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)

    def p(self, key: str) -> float:
        return self.model.params[key]


class Kremlin(Actor):
    """The leader: control, elite support, belief about the war, escalation."""

    name = "Kremlin"

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)
        R = model.R
        self.elite_support = np.full(R, self.p("kremlin.elite_support"))
        self.control = np.full(R, self.p("kremlin.control"))
        self.expected_resistance = np.full(R, np.nan)
        self.escalation = 0
        self.mediation_sought = np.zeros(R, dtype=bool)
        self.mediation_offset = np.zeros(R)  # hours into this step it was sought

    def step(self) -> None:
        self.recover_support()
        self.seek_mediation()

    def recover_support(self) -> None:
        m = self.model
        rate = self.p("kremlin.support_recovery_per_day") * m.dt_days
        self.elite_support += (self.p("kremlin.elite_support") - self.elite_support) * rate
        self.control += (self.p("kremlin.control") - self.control) * rate * 0.5
        self.control -= self.p("west.sanction_drain_per_day") * m.west_pressure * m.dt_days
        np.clip(self.elite_support, 0, 1, out=self.elite_support)
        np.clip(self.control, 0, 1, out=self.control)

    def seek_mediation(self) -> None:
        """As the column nears Moscow the leader is ever likelier to ask for a mediator."""
        m, w = self.model, self.model.wagner
        waiting = w.marching & ~self.mediation_sought
        if not waiting.any():
            return
        # The threat as it stands mid-step (using the column's last speed).
        mid_km = np.maximum(w.distance - 0.5 * w.speed * m.dt_hours, 0)
        threat = (1 - mid_km / self.p("wagner.start_km")) ** 2
        rate = self.p("kremlin.mediation_base_per_h") + self.p("kremlin.mediation_threat_per_h") * threat
        happens, offset = m.hazard_at(rate, "kremlin.mediation")
        sought = waiting & happens
        self.mediation_sought |= sought
        self.mediation_offset = np.where(sought, offset, 0.0)
        m.log(sought, self.name, "seeks mediation", "the leader asks Minsk to talk to Prigozhin", offset)

    def form_war_estimate(self) -> None:
        """At the invasion: the leader's estimate of Ukrainian resistance."""
        m = self.model
        actual = self.p("front.actual_resistance")
        if "accurate_intelligence" in m.flags:
            self.expected_resistance[:] = actual
            return
        noise = self.p("front.estimate_noise") * (m.draw("kremlin.estimate") - 0.5) * 2
        bias = m.h["false_intelligence"].estimate_bias()
        self.expected_resistance = np.clip(actual + noise - bias, 0, 1)


class Faction(Actor):
    """A security or elite faction: loyalty, capability, ambition, risk, holdings."""

    def __init__(self, model: StormModel, name: str) -> None:
        super().__init__(model)
        self.name = name
        R, g = model.R, f"factions.{name}"
        self.loyalty = np.full(R, self.p(f"{g}.loyalty"))
        self.capability = np.full(R, self.p(f"{g}.capability"))
        self.ambition = np.full(R, self.p(f"{g}.ambition"))
        self.risk_tolerance = np.full(R, self.p(f"{g}.risk_tolerance"))
        self.intercepts = name in INTERCEPT_FACTIONS
        self.holdings = np.zeros(R, dtype=np.int32)
        self.call_recording = np.zeros(R, dtype=bool)
        # Granovetter-style threshold: the share of defected capability (plus the
        # crisis signal) at which this faction abandons the leader.
        spread = self.p("factions.threshold_spread")
        jitter = (model.draw(f"threshold.{name}") - 0.5) * spread
        self.threshold = np.clip(self.loyalty + jitter, 0, 1)
        self.defected = np.zeros(R, dtype=bool) if name != "opposition" else np.ones(R, bool)
        self.gained = np.zeros(R)

    def step(self) -> None:
        self.gather_material()
        self.consider_leak()

    def gather_material(self) -> None:
        if self.intercepts:
            rate = self.p("factions.intercept_per_day") * self.capability
            self.holdings += self.model.hazard(rate, f"gather.{self.name}", per="day")

    def consider_leak(self) -> None:
        m = self.model
        hyp = m.h["controlled_leaks"]
        release = hyp.release(m, self)
        if release.any():
            self.release(release, "compromising material", hyp.beneficiary())

    def release(self, mask: np.ndarray, what: str, has_beneficiary: bool) -> None:
        """Publish one item where ``mask``; the leader pays, the orderer may gain."""
        m = self.model
        mask = mask & m.alive
        self.holdings -= mask
        m.kremlin.elite_support -= np.where(mask, self.p("factions.leak_damage"), 0.0)
        m.leaks += mask
        if has_beneficiary:
            gain = m.h["controlled_leaks"].gain
            self.capability = np.minimum(self.capability + np.where(mask, gain, 0.0), 1.0)
            self.gained += np.where(mask, gain, 0.0)
            m.log(mask, self.name, "orders a leak", f"{what} published; ordered by {self.name}, who gains")
        else:
            m.log(mask, "unknown source", "leak", f"{what} published; no beneficiary")
        m.add_storm(np.where(mask, 0.1, 0.0))


class Opposition(Faction):
    """The hidden opposition network: acts when the storm window is open."""

    def __init__(self, model: StormModel) -> None:
        super().__init__(model, "opposition")
        self.cooperation = np.zeros(model.R)
        self.purged = np.zeros(model.R, dtype=bool)

    def step(self) -> None:
        self.act_in_window()

    def act_in_window(self) -> None:
        m = self.model
        window = (m.storm > self.p("storm.threshold")) & ~self.purged & m.alive
        if not window.any():
            return
        boldness = self.risk_tolerance * (1 + self.cooperation)
        acts = window & m.hazard(self.p("storm.act_per_day") * boldness, "opposition.act", per="day")
        if not acts.any():
            return
        # Success: the base rate, raised where the elite has turned and the
        # opposition is strong, lowered where the leader still holds control.
        weakness = 1 - 0.5 * (m.kremlin.elite_support + m.kremlin.control)
        p = self.p("storm.coup_success") * (0.5 + weakness) * (0.5 + self.capability + self.cooperation)
        wins = acts & m.chance(np.clip(p, 0, 1), "opposition.success", once=True)
        m.log(wins, self.name, "palace coup", "insiders remove the leader while the window is open")
        m.finish(wins, "palace_coup")
        failed = acts & ~wins
        self.purged |= failed
        self.capability = np.where(failed, self.capability * 0.3, self.capability)
        m.kremlin.control = np.where(failed, np.minimum(m.kremlin.control + 0.05, 1), m.kremlin.control)
        m.log(failed, self.name, "attempt fails", "the plot is uncovered and its members purged")


class Wagner(Actor):
    """The mercenary group: troops, popularity, grievance, the column's march."""

    name = "Wagner"

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)
        R = model.R
        self.grievance = np.full(R, self.p("wagner.grievance"))
        self.popularity = np.full(R, self.p("wagner.popularity"))
        self.strength = np.ones(R)
        self.distance = np.full(R, self.p("wagner.start_km"))
        self.closest = np.full(R, np.nan)
        self.marching = np.zeros(R, dtype=bool)
        self.started_h = np.full(R, np.nan)
        self.in_talks = np.zeros(R, dtype=bool)
        self.talks_from = np.zeros(R)  # hours into this step the talks opened
        # Scratch of the current step's march, read when timing an arrival.
        self.speed = np.zeros(R)
        self.start_km = self.distance.copy()
        self.depart_offset = np.zeros(R)
        self.mutiny_end = np.zeros(R, dtype=np.int8)
        self.mutiny_hours = np.full(R, np.nan)

    @property
    def progress(self) -> np.ndarray:
        """Share of the road to Moscow covered (0 at Rostov, 1 at the city)."""
        return 1 - self.distance / self.p("wagner.start_km")

    def rise(self, needed: float) -> None:
        """The mutiny shock: Rostov is seized where grievance is high enough."""
        m = self.model
        rises = (self.grievance >= needed) & m.alive & np.isnan(self.started_h)
        self.marching |= rises
        self.started_h = np.where(rises, m.hours, self.started_h)
        self.closest = np.where(rises, self.distance, self.closest)
        m.log(
            rises,
            self.name,
            "mutiny begins",
            "Wagner rises; Rostov-on-Don and the Southern Military District HQ are seized",
        )
        m.add_storm(np.where(rises, 0.5, 0.0))

    def step(self) -> None:
        if not self.marching.any():
            return
        # Resistance at the step's midpoint (one predictor pass): grows as the column
        # nears Moscow, and the midpoint keeps the march from depending on the step length.
        ahead = self.p("wagner.speed_kmh") * (1 - self.resistance(self.distance)) * self.model.dt_hours / 2
        resistance = self.resistance(np.maximum(self.distance - ahead, 0))
        accepts, t_accept = self.consider_deal(resistance)
        self.march(resistance, np.where(accepts, t_accept, self.model.dt_hours))
        arrived = self.check_arrival()
        self.halt(accepts & ~arrived, t_accept)
        self.check_suppression()
        self.talks_from[:] = 0.0

    def resistance(self, distance: np.ndarray) -> np.ndarray:
        """Share of speed lost at ``distance``: en-route resistance plus Moscow's prepared defences."""
        m = self.model
        patrons = m.h["hidden_patrons"]
        since = m.hours + m.dt_hours / 2 - self.started_h
        prep = np.clip(since / (self.p("defence.prep_h") * patrons.prep_factor()), 0, 1)
        near = np.clip(1 - distance / self.p("defence.radius_km"), 0, 1)
        loyal = 0.5 * (m.factions["army"].loyalty + m.factions["rosgvardia"].loyalty)
        r = (
            self.p("defence.en_route_resistance") * (0.5 + loyal)
            + self.p("defence.moscow_resistance") * prep * near * loyal / 0.75
        )
        return np.clip(r * (1 - patrons.covert_help()), 0, 0.97)

    def consider_deal(self, resistance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether Wagner accepts the deal in this step, and when (hours into the step)."""
        m = self.model
        talking = self.marching & self.in_talks
        if not talking.any():
            return talking, np.zeros(m.R)
        # Isolation (no faction joins) and stiffening defences make a deal attractive.
        rate = self.p("wagner.accept_per_h") * (0.6 + resistance) * m.h["hidden_patrons"].deal_factor()
        exposure = np.where(talking, m.dt_hours - self.talks_from, 0.0)
        happens, when = m.hazard_at(rate, "wagner.accept", exposure)
        return talking & happens, when

    def march(self, resistance: np.ndarray, until: np.ndarray) -> None:
        """Move the column from its departure (or the step's start) until ``until`` (hours into the step)."""
        m = self.model
        depart = self.started_h + self.p("wagner.departure_h") - m.hours
        hours = np.where(self.marching, np.clip(until - np.clip(depart, 0, None), 0, None), 0.0)
        self.speed = self.p("wagner.speed_kmh") * (1 - resistance)
        self.start_km = self.distance
        self.distance = np.maximum(self.distance - self.speed * hours, 0)
        self.strength = self.strength - self.p("wagner.attrition_per_h") * resistance * hours
        self.depart_offset = np.clip(depart, 0, None)

    def check_arrival(self) -> np.ndarray:
        """End the mutiny where the column crossed the city edge this step; return that mask."""
        m = self.model
        edge = self.p("wagner.arrival_km")
        arrived = self.marching & (self.distance <= edge)
        self.distance = np.where(arrived, np.minimum(self.distance, edge), self.distance)
        self.closest = np.where(self.marching, np.fmin(self.closest, self.distance), self.closest)
        if arrived.any():
            # The time it crossed the edge, from where it stood when the step began.
            to_go = np.maximum(self.start_km - edge, 0)
            t_arrive = self.depart_offset + np.divide(
                to_go, self.speed, out=np.zeros(m.R), where=self.speed > 0
            )
            t_arrive = np.minimum(t_arrive, m.dt_hours)
            self.end_mutiny(arrived, REACHED, t_arrive)
            m.log(arrived, self.name, "reaches Moscow", "the column enters the capital region", t_arrive)
            m.resolve_moscow(arrived, t_arrive)
        return arrived

    def halt(self, accepts: np.ndarray, when: np.ndarray) -> None:
        self.end_mutiny(accepts, MEDIATED, when)
        self.model.log(
            accepts,
            self.name,
            "accepts the deal",
            "Prigozhin halts the column and turns back under the brokered deal",
            when,
        )

    def check_suppression(self) -> None:
        crushed = self.marching & (self.strength < self.p("wagner.suppressed_below"))
        self.end_mutiny(crushed, SUPPRESSED, np.full(self.model.R, self.model.dt_hours))
        self.model.log(crushed, self.name, "suppressed", "the column is broken up by loyal forces")

    def end_mutiny(self, mask: np.ndarray, code: int, at: np.ndarray) -> None:
        """End the mutiny where ``mask``, ``at`` hours into the current step."""
        m = self.model
        mask = mask & self.marching
        self.marching &= ~mask
        self.mutiny_end = np.where(mask, np.int8(code), self.mutiny_end)
        self.mutiny_hours = np.where(mask, m.hours + at - self.started_h, self.mutiny_hours)
        # The closer the column came, the more the leader's standing suffers.
        hit = 0.15 * self.progress
        m.kremlin.elite_support = np.where(mask, m.kremlin.elite_support - hit, m.kremlin.elite_support)


class Mediator(Actor):
    """Lukashenko: calls Prigozhin and brokers a deal."""

    name = "Mediator"

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)
        self.called = np.zeros(model.R, dtype=bool)

    def step(self) -> None:
        m, w = self.model, self.model.wagner
        if "no_mediation" in m.flags or not w.marching.any():
            return
        gate = m.h["leader_gated_mediation"]
        calls, offset = gate.calls(m, w.marching & ~self.called)
        if not calls.any():
            return
        self.called |= calls
        w.in_talks |= calls
        w.talks_from = np.where(calls, offset, w.talks_from)
        m.log(calls, self.name, "calls Prigozhin", "Lukashenko opens talks with the Wagner leader", offset)
        self.record(gate.recorded(m, calls), offset)

    def record(self, recorded: np.ndarray, offset: np.ndarray) -> None:
        """The service with the most capability keeps the recording."""
        m = self.model
        caps = np.stack([m.factions[f].capability for f in INTERCEPT_FACTIONS])
        pick = m.draw("mediator.recorder") * caps.sum(axis=0)
        holder = (np.cumsum(caps, axis=0) > pick).argmax(axis=0)
        for i, name in enumerate(INTERCEPT_FACTIONS):
            got = recorded & (holder == i)
            m.factions[name].call_recording |= got
            m.log(got, name, "records the call", f"the call is intercepted and kept by {name}", offset)


class West(Actor):
    """A Western government: resolve, sanctions, authorisations."""

    def __init__(self, model: StormModel, name: str) -> None:
        super().__init__(model)
        self.name = name
        self.resolve = np.full(model.R, self.p(f"west.{name.lower()}_resolve"))
        self.sanctions = np.zeros(model.R)
        self.authorised = False

    def step(self) -> None:
        if self.authorised:
            self.strike()

    def strike(self) -> None:
        m = self.model
        strikes = m.hazard(self.p("west.strikes_per_day") * self.resolve, f"strike.{self.name}", per="day")
        storm, control = m.h["long_range_storm"].strike_effect()
        m.front.pressure += np.where(strikes, 0.01, 0.0)
        if storm or control:
            m.add_storm(np.where(strikes, storm, 0.0))
            m.kremlin.control -= np.where(strikes, control, 0.0)


class Front(Actor):
    """The Ukrainian front: pressure on the regime, Russian setbacks."""

    name = "Front"

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)
        self.war_on = bool(self.p("front.at_war"))
        self.offensive_left = 0.0
        self.pressure = np.zeros(model.R)
        self.setbacks = np.zeros(model.R)

    def begin_war(self) -> None:
        self.war_on = True
        self.offensive_left = self.p("front.offensive_days")
        self.model.kremlin.form_war_estimate()

    def step(self) -> None:
        if not self.war_on:
            return
        self.fight_offensive()
        self.grind()

    def fight_offensive(self) -> None:
        if self.offensive_left <= 0:
            return
        m = self.model
        days = min(m.dt_days, self.offensive_left)
        gap = np.maximum(self.p("front.actual_resistance") - m.kremlin.expected_resistance, 0)
        share = days / self.p("front.offensive_days")
        self.setbacks += gap * share
        m.kremlin.elite_support -= self.p("front.gap_cost") * gap * share
        self.offensive_left -= days
        if self.offensive_left <= 0:
            m.add_storm(self.setbacks)
            m.log(
                m.alive,
                self.name,
                "offensive stalls",
                np.char.add(
                    "forces withdraw from the Kyiv region; gap between promise and result ",
                    np.char.mod("%.2f", gap),
                ),
            )

    def grind(self) -> None:
        m = self.model
        m.kremlin.elite_support -= self.p("front.war_cost_per_day") * (1 + self.pressure) * m.dt_days

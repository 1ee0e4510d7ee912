"""The mutiny's actors: the Wagner column and the mediator (arrays over replicates)."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from .agents import Actor
from .outputs import MUTINY_ENDS
from .params import INTERCEPT_FACTIONS

if TYPE_CHECKING:
    from .model import StormModel


class MutinyEnd(IntEnum):
    """How a mutiny ended (codes index :data:`sim.outputs.MUTINY_ENDS`)."""

    NONE = 0
    MEDIATED = 1
    SUPPRESSED = 2
    REACHED = 3


assert tuple(e.name for e in MutinyEnd) == ("NONE", "MEDIATED", "SUPPRESSED", "REACHED")
assert len(MUTINY_ENDS) == len(MutinyEnd)
_NONE, _REACHED = int(MutinyEnd.NONE), int(MutinyEnd.REACHED)


class Wagner(Actor):
    """The mercenary group: troops, popularity, grievance, the column's march.

    Rule, each step of a mutiny: the column drives at its pace (which differs
    between runs) less the resistance it meets (light on the way, heavy at
    Moscow's prepared defences once the regime has had time to prepare them),
    loses hours to hold-ups, and may be engaged by loyal forces, which cost it
    strength. Once talks run it accepts a deal at a rate that rises with the
    resistance it meets. It ends at a deal (mediated halt), at Moscow's edge
    (reached), or broken (suppressed). After a halt the regime may kill its leader.
    """

    name = "Wagner"

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)
        R, per = model.R, model.per_replicate
        self.grievance = per(self.p("wagner.grievance"))
        self.popularity = per(self.p("wagner.popularity"))
        self.strength = np.ones(R)
        self.distance = per(self.p("wagner.start_km"))
        self.closest = np.full(R, np.nan)
        self.marching = np.zeros(R, dtype=bool)
        self.started_h = np.full(R, np.nan)
        self.in_talks = np.zeros(R, dtype=bool)
        self.talks_from = np.zeros(R)  # hours into this step the talks opened
        # The column's own pace this run (roads, traffic, the order of march): lognormal, mean one.
        spread = self.p("wagner.speed_spread")
        z = model.normal(model.streams.fixed(model.site("wagner.pace")))
        self.pace = self.p("wagner.speed_kmh") * np.exp(spread * z - 0.5 * spread * spread)
        self.delay_owed = np.zeros(R)  # hours of hold-up still to sit out
        # Talks persuade at a rate; the column turns back once persuasion reaches its
        # resolve, drawn once per run around 1 (an exponential resolve would be a plain hazard).
        self.persuasion = np.zeros(R)
        spread = self.p("wagner.resolve_spread")
        self.resolve = 1 + spread * (2 * model.streams.fixed(model.site("wagner.resolve")) - 1)
        self.engagements = np.zeros(R, dtype=np.int32)
        # Scratch of the current step's march, read when timing an arrival.
        self.speed = np.zeros(R)
        self.start_km = self.distance.copy()
        self.depart_offset = np.zeros(R)
        self.mutiny_end = np.zeros(R, dtype=np.int8)
        self.mutiny_hours = np.full(R, np.nan)
        self.leader_alive = np.ones(R, dtype=bool)
        self.death_hours = np.full(R, np.nan)

    @property
    def progress(self) -> np.ndarray:
        """Share of the road to Moscow covered (0 at Rostov, 1 at the city)."""
        return 1 - self.distance / self.p("wagner.start_km")

    def rise(self, needed: float) -> None:
        """The mutiny shock: Rostov is seized where grievance is high enough."""
        m = self.model
        rises = (self.grievance >= needed) & m.alive & np.isnan(self.started_h) & self.leader_alive
        self.marching |= rises
        self.started_h = np.where(rises, m.hours, self.started_h)
        self.closest = np.where(rises, self.distance, self.closest)
        m.log(
            rises,
            self.name,
            "mutiny begins",
            "Wagner rises; Rostov-on-Don and the Southern Military District HQ are seized",
        )
        m.add_storm(np.where(rises, self.p("storm.per_mutiny"), 0.0))

    def step(self) -> None:
        if self.marching.any():
            self.advance()
        self.face_revenge()

    def advance(self) -> None:
        # Resistance at the step's midpoint (one predictor pass), so the march
        # does not depend on the step length.
        dt = self.model.dt_hours
        ahead = self.pace * (1 - self.resistance(self.distance)) * dt / 2
        resistance = self.resistance(np.maximum(self.distance - ahead, 0))
        accepts, t_accept = self.consider_deal(self.defences(np.maximum(self.distance - ahead, 0)))
        self.hold_up()
        self.march(resistance, np.where(accepts, t_accept, dt))
        arrived = self.check_arrival()
        self.halt(accepts & ~arrived, t_accept)
        self.face_loyal_forces()
        self.talks_from[:] = 0.0

    def defences(self, distance: np.ndarray) -> np.ndarray:
        """How far Moscow's prepared defences stand in the way at ``distance`` (0-1): prepared
        over time once the mutiny starts, and deeper the nearer the city."""
        m = self.model
        since = m.hours + m.dt_hours / 2 - self.started_h
        prep = np.clip(since / m.adjusted("defence.prep_hours", self.p("defence.prep_h")), 0, 1)
        near = np.clip(1 - distance / self.p("defence.radius_km"), 0, 1)
        return prep * near

    def resistance(self, distance: np.ndarray) -> np.ndarray:
        """Share of speed lost at ``distance``: en-route resistance plus Moscow's prepared defences."""
        m = self.model
        loyal = 0.5 * (m.factions["army"].loyalty + m.factions["rosgvardia"].loyalty)
        r = self.p("defence.en_route_resistance") * (0.5 + loyal) + self.p(
            "defence.moscow_resistance"
        ) * self.defences(distance) * loyal / self.p("defence.reference_loyalty")
        r = m.adjusted("march.resistance", np.clip(r, 0, 1))
        return np.clip(r, 0, self.p("defence.max_resistance"))

    def consider_deal(self, defences: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether Wagner accepts the deal in this step, and when (hours into the step).

        The column takes a deal once it faces Moscow's prepared defences (and, a little,
        out of isolation, as no faction joins it); far from the city it has no reason to.
        """
        m = self.model
        talking = self.marching & self.in_talks
        if not talking.any():
            return talking, np.zeros(m.R)
        base = self.p("wagner.accept_per_h") * (self.p("wagner.deal_isolation") + defences)
        rate = m.adjusted("wagner.deal_rate", base)
        exposure = np.where(talking, m.dt_hours - self.talks_from, 0.0)
        # Talks can also break down, and then the column marches on with no deal in sight.
        broken = talking & m.hazard(self.p("wagner.talks_breakdown_per_h"), "wagner.breakdown")
        if broken.any():
            self.in_talks &= ~broken
            talking = talking & ~broken
            m.log(broken, self.name, "talks break down", "Prigozhin breaks off the talks and marches on")
        gained = np.where(talking, rate * exposure, 0.0)
        after = self.persuasion + gained
        happens = talking & (after >= self.resolve)
        # The time within the step at which persuasion reached the resolve (rate constant in the step).
        frac = np.divide(
            self.resolve - self.persuasion, gained, out=np.ones(m.R), where=happens & (gained > 0)
        )
        self.persuasion = np.where(talking, after, self.persuasion)
        return happens, (m.dt_hours - exposure) + exposure * np.clip(frac, 0, 1)

    def hold_up(self) -> None:
        """A hold-up on the road costs the column an exponentially distributed spell of hours."""
        m = self.model
        hit = self.marching & m.hazard(self.p("wagner.holdup_per_h"), "wagner.holdup")
        if hit.any():
            spell = -self.p("wagner.holdup_hours") * np.log1p(-m.draw("wagner.holdup_hours"))
            self.delay_owed += np.where(hit, spell, 0.0)

    def march(self, resistance: np.ndarray, until: np.ndarray) -> None:
        """Move the column from its departure (or the step's start) until ``until`` (hours into the step)."""
        m = self.model
        depart = np.clip(self.started_h + self.p("wagner.departure_h") - m.hours, 0, None)
        available = np.where(self.marching, np.clip(until - depart, 0, None), 0.0)
        waited = np.minimum(self.delay_owed, available)
        self.delay_owed -= waited
        hours = available - waited
        self.speed = self.pace * (1 - resistance)
        self.start_km = self.distance
        self.distance = np.maximum(self.distance - self.speed * hours, 0)
        self.strength = self.strength - self.p("wagner.attrition_per_h") * resistance * hours
        self.depart_offset = depart + waited

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
            self.end_mutiny(arrived, MutinyEnd.REACHED, t_arrive)
            m.log(arrived, self.name, "reaches Moscow", "the column enters the capital region", t_arrive)
            m.resolve_moscow(arrived, t_arrive)
        return arrived

    def halt(self, accepts: np.ndarray, when: np.ndarray) -> None:
        self.end_mutiny(accepts, MutinyEnd.MEDIATED, when)
        self.model.log(
            accepts,
            self.name,
            "accepts the deal",
            "Prigozhin halts the column and turns back under the brokered deal",
            when,
        )

    def face_loyal_forces(self) -> None:
        """Loyal forces engage the column now and then (more loyal, more often; more near Moscow);
        each engagement destroys part of its strength, and a broken column is suppressed."""
        m = self.model
        loyal = 0.5 * (m.factions["army"].loyalty + m.factions["rosgvardia"].loyalty)
        near = np.clip(1 - self.distance / self.p("defence.radius_km"), 0, 1)
        rate = self.p("defence.engage_per_h") * loyal / self.p("defence.reference_loyalty") * (0.5 + near)
        hit = self.marching & m.hazard(rate, "defence.engage")
        if hit.any():
            damage = self.p("defence.engage_damage") * m.draw("defence.damage")
            self.strength = self.strength - np.where(hit, damage, 0.0)
            self.engagements += hit
            m.log(hit, "loyal forces", "engage the column", "air and ground attacks; aircraft are shot down")
        crushed = self.marching & (self.strength < self.p("wagner.suppressed_below"))
        self.end_mutiny(crushed, MutinyEnd.SUPPRESSED, np.full(m.R, m.dt_hours))
        m.log(crushed, self.name, "suppressed", "the column is broken up by loyal forces")

    def end_mutiny(self, mask: np.ndarray, code: int, at: np.ndarray) -> None:
        """End the mutiny where ``mask``, ``at`` hours into the current step."""
        m = self.model
        mask = mask & self.marching
        if not mask.any():
            return
        self.marching &= ~mask
        self.mutiny_end = np.where(mask, np.int8(code), self.mutiny_end)
        self.mutiny_hours = np.where(mask, m.hours + at - self.started_h, self.mutiny_hours)
        # The closer the column came, the more the leader's standing suffers, for good.
        hit = np.where(mask, self.progress, 0.0)
        m.kremlin.shift(support=-self.p("wagner.mutiny_cost") * hit)
        m.kremlin.wound(self.p("wagner.mutiny_legitimacy") * hit)

    def face_revenge(self) -> None:
        """After a halted or crushed mutiny, the regime may kill the mutiny's leader."""
        m = self.model
        # Plain ints: comparing an array with an IntEnum member costs a conversion each time.
        exposed = self.leader_alive & (self.mutiny_end > _NONE) & (self.mutiny_end != _REACHED)
        if exposed.any():
            self.die(exposed & m.hazard(self.p("kremlin.revenge_per_day"), "kremlin.revenge", per="day"))

    def die(self, mask: np.ndarray) -> None:
        """The mutiny's leader dies: the group loses its figurehead, the elite takes the lesson."""
        m = self.model
        mask = mask & self.leader_alive & m.alive
        if not mask.any():
            return
        self.leader_alive &= ~mask
        self.death_hours = np.where(mask, m.event_time(), self.death_hours)
        self.popularity = np.where(mask, 0.0, self.popularity)
        m.kremlin.shift(support=np.where(mask, self.p("kremlin.revenge_support"), 0.0))
        m.log(mask, self.name, "leader dies", "the mutiny's leader is killed when his plane crashes")


class Mediator(Actor):
    """Lukashenko: calls Prigozhin and brokers a deal.

    Rule: he calls as soon as the leader asks for mediation or, before that, on
    his own initiative at a low hourly rate; a service may intercept the call
    and keep the recording.
    """

    name = "Mediator"

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)
        self.called = np.zeros(model.R, dtype=bool)

    def step(self) -> None:
        m, w = self.model, self.model.wagner
        if "no_mediation" in m.flags or not w.marching.any():
            return
        waiting = w.marching & ~self.called
        asked = waiting & m.kremlin.mediation_sought
        rate = m.adjusted("mediator.initiative_rate", self.p("mediator.initiative_per_h"))
        unasked, t_unasked = m.hazard_at(rate, "mediator.initiative")
        calls = asked | (waiting & unasked)
        if not calls.any():
            return
        offset = np.where(asked, np.minimum(m.kremlin.mediation_offset, t_unasked), t_unasked)
        offset = np.where(asked & ~unasked, m.kremlin.mediation_offset, offset)
        self.called |= calls
        w.in_talks |= calls
        w.talks_from = np.where(calls, offset, w.talks_from)
        m.log(calls, self.name, "calls Prigozhin", "Lukashenko opens talks with the Wagner leader", offset)
        p_record = m.adjusted("mediator.record_prob", self.p("mediator.record_prob"))
        self.record(calls & m.chance(p_record, "mediator.recorded"), offset)

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

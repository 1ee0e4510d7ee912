"""The mutiny's actors: the Wagner column and the mediator (arrays over replicates)."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from .agents import Actor, at, clip, positions
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
        parts = self._resistance_parts()
        ahead = self.pace * (1 - self.resistance(self.distance, parts)) * dt / 2
        mid = np.maximum(self.distance - ahead, 0)
        defences = self.defences(mid, parts[0])
        resistance = self.resistance(mid, parts, defences)
        accepts, t_accept = self.consider_deal(defences)
        self.hold_up()
        self.march(resistance, np.where(accepts, t_accept, dt))
        arrived = self.check_arrival()
        self.halt(accepts & ~arrived, t_accept)
        self.face_loyal_forces(parts[1])
        self.talks_from[:] = 0.0

    def _preparation(self) -> np.ndarray:
        """How far Moscow's defences are prepared (0-1), from the mutiny's start at the step's midpoint."""
        m = self.model
        since = m.hours + m.dt_hours / 2 - self.started_h
        return clip(since / m.adjusted("defence.prep_hours", self.p("defence.prep_h")), 0, 1)

    def _resistance_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What the step's resistance is made of wherever the column is (made once a step): the
        defences' preparation, the loyal forces' mean loyalty and the en-route resistance."""
        m = self.model
        loyal = 0.5 * (m.factions["army"].loyalty + m.factions["rosgvardia"].loyalty)
        return self._preparation(), loyal, self.p("defence.en_route_resistance") * (0.5 + loyal)

    def defences(self, distance: np.ndarray, prep: np.ndarray | None = None) -> np.ndarray:
        """How far Moscow's prepared defences stand in the way at ``distance`` (0-1): prepared
        over time once the mutiny starts, and deeper the nearer the city. ``prep``: the
        preparation, if the caller has it."""
        near = clip(1 - distance / self.p("defence.radius_km"), 0, 1)
        return (self._preparation() if prep is None else prep) * near

    def resistance(
        self,
        distance: np.ndarray,
        parts: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        defences: np.ndarray | None = None,
    ) -> np.ndarray:
        """Share of speed lost at ``distance``: en-route resistance plus Moscow's prepared defences.

        ``parts`` (:meth:`_resistance_parts`) and ``defences`` (at ``distance``), if the caller has them.
        """
        m = self.model
        prep, loyal, en_route = self._resistance_parts() if parts is None else parts
        if defences is None:
            defences = self.defences(distance, prep)
        r = en_route + self.p("defence.moscow_resistance") * defences * loyal / self.p(
            "defence.reference_loyalty"
        )
        r = m.adjusted("march.resistance", clip(r, 0, 1))
        return clip(r, 0, self.p("defence.max_resistance"))

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
        gained = rate * exposure
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
        hit = positions(m.hazard(self.p("wagner.holdup_per_h"), "wagner.holdup", among=self.marching))
        if len(hit):  # a few columns: only their spells are drawn
            spell = -at(self.p("wagner.holdup_hours"), hit) * np.log1p(-m.draw("wagner.holdup_hours", hit))
            self.delay_owed[hit] += spell

    def march(self, resistance: np.ndarray, until: np.ndarray) -> None:
        """Move the column from its departure (or the step's start) until ``until`` (hours into the step)."""
        m = self.model
        # np.maximum(x, 0) is what np.clip(x, 0, None) calls.
        depart = np.maximum(self.started_h + self.p("wagner.departure_h") - m.hours, 0)
        available = np.where(self.marching, np.maximum(until - depart, 0), 0.0)
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

    def face_loyal_forces(self, loyal: np.ndarray | None = None) -> None:
        """Loyal forces engage the column now and then (more loyal, more often; more near Moscow);
        each engagement destroys part of its strength, and a broken column is suppressed.

        ``loyal``: the loyal forces' mean loyalty, if the caller has it.
        """
        m = self.model
        if loyal is None:
            loyal = 0.5 * (m.factions["army"].loyalty + m.factions["rosgvardia"].loyalty)
        near = clip(1 - self.distance / self.p("defence.radius_km"), 0, 1)
        rate = self.p("defence.engage_per_h") * loyal / self.p("defence.reference_loyalty") * (0.5 + near)
        hit = positions(m.hazard(rate, "defence.engage", among=self.marching))
        if len(hit):  # a few columns are engaged: only their damage is drawn
            damage = at(self.p("defence.engage_damage"), hit) * m.draw("defence.damage", hit)
            strength = self.strength.copy()
            strength[hit] = strength[hit] - damage
            self.strength = strength
            self.engagements[hit] += 1
            m.log_at(
                hit[m.alive[hit]],
                "loyal forces",
                "engage the column",
                "air and ground attacks; aircraft are shot down",
            )
        crushed = self.marching & (self.strength < self.p("wagner.suppressed_below"))
        self.end_mutiny(crushed, MutinyEnd.SUPPRESSED, np.full(m.R, m.dt_hours))
        m.log(crushed, self.name, "suppressed", "the column is broken up by loyal forces")

    def end_mutiny(self, mask: np.ndarray, code: int, when: np.ndarray) -> None:
        """End the mutiny where ``mask``, ``when`` hours into the current step."""
        m = self.model
        idx = positions(mask & self.marching)
        if not len(idx):
            return
        self.marching[idx] = False
        self.mutiny_end = self.mutiny_end.copy()
        self.mutiny_end[idx] = code
        self.mutiny_hours = self.mutiny_hours.copy()
        self.mutiny_hours[idx] = m.hours + when[idx] - self.started_h[idx]
        # The closer the column came, the more the leader's standing suffers, for good.
        hit = 1 - self.distance[idx] / at(self.p("wagner.start_km"), idx)
        m.kremlin.shift_at(idx, support=-at(self.p("wagner.mutiny_cost"), idx) * hit)
        m.kremlin.wound_at(idx, at(self.p("wagner.mutiny_legitimacy"), idx) * hit)

    def face_revenge(self) -> None:
        """After a halted or crushed mutiny, the regime may kill the mutiny's leader."""
        m = self.model
        # Plain ints: comparing an array with an IntEnum member costs a conversion each time.
        exposed = self.leader_alive & (self.mutiny_end > _NONE) & (self.mutiny_end != _REACHED)
        if exposed.any():
            self.die(m.hazard(self.p("kremlin.revenge_per_day"), "kremlin.revenge", per="day", among=exposed))

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
        unasked, t_unasked = m.hazard_at(rate, "mediator.initiative", among=waiting)
        calls = asked | unasked
        if not calls.any():
            return
        offset = np.where(asked, np.minimum(m.kremlin.mediation_offset, t_unasked), t_unasked)
        offset = np.where(asked & ~unasked, m.kremlin.mediation_offset, offset)
        self.called |= calls
        # Talks may fail outright (a one-off draw, so a change that only moves the call in time
        # cannot flip it); then the column marches on with no deal in sight.
        failed = calls & m.chance(self.p("wagner.talks_fail_prob"), "wagner.talks_fail", once=True)
        m.log(failed, w.name, "talks fail", "Prigozhin rejects the mediation and marches on", offset)
        w.in_talks |= calls & ~failed
        w.talks_from = np.where(calls, offset, w.talks_from)
        m.log(calls, self.name, "calls Prigozhin", "Lukashenko opens talks with the Wagner leader", offset)
        p_record = m.adjusted("mediator.record_prob", self.p("mediator.record_prob"))
        self.record(calls & m.chance(p_record, "mediator.recorded"), offset)

    def record(self, recorded: np.ndarray, offset: np.ndarray) -> None:
        """The service with the most capability keeps the recording."""
        m = self.model
        idx = positions(recorded)
        if not len(idx):
            return
        # Capability cumulated service by service, for the recorded replicates only:
        # the very sums of a cumulative sum over stacked rows, without the stack.
        cumulated: list[np.ndarray] = []
        for name in INTERCEPT_FACTIONS:
            cap = m.factions[name].capability[idx]
            cumulated.append(cap if not cumulated else cumulated[-1] + cap)
        pick = m.draw("mediator.recorder", idx) * cumulated[-1]
        holder = np.zeros(len(idx), dtype=np.intp)  # the first service past the pick (0 if none)
        for i in reversed(range(len(cumulated))):
            holder = np.where(cumulated[i] > pick, i, holder)
        for i, name in enumerate(INTERCEPT_FACTIONS):
            got = idx[holder == i]
            m.factions[name].call_recording[got] = True
            m.log_at(
                got[m.alive[got]],
                name,
                "records the call",
                f"the call is intercepted and kept by {name}",
                offset,
            )

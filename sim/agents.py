"""The actors as Mesa agents whose state is arrays over replicates.

Every rule is written once as array code that reads like the scalar rule; a
replicate that has ended keeps computing but can no longer log events or
change its outcome (the model masks both with ``alive``). A parameter may be a
number or an array over replicates (uncertain parameters, sweeps): the rules
read the same either way. Each actor's ``step()`` is a short sequence of named
sub-steps; the rule each applies is stated in its docstring.

The leader's Wagner and mediator actors live in :mod:`sim.mutiny`; the war
front and the West here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from .params import INTERCEPT_FACTIONS

if TYPE_CHECKING:
    from .model import StormModel


try:  # the clip ufunc itself: np.clip's Python wrapper costs more than clipping 10,000 numbers
    from numpy._core import umath as _umath
except ImportError:  # numpy < 2
    from numpy.core import umath as _umath  # type: ignore[no-redef]
_clip_ufunc: np.ufunc = _umath.clip  # type: ignore[attr-defined]


def clip(x: Any, low: Any, high: Any, out: np.ndarray | None = None) -> Any:
    """``np.clip(x, low, high)``: the same ufunc, without np.clip's argument handling."""
    return _clip_ufunc(x, low, high) if out is None else _clip_ufunc(x, low, high, out=out)


def positions(mask: np.ndarray) -> np.ndarray:
    """Where a 1-D mask is True: ``np.flatnonzero`` without its two Python wrappers."""
    return mask.nonzero()[0]


def at(value: float | np.ndarray, idx: np.ndarray) -> float | np.ndarray:
    """A parameter's value at the replicates ``idx``: the number itself, or the array's entries."""
    return value[idx] if isinstance(value, np.ndarray) and value.ndim else value


def _zero(amount: float | np.ndarray) -> bool:
    """Whether ``amount`` is the plain number zero (a change that changes nothing)."""
    return not isinstance(amount, np.ndarray) and amount == 0


class Actor(mesa.Agent):
    """Common base: a name and access to the model's parameters."""

    name = "actor"
    model: StormModel

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)

    def p(self, key: str) -> float | np.ndarray:
        return self.model.params[key]


class Kremlin(Actor):
    """The leader: control, elite support, legitimacy, belief about the war, escalation.

    Elite support and control have one owner: every change goes through
    :meth:`shift`, which clips them to [0, 1] once. Legitimacy is the slow
    variable: shocks wound it (:meth:`wound`) and it heals over years, so a
    2022 failure still weighs in 2024.
    """

    name = "Kremlin"

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)
        per = model.per_replicate
        self.elite_support = per(self.p("kremlin.elite_support"))
        self.control = per(self.p("kremlin.control"))
        self.legitimacy = per(self.p("kremlin.legitimacy"))
        self.expected_resistance = np.full(model.R, np.nan)
        self.escalation = 0
        self.mediation_sought = np.zeros(model.R, dtype=bool)
        self.mediation_offset = np.zeros(model.R)  # hours into this step it was sought

    def shift(self, support: float | np.ndarray = 0.0, control: float | np.ndarray = 0.0) -> None:
        """Change elite support and control, clipped to [0, 1] (the one write site).

        Both stay in [0, 1] from the start, so adding a plain zero and clipping
        would leave one as it is: it is skipped.
        """
        if not _zero(support):
            self.elite_support = clip(self.elite_support + support, 0.0, 1.0)
        if not _zero(control):
            self.control = clip(self.control + control, 0.0, 1.0)

    def shift_at(
        self, idx: np.ndarray, support: float | np.ndarray = 0.0, control: float | np.ndarray = 0.0
    ) -> None:
        """:meth:`shift` at the replicates ``idx`` only (amounts per entry of ``idx``, or numbers).

        The same as shifting by these amounts there and by zero elsewhere, which
        leaves the others as they are; like :meth:`shift`, it makes new arrays.
        """
        if not _zero(support):
            self.elite_support = self.elite_support.copy()
            self.elite_support[idx] = clip(self.elite_support[idx] + support, 0.0, 1.0)
        if not _zero(control):
            self.control = self.control.copy()
            self.control[idx] = clip(self.control[idx] + control, 0.0, 1.0)

    def wound(self, amount: float | np.ndarray) -> None:
        """A lasting loss of legitimacy."""
        self.legitimacy = clip(self.legitimacy - amount, 0.0, 1.0)

    def wound_at(self, idx: np.ndarray, amount: float | np.ndarray) -> None:
        """:meth:`wound` at the replicates ``idx`` only (``amount`` per entry of ``idx``, or a number)."""
        self.legitimacy = self.legitimacy.copy()
        self.legitimacy[idx] = clip(self.legitimacy[idx] - amount, 0.0, 1.0)

    def step(self) -> None:
        self.recover()
        self.seek_mediation()

    def recover(self) -> None:
        """Support drifts back to its start, control more slowly; sanctions drain control;
        legitimacy heals with a half-life of years."""
        m = self.model
        rate = m.constant(
            "kremlin.recovery",
            lambda: np.minimum(self.p("kremlin.support_recovery_per_day") * m.dt_days, 1.0),
        )
        self.shift(
            support=(self.p("kremlin.elite_support") - self.elite_support) * rate,
            control=(self.p("kremlin.control") - self.control)
            * rate
            * self.p("kremlin.control_recovery_share")
            - self.p("west.sanction_drain_per_day") * m.west_pressure * m.dt_days,
        )
        heal = m.constant(
            "kremlin.heal",
            lambda: -np.expm1(-np.log(2) * m.dt_days / self.p("kremlin.legitimacy_recovery_days")),
        )
        self.legitimacy += (self.p("kremlin.legitimacy") - self.legitimacy) * heal

    def seek_mediation(self) -> None:
        """As the column nears Moscow the leader is ever likelier to ask for a mediator."""
        m, w = self.model, self.model.wagner
        waiting = w.marching & ~self.mediation_sought
        if not waiting.any():
            return
        # The threat as it stands mid-step (using the column's last speed).
        mid_km = np.maximum(w.distance - 0.5 * w.speed * m.dt_hours, 0)
        threat = m.power(1 - mid_km / self.p("wagner.start_km"), self.p("kremlin.mediation_threat_exponent"))
        rate = self.p("kremlin.mediation_base_per_h") + self.p("kremlin.mediation_threat_per_h") * threat
        sought, offset = m.hazard_at(rate, "kremlin.mediation", among=waiting)
        self.mediation_sought |= sought
        self.mediation_offset = np.where(sought, offset, 0.0)
        m.log(sought, self.name, "seeks mediation", "the leader asks Minsk to talk to Prigozhin", offset)

    def form_war_estimate(self) -> None:
        """At the invasion: the true resistance, plus honest noise, minus the documented optimism."""
        m = self.model
        actual = self.p("front.actual_resistance")
        if "accurate_intelligence" in m.flags:
            self.expected_resistance = m.per_replicate(actual)
            return
        noise = self.p("front.estimate_noise") * (m.draw("kremlin.estimate") - 0.5) * 2
        self.expected_resistance = np.clip(actual + noise - self.p("front.prewar_optimism"), 0, 1)


class Faction(Actor):
    """A security or elite faction: loyalty, capability, ambition, risk, holdings.

    Intercepting services gather compromising material; a holding leaks at the
    null rate (at random, nobody gains) unless a hypothesis times the release.
    Each faction abandons the leader once the crisis signal plus the defected
    share of capability reaches its threshold (Granovetter 1978).
    """

    def __init__(self, model: StormModel, name: str) -> None:
        super().__init__(model)
        self.name = name
        per, g = model.per_replicate, f"factions.{name}"
        self.loyalty = per(self.p(f"{g}.loyalty"))
        self.capability = per(self.p(f"{g}.capability"))
        self.initial_capability = self.capability.copy()
        self.ambition = per(self.p(f"{g}.ambition"))
        self.risk_tolerance = per(self.p(f"{g}.risk_tolerance"))
        self.intercepts = name in INTERCEPT_FACTIONS
        self.holdings = np.zeros(model.R, dtype=np.int32)
        self.call_recording = np.zeros(model.R, dtype=bool)
        spread = self.p("factions.threshold_spread")
        jitter = (model.draw(f"threshold.{name}") - 0.5) * spread
        self.threshold = np.clip(self.loyalty + jitter, 0, 1)
        self.defected = np.zeros(model.R, dtype=bool) if name != "opposition" else np.ones(model.R, bool)
        self.gained = np.zeros(model.R)

    def step(self) -> None:
        if self.intercepts:
            self.gather_material()
            self.consider_leak()

    def gather_material(self) -> None:
        # The rate changes only when the capability does (it is replaced, never changed in place).
        site = f"gather.{self.name}"
        gathers = self.model.hazard_of(
            site,
            self.capability,
            lambda: self.p("factions.intercept_per_day") * self.capability,
            site,
            per="day",
        )
        self.holdings += gathers

    def consider_leak(self) -> None:
        holding = self.holdings > 0
        if not holding.any():
            return
        m = self.model
        rate = m.adjusted("leak.rate", self.p("factions.random_leak_per_day"), faction=self)
        self.release(m.hazard(rate, f"leak.{self.name}", per="day", among=holding), "compromising material")

    def release(self, mask: np.ndarray, what: str) -> None:
        """Publish one item where ``mask``: the leader pays in support and legitimacy."""
        m = self.model
        mask = mask & m.alive
        if not mask.any():
            return
        # A few replicates leak in a step: their entries alone change.
        idx = positions(mask)
        self.holdings[idx] -= 1
        m.kremlin.shift_at(idx, support=-at(self.p("factions.leak_damage"), idx))
        m.kremlin.wound_at(idx, at(self.p("factions.leak_legitimacy"), idx))
        m.leaks[idx] += 1
        m.add_storm_at(idx, at(self.p("storm.per_leak"), idx))
        m.log_at(idx, self.name, "leak", f"{what} held by {self.name} is published")
        m.run_hook("on_leak", mask, self)


class Opposition(Faction):
    """Insiders who may move against the leader, the hidden opposition network among them.

    Rule: an attempt comes at the cross-national base rate of coup attempts,
    lowered by coup-proofing, raised steeply by the crisis signal and by an
    open storm window, and scaled by the plotters' boldness. It succeeds at the
    base success rate, raised where the leader is weak and the plotters strong.
    A success is a palace coup, or, in a share of cases, security chiefs who
    declare martial law and rule. A failure is purged.
    """

    def __init__(self, model: StormModel) -> None:
        super().__init__(model, "opposition")
        self.cooperation = np.zeros(model.R)
        self.initial_risk = np.maximum(self.risk_tolerance, 1e-9)

    def step(self) -> None:
        self.plot()

    def plot(self) -> None:
        m, k = self.model, self.model.kremlin
        window = m.storm > self.p("storm.threshold")
        boldness = self.risk_tolerance / self.initial_risk * (1 + self.cooperation)
        base = m.constant(
            "coup.base", lambda: self.p("coup.attempt_per_year") / 365.0 * self.p("coup.proofing")
        )
        rate = base * np.exp(self.p("coup.crisis_gain") * m.signal)
        if window.any():  # elsewhere the factor is 1.0, and x * 1.0 is x
            rate = rate * np.where(window, self.p("coup.window_factor"), 1.0)
        rate = rate * boldness
        acts = m.hazard(rate, "opposition.act", per="day", among=m.alive)
        # A handful of replicates act in a step: the rest is worked out for them alone.
        idx = positions(acts)
        if not len(idx):
            return
        weakness = 1 - 0.5 * (k.elite_support[idx] + k.control[idx])
        p = (
            at(self.p("coup.success"), idx)
            * (0.5 + weakness)
            * (0.5 + self.capability[idx] + self.cooperation[idx])
        )
        wins = m.fixed_draw("opposition.success")[idx] < clip(p, 0, 1)
        martial = wins & (m.fixed_draw("opposition.martial")[idx] < at(self.p("coup.martial_share"), idx))
        m.log_at(
            idx[martial],
            "security chiefs",
            "declare martial law",
            "security chiefs declare martial law and rule",
        )
        m.finish_at(idx[martial], "martial_law")
        m.log_at(idx[wins & ~martial], self.name, "palace coup", "insiders remove the leader")
        m.finish_at(idx[wins & ~martial], "palace_coup")
        failed = idx[~wins]
        if len(failed):
            capability = self.capability.copy()
            capability[failed] = capability[failed] * at(self.p("coup.purge_keep"), failed)
            self.capability = capability
            k.shift_at(failed, control=at(self.p("coup.failed_control"), failed))
            m.log_at(failed, self.name, "attempt fails", "the plot is uncovered and its members purged")


class West(Actor):
    """A Western government: resolve, sanctions, authorisations.

    Sanctions change only when a shock fires (in its handler or a hypothesis's
    ``on_shock`` hook): the model reads the Western pressure again only then.

    Once long-range strikes are authorised, they come at a daily rate scaled by
    resolve; each adds front pressure, and (per the hypotheses) storm and lost control.
    """

    def __init__(self, model: StormModel, name: str) -> None:
        super().__init__(model)
        self.name = name
        self.resolve = model.per_replicate(self.p(f"west.{name.lower()}_resolve"))
        self.sanctions = model.per_replicate(self.p("west.initial_sanctions"))
        self.authorised = False

    def step(self) -> None:
        if self.authorised:
            self.strike()

    def strike(self) -> None:
        m = self.model
        strikes = m.hazard(self.p("west.strikes_per_day") * self.resolve, f"strike.{self.name}", per="day")
        idx = positions(strikes)  # a few replicates: only theirs change
        m.front.pressure[idx] += at(self.p("west.strike_pressure"), idx)
        storm = m.adjusted("strike.storm", 0.0)
        control = m.adjusted("strike.control", 0.0)
        if np.any(storm) or np.any(control):
            m.add_storm_at(idx, at(storm, idx))
            m.kremlin.shift_at(idx, control=-at(control, idx))


class Front(Actor):
    """The Ukrainian front: the opening offensive, then a grinding war.

    The offensive runs on the leader's belief in a quick victory, which starts
    at one minus his estimate of resistance and erodes each day against the real
    resistance (with day-to-day noise). When it falls below the withdrawal line
    the offensive is called off: the gap between promise and result then costs
    the leader elite support and legitimacy and feeds the storm window.
    """

    name = "Front"

    def __init__(self, model: StormModel) -> None:
        super().__init__(model)
        self.war_on = bool(np.any(self.p("front.at_war")))
        self.offensive = np.zeros(model.R, dtype=bool)
        self.belief = np.zeros(model.R)
        self.pressure = np.zeros(model.R)
        self.setbacks = np.zeros(model.R)
        self.stall_hours = np.full(model.R, np.nan)

    def begin_war(self) -> None:
        self.war_on = True
        self.model.kremlin.form_war_estimate()
        self.belief = 1 - self.model.kremlin.expected_resistance
        self.offensive[:] = True

    def step(self) -> None:
        if not self.war_on:
            return
        if self.offensive.any():
            self.fight_offensive()
        self.grind()

    def fight_offensive(self) -> None:
        m = self.model
        u = np.clip(m.draw("front.news"), 1e-12, 1 - 1e-12)
        news = np.maximum(1 + self.p("front.belief_noise") * m.normal(u), 0)
        self.belief -= self.p("front.learning_per_day") * self.p("front.actual_resistance") * m.dt_days * news
        stalls = self.offensive & (self.belief < self.p("front.withdraw_belief"))
        if not stalls.any():
            return
        self.offensive &= ~stalls
        gap = np.where(
            stalls, np.maximum(self.p("front.actual_resistance") - m.kremlin.expected_resistance, 0), 0
        )
        cost = m.adjusted("front.gap_cost", self.p("front.gap_cost"))
        blame = cost / np.maximum(self.p("front.gap_cost"), 1e-12)
        self.setbacks += gap
        m.kremlin.shift(support=-cost * gap)
        m.kremlin.wound(self.p("front.gap_legitimacy") * blame * gap)
        m.add_storm(self.p("front.gap_storm") * gap)
        self.stall_hours = np.where(stalls, m.hours + m.dt_hours, self.stall_hours)
        # The detail text is written for the replicates that log it, not for all.
        logged = positions(stalls & m.alive)
        m.log_at(
            logged,
            self.name,
            "offensive stalls",
            np.char.add(
                "forces withdraw from the Kyiv region; gap between promise and result ",
                np.char.mod("%.2f", gap[logged]),
            ),
            picked=True,
        )

    def grind(self) -> None:
        m = self.model
        m.kremlin.shift(support=-self.p("front.war_cost_per_day") * (1 + self.pressure) * m.dt_days)

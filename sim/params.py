"""Every model parameter, declared once with its default, range, unit and source.

Keys are dotted (``wagner.speed_kmh``) and are exactly the keys a scenario file
uses and ``--set`` accepts. ``source`` says where a default comes from:
``history`` (the documented 2022–2024 course), ``base rate`` (a cross-national
figure, not a fact about Russia) or ``guess`` — and a guess is labelled as one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Where a default comes from.
SOURCES = ("history", "base rate", "guess")


@dataclass(frozen=True)
class Param:
    """A declared parameter.

    ``low``/``high`` bound every value the parameter may take (a scenario, ``--set``,
    a distribution's support). ``span`` narrows that to the range a guess is
    believed to lie in, where the full range would be absurd as a belief (a
    loyalty of 0 for the FSB); it is what ``--uncertain guesses`` draws from and
    what calibration takes as the prior. ``structural`` parameters shape the
    clock or the set of actors and cannot vary between replicates.
    """

    default: float
    low: float
    high: float
    unit: str
    meaning: str
    source: str
    span: tuple[float, float] | None = None
    structural: bool = False

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source {self.source!r} is not one of {SOURCES}")
        lo, hi = self.guess_range
        if not (self.low <= lo <= self.default <= hi <= self.high):
            raise ValueError(f"default {self.default} outside its span {self.guess_range} or range")

    @property
    def guess_range(self) -> tuple[float, float]:
        """The range a guess is believed to lie in (the declared range unless narrowed)."""
        return self.span if self.span is not None else (self.low, self.high)

    def check(self, key: str, value: object) -> float:
        """Return ``value`` as a float or raise ValueError naming ``key``."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key}: expected a number, got {type(value).__name__} {value!r}")
        if not self.low <= value <= self.high:
            raise ValueError(f"{key}: {value} is out of range [{self.low}, {self.high}] ({self.unit})")
        return float(value)

    def check_array(self, key: str, values: np.ndarray) -> np.ndarray:
        """Per-replicate values as float64, or ValueError naming ``key`` and the range."""
        if self.structural:
            raise ValueError(f"{key}: is structural (it shapes the clock or the actors) and cannot vary")
        arr = np.asarray(values, dtype=float)
        if arr.size and not (np.all(arr >= self.low) and np.all(arr <= self.high)):
            bad = arr[(arr < self.low) | (arr > self.high) | np.isnan(arr)][0]
            raise ValueError(f"{key}: {bad} is out of range [{self.low}, {self.high}] ({self.unit})")
        return arr


P = Param

FACTION_NAMES = ("fsb", "gru", "svr", "rosgvardia", "army", "oligarchs", "opposition")
INTERCEPT_FACTIONS = ("fsb", "gru", "svr")
SECURITY_FACTIONS = ("fsb", "rosgvardia", "army")
ELITE_FACTIONS = tuple(n for n in FACTION_NAMES if n != "opposition")

#: Per-faction defaults: loyalty, capability, ambition, risk tolerance (all guesses,
#: ordered by the common reading of the services' closeness to the leader).
_FACTION_DEFAULTS = {
    "fsb": (0.80, 0.80, 0.50, 0.30),
    "gru": (0.65, 0.70, 0.55, 0.45),
    "svr": (0.70, 0.60, 0.45, 0.30),
    "rosgvardia": (0.80, 0.55, 0.30, 0.25),
    "army": (0.70, 0.75, 0.40, 0.35),
    "oligarchs": (0.60, 0.50, 0.50, 0.20),
    "opposition": (0.10, 0.25, 0.90, 0.50),
}


def _around(x: float, lo: float = 0.0, hi: float = 1.0, rel: float = 0.5) -> tuple[float, float]:
    """A guess's span: ``x`` ± ``rel`` of itself, inside [lo, hi]."""
    return (round(max(lo, x * (1 - rel)), 6), round(min(hi, x * (1 + rel)), 6))


def _faction_params() -> dict[str, Param]:
    out: dict[str, Param] = {}
    for name, (loy, cap, amb, risk) in _FACTION_DEFAULTS.items():
        g = f"factions.{name}"
        out[f"{g}.loyalty"] = P(
            loy, 0, 1, "share", f"{name}: loyalty to the leader", "guess", _around(loy, rel=0.3)
        )
        out[f"{g}.capability"] = P(
            cap, 0, 1, "share", f"{name}: capacity to act", "guess", _around(cap, rel=0.3)
        )
        out[f"{g}.ambition"] = P(amb, 0, 1, "share", f"{name}: appetite for power", "guess", _around(amb))
        out[f"{g}.risk_tolerance"] = P(
            risk, 0, 1, "share", f"{name}: willingness to act under uncertainty", "guess", _around(risk)
        )
    return out


PARAMS: dict[str, Param] = {
    # --- the leader -------------------------------------------------------
    "kremlin.elite_support": P(
        0.75, 0, 1, "share", "initial elite support for the leader", "guess", (0.6, 0.9)
    ),
    "kremlin.control": P(
        0.85, 0, 1, "share", "initial regime control of the state apparatus", "guess", (0.7, 0.95)
    ),
    "kremlin.legitimacy": P(
        0.8,
        0,
        1,
        "share",
        "initial legitimacy: how far the elite and the public accept the leader's right to rule "
        "(slow: it carries the lasting marks of shocks)",
        "guess",
        (0.6, 0.95),
    ),
    "kremlin.legitimacy_recovery_days": P(
        900,
        30,
        5000,
        "days",
        "half-life of a legitimacy loss (lasting marks fade over years, not weeks)",
        "guess",
        (300, 2000),
    ),
    "kremlin.public_support": P(
        0.8,
        0,
        1,
        "share",
        "initial public support for the leader (reported approval of about 80 % in 2022-2024, "
        "with the caveats of polling under censorship)",
        "history",
    ),
    "kremlin.support_recovery_per_day": P(
        0.004,
        0,
        0.1,
        "per day",
        "rate at which elite support drifts back to its start",
        "guess",
        (0.002, 0.008),
    ),
    "kremlin.control_recovery_share": P(
        0.5, 0, 1, "share", "control recovers at this share of elite support's rate", "guess", (0.2, 0.8)
    ),
    "kremlin.public_storm_erosion_per_day": P(
        0.0007,
        0,
        0.01,
        "per day",
        "public support lost per day per unit of storm index",
        "guess",
        (0.0002, 0.002),
    ),
    "kremlin.mediation_base_per_h": P(
        0.025,
        0,
        1,
        "per hour",
        "hazard that the leader seeks mediation during a mutiny, before any threat "
        "(calibrated: the call came about 12-14 hours in)",
        "history",
    ),
    "kremlin.mediation_threat_per_h": P(
        0.6,
        0,
        5,
        "per hour",
        "extra hazard of seeking mediation as the column nears Moscow (full at the city)",
        "guess",
        (0.1, 1.2),
    ),
    "kremlin.mediation_threat_exponent": P(
        2.0, 0.5, 6, "power", "how sharply the threat grows as the column nears Moscow", "guess", (1, 4)
    ),
    "kremlin.weakened_below": P(
        0.62, 0, 1, "share", "elite support below which a surviving regime counts as weakened", "guess"
    ),
    "kremlin.revenge_per_day": P(
        0.015,
        0,
        1,
        "per day",
        "after a halted mutiny, daily hazard that the regime kills the mutiny's leader "
        "(Prigozhin died two months after the mutiny)",
        "guess",
        (0.003, 0.05),
    ),
    "kremlin.revenge_support": P(
        0.02,
        0,
        0.2,
        "share",
        "elite support the leader regains by the example of a dead mutineer (fear)",
        "guess",
        (0.0, 0.05),
    ),
    # --- the war front ----------------------------------------------------
    "front.actual_resistance": P(
        0.75, 0, 1, "share", "Ukrainian resistance the invasion met (Kyiv did not fall)", "history"
    ),
    "front.estimate_noise": P(
        0.1, 0, 0.5, "share", "spread of an honest intelligence estimate of resistance", "guess", (0.02, 0.2)
    ),
    "front.prewar_optimism": P(
        0.35,
        0,
        1,
        "share",
        "how far the pre-war estimate understated resistance (the plan assumed Kyiv would fall within days)",
        "history",
    ),
    "front.learning_per_day": P(
        0.015,
        0.0005,
        0.2,
        "per day per unit of resistance",
        "how fast the leader's belief in a quick victory erodes against real resistance",
        "guess",
        (0.008, 0.025),
    ),
    "front.withdraw_belief": P(
        0.2,
        0,
        1,
        "share",
        "belief in success below which the opening offensive is called off",
        "guess",
        (0.1, 0.3),
    ),
    "front.belief_noise": P(
        0.15, 0, 1, "share", "day-to-day noise in how the front's news erodes belief", "guess", (0.05, 0.3)
    ),
    "front.at_war": P(
        0,
        0,
        1,
        "flag",
        "1 if the war is already under way when the scenario starts",
        "history",
        structural=True,
    ),
    "front.gap_cost": P(
        0.25,
        0,
        1,
        "share",
        "elite support lost per unit of gap between promise and result",
        "guess",
        (0.1, 0.4),
    ),
    "front.gap_legitimacy": P(
        0.3, 0, 1, "share", "legitimacy lost per unit of gap between promise and result", "guess", (0.1, 0.5)
    ),
    "front.gap_storm": P(
        1.0,
        0,
        5,
        "index per unit gap",
        "storm index the stalled offensive adds per unit of gap",
        "guess",
        (0.5, 1.5),
    ),
    "front.war_cost_per_day": P(
        0.0002,
        0,
        0.01,
        "per day",
        "elite support drained per day of a grinding war",
        "guess",
        (0.0001, 0.0004),
    ),
    # --- Wagner and the mutiny --------------------------------------------
    "wagner.start_km": P(
        1070,
        100,
        3000,
        "km",
        "road distance from Rostov-on-Don to Moscow along the M4",
        "history",
        structural=True,
    ),
    "wagner.speed_kmh": P(
        48,
        1,
        120,
        "km/h",
        "column speed on an open road (about 870 km covered in some 18 hours of driving)",
        "history",
    ),
    "wagner.speed_spread": P(
        0.1,
        0,
        1,
        "log-sd",
        "spread of the column's pace between runs (roads, traffic, the order of march)",
        "guess",
        (0.03, 0.2),
    ),
    "wagner.holdup_per_h": P(
        0.08,
        0,
        2,
        "per hour",
        "hazard of a hold-up on the road (a blocked bridge, a skirmish, an air attack)",
        "guess",
        (0.02, 0.2),
    ),
    "wagner.holdup_hours": P(
        1.0, 0, 12, "hours", "mean time a hold-up costs the column", "guess", (0.3, 2.0)
    ),
    "wagner.departure_h": P(
        3, 0, 48, "hours", "time from the start of the mutiny until the column leaves Rostov", "history"
    ),
    "wagner.arrival_km": P(
        15, 0, 100, "km", "distance at which the column counts as having reached Moscow", "guess", (5, 30)
    ),
    "wagner.attrition_per_h": P(
        0.02, 0, 1, "per hour", "column strength lost per hour under full resistance", "guess", (0.01, 0.04)
    ),
    "wagner.suppressed_below": P(
        0.4, 0, 1, "share", "column strength below which the mutiny is suppressed", "guess", (0.3, 0.6)
    ),
    "wagner.accept_per_h": P(
        1.5,
        0,
        5,
        "per hour",
        "hazard of accepting a brokered deal once talks run, per unit of Moscow's prepared defences "
        "faced (calibrated: the halt came about 200 km out, some 24 hours in, once the defences stood)",
        "history",
    ),
    "wagner.resolve_spread": P(
        0.5,
        0,
        1,
        "share",
        "spread of the persuasion the column needs before it turns back (its resolve is uniform "
        "on 1 +- spread, in units of the deal rate's hours)",
        "guess",
        (0.2, 0.9),
    ),
    "wagner.talks_fail_prob": P(
        0.03,
        0,
        1,
        "probability",
        "chance that the mediated talks fail outright, after which the column marches on with no deal",
        "guess",
        (0.0, 0.1),
    ),
    "wagner.deal_isolation": P(
        0.0,
        0,
        2,
        "per unit of resistance",
        "readiness for a deal before any resistance (isolation: no faction joins)",
        "guess",
        (0.0, 0.04),
    ),
    "wagner.mutiny_cost": P(
        0.15,
        0,
        1,
        "share",
        "elite support the leader loses when a mutiny ends, per share of the road covered",
        "guess",
        (0.05, 0.25),
    ),
    "wagner.mutiny_legitimacy": P(
        0.1,
        0,
        1,
        "share",
        "legitimacy lost when a mutiny ends, per share of the road covered",
        "guess",
        (0.03, 0.2),
    ),
    "wagner.grievance": P(0.8, 0, 1, "share", "initial grievance against the defence ministry", "history"),
    "wagner.popularity": P(0.6, 0, 1, "share", "public popularity of the Wagner leader", "history"),
    "wagner.arrival_signal": P(
        0.5,
        0,
        2,
        "index",
        "crisis signal a column at Moscow sends the elite, per unit of strength and popularity",
        "guess",
        (0.3, 0.9),
    ),
    # --- the regime's defence of Moscow ------------------------------------
    "defence.en_route_resistance": P(
        0.02, 0, 1, "share", "speed lost to resistance on the way (little met in June 2023)", "history"
    ),
    "defence.moscow_resistance": P(
        0.85,
        0,
        1,
        "share",
        "speed lost at prepared defences near Moscow (roads dug up, Oka line)",
        "guess",
        (0.4, 0.95),
    ),
    "defence.reference_loyalty": P(
        0.75,
        0.1,
        1,
        "share",
        "mean loyalty of the army and Rosgvardia at which Moscow's prepared defences hold at full strength",
        "guess",
        (0.6, 0.9),
    ),
    "defence.max_resistance": P(
        0.97, 0.5, 1, "share", "the most speed resistance can take away", "guess", (0.9, 0.99)
    ),
    "defence.radius_km": P(
        300, 10, 1000, "km", "distance from Moscow at which prepared defences begin", "guess", (200, 400)
    ),
    "defence.prep_h": P(
        18, 1, 200, "hours", "hours the regime needs to prepare the defences of Moscow", "guess", (12, 36)
    ),
    "defence.engage_per_h": P(
        0.03,
        0,
        2,
        "per hour",
        "hazard that loyal forces engage the column (air strikes, blocking units), at full loyalty",
        "guess",
        (0.01, 0.08),
    ),
    "defence.engage_damage": P(
        0.2,
        0,
        1,
        "share",
        "largest share of the column's strength one engagement destroys",
        "guess",
        (0.1, 0.4),
    ),
    "defence.capture_base": P(
        0.5,
        0,
        1,
        "probability",
        "chance that a full-strength column facing a wavering garrison takes Moscow "
        "(coup success base rate, Powell & Thyne 2011)",
        "base rate",
    ),
    "defence.held_cost": P(
        0.1,
        0,
        1,
        "share",
        "elite support lost when the garrison has to stop the column at the city",
        "guess",
        (0.05, 0.2),
    ),
    "defence.martial_law_on_arrival": P(
        0.1,
        0,
        1,
        "probability",
        "chance the security chiefs declare martial law and take control as a column reaches Moscow",
        "guess",
        (0.02, 0.3),
    ),
    # --- factions and elite defection ---------------------------------------
    **_faction_params(),
    "factions.intercept_per_day": P(
        0.003,
        0,
        1,
        "per day",
        "rate at which an intercepting service gathers compromising material",
        "guess",
        (0.001, 0.01),
    ),
    "factions.random_leak_per_day": P(
        0.003,
        0,
        1,
        "per day",
        "daily chance that a holding leaks by accident, at no chosen moment",
        "guess",
        (0.001, 0.01),
    ),
    "factions.leak_damage": P(
        0.04, 0, 0.5, "share", "elite support a released recording costs the leader", "guess", (0.02, 0.06)
    ),
    "factions.leak_legitimacy": P(
        0.01, 0, 0.5, "share", "legitimacy a released recording costs the leader", "guess", (0.0, 0.03)
    ),
    "factions.threshold_spread": P(
        0.3,
        0,
        1,
        "share",
        "spread of defection thresholds around each faction's loyalty",
        "guess",
        (0.1, 0.5),
    ),
    "factions.defection_cost": P(
        0.1,
        0,
        1,
        "share",
        "elite support and control a defection costs the leader, per unit of the faction's capability",
        "guess",
        (0.05, 0.2),
    ),
    # --- the crisis signal the factions weigh --------------------------------
    "signal.elite_weight": P(
        0.6, 0, 2, "weight", "weight of lost elite support in the crisis signal", "guess", (0.4, 0.8)
    ),
    "signal.storm_weight": P(
        0.15, 0, 2, "weight", "weight of the storm index in the crisis signal", "guess", (0.05, 0.25)
    ),
    "signal.public_weight": P(
        0.3,
        0,
        2,
        "weight",
        "weight of public support below its floor in the crisis signal",
        "guess",
        (0.1, 0.5),
    ),
    "signal.public_floor": P(
        0.6,
        0,
        1,
        "share",
        "public support below which the public's mood enters the signal",
        "guess",
        (0.4, 0.7),
    ),
    "signal.control_weight": P(
        0.2, 0, 2, "weight", "weight of lost control in the crisis signal", "guess", (0.1, 0.3)
    ),
    "signal.legitimacy_weight": P(
        0.4, 0, 2, "weight", "weight of lost legitimacy in the crisis signal", "guess", (0.2, 0.6)
    ),
    "signal.offset": P(
        0.3, 0, 1, "index", "signal subtracted before factions read it (ordinary strain)", "guess", (0.2, 0.4)
    ),
    # --- the West ---------------------------------------------------------
    "west.us_resolve": P(0.6, 0, 1, "share", "US resolve to pressure the regime", "guess", (0.4, 0.8)),
    "west.uk_resolve": P(0.7, 0, 1, "share", "UK resolve to pressure the regime", "guess", (0.5, 0.9)),
    "west.eu_resolve": P(0.5, 0, 1, "share", "EU resolve to pressure the regime", "guess", (0.3, 0.7)),
    "west.sanction_drain_per_day": P(
        0.0004,
        0,
        0.01,
        "per day",
        "regime control drained per day per unit of Western pressure",
        "guess",
        (0.0002, 0.0008),
    ),
    "west.sanctions_2022": P(
        0.4,
        0,
        1,
        "index",
        "sanctions the US, UK and EU imposed from late February 2022 (broad packages within days)",
        "history",
    ),
    "west.initial_sanctions": P(
        0.0,
        0,
        2,
        "index",
        "sanctions already in force when the scenario starts (0.4 from February 2022 on)",
        "history",
    ),
    "west.nuclear_response": P(
        0.05,
        0,
        1,
        "share",
        "rise in Western pressure when nuclear signalling is read through ordinary channels",
        "guess",
        (0.0, 0.1),
    ),
    "west.strikes_per_day": P(
        0.3, 0, 10, "per day", "rate of long-range strikes inside Russia once authorised", "history"
    ),
    "west.strike_pressure": P(
        0.01, 0, 0.2, "index", "front pressure each long-range strike adds", "guess", (0.005, 0.02)
    ),
    "west.long_range_sanctions": P(
        0.1, 0, 1, "index", "sanctions that come with the long-range authorisation", "guess", (0.05, 0.2)
    ),
    "west.ballistic_sanctions": P(
        0.05, 0, 1, "index", "sanctions that follow the ballistic strike", "guess", (0.0, 0.1)
    ),
    # --- the storm window ---------------------------------------------------
    "storm.halflife_days": P(
        30, 1, 365, "days", "half-life of a shock's contribution to the storm window", "guess", (15, 60)
    ),
    "storm.threshold": P(
        0.8, 0, 10, "index", "storm index above which the window counts as open", "guess", (0.5, 1.2)
    ),
    "storm.per_leak": P(0.1, 0, 2, "index", "storm index a published leak adds", "guess", (0.05, 0.2)),
    "storm.per_mutiny": P(0.5, 0, 5, "index", "storm index a mutiny adds as it begins", "guess", (0.3, 0.8)),
    "storm.per_harsh_response": P(
        0.6, 0, 5, "index", "storm index harsh Western measures add", "guess", (0.3, 0.9)
    ),
    # --- insider attempts on the leader: palace coup or martial law ----------
    "coup.attempt_per_year": P(
        0.048,
        0,
        1,
        "per year",
        "coup attempts per country-year (457 attempts in about 9,600 country-years, 1950-2010; "
        "Powell & Thyne 2011)",
        "base rate",
    ),
    "coup.proofing": P(
        0.3,
        0,
        1,
        "factor",
        "how far coup-proofing (parallel security services, purges) lowers that rate here",
        "guess",
        (0.1, 0.6),
    ),
    "coup.crisis_gain": P(
        3.0,
        0,
        10,
        "log-factor",
        "how steeply a crisis raises the attempt rate (the rate is multiplied by e^(gain x signal))",
        "guess",
        (1.5, 4.5),
    ),
    "coup.window_factor": P(
        4.0,
        1,
        50,
        "factor",
        "how much an open storm window multiplies the attempt rate",
        "guess",
        (2, 8),
    ),
    "coup.success": P(
        0.5,
        0,
        1,
        "probability",
        "base success of an insider attempt (about half of 457 coups 1950-2010, Powell & Thyne)",
        "base rate",
    ),
    "coup.martial_share": P(
        0.3,
        0,
        1,
        "share",
        "share of successful insider attempts in which security chiefs declare martial law and rule, "
        "rather than remove the leader quietly",
        "guess",
        (0.1, 0.5),
    ),
    "coup.purge_keep": P(
        0.3, 0, 1, "share", "capability a failed plot keeps after the purge", "guess", (0.1, 0.5)
    ),
    "coup.failed_control": P(
        0.05, 0, 0.5, "share", "control the leader gains by crushing a plot", "guess", (0.0, 0.1)
    ),
    # --- collapse: external pressure plus defection, no single coup ----------
    "collapse.per_year": P(
        0.003,
        0,
        0.5,
        "per year",
        "yearly rate of regime collapse from below at calm (popular uprisings removed 32 of 303 "
        "dictators removed by non-constitutional means; Svolik 2012)",
        "base rate",
    ),
    "collapse.control_gain": P(
        4.0, 0, 15, "log-factor", "how steeply lost control raises the collapse rate", "guess", (2, 5)
    ),
    "collapse.defection_gain": P(
        4.0, 0, 15, "log-factor", "how steeply defected faction capability raises it", "guess", (2, 5)
    ),
    "collapse.pressure_gain": P(
        2.0, 0, 15, "log-factor", "how steeply Western pressure raises it", "guess", (1, 3)
    ),
    "collapse.legitimacy_gain": P(
        3.0, 0, 15, "log-factor", "how steeply lost legitimacy raises it", "guess", (1.5, 4)
    ),
    # --- the mediator ----------------------------------------------------------
    "mediator.initiative_per_h": P(
        0.03,
        0,
        5,
        "per hour",
        "the mediator's own hourly hazard of calling the mutiny's leader, unasked",
        "guess",
        (0.01, 0.08),
    ),
    "mediator.record_prob": P(
        0.3,
        0,
        1,
        "probability",
        "chance a service intercepts and keeps the mediator's call",
        "guess",
        (0.1, 0.5),
    ),
}

"""Parameters of the regime's inside and outside: factions, crisis signal, the West, the storm window, insider attempts and collapse (see :mod:`sim.params`)."""

from __future__ import annotations

from .param_spec import P, Param, faction_params

REGIME: dict[str, Param] = {
    # --- factions and elite defection ---------------------------------------
    **faction_params(),
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
}

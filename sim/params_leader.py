"""Parameters of the leader and of the war front (see :mod:`sim.params`)."""

from __future__ import annotations

from .param_spec import P, Param

LEADER_AND_FRONT: dict[str, Param] = {
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
}

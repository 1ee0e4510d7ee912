"""Every model parameter, declared once with its default, range, unit and source.

Keys are dotted (``wagner.speed_kmh``) and are exactly the keys a scenario file
uses and ``--set`` accepts. ``source`` says where a default comes from:
``history`` (the documented 2022–2024 course), ``base rate`` (a cross-national
figure, not a fact about Russia) or ``guess`` — and a guess is labelled as one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """A declared parameter."""

    default: float
    low: float
    high: float
    unit: str
    meaning: str
    source: str

    def check(self, key: str, value: object) -> float:
        """Return ``value`` as a float or raise ValueError naming ``key``."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key}: expected a number, got {type(value).__name__} {value!r}")
        if not self.low <= value <= self.high:
            raise ValueError(f"{key}: {value} is out of range [{self.low}, {self.high}] ({self.unit})")
        return float(value)


P = Param

FACTION_NAMES = ("fsb", "gru", "svr", "rosgvardia", "army", "oligarchs", "opposition")
INTERCEPT_FACTIONS = ("fsb", "gru", "svr")

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


def _faction_params() -> dict[str, Param]:
    out: dict[str, Param] = {}
    for name, (loy, cap, amb, risk) in _FACTION_DEFAULTS.items():
        g = f"factions.{name}"
        out[f"{g}.loyalty"] = P(loy, 0, 1, "share", f"{name}: loyalty to the leader", "guess")
        out[f"{g}.capability"] = P(cap, 0, 1, "share", f"{name}: capacity to act", "guess")
        out[f"{g}.ambition"] = P(amb, 0, 1, "share", f"{name}: appetite for power", "guess")
        out[f"{g}.risk_tolerance"] = P(
            risk, 0, 1, "share", f"{name}: willingness to act under uncertainty", "guess"
        )
    return out


PARAMS: dict[str, Param] = {
    # --- the leader -------------------------------------------------------
    "kremlin.elite_support": P(0.75, 0, 1, "share", "initial elite support for the leader", "guess"),
    "kremlin.control": P(0.85, 0, 1, "share", "initial regime control of the state apparatus", "guess"),
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
        0.004, 0, 0.1, "per day", "rate at which elite support drifts back to its start", "guess"
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
        0.25,
        0,
        5,
        "per hour",
        "extra hazard of seeking mediation as the column nears Moscow",
        "history",
    ),
    "kremlin.weakened_below": P(
        0.62, 0, 1, "share", "elite support below which a surviving regime counts as weakened", "guess"
    ),
    # --- the war front ----------------------------------------------------
    "front.actual_resistance": P(
        0.75, 0, 1, "share", "Ukrainian resistance the invasion met (Kyiv did not fall)", "history"
    ),
    "front.estimate_noise": P(
        0.1, 0, 0.5, "share", "spread of an honest intelligence estimate of resistance", "guess"
    ),
    "front.offensive_days": P(
        40,
        1,
        365,
        "days",
        "length of the opening offensive (withdrawal from Kyiv by early April 2022)",
        "history",
    ),
    "front.at_war": P(
        0, 0, 1, "flag", "1 if the war is already under way when the scenario starts", "history"
    ),
    "front.gap_cost": P(
        0.25, 0, 1, "share", "elite support lost per unit of gap between promise and result", "guess"
    ),
    "front.war_cost_per_day": P(
        0.0002, 0, 0.01, "per day", "elite support drained per day of a grinding war", "guess"
    ),
    # --- Wagner and the mutiny --------------------------------------------
    "wagner.start_km": P(
        1070, 100, 3000, "km", "road distance from Rostov-on-Don to Moscow along the M4", "history"
    ),
    "wagner.speed_kmh": P(
        48,
        1,
        120,
        "km/h",
        "column speed on an open road (about 870 km covered in some 18 hours of driving)",
        "history",
    ),
    "wagner.departure_h": P(
        3, 0, 48, "hours", "time from the start of the mutiny until the column leaves Rostov", "history"
    ),
    "wagner.arrival_km": P(
        15, 0, 100, "km", "distance at which the column counts as having reached Moscow", "guess"
    ),
    "wagner.attrition_per_h": P(
        0.02, 0, 1, "per hour", "column strength lost per hour under full resistance", "guess"
    ),
    "wagner.suppressed_below": P(
        0.4, 0, 1, "share", "column strength below which the mutiny is suppressed", "guess"
    ),
    "wagner.accept_per_h": P(
        0.14,
        0,
        5,
        "per hour",
        "hazard of accepting a brokered deal once talks run (deal about 8 hours after the first call)",
        "history",
    ),
    "wagner.grievance": P(0.8, 0, 1, "share", "initial grievance against the defence ministry", "history"),
    "wagner.popularity": P(0.6, 0, 1, "share", "public popularity of the Wagner leader", "history"),
    # --- the regime's defence of Moscow ------------------------------------
    "defence.en_route_resistance": P(
        0.05, 0, 1, "share", "speed lost to resistance on the way (little met in June 2023)", "history"
    ),
    "defence.moscow_resistance": P(
        0.85,
        0,
        1,
        "share",
        "speed lost at prepared defences near Moscow (roads dug up, Oka line)",
        "guess",
    ),
    "defence.radius_km": P(
        300, 10, 1000, "km", "distance from Moscow at which prepared defences begin", "guess"
    ),
    "defence.prep_h": P(
        18, 1, 200, "hours", "hours the regime needs to prepare the defences of Moscow", "guess"
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
    # --- factions and elite defection ---------------------------------------
    **_faction_params(),
    "factions.intercept_per_day": P(
        0.003,
        0,
        1,
        "per day",
        "rate at which an intercepting service gathers compromising material",
        "guess",
    ),
    "factions.leak_damage": P(
        0.04, 0, 0.5, "share", "elite support a released recording costs the leader", "guess"
    ),
    "factions.threshold_spread": P(
        0.3, 0, 1, "share", "spread of defection thresholds around each faction's loyalty", "guess"
    ),
    # --- the West ---------------------------------------------------------
    "west.us_resolve": P(0.6, 0, 1, "share", "US resolve to pressure the regime", "guess"),
    "west.uk_resolve": P(0.7, 0, 1, "share", "UK resolve to pressure the regime", "guess"),
    "west.eu_resolve": P(0.5, 0, 1, "share", "EU resolve to pressure the regime", "guess"),
    "west.sanction_drain_per_day": P(
        0.0004,
        0,
        0.01,
        "per day",
        "regime control drained per day per unit of Western pressure",
        "guess",
    ),
    "west.strikes_per_day": P(
        0.3, 0, 10, "per day", "rate of long-range strikes inside Russia once authorised", "history"
    ),
    # --- the storm window and the hidden opposition -------------------------
    "storm.halflife_days": P(
        30, 1, 365, "days", "half-life of a shock's contribution to the storm window", "guess"
    ),
    "storm.threshold": P(0.8, 0, 10, "index", "storm index above which the window counts as open", "guess"),
    "storm.act_per_day": P(
        0.003,
        0,
        1,
        "per day",
        "hazard that the hidden opposition acts while the window is open",
        "guess",
    ),
    "storm.coup_success": P(
        0.5,
        0,
        1,
        "probability",
        "base success of an insider attempt (about half of 457 coups 1950-2010, Powell & Thyne)",
        "base rate",
    ),
    "storm.collapse_control": P(
        0.3, 0, 1, "share", "regime control below which defection can bring collapse", "guess"
    ),
    "storm.collapse_defected": P(
        0.5,
        0,
        1,
        "share",
        "defected share of faction capability that makes collapse possible",
        "guess",
    ),
}

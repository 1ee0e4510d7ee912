"""Parameters of the mutiny: Wagner's march, the defence of Moscow, the mediator (see :mod:`sim.params`)."""

from __future__ import annotations

from .param_spec import P, Param

MUTINY: dict[str, Param] = {
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
}

MEDIATOR: dict[str, Param] = {
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

"""What a run reports, declared once (the starsim ``define_results`` pattern).

Three kinds of output, each a tuple of small declarations:

- :data:`OUTCOME_SPECS`: the fixed outcome vocabulary, one per replicate;
- :data:`FIGURE_SPECS`: the per-replicate figures of ``results()``, with a getter
  that reads them off the model;
- :data:`SERIES_SPECS`: the per-step series of fan charts, with a getter.

The results table, ``simulate``'s columns, the compare figures, the series,
the plot palettes and the page's rows are all derived from these; nothing else
keeps a list of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from .model import StormModel


@dataclass(frozen=True)
class Outcome:
    """One outcome of the fixed vocabulary."""

    name: str
    label: str
    colour: str
    in_power: bool
    description: str


@dataclass(frozen=True)
class Figure:
    """A per-replicate result column.

    ``kind``: ``float`` (NaN where it does not apply), ``int``, ``category``
    (the getter returns codes into ``categories``) or ``time`` (the getter
    returns hours since the scenario's start, NaN for never; the column is a
    datetime).
    """

    name: str
    label: str
    unit: str
    kind: Literal["float", "int", "category", "time"]
    description: str
    get: Callable[[StormModel], np.ndarray] = field(repr=False, compare=False)
    categories: tuple[str, ...] = ()
    #: Shown by compare as a paired shift (numeric figures that say something).
    compared: bool = True
    #: ``get(m)[idx]`` computed for those replicates alone, for a figure that is computed
    #: rather than read (the model freezes figures of the few replicates ending in a step).
    get_at: Callable[[StormModel, np.ndarray], np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )

    def values_at(self, m: StormModel, idx: np.ndarray) -> np.ndarray:
        """The figure at the replicates ``idx``."""
        return self.get_at(m, idx) if self.get_at is not None else self.get(m)[idx]


@dataclass(frozen=True)
class Series:
    """A per-step series drawn as a fan chart; ``low``/``high`` bound its histogram."""

    name: str
    label: str
    unit: str
    colour: str
    low: float
    high: float
    description: str
    get: Callable[[StormModel], np.ndarray] = field(repr=False, compare=False)
    #: True when the series' upper bound is a scenario parameter (the road length).
    high_key: str | None = None


OUTCOME_SPECS: tuple[Outcome, ...] = (
    Outcome(
        "regime_intact",
        "regime intact",
        "#4c72b0",
        True,
        "the leader is in power at the end, with elite support and control above the weakened line",
    ),
    Outcome(
        "regime_weakened",
        "regime weakened",
        "#8fb0d9",
        True,
        "the leader is in power at the end, but elite support or control is below the weakened line",
    ),
    Outcome(
        "martial_law",
        "martial law",
        "#c44e52",
        False,
        "a faction declares martial law in Moscow and takes control",
    ),
    Outcome("palace_coup", "palace coup", "#dd8452", False, "insiders remove the leader"),
    Outcome("rebel_capture", "rebel capture", "#8172b3", False, "the mercenary column takes Moscow"),
    Outcome(
        "regime_collapse",
        "regime collapse",
        "#937860",
        False,
        "external pressure and defection bring the regime down with no single coup",
    ),
)
OUTCOMES: tuple[str, ...] = tuple(o.name for o in OUTCOME_SPECS)
IN_POWER: tuple[str, ...] = tuple(o.name for o in OUTCOME_SPECS if o.in_power)
OUTCOME_COLOURS: dict[str, str] = {o.name: o.colour for o in OUTCOME_SPECS}

#: How a mutiny ended (``Wagner.mutiny_end`` codes index this).
MUTINY_ENDS = ("none", "mediated_halt", "suppressed", "reached_moscow")
LEAK_GAINERS = ("fsb", "gru", "svr", "none")


def _most_gained(gains: list[np.ndarray]) -> np.ndarray:
    # The first service with the most gain (np.argmax's choice over the stacked rows), or "none"
    # where none gained; found pairwise, without stacking the rows.
    most = gains[0]
    first = np.zeros(len(most), dtype=np.intp)
    for i, gained in enumerate(gains[1:], start=1):
        first[gained > most] = i
        most = np.maximum(most, gained)
    return np.where(most > 0, first, len(LEAK_GAINERS) - 1)


def _gainer(m: StormModel) -> np.ndarray:
    return _most_gained([m.factions[name].gained for name in LEAK_GAINERS[:-1]])


def _gainer_at(m: StormModel, idx: np.ndarray) -> np.ndarray:
    return _most_gained([m.factions[name].gained[idx] for name in LEAK_GAINERS[:-1]])


FIGURE_SPECS: tuple[Figure, ...] = (
    Figure(
        "mutiny_end",
        "how the mutiny ended",
        "",
        "category",
        "none (no mutiny), mediated_halt, suppressed or reached_moscow",
        attrgetter("wagner.mutiny_end"),
        MUTINY_ENDS,
        compared=False,
    ),
    Figure(
        "closest_km_to_moscow",
        "closest approach to Moscow",
        "km",
        "float",
        "the column's closest road distance to Moscow (NaN without a mutiny)",
        attrgetter("wagner.closest"),
    ),
    Figure(
        "mutiny_hours",
        "mutiny duration",
        "hours",
        "float",
        "hours from the mutiny's start to its end (NaN if none or still running)",
        attrgetter("wagner.mutiny_hours"),
    ),
    Figure("leaks", "leaks", "count", "int", "compromising recordings published", attrgetter("leaks")),
    Figure(
        "top_leak_gainer",
        "top leak gainer",
        "",
        "category",
        "the intercepting service that gained most from ordered leaks (none without a beneficiary)",
        _gainer,
        LEAK_GAINERS,
        compared=False,
        get_at=_gainer_at,
    ),
    Figure(
        "leader_elite_support",
        "elite support",
        "share",
        "float",
        "the leader's elite support at the end (or when the regime fell)",
        attrgetter("kremlin.elite_support"),
    ),
    Figure(
        "regime_control",
        "regime control",
        "share",
        "float",
        "the regime's control of the state apparatus at the end (0 once the leader has fallen)",
        attrgetter("kremlin.control"),
    ),
    Figure(
        "legitimacy",
        "legitimacy",
        "share",
        "float",
        "the leader's legitimacy at the end (or when the regime fell): the lasting marks of shocks",
        attrgetter("kremlin.legitimacy"),
    ),
    Figure(
        "engagements",
        "engagements",
        "count",
        "int",
        "times loyal forces engaged the mutiny column",
        attrgetter("wagner.engagements"),
    ),
    Figure(
        "kyiv_withdrawal_time",
        "Kyiv offensive called off",
        "date",
        "time",
        "when the opening offensive stalled and forces withdrew (NaT without an invasion)",
        attrgetter("front.stall_hours"),
        compared=False,
    ),
    Figure(
        "first_security_defection_time",
        "first security defection",
        "date",
        "time",
        "when a security service or the army first openly abandoned the leader (NaT if never)",
        attrgetter("security_defection_hours"),
        compared=False,
    ),
    Figure(
        "mutiny_leader_death_time",
        "mutiny leader's death",
        "date",
        "time",
        "when the mutiny's leader died (NaT if not in the span)",
        attrgetter("wagner.death_hours"),
        compared=False,
    ),
    Figure(
        "storm_peak",
        "storm peak",
        "index",
        "float",
        "the highest value of the storm window index",
        attrgetter("storm_peak"),
    ),
    Figure(
        "public_support",
        "public support",
        "share",
        "float",
        "the public's support for the leader at the end",
        attrgetter("opinion"),
    ),
)
FIGURES: tuple[str, ...] = tuple(f.name for f in FIGURE_SPECS)
FIGURE_BY_NAME: dict[str, Figure] = {f.name: f for f in FIGURE_SPECS}

SERIES_SPECS: tuple[Series, ...] = (
    Series(
        "elite_support",
        "Elite support",
        "share",
        "#4c72b0",
        0.0,
        1.0,
        "the leader's elite support",
        attrgetter("kremlin.elite_support"),
    ),
    Series(
        "control",
        "Regime control",
        "share",
        "#55a868",
        0.0,
        1.0,
        "the regime's control of the state apparatus",
        attrgetter("kremlin.control"),
    ),
    Series(
        "distance_km",
        "Column's distance to Moscow",
        "km",
        "#c44e52",
        0.0,
        1.0,
        "the mutiny column's road distance to Moscow",
        attrgetter("wagner.distance"),
        high_key="wagner.start_km",
    ),
    Series(
        "west_pressure",
        "Western pressure",
        "index",
        "#8172b3",
        0.0,
        1.0,
        "sanctions weighted by resolve, averaged over the US, UK and EU",
        attrgetter("west_pressure"),
    ),
    Series(
        "legitimacy",
        "Legitimacy",
        "share",
        "#dd8452",
        0.0,
        1.0,
        "the leader's legitimacy (slow: the lasting marks of shocks)",
        attrgetter("kremlin.legitimacy"),
    ),
)
SERIES: tuple[str, ...] = tuple(s.name for s in SERIES_SPECS)
SERIES_BY_NAME: dict[str, Series] = {s.name: s for s in SERIES_SPECS}

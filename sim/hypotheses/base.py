"""The hypothesis plug-in contract, its shared hooks and its registry.

A hypothesis is a small class with a ``metadata`` dict and declared ``params``.
The engine never names a hypothesis: it runs its own *null* behaviour (the
actors acting on their plain interests) and, at a few fixed points, asks every
registered hypothesis through one of the shared hooks below. Each hook has a
neutral default, so a hypothesis implements only the hooks it needs, and a
hypothesis that is off (in a replicate, or everywhere) leaves the null
behaviour untouched.

Shared hooks (the starsim module lifecycle, Axelrod's single ``strategy()``):

- ``@adjusts(quantity)`` methods transform a named quantity of
  :data:`QUANTITIES` (a rate, a resistance, a probability): the model combines
  them over the registry, in registry order, and keeps the null value in the
  replicates where the hypothesis is off;
- ``on_shock(model, shock, mask)``: after the engine has applied a dated shock;
- ``on_arrival(model, arrived, offset)``: the mutiny column reaches Moscow;
- ``on_leak(model, faction, released)``: a service has just released material;
- ``on_step(model, mask)``: once per step, after the actors have acted.

``mask`` arguments are already restricted to the live replicates where the
hypothesis is on. A switch may differ between replicates (uncertain switches,
attribution ensembles): ``self.on`` is then a boolean array, and parameter
values may be arrays too; hook code is written once, as array code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..errors import UsageError, choices_hint
from ..params import Param

if TYPE_CHECKING:
    from ..model import StormModel

REGISTRY: dict[str, type[Hypothesis]] = {}

#: Metadata every hypothesis must declare.
REQUIRED_METADATA = ("id", "title", "claim", "section", "status", "mechanism", "null", "probe")

#: The quantities a hypothesis may adjust, and what each is. The model is the
#: only caller (``StormModel.adjusted``); a contract test checks that every
#: adjustment names one of these.
QUANTITIES: dict[str, str] = {
    "march.resistance": "share of the mutiny column's speed lost to resistance (0-0.97)",
    "defence.prep_hours": "hours the regime needs to prepare Moscow's defences",
    "wagner.deal_rate": "Wagner's hourly hazard of accepting a brokered deal once talks run",
    "moscow.martial_law": "probability that martial law is declared as the column reaches Moscow",
    "mediator.initiative_rate": "the mediator's own hourly hazard of calling, unasked",
    "mediator.record_prob": "probability that the mediator's call is intercepted and kept",
    "leak.rate": "a holding service's daily hazard of releasing one item (context: faction)",
    "kremlin.estimate": "the leader's estimate of Ukrainian resistance at the invasion",
    "front.gap_cost": "elite support lost per unit of gap between promise and result",
    "strike.storm": "storm index added by one long-range strike inside Russia",
    "strike.control": "regime control lost per long-range strike inside Russia",
}
#: The event hooks, in the order a step may call them.
EVENT_HOOKS = ("on_shock", "on_arrival", "on_leak", "on_step")

Adjuster = Callable[..., Any]


def adjusts(quantity: str) -> Callable[[Adjuster], Adjuster]:
    """Mark a method as this hypothesis's transform of ``quantity``.

    The method takes ``(self, model, value, **context)`` and returns the new
    value as if the hypothesis were on everywhere; the model keeps ``value``
    where it is off.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}{choices_hint(quantity, QUANTITIES)}")

    def mark(fn: Adjuster) -> Adjuster:
        fn._adjusts = quantity  # type: ignore[attr-defined]
        return fn

    return mark


def register(cls: type[Hypothesis]) -> type[Hypothesis]:
    """Class decorator: add a hypothesis to the registry under its id."""
    hid = cls.metadata["id"]
    if hid in REGISTRY and REGISTRY[hid] is not cls:
        raise ValueError(f"hypothesis id {hid!r} registered twice")
    REGISTRY[hid] = cls
    return cls


def unregister(hid: str) -> None:
    """Remove a hypothesis (for tests that register a throw-away one)."""
    REGISTRY.pop(hid, None)


def get(hid: str) -> type[Hypothesis]:
    """The class registered under ``hid``, or a UsageError listing valid ids."""
    try:
        return REGISTRY[hid]
    except KeyError:
        raise UsageError(f"unknown hypothesis {hid!r}{choices_hint(hid, REGISTRY)}") from None


Value = float | np.ndarray


class Hypothesis:
    """Base class: metadata, declared parameters, switch, shared hooks with neutral defaults.

    ``metadata`` keys: id, title, claim (paraphrase), section (article heading),
    status (always ``speculative``), mechanism (what it changes), null (what
    happens when it is off), probe (a scenario file where switching it matters).
    """

    metadata: ClassVar[dict[str, str]] = {}
    params: ClassVar[dict[str, Param]] = {}
    #: The behaviour the contract test checks on the probe: (result column, category of it
    #: or None for the mean, "higher" or "lower") with the hypothesis on against off.
    expect: ClassVar[tuple[str, str | None, str] | None] = None
    #: quantity -> method, collected from ``@adjusts`` methods.
    adjustments: ClassVar[dict[str, Adjuster]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                quantity = getattr(attr, "_adjusts", None)
                if quantity is not None:
                    found[quantity] = attr
        cls.adjustments = found

    def __init__(self, on: bool | np.ndarray = False, **values: Value) -> None:
        self.on: bool | np.ndarray = on if isinstance(on, np.ndarray) else bool(on)
        self.values: dict[str, Value] = {}
        for name, spec in self.params.items():
            key = f"hypotheses.{self.metadata['id']}.{name}"
            value = values.pop(name, spec.default)
            self.values[name] = (
                spec.check_array(key, value) if isinstance(value, np.ndarray) else spec.check(key, value)
            )
        if values:
            name = next(iter(values))
            raise ValueError(
                f"hypotheses.{self.metadata['id']}: unknown parameter {name!r}"
                f"{choices_hint(name, self.params)}"
            )
        self.on_mask = np.asarray(self.on, dtype=bool)

    # --- lifecycle ------------------------------------------------------------

    def bind(self, replicates: int) -> None:
        """Fix the switch per replicate for a model of ``replicates`` replicates."""
        self.on_mask = np.broadcast_to(np.asarray(self.on, dtype=bool), (replicates,))
        self.any_on = bool(self.on_mask.any())
        self.all_on = bool(self.on_mask.all())

    @property
    def hid(self) -> str:
        return self.metadata["id"]

    # --- the shared hooks (neutral defaults) ---------------------------------

    def on_shock(self, model: StormModel, shock: dict[str, Any], mask: np.ndarray) -> None:
        """A dated shock has just been applied; ``mask``: live replicates where this is on."""

    def on_arrival(self, model: StormModel, arrived: np.ndarray, offset: np.ndarray) -> None:
        """The column has reached Moscow where ``arrived`` (and this is on)."""

    def on_leak(self, model: StormModel, faction: Any, released: np.ndarray) -> None:
        """``faction`` has just released one item where ``released`` (and this is on)."""

    def on_step(self, model: StormModel, mask: np.ndarray) -> None:
        """Once per step after the actors, where ``mask`` (live and on)."""

    def overrides(self) -> set[str]:
        """The event hooks this class implements (so the model calls no empty ones)."""
        return {h for h in EVENT_HOOKS if getattr(type(self), h) is not getattr(Hypothesis, h)}

    # --- parameters as attributes ------------------------------------------------

    def __getattr__(self, name: str) -> Value:
        # Parameters read as attributes (self.covert_help) keep hooks short.
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def clone(self) -> Hypothesis:
        """A fresh instance with the same switch and parameter values."""
        return type(self)(on=self.on, **self.values)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return False
        o: Hypothesis = other  # type: ignore[assignment]
        same = [np.array_equal(self.on, o.on)]
        same += [np.array_equal(v, o.values[k]) for k, v in self.values.items()]
        return all(same)

    def __repr__(self) -> str:
        state = "on" if self.on is True else "null" if self.on is False else "per-replicate"
        return f"<{self.metadata['id']} {state} {self.values}>"

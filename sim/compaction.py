"""Compaction: replicates that have ended leave the model's arrays, so they stop costing.

A replicate that has ended can no longer log events or change its outcome,
and :meth:`StormModel.freeze_ended` keeps its figures the step it ends; yet
every rule would go on computing it beside the live ones (with uncertain
parameters a third of the replicate-steps, on average, belong to ended
replicates). Once enough have ended, :func:`compact` shrinks every
per-replicate array to the live replicates and keeps the map from their new
positions to the original ones (``model._compacted``); :func:`restore` puts every
array back at full length (an ended replicate with its state as it was when it
was dropped) before any result is read.

Nothing a live replicate computes changes: every draw is a pure function of
(seed, replicate, step, site), and no rule reads another replicate's state, so
a live replicate's numbers are the same among the ended ones or without them
(the reproducibility tests check the same of a replicate alone and in a batch).

The random streams make their keys again for the ids kept (a pure function of
seed and id). The rest of the per-replicate state is, by one rule, every numpy
array whose first axis is the current replicate count held in one of the
namespaces of :func:`holders`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from .model import StormModel

Space = dict[Any, Any]


class Compacted:
    """A model's bookkeeping while compacted: where its current replicates sit in the full model,
    and the full-length copy of every per-replicate array (the dropped replicates' last state)."""

    def __init__(self, orig: np.ndarray, total: int) -> None:
        self.orig = orig
        self.total = total
        self.archive: dict[tuple[int, Any], tuple[Space, Any, np.ndarray]] = {}

    def keep(self, space: Space, key: Any, value: np.ndarray) -> np.ndarray:
        """The full-length copy of ``space[key]`` with ``value`` (the current rows) written in."""
        slot = (id(space), key)
        entry = self.archive.get(slot)
        if entry is None or entry[2].dtype != value.dtype:
            full = np.zeros((self.total, *value.shape[1:]), dtype=value.dtype)
            if entry is not None:
                full[...] = entry[2]
            entry = self.archive[slot] = (space, key, full)  # the space kept alive: its id stays its own
        entry[2][self.orig] = value
        return entry[2]


def holders(model: StormModel) -> tuple[list[Space], list[Space]]:
    """(state, caches): the namespaces whose per-replicate arrays compaction shrinks.

    State: the model's attributes, each actor's and hypothesis's,
    and its tables of parameters, worlds, hypothesis values and frozen figures.
    Caches (one-off draws, parameter constants) are shrunk too, but emptied
    rather than restored: they are made again from the restored state on demand.
    """
    hyps = list(model.h.values())
    state: list[Space] = [
        model.__dict__,
        *(a.__dict__ for a in model.actors),
        *(h.__dict__ for h in hyps),
        *(h.values for h in hyps),
        model.params,
        model.worlds,
        model._final,
    ]
    return state, [model._fixed_draws, model._constants, model._by_source]


def _per_replicate(value: Any, n: int) -> bool:
    return isinstance(value, np.ndarray) and value.ndim > 0 and value.shape[0] == n


def can_compact(model: StormModel) -> bool:
    """Whether the model's readers allow it: no per-step series kept, every observer compactable."""
    return not model.record_series and all(
        hasattr(o, "compact") and hasattr(o, "restore") for o in model.observers
    )


def compact(model: StormModel) -> None:
    """Keep only the live replicates in every per-replicate array (the ended are all frozen)."""
    n, keep = model.R, model.alive.nonzero()[0]
    book = model._compacted or Compacted(np.arange(n), n)
    state, caches = holders(model)
    shrunk: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # one array in two places stays one array
    for archived, space in [*((True, s) for s in state), *((False, c) for c in caches)]:
        for key, value in list(space.items()):
            if not _per_replicate(value, n):
                continue
            if archived:
                book.keep(space, key, value)
            done = shrunk.get(id(value))
            if done is None:
                new = value[keep]
                new.flags.writeable = value.flags.writeable  # cached draws stay read-only
                done = shrunk[id(value)] = (value, new)  # the source kept alive: its id stays its own
            space[key] = done[1]
    model.streams.select(model.streams.ids[keep])
    for observer in model.observers:
        cast(Any, observer).compact(keep)
    book.orig = book.orig[keep]
    model._compacted = book
    model.R = len(keep)
    model._n_frozen = int(np.count_nonzero(model._frozen))


def restore(model: StormModel) -> None:
    """Every per-replicate array at full length again, the live replicates at their own positions."""
    book = model._compacted
    if book is None:
        return
    n = model.R
    state, caches = holders(model)
    grown: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for space in state:
        for key, value in list(space.items()):
            if not _per_replicate(value, n):
                continue
            done = grown.get(id(value))
            if done is None:
                full = book.keep(space, key, value)
                full.flags.writeable = value.flags.writeable
                done = grown[id(value)] = (value, full)
            space[key] = done[1]
    for cache in caches:
        cache.clear()
    model.streams.select(model.replicate_ids)
    for observer in model.observers:
        cast(Any, observer).restore(book.orig, book.total)
    model._compacted = None
    model.R = book.total
    model._n_frozen = int(np.count_nonzero(model._frozen))

"""Many variants of one scenario as a single ensemble, on any executor.

A *variant* is a set of dotted keys with one value each (a sweep's design
point, an attribution's on/off combination, a comparison's side). Every
variant runs the same replicate ids ``0..runs-1`` with the same seed, so the
variants see common random numbers. Instead of one model per variant, the
variants are laid end to end as blocks of replicates inside chunks of about
``chunk`` replicates, each variant's values an array over its block
(:class:`sim.model.StormModel`'s ``worlds``). Because a parameter-derived value
is the same to the bit whether it is a number or an array (see
``StormModel.power``), each variant's rows equal what a plain
``simulate`` of that variant gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .api import label
from .executors import check_executor, open_pool, run_tasks
from .model import StormModel
from .scenario import Scenario

#: Replicates per model: large enough for the array code to pay, small enough for memory
#: (about 90 MB of model state). Measured on ``attribute perfect_storm --runs 1000``
#: (benchmarks/bench_attribute.py): 16.0 s of CPU at 10,000 per model, 12.6 s at 32,000.
DEFAULT_CHUNK = 32_000
Variant = Mapping[str, Any]
Progress = Callable[[int, int], None]


def check_size(
    kind: str, variants: int, runs: int, spec: Scenario, columns: int | None = None, workers: int = 1
) -> None:
    """Refuse, before any work, a request that cannot fit in memory or would run for weeks.

    The estimate and the limits are :mod:`sim.bounds`'s (shared with ``batch``); the
    one-line error gives both. ``columns`` is accepted for callers that keep few columns.
    """
    from .bounds import check_analysis

    check_analysis(spec, runs, variants, f"{kind}: {variants:,} variants x {runs:,} replicates", workers)


def plan(n_variants: int, runs: int, chunk: int) -> list[tuple[int, int, int, int]]:
    """Tasks (first variant, variant count, first replicate, replicate count).

    A variant with at least ``chunk`` replicates is split into replicate
    ranges; smaller ones are packed several to a task.
    """
    tasks = []
    if runs >= chunk:
        for v in range(n_variants):
            tasks += [(v, 1, first, min(chunk, runs - first)) for first in range(0, runs, chunk)]
        return tasks
    per = max(1, chunk // runs)
    return [(v, min(per, n_variants - v), 0, runs) for v in range(0, n_variants, per)]


def run_block(
    spec: Scenario,
    seed: int,
    variants: Sequence[Variant],
    first: int,
    count: int,
    columns: Sequence[str] | None = None,
) -> list[pd.DataFrame]:
    """Replicates ``first..first+count-1`` of each variant, as one model; one frame per variant
    (only ``columns``, if given)."""
    ids = np.tile(np.arange(first, first + count, dtype=np.int64), len(variants))
    keys = sorted({k for v in variants for k in v})
    worlds = {k: np.repeat(np.asarray([v[k] for v in variants]), count) for k in keys}
    model = StormModel(spec, replicate_ids=ids, rng=seed, worlds=worlds or None)
    rows = model.run().results()
    del model
    if columns is not None:
        rows = rows[list(columns)]
    else:  # the variant's own values are not per-replicate results; a drawn world's are
        rows = rows.drop(columns=keys if spec.uncertain else ["draw", *keys], errors="ignore")
    return [rows.iloc[i * count : (i + 1) * count].reset_index(drop=True) for i in range(len(variants))]


def run_variants(
    spec: Scenario,
    variants: Sequence[Variant],
    runs: int,
    seed: int,
    *,
    executor: str = "inline",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    columns: Sequence[str] | None = None,
) -> list[pd.DataFrame]:
    """Each variant's per-replicate results (replicates 0..runs-1), in the order given.

    Every key of every variant must be set in all of them (a sweep's design
    columns, an attribution's switches); values are numbers or booleans.
    ``columns`` keeps only those result columns (chosen in the worker, so a
    large ensemble streams back only what the analysis reads).
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    if not variants:
        raise ValueError("no variants to run")
    keys = set(variants[0])
    for v in variants:
        if set(v) != keys:
            raise ValueError(f"every variant must set the same keys: {sorted(keys)} vs {sorted(v)}")
    check_executor(executor, workers, scheduler)
    if executor != "inline" and workers and workers > 1:
        # Large chunks pay on one core, but every worker should get at least two tasks.
        chunk = max(1, min(chunk, -(-len(variants) * runs // (2 * workers))))
    tasks = plan(len(variants), runs, chunk)
    parts: dict[int, list[tuple[int, pd.DataFrame]]] = {i: [] for i in range(len(variants))}
    total, done = len(variants) * runs, 0

    def finished(task: tuple[Any, ...], frames: list[pd.DataFrame]) -> None:
        nonlocal done
        first, count, first_variant = task[3], task[4], task[5]
        for i, frame in enumerate(frames):
            parts[first_variant + i].append((first, frame))
        done += count * len(frames)
        if progress is not None:
            progress(done, total)

    jobs = [
        (spec, seed, [variants[v] for v in range(v0, v0 + nv)], first, count, v0, columns)
        for v0, nv, first, count in tasks
    ]
    with open_pool(executor, workers, scheduler, tasks=len(jobs)) as pool:
        run_tasks(pool, _task, jobs, finished)
    out = []
    attrs = label(pd.DataFrame(), spec, seed).attrs  # the scenario hashed once, not per frame
    for i in range(len(variants)):
        frames = [f for _, f in sorted(parts[i], key=lambda p: p[0])]
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        # What label() puts there, each frame with its own lists and dicts.
        df.attrs.update({k: type(v)(v) if isinstance(v, (list, dict)) else v for k, v in attrs.items()})
        out.append(df)
    return out


def _task(
    spec: Scenario,
    seed: int,
    variants: list[Variant],
    first: int,
    count: int,
    first_variant: int,
    columns: Sequence[str] | None,
) -> list[pd.DataFrame]:
    # A module-level function, so process pools and Dask can pickle it.
    return run_block(spec, seed, variants, first, count, columns)

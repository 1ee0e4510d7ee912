"""Options shared by the commands that run ensembles: uncertainty and executors.

``--uncertain guesses`` or ``--uncertain KEY=LOW:HIGH`` (repeatable) and
``--draws K`` are parsed here, at the edge, into typed values for the library
(:func:`sim.api.prepare`); ``--executor/--workers/--scheduler/--chunk`` pick
where chunks run, as in ``batch``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Any

import click

from sim.errors import UsageError
from sim.executors import EXECUTORS
from sim.scenario import Scenario

from .common import OneLineUsageError


def uncertain_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--uncertain and --draws."""
    fn = click.option(
        "--draws",
        type=click.IntRange(min=1),
        default=None,
        metavar="K",
        help="Split the runs into K parameter draws of RUNS/K replicates each "
        "[default: 100 replicates per draw].",
    )(fn)
    return click.option(
        "--uncertain",
        "uncertain_texts",
        multiple=True,
        metavar="guesses|KEY=LOW:HIGH",
        help="Draw parameters per replicate: 'guesses' = every guessed parameter uniform over its "
        "believed range; KEY=LOW:HIGH = one key uniform; hypotheses.ID.on=P = a switch on with "
        "probability P (repeatable).",
    )(fn)


def parse_uncertain(texts: tuple[str, ...]) -> dict[str, Any]:
    """The typed uncertainty the library takes, from the ``--uncertain`` strings."""
    from sim import uncertain as unc

    dists: dict[str, Any] = {}
    for text in texts:
        if text == unc.GUESSES:
            dists.update(unc.guesses())
            continue
        key, sep, rng = text.partition("=")
        key = key.strip()
        if sep and key.endswith(".on") and ":" not in rng:  # a switch: KEY=P, on with probability P
            try:
                dists[key] = unc.parse(key, {"dist": "bernoulli", "p": float(rng)})
            except (ValueError, unc.UncertainError) as err:
                raise OneLineUsageError(f"--uncertain {text!r}: {err}") from None
            continue
        low, colon, high = rng.partition(":")
        if not sep or not colon:
            raise OneLineUsageError(
                f"--uncertain {text!r}: expected 'guesses' or KEY=LOW:HIGH, e.g. wagner.speed_kmh=30:70"
            )
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            raise OneLineUsageError(f"--uncertain {text!r}: LOW and HIGH must be numbers") from None
        try:
            dists[key.strip()] = unc.uniform(key.strip(), lo, hi)
        except unc.UncertainError as err:
            raise OneLineUsageError(f"--uncertain {err}") from None
    return dists


def apply_uncertain(spec: Scenario, texts: tuple[str, ...], draws: int | None, runs: int | None) -> Scenario:
    """``spec`` with the ``--uncertain`` keys and the ``--draws`` design applied."""
    from sim.api import prepare

    dists = parse_uncertain(texts)
    if draws is not None and not dists and not spec.uncertain:
        raise OneLineUsageError("--draws: nothing is uncertain; add --uncertain guesses or KEY=LOW:HIGH")
    if draws is not None and runs is not None and (draws > runs or runs % draws):
        raise OneLineUsageError(f"--draws {draws}: must divide --runs {runs} (and be at most --runs)")
    try:
        return prepare(spec, uncertain=dists or None, runs=runs, draws=draws)
    except UsageError as err:
        raise OneLineUsageError(f"--uncertain: {err}") from None


def executor_options(default_chunk: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--executor, --workers, --scheduler, --chunk (as in ``batch``)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = click.option(
            "--chunk",
            type=click.IntRange(min=1, max=10**7),
            default=default_chunk,
            show_default=True,
            help="Replicates per model (results do not depend on it).",
        )(fn)
        fn = click.option(
            "--scheduler",
            metavar="ADDRESS",
            default=None,
            help="A running Dask scheduler, e.g. tcp://host:8786 (implies --executor dask).",
        )(fn)
        fn = click.option(
            "--workers", type=click.IntRange(min=1), default=None, help="Local workers [default: CPU count]."
        )(fn)
        return click.option(
            "--executor",
            type=click.Choice(EXECUTORS),
            default=None,
            help="Where chunks run [default: inline; dask with --scheduler].",
        )(fn)

    return decorate


def executor_kwargs(
    executor: str | None, workers: int | None, scheduler: str | None, chunk: int
) -> dict[str, Any]:
    """The library's executor arguments; ``--scheduler`` implies Dask, ``--workers`` alone a process pool."""
    if executor is None:
        executor = "dask" if scheduler else ("processes" if workers and workers > 1 else "inline")
    return {"executor": executor, "workers": workers, "scheduler": scheduler, "chunk": chunk}


class ProgressBar:
    """Replicates done, rate and time left: a ``tqdm.auto`` bar (drawn in Jupyter too).

    Called as ``progress(done, total)``; the first call sets where a resumed
    batch starts, so the rate and the time left count only new work.
    """

    def __init__(
        self,
        stream: IO[str] | None = None,
        disable: bool | None = None,
        label: str | None = None,
        unit: str = "replicates",
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.disable = disable
        self.label = label
        self.unit = unit
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=total,
                initial=done,
                desc=self.label,
                unit=f" {self.unit}",
                unit_scale=False,
                file=self.stream,
                disable=self.disable,
                dynamic_ncols=True,
                smoothing=0.1,
                leave=self.label is None,  # an analysis's bar gives way to its table
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} "
                + self.unit
                + " [{elapsed}<{remaining}, {rate_fmt}]",
            )
            if done < total:
                return
        self.bar.update(max(0, done - self.bar.n))
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Progress(ProgressBar):
    """An analysis's bar on stderr (time left included), only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        super().__init__(sys.stderr, disable=not sys.stderr.isatty(), label=label)

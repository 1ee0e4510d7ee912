"""``batch``: many replicates of a scenario into a directory, resumable.

Exit status: 2 for a bad option, a DIR that is a file or that holds another
batch (scenario hash, seed, runs or chunk size) without ``--force``; 1 for a DIR
that cannot be created or written (a full disk included); 130 on Ctrl-C, with
a line saying how to resume.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO

import click

import sim
from sim import batch as batch_mod
from sim.executors import EXECUTORS

from .common import OutPath, load_with_overrides, scenario_options, seed_option, translate_errors


class Interrupted(click.ClickException):
    """Ctrl-C: one line saying what is saved, exit status 130."""

    exit_code = 130


class ProgressBar:
    """Replicates done, rate and time left, redrawn in place on a terminal."""

    def __init__(self, stream: IO[str], width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.t0: float | None = None
        self.start_done = 0
        self.last_draw = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.t0 is None:
            self.t0, self.start_done = now, done
        if done < total and now - self.last_draw < 0.2:
            return
        self.last_draw = now
        frac = done / total
        bar = "#" * int(frac * self.width)
        rate = (done - self.start_done) / max(now - self.t0, 1e-9)
        left = f"{(total - done) / rate:,.0f} s left" if rate > 0 else "-- s left"
        self.stream.write(f"\r[{bar:<{self.width}}] {done:,}/{total:,} replicates  {rate:,.0f}/s  {left}   ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def register(cli: click.Group) -> None:
    """Add the ``batch`` command to ``cli``."""

    @cli.command()
    @click.argument("scenario")
    @click.option("--runs", type=click.IntRange(min=1), required=True, help="Replicates to run.")
    @seed_option
    @click.option(
        "--out",
        "out_dir",
        type=OutPath(path_type=Path),
        required=True,
        help="Directory for the results; run again on it to resume.",
    )
    @click.option(
        "--executor",
        type=click.Choice(EXECUTORS),
        default=None,
        help="Where chunks run [default: processes; inline for a single chunk; dask with --scheduler].",
    )
    @click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Local workers (processes or Dask LocalCluster) [default: CPU count].",
    )
    @click.option(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="A running Dask scheduler, e.g. tcp://host:8786 (implies --executor dask).",
    )
    @click.option(
        "--chunk",
        type=click.IntRange(min=1),
        default=batch_mod.DEFAULT_CHUNK,
        show_default=True,
        help="Replicates per chunk (results do not depend on it).",
    )
    @click.option("--quiet", is_flag=True, help="No progress bar.")
    @click.option("--force", is_flag=True, help="Replace a DIR that holds another batch.")
    @scenario_options
    def batch(
        scenario: str,
        runs: int,
        seed: int,
        out_dir: Path,
        executor: str | None,
        workers: int | None,
        scheduler: str | None,
        chunk: int,
        quiet: bool,
        force: bool,
        sets: tuple[str, ...],
        with_: tuple[str, ...],
        without: tuple[str, ...],
        intervene: tuple[str, ...],
    ) -> None:
        """Run replicates 0..RUNS-1 of SCENARIO in chunks; write outcomes, summary, series to DIR.

        Each finished chunk is saved at once: after an interruption, the same
        command computes only the missing chunks. Results are identical
        whatever the executor, workers and chunk size.
        """
        if executor is None:
            if scheduler is not None:
                executor = "dask"
            else:
                executor = "inline" if runs <= chunk else "processes"
        spec = load_with_overrides(scenario, sets, with_, without, intervene)
        show = not quiet and sys.stderr.isatty()
        progress = ProgressBar(sys.stderr) if show else None
        t0 = time.perf_counter()
        with translate_errors():
            try:
                result = batch_mod.run_batch(
                    spec,
                    runs=runs,
                    seed=seed,
                    out_dir=out_dir,
                    executor=executor,
                    workers=workers,
                    scheduler=scheduler,
                    chunk=chunk,
                    progress=progress,
                    force=force,
                )
            except batch_mod.BatchInterrupted as err:
                if show:
                    sys.stderr.write("\n")
                raise Interrupted(str(err)) from None
        elapsed = time.perf_counter() - t0
        click.echo(sim.banner.label(result.hypotheses_on))
        m = result.manifest
        click.echo(
            f"{m['scenario_name']} (hash {m['scenario_hash']}), seed {seed}, "
            f"{runs:,} replicates, executor {executor}, {elapsed:.1f} s"
        )
        for row in result.summary.itertuples():
            click.echo(
                f"  {row.outcome:<16} {row.count:>10,}  {row.probability:7.2%}  "
                f"[{row.ci_low:7.2%}, {row.ci_high:7.2%}]"
            )
        click.echo(f"wrote {out_dir}/: {', '.join(m['files'])}, {batch_mod.MANIFEST}")

"""``batch``: many replicates of a scenario into a directory, resumable and extendable.

Exit status: 2 for a bad option, a DIR that is a file or that holds another
batch (scenario hash, seed, chunk size or engine) without ``--force``, a
request too large to fit (memory, disk, time: the line gives the estimate and
the limit); 1 for a DIR that cannot be created or written (a full disk
included); 130 on Ctrl-C, with a line saying how to resume. Notes (resumed,
extended, a damaged chunk computed again, ``--workers`` lowered) go to stderr,
one line each.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

import sim
from sim import batch as batch_mod
from sim.executors import EXECUTORS

from .common import OutPath, load_with_overrides, scenario_options, seed_option, translate_errors
from .ensemble_opts import ProgressBar, apply_uncertain, uncertain_options


class Interrupted(click.ClickException):
    """Ctrl-C: one line saying what is saved, exit status 130."""

    exit_code = 130


def command_line(ctx: click.Context) -> list[str]:
    """The command as parsed, written out in full (every option explicit), for the manifest.

    Rebuilt from the parsed parameters, so it is the same whether the command
    came from a shell, ``run.py`` or ``main([...])`` in Python, and replays
    the same batch even if a default changes.
    """
    words = ctx.command_path.split()
    words[0] = "perfect-storm"
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if isinstance(param, click.Argument):
            words.append(str(value))
        elif isinstance(param, click.Option) and value not in (None, False, ()):
            flag = max(param.opts, key=len)
            if param.is_flag:
                words.append(flag)
            elif param.multiple:
                for v in value:
                    words += [flag, str(v)]
            else:
                words += [flag, str(value)]
    return words


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
        help="Directory for the results; run again on it to resume (or with a larger --runs, to extend).",
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
    @uncertain_options
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
        uncertain_texts: tuple[str, ...],
        draws: int | None,
    ) -> None:
        """Run replicates 0..RUNS-1 of SCENARIO in chunks; write outcomes, summary, series to DIR.

        Each finished chunk is saved at once: after an interruption, the same
        command computes only the missing chunks. Results are identical
        whatever the executor, workers and chunk size.
        """
        from .experiment_cmds import is_experiment_file, run_experiment_file

        if is_experiment_file(scenario):  # an experiment file: every cell into one tidy table
            run_experiment_file(scenario, str(out_dir), runs, seed, force)
            return
        if executor is None:
            if scheduler is not None:
                executor = "dask"
            else:
                executor = "inline" if runs <= chunk else "processes"
        spec = load_with_overrides(scenario, sets, with_, without, intervene)
        spec = apply_uncertain(spec, uncertain_texts, draws, runs)
        show = not quiet and sys.stderr.isatty()
        progress = ProgressBar(sys.stderr) if show else None

        def notice(line: str) -> None:
            if progress is not None and progress.bar is not None:
                progress.bar.write(line, file=sys.stderr)
            else:
                click.echo(line, err=True)

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
                    notice=notice,
                    command=command_line(click.get_current_context()),
                )
            except batch_mod.BatchInterrupted as err:
                if progress is not None:
                    progress.close()
                raise Interrupted(str(err)) from None
            finally:
                if progress is not None:
                    progress.close()
        elapsed = time.perf_counter() - t0
        click.echo(sim.banner.label(result.hypotheses_on, spec.hypotheses_uncertain))
        line = sim.banner.uncertainty_line(spec.uncertain, spec.replicates_per_draw)
        if line:
            click.echo(line)
        m = result.manifest
        click.echo(
            f"{m['scenario_name']} (hash {m['scenario_hash']}), seed {seed}, "
            f"{runs:,} replicates, executor {executor}, {elapsed:.1f} s"
        )
        from sim.analysis.uncertainty import describe

        click.echo(
            "  outcome              count  probability [95 % Monte Carlo]" + ("   guesses" if line else "")
        )
        for _, row in result.summary.iterrows():
            click.echo(f"  {row['outcome']:<16} {row['count']:>10,}  {describe(row)}")
        from sim.analysis.anchors import format_anchor_figures

        for text in format_anchor_figures(m.get("anchor_figures", {})):
            click.echo(text)
        click.echo(f"wrote {out_dir}/: {', '.join(m['files'])}, {batch_mod.MANIFEST}")

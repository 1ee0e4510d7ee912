"""``experiment``: every variant of an experiment file into one tidy table (sim.experiments)."""

from __future__ import annotations

import sys

import click

from sim.banner import BANNER, hypotheses_line

from .common import out_option, translate_errors


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("experiment_file", metavar="EXPERIMENT")
    @out_option(True, "Write manifest.json, outcomes.parquet (one row per replicate) and summary.csv.")
    @click.option(
        "--runs", type=click.IntRange(min=1), default=None, help="Replicates per cell (default: the file's)."
    )
    @click.option(
        "--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None, help="Seed (default: the file's)."
    )
    @click.option("--overwrite", is_flag=True, help="Replace a result already in --out DIR.")
    def experiment(
        experiment_file: str, out: str, runs: int | None, seed: int | None, overwrite: bool
    ) -> None:
        """Run every variant of an EXPERIMENT file into one tidy table (scenario, variant, parameters).

        An experiment file is TOML with an [experiment] table: scenarios,
        [[variants]] (overrides, hypotheses on/off, interventions) and a
        [design] of parameters; every cell runs the same replicates with the
        same seed. The format: docs/experiments.md. ``batch EXPERIMENT`` does the same.
        """
        run_experiment_file(experiment_file, out, runs, seed, overwrite)


def is_experiment_file(name: str) -> bool:
    """Whether ``name`` is a readable TOML file with an [experiment] table (a small, regular file)."""
    import stat
    import tomllib
    from pathlib import Path

    path = Path(name)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > 2**20 or path.suffix != ".toml":
            return False
        return "experiment" in tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return False  # the scenario loader gives the proper error


def run_experiment_file(
    experiment_file: str, out: str, runs: int | None, seed: int | None, overwrite: bool
) -> None:
    """The ``experiment`` command's body (also what ``batch`` runs on an experiment file)."""
    from sim import experiments as ex
    from sim.analysis import summary as sm
    from sim.catalog import resolve

    with translate_errors():
        path = resolve(experiment_file)
        exp = ex.load_experiment(path)
        exp.runs = runs if runs is not None else exp.runs
        exp.seed = seed if seed is not None else exp.seed
        ex.check_size(exp)  # again: --runs may raise the count
        exp.cells()  # every override checked before the output directory is touched
        sm.prepare_out(out, overwrite)
        progress = _progress() if sys.stderr.isatty() else None
        result = ex.run_experiment(exp, progress=progress)
        written = result.write(out, overwrite=True)
    click.echo(BANNER)
    click.echo(hypotheses_line(result.manifest()["hypotheses_on"]) + " (in some cells; see summary.csv)")
    click.echo(f"{exp.title or path} (hash {exp.hash}), seed {exp.seed}, {exp.runs:,} replicates per cell")
    table = result.summary[result.summary["variable"] == "outcome"]
    mean = table.groupby(["scenario", "variant", "outcome"], observed=True, sort=False)["probability"].mean()
    wide = mean.unstack("outcome")
    click.echo(wide.to_string(float_format=lambda x: f"{x:6.1%}"))
    click.echo(f"\nwrote {written}/ (manifest.json, outcomes.parquet, summary.csv)")


def _progress():  # type: ignore[no-untyped-def]
    def show(done: int, total: int) -> None:
        click.echo(f"\r  cell {done}/{total}", err=True, nl=done == total)

    return show

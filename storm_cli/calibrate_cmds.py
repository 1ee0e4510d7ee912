"""``calibrate`` and ``evidence``: the guesses and the hypotheses weighed by documented history.

Exit status: 2 for a bad option (``--simulations`` below one generation, a DIR
that holds another calibration); 1 for a bad patterns file (unknown figure or
key, empty, contradictory), a posterior from another engine version, a DIR
that cannot be written; 130 on Ctrl-C, with a line saying how to resume.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.banner import BANNER
from sim.errors import UsageError
from sim.executors import EXECUTORS

from .common import OutPath, seed_option, translate_errors
from .ensemble_opts import ProgressBar

#: Library keys and the options that set them.
_FLAGS = {
    "simulations": "--simulations",
    "population": "--population",
    "out": "--out",
    "scenarios": "SCENARIO",
    "calibration": "CALIB_DIR",
}


class Interrupted(click.ClickException):
    """Ctrl-C: one line saying what is saved, exit status 130."""

    exit_code = 130


def _translate(err: Exception) -> str:
    """A library message naming a key, with the key replaced by its option."""
    key = getattr(err, "key", None)
    if key in _FLAGS:
        return f"{_FLAGS[key]}: {getattr(err, 'detail', err)}"
    return str(err)


class _Progress(ProgressBar):
    """Simulations done against the budget, with the generation as the bar's label."""

    def __init__(self, quiet: bool) -> None:
        super().__init__(sys.stderr, disable=quiet or None, unit="sims")

    def __call__(self, done: int, budget: int, generation: int) -> None:
        self.label = f"generation {generation}"
        if self.bar is not None:
            self.bar.set_description(self.label)
        super().__call__(done, budget)


def register(cli: click.Group) -> None:
    """Add ``calibrate`` and ``evidence`` to ``cli``."""

    @cli.command()
    @click.argument("scenarios", nargs=-1, metavar="[SCENARIO]...")
    @click.option(
        "--patterns",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Patterns file [default: history/patterns.toml].",
    )
    @click.option(
        "--simulations",
        type=click.IntRange(min=1),
        default=100_000,
        show_default=True,
        help="Simulation budget (one replicate per particle).",
    )
    @click.option("--population", type=click.IntRange(min=1), default=None, help="Particles per generation.")
    @click.option(
        "--out",
        "out_dir",
        type=OutPath(path_type=Path),
        required=True,
        help="Directory; run again to resume.",
    )
    @seed_option
    @click.option("--executor", type=click.Choice(EXECUTORS), default=None, help="[default: processes]")
    @click.option(
        "--workers", type=click.IntRange(min=1), default=None, help="Local workers [default: CPU count]."
    )
    @click.option(
        "--scheduler", metavar="ADDRESS", default=None, help="A running Dask scheduler (implies dask)."
    )
    @click.option("--quiet", is_flag=True, help="No progress bar.")
    def calibrate(
        scenarios: tuple[str, ...],
        patterns: Path | None,
        simulations: int,
        population: int | None,
        out_dir: Path,
        seed: int,
        executor: str | None,
        workers: int | None,
        scheduler: str | None,
        quiet: bool,
    ) -> None:
        """ABC-SMC of every guessed parameter and hypothesis switch against documented patterns.

        Simulates SCENARIO... (default perfect_storm), one replicate per particle,
        on the executors of batch, and writes the weighted posterior, the
        tolerance schedule and a posterior predictive check to DIR.
        """
        from sim import calibration as cal

        if executor is None:
            executor = "dask" if scheduler else "processes"
        progress = _Progress(quiet)
        try:
            with translate_errors():
                try:
                    manifest = cal.calibrate(
                        scenarios or cal.run.DEFAULT_SCENARIOS,
                        patterns or cal.DEFAULT_PATTERNS,
                        simulations,
                        out_dir,
                        seed=seed,
                        population=population,
                        executor=executor,
                        workers=workers,
                        scheduler=scheduler,
                        progress=progress,
                    )
                except cal.CalibrationUsage as err:
                    raise UsageError(_translate(err)) from None
        except cal.CalibrationInterrupted as err:
            progress.close()
            raise Interrupted(str(err)) from None
        progress.close()
        click.echo(BANNER)
        click.echo(manifest["hypotheses_line"])
        click.echo(
            f"{out_dir}: {manifest['simulations_done']:,} simulations, {len(manifest['generations'])} "
            f"generations, {manifest['population']:,} particles, effective sample size {manifest['ess']:,.0f} "
            f"({manifest['library']})"
        )
        for g in manifest["generations"]:
            click.echo(
                f"  generation {g['generation']}: tolerance {g['tolerance']:.3f}, "
                f"{g['simulations']:,} simulations, acceptance {g['acceptance_rate']:.1%}, ESS {g['ess']:,.0f}"
            )
        dropped = manifest["simulations_done"] - sum(g["simulations"] for g in manifest["generations"])
        if dropped > 0:
            click.echo(
                f"  ({dropped:,} simulations of a generation that would have passed the budget were dropped)"
            )
        click.echo(f"Next: perfect-storm evidence {out_dir}; perfect-storm plot {out_dir} --out FIGDIR")

    @cli.command()
    @click.argument("calib_dir", metavar="CALIB_DIR", type=click.Path(path_type=Path))
    def evidence(calib_dir: Path) -> None:
        """Per hypothesis: prior and posterior P(on), Bayes factor, the pattern that moves it most.

        Conditional on this model's mechanisms, these priors and these patterns.
        """
        from sim import calibration as cal

        with translate_errors():
            try:
                table = cal.evidence(calib_dir)
            except cal.CalibrationUsage as err:
                raise UsageError(_translate(err)) from None
        click.echo(table.attrs["banner"])
        click.echo(table.attrs["heading"] + ":")
        click.echo(f"(effective sample size {table.attrs['effective_sample_size']:,.0f})")
        head = (
            f"  {'hypothesis':<24} {'prior':>5} {'posterior [95 %]':>22} {'Bayes factor':>13}  moved most by"
        )
        click.echo(head)
        for r in table.itertuples():
            bf = f"{r.bf_bound}{r.bayes_factor:.3g}"
            post = f"{r.posterior_p_on:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]"
            moved = f"{r.moved_most_by} ({r.moved_by:+.2f} without it)" if r.moved_most_by else "-"
            click.echo(
                f"  {r.hypothesis:<24} {r.prior_p_on:>5.2f} {post:>22} {bf:>13}  {moved}; "
                f"given {r.conditional_on}"
            )

"""``compare``, ``sweep``, ``attribute``, ``plot`` and ``trajectories``: thin shells over sim.analysis and sim.plots."""

from __future__ import annotations

from collections.abc import Callable

import click

from sim import analysis
from sim.analysis import report
from sim.analysis.attribution import check_outcome
from sim.analysis.sweep import ANALYSES, DESIGNS, parse_params
from sim.ensemble import DEFAULT_CHUNK
from sim.errors import UsageError

from .common import (
    OneLineUsageError,
    OutPath,
    ResultDir,
    flag_error,
    load_with_overrides,
    scenario_options,
    seed_option,
    wraps_errors,
)
from .ensemble_opts import (
    Progress,
    apply_uncertain,
    executor_kwargs,
    executor_options,
    uncertain_options,
)

_REPLICATE = click.IntRange(min=0, max=2**63 - 1)  # replicate ids are int64 in the results


def _sample_option(default: int, help_: str) -> Callable[..., object]:
    """``--sample N``: replicates of a batch re-run (the library bounds N by the scenario's length)."""
    return click.option(
        "--sample", type=click.IntRange(min=1), default=default, show_default=True, help=help_
    )


def _required_out(dest: str, metavar: str, help_: str) -> Callable[..., object]:
    return click.option("--out", dest, required=True, type=OutPath(), metavar=metavar, help=help_)


def _runs_option(default: int, help_: str) -> Callable[..., object]:
    return click.option(
        "--runs", type=click.IntRange(min=1, max=10**8), default=default, show_default=True, help=help_
    )


def _out_option(required: bool, help_: str) -> Callable[..., object]:
    return click.option("--out", type=OutPath(), required=required, metavar="DIR", help=help_)


_overwrite = click.option("--overwrite", is_flag=True, help="Replace a result already in --out DIR.")


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("scenario")
    @click.argument("other", required=False, default=None, metavar="[SCENARIO_B]")
    @scenario_options
    @uncertain_options
    @_runs_option(1000, "Replicates of each variant (the same replicate ids in both).")
    @seed_option
    @executor_options(DEFAULT_CHUNK)
    @_out_option(False, "Write manifest.json, outcomes_a/b.parquet, differences.csv, transitions.csv.")
    @_overwrite
    @click.option(
        "--story",
        "story_replicate",
        type=_REPLICATE,
        default=None,
        metavar="I",
        help="Also tell replicate I under both variants, the first parting point marked.",
    )
    @wraps_errors
    def compare(
        scenario: str,
        other: str | None,
        sets: tuple[str, ...],
        with_: tuple[str, ...],
        without: tuple[str, ...],
        intervene: tuple[str, ...],
        uncertain_texts: tuple[str, ...],
        draws: int | None,
        runs: int,
        seed: int,
        executor: str | None,
        workers: int | None,
        scheduler: str | None,
        chunk: int,
        out: str | None,
        overwrite: bool,
        story_replicate: int | None,
    ) -> None:
        """SCENARIO as written (A) against it changed by the options, or against SCENARIO_B (B).

        Both variants run the same replicates with the same seed (common random
        numbers), so the differences come with paired intervals. With two files,
        the options change B.
        """
        spec_a = apply_uncertain(load_with_overrides(scenario), uncertain_texts, draws, runs)
        spec_b = load_with_overrides(other or scenario, sets, with_, without, intervene)
        spec_b = apply_uncertain(spec_b, uncertain_texts, draws, runs)
        if spec_a.hash == spec_b.hash:
            raise OneLineUsageError(
                f"compare: the changed scenario is identical to {spec_a.name} (hash {spec_a.hash}); "
                "give a second scenario or a change with --with, --without, --set or --intervene"
            )
        bar = Progress("compare")
        result = analysis.compare(
            spec_a,
            spec_b,
            runs=runs,
            seed=seed,
            progress=bar,
            **executor_kwargs(executor, workers, scheduler, chunk),
        )
        bar.close()
        click.echo(report.format_compare(result))
        if out:
            path = result.write(out, overwrite)
            click.echo(
                f"\nwrote {path}/ (manifest.json, outcomes_a.parquet, outcomes_b.parquet, "
                "differences.csv, transitions.csv, figures.csv)"
            )
        if story_replicate is not None:
            click.echo("")
            click.echo(report.format_story_diff(analysis.story_diff(spec_a, spec_b, seed, story_replicate)))

    @cli.command()
    @click.argument("scenario")
    @scenario_options
    @uncertain_options
    @click.option(
        "--param",
        "param_texts",
        multiple=True,
        metavar="KEY=LOW:HIGH",
        help="A numeric scenario key and its range (repeat for more keys).",
    )
    @click.option(
        "--design",
        type=click.Choice(DESIGNS),
        default=None,
        help="Design: grid (POINTS levels per key), lhs, sobol.  [default: lhs]",
    )
    @click.option(
        "--points",
        type=click.IntRange(min=1, max=100_000),
        default=16,
        show_default=True,
        help="Design points (grid: levels per key; --analyze sobol: base samples N; "
        "--analyze morris: trajectories).",
    )
    @_runs_option(200, "Replicates per point (the same replicate ids at every point).")
    @seed_option
    @executor_options(DEFAULT_CHUNK)
    @click.option(
        "--analyze",
        type=click.Choice(ANALYSES),
        default=None,
        help="Sensitivity indices with SALib: sobol (Saltelli design) or morris.",
    )
    @_out_option(True, "Write manifest.json, points.parquet/csv, noise.csv (and indices.csv).")
    @_overwrite
    @wraps_errors
    def sweep(
        scenario: str,
        sets: tuple[str, ...],
        with_: tuple[str, ...],
        without: tuple[str, ...],
        intervene: tuple[str, ...],
        uncertain_texts: tuple[str, ...],
        draws: int | None,
        param_texts: tuple[str, ...],
        design: str | None,
        points: int,
        runs: int,
        seed: int,
        executor: str | None,
        workers: int | None,
        scheduler: str | None,
        chunk: int,
        analyze: str | None,
        out: str,
        overwrite: bool,
    ) -> None:
        """Outcome probabilities over a design of SCENARIO's parameters, as one ensemble on common random numbers."""
        params = parse_params(param_texts)
        if analyze and design and not (analyze == "sobol" and design == "sobol"):
            raise OneLineUsageError(
                f"--design {design}: --analyze {analyze} builds its own design "
                f"({'Saltelli' if analyze == 'sobol' else 'Morris trajectories'}); drop --design"
            )
        spec = load_with_overrides(scenario, sets, with_, without, intervene)
        spec = apply_uncertain(spec, uncertain_texts, draws, runs)
        from sim.analysis.summary import prepare_out

        prepare_out(out, overwrite)  # refuse a bad --out before the runs, not after
        bar = Progress("sweep")
        result = analysis.sweep(
            spec,
            params,
            design or "lhs",
            points,
            runs,
            seed,
            analyze,
            progress=bar,
            **executor_kwargs(executor, workers, scheduler, chunk),
        )
        bar.close()
        for note in result.notes:
            click.echo(f"Note: {note}", err=True)
        path = result.write(out, overwrite=True)
        click.echo(report.format_sweep(result))
        click.echo(f"\nwrote {path}/")

    @cli.command()
    @click.argument("scenario")
    @scenario_options
    @uncertain_options
    @click.option(
        "--outcome", required=True, metavar="NAME", help="The outcome whose probability to attribute."
    )
    @_runs_option(1000, "Replicates of each on/off variant (the same replicate ids in all).")
    @seed_option
    @executor_options(DEFAULT_CHUNK)
    @_out_option(False, "Write manifest.json, shapley.csv and variants.csv.")
    @_overwrite
    @wraps_errors
    def attribute(
        scenario: str,
        sets: tuple[str, ...],
        with_: tuple[str, ...],
        without: tuple[str, ...],
        intervene: tuple[str, ...],
        uncertain_texts: tuple[str, ...],
        draws: int | None,
        outcome: str,
        runs: int,
        seed: int,
        executor: str | None,
        workers: int | None,
        scheduler: str | None,
        chunk: int,
        out: str | None,
        overwrite: bool,
    ) -> None:
        """Exact Shapley values: how much each hypothesis on in SCENARIO adds to P(outcome).

        All 2^k on/off combinations run as one ensemble (per-replicate switches);
        2^k x RUNS is checked against memory before any work.
        """
        check_outcome(outcome)
        spec = load_with_overrides(scenario, sets, with_, without, intervene)
        spec = apply_uncertain(spec, uncertain_texts, draws, runs)
        if out:
            from sim.analysis.summary import prepare_out

            prepare_out(out, overwrite)
        bar = Progress("attribute")
        result = analysis.attribute(
            spec, outcome, runs, seed, progress=bar, **executor_kwargs(executor, workers, scheduler, chunk)
        )
        bar.close()
        click.echo(report.format_attribution(result))
        if out:
            path = result.write(out, overwrite=True)
            click.echo(f"\nwrote {path}/ (manifest.json, shapley.csv, variants.csv)")

    @cli.command()
    @click.argument("directory", metavar="DIR", type=ResultDir())
    @_required_out("figdir", "FIGDIR", "Directory for the figures (PNG and SVG).")
    @click.option(
        "--by-outcome",
        is_flag=True,
        help="Also draw the key series' bands split by final outcome (a batch: its first --sample "
        "replicates re-run, the very same replicates).",
    )
    @_sample_option(1000, "Replicates re-run for --by-outcome (bounded by the scenario's length).")
    @wraps_errors
    def plot(directory: str, figdir: str, by_outcome: bool, sample: int) -> None:
        """Figures (PNG and SVG) of a batch, compare, sweep, attribute, discover or calibrate result DIR."""
        from sim import plots  # matplotlib is imported only when plotting

        try:
            written = plots.render(directory, figdir, by_outcome=by_outcome, sample=sample)
        except UsageError as err:
            raise flag_error(err, sample="--sample", by_outcome="--by-outcome") from None
        for path in written:
            click.echo(f"wrote {path}")

    @cli.command()
    @click.argument("directory", metavar="DIR", type=ResultDir())
    @_required_out(
        "path",
        "FILE",
        "The Parquet file to write (long format: replicate, outcome, step, time, hours, series, value).",
    )
    @_sample_option(200, "How many replicates (the batch's first) to re-run and export.")
    @wraps_errors
    def trajectories(directory: str, path: str, sample: int) -> None:
        """Export per-replicate trajectories of a batch DIR's first replicates to long Parquet."""
        from sim.plots.data import export_trajectories

        try:
            written = export_trajectories(directory, path, sample=sample)
        except UsageError as err:
            raise flag_error(err, sample="--sample") from None
        click.echo(f"wrote {written} ({sample:,} replicates re-run bit for bit from DIR's manifest)")

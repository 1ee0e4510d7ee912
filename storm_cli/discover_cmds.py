"""``discover``: scenario discovery (PRIM) on a batch, a thin shell over sim.analysis.discover."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from sim.analysis import discover as dv
from sim.analysis.discover_report import format_discover
from sim.errors import UsageError
from sim.model import OUTCOMES

from .common import OneLineUsageError, translate_errors

_UNIT = click.FloatRange(min=0, max=1, min_open=True)
_ALPHA = click.FloatRange(min=0, max=0.5, min_open=True)
#: Library errors name keys; the command line names its options.
_FLAGS = {
    "outcome": "--outcome",
    "box": "--box",
    "coverage": "--coverage",
    "density": "--density",
    "sample": "--sample",
    "significance": "--significance",
    "resample": "--resample",
    "params": "--params",
}
_ALIAS_HELP = "; ".join(
    f"{a} = any of {', '.join(v)} (the leader no longer in power)" for a, v in dv.ALIASES.items()
)


def _flagged(message: str) -> str:
    for key, flag in _FLAGS.items():
        if message.startswith(f"{key}: "):
            return flag + message[len(key) :]
    return message


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("directory", metavar="RESULT_DIR")
    @click.option(
        "--outcome",
        required=True,
        metavar="NAME[,NAME]",
        help=f"The outcome(s) of interest: {', '.join(OUTCOMES)}; several, comma-separated, mean "
        f"'any of them'; alias {_ALIAS_HELP}.",
    )
    @click.option(
        "--params",
        "params_text",
        default=None,
        metavar="PATTERN[,PATTERN]",
        help="Give PRIM only the uncertain keys matching these shell patterns (e.g. 'wagner.*,hypotheses.*').",
    )
    @click.option(
        "--coverage",
        type=_UNIT,
        metavar="SHARE",
        default=None,
        help="Choose the widest box with at least this coverage whose density is within the 95 % "
        f"interval of the densest such box [default: {dv.DEFAULT_COVERAGE}].",
    )
    @click.option(
        "--density",
        type=_UNIT,
        metavar="SHARE",
        default=None,
        help="Instead: the widest box at least this dense.",
    )
    @click.option(
        "--box",
        "box_",
        type=click.IntRange(min=0),
        default=None,
        metavar="I",
        help="Instead: box I of the peeling trajectory.",
    )
    @click.option(
        "--no-prune",
        is_flag=True,
        help="Keep the chosen box's limits that are not significant (by default they are dropped).",
    )
    @click.option(
        "--significance",
        type=_UNIT,
        metavar="P",
        default=dv.DEFAULT_SIGNIFICANCE,
        show_default=True,
        help="Largest quasi-p value a limit may have to stay in the box (pruning).",
    )
    @click.option(
        "--peel-alpha",
        type=_ALPHA,
        metavar="SHARE",
        default=0.05,
        show_default=True,
        help="Share PRIM peels per step.",
    )
    @click.option(
        "--paste-alpha",
        type=_ALPHA,
        metavar="SHARE",
        default=0.05,
        show_default=True,
        help="Share PRIM pastes per step.",
    )
    @click.option(
        "--mass-min",
        type=_ALPHA,
        metavar="SHARE",
        default=0.05,
        show_default=True,
        help="Smallest mass of a box.",
    )
    @click.option(
        "--sample",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Analyse at most N replicates (a random subset drawn with --seed).",
    )
    @click.option(
        "--resample",
        type=click.IntRange(min=0, max=dv.MAX_RESAMPLE),
        default=0,
        show_default=True,
        metavar="N",
        help="Rerun PRIM on N random halves and say how often each limit is found again "
        "(takes about N/2 times as long).",
    )
    @click.option(
        "--seed",
        type=click.IntRange(min=0, max=2**32 - 1),
        default=0,
        show_default=True,
        help="Seed of --sample and --resample.",
    )
    @click.option(
        "--out",
        type=click.Path(file_okay=False),
        default=None,
        metavar="DIR",
        help="Write manifest.json, trajectory.csv, box.csv and limits.csv (then: perfect-storm plot DIR).",
    )
    @click.option("--overwrite", is_flag=True, help="Replace a result already in --out DIR.")
    def discover(
        directory: str,
        outcome: str,
        params_text: str | None,
        coverage: float | None,
        density: float | None,
        box_: int | None,
        no_prune: bool,
        significance: float,
        peel_alpha: float,
        paste_alpha: float,
        mass_min: float,
        sample: int | None,
        resample: int,
        seed: int,
        out: str | None,
        overwrite: bool,
    ) -> None:
        """Scenario discovery with PRIM: under which drawn parameters does RESULT_DIR end in --outcome?

        RESULT_DIR is a batch whose replicates drew their parameters (batch
        --uncertain ...). PRIM (EMA workbench) peels the parameter space down
        to boxes where the outcome is denser. The box shown is, by default,
        the widest one that holds at least half of the cases of interest
        (--coverage) and whose density is within the 95 % interval of the
        densest such box; its limits that are not significant (quasi-p above
        --significance) are then dropped. Coverage: share of the cases of
        interest inside the box; density: share of the box's replicates that
        end so; mass: share of all replicates inside the box.
        """
        given = [
            f for f, v in (("--coverage", coverage), ("--density", density), ("--box", box_)) if v is not None
        ]
        if len(given) > 1:
            raise OneLineUsageError(f"{' and '.join(given)}: give at most one way to choose the box")
        with _errors(directory):
            dv.parse_outcomes(outcome)
            if out:
                from sim.analysis.summary import prepare_out

                prepare_out(out, overwrite)  # refuse a bad --out before PRIM runs, not after
            result = dv.discover(
                directory,
                outcome,
                params=[p.strip() for p in params_text.split(",") if p.strip()] if params_text else None,
                coverage=coverage,
                density=density,
                box=box_,
                prune=not no_prune,
                significance=significance,
                peel_alpha=peel_alpha,
                paste_alpha=paste_alpha,
                mass_min=mass_min,
                sample=sample,
                resample=resample,
                seed=seed,
            )
            click.echo(format_discover(result))
            if out:
                path = result.write(out, overwrite=True)
                click.echo(
                    f"\nwrote {path}/ (manifest.json, {', '.join(dv.FILES)}); draw it: perfect-storm plot {path}"
                )


@contextlib.contextmanager
def _errors(directory: str) -> Iterator[None]:
    """Library errors in command-line words: options instead of keys, how to make a suitable batch."""
    with translate_errors():
        try:
            yield
        except dv.NoUncertainError:
            raise dv.DiscoverError(
                f"{directory}: no uncertain parameters (its replicates all ran one parameter set); "
                "make a batch whose replicates draw them: perfect-storm batch SCENARIO --uncertain guesses "
                "--runs N --out DIR (or a scenario with an [uncertain] table)"
            ) from None
        except dv.TooLargeError as err:
            raise UsageError(
                f"{directory}: {err.rows:,} replicates x {err.columns} parameters is more than discover "
                f"takes at once ({dv.MAX_VALUES:,} values); pass --sample {err.fits} (or fewer keys with --params)"
            ) from None
        except UsageError as err:
            raise UsageError(_flagged(str(err))) from None

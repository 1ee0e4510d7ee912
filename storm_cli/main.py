"""``perfect-storm`` / ``python run.py``: list, show, run, and the commands of other modules.

The other modules are imported only when their command runs (or its help is
asked for): ``--help`` and ``list`` never load pandas, Mesa or matplotlib.
Each command's one-line help for the command list is kept in :data:`LAZY`; a
test checks it against the command itself.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import click

from sim import __version__, catalog, story_text
from sim.banner import BANNER, hypotheses_line
from sim.hypotheses import IDS, REGISTRY
from sim.interventions import INTERVENTIONS

from .common import load_with_overrides, scenario_options, seed_option, translate_errors

#: Commands defined in other modules (each defines ``register(cli)``): name -> (module, one-line help).
LAZY: dict[str, tuple[str, str]] = {
    "batch": (
        "storm_cli.batch_cmds",
        "Run replicates 0..RUNS-1 of SCENARIO in chunks; write outcomes, summary, series to DIR.",
    ),
    "compare": (
        "storm_cli.analysis_cmds",
        "SCENARIO as written (A) against it changed by the options, or against SCENARIO_B (B).",
    ),
    "sweep": (
        "storm_cli.analysis_cmds",
        "Outcome probabilities over a design of SCENARIO's parameters, as one ensemble on common random numbers.",
    ),
    "attribute": (
        "storm_cli.analysis_cmds",
        "Exact Shapley values: how much each hypothesis on in SCENARIO adds to P(outcome).",
    ),
    "plot": (
        "storm_cli.analysis_cmds",
        "Figures (PNG and SVG) of a batch, compare, sweep, attribute, discover or calibrate result DIR.",
    ),
    "trajectories": (
        "storm_cli.analysis_cmds",
        "Export per-replicate trajectories of a batch DIR's first replicates to long Parquet.",
    ),
    "viz": ("storm_cli.viz_cmds", "Serve the interactive classroom page for SCENARIO (default mutiny_2023)."),
    "docs": ("storm_cli.docs_cmds", "Write docs/hypotheses.md and docs/scenarios.md from the code."),
    "experiment": (
        "storm_cli.experiment_cmds",
        "Run every variant of an EXPERIMENT file into one tidy table (scenario, variant, parameters).",
    ),
    "calibrate": (
        "storm_cli.calibrate_cmds",
        "ABC-SMC of every guessed parameter and hypothesis switch against documented patterns.",
    ),
    "evidence": (
        "storm_cli.calibrate_cmds",
        "Per hypothesis: prior and posterior P(on), Bayes factor, the pattern that moves it most.",
    ),
    "replay": (
        "storm_cli.replay_cmds",
        "Rerun a result from its MANIFEST and check that it comes out bit for bit the same.",
    ),
    "discover": (
        "storm_cli.discover_cmds",
        "Scenario discovery with PRIM: under which drawn parameters does RESULT_DIR end in --outcome?",
    ),
}
#: Modules that add commands eagerly (``register(cli)`` at start-up); prefer an entry in LAZY.
EXTENSIONS: tuple[str, ...] = ()


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.commands, *(n for n in LAZY if n not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY:
            load_module(self, LAZY[cmd_name][0])
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            cmd = self.commands.get(name)
            if cmd is not None:
                rows.append((name, cmd.get_short_help_str(limit)))
            else:  # not imported: the one-line help kept in LAZY
                rows.append((name, click.utils.make_default_short_help(LAZY[name][1], limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def load_module(group: click.Group, name: str) -> None:
    """Import a command module and add its commands to ``group`` (a module that is absent adds none)."""
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name != name:
            raise
        return
    scratch = click.Group()
    module.register(scratch)
    for cmd_name, cmd in scratch.commands.items():
        group.commands.setdefault(cmd_name, cmd)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perfect-storm")
def cli() -> None:
    """Perfect Storm: speculative what-ifs from an opinion article, simulated.

    SPECULATIVE SCENARIO — NOT A FORECAST.
    """


@cli.command("list")
def list_cmd() -> None:
    """The shipped scenarios and the registered hypotheses."""
    click.echo(BANNER)
    click.echo("\nScenarios")
    for path in catalog.scenario_files():
        with translate_errors():
            spec = catalog.load(path)
        on = ", ".join(spec.hypotheses_on) or "none"
        if "posterior" in spec.uncertain:
            on = "every switch drawn from a calibration's posterior (run calibrate first)"
        elif spec.hypotheses_uncertain:
            on += f"; drawn per replicate: {', '.join(spec.hypotheses_uncertain)}"
        click.echo(f"  {path.stem:<24} {spec.title}")
        click.echo(f"  {'':<24} file: scenarios/{path.name}; hypotheses on: {on}")
    click.echo("\nHypotheses (all speculative)")
    for hid in IDS:
        meta = REGISTRY[hid].metadata
        click.echo(f"  {hid:<24} {meta['title']} [{meta['status']}]")
        click.echo(f'  {"":<24} article section: "{meta["section"]}"')
    click.echo("\nInterventions")
    for name, iv in INTERVENTIONS.items():
        click.echo(f"  {name:<24} {iv.description}")


@cli.command()
@click.argument("scenario")
@scenario_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML.")
def show(
    scenario: str,
    sets: tuple[str, ...],
    with_: tuple[str, ...],
    without: tuple[str, ...],
    intervene: tuple[str, ...],
    as_json: bool,
) -> None:
    """The fully resolved SCENARIO, every default filled in, and its hash.

    The output is a TOML file (the banner and the hypotheses on as comments)
    that loads back with the same hash: save it and edit it to make a new scenario.
    """
    spec = load_with_overrides(scenario, sets, with_, without, intervene)
    if as_json:
        payload = {
            "banner": BANNER,
            "hypotheses_on": spec.hypotheses_on,
            "hash": spec.hash,
            "path": spec.path,
            "scenario": spec.to_dict(),
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    from sim.banner import uncertainty_line

    drawn = uncertainty_line(spec.uncertain, spec.replicates_per_draw)
    header = [
        BANNER,
        hypotheses_line(spec.hypotheses_on, spec.hypotheses_uncertain),
        *([drawn] if drawn else []),
    ]
    header += [f"file: {spec.path}", f"hash: {spec.hash}"]
    click.echo("\n".join(f"# {line}" for line in header) + "\n")
    click.echo(spec.to_toml(), nl=False)


@cli.command()
@click.argument("scenario")
@seed_option
@click.option(
    "--replicate",
    type=click.IntRange(min=0, max=2**63 - 1),  # replicate ids are int64 in the results
    default=0,
    show_default=True,
    help="Which replicate to tell (the same one as in any batch with this seed).",
)
@scenario_options
@click.option(
    "--uncertain",
    "uncertain_texts",
    multiple=True,
    metavar="guesses|KEY=LOW:HIGH",
    help="Draw parameters per replicate, as in batch (the story shows the drawn world).",
)
@click.option(
    "--per-draw",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Replicates per parameter draw, as in the batch to match (RUNS/DRAWS there) [default: 100].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the story as JSON.")
def run(
    scenario: str,
    seed: int,
    replicate: int,
    sets: tuple[str, ...],
    with_: tuple[str, ...],
    without: tuple[str, ...],
    intervene: tuple[str, ...],
    uncertain_texts: tuple[str, ...],
    per_draw: int | None,
    as_json: bool,
) -> None:
    """One replicate of SCENARIO told as a story: a dated timeline, then the outcome."""
    spec = load_with_overrides(scenario, sets, with_, without, intervene)
    if uncertain_texts or per_draw:
        from .ensemble_opts import parse_uncertain

        spec = spec.with_uncertain(parse_uncertain(uncertain_texts), per_draw)
    from sim.api import story  # the engine loads only when a command simulates

    with translate_errors():
        told = story(spec, seed=seed, replicate=replicate)
    if as_json:
        click.echo(json.dumps(told, indent=2, ensure_ascii=False))
    else:
        click.echo(story_text.format_story(told))


for _name in EXTENSIONS:
    load_module(cli, _name)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: every error is one line; usage errors exit 2, others 1."""
    try:
        return cli.main(args=argv, prog_name="perfect-storm", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.UsageError as err:
        click.echo(f"Error: {err.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as err:
        click.echo(f"Error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)

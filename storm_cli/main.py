"""``perfect-storm`` / ``python run.py``: list, show, run, and the commands of other modules."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import click

import sim
from sim import catalog, story_text
from sim.hypotheses import IDS, REGISTRY

from .common import (
    echo_banner,
    load_with_overrides,
    scenario_options,
    seed_option,
    translate_errors,
)

#: Modules that add commands to the group (each defines ``register(cli)``).
EXTENSIONS = ("storm_cli.batch_cmds", "storm_cli.analysis_cmds", "storm_cli.viz_cmds", "storm_cli.docs_cmds")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(sim.__version__, prog_name="perfect-storm")
def cli() -> None:
    """Perfect Storm: speculative what-ifs from an opinion article, simulated.

    SPECULATIVE SCENARIO — NOT A FORECAST.
    """


@cli.command("list")
def list_cmd() -> None:
    """The shipped scenarios and the registered hypotheses."""
    click.echo(sim.BANNER)
    click.echo("\nScenarios")
    for path in catalog.scenario_files():
        with translate_errors():
            spec = sim.load_scenario(path)
        on = ", ".join(spec.hypotheses_on) or "none"
        click.echo(f"  {path.stem:<24} {spec.title}")
        click.echo(f"  {'':<24} file: scenarios/{path.name}; hypotheses on: {on}")
    click.echo("\nHypotheses (all speculative)")
    for hid in IDS:
        meta = REGISTRY[hid].metadata
        click.echo(f"  {hid:<24} {meta['title']} [{meta['status']}]")
        click.echo(f'  {"":<24} article section: "{meta["section"]}"')
    click.echo("\nInterventions")
    for name, iv in sim.INTERVENTIONS.items():
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
    """The fully resolved SCENARIO, every default filled in, and its hash."""
    spec = load_with_overrides(scenario, sets, with_, without, intervene)
    data = spec.to_dict()
    if as_json:
        payload = {
            "banner": sim.BANNER,
            "hypotheses_on": spec.hypotheses_on,
            "hash": spec.hash,
            "path": spec.path,
            "scenario": data,
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    echo_banner(spec)
    click.echo(f"# file: {spec.path}\n# hash: {spec.hash}\n")
    click.echo(story_text.to_toml(data))


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
@click.option("--json", "as_json", is_flag=True, help="Print the story as JSON.")
def run(
    scenario: str,
    seed: int,
    replicate: int,
    sets: tuple[str, ...],
    with_: tuple[str, ...],
    without: tuple[str, ...],
    intervene: tuple[str, ...],
    as_json: bool,
) -> None:
    """One replicate of SCENARIO told as a story: a dated timeline, then the outcome."""
    spec = load_with_overrides(scenario, sets, with_, without, intervene)
    with translate_errors():
        told = sim.story(spec, seed=seed, replicate=replicate)
    if as_json:
        click.echo(json.dumps(told, indent=2, ensure_ascii=False))
    else:
        click.echo(story_text.format_story(told))


def _register_extensions() -> None:
    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            continue
        module.register(cli)


_register_extensions()


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

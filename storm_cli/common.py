"""Shared options and error translation for every command."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import click

import sim
from sim import catalog
from sim.errors import ScenarioError, StormError, UsageError


class OneLineUsageError(click.ClickException):
    """A usage error printed as one line, exit status 2."""

    exit_code = 2


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Engine errors become one-line click errors: usage 2, content 1."""
    try:
        yield
    except UsageError as err:
        raise OneLineUsageError(str(err)) from None
    except (ScenarioError, StormError) as err:
        raise click.ClickException(str(err)) from None


def scenario_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--set/--with/--without/--intervene, shared by every scenario command."""
    options = [
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="KEY=VALUE",
            help="Set a scenario key (dotted, e.g. wagner.speed_kmh=50).",
        ),
        click.option("--with", "with_", multiple=True, metavar="ID", help="Switch a hypothesis on."),
        click.option("--without", multiple=True, metavar="ID", help="Switch a hypothesis off."),
        click.option(
            "--intervene",
            multiple=True,
            metavar="NAME",
            help=f"Apply an intervention: {', '.join(sim.INTERVENTIONS)}.",
        ),
    ]
    for opt in reversed(options):
        fn = opt(fn)
    return fn


def load_with_overrides(
    scenario: str,
    sets: tuple[str, ...] = (),
    with_: tuple[str, ...] = (),
    without: tuple[str, ...] = (),
    intervene: tuple[str, ...] = (),
) -> sim.Scenario:
    """Load a scenario by path or name and apply the command-line overrides."""
    with translate_errors():
        spec = catalog.load(scenario)
        return spec.with_overrides(sets=sets, with_=with_, without=without, interventions=intervene)


def seed_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--seed",
        type=click.IntRange(min=0, max=2**64 - 1),  # the counter-based streams take 64-bit seeds
        default=0,
        show_default=True,
        help="Seed of the counter-based random numbers.",
    )(fn)


def echo_banner(spec: sim.Scenario) -> None:
    click.echo(sim.banner.label(spec.hypotheses_on))


def wraps_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command body inside :func:`translate_errors`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with translate_errors():
            return fn(*args, **kwargs)

    return wrapper

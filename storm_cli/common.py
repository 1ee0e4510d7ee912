"""Shared options, parameter types and error translation for every command.

This module is imported whenever the CLI starts, so it imports only the light
parts of ``sim`` (scenarios, catalog, errors): never pandas, Mesa or matplotlib.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from sim import catalog
from sim.banner import label
from sim.errors import OverrideError, ScenarioError, StormError, UsageError
from sim.interventions import INTERVENTIONS
from sim.overrides import parse_assignments
from sim.scenario import Scenario

#: The command-line flag of each ``Scenario.with_overrides`` argument (library errors name the argument).
FLAGS = {"overrides": "--set", "on": "--with", "off": "--without", "interventions": "--intervene"}
_STARTS_WITH_KEY = re.compile(r"^[\w.\[\]]+: ")


class OneLineUsageError(click.ClickException):
    """A usage error printed as one line, exit status 2."""

    exit_code = 2


def flag_message(err: OverrideError) -> str:
    """An override error as the command line says it: ``--set wagner.speed_kmh: ...``."""
    flag = FLAGS.get(err.argument, err.argument)
    text = str(err)
    return f"{flag} {text}" if _STARTS_WITH_KEY.match(text) else f"{flag}: {text}"


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Engine errors become one-line click errors: usage 2, content 1."""
    try:
        yield
    except OverrideError as err:
        raise OneLineUsageError(flag_message(err)) from None
    except UsageError as err:
        raise OneLineUsageError(str(err)) from None
    except (ScenarioError, StormError) as err:
        raise click.ClickException(str(err)) from None


def flag_error(err: UsageError, **flags: str) -> OneLineUsageError:
    """A library error that names keys (``sample:``), reworded to name the CLI's options (``--sample:``)."""
    text = str(err)
    for key, flag in flags.items():
        text = text.replace(f"{key}:", f"{flag}:", 1)
    return OneLineUsageError(text)


class OutPath(click.Path):
    """An output path (``--out``): never empty and without control characters.

    ``--out ''`` would otherwise write a result into the current directory. An
    existing file is left to the library, whose message names ``--out`` alike
    for every command.
    """

    def __init__(self, dir_okay: bool = True, file_okay: bool = True, path_type: Any = None) -> None:
        super().__init__(dir_okay=dir_okay, file_okay=file_okay, path_type=path_type)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (str, Path)) and not str(value).strip():
            self.fail("an empty path; give a directory, e.g. results/run1", param, ctx)
        text = str(value)
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            self.fail(f"{text!r} holds a control character", param, ctx)
        return super().convert(value, param, ctx)


def out_option(
    required: bool = False, help_: str = "Directory for the results.", name: str = "out", **kwargs: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--out DIR`` option every command that writes a result shares."""
    return click.option("--out", name, type=OutPath(**kwargs), required=required, metavar="DIR", help=help_)


class ResultDir(click.ParamType):
    """A result directory (one holding ``manifest.json``): anything else is a usage error (exit 2)."""

    name = "DIR"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(value)
        if not str(value).strip():
            self.fail("an empty path; give a result directory", param, ctx)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except OSError as err:
            self.fail(f"{value}: {err.strerror or err}", param, ctx)
        if not exists:
            self.fail(f"{value}: no such directory", param, ctx)
        if not is_dir:
            self.fail(f"{value}: is a file, not a result directory", param, ctx)
        if not (path / "manifest.json").is_file():
            self.fail(f"{value}: not a result directory (no manifest.json)", param, ctx)
        return str(value)


def scenario_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--set/--with/--without/--intervene, shared by every scenario command."""
    options = [
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="KEY=VALUE",
            help="Set a scenario key (dotted, e.g. wagner.speed_kmh=50, shocks.mutiny.at=2023-07-01T21:00).",
        ),
        click.option("--with", "with_", multiple=True, metavar="ID", help="Switch a hypothesis on."),
        click.option("--without", multiple=True, metavar="ID", help="Switch a hypothesis off."),
        click.option(
            "--intervene",
            multiple=True,
            metavar="NAME",
            help=f"Apply an intervention: {', '.join(INTERVENTIONS)}.",
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
) -> Scenario:
    """Load a scenario by path or name and apply the command-line overrides.

    The ``KEY=VALUE`` strings are parsed here, at the edge; the library takes typed values.
    """
    with translate_errors():
        spec = catalog.load(scenario)
        return spec.with_overrides(parse_assignments(sets), on=with_, off=without, interventions=intervene)


def seed_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--seed",
        type=click.IntRange(min=0, max=2**64 - 1),  # the counter-based streams take 64-bit seeds
        default=0,
        show_default=True,
        help="Seed of the counter-based random numbers.",
    )(fn)


def echo_banner(spec: Scenario) -> None:
    click.echo(label(spec.hypotheses_on))


def wraps_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command body inside :func:`translate_errors`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with translate_errors():
            return fn(*args, **kwargs)

    return wrapper

"""Where scenario files live and how a name on the command line finds one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import UsageError, choices_hint
from .scenario import SCENARIO_DIR, Scenario, load_scenario
from .scenario_io import short_path

__all__ = ["SCENARIO_DIR", "load", "resolve", "scenario_files"]


def scenario_files() -> list[Path]:
    """The scenario files shipped in ``scenarios/``, sorted by name."""
    return sorted(SCENARIO_DIR.glob("*.toml"))


def resolve(name: str | Path) -> Path:
    """A path as given, or a shipped scenario's name (``mutiny_2023``).

    A missing file, a directory or anything but a regular file (a named pipe
    would block the reader) is a usage error (exit status 2): the argument
    itself is wrong, not a file's content.
    """
    path = Path(name)
    shown = short_path(path)
    try:
        mode: int | None = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except (OSError, ValueError) as err:  # a name too long, a NUL byte, a loop of links
        raise UsageError(f"{shown}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise UsageError(f"{shown}: is a directory, not a scenario file")
        if not stat.S_ISREG(mode):
            raise UsageError(
                f"{shown}: not a regular file (a named pipe, device or socket); give a TOML file"
            )
        return path
    shipped = SCENARIO_DIR / f"{path.stem}.toml"
    if path.suffix in ("", ".toml") and path.parent == Path(".") and shipped.exists():
        return shipped
    names = [p.stem for p in scenario_files()]
    raise UsageError(f"{shown}: no such scenario file{choices_hint(path.stem[:80], names)}")


def load(name: str | Path) -> Scenario:
    """Resolve ``name`` and load it."""
    return load_scenario(resolve(name))

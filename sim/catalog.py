"""Where scenario files live and how a name on the command line finds one."""

from __future__ import annotations

from pathlib import Path

from .errors import UsageError, choices_hint
from .scenario import Scenario, load_scenario

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


def scenario_files() -> list[Path]:
    """The scenario files shipped in ``scenarios/``, sorted by name."""
    return sorted(SCENARIO_DIR.glob("*.toml"))


def resolve(name: str | Path) -> Path:
    """A path as given, or a shipped scenario's name (``mutiny_2023``).

    A missing file or a directory is a usage error (exit status 2): the
    argument itself is wrong, not a file's content.
    """
    path = Path(name)
    if path.is_dir():
        raise UsageError(f"{path}: is a directory, not a scenario file")
    if path.exists():
        return path
    shipped = SCENARIO_DIR / f"{path.stem}.toml"
    if path.suffix in ("", ".toml") and path.parent == Path(".") and shipped.exists():
        return shipped
    names = [p.stem for p in scenario_files()]
    raise UsageError(f"{path}: no such scenario file{choices_hint(path.stem, names)}")


def load(name: str | Path) -> Scenario:
    """Resolve ``name`` and load it."""
    return load_scenario(resolve(name))

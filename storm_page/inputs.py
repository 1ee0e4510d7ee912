"""Everything the browser sends, checked on the server (issue 11: the page trusts no input).

A widget message can carry any value: a tampered scenario name, a seed of 2**64,
a replicate beyond the ensemble, a run count the menu never offered. Each is
checked here, before it reaches the engine, and a bad one becomes a
:class:`PageInputError` whose one-line message names the field and the valid
range, and never a server path.

Scenarios come only from the catalogue (``scenarios/``) and from files given on
the command line (``perfect-storm viz FILE`` or ``--scenarios DIR``): the page
knows them by name, maps a name to a path on the server, and loads regular files
only (a named pipe would hang a server thread). Likewise the calibration behind
"given what history shows" comes only from ``viz --posterior DIR``.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from sim import catalog

#: How ``perfect-storm viz`` tells the page its scenario, seed and extra scenario files.
ENV_SCENARIO = "STORM_PAGE_SCENARIO"
ENV_SEED = "STORM_PAGE_SEED"
ENV_SCENARIO_DIR = "STORM_PAGE_SCENARIO_DIR"
ENV_SCENARIO_FILE = "STORM_PAGE_SCENARIO_FILE"
#: The calibration folder ``viz --posterior DIR`` gave (checked by the command before serving).
ENV_POSTERIOR = "STORM_PAGE_POSTERIOR"

DEFAULT_SCENARIO = "mutiny_2023"
RUN_CHOICES = (1000, 2000, 5000)
#: The largest seed the page takes: integers up to 2**53 - 1 survive a trip through the
#: browser's JavaScript numbers exactly, so a seed in the URL is the seed that ran.
MAX_SEED = 2**53 - 1


class PageInputError(ValueError):
    """A value sent by the browser is not allowed; the message is one line, with no path."""


# --- scenarios ----------------------------------------------------------------


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


_TABLE: dict[tuple[object, ...], dict[str, Path]] = {}


def _stamp(path: str | Path | None) -> object:
    try:
        return (str(path), os.stat(path).st_mtime_ns) if path else None
    except OSError:
        return (str(path), None)


def scenario_table() -> dict[str, Path]:
    """Every scenario the page may load: name -> path (catalogue first, then the command line's).

    Kept until a folder's modification time changes: every render asks, and a glob per
    render was a third of the redraw time on a loaded machine.
    """
    key = (
        _stamp(catalog.SCENARIO_DIR),
        _stamp(os.environ.get(ENV_SCENARIO_DIR)),
        _stamp(os.environ.get(ENV_SCENARIO_FILE)),
    )
    if key not in _TABLE:
        _TABLE.clear()
        _TABLE[key] = _build_table()
    return dict(_TABLE[key])


def _build_table() -> dict[str, Path]:
    table = {p.stem: p for p in catalog.scenario_files() if _regular(p)}
    extra: list[Path] = []
    folder = os.environ.get(ENV_SCENARIO_DIR)
    if folder and Path(folder).is_dir():
        extra += sorted(Path(folder).glob("*.toml"))
    single = os.environ.get(ENV_SCENARIO_FILE)
    if single:
        extra.append(Path(single))
    for path in extra:
        if not _regular(path):
            continue
        name = path.stem
        if name in table and table[name].resolve() != path.resolve():
            name = f"{path.parent.name}/{path.stem}"  # a clash with a shipped name stays visible
        table.setdefault(name, path)
    return table


def scenario_names() -> list[str]:
    """The names the scenario menu offers."""
    return list(scenario_table())


def scenario_path(name: object) -> Path:
    """The file behind a scenario name from the menu; anything else is refused."""
    table = scenario_table()
    if not isinstance(name, str) or name not in table:
        # Echo only a plain name: a path (even the sender's own) is never written back.
        plain = isinstance(name, str) and re.fullmatch(r"[\w-]{1,40}", name) is not None
        shown = repr(name) if plain else "given"
        raise PageInputError(f"scenario {shown} is not offered here; choose one of: {', '.join(table)}")
    path = table[name]
    if not _regular(path):  # replaced by a pipe or removed since the menu was built
        raise PageInputError(f"scenario {name!r} is not a regular file any more")
    return path


def default_scenario() -> str:
    """The scenario the page opens with: the command line's, else mutiny_2023."""
    table = scenario_table()
    single = os.environ.get(ENV_SCENARIO_FILE)
    if single:  # a file given on the command line: whatever name the menu gives it
        for name, path in table.items():
            if path.resolve() == Path(single).resolve():
                return name
    wanted = os.environ.get(ENV_SCENARIO) or DEFAULT_SCENARIO
    return wanted if wanted in table else next(iter(table))


def posterior_folder() -> Path | None:
    """The calibration folder the command line gave, or None: the browser never names one."""
    folder = os.environ.get(ENV_POSTERIOR)
    return Path(folder) if folder else None


def default_seed() -> int:
    try:
        return parse_seed(os.environ.get(ENV_SEED) or "0")
    except PageInputError:
        return 0


# --- numbers ------------------------------------------------------------------------


def _whole(field: str, value: object, low: int, high: int) -> int:
    """A whole number in [low, high] from a widget value (int, float or text)."""
    if isinstance(value, bool):
        raise PageInputError(f"{field} must be a whole number from {low:,} to {high:,}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit() and len(value.strip()) <= 40:
        number = int(value.strip())
    else:
        raise PageInputError(f"{field} must be a whole number from {low:,} to {high:,}")
    if not low <= number <= high:
        raise PageInputError(f"{field} must be from {low:,} to {high:,}, got {_short(number)}")
    return number


def _short(n: int) -> str:
    s = str(n)
    return s if len(s) <= 24 else s[:10] + "…" + f" ({len(s)} digits)"


def parse_seed(value: object) -> int:
    """A seed from 0 to :data:`MAX_SEED`."""
    return _whole("seed", value, 0, MAX_SEED)


def parse_replicate(value: object, runs: int) -> int:
    """A replicate id inside the ensemble shown (0 .. runs-1)."""
    return _whole("replicate", value, 0, runs - 1)


def parse_runs(value: object) -> int:
    """One of :data:`RUN_CHOICES`; the menu offers nothing else, so nothing else is run."""
    try:
        runs = _whole("replicates", value, min(RUN_CHOICES), max(RUN_CHOICES))
    except PageInputError:
        runs = -1
    if runs not in RUN_CHOICES:
        raise PageInputError(f"replicates must be one of {', '.join(f'{r:,}' for r in RUN_CHOICES)}")
    return runs

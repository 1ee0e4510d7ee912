"""``python run.py ...`` is the same CLI as the ``perfect-storm`` console script.

Run with a Python that lacks the project's packages (not the project's venv),
it says in one line how to set up, instead of a ModuleNotFoundError.
"""

import sys

# Packages installed by scripts/bootstrap.sh; the project's own code is beside this file.
_OWN = ("sim", "storm_cli", "storm_page")
_HINT = (
    "run `bash scripts/bootstrap.sh`, then `.venv/bin/python run.py ...` (or `.venv/bin/perfect-storm ...`)"
)


def _bootstrap_hint(problem: str) -> None:
    sys.stderr.write(f"Error: {problem}; {_HINT}\n")
    sys.exit(1)


if __name__ == "__main__":
    if sys.version_info < (3, 12):  # noqa: UP036 - run by any python3 on the PATH
        _bootstrap_hint(f"Perfect Storm needs Python 3.12 or later, this is {sys.version.split()[0]}")
    try:
        from storm_cli import main
    except ModuleNotFoundError as err:
        name = (err.name or "").split(".")[0]
        if not name or name in _OWN:
            raise  # a module of the project itself: a real bug, not a missing set-up
        _bootstrap_hint(f"this Python lacks the package {name!r}")
    main()

"""How long ``perfect-storm --help`` and ``list`` take to start, against a bare Python start.

Prints the median of several runs of each command in a fresh process, the
reference (``python -c pass``) measured in the same run, and the modules the
CLI imports that it should not (pandas, Mesa, matplotlib, scipy, pyarrow).
Run: ``.venv/bin/python benchmarks/bench_cli_start.py``. No assertion: a figure.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "mesa", "matplotlib", "scipy", "pyarrow")
REPEATS = 7


def timed(args: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        subprocess.run(args, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    env_note = f"PYTHONPATH={os.environ.get('PYTHONPATH', '')}"
    bare = timed([sys.executable, "-c", "pass"])
    print(f"reference: python -c pass          {bare:6.3f} s (median of {REPEATS}; {env_note})")
    for args in (["--help"], ["list"], ["show", "mutiny_2023"]):
        t = timed([sys.executable, "run.py", *args])
        print(f"perfect-storm {' '.join(args):<22} {t:6.3f} s  ({t - bare:5.3f} s above a bare start)")
    probe = f"import sys, storm_cli.main; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    print(f"heavy modules imported by storm_cli.main: {loaded.stdout.strip() or 'none'}")


if __name__ == "__main__":
    main()

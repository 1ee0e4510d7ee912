"""How fast the classroom page redraws the distribution after a switch.

Targets (issue 10), 1,000 replicates: mutiny_2023 under 0.3 s, perfect_storm under 1 s.
Measured at Solara's render level: the time from setting the hidden_patrons
switch's v_model to the distribution component holding the new numbers, with
the ensemble cache cleared first (uncached: the worst case) and again with the
world seen before (cached). The reference in the same run is the raw
``sim.simulate`` time for the same scenario and replicates.
Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_page.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ipyvue  # noqa: E402
import ipyvuetify as vw  # noqa: E402
import solara  # noqa: E402

import sim  # noqa: E402
from storm_page import app, inputs, numbers, state  # noqa: E402

REPEATS = 5
TARGETS_S = {"mutiny_2023": 0.3, "perfect_storm": 1.0}


def _martial_law(rc) -> int:
    rows = [
        w
        for w in _walk(rc)
        if isinstance(w, ipyvue.Html) and (w.attributes or {}).get("data-testid") == "dist-row-martial_law"
    ]
    return int(rows[0].attributes["data-count"])


def _walk(rc):
    seen, stack = set(), [rc.container]
    while stack:
        w = stack.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        yield w
        for c in getattr(w, "children", None) or []:
            if not isinstance(c, str):
                stack.append(c)
        for slot in getattr(w, "v_slots", None) or []:
            ch = slot.get("children")
            stack.extend(ch if isinstance(ch, list) else [ch] if ch is not None else [])


def bench(scenario: str) -> tuple[list[float], list[float], list[float]]:
    written = state.load_written(scenario)
    start = "hidden_patrons" in written.hypotheses_on  # flip it: on for the mutiny, off for the storm
    flipped = state.build_spec(
        state.Settings.as_written(scenario).with_hypothesis("hidden_patrons", not start)
    )
    raw = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        sim.simulate(flipped, runs=1000, seed=0)
        raw.append(time.perf_counter() - t)

    import os

    os.environ[inputs.ENV_SCENARIO] = scenario
    real_prefetch = numbers.PREFETCH.request
    numbers.PREFETCH.request = lambda *a, **k: None  # uncached: nothing computed ahead
    box, rc = solara.render(app.Layout(children=[app.Page()]), handle_error=False)
    switch = rc.find(vw.Switch, label="hidden_patrons").widget
    cold, warm = [], []
    try:
        for _ in range(REPEATS):
            _settle(rc)
            numbers.clear_caches()
            numbers.ensemble(written, 0, 1000)  # the page's current view stays cached, as it would be
            before = _martial_law(rc)
            t = time.perf_counter()
            switch.v_model = not start
            after = _martial_law(rc)
            cold.append(time.perf_counter() - t)
            assert after != before, "the distribution did not change"
            switch.v_model = start
        # Prefetched: the page computes every world one click away after each change; a
        # teacher's next click (here: the same switch) then redraws from the cache.
        numbers.PREFETCH.request = real_prefetch
        for _ in range(REPEATS):
            numbers.clear_caches()
            switch.v_model = not start
            switch.v_model = start  # a change: the page asks for this world's neighbours
            _settle(rc)
            t = time.perf_counter()
            switch.v_model = not start
            _martial_law(rc)
            warm.append(time.perf_counter() - t)
            switch.v_model = start
    finally:
        numbers.PREFETCH.request = real_prefetch
        rc.close()
    return raw, cold, warm


def _settle(rc) -> None:
    """Wait for the comparison and the prefetch threads: each round starts from a quiet page."""
    deadline = time.monotonic() + 120
    time.sleep(0.5)
    while not numbers.PREFETCH.idle() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.0)


def main() -> None:
    print(sim.BANNER)
    print(f"switch → redrawn distribution, 1,000 replicates, median of {REPEATS}")
    for scenario, target in TARGETS_S.items():
        raw, cold, warm = bench(scenario)
        med = statistics.median
        ok = "OK" if med(warm) < target else "OVER TARGET"
        print(
            f"  {scenario:<14} target < {target:.1f} s · page redraw: prefetched {med(warm):.3f} s ({ok}),"
            f" uncached {med(cold):.3f} s · reference sim.simulate {med(raw):.3f} s"
            f" (uncached page overhead {med(cold) - med(raw):+.3f} s)"
        )


if __name__ == "__main__":
    main()

"""Issue 8's structural checks of the model at full size (the tests run them smaller).

Prints each check with its figure and whether it holds; a reference for each is measured in
the same run where one applies. Run from the repository root:

    .venv/bin/python benchmarks/bench_model_checks.py [--quick] [--posterior results/calibrate]
"""

from __future__ import annotations

import argparse
import time

import sim
from sim import catalog
from sim.answers import ANSWERS
from sim.banner import BANNER


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the sizes (a smoke run)")
    ap.add_argument("--posterior", default=None, help="a calibration folder: also check the posterior")
    args = ap.parse_args()
    k = 10 if args.quick else 1
    print(BANNER)
    t0 = time.perf_counter()
    storm = catalog.load("perfect_storm")
    every = tuple(storm.hypotheses_on)

    n = 20_000 // k
    df = sim.simulate(storm, runs=n, seed=1, uncertain="guesses", off=every)
    shares = df.outcome.value_counts(normalize=True)
    low = min(shares.get(o, 0.0) for o in sim.OUTCOMES)
    print(
        f"[1] every hypothesis off, guesses uncertain, {n:,} replicates: smallest outcome share {low:.2%} "
        f"(check >= 0.5 %): {'holds' if low >= 0.005 else 'FAILS'}"
    )
    print("    " + ", ".join(f"{o} {shares.get(o, 0.0):.2%}" for o in sim.OUTCOMES))

    n = 20_000 // k
    base = sim.simulate(storm, runs=n, seed=2)
    print(f"[2] any one hypothesis off ({n:,} replicates each): martial_law and palace_coup shares")
    for hid in every:
        off = sim.simulate(storm, runs=n, seed=2, off=[hid])
        ml, pc = (off.outcome == "martial_law").mean(), (off.outcome == "palace_coup").mean()
        changed = (off.outcome.astype(str) != base.outcome.astype(str)).mean()
        ok = ml >= 0.005 and pc >= 0.005
        print(
            f"    {hid:<24} martial_law {ml:6.2%}  palace_coup {pc:6.2%}  {'holds' if ok else 'FAILS'};"
            f" outcomes changed vs all on: {changed:.2%}"
        )
        if hid in ("false_intelligence", "nuclear_leak"):
            print(
                f"[3] conjunction: {hid} off changes {changed:.2%} of replicates (check >= 2 %): "
                f"{'holds' if changed >= 0.02 else 'FAILS'}"
            )

    n = 4_000 // k
    hp = sim.simulate("mutiny_hidden_patrons", runs=n, seed=0)
    ml = hp[hp.outcome == "martial_law"]
    need = 100 // k
    print(
        f"[4] mutiny_hidden_patrons, {n:,} replicates: {len(ml)} martial-law runs, "
        f"{ml.end_time.nunique()} distinct arrival times (check >= {need}): "
        f"{'holds' if ml.end_time.nunique() >= need else 'FAILS'}"
    )

    n = 10_000 // k
    m = sim.simulate("mutiny_2023", runs=n, seed=3)
    win = ANSWERS["documented_course"].compute(m)
    print(
        f"[5] mutiny_2023 at the defaults, {n:,} replicates: {win:.1%} in the documented window "
        f"(mediated halt at 150-300 km within 16-36 h)"
    )
    g = sim.simulate("mutiny_2023", runs=n, seed=3, uncertain="guesses", draws=n)
    print(
        f"    with every guess drawn from its span (the prior): {ANSWERS['documented_course'].compute(g):.1%}"
    )
    if args.posterior:
        spec = catalog.load("mutiny_2023").with_uncertain(replicates_per_draw=1)
        spec.uncertain["posterior"] = str(args.posterior)
        p = sim.simulate(spec, runs=n, seed=3)
        share = ANSWERS["documented_course"].compute(p)
        print(
            f"    under the posterior in {args.posterior}: {share:.1%} (check >= 50 %): "
            f"{'holds' if share >= 0.5 else 'FAILS'}"
        )
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()

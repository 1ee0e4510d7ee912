"""pyabc's own cost per simulation: a free model, 67 normal priors, 5 summaries."""

import os
import sys
import tempfile
import time

import numpy as np
import pyabc

D = 67
rng = np.random.default_rng(0)


def model(p):
    # near-free: 5 summaries from the first parameters
    return {
        "s": np.array([p["p0"], p["p1"], p["p2"] + p["p3"], p["p4"], p["p5"]]) + 0.1 * rng.standard_normal(5)
    }


def dist(x, y):
    return float(np.sqrt(np.sum((x["s"] - y["s"]) ** 2)))


prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("norm", 0, 1) for i in range(D)})
N = int(sys.argv[1])
gens = int(sys.argv[2])
sampler = sys.argv[3]
if sampler == "single":
    s = pyabc.sampler.SingleCoreSampler()
else:
    s = pyabc.sampler.MulticoreEvalParallelSampler(n_procs=2)
abc = pyabc.ABCSMC(model, prior, dist, population_size=N, sampler=s)
db = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "h.db")
abc.new(db, {"s": np.array([0.5, 0.2, 0.1, -0.3, 0.0])})
t = time.perf_counter()
h = abc.run(max_nr_populations=gens)
dt = time.perf_counter() - t
pops = h.get_all_populations()
nsim = int(pops.samples.sum())
print(
    f"pyabc {pyabc.__version__} N={N} gens={gens} sampler={sampler}: {nsim} sims in {dt:.1f} s = {nsim / dt:,.0f} sims/s "
    f"({1e3 * dt / nsim:.2f} ms/sim); per generation {dt / gens:.1f} s; eps {list(pops.epsilon.round(3))}"
)

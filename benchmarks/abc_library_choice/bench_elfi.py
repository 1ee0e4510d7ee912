"""ELFI ABC-SMC over the toy vectorised simulator; batches fan out to a 2-process pool."""

import concurrent.futures as cf
import multiprocessing as mp
import sys
import time

import elfi
import numpy as np
import toy_simulator as toy
from elfi.methods.utils import weighted_var
from scipy.special import logsumexp, ndtr

D, K = toy.D, 7
P = D + K
N = int(sys.argv[1])
BUDGET = int(sys.argv[2])
FAST = sys.argv[3] != "stock"
KAPPA = float(sys.argv[3]) if sys.argv[3] not in ("stock", "fast") else None
CHUNK = 10_000
WORKERS = 2
OBS = np.array([0.9, 0.6, 0.5, 0.7, 0.8])


def chunk_sim(z, seed):
    theta = ndtr(z[:, :D])
    sw = z[:, D:] < 0
    s = toy.simulate(theta, sw, seed)
    return np.abs(s - OBS) / 0.1


pool = None
stats = {"sims": 0, "sim_s": 0.0, "calls": 0}


def simulator(*zs, batch_size=1, random_state=None, meta=None):
    z = np.column_stack(zs)
    t = time.perf_counter()
    parts = np.array_split(np.arange(len(z)), max(1, len(z) // CHUNK))
    futs = [pool.submit(chunk_sim, z[p], int(random_state.randint(2**31))) for p in parts]
    out = np.concatenate([f.result() for f in futs])
    stats["sim_s"] += time.perf_counter() - t
    stats["sims"] += len(z)
    stats["calls"] += 1
    return out


class FastSMC(elfi.SMC):
    def _compute_weights_means_and_cov(self, pop):
        params = np.column_stack([pop.outputs[p] for p in self.parameter_names])
        if self._populations:
            means, cov, w0 = self._gm_params
            sd = np.sqrt(np.diag(cov))
            a = params / sd
            b = means / sd
            sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
            lw = np.log(w0 / w0.sum())
            q = (
                logsumexp(-0.5 * sq + lw[None, :], axis=1)
                - 0.5 * len(sd) * np.log(2 * np.pi)
                - np.log(sd).sum()
            )
            w = np.exp(self._prior.logpdf(params) - q)
        else:
            w = np.ones(pop.n_samples)
        if KAPPA is None:  # ELFI's own kernel: N(particle, 2 var)
            return params.copy(), w, 2 * np.diag(weighted_var(params, w))
        m = np.average(params, axis=0, weights=w)
        v = weighted_var(params, w)
        rho = np.sqrt(1 - KAPPA)
        return m + rho * (params - m), w, np.diag(KAPPA * v)


if __name__ == "__main__":
    pool = cf.ProcessPoolExecutor(WORKERS, mp_context=mp.get_context("spawn"))
    list(pool.map(int, range(WORKERS)))  # warm
    m = elfi.new_model()
    priors = [elfi.Prior("norm", 0, 1, model=m, name=f"z{i}") for i in range(P)]
    S = elfi.Simulator(simulator, *priors, observed=np.zeros((1, 5)), name="S")
    S.uses_meta = True
    d = elfi.Distance("euclidean", S, name="d")
    cls = FastSMC if FAST else elfi.SMC
    smc = cls(d, batch_size=WORKERS * CHUNK, seed=1, max_parallel_batches=1)
    t0 = time.perf_counter()
    q0 = 0.1
    rounds = []
    res = smc.sample(N, quantiles=[q0], bar=False)
    rounds.append((time.perf_counter() - t0, stats["sims"]))
    while True:
        last = res.populations[-1]
        est = N / max(last.accept_rate, 1e-3)
        if stats["sims"] + est > BUDGET:
            break
        res = smc.sample(N, quantiles=[0.5], bar=False)
        rounds.append((time.perf_counter() - t0, stats["sims"]))
    total = time.perf_counter() - t0
    ov = total - stats["sim_s"]
    print(
        f"ELFI {elfi.__version__} {'fast-weights' if FAST else 'stock'} N={N}: {stats['sims']:,} sims in {total:.1f} s "
        f"= {stats['sims'] / total:,.0f} sims/s; simulator {stats['sim_s']:.1f} s ({stats['sims'] / stats['sim_s']:,.0f}/s), "
        f"library overhead {ov:.1f} s over {len(res.populations)} generations ({ov / len(res.populations):.1f} s each); "
        f"{stats['calls']} model calls of {WORKERS * CHUNK:,}"
    )
    print("thresholds", [round(float(p.threshold), 3) for p in res.populations])
    print("accept", [round(float(p.accept_rate), 3) for p in res.populations])
    w = res.weights
    print("ESS", round(w.sum() ** 2 / (w * w).sum()))
    pool.shutdown()

"""ABC-SMC through ELFI (see docs/calibration.md for why ELFI).

ELFI runs the algorithm: the rejection rounds, the proposals and the
importance weights. The tolerance schedule is ELFI's (each round's tolerance
the weighted median of the previous round's distances, :func:`next_tolerance`),
passed to it as explicit thresholds so that discrete distances (yes/no
patterns) cannot stall it. This module builds the ELFI model
(one standard-normal prior node per unknown, one simulator node that returns
the pattern discrepancies of a whole batch, a Euclidean distance to zero) and
sets two things ELFI leaves to its caller or computes slowly:

* the perturbation kernel. ELFI's default, a Gaussian around each particle
  with twice the population's variance, gives importance weights that
  collapse in 80 dimensions (measured effective sample size 1 of 2,000). We
  use the same family, a Gaussian mixture with one diagonal covariance, but
  centred on ``m + sqrt(1 - kappa) (theta_j - m)`` with covariance ``kappa *
  var``: it keeps the population's mean and variance, so in the many
  dimensions the patterns do not inform it stays close to the prior and the
  weights stay even (effective sample size about 600 of 2,000 at kappa =
  0.9 with 67 unknowns; kappa from :func:`default_kappa`);
* the density of that mixture, which ELFI evaluates with one scipy call per
  component (78 s per round at 2,000 particles); here one matrix product per
  block of particles (under a second), the same numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp

#: Share of the population variance the kernel adds as noise (see the module doc);
#: None: chosen from the population and the dimension by :func:`default_kappa`.
KAPPA: float | None = None


def default_kappa(population: int, dims: int) -> float:
    """The kernel's noise share for a population in ``dims`` dimensions.

    A mixture of N Gaussians with noise share kappa approximates a smooth
    density only if N is well above kappa**(-dims/2) (the volume of the
    population's spread over a component's); asking N/20 keeps the importance
    weights even: 0.5 for a handful of unknowns, about 0.93-0.95 for the
    engine's 130.
    """
    return float(np.clip((population / 20) ** (-2.0 / max(dims, 1)), 0.5, 0.98))


def library_version() -> str:
    import elfi

    return f"elfi {elfi.__version__}"


def mixture_logpdf(x: np.ndarray, means: np.ndarray, var: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Log density at rows of ``x`` of sum_j w_j N(means_j, diag(var)), in blocks of rows."""
    sd = np.sqrt(var)
    a, b = x / sd, means / sd
    bb = (b * b).sum(axis=1)
    lw = np.log(weights / weights.sum())
    const = -0.5 * len(sd) * np.log(2 * np.pi) - np.log(sd).sum()
    out = np.empty(len(x))
    step = max(1, 4_000_000 // max(len(b), 1))
    for i in range(0, len(x), step):
        ai = a[i : i + step]
        sq = (ai * ai).sum(axis=1)[:, None] + bb[None, :] - 2.0 * ai @ b.T
        out[i : i + step] = logsumexp(-0.5 * np.maximum(sq, 0.0) + lw[None, :], axis=1) + const
    return out


def std_normal_logpdf(z: np.ndarray) -> np.ndarray:
    return -0.5 * (z * z).sum(axis=1) - 0.5 * z.shape[1] * np.log(2 * np.pi)


def weighted_var(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    m = np.average(x, axis=0, weights=w)
    return np.average((x - m) ** 2, axis=0, weights=w)


def kernel_from(z: np.ndarray, w: np.ndarray, kappa: float) -> tuple[np.ndarray, np.ndarray]:
    """The proposal a population (z, w) gives: component means and the shared diagonal variance."""
    m = np.average(z, axis=0, weights=w)
    var = np.maximum(kappa * weighted_var(z, w), 1e-12)
    return m + np.sqrt(1.0 - kappa) * (z - m), var


@dataclass
class Round:
    """One finished generation."""

    threshold: float
    z: np.ndarray  # (N, dims) on the sampler's scale
    weights: np.ndarray
    distance: np.ndarray

    @property
    def ess(self) -> float:
        w = self.weights
        return float(w.sum() ** 2 / (w * w).sum())


def _smc_class(kappa: float) -> Any:
    import elfi

    class KernelSMC(elfi.SMC):  # type: ignore[misc, name-defined]
        """ELFI's SMC with the kernel and the mixture density of the module doc."""

        def _compute_weights_means_and_cov(self, pop: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            z = np.column_stack([pop.outputs[p] for p in self.parameter_names])
            if self._populations:
                means, cov, w0 = self._gm_params
                q = mixture_logpdf(z, np.asarray(means), np.diag(cov), np.asarray(w0))
                w = np.exp(std_normal_logpdf(z) - q)
            else:
                w = np.ones(len(z))
            if not np.any(w > 0):
                raise RuntimeError("every importance weight is zero")
            means, var = kernel_from(z, w, kappa)
            return means, w, np.diag(var)

    return KernelSMC


def next_tolerance(prev: Round, q: float) -> float | None:
    """The next generation's tolerance: the weighted ``q``-quantile of the last distances.

    With yes/no patterns distances are discrete, and when more than ``1 - q`` of
    the population sits at the tolerance the quantile does not move; the
    tolerance then steps down to the next distance below it. None when there is none.
    """
    from elfi.methods.utils import weighted_sample_quantile

    eps = float(weighted_sample_quantile(prev.distance, q, weights=prev.weights))
    if eps < prev.threshold:
        return eps
    lower = prev.distance[prev.distance < prev.threshold]
    return float(lower.max()) if len(lower) else None


class BudgetSpent(Exception):
    """Raised by the simulator node when a round would run past the simulation budget."""


def run_smc(
    names: list[str],
    n_outputs: int,
    simulate: Callable[[np.ndarray, int, int], np.ndarray],
    population: int,
    batch_size: int,
    seed: int,
    quantiles: tuple[float, float],
    plan_next: Callable[[list[Round]], bool],
    kappa: float,
    on_round: Callable[[Round, int], None] | None = None,
) -> list[Round]:
    """Run ABC-SMC rounds until ``plan_next(rounds)`` says stop; the finished rounds.

    ``simulate(z, round, batch_index)`` gets a batch of parameter rows and
    returns their discrepancies (rows, n_outputs). A round interrupted by
    :class:`BudgetSpent` is dropped; the rounds before it stand.
    """
    import elfi

    logging.getLogger("elfi").setLevel(logging.ERROR)
    state: dict[str, Any] = {"round": 0, "error": None}

    def node(*zs: np.ndarray, batch_size: int = 1, random_state: Any = None, meta: Any = None) -> np.ndarray:
        try:
            return simulate(np.column_stack(zs), state["round"], int(meta["batch_index"]))
        except Exception as err:
            # ELFI re-raises a node's error as a new one of the same class with its own
            # prefix; keep the original to raise it unchanged.
            state["error"] = err
            raise

    model = elfi.new_model()
    priors = [elfi.Prior("norm", 0, 1, model=model, name=n) for n in names]
    sim = elfi.Simulator(node, *priors, observed=np.zeros((1, n_outputs)), model=model, name="patterns")
    sim.uses_meta = True
    dist = elfi.Distance("euclidean", sim, model=model, name="distance")
    smc = _smc_class(kappa)(dist, batch_size=batch_size, seed=seed % 2**32, max_parallel_batches=1)
    rounds: list[Round] = []
    while True:
        state["round"] = len(rounds)
        try:
            if not rounds:
                result = smc.sample(population, quantiles=[quantiles[0]], bar=False)
            else:
                eps = next_tolerance(rounds[-1], quantiles[1])
                if eps is None:
                    break  # every particle is at the smallest distance: no lower tolerance to aim for
                # ELFI keeps the quantiles of an earlier call and would let them override
                # the thresholds of a continued run; a threshold call has none.
                smc._quantiles = None
                result = smc.sample(population, thresholds=[eps], bar=False)
        except Exception as err:
            original, state["error"] = state["error"], None
            if isinstance(original, BudgetSpent):
                break
            if original is not None:
                raise original from None
            raise err
        pop = result.populations[-1]
        z = np.column_stack([pop.outputs[n] for n in names])
        done = Round(float(pop.threshold), z, np.asarray(pop.weights, dtype=float), pop.outputs["distance"])
        rounds.append(done)
        if on_round:
            on_round(done, len(rounds) - 1)
        if not plan_next(rounds):
            break
    return rounds

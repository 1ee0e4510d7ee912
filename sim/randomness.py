"""Per-replicate values and randomness: the part of :class:`~sim.model.StormModel` that draws.

Every draw is a pure function of (seed, replicate id, step, site) through the
counter-based streams of :mod:`sim.rng`, so a replicate's draws are the same
alone, in any batch, chunk or worker, and in any variant of an ensemble. The
helpers take a number or an array over replicates alike, and give the same
bits either way (numpy's scalar and array paths agree where ``math`` would not).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .agents import positions
from .rng import Streams, site_key


def _probability(rate: float | np.ndarray, dt: float) -> float | np.ndarray:
    """1 - exp(-rate * dt), the chance of an event of hourly (or daily) ``rate`` within ``dt``.

    numpy's expm1 for a number and for an array agree to the bit (math's does not),
    so a parameter gives the same draws whether it is fixed or varies by replicate.
    ``rate * -dt`` is ``-rate * dt`` exactly (a sign flip is exact); an array is worked in place.
    """
    x = np.multiply(np.asarray(rate, dtype=float), -dt)
    if isinstance(x, np.ndarray):
        return np.negative(np.expm1(x, out=x), out=x)
    return -np.expm1(x)


class Randomness:
    """Draws and per-replicate helpers, mixed into the model (which sets the attributes below)."""

    R: int
    dt_hours: float
    streams: Streams
    _sites: dict[str, np.uint64]
    _fixed_draws: dict[str, np.ndarray]
    _constants: dict[tuple[str, float], Any]
    _by_source: dict[str, tuple[np.ndarray, float, Any]]

    @property
    def dt_days(self) -> float:
        """The current step's length in days (hazards may be daily)."""
        return self.dt_hours / 24.0

    def per_replicate(self, value: Any) -> np.ndarray:
        """A fresh float array over replicates from a number or an array."""
        return np.array(np.broadcast_to(np.asarray(value, dtype=float), (self.R,)))

    def site(self, site: str) -> np.uint64:
        key = self._sites.get(site)
        if key is None:
            key = self._sites[site] = site_key(site)
        return key

    def draw(self, site: str, idx: np.ndarray | None = None) -> np.ndarray:
        """U[0, 1) per replicate, a pure function of (seed, replicate, step, site).

        With ``idx`` (positions of replicates), only theirs: ``draw(site)[idx]``.
        """
        if idx is None:
            return self.streams.uniform(self.site(site))
        return self.streams.uniform_at(self.site(site), idx)

    def fixed_draw(self, site: str) -> np.ndarray:
        """U[0, 1) per replicate keyed by (seed, replicate, site) only, the same at every step (read-only)."""
        u = self._fixed_draws.get(site)
        if u is None:
            u = self._fixed_draws[site] = self.streams.fixed(self.site(site))
            u.flags.writeable = False
        return u

    def constant(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, a value of the parameters and the step length only, made once per step length.

        Parameters are fixed once the model is built; a parameter that varies by
        replicate makes such a value an array, and this keeps it from being
        recomputed every step (a clock has one or two step lengths).
        """
        key = (name, self.dt_hours)
        value = self._constants.get(key)
        if value is None:
            value = self._constants[key] = compute()
            if isinstance(value, np.ndarray):
                value.flags.writeable = False  # shared by every step of that length
        return value

    @staticmethod
    def power(base: np.ndarray, exponent: float | np.ndarray) -> np.ndarray:
        """``base ** exponent`` for base >= 0, the same to the bit for a fixed or a per-replicate exponent.

        (numpy's power takes a faster path for a number exponent, which rounds differently.)
        """
        with np.errstate(divide="ignore"):
            return np.exp(exponent * np.log(base))

    @staticmethod
    def normal(u: np.ndarray) -> np.ndarray:
        """Standard normal deviates from uniforms (the inverse CDF)."""
        from scipy.special import ndtri

        return ndtri(np.clip(u, 1e-300, 1 - 1e-16))

    def chance(self, p: float | np.ndarray, site: str, once: bool = False) -> np.ndarray:
        """Bernoulli(p) per replicate; ``once`` for a one-off decision whose draw ignores the step."""
        u = self.fixed_draw(site) if once else self.draw(site)
        return u < p

    def hazard(
        self, rate: float | np.ndarray, site: str, per: str = "hour", among: np.ndarray | None = None
    ) -> np.ndarray:
        """Whether an event with the given rate happens within this step.

        ``among`` (a mask) limits it to those replicates (False elsewhere); when
        they are few, only their draws are made (a replicate's draw is the same
        either way).
        """
        dt = self.dt_hours if per == "hour" else self.dt_days
        if among is None:
            return self.draw(site) < _probability(rate, dt)
        if 2 * np.count_nonzero(among) > self.R:
            return among & (self.draw(site) < _probability(rate, dt))
        idx = positions(among)
        happens = np.zeros(self.R, dtype=bool)
        if len(idx):
            rate = np.asarray(rate, dtype=float)
            happens[idx] = self.draw(site, idx) < _probability(rate[idx] if rate.ndim else rate, dt)
        return happens

    def hazard_of(
        self, name: str, source: np.ndarray, rate: Callable[[], Any], site: str, per: str = "hour"
    ) -> np.ndarray:
        """:meth:`hazard` of ``rate()``, a rate made from ``source`` and parameters alone.

        Its probability is kept while ``source`` is the very same array (state that
        is replaced, never changed in place) and the step length is the same: most
        steps then cost one draw and one comparison.
        """
        dt = self.dt_hours if per == "hour" else self.dt_days
        kept = self._by_source.get(name)
        if kept is None or kept[0] is not source or kept[1] != dt:
            kept = self._by_source[name] = (source, dt, _probability(rate(), dt))
        return self.draw(site) < kept[2]

    def hazard_at(
        self,
        rate: np.ndarray | float,
        site: str,
        exposure: np.ndarray | float | None = None,
        among: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Whether an hourly-rate event happens in this step, and when (hours into the step).

        The event is exposed for the last ``exposure`` hours of the step (all of
        it by default). Placing it at its time inside the step, rather than at
        the step's end, keeps results from depending on the step length. The
        time means something only where the event happens. ``among`` (a mask)
        limits it to those replicates; when they are few, only their draws are made.
        """
        dt = self.dt_hours
        if among is not None and 2 * np.count_nonzero(among) <= self.R:
            happens, when = np.zeros(self.R, dtype=bool), np.full(self.R, dt)
            idx = positions(among)
            if len(idx):
                rate = np.asarray(rate, dtype=float)
                expo = (
                    np.full(len(idx), dt) if exposure is None else np.broadcast_to(exposure, (self.R,))[idx]
                )
                happens[idx], when[idx] = self._event_time(rate[idx] if rate.ndim else rate, site, expo, idx)
            return happens, when
        expo = np.full(self.R, dt) if exposure is None else np.broadcast_to(exposure, (self.R,))
        happens, when = self._event_time(rate, site, expo, None)
        return (happens if among is None else among & happens), when

    def _event_time(
        self, rate: np.ndarray | float, site: str, expo: np.ndarray, idx: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(happens, hours into the step) for the replicates at ``idx`` (all if None)."""
        p = -np.expm1(-np.asarray(rate, dtype=float) * expo)
        u = self.draw(site, idx)
        happens = u < p
        # Given that it happens, u / p is uniform on [0, 1): the time within the exposure.
        frac = np.divide(u, p, out=np.ones(len(u)), where=happens)
        return happens, (self.dt_hours - expo) + expo * frac

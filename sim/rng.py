"""Counter-based randomness (docs/design.md, decision 2).

Every draw is a pure function of (seed, replicate, step, site): a replicate's
trajectory therefore does not depend on which batch, chunk or worker ran it,
and two variants of a scenario see the same draws (common random numbers).
The mixer is SplitMix64's finaliser, applied to numpy uint64 arrays, whose
arithmetic wraps modulo 2**64 without warnings.
"""

from __future__ import annotations

import hashlib

import numpy as np

_MASK = (1 << 64) - 1
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = 0x9E3779B97F4A7C15
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53


def _mix(x: np.ndarray, tmp: np.ndarray | None = None) -> np.ndarray:
    """SplitMix64 finaliser, in place on a uint64 array; returns it.

    ``tmp``, an array of x's shape, takes the shifted copies (no temporaries).
    """
    if tmp is None:
        tmp = np.empty_like(x)
    np.right_shift(x, _S30, out=tmp)
    x ^= tmp
    x *= _M1
    np.right_shift(x, _S27, out=tmp)
    x ^= tmp
    x *= _M2
    np.right_shift(x, _S31, out=tmp)
    x ^= tmp
    return x


def _to_unit(x: np.ndarray) -> np.ndarray:
    """The top 53 bits of each uint64 as a float in [0, 1) (shifts ``x`` in place)."""
    x >>= _S11
    return x * _TO_UNIT


def _mix_int(v: int) -> int:
    """The same finaliser on a Python int (for scalar keys)."""
    v &= _MASK
    v ^= v >> 30
    v = (v * 0xBF58476D1CE4E5B9) & _MASK
    v ^= v >> 27
    v = (v * 0x94D049BB133111EB) & _MASK
    v ^= v >> 31
    return v


def site_key(name: str) -> np.uint64:
    """A stable 64-bit key for a named draw site."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def keyed_uniform(seed: int, ids: np.ndarray, site: np.uint64) -> np.ndarray:
    """U[0, 1) per id, a pure function of (seed, id, site) with no step counter.

    For values fixed before a run starts (a replicate's parameter draw).
    """
    seed_key = np.uint64(_mix_int(int(seed) * _GOLDEN + 3))
    x = _mix(np.asarray(ids, dtype=np.uint64) * np.uint64(_GOLDEN) ^ seed_key)
    x ^= site
    return _to_unit(_mix(x))


class Streams:
    """Uniform draws over a set of replicates, keyed by step and site.

    The same replicate id may appear more than once (an ensemble runs the same
    replicates under several variants, on common random numbers): its draws
    are then made once and copied to each of its places.
    """

    def __init__(self, seed: int, replicate_ids: np.ndarray) -> None:
        if not 0 <= int(seed) <= _MASK:
            raise ValueError(f"seed must be between 0 and 2**64-1, got {seed}")
        self._seed_key = np.uint64(_mix_int(int(seed) * _GOLDEN + 1))
        self._step: int | None = None
        self.select(np.asarray(replicate_ids, dtype=np.uint64))

    def select(self, replicate_ids: np.ndarray) -> None:
        """Draw for these replicates from now on (in this order), at the current step.

        A replicate's keys are a pure function of (seed, id): a model that drops
        its ended replicates (or takes them back) makes them again for the ids it keeps.
        """
        ids = np.asarray(replicate_ids, dtype=np.uint64)
        self.ids = ids
        self._spread: np.ndarray | None = None  # positions in the distinct ids, if fewer
        self._tiles = 0  # or: the ids are the distinct ones repeated this many times, in order
        if len(ids) > 1:
            distinct, spread = np.unique(ids, return_inverse=True)
            if 2 * len(distinct) <= len(ids):
                ids, self._spread = distinct, spread
                # An ensemble's variants side by side repeat one sorted block: copying whole
                # blocks (np.tile) is much faster than gathering element by element.
                tiles = len(spread) // len(distinct)
                if tiles * len(distinct) == len(spread) and np.array_equal(
                    spread, np.tile(np.arange(len(distinct)), tiles)
                ):
                    self._tiles = tiles
        self._base = _mix(ids * np.uint64(_GOLDEN) ^ self._seed_key)
        self._step_key = self._base.copy()
        self._tmp = np.empty_like(self._base)
        if self._step is not None:
            self.begin_step(self._step)

    def begin_step(self, step: int) -> None:
        """Set the step counter that every following draw is keyed by."""
        self._step = step
        step_key = np.uint64(_mix_int((step + 1) * 0xD1B54A32D192ED03))
        np.bitwise_xor(self._base, step_key, out=self._step_key)
        _mix(self._step_key, self._tmp)

    def _spread_out(self, u: np.ndarray) -> np.ndarray:
        if self._spread is None:
            return u
        return np.tile(u, self._tiles) if self._tiles else u[self._spread]

    def fixed(self, site: np.uint64) -> np.ndarray:
        """One U[0, 1) draw per replicate keyed by site alone, the same at any step.

        For one-off decisions (does the column take Moscow?) whose step differs
        between two variants: keeping their draw independent of the step keeps
        common random numbers aligned, so a change that only delays an arrival
        cannot flip the decision by luck.
        """
        x = self._base ^ site
        x ^= np.uint64(0x632BE59BD9B4E019)
        return self._spread_out(_to_unit(_mix(x, self._tmp)))

    def uniform(self, site: np.uint64) -> np.ndarray:
        """One U[0, 1) draw per replicate for this step and site."""
        return self._spread_out(_to_unit(_mix(self._step_key ^ site, self._tmp)))

    def uniform_at(self, site: np.uint64, idx: np.ndarray) -> np.ndarray:
        """``uniform(site)[idx]``, computed for those replicates only."""
        if self._spread is not None:
            idx = self._spread[idx]
        return _to_unit(_mix(self._step_key[idx] ^ site))

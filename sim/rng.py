"""Named, order-independent random streams.

Every random decision in the model draws from its own stream. A stream's seed is
derived from (master seed, replication, stable hash of the stream's name), never from
the order in which streams are created, so:

* adding a new stream (a new rule, a new service) leaves every other stream unchanged;
* replication ``r`` sees the same streams in every scenario (common random numbers), so
  differences between scenarios come from mechanism, not noise.

A sequential stream keeps common random numbers only while every scenario draws the same
number of values from it in the same order. Draws that belong to something which exists in
one scenario and not in another (an episode, an escalated call) are *keyed* instead
(:class:`KeyedDraws`): each uniform is a pure function of (seed, replication, stream name,
draw name, integer keys such as person, group and day), computed by a counter-based hash
(the SplitMix64 finaliser), so it does not depend on what else was drawn, in which order,
or which other draw names exist.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np
from scipy.special import pdtrik


def stable_hash(name: str) -> int:
    """Return a 64-bit integer hash of ``name`` that is identical across runs and machines."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def stream_seed(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    """Return the seed sequence of stream ``name`` for ``(seed, replication)``."""
    h = stable_hash(name)
    return np.random.SeedSequence([seed, replication, h & 0xFFFFFFFF, h >> 32])


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def _mix(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser: a bijection of uint64 with full avalanche (wraps silently)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


_MASK = (1 << 64) - 1


def _mix_int(z: int) -> int:
    """:func:`_mix` of one value, in Python integers modulo 2**64 (the same bits)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _unit_of_one(key: int, keys: tuple[int, ...], names: tuple[str, ...]) -> np.ndarray:
    """:func:`to_unit` of :func:`hash_keys` for one entry, in Python integers: the same numbers,
    without the cost of NumPy calls on arrays of one (a readmission's draws)."""
    golden = int(_GOLDEN)
    h = key & _MASK
    for k in keys:
        h = _mix_int(h ^ _mix_int((k + golden) & _MASK))
    out = [
        (_mix_int((_mix_int(h ^ int(name_key(n))) + golden) & _MASK) >> 11) * (1.0 / (1 << 53)) for n in names
    ]
    return np.array([out], np.float64)


def _as_u64(key: np.ndarray | int) -> np.ndarray:
    """Integer keys (negative ones allowed) as uint64 arrays, at least one-dimensional."""
    a = np.atleast_1d(np.asarray(key))
    if a.dtype.kind not in "iub":
        raise TypeError(f"keys must be integers, not {a.dtype}")
    return a.astype(np.int64).view(np.uint64) if a.dtype.kind != "u" else a.astype(np.uint64)


def hash_keys(key: int, *keys: np.ndarray | int) -> np.ndarray:
    """One uint64 per entry, a pure function of the 64-bit ``key`` and the integer ``keys``
    (broadcast against each other; at least one-dimensional): chained SplitMix64 mixing."""
    h = np.full(1, key, np.uint64)
    with np.errstate(over="ignore"):
        for k in keys:
            h = _mix(h ^ _mix(_as_u64(k) + _GOLDEN))
    return h


def to_unit(h: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Uniforms in [0, 1) (53-bit) of the draws ``names`` (columns) from the key hashes ``h``;
    each column depends only on ``h`` and its own name."""
    named = np.array([name_key(n) for n in names], np.uint64)
    with np.errstate(over="ignore"):
        z = _mix(_mix(h[:, None] ^ named[None, :]) + _GOLDEN)
    return (z >> _S11).astype(np.float64) * (1.0 / (1 << 53))


@functools.cache
def name_key(name: str) -> np.uint64:
    """The 64-bit key of a name (a draw, an episode group)."""
    return np.uint64(stable_hash(name))


def occurrence(keys: np.ndarray) -> np.ndarray:
    """For each entry, how many earlier entries hold the same key (0 for the first): a key
    for draws of a person who appears more than once (two episodes of a group on one day)."""
    keys = np.asarray(keys, np.int64)
    n = len(keys)
    bits = max((n - 1).bit_length(), 1)
    if n == 0 or int(keys.max()) - int(keys.min()) >= 1 << (62 - bits):
        order = np.argsort(keys, kind="stable")
        ranked = keys[order]
    else:  # key and position in one integer: a plain sort gives the stable order, faster
        packed = np.sort(((keys - keys.min()) << bits) | np.arange(n))
        order, ranked = packed & ((1 << bits) - 1), packed >> bits
    pos = np.arange(n)
    first = np.maximum.accumulate(np.where(np.r_[True, ranked[1:] != ranked[:-1]], pos, 0))
    out = np.empty(n, np.int64)
    out[order] = pos - first
    return out


class KeyedDraws:
    """Keyed uniforms of one stream: ``uniform(draw, *keys)`` depends only on the stream's
    (seed, replication, name), the draw's name and the keys, never on other draws."""

    def __init__(self, key: int) -> None:
        self.key = int(key)

    @classmethod
    def of(cls, seed_seq: np.random.SeedSequence) -> KeyedDraws:
        """Keyed draws of the stream whose seed sequence is ``seed_seq``."""
        return cls(int(seed_seq.generate_state(1, np.uint64)[0]))

    @classmethod
    def from_generator(cls, rng: np.random.Generator) -> KeyedDraws:
        """Keyed draws of the stream behind ``rng`` (its seed only; its state is not used)."""
        return cls.of(rng.bit_generator.seed_seq)

    def uniform(self, draw: str, *keys: np.ndarray | int) -> np.ndarray:
        """Uniforms in [0, 1) of draw ``draw`` for the integer ``keys`` (broadcast together)."""
        return self.uniforms((draw,), *keys)[:, 0]

    def uniforms(self, draws: tuple[str, ...], *keys: np.ndarray | int) -> np.ndarray:
        """Columns of :meth:`uniform`, one per name in ``draws``: shape (n, len(draws))."""
        if all(isinstance(k, (int, np.integer)) for k in keys):  # one entry: in Python integers
            return _unit_of_one(self.key, tuple(int(k) for k in keys), draws)
        return to_unit(hash_keys(self.key, *keys), draws)

    def poisson(self, draw: str, mean: np.ndarray, *keys: np.ndarray | int) -> np.ndarray:
        """Poisson counts with means ``mean``, by inversion of the keyed uniforms of ``draw``."""
        u = self.uniform(draw, *keys)
        return np.maximum(np.ceil(pdtrik(u, mean)), 0).astype(np.int64)  # the Poisson quantile


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For cells holding ``counts`` entries each: every entry's cell and its index in the cell."""
    counts = np.asarray(counts, np.int64)
    cell = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return cell, np.arange(len(cell)) - starts[cell]


class Streams:
    """Factory and cache of named generators for one replication."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._cache: dict[str, np.random.Generator] = {}
        self._keyed: dict[str, KeyedDraws] = {}

    def __call__(self, name: str) -> np.random.Generator:
        """Return the generator of stream ``name`` (created on first use, then cached)."""
        gen = self._cache.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(stream_seed(self.seed, self.replication, name)))
            self._cache[name] = gen
        return gen

    def fresh(self, name: str) -> np.random.Generator:
        """Return a new generator of stream ``name`` from its start, ignoring the cache."""
        return np.random.Generator(np.random.PCG64(stream_seed(self.seed, self.replication, name)))

    def keyed(self, name: str) -> KeyedDraws:
        """Keyed draws of stream ``name`` (see :class:`KeyedDraws`); not a sequential stream."""
        draws = self._keyed.get(name)
        if draws is None:
            draws = self._keyed[name] = KeyedDraws.of(stream_seed(self.seed, self.replication, name))
        return draws

    @property
    def names(self) -> list[str]:
        """Names of the streams used so far, sequential or keyed, sorted (for the manifest)."""
        return sorted(set(self._cache) | set(self._keyed))

"""Named, order-independent random streams.

Every random decision in the model draws from its own stream. A stream's seed is
derived from (master seed, replication, stable hash of the stream's name), never from
the order in which streams are created, so:

* adding a new stream (a new rule, a new service) leaves every other stream unchanged;
* replication ``r`` sees the same streams in every scenario (common random numbers), so
  differences between scenarios come from mechanism, not noise.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_hash(name: str) -> int:
    """Return a 64-bit integer hash of ``name`` that is identical across runs and machines."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def stream_seed(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    """Return the seed sequence of stream ``name`` for ``(seed, replication)``."""
    h = stable_hash(name)
    return np.random.SeedSequence([seed, replication, h & 0xFFFFFFFF, h >> 32])


class Streams:
    """Factory and cache of named generators for one replication."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._cache: dict[str, np.random.Generator] = {}

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

    @property
    def names(self) -> list[str]:
        """Names of the streams used so far, sorted (for the manifest)."""
        return sorted(self._cache)

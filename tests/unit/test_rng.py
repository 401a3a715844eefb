"""Keyed draws of one entry, computed in Python integers, equal the array path bit for bit."""

from __future__ import annotations

import numpy as np

from sim.rng import KeyedDraws, hash_keys, name_key, occurrence, to_unit


def test_one_entry_in_python_integers_equals_the_array_path():
    keyed = KeyedDraws(0xDEADBEEF12345)
    rng = np.random.default_rng(0)
    names = ("treat", "admit", "stay", "readmit")
    for _ in range(5000):
        keys = (
            int(rng.integers(0, 6_000_000)),  # a person
            name_key("copd_exacerbation"),  # a group key, uint64
            int(rng.integers(-400, 800)),  # a day (negative in the warm start)
            int(rng.integers(0, 3)),
            np.int64(rng.integers(0, 4)),
        )
        fast = keyed.uniforms(names, *keys)
        slow = to_unit(hash_keys(keyed.key, *(np.asarray(k) for k in keys)), names)
        assert fast.shape == (1, len(names))
        np.testing.assert_array_equal(fast, slow)
    assert keyed.uniform("treat", 1, 2).shape == (1,)


def _occurrence_by_stable_sort(keys: np.ndarray) -> np.ndarray:
    order = np.argsort(keys, kind="stable")
    ranked, pos = keys[order], np.arange(len(keys))
    first = np.maximum.accumulate(np.where(np.r_[True, ranked[1:] != ranked[:-1]], pos, 0))
    out = np.empty(len(keys), np.int64)
    out[order] = pos - first
    return out


def test_occurrence_counts_earlier_equal_keys_for_narrow_and_wide_keys():
    """The packed sort (keys of a day's requests) and the stable argsort (keys too wide to pack)
    give the same counts: 0 for a key's first entry, 1 for its second, in order of position."""
    rng = np.random.default_rng(2)
    np.testing.assert_array_equal(occurrence(np.array([5, 3, 5, 5, 3])), [0, 0, 1, 2, 1])
    assert len(occurrence(np.array([], np.int64))) == 0
    for n in (1, 2, 7, 1000, 30000):
        for high in (3, 10**6, 2**40, 2**62):
            keys = rng.integers(-high, high, n, dtype=np.int64)
            np.testing.assert_array_equal(occurrence(keys), _occurrence_by_stable_sort(keys))

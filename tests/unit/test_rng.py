"""Keyed draws of one entry, computed in Python integers, equal the array path bit for bit."""

from __future__ import annotations

import numpy as np

from sim.rng import KeyedDraws, hash_keys, name_key, to_unit


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

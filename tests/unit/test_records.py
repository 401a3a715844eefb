"""The request columns: written in place day by day, equal to concatenating the batches."""

from __future__ import annotations

import numpy as np

from sim.metrics.records import Columns


def test_columns_equal_the_concatenated_batches_through_growth_and_empty_days():
    rng = np.random.default_rng(0)
    cols = Columns(total_days=30, margin=1.0)
    batches = []
    for day in range(30):
        k = 0 if day % 7 in (5, 6) else int(rng.integers(50, 500 + 40 * day))  # weekends empty, growing
        batch = {"day": np.full(k, day, np.int32), "minutes": rng.random(k).astype(np.float32)}
        batches.append(batch)
        cols.append(batch)
    table = cols.table()
    for name in ("day", "minutes"):
        want = np.concatenate([b[name] for b in batches])
        np.testing.assert_array_equal(table[name], want)
        assert table[name].dtype == want.dtype
    assert cols.capacity >= cols.n == sum(len(b["day"]) for b in batches)
    assert np.shares_memory(table["day"], cols.columns["day"])  # a view, not a copy


def test_columns_of_days_without_rows_keep_their_names():
    cols = Columns(total_days=3)
    for _ in range(3):
        cols.append({"day": np.empty(0, np.int32)})
    assert cols.table()["day"].dtype == np.int32 and len(cols.table()["day"]) == 0

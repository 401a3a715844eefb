"""Golden KPI tables: refactors keep the KPIs of fixed small configurations to the last digit.

The tables in ``tests/golden/`` were written by this module (``SIM_UPDATE_GOLDEN=1 pytest
tests/verification/test_golden.py``) before the services redesign (issue 13). A change that
alters them must be a declared fix: regenerate the tables in the same commit and say why in
its message. Rows are compared in the order of their keys (every column but the value).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest

import sim
from tests.conftest import small_config

GOLDEN = Path(__file__).parents[1] / "golden"
CASES = {
    "baseline": [],
    "health_houses_plus": ["scenario=health_houses_plus"],
    "acute_function": ["scenario=acute_function"],
}


def kpis_of(name: str) -> pd.DataFrame:
    """The KPI table of golden case ``name``: 4,000 people, 0.2 years, one replication."""
    config = small_config([*CASES[name], "seed=7"], size=4000, years=0.2)
    return sim.run(config).kpis


@pytest.mark.parametrize("name", sorted(CASES))
def test_kpis_equal_the_golden_table(name: str) -> None:
    path = GOLDEN / f"{name}.csv"
    got = kpis_of(name)
    if os.environ.get("SIM_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        got.to_csv(path, index=False, float_format="%.17g")
    want = pd.read_csv(path, keep_default_na=False, na_values=[""])
    as_written = io.StringIO(got.to_csv(index=False, float_format="%.17g"))  # the same round trip
    got = pd.read_csv(as_written, keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(in_key_order(got), in_key_order(want), check_exact=True)


def in_key_order(table: pd.DataFrame) -> pd.DataFrame:
    """The rows sorted by every column but the value: the KPIs, not the order in which the
    modules write them (services write their own KPIs since the services redesign)."""
    keys = [c for c in table.columns if c != "value"]
    assert not table.duplicated(keys).any(), "a KPI row appears twice"
    return table.sort_values(keys, kind="stable").reset_index(drop=True)

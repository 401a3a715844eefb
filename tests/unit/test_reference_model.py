"""The paired benchmark of experiments/benchmark/reference.py at a tiny size: sim's booking and the
SimPy one-process-per-request reference book comparable numbers of contacts of the same requests.

No timing thresholds: speed is measured by the benchmark, not by tests.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "benchmark" / "reference.py"


def load_reference() -> ModuleType:
    """Import the benchmark script as a module (experiments/ is not a package)."""
    name = "experiments_benchmark_reference"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def outcome() -> dict:
    """Both models on the requests of 5 days of a 3,000-person model."""
    return load_reference().compare(size=3000, days=5, repeat=1)


def test_both_book_contacts_of_the_same_requests(outcome: dict) -> None:
    """Each model books a positive number of contacts, and no more than there are requests."""
    sim, ref = outcome["results"]
    assert (sim.model, ref.model) == ("sim", "reference")
    assert sim.requests == ref.requests > 0
    for result in (sim, ref):
        assert 0 < result.booked <= result.requests


def test_counts_are_comparable(outcome: dict) -> None:
    """The two models book within 25% of each other (same practices, requests and minutes)."""
    sim, ref = outcome["results"]
    assert abs(sim.booked - ref.booked) <= 0.25 * max(sim.booked, ref.booked)


def test_ratio_is_positive_and_finite(outcome: dict) -> None:
    """The ratio of contacts per CPU-second (sim / reference) is a positive finite number."""
    assert math.isfinite(outcome["ratio"]) and outcome["ratio"] > 0


def test_table_and_json(outcome: dict) -> None:
    """The CLI's outputs: one markdown row per model, and one JSON line with both results."""
    module = load_reference()
    rows = module.table(outcome).splitlines()
    assert len(rows) == 4 and rows[2].startswith("| sim |") and rows[3].startswith("| reference |")
    line = module.as_json(outcome)
    assert "\n" not in line
    data = json.loads(line)
    assert [r["model"] for r in data["results"]] == ["sim", "reference"]
    assert data["ratio"] == pytest.approx(outcome["ratio"])

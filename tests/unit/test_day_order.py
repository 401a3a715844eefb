"""The documented order of a simulated day is the code's order (issue 13 point 7)."""

from __future__ import annotations

import re

import sim.model
from sim.model import DAY_STEPS, SimModel


def test_the_docstring_lists_the_day_steps_in_their_order() -> None:
    doc = sim.model.__doc__ or ""
    section = doc.split("Order of one day", 1)[1].split("Mesa's ``Model``", 1)[0]
    documented = re.findall(r"^\s*(\d+)\. \*\*([^*]+)\*\*", section, flags=re.M)
    assert [int(n) for n, _ in documented] == list(range(1, len(documented) + 1))
    assert [name for _, name in documented] == [name for name, _ in DAY_STEPS]


def test_every_step_is_a_method_of_the_model() -> None:
    for name, method in DAY_STEPS:
        assert callable(getattr(SimModel, method, None)), (name, method)

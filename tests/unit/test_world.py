"""The narrow :class:`sim.world.World`: the model is one, and rules decide on a stand-in.

A rule or service reads only what :class:`World` lists, so a test can hand it a small
stand-in instead of building and running a whole model. The rules return decisions; the
tests check that deciding changes nothing.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.config.organisation import GP
from sim.config.schema import RuleConfig
from sim.model import SimModel
from sim.rules.base import make_rule
from sim.rules.escalation import ED, OOH, PRACTICE
from sim.rules.workforce import Staffing
from sim.services.diary import Diaries
from sim.world import WORLD_ATTRIBUTES, World
from tests.conftest import small_config


def test_the_model_is_a_world_and_the_protocol_lists_its_attributes():
    model = SimModel(small_config(size=1500, years=0.02), 0)
    assert isinstance(model, World)
    assert set(WORLD_ATTRIBUTES) == set(World.__annotations__)
    assert not isinstance(SimpleNamespace(config=None), World)


class FakePractice:
    """A practice open on weekdays 08:00-16:00 with 12-minute GP consultations."""

    spec = SimpleNamespace(diary=SimpleNamespace(gp_minutes=SimpleNamespace(in_person=12.0)))

    def is_open_at(self, weekday: int, minute: float) -> bool:
        return weekday < 5 and 8 * 60 <= minute < 16 * 60


def stand_in(now: float, free_gp_minutes: float, ooh_open: bool) -> SimpleNamespace:
    """A world with one practice whose GP has ``free_gp_minutes`` left today."""
    diaries = Diaries(np.zeros((1, 2, 7)), np.zeros(1), 0)
    diaries.start(0, lambda d: d % 7)
    diaries.routine[0, GP, 0] = free_gp_minutes
    return SimpleNamespace(
        env=SimpleNamespace(now=now),
        calendar=SimpleNamespace(weekday=lambda d: d % 7),
        practices=[FakePractice()],
        diaries=diaries,
        services={OOH: SimpleNamespace(is_open=lambda t: ooh_open)},
        streams=lambda name: np.random.default_rng(0),
    )


def episode(severe: bool = False) -> SimpleNamespace:
    return SimpleNamespace(severe=severe, practice=0, person=0, u=np.full(20, 0.5))


@pytest.mark.parametrize(
    ("now", "free", "ooh_open", "severe", "expected"),
    [
        (10 * 60, 30.0, True, False, PRACTICE),  # Monday 10:00, time free
        (10 * 60, 5.0, True, False, OOH),  # no same-day contact left
        (10 * 60, 5.0, False, False, ED),  # ... and no out-of-hours service
        (20 * 60, 30.0, True, False, OOH),  # evening: practice closed
        (5 * 1440 + 10 * 60, 30.0, True, False, OOH),  # Saturday
        (10 * 60, 30.0, True, True, ED),  # severe: straight to the ED
    ],
)
def test_the_escalation_rule_decides_on_a_stand_in_world_and_takes_no_time(now, free, ooh_open, severe, expected):  # noqa: E501
    rule = make_rule("escalation", RuleConfig(name="default"), "rules.escalation")
    world = stand_in(now, free, ooh_open)
    rule.setup(world)
    assert rule.route(episode(severe), world) == expected
    assert world.diaries.routine[0, GP, 0] == free  # deciding took no diary time


def test_the_workforce_rule_returns_decisions_and_changes_no_practice():
    model = SimModel(small_config(["population.dynamics=true"], size=3000, years=0.02), 0)
    rule = model.rules["workforce"]
    before = {p.index: p.gp_ages.copy() for p in model.practices}
    units = model.diaries.n_units().copy()
    staffing = rule.staff(model)
    assert set(staffing) == set(before)
    yearly = rule.yearly(model, 400)
    assert isinstance(yearly, Staffing)
    assert yearly.retired >= yearly.recruited >= 0
    for p in model.practices:  # nothing applied: only sim.services.staffing acts
        assert np.array_equal(p.gp_ages, before[p.index])
    assert np.array_equal(model.diaries.n_units(), units)


def test_the_list_rule_returns_choices_and_lists_nobody():
    model = SimModel(small_config(size=3000, years=0.02), 0)
    pop = model.population
    listed = pop.practice.copy()
    who = np.flatnonzero(pop.alive)[:50]
    choice = model.rules["list_management"].list_newcomers(model, who)
    assert choice.shape == who.shape and (choice < len(model.practices)).all()
    assert np.array_equal(pop.practice, listed)

"""The rule registry: selection by name, parameters validated, a new rule from one file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

import sim
from sim.config import ConfigError
from sim.config.schema import RuleConfig
from sim.config.validation import Validated, probability
from sim.rules.base import REGISTRY, make_rule, register
from sim.rules.care_seeking import CareSeekingRule
from tests.conftest import small_config


def test_default_rules_are_registered() -> None:
    for family, name in [
        ("care_seeking", "default"),
        ("triage", "default"),
        ("booking", "first_available"),
        ("escalation", "default"),
        ("escalation", "ed_only"),
        ("admission", "default"),
    ]:
        make_rule(family, RuleConfig(name), f"rules.{family}")
        assert name in REGISTRY[family]


def test_rule_params_are_validated_with_the_key() -> None:
    with pytest.raises(ConfigError, match=r"rules.care_seeking.params.seek_probability"):
        make_rule("care_seeking", RuleConfig("default", {"seek_probability": 2.0}), "rules.care_seeking")
    with pytest.raises(ConfigError, match=r"rules.care_seeking.params.nope"):
        make_rule("care_seeking", RuleConfig("default", {"nope": 1}), "rules.care_seeking")


@dataclass(frozen=True)
class _HalfParams(Validated):
    share: float = probability(0.5)


@register
class _SeekHalf(CareSeekingRule):
    """A test rule: a fixed share of needs become requests."""

    name = "test_seek_share"
    Params = _HalfParams

    def seek(self, requests, model) -> np.ndarray:
        return np.where(self.rng.random(len(requests)) < self.params.share, 0, -1)


def test_a_new_rule_is_selected_by_name_and_changes_the_result() -> None:
    base = sim.run(small_config(size=2000, years=0.1)).kpis
    config = small_config(
        ["rules.care_seeking.name=test_seek_share", "+rules.care_seeking.params.share=0.5"],
        size=2000,
        years=0.1,
    )
    half = sim.run(config).kpis

    def contacts(k):
        sel = (k.metric == "gp_contacts_per_person_year") & (k.group == "all")
        return float(k[sel].value.iloc[0])

    assert contacts(half) == pytest.approx(contacts(base) / 2, rel=0.1)


def test_frail_alone_delay_puts_needs_off_but_takes_most_up_later() -> None:
    from sim.model import SimModel

    overrides = [
        "population=rural",
        "rules.care_seeking.name=frail_alone_delay",
        "+rules.care_seeking.params.delay_share=1.0",
        "+rules.care_seeking.params.forgo_share=0.0",
    ]
    model = SimModel(small_config(overrides, size=6000, years=0.3), 0)
    model.run()
    req = model.recorder.request_table
    late = (req["day"] > req["need_day"]) & (req["control"] < 0)  # controls are retried by their schedule
    pop = model.population
    person = req["person"][late]
    assert late.sum() > 0
    assert (pop.lives_alone[person] & (pop.frailty[person] > 0.5)).all()
    assert all(model.calendar.weekday(int(d)) < 5 for d in req["day"][late])

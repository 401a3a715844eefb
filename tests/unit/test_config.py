"""Config schema: building from mappings, defaults, hashing."""

from __future__ import annotations

import math

import pytest

from sim.config import ConfigError, SimConfig, build, config_hash, from_dict, to_dict
from sim.config.schema import DistributionConfig, Hours


def test_round_trip_through_dict() -> None:
    config = from_dict({"population": {"size": 1234}, "years": 2})
    assert config.population.size == 1234 and config.years == 2.0
    assert from_dict(to_dict(config)) == config


def test_hash_changes_with_any_value() -> None:
    a = from_dict({})
    b = from_dict({"demand": {"same_day_share": 0.31}})
    assert config_hash(a) == config_hash(from_dict({})) != config_hash(b)


def test_types_are_checked() -> None:
    with pytest.raises(ConfigError, match="seed: expected an integer"):
        from_dict({"seed": 1.5})
    with pytest.raises(ConfigError, match=r"output\.csv: expected true or false"):
        from_dict({"output": {"csv": "yes"}})
    with pytest.raises(ConfigError, match=r"population\.age_bands: expected a mapping"):
        from_dict({"population": {"age_bands": [1, 2]}})


@pytest.mark.parametrize("value", ["inf", "-inf", ".inf", "nan", math.inf, -math.inf, math.nan])
def test_non_finite_numbers_are_rejected(value: object) -> None:
    """A number that is not finite is refused wherever a number is read (issue 12 point 6)."""
    with pytest.raises(ConfigError, match=r"^mean: "):
        build(DistributionConfig, {"mean": value})


def test_config_is_frozen() -> None:
    config = SimConfig()
    with pytest.raises(AttributeError):
        config.seed = 3  # type: ignore[misc]


def test_opening_before_closing() -> None:
    with pytest.raises(ConfigError):
        Hours(open=10, close=10)
    assert Hours(open=8, close=18).close == 18

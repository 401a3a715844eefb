"""Which core services exist comes from YAML (``services.providers``).

Each core service is registered by name and built from its own config block; a run without the
out-of-hours GP or the acute team sends what would have gone there to the emergency department.
"""

from __future__ import annotations

import pytest

import sim
from sim.config.services import CORE_SERVICES
from sim.model import SimModel
from sim.services.base import PROVIDERS, discover, services_of
from tests.conftest import small_config


def test_every_core_service_name_is_registered_to_a_class_that_builds_itself():
    discover()
    assert set(PROVIDERS) == set(CORE_SERVICES)
    model = SimModel(small_config(size=1500, years=0.02), 0)
    names = [s.name for s in services_of(model)]
    assert names == list(CORE_SERVICES)  # built in the order of services.providers


@pytest.mark.parametrize(
    ("providers", "message"),
    [
        ("[general_practice,hospital,satellite,pharmacy]", "unknown service 'pharmacy'"),
        ("[general_practice,satellite]", "the model needs hospital"),
        ("[general_practice,hospital,hospital,satellite]", "listed twice"),
    ],
)
def test_bad_provider_lists_are_refused_naming_the_key(providers, message):
    with pytest.raises(sim.ConfigError, match=rf"services\.providers.*{message}"):
        sim.load_config([f"services.providers={providers}"])


def test_without_out_of_hours_and_acute_team_episodes_go_to_the_practice_or_the_ed():
    config = small_config(["services.providers=[general_practice,hospital,satellite]"], size=4000, years=0.3)
    model = SimModel(config, 0)
    assert model.ooh is None and model.acute is None
    assert set(model.services) == {"practice", "ed"}
    model.run()
    ep = model.recorder.episode_table()
    assert len(ep["route"]) > 20
    assert set(ep["route"]) <= {"practice", "ed"}
    assert not any("ooh" in p or "acute" in p for p in ep["path"])
    kpis = sim.run(config).kpis
    assert not kpis.metric.str.startswith(("ooh_", "acute_team_")).any()
    costs = set(kpis.loc[kpis.metric == "cost_dkk_per_capita", "group"])
    assert costs == {"general_practice", "hospital", "satellite", "total"}

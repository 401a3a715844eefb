"""Chronic care as a mechanism (sim/demand/chronic_care.py): coverage of a control is the
weighted share of days a person's last complete control was recent enough; complete controls
need their test (on site, or a trip attended with a chance falling with distance) or an
attended outpatient control; and the hazard of what a control prevents follows coverage by
the documented dose-response (exp(-0.3 x change in coverage), chronic_care_procedures_dk)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.config.people import ChronicCareConfig
from sim.demand import acute_episodes
from sim.demand.chronic_care import CoverageLedger
from sim.model import SimModel
from tests.conftest import small_config


def _kpi(kpis, metric: str, group: str = "all") -> float:
    return float(kpis[(kpis.metric == metric) & (kpis.group == group)].value.mean())


# ------------------------------------------------------------------ the ledger
def _ledger(**cfg: float) -> CoverageLedger:
    """Two controls, the first kept (cover lasts 50 days after a complete control)."""
    return CoverageLedger(ChronicCareConfig(**cfg), np.array([50.0, 80.0]), (0,))


def test_coverage_is_the_weighted_share_of_days_covered():
    ledger = _ledger(reference_coverage=0.5, window_days=100)
    ledger.start(np.array([0, 0]), np.array([0, 1]), 0, np.array([100, 100]))  # covered to day 100
    e1, e05 = math.exp(-1), math.exp(-0.5)
    at100 = 0.5 * e1 + (1 - e1)  # the start value fades; every day up to 100 was covered
    assert ledger.coverage(np.array([0]), 0, 100)[0] == pytest.approx(at100)
    assert ledger.coverage(np.array([0]), 0, 200)[0] == pytest.approx(at100 * e1)  # 100 days uncovered
    ledger.complete(np.array([0]), np.array([0]), 200, np.array([200]))  # covered again, to day 250
    assert ledger.coverage(np.array([0]), 0, 250)[0] == pytest.approx(at100 * e1 * e05 + (1 - e05))
    assert ledger.coverage(np.array([0]), 0, 200)[0] == pytest.approx(at100 * e1)  # settled on day 200
    # a person never enrolled sits at the reference; the second control is not kept at all
    assert ledger.coverage(np.array([1, 5]), 0, 250).tolist() == [0.5, 0.5]
    assert ledger.at_end(2, 250).keys() == {0}
    enrolled, value = ledger.at_end(2, 250)[0]
    assert enrolled.tolist() == [0] and value[0] == pytest.approx(at100 * e1 * e05 + (1 - e05))


def test_a_control_booked_while_still_covered_extends_the_cover_without_a_gap():
    ledger = _ledger(reference_coverage=1.0, window_days=100)
    ledger.start(np.array([0]), np.array([0]), 0, np.array([60]))
    ledger.complete(np.array([0]), np.array([0]), 40, np.array([45]))  # seen day 45: covered to 95
    assert ledger.coverage(np.array([0]), 0, 95)[0] == pytest.approx(1.0)
    assert ledger.coverage(np.array([0]), 0, 195)[0] == pytest.approx(math.exp(-1))
    ledger.complete(
        np.array([0]), np.array([0]), 60, np.array([61])
    )  # a later booking keeps the longer cover
    assert ledger.until_of(0, 0) == 111


def test_hazard_ratio_and_its_ceiling():
    ledger = _ledger(hazard_coefficient=0.3, reference_coverage=0.9, window_days=365)
    ledger.start(np.array([0]), np.array([0]), 0, np.array([0]))  # lapsed from the start
    assert ledger.hazard_ratio(np.array([0, 7]), 0, 0).tolist() == pytest.approx([1.0, 1.0])
    assert ledger.hazard_ratio(np.array([0]), 0, 365)[0] == pytest.approx(
        math.exp(0.3 * (0.9 - 0.9 / math.e))
    )
    assert ledger.ceiling() == pytest.approx(math.exp(0.3 * 0.9))
    assert not _ledger(hazard_coefficient=0.0).acts


# ------------------------------------------------------------------ the dose-response
def _linked_episodes(model: SimModel, coverage: float, coefficient: float, days: range) -> tuple[int, int]:
    """(episodes of the groups a control prevents, other episodes) over ``days`` with everyone's
    coverage held at ``coverage``."""
    cfg = model.config.demand
    ledger = model.controls.coverage
    ledger.cfg = ChronicCareConfig(
        coefficient, cfg.chronic_care.reference_coverage, cfg.chronic_care.window_days
    )
    ledger.coverage = lambda person, control, day: np.full(len(person), coverage)  # type: ignore[method-assign]
    linked = np.array([bool(g.control) for g in cfg.episode_groups.values()])
    counts = np.zeros(2, np.int64)
    for day in days:
        ep = acute_episodes(
            model.population,
            cfg,
            model.controls,
            model.continuity,
            day,
            model.config.population.frailty.frail_threshold,
            model.streams("demand.episodes"),
            (),
        )
        mine = linked[ep.group]
        counts += [int(mine.sum()), int((~mine).sum())]
    return int(counts[0]), int(counts[1])


def test_more_coverage_means_fewer_of_the_deteriorations_it_prevents_by_the_documented_size():
    """+0.2 coverage gives exp(-0.3 x 0.2) = 0.942 times the episodes of the groups a control
    prevents (COPD exacerbation, heart failure, dehydration) and leaves every other group
    unchanged; with the coefficient at 0 coverage changes nothing (paired: keyed draws)."""
    days = range(1000)
    model = SimModel(small_config([], size=40000, years=0.1), 0)  # one population for every call
    low = _linked_episodes(model, 0.7, 0.3, days)
    high = _linked_episodes(model, 0.9, 0.3, days)
    assert low[0] > 1500
    assert high[0] / low[0] == pytest.approx(np.exp(-0.3 * 0.2), abs=0.01)
    assert high[1] == low[1]
    off = [_linked_episodes(model, c, 0.0, days) for c in (0.7, 0.9)]
    assert off[0] == off[1]


# ------------------------------------------------------------------ equipment, distance, outpatient controls
@pytest.fixture(scope="module")
def attendance_runs():
    """0.8 years at 10,000 people with every test trip made, with none made, and with no
    outpatient control attended (same seeds: common random numbers)."""
    common = ["demand.chronic_care.hazard_coefficient=1.0"]
    runs = {
        "all": ["services.equipment_trip.no_show_share=0", "services.equipment_trip.no_show_per_10km=0"],
        "no_trips": ["services.equipment_trip.no_show_share=1"],
        "no_outpatient": ["services.outpatient.no_show_share=1"],
    }
    return {
        name: sim.run(small_config([*common, *extra], size=10000, years=0.8)).kpis
        for name, extra in runs.items()
    }


def test_missed_test_trips_leave_controls_incomplete_and_their_deteriorations_more_frequent(attendance_runs):
    full, none = attendance_runs["all"], attendance_runs["no_trips"]
    assert _kpi(full, "equipment_trips_per_1000") > 0
    assert _kpi(full, "equipment_trips_missed_share") == 0
    assert _kpi(none, "equipment_trips_missed_share") == 1
    # COPD needs spirometry, which no practice of today's organisation has: every test is a trip
    assert _kpi(none, "control_coverage_mean", "copd") < _kpi(full, "control_coverage_mean", "copd") - 0.1
    copd = "avoidable_admissions_per_1000_65plus"
    assert _kpi(none, copd, "copd_exacerbation") > _kpi(full, copd, "copd_exacerbation")
    # diabetes' blood tests are done in every practice: no trip, no change
    assert _kpi(none, "control_coverage_mean", "t2d") == pytest.approx(
        _kpi(full, "control_coverage_mean", "t2d")
    )


def test_missed_outpatient_controls_lower_coverage(attendance_runs):
    full, none = attendance_runs["all"], attendance_runs["no_outpatient"]
    assert _kpi(none, "outpatient_attendance_share") == 0
    assert _kpi(none, "control_coverage_mean", "heart_failure") < _kpi(
        full, "control_coverage_mean", "heart_failure"
    )


def test_missed_trips_rise_with_distance():
    """The same patients, further away: the hospital at 40 km instead of 10 km."""

    def missed(km: int) -> float:
        config = small_config([f"population.geography.hospital_distance_km={km}"], size=6000, years=0.3)
        return _kpi(sim.run(config).kpis, "equipment_trips_missed_share")

    assert missed(40) > missed(10) + 0.05


def test_practices_with_every_piece_of_equipment_make_no_trips():
    everything = [
        *(
            f"organisation.practice_types.{kind}.equipment=[lab,ecg,spirometry]"
            for kind in ("solo", "partnership")
        ),
        "organisation.region_clinic.equipment=[lab,ecg,spirometry]",
    ]
    kpis = sim.run(small_config(everything, size=4000, years=0.3)).kpis
    assert _kpi(kpis, "equipment_trips_per_1000") == 0

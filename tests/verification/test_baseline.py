"""A baseline that settles: capacity that fits demand, lateness from the original due day,
a warm start, and (with the population held still) KPIs that stay level year after year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.demand.controls import NONE, ControlSchedule
from sim.demand.needs import Requests
from sim.metrics.periods import LEVEL_KPIS, kpis_by_year
from sim.metrics.records import BOOKED, NO_SLOT
from sim.model import SimModel
from sim.rules.booking import FirstAvailable, FirstAvailableParams
from sim.services.diary import GP, Diaries
from tests.conftest import FULL, small_config


def _kpi(model: SimModel, metric: str, group: str = "all") -> float:
    from sim.metrics import compute_kpis

    return next(v for m, g, v, _ in compute_kpis(model) if m == metric and g == group)


def _run(overrides: list[str], size: int = 3000, years: float = 0.25) -> SimModel:
    model = SimModel(small_config(overrides, size=size, years=years), 0)
    model.run()
    return model


NO_CAPACITY = [
    "organisation.practice_types.solo.gp_clinical_hours_per_week=0.5",
    "organisation.practice_types.partnership.gp_clinical_hours_per_week=0.5",
    "organisation.practice_types.solo.nurse_clinical_hours_per_week=0.5",
    "organisation.practice_types.partnership.nurse_clinical_hours_per_week=0.5",
]


def test_lateness_of_a_retried_control_counts_from_its_original_due_day():
    """With almost no clinician time, controls keep being retried: their requests carry the
    original due day, so the overdue share and the backlog both see them (the old code reset
    the due day at each retry and reported an overdue share of 0)."""
    model = _run(NO_CAPACITY)
    req = model.recorder.request_table
    ctl = req["control"] >= 0
    waited = req["day"][ctl] - req["need_day"][ctl]
    assert waited.max() > 60  # retried week after week, late from the first due day
    assert _kpi(model, "controls_overdue_share") > 0.2
    assert _kpi(model, "controls_backlog_per_1000_chronic") > 50


def test_controls_are_late_in_the_baseline_but_there_is_no_standing_backlog():
    """Non-adherent patients make a few controls late; with capacity that fits, the backlog of
    controls more than 60 days late stays small (per 1,000 with a controlled condition)."""
    model = _run([], size=6000, years=0.5)
    share = _kpi(model, "controls_overdue_share")
    assert 0.005 < share < 0.15
    assert _kpi(model, "controls_backlog_per_1000_chronic") < 30


def test_non_adherence_off_leaves_no_control_late_when_capacity_fits():
    model = _run(["demand.control_nonadherent_share=0"], size=6000, years=0.5)
    assert _kpi(model, "controls_overdue_share") < 0.005


def test_nurse_work_falls_back_to_gp_time_when_no_nurse_slot_is_within_reach():
    """Practices with hardly any nurse time: with the fallback (default) nurse-eligible requests
    are booked with a GP; without it they go unmet."""
    few_nurses = [
        "organisation.practice_types.solo.nurses_per_gp=0.02",
        "organisation.practice_types.partnership.nurses_per_gp=0.02",
    ]
    strict = _run([*few_nurses, "+rules.triage.params.nurse_fallback_to_gp=false"])
    fallback = _run(few_nurses)
    for model in (strict, fallback):
        req = model.recorder.request_table
        assert np.count_nonzero(req["nurse_eligible"]) > 500
    s, f = strict.recorder.request_table, fallback.recorder.request_table
    unmet_strict = np.count_nonzero(s["nurse_eligible"] & (s["status"] == NO_SLOT))
    unmet_fallback = np.count_nonzero(f["nurse_eligible"] & (f["status"] == NO_SLOT))
    assert unmet_fallback < 0.2 * unmet_strict
    def booked_by_gp(t: dict) -> int:
        return np.count_nonzero(t["nurse_eligible"] & (t["status"] == BOOKED) & (t["role"] == GP))

    assert booked_by_gp(s) == 0  # every practice delegates: without the fallback a GP never takes them
    assert booked_by_gp(f) > 0.3 * np.count_nonzero(f["nurse_eligible"])


def _requests(need_day: list[int]) -> Requests:
    n = len(need_day)
    return Requests(
        day=10,
        person=np.arange(n, dtype=np.int32),
        band=np.zeros(n, np.int8),
        same_day=np.zeros(n, bool),
        channel=np.zeros(n, np.int8),
        nurse_eligible=np.zeros(n, bool),
        need_day=np.array(need_day, np.int32),
        control=np.array([0 if d < 10 else -1 for d in need_day], np.int8),
    )


@pytest.mark.parametrize(("priority", "first_served"), [("oldest_first", 2), ("arrival", 0)])
def test_routine_requests_are_served_oldest_need_first(priority, first_served):
    """One practice with room for one contact today: under ``oldest_first`` the control that
    has waited since day 3 gets it; under ``arrival`` the first new request does."""
    weekly = np.zeros((1, 2, 7))
    weekly[0, GP, :] = 10.0
    diaries = Diaries(weekly, np.zeros(1), horizon=0)
    diaries.start(10, lambda d: d % 7)
    rule = FirstAvailable(FirstAvailableParams(priority=priority))
    rule.horizon = np.array([0])

    class Model:  # the booking rule reads only the diaries
        pass

    model = Model()
    model.diaries = diaries
    requests = _requests([10, 10, 3])
    offset, _ = rule.book(requests, np.zeros(3, np.int64), np.full(3, GP, np.int8), np.full(3, 10.0), model)
    assert list(np.flatnonzero(offset == 0)) == [first_served]


def test_the_warm_start_opens_day_zero_near_the_steady_state():
    """After the silent pre-run the diaries hold bookings ahead and the backlog of controls more
    than 60 days late is already near its level over the run; a cold start opens both empty."""
    warm = _run([], size=15000, years=0.3)
    cold = _run(["warm_start_days=0"], size=15000, years=0.3)
    backlog_warm, backlog_cold = warm.recorder.controls_waiting[:, 2], cold.recorder.controls_waiting[:, 2]
    days = warm.calendar.total_days
    level = backlog_warm[days // 2 : days].mean()
    assert level > 5
    assert backlog_warm[:7].mean() == pytest.approx(level, rel=0.5)
    assert backlog_cold[:7].max() == 0
    model = SimModel(small_config([], size=10000, years=0.05), 0)
    model._warm_start()
    d = model.diaries
    assert d.day == 0
    assert (d.routine[:, :, 1:] < d.offered[:, :, 1:] * (1 - d.share) - 1e-6).any()  # booked ahead
    due = model.controls.practice.due
    assert due[due != NONE].min() >= -model.warm_start_days()


def test_a_control_schedule_keeps_the_original_due_day_over_retries():
    """Unit: a control unbooked on its due day comes back after the retry days with its first
    due day as the need day."""
    from types import SimpleNamespace

    from sim.config.people import ControlConfig, DemandConfig

    cfg = DemandConfig(controls={"t2d": ControlConfig(per_year=3.0)}, control_retry_days=7)
    schedule = ControlSchedule(cfg, ("t2d",))
    pop = SimpleNamespace(
        n=1,
        alive=np.ones(1, bool),
        conditions=np.ones(1, np.uint16),
        band=np.zeros(1, np.int8),
    )
    schedule.practice.grow(1)
    schedule.overdue_since = np.full((1, 1), NONE, np.int32)
    schedule.practice.set(np.array([0]), np.array([0]), np.array([5]))
    first = schedule.requests(pop, 5)
    assert list(first.need_day) == [5]
    schedule.outcome(first.person.astype(np.int64), first.control.astype(np.int64), np.array([NONE]), 10)
    again = schedule.requests(pop, 12)
    assert list(again.need_day) == [5]
    assert schedule.waiting(pop, 70, (60,)) == (1, 1)


# ---------------------------------------------------------------- stationarity


def _by_year(size: int, replications: int) -> pd.DataFrame:
    rows = []
    for r in range(replications):
        config = small_config(["population.dynamics=false", "warmup_days=56"], size=size, years=3)
        model = SimModel(config, r)
        model.run()
        rows += [(r, *row) for row in kpis_by_year(model)]
    return pd.DataFrame(rows, columns=["replication", "year", "metric", "group", "value", "unit"])


@pytest.mark.slow
def test_with_the_population_held_still_the_baseline_is_level_after_the_warm_up():
    """Point 4 of the baseline issue: the means over replications of years 2 and 3 lie within 5%
    of year 1 for the headline KPIs. SIM_FULL=1 runs 30,000 people x 12 replications: at 30,000
    the routine wait of one replication (a mean of about 0.25 days set by five solo practices)
    changes by 12% (sd) from year 1 to year 3, so 4 replications resolve a mean change only to
    about 6%, and 12 to 3.4% (experiments/baseline). CI runs 20,000 x 2 and widens the band for
    the noisy ones. The first version failed this by far: unmet requests rose 16-fold and the
    wait by 28% within a year."""
    size, reps = (30000, 12) if FULL else (20000, 2)
    table = _by_year(size, reps)
    # CI: 2.5 standard errors of the year-3/year-1 change at 20,000 x 2 (sd between replications
    # at 30,000: wait 0.12, unmet 0.22, avoidable admissions 0.09; scaled to 20,000 and 2)
    wide = {} if FULL else {"routine_wait_days_mean": 0.3, "requests_unmet": 0.5}
    wide.setdefault("avoidable_admissions_per_1000_65plus", 0.05 if FULL else 0.2)
    for metric, group in LEVEL_KPIS:
        sel = table[(table.metric == metric) & (table.group == group)]
        means = sel.groupby("year")["value"].mean()
        for year in (2, 3):
            tolerance = wide.get(metric, 0.05)
            assert means[year] == pytest.approx(means[1], rel=tolerance), (metric, group, means.to_dict())
    unmet = table[(table.metric == "requests_unmet") & (table.group == "all")]
    assert unmet.value.max() < 20 * size / 1000  # requests a year that found no slot: few

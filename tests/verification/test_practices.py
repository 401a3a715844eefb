"""General practice as an organisation: lists, closing, access hours and travel."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.demand.controls import NONE
from sim.metrics.records import BOOKED
from sim.model import SimModel
from sim.services.lists import assign_nearest_with_room, nearest, nearest_by_matrix
from tests.conftest import small_config


def _kpi(kpis, metric: str, group: str = "all") -> float:
    return float(kpis[(kpis.metric == metric) & (kpis.group == group)].value.mean())


@pytest.fixture(scope="module")
def compared():
    """Baseline and health houses, same seeds and size (common random numbers)."""
    runs = {}
    for scenario in ("baseline", "health_houses"):
        runs[scenario] = sim.run(
            small_config([f"scenario={scenario}", "replications=2"], size=20000, years=0.1)
        )
    return runs["baseline"].kpis, runs["health_houses"].kpis


def test_health_houses_raise_access_and_evening_hours(compared):
    base, houses = compared
    assert _kpi(houses, "access_hours_per_week_per_1000") > _kpi(base, "access_hours_per_week_per_1000")
    assert _kpi(houses, "evening_access_hours_per_week_per_1000") > _kpi(
        base, "evening_access_hours_per_week_per_1000"
    )


def test_merging_into_fewer_sites_does_not_shorten_rural_travel(compared):
    base, houses = compared
    assert _kpi(houses, "travel_minutes_mean", "rural") >= _kpi(base, "travel_minutes_mean", "rural")


def test_everyone_starts_listed_near_home():
    model = SimModel(small_config(size=20000), 0)
    pop = model.population
    alive = np.flatnonzero(pop.alive)
    assert (pop.practice[alive] >= 0).all()
    px = np.array([p.x for p in model.practices])
    py = np.array([p.y for p in model.practices])
    own = np.hypot(pop.x[alive] - px[pop.practice[alive]], pop.y[alive] - py[pop.practice[alive]])
    other = np.hypot(pop.x[alive, None] - px[None, :], pop.y[alive, None] - py[None, :]).mean(axis=1)
    assert own.mean() < 0.6 * other.mean()
    listed = model.rules["list_management"].listed(model)
    norm = np.array([p.gp_fte for p in model.practices]) * model.config.organisation.list_size_per_gp
    assert listed.sum() == len(alive) and abs(listed.sum() / norm.sum() - 1) < 0.01


def test_assignment_respects_room_and_prefers_the_nearest():
    rng = np.random.default_rng(1)
    x, y = np.array([0.0, 0.1, 0.2, 10.0]), np.zeros(4)
    px, py = np.array([0.0, 10.0]), np.zeros(2)
    room = np.array([2.0, 5.0])
    choice = assign_nearest_with_room(x, y, px, py, room, rng)
    assert np.bincount(choice, minlength=2).tolist() == [2, 2]
    assert choice[3] == 1
    assert room.tolist() == [0.0, 3.0]
    none_left = assign_nearest_with_room(x, y, px, py, np.zeros(2), rng)
    assert (none_left == -1).all()


def test_the_k_d_tree_finds_the_same_nearest_practice_as_the_distance_matrix():
    rng = np.random.default_rng(3)
    for n, m in ((5000, 1), (5000, 7), (20000, 300)):
        x, y = rng.normal(0, 10, n), rng.normal(0, 10, n)
        px, py = rng.normal(0, 10, m), rng.normal(0, 10, m)
        idx, dist = nearest(x, y, px, py)
        ref_idx, ref_dist = nearest_by_matrix(x, y, px, py)
        np.testing.assert_array_equal(idx, ref_idx)
        np.testing.assert_allclose(dist, ref_dist, rtol=1e-12)
    assert len(nearest(np.empty(0), np.empty(0), px, py)[0]) == 0


def test_closed_practices_take_no_newcomers_while_others_are_open():
    model = SimModel(small_config(size=20000, years=0.5), 0)
    rule = model.rules["list_management"]
    was_open = rule.open_to_new(model).copy()
    before = model.population.practice.copy()
    model.run()
    pop = model.population
    newcomers = np.flatnonzero((pop.arrive_day >= 0) & (pop.practice >= 0))
    assert len(newcomers) > 0 and was_open.any()
    # every newcomer joined a practice that was open at the start or is listed below its threshold now
    assert newcomers.min() >= len(before)  # newcomers get new indices, appended during the run
    joined = np.unique(pop.practice[newcomers])
    assert (was_open[joined] | (rule.listed(model)[joined] <= rule.threshold(model)[joined] + 1)).all()


def test_gp_ages_start_near_the_danish_mix():
    model = SimModel(small_config(size=59246, years=0.05), 0)
    ages = np.concatenate([p.gp_ages for p in model.practices if p.kind != "region_clinic"])
    assert 49 < ages.mean() < 55
    assert 0.15 < (ages >= 60).mean() < 0.35


@pytest.fixture(scope="module")
def everyone_retires():
    """A run in which every GP retires at the first yearly tick and nobody is replaced."""
    overrides = [
        "+organisation.workforce.retire_probability.30=1.0",
        "organisation.practice_types.solo.recruit_probability=0",
        "organisation.practice_types.partnership.recruit_probability=0",
    ]
    model = SimModel(small_config(overrides, size=5000, years=1.1), 0)
    model.run()
    return model


def test_list_counts_kept_from_the_events_equal_a_full_count(everyone_retires):
    """Births, deaths, migration, shut practices and the region clinic all change the lists; the
    counts kept up to date from those events equal counting every person at the end."""
    model = everyone_retires
    pop = model.population
    kept = pop.listed_counts(len(model.practices)).copy()
    full = np.bincount(pop.practice[pop.alive & (pop.practice >= 0)], minlength=len(model.practices))
    np.testing.assert_array_equal(kept, full)
    assert sum(model.recorder.events[:, k].sum() for k in range(4)) > 50  # people came and went
    # so does the age-band index, kept from the day's events since the last yearly re-derivation
    for b, idx in enumerate(pop.alive_by_band()):
        np.testing.assert_array_equal(idx, np.flatnonzero(pop.alive & (pop.band == b)))
    assert pop.count_alive() == int(pop.alive.sum())
    # and the living with a controlled condition, kept since the tick (the daily records read it)
    (mask,) = [m for m, (version, _) in pop._with_conditions.items() if version == pop.version]
    assert pop.count_alive_with(mask) == int(np.count_nonzero(pop.alive & ((pop.conditions & mask) != 0)))
    # and the controls still waiting, by how late, kept as they are asked for, booked and forgotten
    since = model.controls.overdue_since[: pop.n]
    open_ = (since != NONE) & pop.alive[:, None]
    day = model.calendar.total_days
    full = (int(open_.sum()), int((open_ & (since < day - 60)).sum()))
    assert model.controls.waiting(pop, day, (60,)) == full and full[0] > 0


def test_practices_without_successors_shut_and_the_region_clinic_takes_their_patients(everyone_retires):
    model = everyone_retires
    kinds = [p.kind for p in model.practices]
    working = [p for p in model.practices if not model.diaries.closed[p.index]]
    assert [p.kind for p in working] == ["region_clinic"]
    assert len(model.recorder.shut) == len(kinds) - 1
    pop = model.population
    assert (pop.practice[pop.alive] == working[0].index).mean() > 0.99
    assert working[0].gp_fte >= pop.count_alive() / model.config.organisation.list_size_per_gp


def test_a_retirement_wave_lengthens_waits():
    base = sim.run(small_config(["years=2"], size=59246)).kpis
    short = sim.run(small_config(["scenario=gp_shortage", "years=2"], size=59246)).kpis
    assert _kpi(short, "gp_fte_per_1000") < _kpi(base, "gp_fte_per_1000")
    assert _kpi(short, "routine_wait_days_mean") > _kpi(base, "routine_wait_days_mean")


def test_merging_keeps_the_gps_and_builds_houses_where_their_practices_were():
    base = SimModel(small_config(size=59246, years=0.05), 0)
    houses = SimModel(small_config(["scenario=health_houses"], size=59246, years=0.05), 0)

    def fte(model, kind=None):
        return sum(p.gp_fte for p in model.practices if kind is None or p.kind == kind)

    assert fte(houses) == pytest.approx(fte(base))
    assert fte(houses, "solo") == 0 and fte(houses, "health_house") > fte(base, "solo")
    merged = [p for p in houses.practices if p.kind == "health_house"]
    assert all(p.gp_fte >= 5.0 for p in merged[:-1])  # every house but the last one is full size
    unmerged = {(p.x, p.y) for p in houses.practices if p.kind == "partnership"}
    assert unmerged <= {(p.x, p.y) for p in base.practices}  # the rest stay where they were


def test_continuity_booking_raises_continuity_and_does_not_shorten_waits():
    first = sim.run(small_config(["rules.booking.name=first_available"], size=20000, years=0.2)).kpis
    named = sim.run(small_config(["rules.booking.name=continuity"], size=20000, years=0.2)).kpis
    assert _kpi(named, "continuity_share") > _kpi(first, "continuity_share") + 0.3
    assert _kpi(named, "routine_wait_days_mean") >= _kpi(first, "routine_wait_days_mean")


def test_co_located_home_nursing_shortens_hand_overs():
    model = SimModel(small_config(["scenario=health_houses"], size=30000, years=0.1), 0)
    model.run()
    req = model.recorder.request_table
    kinds = np.array([p.kind for p in model.practices])[req["practice"]]
    home_care = model.population.home_care[req["person"]]
    face = (req["status"] == BOOKED) & (req["channel"] == 0) & (req["role"] == 0) & (req["control"] < 0)

    def minutes(kind, care):
        return float(req["minutes"][face & (kinds == kind) & (home_care == care)].mean())

    org = model.config.organisation
    saving = org.handover_minutes - org.handover_minutes_co_located
    assert minutes("partnership", True) - minutes("partnership", False) == pytest.approx(org.handover_minutes)
    assert minutes("health_house", True) - minutes("health_house", False) == pytest.approx(
        org.handover_minutes_co_located
    )
    assert saving > 0


def test_a_shut_practice_offers_no_more_time_and_the_region_clinic_opens_at_once(everyone_retires):
    model = everyone_retires
    tick = model.calendar.tick_days()[1]
    clinic = next(p.index for p in model.practices if p.kind == "region_clinic")
    days = np.array(model.recorder.diary_days)
    offered = np.stack(model.recorder.diary_offered)  # (days, practices, roles)
    after = days >= tick
    shut = [i for i in model.recorder.shut]
    used = np.stack(model.recorder.diary_used)
    # shut practices keep the contacts already booked, but have no free time after the tick
    assert (offered - used)[after][:, shut].max() < 1e-3
    weekdays = np.array([model.calendar.weekday(int(d)) < 5 for d in days])
    assert (offered[after & weekdays][:, clinic].sum(axis=1) > 0).all()  # the clinic works from day one


def test_gp_cost_counts_the_gps_over_the_measured_period_not_at_its_end() -> None:
    """Declared fix (issue 13): the GP cost is the mean GP FTE over the measured days, so a
    retirement wave in year 2 is charged for the days each GP worked, not as if it had come on day 0."""
    import dataclasses

    from sim.metrics.kpis import compute_kpis
    from sim.metrics.rates import person_years
    from sim.model import SimModel

    config = small_config(["scenario=gp_shortage", "population.dynamics=true"], size=8000, years=1.3)
    org = config.organisation  # every GP of 45 or more retires at the second yearly tick
    workforce = dataclasses.replace(org.workforce, retire_probability={"45": 1.0})
    config = dataclasses.replace(config, organisation=dataclasses.replace(org, workforce=workforce))
    model = SimModel(config, 0)
    model.run()
    kpis = {(m, g): v for m, g, v, _ in compute_kpis(model)}
    window = model.recorder.gp_fte[model.calendar.warmup_days :]
    _, py = person_years(model)
    cost = config.services.costs.gp_fte_per_year * model.calendar.years
    assert window.max() > window.min()  # GPs left during the run
    got = kpis["cost_dkk_per_capita", "general_practice"]
    assert got == pytest.approx(window.mean() * cost / py, rel=1e-9)
    assert got > window[-1] * cost / py  # more than the end-of-run count would charge

"""Verification at the extremes (DESIGN section 8).

Infinite capacity gives zero waits; zero demand gives zero use; utilisation never exceeds
1; fixed durations give known totals; every request and episode is accounted for at the
end; more clinician hours never lengthen the mean routine wait (common random numbers).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from sim.calendar import MINUTES_PER_DAY
from sim.config import SimConfig
from sim.metrics import compute_kpis
from sim.metrics.records import BOOKED, NO_PRACTICE, NO_SHOW, NO_SLOT, NOT_SOUGHT
from sim.model import SimModel
from sim.rules.escalation import ED, OOH, PRACTICE
from sim.services.episode import OUTCOMES
from tests.conftest import FROZEN_POPULATION, NO_AFTERCARE, NO_ESCALATION, single_episode_group, small_config

TYPES = ("solo", "partnership")
HUGE = 100000  # clinical hours per week: more than the practices could ever fill


def hours(role: str, value: float) -> list[str]:
    """Overrides setting ``role``'s clinical hours per week in every baseline practice type."""
    return [f"organisation.practice_types.{t}.{role}_clinical_hours_per_week={value}" for t in TYPES]


def simulate(
    overrides: Sequence[str] = (),
    size: int = 3000,
    years: float = 0.15,
    replication: int = 0,
    edit: Callable[[SimConfig], SimConfig] = lambda c: c,
):
    """Build and run one replication; return the finished model (its recorder is ``model.recorder``)."""
    model = SimModel(edit(small_config(overrides, size=size, years=years)), replication)
    model.run()
    return model


def kpis(model: SimModel) -> dict[tuple[str, str], float]:
    return {(m, g): v for m, g, v, _ in compute_kpis(model)}


def end_minute(model: SimModel) -> float:
    return model.calendar.total_days * MINUTES_PER_DAY


# ------------------------------------------------------------------ infinite capacity
@pytest.fixture(scope="module")
def infinite():
    over = [*hours("gp", HUGE), *hours("nurse", HUGE), "services.hospital.ed.infinite=true"]
    return simulate(over, size=6000, years=0.2)


def test_infinite_practice_capacity_gives_zero_waits(infinite):
    k = kpis(infinite)
    assert k["routine_wait_days_mean", "all"] == 0.0
    assert k["routine_wait_days_p90", "all"] == 0.0
    assert k["requests_unmet", "no_slot"] == 0.0
    assert k["requests_unmet", "all"] == 0.0
    assert k["same_day_share", "all"] == 1.0
    req = infinite.recorder.request_table
    booked = req["status"] == BOOKED
    routine = booked & ~req["same_day"]
    assert routine.sum() > 1000  # not vacuous: many routine requests were booked
    assert (req["offset"][booked] == 0).all()


def test_infinite_ed_gives_zero_ed_waits(infinite):
    k = kpis(infinite)
    assert k["ed_visits_per_1000", "all"] > 0
    assert k["ed_wait_minutes_mean", "all"] == 0.0
    rec = infinite.hospital.ed.records()
    assert len(rec["arrive"]) > 20
    np.testing.assert_array_equal(rec["start"], rec["arrive"])
    ep = infinite.recorder.episode_table()
    seen = ~np.isnan(ep["ed_arrive"])
    np.testing.assert_array_equal(ep["ed_start"][seen], ep["ed_arrive"][seen])


def test_a_congested_ed_does_wait():
    """Control for the test above: the same check sees waits when the ED is short of servers."""
    model = simulate(["services.hospital.ed.servers=1", "services.hospital.ed.service.mean=1500"])
    rec = model.hospital.ed.records()
    started = ~np.isnan(rec["start"])
    assert (rec["start"][started] > rec["arrive"][started]).any()
    assert kpis(model)["ed_wait_minutes_mean", "all"] > 0


# ------------------------------------------------------------------ zero demand
def test_zero_demand_gives_zero_use():
    zero = "{0-64:0,65-79:0,80+:0}"
    model = simulate([f"demand.contacts_per_year={zero}"], edit=lambda c: single_episode_group(c, None))
    k = kpis(model)
    rec = model.recorder
    assert len(rec.episodes) == 0
    assert len(rec.request_table.get("day", [])) == 0
    assert len(model.hospital.ed.records()["arrive"]) == 0
    assert np.sum(rec.diary_offered) > 0  # capacity is on offer ...
    # ... and none of it is used (the diary derives use as offered - free, hence round-off)
    assert np.max(rec.diary_used) < 1e-9
    for group in ("gp", "nurse", *TYPES):
        assert k["utilisation", group] == pytest.approx(0.0, abs=1e-12)
    for role in ("gp", "nurse"):
        assert k["contacts_supplied", role] == 0.0
    for group in ("all", "0-64", "65-79", "80+"):
        assert k["gp_contacts_per_person_year", group] == 0.0
    assert k["admissions_per_1000_65plus", "all"] == 0.0
    assert k["avoidable_admissions_per_1000_65plus", "all"] == 0.0
    assert k["bed_days_per_1000_65plus", "all"] == 0.0
    assert k["ed_visits_per_1000", "all"] == 0.0
    assert k["requests_unmet", "all"] == 0.0


# ------------------------------------------------------------------ utilisation <= 1
def test_utilisation_never_exceeds_one_under_heavy_overload():
    base = small_config()
    over = [
        f"organisation.practice_types.{t}.{role}_clinical_hours_per_week="
        f"{getattr(base.organisation.practice_types[t], f'{role}_clinical_hours_per_week') / 10}"
        for t in TYPES
        for role in ("gp", "nurse")
    ]
    model = simulate(over)
    rec = model.recorder
    offered = np.stack(rec.diary_offered).astype(float)  # (days, practices, roles)
    used = np.stack(rec.diary_used).astype(float)
    assert (used >= 0).all()
    assert (used <= offered + 1e-3).all()
    # the future days left in the diaries at the end obey the same bound
    future_used = model.diaries.offered - model.diaries.routine - model.diaries.same_day
    assert (future_used <= model.diaries.offered + 1e-6).all()
    assert (model.diaries.routine >= 0).all() and (model.diaries.same_day >= 0).all()

    k = kpis(model)
    # the overload is real: the diaries are nearly full (short of fragments smaller than a
    # contact) and more requests find no slot than are served
    assert k["utilisation", "gp"] > 0.75
    assert k["requests_unmet", "no_slot"] > k["contacts_supplied", "gp"]
    for group in ("gp", "nurse", *TYPES):
        assert 0.0 <= k["utilisation", group] <= 1.0 + 1e-9


# ------------------------------------------------------------------ fixed durations
def test_fixed_ed_time_with_infinite_servers_gives_known_sojourns():
    mean = 200.0
    model = simulate(
        [
            "rules.escalation.name=ed_only",
            "services.hospital.ed.infinite=true",
            "services.hospital.ed.service.dist=fixed",
            f"services.hospital.ed.service.mean={mean}",
            *NO_AFTERCARE,
            *NO_ESCALATION,
        ]
    )
    rec = model.hospital.ed.records()
    done = ~np.isnan(rec["end"])
    assert done.sum() > 20
    np.testing.assert_array_equal(rec["start"], rec["arrive"])
    np.testing.assert_allclose(rec["end"][done] - rec["arrive"][done], mean, rtol=0, atol=1e-9)
    # total ED time is known: completed visits x the fixed time
    np.testing.assert_allclose(np.sum(rec["end"][done] - rec["start"][done]), done.sum() * mean)

    # with ed_only every episode arrives at its onset, and is still open at the end exactly
    # when its onset lies within one service time of the end
    ep = model.recorder.episode_table()
    assert (ep["route"] == ED).all()
    end = end_minute(model)
    is_open = ep["outcome"] == "open"
    np.testing.assert_array_equal(is_open, ep["onset"] + mean > end)
    np.testing.assert_array_equal(ep["ed_arrive"][~is_open], ep["onset"][~is_open])
    np.testing.assert_allclose(ep["ed_end"][~is_open] - ep["onset"][~is_open], mean, atol=1e-9)
    assert len(ep["onset"]) == len(rec["arrive"])


def test_fixed_ed_time_with_one_server_follows_the_lindley_recursion():
    mean = 1000.0
    model = simulate(
        [
            "rules.escalation.name=ed_only",
            "services.hospital.ed.servers=1",
            "services.hospital.ed.service.dist=fixed",
            f"services.hospital.ed.service.mean={mean}",
            *NO_AFTERCARE,
            *NO_ESCALATION,
        ]
    )
    rec = model.hospital.ed.records()
    arrive, start, end = rec["arrive"], rec["start"], rec["end"]
    assert (np.diff(arrive) >= 0).all()
    started = ~np.isnan(start)
    # D/1 FIFO: start_i = max(arrive_i, end_{i-1}), end_i = start_i + service
    expected_start = np.empty(len(arrive))
    free_at = -math.inf
    for i, a in enumerate(arrive):
        expected_start[i] = max(a, free_at)
        free_at = expected_start[i] + mean
    np.testing.assert_allclose(start[started], expected_start[started], atol=1e-6)
    np.testing.assert_array_equal(started, expected_start < end_minute(model))
    done = ~np.isnan(end)
    np.testing.assert_allclose(end[done] - start[done], mean, atol=1e-9)
    assert (start[started] > arrive[started]).sum() > 5  # there was a queue


def test_diary_minutes_used_equal_the_minutes_of_the_contacts_given():
    """Every contact takes a fixed number of minutes (by role and channel), so the minutes
    used over all diary days, closed and still ahead, are known exactly. A cold start: the warm
    start's silent pre-run books days ahead without recording its requests; no warm-up, whose
    requests are counted per day but not kept as rows."""
    solo_hours = "organisation.practice_types.solo.gp_clinical_hours_per_week=20"
    model = simulate([solo_hours, "warm_start_days=0", "warmup_days=0"])
    rec = model.recorder
    req = rec.request_table
    booked = np.isin(req["status"], (BOOKED, NO_SHOW))  # a missed appointment still takes the time
    d = model.diaries
    future = (d.offered - d.routine - d.same_day)[:, :, 1:].sum()  # days after the last one
    used = np.sum(rec.diary_used, dtype=float) + future
    ep = rec.episode_table()
    at_practice = ep["route"] == PRACTICE
    taken = sum(model.practices[p].spec.diary.gp_minutes.in_person for p in ep["practice"][at_practice])
    assert at_practice.sum() > 0 and booked.sum() > 0
    np.testing.assert_allclose(used, req["minutes"][booked].sum(dtype=float) + taken, rtol=1e-6)


# ------------------------------------------------------------------ accounting
@pytest.fixture(scope="module")
def accounted():
    """A run in which every request status and episode outcome occurs: some residents are
    unlisted, 10% of needs are not taken to the practice, GP time is short and the ED is
    overloaded (one place, 50 hours a visit), so that episodes are still in it at the end."""
    config = small_config(
        [
            "+rules.care_seeking.params.seek_probability=0.9",
            *hours("gp", 22),
            "services.hospital.ed.servers=1",
            "services.hospital.ed.service.mean=3000",
            *FROZEN_POPULATION,  # the test replays the demand stream on the final population
            "warmup_days=0",  # requests of a warm-up are counted per day, not kept as rows
        ],
        size=4000,
        years=0.2,
    )
    model = SimModel(config, 0)
    alive = np.flatnonzero(model.population.alive)
    unlisted = np.random.default_rng(7).choice(alive, size=len(alive) // 20, replace=False)
    model.population.list_with(unlisted, -1)
    model.run()
    return model


def test_every_request_is_accounted_for(accounted):
    model = accounted
    req = model.recorder.request_table
    status = req["status"]
    # every need that arose ends in exactly one status, or is still put off at the end
    generated = int(model.recorder.needs.sum()) - model.needs_put_off()
    # this rule puts nothing off, so each day's requests are exactly that day's needs
    per_day = np.bincount(req["day"], minlength=model.calendar.total_days)
    np.testing.assert_array_equal(per_day, model.recorder.needs)
    assert len(status) == generated
    statuses = (BOOKED, NO_SLOT, NO_PRACTICE, NOT_SOUGHT, NO_SHOW)
    counts = {s: int(np.count_nonzero(status == s)) for s in statuses}
    assert all(c > 0 for c in counts.values()), counts
    assert sum(counts.values()) == generated
    booked = np.isin(status, (BOOKED, NO_SHOW))
    assert (req["offset"][booked] >= 0).all() and (req["role"][booked] >= 0).all()
    assert (req["offset"][~booked] == -1).all()
    assert (req["role"][(status == NO_PRACTICE) | (status == NOT_SOUGHT)] == -1).all()
    assert (req["practice"][status == NO_PRACTICE] == -1).all()
    assert (req["practice"][booked | (status == NO_SLOT)] >= 0).all()

    # the KPIs count the same requests over the measured days
    k = kpis(model)
    cal = model.calendar
    window = (req["day"] >= cal.warmup_days) & (req["day"] < cal.total_days)
    years = cal.years
    assert k["requests_unmet", "no_slot"] * years == pytest.approx(
        np.count_nonzero(window & (status == NO_SLOT))
    )
    assert k["requests_unmet", "no_practice"] * years == pytest.approx(
        np.count_nonzero(window & (status == NO_PRACTICE))
    )
    supplied = (k["contacts_supplied", "gp"] + k["contacts_supplied", "nurse"]) * years
    # no-shows are not contacts
    assert supplied == pytest.approx(np.count_nonzero(window & (status == BOOKED)))


def test_every_episode_has_exactly_one_outcome(accounted):
    model = accounted
    eps = model.recorder.episodes
    # ids are given in order of generation: every generated episode is recorded, once
    first = [e.id for e in eps if e.readmission_of < 0]
    assert first == list(range(len(first)))
    ep = model.recorder.episode_table()
    out = ep["outcome"]
    assert set(out) <= set(OUTCOMES)
    counts = {o: int(np.count_nonzero(out == o)) for o in OUTCOMES}
    # no one dies in this frozen population; treatment at home is covered in test_acute_pathway
    assert all(counts[o] > 0 for o in ("primary_care", "ed_discharged", "admitted", "open")), counts
    assert sum(counts.values()) == len(eps)

    finite = np.isfinite
    pc = out == "primary_care"
    assert np.isin(ep["route"][pc], (PRACTICE, OOH)).all() and np.isnan(ep["ed_arrive"][pc]).all()
    home = out == "ed_discharged"
    assert finite(ep["ed_end"][home]).all() and np.isnan(ep["admit_time"][home]).all()
    adm = out == "admitted"
    # SimPy's clock reaches the ED's end as now + (end - now): equal up to rounding (1e-11 minutes)
    assert finite(ep["ed_end"][adm]).all() and (ep["admit_time"][adm] >= ep["ed_end"][adm] - 1e-6).all()
    still_in_bed = adm & np.isnan(ep["discharge_time"])
    assert model.hospital.in_bed == still_in_bed.sum()
    assert (ep["discharge_time"][adm & ~still_in_bed] > ep["admit_time"][adm & ~still_in_bed]).all()

    # open episodes are in the ED (queue or treatment) or still on their way: with the
    # out-of-hours GP, the acute team, or in transit from a GP
    is_open = out == "open"
    assert np.isnan(ep["ed_end"][is_open]).all()
    ed = model.hospital.ed.records()
    of_episode = ed["kind"] == 0  # the other ED visits are unmet same-day requests
    in_ed = int((np.isnan(ed["end"]) & of_episode).sum())
    assert np.count_nonzero(is_open & finite(ep["ed_arrive"])) == in_ed
    on_the_way = is_open & ~finite(ep["ed_arrive"])
    assert all(path and not path.endswith("ed") for path in ep["path"][on_the_way])
    # every episode's ED record belongs to exactly one episode, finished or still in the ED
    assert of_episode.sum() == np.count_nonzero(finite(ep["ed_arrive"]))


def test_every_day_is_closed_once(accounted):
    rec = accounted.recorder
    assert rec.diary_days == list(range(accounted.calendar.total_days))


def test_booked_contacts_after_the_end_are_still_open(accounted):
    """Contacts booked for a day after the last simulated day are 'still open': they hold
    exactly the diary time used on the days still ahead."""
    model = accounted
    req = model.recorder.request_table
    end_day = model.calendar.total_days
    booked = np.isin(req["status"], (BOOKED, NO_SHOW))
    seen_on = req["day"] + req["offset"]
    still_open = booked & (seen_on >= end_day)
    assert still_open.sum() > 0
    horizon = model.diaries.horizon
    assert (req["offset"][still_open] >= 1).all()
    assert (seen_on[still_open] <= end_day - 1 + horizon).all()

    d = model.diaries
    ahead = (d.offered - d.routine - d.same_day)[:, :, 1:]  # used minutes on days end_day..
    ahead_by_group = ahead.sum(axis=2)
    open_minutes = np.zeros(ahead_by_group.shape)
    where = (req["practice"][still_open], req["role"][still_open])
    np.add.at(open_minutes, where, req["minutes"][still_open])
    # a practice and role has contacts still open exactly when it has time booked ahead
    np.testing.assert_array_equal(open_minutes > 0, ahead_by_group > 1e-9)
    # time ahead is part of the still-open contacts (a contact's early minutes may fall before the end)
    assert (ahead_by_group <= open_minutes + 1e-6).all()
    # and the rest of their minutes lie in the last days before the end
    straddle = open_minutes - ahead_by_group
    assert (straddle >= -1e-6).all()
    assert straddle.sum() < 0.2 * open_minutes.sum()


def test_population_is_counted_at_the_end_of_the_run():
    """The end-of-run population snapshot feeds the population KPIs and every per-person rate."""
    model = simulate(size=3000, years=1.1)
    counts = model.recorder.population_counts
    assert counts[-1].day == model.calendar.total_days
    assert kpis(model)["population", "all"] == model.population.count_alive()


# ------------------------------------------------------------------ monotone in capacity
@pytest.mark.parametrize(
    ("role", "levels"),
    [("gp", (26, 32, 48)), ("nurse", (15, 30, 60))],
)
def test_more_clinician_hours_never_lengthen_the_mean_routine_wait(role, levels):
    waits = []
    for h in levels:
        model = simulate(hours(role, h), size=4000, years=0.2)
        waits.append(kpis(model)["routine_wait_days_mean", "all"])
    assert all(not math.isnan(w) for w in waits)
    shown = dict(zip(levels, waits, strict=True))
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(waits)), shown
    assert waits[-1] < waits[0]  # the levels span a real change


def test_short_gp_time_raises_overdue_controls_and_their_deteriorations():
    """The access link: when GP time is short, controls fall overdue, cover lapses and the
    deteriorations they guard against become more frequent (with common random numbers)."""
    link = [
        "demand.chronic_care.hazard_coefficient=3.0",
        "demand.chronic_care.window_days=60",
        "demand.overdue_grace_days=0",
    ]
    short = simulate([*link, *hours("gp", 8), *hours("nurse", 5)], size=6000, years=0.5)
    ample = simulate([*link, *hours("gp", 60), *hours("nurse", 60)], size=6000, years=0.5)

    def late_controls(model):
        req = model.recorder.request_table
        booked = (req["control"] >= 0) & (req["status"] == BOOKED)
        return float(np.mean(req["day"][booked] + req["offset"][booked] - req["need_day"][booked]))

    def linked_episodes(model):
        names = model.group_names
        linked = [i for i, n in enumerate(names) if model.config.demand.episode_groups[n].control]
        return sum(1 for e in model.recorder.episodes if e.group in linked)

    assert late_controls(short) > late_controls(ample) + 1
    assert linked_episodes(short) > linked_episodes(ample)

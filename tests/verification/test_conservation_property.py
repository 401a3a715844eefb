"""Conservation over random small configurations (DESIGN section 8), property-based.

For configurations drawn by hypothesis (population size, horizon, warm-up, warm start, seed,
scenario, the care-seeking rule, demand and organisation parameters inside their ranges, beds),
one replication is run and its records are accounted for:

- every need that arose is a request record or is still put off at the end, and every request
  ends in exactly one state: seen, booked for a day after the end, missed (no-show), unmet and
  taken to out-of-hours care or the ED, unmet, or not sought; each state agrees with the columns
  that describe it (day offset, role, practice, escalation);
- the unmet same-day requests taken elsewhere arrive at the ED or the out-of-hours GP, once each;
- every episode ends in exactly one outcome (``sim.services.episode.OUTCOMES``) that agrees with
  its times and the services it passed; every ED visit of an episode belongs to one episode,
  the patients in bed are the admitted ones not yet discharged, and every readmission follows
  one discharge of the same person within 30 days;
- the KPIs that count requests and episodes agree with the records.

``tests/verification/test_extremes.py`` and ``test_acute_pathway.py`` check the same for one
fixed configuration each; here the checks are functions applied to any finished model.
6 configurations in CI, 40 with ``SIM_FULL=1``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sim.acute_links import ED_MINOR
from sim.calendar import MINUTES_PER_DAY
from sim.demand.needs import FORGONE
from sim.metrics import compute_kpis
from sim.metrics.rates import person_years
from sim.metrics.records import BOOKED, NO_PRACTICE, NO_SHOW, NO_SLOT, NOT_SOUGHT, REQUEST_DAY_COLUMNS
from sim.model import SimModel
from sim.services.diary import ROLES
from sim.services.episode import OUTCOMES
from sim.services.hospital import READMISSION_DAYS, READMISSION_IDS
from sim.services.ooh import ESCALATED
from sim.services.queue import Servers
from tests.conftest import small_config

FULL = os.environ.get("SIM_FULL") == "1"
SCENARIOS = ("baseline", "health_houses", "health_houses_plus", "acute_function")
STATUSES = (BOOKED, NO_SLOT, NO_PRACTICE, NOT_SOUGHT, NO_SHOW)
REQUEST_STATES = ("seen", "booked_after_end", "no_show", "unmet_escalated", "unmet", "not_sought")
CARE_SEEKING = {
    "all": (),
    "most": ("+rules.care_seeking.params.seek_probability=0.9",),
    "delayed": ("rules.care_seeking.name=frail_alone_delay", "+rules.care_seeking.params.delay_share=0.9"),
}


def kpi_table(model: SimModel) -> dict[tuple[str, str], float]:
    return {(m, g): v for m, g, v, _ in compute_kpis(model)}


def _queued(servers: Servers, kind: int) -> int:
    """Customers of ``kind`` placed in ``servers`` or still scheduled to arrive after the end."""
    placed = int(np.count_nonzero(np.asarray(servers.kind) == kind))
    return placed + sum(1 for pending in servers._pending if pending[3] == kind)


# ------------------------------------------------------------------ requests
def request_states(model: SimModel) -> dict[str, np.ndarray]:
    """The terminal state of each request record, one boolean mask per state."""
    req = model.recorder.request_table
    status = req["status"]
    booked = status == BOOKED
    after_end = req["day"].astype(np.int64) + req["offset"] >= model.calendar.total_days
    unmet = np.isin(status, (NO_SLOT, NO_PRACTICE))
    escalated = req["escalated"].astype(bool)
    return {
        "seen": booked & ~after_end,
        "booked_after_end": booked & after_end,
        "no_show": status == NO_SHOW,
        "unmet_escalated": unmet & escalated,
        "unmet": unmet & ~escalated,
        "not_sought": status == NOT_SOUGHT,
    }


def check_requests(model: SimModel) -> dict[str, int]:
    """Every need is accounted for and every request ends in exactly one state; returns the
    count of each state (and of needs still put off)."""
    rec, cal = model.recorder, model.calendar
    req = rec.request_table
    put_off = model.needs_put_off()
    n = len(req["status"]) if req else 0
    # every need that arose is a request or still put off at the end; requests of the warm-up are
    # counted per day, those of the measured days are also a row each
    days = dict(zip(REQUEST_DAY_COLUMNS, rec.request_days.T, strict=True))
    per_day = days["requests"]
    assert int(rec.needs.sum()) == int(per_day.sum()) + put_off, (
        int(rec.needs.sum()),
        per_day.sum(),
        put_off,
    )
    assert n == int(per_day[cal.warmup_days :].sum())
    # a request is made on or after the day its need arose, never before
    assert (np.cumsum(per_day) <= np.cumsum(rec.needs)).all()
    if model.config.rules.care_seeking.name == "default":  # nothing is put off: each day's own needs
        assert put_off == 0
        np.testing.assert_array_equal(per_day, rec.needs)
    # each escalated request arrives once at the ED or the out-of-hours GP (placed, or still due)
    arrivals = _queued(model.hospital.ed.queue, ED_MINOR) + _queued(model.ooh.triage.queue, ESCALATED)
    assert arrivals == int(days["escalated"].sum())
    if n == 0:
        return {"put_off": put_off}
    status, offset, day = req["status"], req["offset"].astype(np.int64), req["day"].astype(np.int64)
    assert set(np.unique(status).tolist()) <= set(STATUSES)
    assert (np.diff(day) >= 0).all()  # recorded day by day
    assert day[0] >= cal.warmup_days  # rows only of the measured days
    np.testing.assert_array_equal(
        np.bincount(day, minlength=cal.total_days)[cal.warmup_days :], per_day[cal.warmup_days :]
    )

    states = request_states(model)
    assert set(states) == set(REQUEST_STATES)
    how_many = np.sum([m.astype(np.int64) for m in states.values()], axis=0)
    np.testing.assert_array_equal(how_many, 1)  # exactly one state each
    counts = {s: int(m.sum()) for s, m in states.items()}
    assert sum(counts.values()) == n

    # each state agrees with the columns that describe it
    booked = np.isin(status, (BOOKED, NO_SHOW))
    assert (offset[booked] >= 0).all() and (offset[booked] <= model.diaries.horizon).all()
    assert (req["role"][booked] >= 0).all() and (req["practice"][booked] >= 0).all()
    assert (req["minutes"][booked] > 0).all()
    assert (offset[~booked] == -1).all()
    no_practice, not_sought = status == NO_PRACTICE, status == NOT_SOUGHT
    assert (req["practice"][no_practice] == -1).all()
    assert (req["practice"][status == NO_SLOT] >= 0).all()
    assert (req["role"][no_practice | not_sought] == -1).all()
    forgone = req["need_day"] == FORGONE
    np.testing.assert_array_equal(not_sought, forgone)
    assert (req["need_day"][~forgone] <= day[~forgone]).all()
    escalated = req["escalated"].astype(bool)
    unmet = np.isin(status, (NO_SLOT, NO_PRACTICE))
    assert not (escalated & ~(unmet & req["same_day"].astype(bool))).any()
    # the daily counts agree with the rows of the measured days
    measured = slice(cal.warmup_days, cal.total_days)
    for name, rows in (("unmet", unmet), ("escalated", escalated)):
        counted = np.bincount(day[rows], minlength=cal.total_days)[measured]
        np.testing.assert_array_equal(counted, days[name][measured])

    # the KPIs count the same requests over the measured days
    k = kpi_table(model)
    window = (day >= cal.warmup_days) & (day < cal.total_days)
    years = cal.years
    for name, code in (("no_slot", NO_SLOT), ("no_practice", NO_PRACTICE)):
        assert k["requests_unmet", name] * years == pytest.approx(np.count_nonzero(window & (status == code)))
    assert k["requests_unmet", "all"] * years == pytest.approx(np.count_nonzero(window & unmet))
    for r, role in enumerate(ROLES):  # no-shows are not contacts supplied
        supplied = np.count_nonzero(window & (status == BOOKED) & (req["role"] == r))
        assert k["contacts_supplied", role] * years == pytest.approx(supplied)
    return {**counts, "put_off": put_off}


# ------------------------------------------------------------------ episodes
def check_episodes(model: SimModel) -> dict[str, int]:
    """Every episode ends in exactly one outcome that agrees with its records; returns the count
    of each outcome."""
    eps = model.recorder.episodes
    n = len(eps)
    first = [e.id for e in eps if e.readmission_of < 0]
    again = [e.id for e in eps if e.readmission_of >= 0]
    # every generated episode is recorded once, in order of generation; readmissions apart
    assert first == list(range(len(first)))
    assert again == list(range(READMISSION_IDS, READMISSION_IDS + len(again)))
    if n == 0:
        return dict.fromkeys(OUTCOMES, 0)
    ep = model.recorder.episode_table()
    end = model.calendar.total_days * MINUTES_PER_DAY
    out = ep["outcome"]
    assert set(out.tolist()) <= set(OUTCOMES)
    counts = {o: int(np.count_nonzero(out == o)) for o in OUTCOMES}
    assert sum(counts.values()) == n

    finite, nan = np.isfinite, np.isnan
    onset, end_time = ep["onset"], ep["end_time"]
    assert ((onset >= 0) & (onset < end)).all()
    is_open = out == "open"
    assert nan(end_time[is_open]).all() and finite(end_time[~is_open]).all()
    assert (end_time[~is_open] >= onset[~is_open]).all() and (end_time[~is_open] <= end).all()
    in_ed = ep["ed_visit"] >= 0
    path = ep["path"]

    home = out == "home"
    assert all(p.endswith("acute") for p in path[home])
    assert not in_ed[home].any() and (ep["team_visit"][home] >= 0).all()
    pc = out == "primary_care"
    assert np.isin(ep["route"][pc], ("practice", "ooh")).all() and not in_ed[pc].any()
    discharged_home = out == "ed_discharged"
    assert in_ed[discharged_home].all() and finite(ep["ed_end"][discharged_home]).all()
    assert nan(ep["admit_time"][discharged_home]).all()
    adm = out == "admitted"
    assert in_ed[adm].all() and finite(ep["admit_time"][adm]).all()
    assert (ep["admit_time"][adm] == end_time[adm]).all()
    # admitted when the ED visit ends (the clock gets there by a timeout: rounding only)
    np.testing.assert_allclose(ep["ed_end"][adm], ep["admit_time"][adm], rtol=0, atol=1e-6)
    left = adm & finite(ep["discharge_time"])
    assert (ep["discharge_time"][left] >= ep["bed_time"][left]).all()
    assert (ep["bed_time"][left] >= ep["admit_time"][left]).all()
    died = out == "died"
    assert not model.population.alive[ep["person"][died].astype(int)].any()
    assert nan(ep["admit_time"][is_open]).all()

    # the ED: each visit of an episode belongs to one episode; it is unfinished exactly when
    # the episode is still open there
    ed = model.hospital.ed.records()
    visits = ep["ed_visit"][in_ed].astype(int)
    assert len(np.unique(visits)) == len(visits)
    assert (ed["kind"][visits] == 0).all() and np.count_nonzero(ed["kind"] == 0) == len(visits)
    np.testing.assert_array_equal(nan(ep["ed_end"][in_ed]), is_open[in_ed])
    np.testing.assert_array_equal(finite(ep["ed_arrive"]), in_ed)
    # in bed now: admitted, given a bed before the end, not discharged
    in_bed = adm & nan(ep["discharge_time"]) & (ep["bed_time"] < end)
    assert model.hospital.in_bed == int(in_bed.sum())

    # every readmission follows one discharge of the same person, within 30 days
    index = {int(i): k for k, i in enumerate(ep["id"])}
    parents = ep["readmission_of"][ep["readmission_of"] >= 0].astype(int)
    assert len(np.unique(parents)) == len(parents)
    for k in np.flatnonzero(ep["readmission_of"] >= 0):
        p = index[int(ep["readmission_of"][k])]
        assert out[p] == "admitted" and ep["person"][p] == ep["person"][k]
        assert 0 <= onset[k] - ep["discharge_time"][p] <= READMISSION_DAYS * MINUTES_PER_DAY
        assert ep["route"][k] == "ed"

    # the KPIs count the same episodes: first episodes with onset in the measured period
    k = kpi_table(model)
    lo = model.calendar.warmup_days * MINUTES_PER_DAY
    sel = (onset >= lo) & (onset < end) & (ep["readmission_of"] < 0)
    if sel.any():
        for o in OUTCOMES:
            share = k["episode_outcome_share", o]
            assert share * sel.sum() == pytest.approx(np.count_nonzero(sel & (out == o)))
        assert sum(k["episode_outcome_share", o] for o in OUTCOMES) == pytest.approx(1.0)
        for route in ("practice", "ooh", "acute", "ed"):
            share = k["episode_first_route_share", route]
            assert share * sel.sum() == pytest.approx(np.count_nonzero(sel & (ep["route"] == route)))
    py_band, _ = person_years(model)
    admitted_old = (ep["admit_time"] >= lo) & (ep["admit_time"] < end) & (ep["band"] >= 1)
    assert k["admissions_per_1000_65plus", "all"] * (py_band[1] + py_band[2]) / 1000 == pytest.approx(
        np.count_nonzero(admitted_old)
    )
    return counts


# ------------------------------------------------------------------ random configurations
@st.composite
def small_configs(draw: st.DrawFn) -> tuple[list[str], int, float]:
    """(overrides, population size, years) of a random small configuration."""
    size = draw(st.integers(1500, 4000), label="size")
    years = draw(st.integers(50, 150), label="years_x1000") / 1000
    overrides = [
        f"seed={draw(st.integers(0, 10**6), label='seed')}",
        f"scenario={draw(st.sampled_from(SCENARIOS), label='scenario')}",
        f"warmup_days={draw(st.integers(0, 14), label='warmup_days')}",
        f"warm_start_days={draw(st.sampled_from([0, 30]), label='warm_start_days')}",
        f"demand.same_day_share={draw(st.integers(10, 60)) / 100}",
        f"demand.nurse_eligible_share={draw(st.integers(0, 50)) / 100}",
        f"demand.unmet_same_day_to_acute_share={draw(st.integers(0, 100)) / 100}",
        f"organisation.list_size_per_gp={draw(st.integers(1200, 2000))}",
        f"services.hospital.beds={draw(st.sampled_from([0, 1, 3]))}",
        f"services.acute_function.treat_at_home_default={draw(st.integers(0, 40)) / 100}",
        *CARE_SEEKING[draw(st.sampled_from(sorted(CARE_SEEKING)), label="care_seeking")],
    ]
    return overrides, size, years


def run_and_check(overrides: Sequence[str], size: int, years: float) -> tuple[dict, dict]:
    model = SimModel(small_config(overrides, size=size, years=years), 0)
    model.run()
    return check_requests(model), check_episodes(model)


@settings(
    max_examples=40 if FULL else 6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(drawn=small_configs())
@example(  # short of GPs and beds, needs put off: every request state and most outcomes occur
    drawn=(
        [
            "seed=7",
            "scenario=health_houses_plus",
            "warmup_days=7",
            "warm_start_days=30",
            "organisation.list_size_per_gp=2000",
            "demand.unmet_same_day_to_acute_share=1.0",
            "services.hospital.beds=1",
            "services.acute_function.treat_at_home_default=0.4",
            *CARE_SEEKING["delayed"],
        ],
        4000,
        0.15,
    )
)
def test_every_need_and_every_episode_ends_in_exactly_one_state(drawn: tuple[list[str], int, float]) -> None:
    overrides, size, years = drawn
    run_and_check(overrides, size, years)


def test_the_fixed_example_reaches_the_states() -> None:
    """The checks have something to check: in a short, crowded run most states occur."""
    requests, episodes = run_and_check(
        [
            "seed=7",
            "scenario=baseline",
            "warmup_days=7",
            "organisation.list_size_per_gp=2000",
            "organisation.practice_types.solo.gp_clinical_hours_per_week=20",
            "organisation.practice_types.partnership.gp_clinical_hours_per_week=20",
            "demand.unmet_same_day_to_acute_share=1.0",
            "services.hospital.beds=1",
            "services.ooh.escalated_to_ed_share=0",
            "services.hospital.ed.servers=1",  # one ED place, 33 hours a visit: some still there
            "services.hospital.ed.service.mean=2000",
            "services.acute_function.treat_at_home_default=0.4",
            *CARE_SEEKING["delayed"],
            "+rules.care_seeking.params.forgo_share=0.5",
        ],
        4000,
        0.15,
    )
    assert all(requests[s] > 0 for s in REQUEST_STATES), requests
    assert all(episodes[o] > 0 for o in ("home", "primary_care", "ed_discharged", "admitted", "open")), (
        episodes
    )

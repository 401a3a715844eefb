"""The acute pathway: outcomes accounted for, the acute team's capacity, queueing theory.

- every episode ends in exactly one outcome and the counts add up (DESIGN section 8);
- with common random numbers a larger or faster acute team never raises avoidable admissions;
- with no acute-team nurses every episode that used the team goes elsewhere;
- the acute team set up as M/M/c (24-hour shifts, no travel, exponential visits, every
  episode straight to the team) reproduces the Erlang C waiting time;
- after-discharge follow-up lowers readmissions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY
from sim.model import SimModel
from sim.services.episode import OUTCOMES
from sim.services.ooh import EPISODE
from tests.conftest import FROZEN_POPULATION, NO_AFTERCARE, NO_ESCALATION, single_episode_group, small_config
from tests.validation.test_queueing import erlang_c

BANDS0 = "{0-64:0,65-79:0,80+:0}"


def run(
    overrides: Sequence[str] = (), replication: int = 0, size: int = 20_000, years: float = 0.25
) -> SimModel:
    model = SimModel(small_config(overrides, size=size, years=years), replication)
    model.run()
    return model


def avoidable_admitted(model: SimModel) -> set[int]:
    """Ids of episodes of people 65+ in an avoidable group that were admitted."""
    ep = model.recorder.episode_table()
    avoidable = np.array([g.avoidable for g in model.episode_groups])
    sel = np.isfinite(ep["admit_time"]) & (ep["band"] >= 1) & avoidable[ep["group"].astype(int)]
    return set(ep["id"][sel].tolist())


# ------------------------------------------------------------------ accounting
@pytest.fixture(scope="module")
def pathway() -> SimModel:
    """A default run at 20,000 people with a busy acute team, so that every outcome occurs."""
    return run(["services.acute_function.treat_at_home_default=0.2"], years=0.3)


def test_out_of_hours_patients_left_at_closing_turn_to_the_day_services(pathway):
    """An out-of-hours patient whose clinic closes before the consultation (triaged just
    before 08:00) turns to the own practice or goes on, instead of waiting until 16:00."""
    for station in (pathway.ooh.clinic, pathway.ooh.cars):
        rec = station.queue.records()
        mine = rec["kind"] == EPISODE
        assert mine.sum() > 10
        assert np.nanmax(rec["start"][mine] - rec["arrive"][mine]) < 6 * 60  # never waits till 16:00
    ep = pathway.recorder.episode_table()
    turned = np.array([p.startswith("ooh>practice") for p in ep["path"]])
    hour = ep["onset"][turned] % MINUTES_PER_DAY / 60
    assert np.all((hour > 6) & (hour < 8))


def test_every_episode_ends_in_exactly_one_outcome(pathway):
    ep = pathway.recorder.episode_table()
    out = ep["outcome"]
    counts = {o: int(np.count_nonzero(out == o)) for o in OUTCOMES}
    assert sum(counts.values()) == len(out)
    assert all(counts[o] > 0 for o in ("home", "primary_care", "ed_discharged", "admitted")), counts
    finite = np.isfinite
    # each outcome is consistent with where the episode went
    home = out == "home"
    assert all(p.endswith("acute") for p in ep["path"][home]) and not finite(ep["ed_arrive"][home]).any()
    pc = out == "primary_care"
    assert all(p in ("practice", "ooh") for p in ep["path"][pc])
    discharged = out == "ed_discharged"
    assert finite(ep["ed_end"][discharged]).all() and not finite(ep["admit_time"][discharged]).any()
    admitted = out == "admitted"
    assert finite(ep["admit_time"][admitted]).all()
    died = out == "died"
    assert not pathway.population.alive[ep["person"][died].astype(int)].any()
    is_open = out == "open"
    assert np.isnan(ep["end_time"][is_open]).all() and finite(ep["end_time"][~is_open]).all()
    # readmissions follow a discharge of the same person within 30 days
    readm = ep["readmission_of"] >= 0
    parent = {int(i): k for k, i in enumerate(ep["id"])}
    for k in np.flatnonzero(readm):
        p = parent[int(ep["readmission_of"][k])]
        assert ep["person"][p] == ep["person"][k]
        assert 0 <= ep["onset"][k] - ep["discharge_time"][p] <= 30 * MINUTES_PER_DAY
    assert readm.sum() > 0


def test_kpis_add_up(pathway):
    from sim.metrics import compute_kpis

    k = {(m, g): v for m, g, v, _ in compute_kpis(pathway)}
    shares = sum(k["episode_outcome_share", o] for o in OUTCOMES)
    assert shares == pytest.approx(1.0)
    routes = sum(k["episode_first_route_share", r] for r in ("practice", "ooh", "acute", "ed"))
    assert routes == pytest.approx(1.0)
    parts = ("phone", "clinic", "home_visit")
    assert sum(k["ooh_contacts_per_1000", p] for p in parts) == pytest.approx(
        k["ooh_contacts_per_1000", "all"]
    )
    kinds = ("assessment", "iv", "followup")
    total = k["acute_team_visits_per_1000_65plus", "all"]
    assert sum(k["acute_team_visits_per_1000_65plus", v] for v in kinds) == pytest.approx(total)
    components = ("general_practice", "out_of_hours", "acute_function", "hospital", "satellite")
    assert sum(k["cost_dkk_per_capita", c] for c in components) == pytest.approx(
        k["cost_dkk_per_capita", "total"]
    )
    assert 0 <= k["acute_team_utilisation", "all"] <= 1


# ------------------------------------------------------------------ the acute team's capacity
LARGER = (
    "services.acute_function.shifts.day.nurses=4",
    "services.acute_function.shifts.evening.nurses=3",
    "services.acute_function.shifts.night.nurses=2",
)


@pytest.mark.parametrize(
    "change", [LARGER, ("services.acute_function.speed_kmh=80",)], ids=["larger", "faster"]
)
def test_a_larger_or_faster_team_never_raises_avoidable_admissions(change):
    """Same episodes (common random numbers), more or faster nurses: no episode that was kept
    out of hospital is admitted, so avoidable admissions can only fall. The base team has one
    nurse on the day shift only and long visits, so that capacity binds (referrals queue for
    days and miss their window)."""
    base = [
        "services.acute_function.treat_at_home_default=0.3",
        "services.acute_function.shifts.evening.nurses=0",
        "services.acute_function.shifts.night.nurses=0",
        "services.acute_function.visit.mean=200",
        *NO_AFTERCARE,
    ]
    kept_out = 0
    for r in range(2):
        a, b = run(base, r, size=30_000, years=0.5), run([*base, *change], r, size=30_000, years=0.5)
        assert [e.onset for e in a.recorder.episodes] == [e.onset for e in b.recorder.episodes]
        before, after = avoidable_admitted(a), avoidable_admitted(b)
        # an episode still open when the base run ends (queueing for the team) has no outcome
        # there yet: the faster path may admit it before the end (censoring, not a reversal)
        still_open = {e.id for e in a.recorder.episodes if e.outcome == "open"}
        assert after - before <= still_open
        kept_out += len(before - after)
    assert kept_out > 0 or change != LARGER  # the larger team does keep some out of hospital


def test_without_nurses_every_episode_that_used_the_team_goes_elsewhere():
    base = ["services.acute_function.treat_at_home_default=0.3", *NO_AFTERCARE]
    none = [f"services.acute_function.shifts.{s}.nurses=0" for s in ("day", "evening", "night")]
    a, b = run(base), run([*base, *none])
    ea, eb = a.recorder.episode_table(), b.recorder.episode_table()
    np.testing.assert_array_equal(ea["onset"], eb["onset"])
    used = np.array(["acute" in p for p in ea["path"]])
    assert used.sum() > 50
    assert not any("acute" in p for p in eb["path"])
    assert len(b.acute.records()["arrive"]) == 0
    # the same episodes reach the hospital instead (or are still on their way at the end)
    went = eb["outcome"][used]
    assert set(went) <= {"ed_discharged", "admitted", "died", "open"}
    assert (eb["outcome"] == "home").sum() == 0


# ------------------------------------------------------------------ queueing theory
TEAM_NURSES, VISIT_MEAN, TEAM_RHO, TEAM_POP = 3, 60.0, 0.75, 3000


@pytest.mark.slow
def test_acute_team_as_mmc_reproduces_erlang_c():
    per_1000 = TEAM_RHO * TEAM_NURSES / VISIT_MEAN * DAYS_PER_YEAR * MINUTES_PER_DAY * 1000 / TEAM_POP
    config = small_config(
        [
            "rules.escalation.name=acute_only",
            f"services.acute_function.shifts.day={{start:0,end:24,nurses:{TEAM_NURSES}}}",
            "services.acute_function.shifts.evening.nurses=0",
            "services.acute_function.shifts.night.nurses=0",
            "services.acute_function.speed_kmh=1e9",
            "services.acute_function.referral_minutes=0",
            "services.acute_function.visit.dist=exponential",
            f"services.acute_function.visit.mean={VISIT_MEAN}",
            "services.acute_function.iv_share=0",
            "demand.contacts_per_year={0-64:0,65-79:0,80+:0}",
            *FROZEN_POPULATION,
            *NO_AFTERCARE,
            *NO_ESCALATION,
        ],
        size=TEAM_POP,
        years=0.9,
    )
    config = single_episode_group(config, per_1000)
    waits, waited = [], []
    for r in range(16):
        model = SimModel(config, r)
        model.run()
        rec = model.acute.records()
        lo = model.calendar.warmup_days * MINUTES_PER_DAY
        hi = (model.calendar.total_days - 1) * MINUTES_PER_DAY
        sel = (rec["arrive"] >= lo) & (rec["arrive"] < hi)
        wait = rec["start"][sel] - rec["arrive"][sel]
        waits.append(wait.mean())
        waited.append((wait > 1e-9).mean())
    a = TEAM_RHO * TEAM_NURSES
    c_prob = erlang_c(TEAM_NURSES, a)
    wq = c_prob * VISIT_MEAN / (TEAM_NURSES - a)
    for name, values, theory in (("P(wait)", waited, c_prob), ("Wq", waits, wq)):
        x = np.array(values)
        half = 3.0 * x.std(ddof=1) / math.sqrt(len(x))  # about 99.7%
        assert abs(x.mean() - theory) <= half, (
            f"{name}: theory {theory:.3f}, replications {x.mean():.3f} +- {half:.3f}"
        )
        assert half <= 0.15 * theory  # the check is not vague


# ------------------------------------------------------------------ follow-up and readmission
def test_follow_up_after_discharge_lowers_readmissions():
    """The same discharges, with and without follow-up: follow-up within the window can only
    delay or prevent a readmission (the draw is made at discharge)."""
    off = [
        "services.hospital.gp_followup_share=" + BANDS0,
        "services.acute_function.discharge_followup_share=" + BANDS0,
    ]
    on = [
        "services.acute_function.discharge_followup_share={0-64:1,65-79:1,80+:1}",
        "services.hospital.followup_hazard_ratio=0.3",
    ]
    a, b = run(off, years=0.4), run(on, years=0.4)
    ka = {(m, g): v for m, g, v, _ in __import__("sim.metrics", fromlist=["compute_kpis"]).compute_kpis(a)}
    kb = {(m, g): v for m, g, v, _ in __import__("sim.metrics", fromlist=["compute_kpis"]).compute_kpis(b)}
    assert ka["discharge_followup_share", "all"] == 0
    assert kb["discharge_followup_share", "all"] > 0.8
    assert kb["readmissions_30d_share", "all"] < ka["readmissions_30d_share", "all"]

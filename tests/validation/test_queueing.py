"""Validation against queueing theory (DESIGN.md section 8).

1. The ``Station`` set up as M/M/c (Poisson arrivals, exponential service, ``c`` servers,
   FIFO) reproduces the Erlang C probability of waiting and the mean wait in queue.
2. The same through the full model: with ``rules.escalation.name=ed_only`` and exponential
   ED service every acute episode goes straight to the ED, and acute onsets are a Poisson
   process (a Poisson number per day, uniform within the day) whose rate is fixed as long as
   the population does not change (only the yearly tick changes it, and there is none in the
   first simulated year). So the ED is an M/M/c queue.
3. Little's law, L = lambda W and Lq = lambda Wq, on the ED of model runs, with L computed
   independently of W by integrating the number in the system over time.

Statistical checks use the replication means and a t-based confidence interval (level
``CONFIDENCE``); the theoretical value must lie inside it and the half-width must be small
(``MAX_REL_HALF_WIDTH``) so that a test cannot pass by being vague. The studies run at a small
size in CI and at full size with ``SIM_FULL=1``.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np
import pytest
import simpy
from scipy import stats

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY
from sim.config import SimConfig
from sim.config.schema import DistributionConfig, StationConfig
from sim.model import SimModel
from sim.rng import Streams
from sim.services.station import Station
from tests.conftest import (
    FROZEN_POPULATION,
    FULL,
    NO_AFTERCARE,
    NO_ESCALATION,
    single_episode_group,
    small_config,
)

# Eight theory-versus-replications comparisons are made in this file (2 per Station case, 2 for
# the model's ED). At 95% each, some comparison would fail by chance for about one seed in three
# (1 - 0.95**8 = 34%), so each interval is a Bonferroni interval at level 1 - 0.05/8: together
# they cover all eight theoretical values with probability at least 95%.
FAMILY_CONFIDENCE = 0.95
COMPARISONS = 8
CONFIDENCE = 1 - (1 - FAMILY_CONFIDENCE) / COMPARISONS
MAX_REL_HALF_WIDTH = 0.05 if FULL else 0.15  # of the theoretical value
SEED = 20250611


# ------------------------------------------------------------------ theory
def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival waits in an M/M/c queue with offered load ``a``.

    ``a = lambda / mu`` (Erlangs), ``a < c``. Uses the stable Erlang B recursion
    ``B(k) = a B(k-1) / (k + a B(k-1))`` and ``C = B / (1 - (a/c) (1 - B))``.
    """
    if c < 1 or not 0 <= a < c:
        raise ValueError(f"need c >= 1 and 0 <= a < c (got c={c}, a={a})")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b / (1.0 - (a / c) * (1.0 - b))


def mmc_wq(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue: ``C(c, lambda/mu) / (c mu - lambda)``."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def erlang_c_direct(c: int, a: float) -> float:
    """Erlang C from the textbook sum formula (independent of the recursion; small c only)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def t_interval(values: np.ndarray) -> tuple[float, float]:
    """Mean and t-based half-width (level ``CONFIDENCE``) of replication values."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    t = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)
    return float(values.mean()), float(t * values.std(ddof=1) / math.sqrt(n))


def assert_covers(name: str, values: np.ndarray, theory: float) -> None:
    """Theory lies inside the confidence interval of ``values``, and the interval is tight."""
    mean, half = t_interval(values)
    msg = f"{name}: theory {theory:.5g}, replications {mean:.5g} +- {half:.3g} (n={len(values)})"
    assert abs(mean - theory) <= half, msg
    assert half <= MAX_REL_HALF_WIDTH * theory, msg + f": half-width above {MAX_REL_HALF_WIDTH:.0%}"


def test_erlang_c_textbook_values() -> None:
    # M/M/1: the probability of waiting is the utilisation, Wq = rho / (mu - lambda)
    assert erlang_c(1, 0.7) == pytest.approx(0.7, rel=1e-12)
    assert mmc_wq(0.7, 1.0, 1) == pytest.approx(0.7 / 0.3, rel=1e-12)
    # M/M/2 with lambda = mu = 1: P(wait) = 1/3, Wq = (1/3) / (2 - 1) = 1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)
    assert mmc_wq(1.0, 1.0, 2) == pytest.approx(1 / 3, rel=1e-12)
    # M/M/3 with a = 2 Erlangs: P(wait) = 4/9
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, rel=1e-12)
    # the recursion agrees with the sum formula, also near saturation
    for c, a in [(1, 0.3), (3, 2.4), (5, 4.6), (10, 8.0), (20, 19.5)]:
        assert erlang_c(c, a) == pytest.approx(erlang_c_direct(c, a), rel=1e-10)
    # and stays finite and sensible where factorials would overflow
    assert 0.0 < erlang_c(500, 480.0) < 1.0
    with pytest.raises(ValueError):
        erlang_c(3, 3.0)


# ------------------------------------------------------------------ 1. the Station as M/M/c
WARMUP_SHARE = 0.1  # share of customers discarded at the start of each replication (empty start)
STATION_REPS = 20 if FULL else 10
STATION_CUSTOMERS = 200_000 if FULL else 20_000  # per replication; times ``scale`` for heavy traffic


def station_replication(lam: float, service_mean: float, c: int, n: int, r: int) -> tuple[float, float]:
    """One replication of an M/M/c Station; mean wait in queue and share who waited."""
    streams = Streams(SEED, r)
    env = simpy.Environment()
    cfg = StationConfig(servers=c, service=DistributionConfig(dist="exponential", mean=service_mean))
    case = f"mm{c}.rho{lam * service_mean / c:.2f}"  # own streams per case: the cases are independent
    station = Station(env, "mmc", cfg, streams(f"validation.{case}.service"))
    gaps = streams(f"validation.{case}.arrivals")

    def arrivals() -> Generator[simpy.Event, None, None]:
        for _ in range(n):
            yield env.timeout(gaps.exponential(1.0 / lam))
            env.process(station.serve())

    env.process(arrivals())
    env.run()  # until every customer has left
    rec = station.records()
    assert np.all(np.isfinite(rec["end"])) and len(rec["arrive"]) == n
    wait = (rec["start"] - rec["arrive"])[int(WARMUP_SHARE * n) :]
    return float(wait.mean()), float(np.mean(wait > 0))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("c", "rho", "service_mean", "scale"),
    [(1, 0.7, 30.0, 1), (3, 0.8, 60.0, 1), (5, 0.92, 45.0, 3)],
    ids=["c1-rho0.70", "c3-rho0.80", "c5-rho0.92"],
)
def test_station_reproduces_erlang_c(c: int, rho: float, service_mean: float, scale: int) -> None:
    mu = 1.0 / service_mean
    lam = rho * c * mu
    results = np.array(
        [station_replication(lam, service_mean, c, scale * STATION_CUSTOMERS, r) for r in range(STATION_REPS)]
    )
    assert_covers("P(wait > 0)", results[:, 1], erlang_c(c, lam / mu))
    assert_covers("Wq (minutes)", results[:, 0], mmc_wq(lam, mu, c))


# ------------------------------------------------------------------ 2. the ED of the model as M/M/c
ED_SERVERS = 3
ED_SERVICE_MEAN = 60.0  # minutes
ED_RHO = 0.8
ED_POPULATION = 3000
ED_REPS = 60 if FULL else 20
ED_YEARS = 1.0 if FULL else 0.9  # at most 1: no yearly tick, so the population is fixed
# episodes per 1000 person-years, the same in every age band, so that the arrival rate is
# ED_RHO * c * mu per minute whatever the age mix
ED_EPISODES_PER_1000 = (
    ED_RHO * ED_SERVERS / ED_SERVICE_MEAN * DAYS_PER_YEAR * MINUTES_PER_DAY * 1000 / ED_POPULATION
)


def ed_config(years: float = ED_YEARS) -> SimConfig:
    config = small_config(
        [
            "rules.escalation.name=ed_only",
            f"services.hospital.ed.servers={ED_SERVERS}",
            "services.hospital.ed.service.dist=exponential",
            f"services.hospital.ed.service.mean={ED_SERVICE_MEAN}",
            # no practice requests: irrelevant to the ED under ed_only, and it keeps the runs fast
            "demand.contacts_per_year={0-64:0,65-79:0,80+:0}",
            # a stationary population, so that arrivals are a homogeneous Poisson process
            *FROZEN_POPULATION,
            # and nothing but the episodes arrives: no readmissions, no unmet requests
            *NO_AFTERCARE,
            *NO_ESCALATION,
        ],
        size=ED_POPULATION,
        years=years,
    )
    return single_episode_group(config, ED_EPISODES_PER_1000)


@pytest.mark.slow
def test_model_ed_reproduces_erlang_c() -> None:
    config = ed_config()
    waits, waited, arrivals, exposure = [], [], 0, 0.0
    lam = None
    for r in range(ED_REPS):
        model = SimModel(config, r)
        alive = model.population.count_alive()
        # Arrival rate from the config, not from the realised arrivals: the theory then gets no
        # help from the data, and the realised count is checked against it separately below.
        (group,) = config.demand.episode_groups.values()
        rate = np.array(list(group.per_1000.values()))
        assert np.allclose(rate, rate[0])  # one rate for every band: lambda needs only the head count
        lam = alive * rate[0] / 1000.0 / (DAYS_PER_YEAR * MINUTES_PER_DAY)
        model.run()
        assert model.population.count_alive() == alive  # no population change within the run

        rec = model.hospital.ed.records()
        episodes = model.recorder.episode_table()
        # under ed_only every episode goes to the ED at its onset, and the episode records of
        # finished ED visits match the ED's own (unfinished ones: see the test after this one)
        assert set(episodes["route"]) == {"ed"}
        assert len(rec["arrive"]) == len(episodes["onset"])
        done = np.isfinite(episodes["ed_end"])
        assert done.sum() == np.isfinite(rec["end"]).sum()
        for col in ("arrive", "start", "end"):
            np.testing.assert_allclose(
                np.sort(episodes["ed_" + col][done]), np.sort(rec[col][np.isfinite(rec["end"])])
            )
        np.testing.assert_allclose(episodes["ed_arrive"][done], episodes["onset"][done])

        # measured: arrivals after the warm-up (the ED starts empty) and more than a day before
        # the end, so that every measured customer has started service (no censored waits)
        lo = model.calendar.warmup_days * MINUTES_PER_DAY
        hi = (model.calendar.total_days - 1) * MINUTES_PER_DAY
        sel = (rec["arrive"] >= lo) & (rec["arrive"] < hi)
        assert np.all(np.isfinite(rec["start"][sel]))
        wait = rec["start"][sel] - rec["arrive"][sel]
        waits.append(wait.mean())
        waited.append(np.mean(wait > 0))
        arrivals += int(sel.sum())
        exposure += hi - lo

    # the realised arrivals agree with the configured Poisson rate (4 standard deviations)
    expected = lam * exposure
    assert abs(arrivals - expected) < 4 * math.sqrt(expected), (arrivals, expected)

    mu = 1.0 / ED_SERVICE_MEAN
    assert lam / (ED_SERVERS * mu) == pytest.approx(ED_RHO, rel=1e-6)
    assert_covers("ED P(wait > 0)", np.array(waited), erlang_c(ED_SERVERS, lam / mu))
    assert_covers("ED Wq (minutes)", np.array(waits), mmc_wq(lam, mu, ED_SERVERS))


def test_ed_episode_records_include_unfinished_visits() -> None:
    """An episode still in the ED when the run ends has arrived there: its ``ed_arrive`` (and
    ``ed_start`` once in service) must be recorded, as the ED's own records do. Otherwise the
    ED KPIs (``ed_visits_per_1000``, ``ed_wait_minutes_mean``), which read the episode
    records, leave out exactly the visits with the longest waits; with an overloaded ED they
    miss a large share of the visits.
    """
    config = ed_config(years=0.1)
    model = SimModel(config, 0)
    model.run()
    rec = model.hospital.ed.records()
    episodes = model.recorder.episode_table()
    assert np.isnan(rec["end"]).any()  # some visits are unfinished at the end of the run
    np.testing.assert_allclose(np.sort(episodes["ed_arrive"]), np.sort(rec["arrive"]))
    np.testing.assert_allclose(np.sort(episodes["ed_start"]), np.sort(rec["start"]))


# ------------------------------------------------------------------ 3. Little's law
LITTLE_TOLERANCE = 0.01  # relative; boundary effects of the window are about W / window, ~0.1% here


def time_average(enter: np.ndarray, leave: np.ndarray, t0: float, t1: float) -> float:
    """Time-average over [t0, t1] of the number of customers with enter <= t < leave.

    Computed by sweeping the sorted entry (+1) and exit (-1) events, clipped to the window;
    ``leave`` may be NaN (not left by the end of the run).
    """
    leave = np.where(np.isnan(leave), np.inf, leave)
    times = np.clip(np.concatenate([enter, leave, [t0, t1]]), t0, t1)
    steps = np.concatenate([np.ones(len(enter)), -np.ones(len(leave)), [0.0, 0.0]])
    order = np.argsort(times, kind="stable")
    times, count = times[order], np.cumsum(steps[order])
    return float(np.sum(count[:-1] * np.diff(times)) / (t1 - t0))


def number_at(enter: np.ndarray, leave: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Number of customers with enter <= t < leave at each time ``t``."""
    leave = np.sort(np.where(np.isnan(leave), np.inf, leave))
    return np.searchsorted(np.sort(enter), t, side="right") - np.searchsorted(leave, t, side="right")


def test_time_average_by_hand() -> None:
    # one customer in [1, 3), one in [2, 6), one who never leaves from 4: over [0, 5]
    # the area is 2 + 3 + 1 = 6, so the time-average is 6 / 5
    enter, leave = np.array([1.0, 2.0, 4.0]), np.array([3.0, 6.0, np.nan])
    assert time_average(enter, leave, 0.0, 5.0) == pytest.approx(6 / 5)
    np.testing.assert_array_equal(
        number_at(enter, leave, np.array([0.5, 2.5, 3.5, 4.5, 7.0])), [0, 2, 1, 2, 1]
    )


@pytest.mark.parametrize("setup", ["mmc_ed", "baseline"])
def test_littles_law_on_the_ed(setup: str) -> None:
    """L = lambda W and Lq = lambda Wq on the ED of one run, over the measured window.

    ``mmc_ed`` is the M/M/3 ED of test 2 (busy: Lq about 2.6); ``baseline`` is the default
    Danish configuration at municipality size, with lognormal ED service and referrals from
    practices (not M/M/c; Little's law holds all the same).
    """
    config = ed_config(years=0.5) if setup == "mmc_ed" else small_config(size=59246, years=0.5)
    model = SimModel(config, 0)
    model.run()
    rec = model.hospital.ed.records()
    arrive, start, end = rec["arrive"], rec["start"], rec["end"]

    t0 = model.calendar.warmup_days * MINUTES_PER_DAY
    t1 = (model.calendar.total_days - 1) * MINUTES_PER_DAY
    inside = (arrive >= t0) & (arrive < t1)
    assert inside.sum() > 1000, "too few customers for a meaningful check"
    assert np.all(np.isfinite(end[inside])), "a customer of the window has not left by the end of the run"
    assert np.all((arrive <= start) & (start <= end) | np.isnan(end))

    lam = inside.sum() / (t1 - t0)
    sojourn = float(np.mean(end[inside] - arrive[inside]))
    wait = float(np.mean(start[inside] - arrive[inside]))
    big_l = time_average(arrive, end, t0, t1)
    lq = time_average(arrive, start, t0, t1)
    assert big_l == pytest.approx(lam * sojourn, rel=LITTLE_TOLERANCE)
    assert lq == pytest.approx(lam * wait, rel=LITTLE_TOLERANCE)
    assert lq > 0.05  # the queue is used, so the relative check on Lq means something

    # the queue length the model itself reports (DataCollector, at each midnight) equals the
    # one reconstructed from the records
    reported = model.datacollector.get_model_vars_dataframe()["ed_queue|all"].to_numpy()
    midnights = np.arange(len(reported)) * MINUTES_PER_DAY
    np.testing.assert_array_equal(number_at(arrive, start, midnights), reported)
    assert reported.max() > 0

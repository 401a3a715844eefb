"""Unit tests of :class:`sim.services.diary.Diaries`, built directly from small arrays.

The expected day offsets are worked out by hand in the comments: booking is fluid FIFO,
so a request is booked on the day on which its last minute falls.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.services.diary import GP, NURSE, Diaries


def weekday_of(day: int) -> int:
    """Day 0 is a Monday."""
    return day % 7


def diaries_with(
    routine: list[list[float]], same_day_share: float = 0.0, horizon: int | None = None
) -> Diaries:
    """Diaries whose routine pool of (practice p, GP) is exactly ``routine[p]`` (one value per offset).

    Built with a flat weekly capacity and then overwritten, so that a test states the free
    minutes of each day offset directly.
    """
    n_p = len(routine)
    horizon = len(routine[0]) - 1 if horizon is None else horizon
    d = Diaries(np.zeros((n_p, 2, 7)), np.full(n_p, same_day_share), horizon)
    d.start(0, weekday_of)
    d.routine[:, GP, :] = np.asarray(routine, dtype=float)
    d.offered[:, GP, :] = np.asarray(routine, dtype=float)
    return d


def book_gp(d: Diaries, minutes: list[float], last_offset: int, practice: int = 0, pool: str = "routine"):
    n = len(minutes)
    return d.book(
        np.full(n, practice, np.int64), np.full(n, GP, np.int8), np.asarray(minutes, float), pool, last_offset
    )


# ------------------------------------------------------------------ construction
def test_start_fills_today_and_horizon_from_weekly_capacity_and_carve_out():
    weekly = np.zeros((2, 2, 7))
    weekly[0, GP] = [100, 200, 300, 400, 500, 0, 0]
    weekly[0, NURSE] = [10, 10, 10, 10, 10, 0, 0]
    weekly[1, GP] = [40, 40, 40, 40, 40, 40, 40]
    d = Diaries(weekly, np.array([0.25, 0.5]), horizon=8)
    d.start(0, weekday_of)
    assert d.day == 0
    # practice 0, GP: offsets 0..8 are weekdays 0,1,..,6,0,1
    np.testing.assert_allclose(d.offered[0, GP], [100, 200, 300, 400, 500, 0, 0, 100, 200])
    np.testing.assert_allclose(d.same_day[0, GP], 0.25 * d.offered[0, GP])
    np.testing.assert_allclose(d.routine[0, GP], 0.75 * d.offered[0, GP])
    np.testing.assert_allclose(d.same_day[1, GP], 20.0)
    np.testing.assert_allclose(d.routine[1, GP], 20.0)
    np.testing.assert_allclose(d.offered[0, NURSE, :5], 10.0)


# ------------------------------------------------------------------ fluid FIFO booking
def test_equal_requests_fill_days_in_order():
    # 10 free minutes a day; eight requests of 4 minutes: cumulative demand 4, 8, 12, ..., 32.
    # Cumulative supply over offsets 0..2 is 10, 20, 30, so the last minute of each request
    # falls on day 0, 0, 1, 1, 1 (20 <= 20), 2, 2 and the eighth (32 > 30) does not fit by offset 2.
    d = diaries_with([[10, 10, 10, 10]])
    out = book_gp(d, [4] * 8, last_offset=2)
    assert out.dtype.kind == "i"
    assert out.tolist() == [0, 0, 1, 1, 1, 2, 2, -1]
    # booked minutes 28 = 10 + 10 + 8: day 2 keeps 2 free; day 3 is beyond reach and untouched
    np.testing.assert_allclose(d.routine[0, GP], [0, 0, 2, 10])


def test_mixed_sizes_skip_a_day_without_capacity():
    # free per offset [10, 5, 0, 20] -> cumulative supply [10, 15, 15, 35]
    # requests 3, 9, 5, 12, 1 -> cumulative demand 3, 12, 17, 29, 30
    # 3 <= 10: day 0; 12 <= 15: day 1; 17 > 15 (day 2 has nothing): day 3; 29, 30 <= 35: day 3
    d = diaries_with([[10, 5, 0, 20]])
    out = book_gp(d, [3, 9, 5, 12, 1], last_offset=3)
    assert out.tolist() == [0, 1, 3, 3, 3]
    np.testing.assert_allclose(d.routine[0, GP], [0, 0, 0, 5])


def test_request_that_exactly_fills_a_day_is_booked_on_that_day():
    d = diaries_with([[10, 10]])
    assert book_gp(d, [5, 5, 0.5], last_offset=1).tolist() == [0, 0, 1]
    np.testing.assert_allclose(d.routine[0, GP], [0, 9.5])


def test_second_batch_continues_where_the_first_left_off():
    d = diaries_with([[10, 10, 10, 10]])
    book_gp(d, [4] * 7, last_offset=2)  # leaves [0, 0, 2, 10]
    # demand 3 against cumulative [0, 0, 2, 12]: 2 minutes on day 2, the last one on day 3
    assert book_gp(d, [3], last_offset=3).tolist() == [3]
    np.testing.assert_allclose(d.routine[0, GP], [0, 0, 0, 9])


def test_groups_are_booked_independently_in_arrival_order():
    weekly = np.zeros((2, 2, 7))
    d = Diaries(weekly, np.zeros(2), horizon=2)
    d.start(0, weekday_of)
    d.routine[0, GP] = 10  # practice 0, GP: 10 a day
    d.routine[1, GP] = 5  # practice 1, GP: 5 a day
    d.routine[0, NURSE] = 8  # practice 0, nurse: 8 a day
    practice = np.array([1, 0, 1, 0, 0, 0])
    role = np.array([GP, GP, GP, NURSE, GP, NURSE])
    minutes = np.array([5.0, 6.0, 5.0, 8.0, 6.0, 1.0])
    # p0/GP: 6, 12 -> 0, 1.  p1/GP: 5, 10 -> 0, 1.  p0/nurse: 8, 9 -> 0, 1.
    out = d.book(practice, role, minutes, "routine", 2)
    assert out.tolist() == [0, 0, 1, 0, 1, 1]
    np.testing.assert_allclose(d.routine[0, GP], [0, 8, 10])
    np.testing.assert_allclose(d.routine[1, GP], [0, 0, 5])
    np.testing.assert_allclose(d.routine[0, NURSE], [0, 7, 8])
    np.testing.assert_allclose(d.routine[1, NURSE], 0)


def test_pools_are_separate():
    d = Diaries(np.full((1, 2, 7), 20.0), np.array([0.25]), horizon=2)
    d.start(0, weekday_of)  # same-day 5, routine 15 per day
    assert book_gp(d, [4, 4], last_offset=0, pool="same_day").tolist() == [0, -1]
    np.testing.assert_allclose(d.same_day[0, GP], [1, 5, 5])
    np.testing.assert_allclose(d.routine[0, GP], [15, 15, 15])
    assert book_gp(d, [4], last_offset=0).tolist() == [0]
    np.testing.assert_allclose(d.routine[0, GP], [11, 15, 15])


# ------------------------------------------------------------------ nothing fits
def test_minus_one_when_nothing_fits_within_the_horizon_and_nothing_is_consumed():
    d = diaries_with([[10, 10, 10]])
    out = book_gp(d, [31], last_offset=2)
    assert out.tolist() == [-1]
    np.testing.assert_allclose(d.routine[0, GP], [10, 10, 10])


def test_minus_one_for_a_practice_without_any_capacity():
    d = diaries_with([[10, 10], [0, 0]])
    out = book_gp(d, [1, 1], last_offset=1, practice=1)
    assert out.tolist() == [-1, -1]
    np.testing.assert_allclose(d.routine[:, GP], [[10, 10], [0, 0]])


def test_later_requests_do_not_overtake_one_that_did_not_fit():
    # Documented behaviour (first come, first served in minutes): demand is cumulative in
    # arrival order, so once a request does not fit, later ones of the same group do not either.
    d = diaries_with([[10, 10]])
    assert book_gp(d, [15, 10, 1], last_offset=1).tolist() == [1, -1, -1]
    np.testing.assert_allclose(d.routine[0, GP], [0, 5])


def test_empty_batch():
    d = diaries_with([[10, 10]])
    out = d.book(np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0), "routine", 1)
    assert out.shape == (0,)
    np.testing.assert_allclose(d.routine[0, GP], [10, 10])


# ------------------------------------------------------------------ reach
@pytest.mark.parametrize("last_offset", [0, 1, 3])
def test_never_books_beyond_last_offset(last_offset):
    d = diaries_with([[10] * 6])
    out = book_gp(d, [4] * 20, last_offset=last_offset)
    assert out.max() <= last_offset
    booked = int((out >= 0).sum())
    # everything up to the reach is filled as far as whole requests go, nothing after it
    assert booked == (10 * (last_offset + 1)) // 4
    np.testing.assert_allclose(d.routine[0, GP, last_offset + 1 :], 10.0)


def test_last_offset_beyond_the_horizon_is_cut_to_the_horizon():
    d = diaries_with([[10, 10, 10]])
    out = book_gp(d, [10] * 5, last_offset=50)
    assert out.tolist() == [0, 1, 2, -1, -1]
    np.testing.assert_allclose(d.routine[0, GP], 0.0)


# ------------------------------------------------------------------ properties against a reference
def reference_fifo(free: np.ndarray, minutes: list[float], last_offset: int) -> tuple[list[int], np.ndarray]:
    """Minute-by-minute fluid FIFO for one group: walk the days, stop at the first misfit."""
    free = free.copy()
    k = min(last_offset, len(free) - 1) + 1
    out, blocked = [], False
    for m in minutes:
        if blocked or m > free[:k].sum():
            blocked = True
            out.append(-1)
            continue
        need, day = m, 0
        while True:
            take = min(free[day], need)
            free[day] -= take
            need -= take
            if need == 0:
                break
            day += 1
        # the last minute falls on the latest day that had to give minutes
        out.append(day)
    return out, free


@settings(max_examples=150, deadline=None)
@given(
    free=st.lists(st.integers(0, 30), min_size=1, max_size=8),
    minutes=st.lists(st.integers(1, 25), min_size=1, max_size=25),
    last_offset=st.integers(0, 9),
)
def test_matches_minute_by_minute_reference(free, minutes, last_offset):
    d = diaries_with([free])
    out = book_gp(d, minutes, last_offset=last_offset)
    ref_out, ref_free = reference_fifo(np.array(free, float), minutes, last_offset)
    # where a request exactly empties a day, the reference stops on that day too
    assert out.tolist() == ref_out
    np.testing.assert_allclose(d.routine[0, GP], ref_free, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    n_practices=st.integers(1, 4),
    horizon=st.integers(1, 6),
)
def test_consumption_never_negative_and_conserves_minutes(data, n_practices, horizon):
    cap = data.draw(
        st.lists(
            st.floats(0, 60, allow_nan=False), min_size=n_practices * 2 * 7, max_size=n_practices * 2 * 7
        )
    )
    d = Diaries(np.array(cap).reshape(n_practices, 2, 7), np.full(n_practices, 0.3), horizon)
    d.start(0, weekday_of)
    n = data.draw(st.integers(1, 40))
    practice = np.array(data.draw(st.lists(st.integers(0, n_practices - 1), min_size=n, max_size=n)))
    role = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    minutes = np.array(data.draw(st.lists(st.floats(0.5, 30, allow_nan=False), min_size=n, max_size=n)))
    last_offset = data.draw(st.integers(0, horizon + 2))
    pool = data.draw(st.sampled_from(["routine", "same_day"]))
    before = (d.routine if pool == "routine" else d.same_day).copy()
    out = d.book(practice, role, minutes, pool, last_offset)
    after = d.routine if pool == "routine" else d.same_day
    assert (after >= 0).all()
    assert (after <= before + 1e-12).all()
    assert ((out >= -1) & (out <= min(last_offset, horizon))).all()
    # minutes taken equal the minutes of the requests that were booked
    np.testing.assert_allclose(before.sum() - after.sum(), minutes[out >= 0].sum(), rtol=1e-9, atol=1e-6)
    # within one practice and role, booked requests form a prefix with non-decreasing days
    for p in range(n_practices):
        for r in (0, 1):
            o = out[(practice == p) & (role == r)]
            met = o >= 0
            assert not (~met[:-1] & met[1:]).any()
            assert (np.diff(o[met]) >= 0).all()


# ------------------------------------------------------------------ day by day
def test_advance_rolls_days_and_returns_offered_and_used_of_the_closed_day():
    weekly = np.zeros((1, 2, 7))
    weekly[0, GP] = [10, 20, 30, 40, 50, 60, 70]
    weekly[0, NURSE] = 5
    d = Diaries(weekly, np.array([0.5]), horizon=2)
    d.start(0, weekday_of)  # GP offered [10, 20, 30]
    book_gp(d, [3], last_offset=0)  # 3 of today's 5 routine minutes
    book_gp(d, [4], last_offset=0, pool="same_day")  # 4 of today's 5 same-day minutes
    book_gp(d, [6, 6], last_offset=2)  # 2 left today; 6 -> day 1 (2 + 4 of 10); 6 more -> day 1 (10)
    offered, used = d.today()
    np.testing.assert_allclose(offered[0], [10, 5])
    np.testing.assert_allclose(used[0], [9, 0])

    offered, used = d.advance(weekday_of)
    assert d.day == 1
    np.testing.assert_allclose(offered[0], [10, 5])
    np.testing.assert_allclose(used[0], [9, 0])  # today's 1 free same-day minute is left over
    # the rolled diary: day 1 keeps its booking, day 3 (weekday 3) is opened
    np.testing.assert_allclose(d.offered[0, GP], [20, 30, 40])
    np.testing.assert_allclose(d.routine[0, GP], [0, 15, 20])
    np.testing.assert_allclose(d.same_day[0, GP], [10, 15, 20])
    offered, used = d.advance(weekday_of)
    np.testing.assert_allclose(offered[0], [20, 5])
    np.testing.assert_allclose(used[0], [10, 0])
    assert d.day == 2


def test_advance_opens_no_capacity_for_a_closed_practice():
    d = Diaries(np.full((2, 2, 7), 10.0), np.zeros(2), horizon=1)
    d.start(0, weekday_of)
    d.closed[1] = True
    d.advance(weekday_of)
    np.testing.assert_allclose(d.offered[:, GP], [[10, 10], [10, 0]])
    np.testing.assert_allclose(d.routine[:, GP], [[10, 10], [10, 0]])


def test_take_now_uses_same_day_pool_first_then_routine_never_splitting():
    d = Diaries(np.full((1, 2, 7), 20.0), np.array([0.25]), horizon=1)
    d.start(0, weekday_of)  # today: same-day 5, routine 15
    assert d.take_now(0, GP, 4)
    assert (d.same_day[0, GP, 0], d.routine[0, GP, 0]) == (1, 15)
    assert d.take_now(0, GP, 4)  # does not fit in the 1 same-day minute: routine
    assert (d.same_day[0, GP, 0], d.routine[0, GP, 0]) == (1, 11)
    assert not d.take_now(0, GP, 12)  # 1 + 11 would fit together, but a contact is not split
    assert (d.same_day[0, GP, 0], d.routine[0, GP, 0]) == (1, 11)
    assert d.take_now(0, GP, 11)
    assert d.routine[0, GP, 0] == 0
    # only today is touched, and other roles are untouched
    np.testing.assert_allclose(d.routine[0, GP, 1], 15)
    np.testing.assert_allclose(d.routine[0, NURSE], 15)
    offered, used = d.today()
    np.testing.assert_allclose(used[0], [19, 0])
    assert used[0, GP] <= offered[0, GP]


def test_days_to_nth_free_counts_routine_gp_minutes_only():
    weekly = np.zeros((3, 2, 7))
    d = Diaries(weekly, np.zeros(3), horizon=3)
    d.start(0, weekday_of)
    d.routine[0, GP] = [10, 0, 20, 30]  # cumulative 10, 10, 30, 60: 3 x 12 = 36 fit by day 3
    d.routine[1, GP] = [36, 0, 0, 0]  # exactly today
    d.routine[2, GP] = [10, 10, 10, 5]  # 35 < 36: not within the horizon
    d.routine[2, NURSE] = 1000  # nurse time does not count
    d.same_day[2, GP] = 1000  # nor does the same-day carve-out
    np.testing.assert_array_equal(d.days_to_nth_free(12.0), [3, 0, 4])
    np.testing.assert_array_equal(d.days_to_nth_free(12.0, n=1), [2, 0, 1])


def test_named_gp_units_always_add_up_to_the_pooled_routine_time():
    from sim.services.diary import GP

    weekly = np.zeros((2, 2, 7))
    weekly[:, GP, :5] = 600.0
    d = Diaries(weekly, np.array([0.2, 0.2]), horizon=5)
    d.set_units(0, 3)
    d.set_units(1, 1)
    d.start(0, lambda day: day % 7)
    rng = np.random.default_rng(3)
    for _ in range(4):
        n = 40
        practice = rng.integers(0, 2, n)
        minutes = rng.uniform(5, 30, n)
        d.book(practice, np.full(n, GP), minutes, "routine", 5)
        unit = rng.integers(0, 3, n) * (practice == 0)
        d.book_named(practice, unit, minutes, 5)
        d.take_now(0, GP, 10.0)
        np.testing.assert_allclose(d.units.sum(axis=1), d.routine[:, GP, :], atol=1e-6)
        assert (d.units >= 0).all()
        d.advance(lambda day: day % 7)


def test_a_named_booking_uses_only_that_gps_time():
    from sim.services.diary import GP

    weekly = np.zeros((1, 2, 7))
    weekly[0, GP, :] = 300.0
    d = Diaries(weekly, np.array([0.0]), horizon=3)
    d.set_units(0, 3)  # 100 minutes a day each
    d.start(0, lambda day: 0)
    offsets = d.book_named(np.zeros(3, int), np.zeros(3, int), np.array([60.0, 60.0, 60.0]), 3)
    assert offsets.tolist() == [0, 1, 1]  # fluid: 60 today, 40+20, then 60 tomorrow
    assert d.units[0, 1, 0] == pytest.approx(100.0) and d.routine[0, GP, 0] == pytest.approx(200.0)

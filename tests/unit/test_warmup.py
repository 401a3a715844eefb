"""Warm-up and replications: MSER-5, Welch's moving average, the CI method and ``sim warmup``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli.warmup_cmd import main as warmup_main
from sim.metrics.warmup import (
    ci_half_width,
    ci_table,
    mser5,
    mser_statistic,
    replications_needed,
    warmup_rows,
    weekly_window,
    welch,
    welch_table,
)
from tests.conftest import run_cli

N = 1000


def test_mser5_finds_the_end_of_a_linear_transient() -> None:
    t = np.arange(N)
    noise = np.random.default_rng(1).normal(0, 1, N)
    series = np.where(t < 100, 5 * (1 - t / 100), 0.0) + noise  # bias gone at t = 100
    assert 60 <= mser5(series) <= 160


def test_mser5_truncates_an_exponential_decay() -> None:
    t = np.arange(N)
    series = 10 * np.exp(-t / 30) + np.random.default_rng(2).normal(0, 1, N)  # bias < 0.1 sd after 138
    cut = mser5(series)
    assert 50 <= cut <= 200
    assert abs(series[cut:].mean()) < 0.1  # what is kept is unbiased


def test_mser5_keeps_a_stationary_series_whole() -> None:
    cuts = [mser5(np.random.default_rng(seed).normal(5, 1, N)) for seed in range(10)]
    assert np.median(cuts) == 0
    assert max(cuts) <= 0.05 * N


def test_mser5_is_a_multiple_of_the_batch_and_within_the_first_half() -> None:
    series = np.linspace(10, 0, N)  # a trend never settles: the search stops half-way
    cut = mser5(series)
    assert cut % 5 == 0
    assert cut == 5 * ((N // 5) // 2)


def test_mser_statistic_matches_its_definition() -> None:
    x = np.random.default_rng(3).normal(size=20)
    for d in (0, 7, 19):
        tail = x[d:]
        assert mser_statistic(x)[d] == pytest.approx(((tail - tail.mean()) ** 2).sum() / len(tail) ** 2)


def test_mser5_rejects_missing_values() -> None:
    with pytest.raises(ValueError, match="finite"):
        mser5([1.0, np.nan] * 10)


def test_welch_is_the_centred_moving_average_of_the_replication_mean() -> None:
    reps = np.array([[0.0, 2, 4, 6, 8, 10], [2.0, 4, 6, 8, 10, 12]])  # mean 1, 3, 5, 7, 9, 11
    assert welch(reps, 2).tolist() == [1.0, 3.0, 5.0, 7.0]  # a line is its own moving average
    noisy = np.array([[0.0, 9, 0, 9, 0, 9, 0]])
    assert welch(noisy, 1).tolist() == [0.0, 3.0, 6.0, 3.0, 6.0, 3.0]
    with pytest.raises(ValueError, match="window"):
        welch(reps, 6)


def test_daily_series_get_weekly_batches_too() -> None:
    days = np.arange(210)
    rows = [("r", 0, d, "unmet", "all", float(d % 7 < 5) * min(d, 70)) for d in days]
    ts = pd.DataFrame(rows, columns=["scenario", "replication", "day", "metric", "group", "value"])
    found = {r["method"]: r["warmup_days"] for r in warmup_rows(ts, "unmet", "all")}
    assert set(found) == {"MSER-5", "MSER-7"}
    assert found["MSER-7"] == 70  # weekly batches cancel the weekend zeros: the ramp ends at day 70
    weekdays = ts[ts["day"] % 7 < 5]
    assert [r["method"] for r in warmup_rows(weekdays, "unmet", "all")] == ["MSER-5"]
    assert weekly_window(ts["day"]) == 10 and weekly_window(weekdays["day"]) == 7  # 3 weeks: 21, 15
    smooth = welch_table(ts, "unmet", "all")["welch_moving_average"].to_numpy()
    assert np.allclose(smooth[80:150], 50)  # whole weeks: the weekend zeros cancel (70 * 5 / 7)


def test_replications_needed_agrees_with_a_hand_computation() -> None:
    values = [10.0, 12, 11, 13, 9]  # mean 11, s = sqrt(2.5); 5% of the mean: h = 0.55
    s, h = math.sqrt(2.5), 0.55
    # by hand: n = 34 gives t_33 s / sqrt(34) = 2.0345 * 1.5811 / 5.831 = 0.5517 > h,
    #          n = 35 gives t_34 s / sqrt(35) = 2.0322 * 1.5811 / 5.916 = 0.5431 <= h
    assert replications_needed(values, 0.05) == 35
    assert stats.t.ppf(0.975, 33) * s / math.sqrt(34) > h >= stats.t.ppf(0.975, 34) * s / math.sqrt(35)
    assert replications_needed(values, 0.55, relative=False) == 35
    assert replications_needed([5.0, 5, 5], 0.01) == 2


def test_replications_needed_reaches_the_target_when_applied() -> None:
    rng = np.random.default_rng(4)
    pilot = rng.normal(100, 20, 50)
    n = replications_needed(pilot, 0.02)
    target = 0.02 * pilot.mean()
    achieved = [ci_half_width(rng.normal(100, 20, n)) for _ in range(200)]
    assert ci_half_width(pilot) > 2 * target  # the pilot alone is too imprecise
    assert np.mean(achieved) == pytest.approx(target, rel=0.1)
    assert np.mean(np.array(achieved) <= target) > 0.4


def test_ci_table_half_widths_decrease() -> None:
    values = np.random.default_rng(5).normal(50, 10, 60)
    table = ci_table(values)
    assert table["n"].tolist() == list(range(1, 61))
    assert math.isnan(table["half_width"].iloc[0])
    hw = table["half_width"].to_numpy()
    assert hw[59] < hw[19] < hw[4] < hw[1]
    assert stats.spearmanr(np.arange(1, 60), hw[1:]).statistic < -0.9
    assert table["mean"].iloc[-1] == pytest.approx(values.mean())


def test_cli_runs_end_to_end(tmp_path) -> None:
    out = tmp_path / "warmup"
    proc = run_cli(
        "warmup", "population.size=2000", "years=1", "services.reference_population=0",
        "--replications", "2", "--half-width", "0.1", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "proposed warm-up" in proc.stdout and "configured warmup_days: 56" in proc.stdout
    assert "sim warmup: pilot: replication 2 of 2 done" in proc.stderr  # progress off a terminal
    for name in ("warmup.csv", "replications.csv", "ci_table.csv", "welch.csv", "welch.png"):
        assert (out / name).stat().st_size > 0
    warmup = pd.read_csv(out / "warmup.csv")
    assert {"metric", "group", "method", "warmup_days", "configured_warmup_days"} <= set(warmup.columns)
    assert (warmup["configured_warmup_days"] == 56).all()
    reps = pd.read_csv(out / "replications.csv")
    assert reps.columns[:7].tolist() == [
        "metric", "group", "pilot_n", "mean", "sd", "pilot_half_width", "target_half_width",
    ]  # fmt: skip
    assert (reps["pilot_n"] == 2).all() and (reps["replications_needed"] >= 2).all()


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["--replications", "1"], "--replications"),
        (["--half-width", "-0.1"], "--half-width"),
        (["--metric", "a:b:c"], "--metric"),
        (["--replications", "x"], "--replications"),
        (["population.size=-5"], "population.size"),
    ],
)
def test_bad_argument_exits_2_naming_the_key(args, key, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(warmup_main(args))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and key in err

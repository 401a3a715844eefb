"""Plots that tell the truth: intervals within the bounds of their KPI, variants that coincide
told apart and named, empty panels left out, and no artefact at the ends of a daily series."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.report import plots
from sim.report.bounds import bounded, limits
from sim.report.plot_style import coinciding, line_styles
from sim.report.timeseries_plots import daily_mean

SUMMARY = ["variant", "scenario", "metric", "group", "unit", "mean", "ci_low", "ci_high", "n"]
VARIANTS = ("baseline", "health_houses", "acute_function")
AVOIDABLE, PER_65 = "avoidable_admissions_per_1000_65plus", "per 1000 aged 65+ per year"


def _row(variant: str, metric: str, group: str, unit: str, mean: float, half: float) -> tuple:
    return (variant, variant, metric, group, unit, mean, mean - half, mean + half, 3)


def _summary() -> pd.DataFrame:
    """Three variants: waits and travel whose t intervals reach below 0, a share whose interval
    reaches above 1, and residents without a GP that are 0 everywhere."""
    rows = []
    for k, v in enumerate(VARIANTS):
        rows += [
            _row(v, "routine_wait_days_mean", "all", "days", 0.4 + 0.1 * k, 0.9),
            _row(v, "same_day_share", "all", "share of contacts", 0.9, 0.2),
            _row(v, "residents_without_gp_per_1000", "all", "per 1000 residents", 0.0, 0.0),
            _row(v, "access_hours_per_week_per_1000", "all", "hours", 25.0, 0.5),
            *[_row(v, "travel_minutes_mean", a, "minutes", 20.0 + 5 * (k == 2), 28.0) for a in plots_areas()],
            _row(v, AVOIDABLE, "pneumonia", PER_65, 8.0, 27.0),
            _row(v, AVOIDABLE, "constipation", PER_65, 0.0, 0.0),
        ]  # fmt: skip
    return pd.DataFrame(rows, columns=SUMMARY)


def plots_areas() -> tuple[str, ...]:
    """The area types of the access-travel plot."""
    from sim.report.kpi_plots import AREA_TYPES

    return AREA_TYPES


def _whisker_ends(ax: plt.Axes, horizontal: bool = True) -> np.ndarray:
    """Every end of every error bar drawn in ``ax`` (x for horizontal bars, y for vertical)."""
    ends = [seg[:, 0 if horizontal else 1] for c in ax.collections for seg in c.get_segments()]
    return np.concatenate(ends) if ends else np.array([])


def test_bounded_cuts_intervals_at_the_bounds_and_marks_them() -> None:
    assert limits("same_day_share") == (0.0, 1.0) and limits("utilisation") == (0.0, 1.0)
    assert limits("routine_wait_days_mean") == (0.0, np.inf)
    assert limits("not_registered") == (-np.inf, np.inf)
    out = bounded(_summary()).set_index(["variant", "metric", "group"])
    wait = out.loc[("baseline", "routine_wait_days_mean", "all")]
    assert (wait["ci_low"], wait["ci_high"], wait["cut_low"], wait["cut_high"]) == (0.0, 1.3, True, False)
    share = out.loc[("baseline", "same_day_share", "all")]
    assert share["ci_high"] == 1.0 and share["cut_high"] and share["ci_low"] == pytest.approx(0.7)
    free = bounded(pd.DataFrame([_row("b", "m", "all", "days", 0.1, 1.0)], columns=SUMMARY))
    assert free["ci_low"].iloc[0] == pytest.approx(-0.9) and not free["cut_low"].iloc[0]


def test_comparison_whiskers_stay_within_bounds_and_empty_panels_are_named(figures, tmp_path: Path) -> None:
    kpis = [
        ("routine_wait_days_mean", "all"),
        ("same_day_share", "all"),
        ("residents_without_gp_per_1000", "all"),
    ]
    assert plots.plot_kpi_comparison(_summary(), tmp_path / "k.png", kpis=kpis) is not None
    fig = figures[0]
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [
        "Mean wait for a routine appointment",
        "Contacts on the day asked",
    ]
    assert "Not drawn (0 or missing in every variant): Residents without a GP" in fig.get_suptitle()
    assert "cut at 0" in fig.get_suptitle()
    wait, share = visible
    assert _whisker_ends(wait).min() == 0.0  # the t interval reached -0.5: cut at 0
    assert _whisker_ends(share).max() == 1.0  # and 1.1 for the share: cut at 1
    marks = [line for line in wait.get_lines() if line.get_marker() == "o"]
    assert marks and all(x == 0 for m in marks for x in m.get_xdata())  # the cut ends are marked


def test_avoidable_by_condition_leaves_out_conditions_never_admitted(figures, tmp_path: Path) -> None:
    assert plots.plot_avoidable_by_condition(_summary(), tmp_path / "a.png") is not None
    ax = figures[0].axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["pneumonia"]
    assert "no admission in any variant): constipation" in ax.get_title()
    assert _whisker_ends(ax).min() >= 0


def test_access_travel_names_coinciding_variants_and_draws_them_concentric(figures, tmp_path: Path) -> None:
    assert plots.plot_access_travel(_summary(), tmp_path / "t.png") is not None
    fig = figures[0]
    legend = fig.legends[0]
    assert legend.get_title().get_text().replace("\n", " ") == (
        "baseline and health_houses coincide (concentric markers)"
    )
    ax = fig.axes[0]
    assert _whisker_ends(ax).min() >= 0  # travel times: 20 ± 28 minutes, cut at 0
    sizes = {line.get_markersize() for line in ax.get_lines() if line.get_marker() in ("o", "s", "^")}
    assert {13.0, 8.0} <= sizes  # baseline drawn larger under health_houses


def test_coinciding_groups_and_distinct_styles() -> None:
    a, b = np.array([1.0, 2.0, np.nan]), np.array([1.0, 2.5, np.nan])
    values = {"baseline": a, "x": b, "y": a.copy(), "z": b + 1e-12, "w": np.full(3, np.nan)}
    assert coinciding(values) == [["baseline", "y"], ["x", "z"]]
    assert coinciding({"p": a, "q": a + 0.01}, atol=0.02) == [["p", "q"]]
    styles = line_styles([f"v{k}" for k in range(8)], points=100)
    assert len({(s["ls"], s["marker"]) for s in styles.values()}) == 8
    assert len({s["markevery"][0] for s in styles.values()}) > 1  # markers shifted apart


def _weekly_series(
    variants: dict[str, float], days: int = 70, metric: str = "requests_unmet"
) -> pd.DataFrame:
    """A daily series per variant over ``days`` days from a Monday: ``level`` on weekdays and 0 at
    weekends (days 5 and 6 of each week), as requests that found no appointment are."""
    rows = []
    for variant, level in variants.items():
        for day in range(days):
            value = 0.0 if (day % 7) in (5, 6) else level
            rows.append((variant, variant, 0, day, metric, "all", value))
    return pd.DataFrame(
        rows, columns=["variant", "scenario", "replication", "day", "metric", "group", "value"]
    )


def test_no_artefact_at_the_ends_of_a_weekly_pattern() -> None:
    ts = _weekly_series({"baseline": 5.0}, days=67)  # day 66 is a Thursday: days 63-66 are weekdays
    weekly = 5.0 * 5 / 7
    old = ts.groupby("day")["value"].mean().rolling(7, min_periods=1, center=True).mean()
    assert old.iloc[-1] == pytest.approx(5.0) and old.iloc[-1] > 1.35 * weekly  # the spike a cut window made
    new = daily_mean(ts, 7, 0, 66)
    drawn = new.dropna()
    assert np.allclose(drawn.to_numpy(), weekly)  # every window a full week: no spike
    assert new.iloc[:3].isna().all() and new.iloc[-3:].isna().all()
    assert len(drawn) == 67 - 6
    short = daily_mean(_weekly_series({"baseline": 5.0}, days=10), 7, 0, 9)  # shorter than two weeks
    assert short.notna().all() and len(short) == 10  # drawn day by day, not hidden as edges


def test_timeseries_panels_distinguish_coinciding_lines_and_leave_out_empty_ones(
    figures, tmp_path: Path
) -> None:
    unmet = _weekly_series({"baseline": 5.0, "health_houses": 5.0, "acute_function": 2.0}, days=67)
    wait = _weekly_series(
        {"baseline": 1.0, "health_houses": 1.0, "acute_function": 1.5},
        days=67,
        metric="routine_wait_days_mean",
    )
    zero = _weekly_series(dict.fromkeys(VARIANTS, 0.0), days=67).assign(metric="utilisation", group="nurse")
    path = plots.plot_waits_utilisation(pd.concat([unmet, wait, zero]), tmp_path / "ts.png", warmup_days=14)
    assert path is not None
    fig = figures[0]
    assert (
        "Not drawn (0 or missing on every day in every variant): Practice nurse time used"
        in fig.get_suptitle()
    )
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    for ax in visible:
        assert "baseline and health_houses coincide" in ax.get_title().replace("\n", " ")
        lines = {line.get_label(): line for line in ax.get_lines()}
        base, houses = lines["baseline"], lines["health_houses"]
        assert np.allclose(base.get_ydata(), houses.get_ydata(), equal_nan=True)
        assert (base.get_linestyle(), base.get_marker()) != (houses.get_linestyle(), houses.get_marker())
        assert base.get_markevery() != houses.get_markevery()
        y = houses.get_ydata()
        assert np.isnan(y[-3:]).all()  # the incomplete last days are left out
        finite = y[np.isfinite(y)]
        assert finite.max() - finite.min() < 1e-9  # a steady weekly pattern draws a flat line

"""Plots of a study: each reads tables only, labels every axis, and skips what it cannot draw."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sim.report import plots
from sim.report.study import load_study
from sim.report.variants import short_variant, summarise, swept_params


@pytest.fixture(scope="module")
def study(study_dir: Path):
    """The fixture study's tables."""
    return load_study(study_dir)


def _unlabelled(fig: plt.Figure) -> list[str]:
    """Titles of visible plot axes without an x or y label (a shared y axis may carry it once)."""
    missing = []
    labelled_y = [ax for ax in fig.axes if ax.get_ylabel()]
    for ax in fig.axes:
        if not ax.get_visible() or hasattr(ax, "_colorbar"):
            continue
        shared = any(ax.get_shared_y_axes().joined(ax, other) for other in labelled_y)
        if not ax.get_xlabel() or not (ax.get_ylabel() or shared):
            missing.append(ax.get_title() or "untitled")
    return missing


def test_every_plot_is_drawn_with_labelled_axes(study, figures, tmp_path: Path) -> None:
    s, jobs = study.summary, study.jobs[study.jobs["status"] == "ok"]
    paths = [
        plots.plot_kpi_comparison(s, tmp_path / "a.png"),
        plots.plot_waits_utilisation(study.timeseries, tmp_path / "b.png", warmup_days=14),
        plots.plot_sweep_heatmap(s, jobs, tmp_path / "c.png", "routine_wait_days_mean"),
        plots.plot_access_travel(s, tmp_path / "d.png"),
        plots.plot_avoidable_by_condition(s, tmp_path / "e.png"),
        plots.plot_population_pyramid(s, tmp_path / "f.png"),
    ]
    assert all(p is not None and p.stat().st_size > 1000 for p in paths)
    for fig in figures:
        assert not _unlabelled(fig), fig.get_suptitle()


def test_single_run_tables_without_variant_still_plot(study, figures, tmp_path: Path) -> None:
    kpis = study.kpis.drop(columns="variant")
    ts = study.timeseries.drop(columns="variant")
    assert plots.plot_kpis(kpis, tmp_path / "kpis.png").exists()
    assert plots.plot_timeseries(ts, tmp_path / "ts.png").exists()
    assert not _unlabelled(figures[0])


def test_plots_accept_replication_rows_as_well_as_a_summary(study) -> None:
    from_rows = summarise(study.kpis)
    sel = ["variant", "metric", "group"]
    merged = from_rows.merge(study.summary, on=sel, suffixes=("", "_csv"))
    assert len(merged) == len(study.summary)
    assert (merged["mean"] - merged["mean_csv"]).abs().max() < 1e-6


def _sweep(nurses: list[int], beds: list[int] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic summary and jobs table of a sweep over nurses (and beds)."""
    jobs, summary = [], []
    for n in nurses:
        for b in beds or [None]:
            variant = f"baseline | acute.nurses={n}" + (f" | hospital.beds={b}" if b is not None else "")
            jobs.append({"variant": variant, "scenario": "baseline", "status": "ok", "acute.nurses": str(n)})
            if b is not None:
                jobs[-1]["hospital.beds"] = str(b)
            value = 10.0 - n + (b or 0) / 10
            row = {"variant": variant, "scenario": "baseline", "metric": "m", "group": "all", "unit": "days"}
            summary.append(row | {"mean": value, "ci_low": value - 1, "ci_high": value + 1, "n": 5})
    return pd.DataFrame(summary), pd.DataFrame(jobs)


def test_heatmap_of_a_two_parameter_sweep(figures, tmp_path: Path) -> None:
    summary, jobs = _sweep([1, 2, 10], [20, 30])
    assert swept_params(jobs) == ["acute.nurses", "hospital.beds"]
    path = plots.plot_sweep_heatmap(summary, jobs, tmp_path / "heat.png", "m")
    assert path is not None and path.exists()
    (ax, _colorbar) = figures[0].axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "10"]  # numeric order
    assert not _unlabelled(figures[0])


def test_heatmap_skipped_with_fewer_than_two_swept_parameters(tmp_path: Path) -> None:
    summary, jobs = _sweep([1, 2, 3], None)
    assert plots.plot_sweep_heatmap(summary, jobs, tmp_path / "heat.png", "m") is None
    assert not (tmp_path / "heat.png").exists()


def test_plots_without_their_kpis_return_none(tmp_path: Path) -> None:
    empty = pd.DataFrame(
        columns=["variant", "scenario", "metric", "group", "unit", "mean", "ci_low", "ci_high"]
    )
    assert plots.plot_access_travel(empty, tmp_path / "a.png") is None
    assert plots.plot_avoidable_by_condition(empty, tmp_path / "b.png") is None
    assert plots.plot_population_pyramid(empty, tmp_path / "c.png") is None
    assert plots.plot_kpi_comparison(empty, tmp_path / "d.png") is None


def test_pyramid_shows_today_and_2035(study) -> None:
    assert plots.pyramid_variants(study.summary) == ["baseline", "ageing_2035"]


def test_population_by_age_adds_up_to_the_population(study) -> None:
    kpis = study.kpis
    ages = kpis[kpis["metric"] == "population_by_age"]
    assert set(ages["unit"]) == {"persons"}
    assert {"M:65-69", "F:65-69", "M:0-4", "F:95+"} <= set(ages["group"])
    totals = ages.groupby(["variant", "replication"])["value"].sum()
    population = kpis[(kpis["metric"] == "population") & (kpis["group"] == "all")]
    assert totals.to_dict() == population.set_index(["variant", "replication"])["value"].to_dict()
    old = (
        ages[ages["group"].str.match(r"^[MF]:(8\d|9\d|95)")]
        .groupby(["variant", "replication"])["value"]
        .sum()
    )
    band = kpis[(kpis["metric"] == "population") & (kpis["group"] == "80+")]
    assert old.to_dict() == band.set_index(["variant", "replication"])["value"].to_dict()


def test_report_kpis_have_plain_labels() -> None:
    from sim.report.labels import REPORT_KPIS

    for _, metric, _ in REPORT_KPIS:
        assert metric in plots.LABELS
    assert plots.label("utilisation", "gp") == "Clinician time used (GPs)"
    assert short_variant("baseline | services.acute_function.shifts.day.nurses=3") == (
        "baseline, day.nurses=3"
    )

"""The plots of the report: which plots, in which order, with what title and caption, drawn
from the study's tables, and embedded in the page as base64 PNG."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.report import plots
from sim.report.labels import HEATMAP_KPIS
from sim.report.markup import esc
from sim.report.places import many_places, plot_place_maps
from sim.report.stress_des import warmup_days
from sim.report.study import Study

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    """A plot of the report: its file, title and how to read it."""

    key: str
    title: str
    caption: str
    path: Path


# (key, title, caption) of every plot, in report order; heat maps have one key per KPI
FIGURES: tuple[tuple[str, str, str], ...] = (
    (
        "kpi_comparison",
        "Headline KPIs by variant",
        "Each bar is the mean over replications of one KPI in one variant; the whiskers are its 95% "
        "confidence interval, cut at 0 (or at 1 for a share) where it would reach beyond what the KPI can "
        "be, the cut end marked by an open circle. Overlapping whiskers do not prove there is no "
        "difference: the paired differences table below is the sharper test. A KPI that is 0 or missing "
        "in every variant is named in the title instead of drawn.",
    ),
    (
        "waits_utilisation",
        "Waits and utilisation over time",
        "Daily values averaged over replications and smoothed over a week; the grey band is the warm-up, "
        "which is not measured. The first and last three days of the run are left out: a week cut short "
        "there would average weekdays without their weekend. Each variant has its own line style and "
        "markers, and a panel's title names the variants whose lines coincide there (closer than half a "
        "percent of the axis on every day). Steadily rising waits or unmet requests mean demand outgrows "
        "capacity. A panel that is 0 on every day in every variant is named in the title instead of drawn.",
    ),
    *(
        (
            f"heatmap_{metric}",
            f"Sweep: {plots.label(metric, group)}",
            "Mean over replications for each combination of the two swept parameters (empty cells: not "
            "run; 'default': the parameter was not set in that job).",
        )
        for metric, group in HEATMAP_KPIS
    ),
    (
        "access_travel",
        "Access against travel by area type",
        "Each marker is a variant (colour) and an area type (shape): across, the mean one-way travel time "
        "to the practice; up, GP-staffed opening hours per week per 1,000 residents. Whiskers: 95% CIs, "
        "cut at 0 (open circle) where they would reach below it. Variants that coincide are drawn as "
        "concentric markers and named in the legend.",
    ),
    (
        "avoidable_by_condition",
        "Avoidable admissions by condition",
        "Admissions of people aged 65+ for conditions on the Danish list of avoidable admissions, per "
        "1,000 aged 65+ per year, by condition group and variant, with 95% CIs, cut at 0 (open circle) "
        "where they would reach below it. Conditions with no admission in any variant are named in the "
        "title.",
    ),
    (
        "place_maps",
        "Places on the map",
        "Each municipality the study ran, filled by its mean over replications under the reference "
        "scenario (avoidable admissions per 1,000 aged 65+, routine wait, GP-staffed hours per 1,000), "
        "then each other scenario's effect on avoidable admissions, paired with the same place's "
        "reference (blue: fewer, red: more; the scale is symmetric around 0). Grey: not run. A place run "
        "scaled down keeps its density; the Places section gives each place's scale and how much of the "
        "spread is replication noise.",
    ),
    (
        "population_pyramid",
        "Population pyramid",
        "Residents by sex and five-year age group at the end of the measured period (mean over "
        "replications), today's population beside the 2035 projection when both are in the study; "
        "outlines repeat the first panel for comparison.",
    ),
)


def _drawers(study: Study) -> dict[str, Callable[[Path], Path | None]]:
    """The function that draws each plot of :data:`FIGURES` from the study's tables."""
    s, jobs = study.summary, study.jobs
    ok_jobs = jobs[jobs["status"] == "ok"] if "status" in jobs.columns else jobs
    drawers: dict[str, Callable[[Path], Path | None]] = {
        "kpi_comparison": lambda p: plots.plot_kpi_comparison(s, p),
        "waits_utilisation": lambda p: plots.plot_waits_utilisation(
            study.timeseries, p, warmup_days=warmup_days(study)
        ),
        "access_travel": lambda p: plots.plot_access_travel(s, p),
        "avoidable_by_condition": lambda p: plots.plot_avoidable_by_condition(s, p),
        "population_pyramid": lambda p: plots.plot_population_pyramid(s, p),
        "place_maps": lambda p: plot_place_maps(study.places, p),
    }
    for metric, group in HEATMAP_KPIS:
        drawers[f"heatmap_{metric}"] = lambda p, m=metric, g=group: plots.plot_sweep_heatmap(
            s, ok_jobs, p, m, g
        )
    return drawers


def make_plots(study: Study, folder: Path) -> list[Figure]:
    """Draw every plot that the study's tables allow into ``folder``; return them in report order
    (a study of many places, :func:`sim.report.places.many_places`: its maps only)."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = []
    drawers = _drawers(study)
    many = many_places(study.places)
    for key, title, caption in FIGURES:
        if many and key != "place_maps":  # one bar or line per variant: unreadable
            log.info("plot %s not drawn: the study runs many places (see the maps)", key)
            continue
        try:
            path = drawers[key](folder / f"{key}.png")
        except OSError:  # a folder that cannot be written fails the report, not one plot
            raise
        except Exception as exc:  # a plot that cannot be drawn must not cost the whole report
            log.warning("plot %s not drawn: %r", key, exc)
            path = None
        if path is not None:
            figures.append(Figure(key, title, caption, Path(path)))
    return figures


def embed(figure: Figure) -> str:
    """A figure as HTML with its PNG inlined as base64."""
    data = base64.b64encode(figure.path.read_bytes()).decode("ascii")
    return (
        f'<figure id="fig-{esc(figure.key)}"><h3>{esc(figure.title)}</h3>'
        f'<img alt="{esc(figure.title)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(figure.caption)}</figcaption></figure>"
    )

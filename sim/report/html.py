"""One self-contained HTML report of a study directory: plots, tables, manifest, STRESS-DES.

``build_report(study_dir)`` reads the tables ``sim collate`` wrote, draws the plots into
``<study>/plots/``, and writes ``report.html`` with every plot embedded as a base64 PNG: no
file beside it, nothing fetched from the network, no JavaScript. The model description
follows STRESS-DES (Monks et al. 2019); its text is the template ``stress_des.md`` filled
with facts of the study. The plots are drawn into a temporary folder beside ``plots/`` that
replaces it whole once the report is written: a failure leaves the old plots and report as
they were, and nothing but the report file and ``<study>/plots/`` is ever written.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.report import plots
from sim.report.files import replace_folder, writing
from sim.report.labels import HEATMAP_KPIS, REPORT_KPIS
from sim.report.markup import esc, excludes_zero, fmt, frame_table, interval, table
from sim.report.stress_des import reference_variant, scenario_descriptions, stress_des, warmup_days
from sim.report.study import Study, load_study
from sim.report.variants import swept_params, variants_of

log = logging.getLogger(__name__)


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 2em auto;
       max-width: 1250px; padding: 0 1em; color: #1d2433; line-height: 1.45; }
h1 { border-bottom: 3px solid #4C72B0; padding-bottom: .2em; }
h2 { border-bottom: 1px solid #ccd; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .88em; }
th, td { border: 1px solid #ccd; padding: .25em .55em; text-align: left; vertical-align: top; }
th { background: #eef1f7; }
td small { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.clear td { background: #fff4d6; font-weight: 600; }
tr.theme td { background: #f6f7fb; font-weight: 600; }
.scroll { overflow-x: auto; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; border: 1px solid #dde; }
figcaption { font-size: .92em; color: #374151; max-width: 60em; }
pre { background: #f6f7fb; padding: .8em; overflow-x: auto; font-size: .85em; }
code { background: #f0f2f7; padding: 0 .2em; }
.note { background: #eef6ee; border-left: 4px solid #55A868; padding: .5em 1em; }
.warn { background: #fdeeee; border-left: 4px solid #C44E52; padding: .5em 1em; }
nav ol { columns: 2; }
"""


@dataclass(frozen=True)
class Figure:
    """A plot of the report: its file, title and how to read it."""

    key: str
    title: str
    caption: str
    path: Path


# ---------------------------------------------------------------------------- plots


# (key, title, caption) of every plot, in report order; heat maps have one key per KPI
FIGURES: tuple[tuple[str, str, str], ...] = (
    (
        "kpi_comparison",
        "Headline KPIs by variant",
        "Each bar is the mean over replications of one KPI in one variant; the whiskers are its 95% "
        "confidence interval. Overlapping whiskers do not prove there is no difference: the paired "
        "differences table below is the sharper test.",
    ),
    (
        "waits_utilisation",
        "Waits and utilisation over time",
        "Daily values averaged over replications and smoothed over a week; the grey band is the warm-up, "
        "which is not measured. Steadily rising waits or unmet requests mean demand outgrows capacity.",
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
        "to the practice; up, GP-staffed opening hours per week per 1,000 residents. Whiskers: 95% CIs.",
    ),
    (
        "avoidable_by_condition",
        "Avoidable admissions by condition",
        "Admissions of people aged 65+ for conditions on the Danish list of avoidable admissions, per "
        "1,000 aged 65+ per year, by condition group and variant, with 95% CIs.",
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
    }
    for metric, group in HEATMAP_KPIS:
        drawers[f"heatmap_{metric}"] = lambda p, m=metric, g=group: plots.plot_sweep_heatmap(
            s, ok_jobs, p, m, g
        )
    return drawers


def make_plots(study: Study, folder: Path) -> list[Figure]:
    """Draw every plot that the study's tables allow into ``folder``; return them in report order."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = []
    drawers = _drawers(study)
    for key, title, caption in FIGURES:
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


# ---------------------------------------------------------------------------- sections


def _present(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """REPORT_KPIS that ``frame`` holds."""
    if frame.empty:
        return []
    keys = set(zip(frame["metric"], frame["group"].astype(str), strict=True))
    return [k for k in REPORT_KPIS if (k[1], k[2]) in keys]


def headline_section(study: Study) -> str:
    """Means and 95% CIs of the headline KPIs, one column per variant."""
    s = study.summary
    variants = variants_of(s)
    rows, classes, theme = [], [], None
    index = s.set_index(["metric", "group", "variant"])
    for kpi_theme, metric, group in _present(s):
        if kpi_theme != theme:
            theme = kpi_theme
            rows.append([f"<strong>{esc(theme)}</strong>", "", *[""] * len(variants)])
            classes.append("theme")
        cells = []
        unit = ""
        for v in variants:
            if (metric, group, v) in index.index:
                r = index.loc[(metric, group, v)]
                r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
                unit = unit or str(r.get("unit", ""))
                cells.append(f"{fmt(r['mean'])}<br><small>{interval(r['ci_low'], r['ci_high'])}</small>")
            else:
                cells.append("–")
        rows.append([esc(plots.label(metric, group)), esc(unit), *cells])
        classes.append("")
    header = ["KPI", "unit", *variants]
    return (
        "<h2 id='headline'>Headline KPIs: mean and 95% confidence interval</h2>"
        "<p>Each cell is the mean over replications and, below it, the 95% confidence interval: intervals "
        "made this way contain the model's true long-run mean in 95 of 100 studies. A wide interval "
        "means more replications are needed before reading much into the number.</p>"
        + table(header, rows, classes)
        + "<details><summary>All KPIs of all variants (summary.csv)</summary>"
        + frame_table(s)
        + "</details>"
    )


def _difference_rows(diffs: pd.DataFrame, kpis: list[tuple[str, str, str]] | None) -> tuple[list, list]:
    rows, classes = [], []
    if kpis is not None:  # the chosen KPIs only, in their order within each variant
        order = {(m, g): k for k, (_, m, g) in enumerate(kpis)}
        rank = [order.get((m, str(g)), -1) for m, g in zip(diffs["metric"], diffs["group"], strict=True)]
        variant_rank = {v: k for k, v in enumerate(dict.fromkeys(diffs["variant"]))}
        diffs = diffs.assign(_rank=rank, _variant=diffs["variant"].map(variant_rank))
        diffs = diffs[diffs["_rank"] >= 0].sort_values(["_variant", "_rank"], kind="stable")
    for r in diffs.itertuples(index=False):
        clear = excludes_zero(r.ci_low, r.ci_high)
        rel = getattr(r, "rel_diff", float("nan"))
        rel_text = "–" if pd.isna(rel) else f"{float(rel) * 100:+.1f}%"
        rows.append([
            esc(r.variant), esc(plots.label(r.metric, str(r.group))), esc(r.unit),
            ("+" if float(r.mean_diff) > 0 else "") + fmt(r.mean_diff), interval(r.ci_low, r.ci_high),
            rel_text, esc(int(r.n) if not pd.isna(r.n) else "–"), "● yes" if clear else "no",
        ])  # fmt: skip
        classes.append("clear" if clear else "")
    return rows, classes


def differences_section(study: Study) -> str:
    """Paired differences against the reference variant, CIs that exclude 0 marked."""
    diffs = study.differences
    ref = reference_variant(study)
    intro = (
        f"<h2 id='differences'>Differences against {esc(ref)}</h2>"
        f"<p>Each row is a variant minus <strong>{esc(ref)}</strong>, computed replication by replication "
        "(replication <em>r</em> of every variant meets the same random events: common random numbers) "
        "and then averaged, with a 95% confidence interval of the paired differences. "
        "<strong>Highlighted rows (●)</strong> have an interval that excludes 0: the model shows a "
        "difference larger than its own noise. Whether a higher value is better depends on the KPI.</p>"
    )
    if diffs.empty:
        return intro + "<p class='note'>No differences table in this study (only one variant?).</p>"
    header = ["variant", "KPI", "unit", "difference", "95% CI", "relative", "n", "CI excludes 0"]
    rows, classes = _difference_rows(diffs, _present(diffs))
    all_rows, all_classes = _difference_rows(diffs, None)
    return (
        intro
        + table(header, rows, classes)
        + "<details><summary>All KPIs (differences.csv)</summary>"
        + table(header, all_rows, all_classes)
        + "</details>"
    )


def scenarios_section(study: Study) -> str:
    """Scenario names and descriptions, and the variants of the study."""
    rows = [[f"<strong>{esc(k)}</strong>", esc(v or "–")] for k, v in scenario_descriptions(study).items()]
    swept = swept_params(study.jobs)
    variants = variants_of(study.summary)
    return (
        "<h2 id='scenarios'>Scenarios and variants</h2>"
        + table(["scenario", "description"], rows)
        + f"<p>{len(variants)} variant(s): "
        + ", ".join(f"<code>{esc(v)}</code>" for v in variants)
        + ". Swept: "
        + (", ".join(f"<code>{esc(p)}</code>" for p in swept) or "nothing")
        + ".</p>"
    )


def failures_section(study: Study) -> str:
    """The jobs that did not finish, if any."""
    failures = study.failures
    if failures.empty:
        return "<h2 id='failures'>Failed jobs</h2><p class='note'>Every job finished (status ok).</p>"
    cols = [c for c in ("job", "variant", "scenario", "status", "overrides", "dir") if c in failures.columns]
    return (
        "<h2 id='failures'>Failed jobs</h2><p class='warn'>These jobs failed and are missing from every "
        "table and plot; the status names the error.</p>" + frame_table(failures[cols])
    )


def _seeds(record: dict[str, Any]) -> tuple[str, str]:
    seeds = record.get("seeds") or {}
    reps = seeds.get("replications")
    count = f"{len(reps)} ({reps[0]}–{reps[-1]})" if isinstance(reps, list) and reps else "–"
    return esc(seeds.get("seed", "–")), esc(count)


def manifest_section(study: Study) -> str:
    """The reproducibility manifest: commit, packages, config hashes, seeds, overrides, status."""
    m = study.manifest
    facts = [
        ["study directory", esc(study.path)],
        ["source (multirun)", esc(m.get("source", "not recorded"))],
        ["collated", esc(m.get("created", "not recorded"))],
        ["git commit", f"<code>{esc(m.get('git_commit', 'not recorded'))}</code>"],
    ]
    commits = list(dict.fromkeys(str(r["git_commit"]) for r in study.job_records if r.get("git_commit")))
    if commits and commits != [str(m.get("git_commit"))]:
        facts.append(["git commit of the jobs", ", ".join(f"<code>{esc(c)}</code>" for c in commits)])
    packages = [[esc(k), esc(v)] for k, v in (m.get("packages") or {}).items()]
    rows = []
    for r in study.job_records:
        overrides = r.get("overrides", "")
        overrides = " ".join(overrides) if isinstance(overrides, list) else str(overrides)
        seed, reps = _seeds(r)
        rows.append([
            esc(r.get("job", "–")), esc(r.get("variant", r.get("scenario", "–"))), esc(r.get("status", "–")),
            f"<code>{esc(r.get('config_hash', '–'))}</code>", seed, reps,
            f"<code>{esc(overrides or '–')}</code>", fmt(r.get("wall_seconds", float("nan"))),
        ])  # fmt: skip
    rule = next((r["seeds"].get("rule") for r in study.job_records if isinstance(r.get("seeds"), dict)), None)
    streams = sorted({s for r in study.job_records for s in (r.get("seeds") or {}).get("streams", [])})
    header = ["job", "variant", "status", "config hash", "seed", "replications", "overrides", "wall s"]
    return (
        "<h2 id='manifest'>Reproducibility</h2>"
        "<p>Everything needed to run any job again: the code version, the package versions, and per job "
        "the hash of its full configuration, its seeds and its command-line overrides.</p>"
        + table(["item", "value"], facts)
        + "<h3>Packages</h3>"
        + table(["package", "version"], packages)
        + "<h3>Jobs</h3>"
        + table(header, rows)
        + (f"<p>Seeding rule: <code>{esc(rule)}</code>.</p>" if rule else "")
        + (
            "<details><summary>Random streams</summary><p>"
            + ", ".join(f"<code>{esc(s)}</code>" for s in streams)
            + "</p></details>"
            if streams
            else ""
        )
    )


CONTENTS = (
    ("scenarios", "Scenarios and variants"),
    ("plots", "Plots"),
    ("headline", "Headline KPIs"),
    ("differences", "Differences against the reference"),
    ("failures", "Failed jobs"),
    ("manifest", "Reproducibility"),
    ("stress-des", "Model description (STRESS-DES)"),
)


def render(study: Study, figures: list[Figure]) -> str:
    """The whole report as one HTML document."""
    title = f"Study {study.name}: patient flow in Danish primary care"
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    contents = "".join(f"<li><a href='#{k}'>{esc(v)}</a></li>" for k, v in CONTENTS)
    plots_html = "".join(embed(f) for f in figures) or "<p class='note'>No plots: the tables are empty.</p>"
    experiment = study.manifest.get("experiment") or {}
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>Experiment <strong>{esc(experiment.get('name', study.name))}</strong>: "
        f"{esc(experiment.get('description', ''))} Report written {esc(created)} "
        "by <code>sim report</code>.</p>",
        f"<nav><strong>Contents</strong><ol>{contents}</ol></nav>",
        scenarios_section(study),
        f"<h2 id='plots'>Plots</h2>{plots_html}",
        headline_section(study),
        differences_section(study),
        failures_section(study),
        manifest_section(study),
        f"<h2 id='stress-des'>Model description (STRESS-DES)</h2><p>Structured after the STRESS-DES "
        f"reporting guideline for discrete-event simulation (Monks et al. 2019).</p>{stress_des(study)}",
        "</body></html>",
    ]
    return "\n".join(parts)


def build_report(study_dir: Path | str, out: Path | str | None = None) -> Path:
    """Write the report of the study at ``study_dir`` (default ``<study>/report.html``) and its
    plots (``<study>/plots/``, replaced whole); return the report's path. Raise
    :class:`NotAStudyError` for a damaged study, :class:`CannotWriteError` when writing fails."""
    study = load_study(study_dir)
    out = Path(out) if out is not None else study.path / "report.html"
    tmp_report = out.with_name(f".{out.name}.tmp{os.getpid()}")
    tmp_plots: Path | None = None
    try:
        with writing(study.path):
            tmp_plots = Path(tempfile.mkdtemp(dir=study.path, prefix=".plots."))
            figures = make_plots(study, tmp_plots)
        page = render(study, figures)
        with writing(out.parent):
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp_report.write_text(page, encoding="utf-8")
        with writing(study.path):
            replace_folder(tmp_plots, study.path / "plots")
            tmp_plots = None
        with writing(out.parent):
            os.replace(tmp_report, out)
    finally:
        with contextlib.suppress(OSError):
            tmp_report.unlink(missing_ok=True)
        if tmp_plots is not None:
            shutil.rmtree(tmp_plots, ignore_errors=True)
    log.info("report written to %s (%d plots)", out, len(figures))
    return out

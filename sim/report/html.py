"""One self-contained HTML report of a study directory: key findings, warnings, plots, tables,
manifest, STRESS-DES.

``build_report(study_dir)`` reads the tables ``sim collate`` wrote, draws the plots into
``<study>/plots/``, and writes ``report.html`` with every plot embedded as a base64 PNG: no
file beside it, nothing fetched from the network, no JavaScript. The model description
follows STRESS-DES (Monks et al. 2019); its text is the template ``stress_des.md`` filled
with facts of the study. The plots are drawn into a temporary folder beside ``plots/`` that
replaces it whole once the report is written: a failure leaves the old plots and report as
they were, and nothing but the report file and ``<study>/plots/`` is ever written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sim.report.economics import cost_effectiveness_section
from sim.report.figures import Figure, embed, make_plots
from sim.report.files import replace_folder, writing
from sim.report.key_findings import findings_section
from sim.report.kpi_tables import differences_section, headline_section
from sim.report.markup import esc
from sim.report.places import many_places, per_variant_note, places_findings_section, places_section
from sim.report.reproducibility import failures_section, manifest_section
from sim.report.run_warnings import warnings_section
from sim.report.scenarios import scenarios_section
from sim.report.sensitivity import sensitivity_folder, sensitivity_section
from sim.report.stress_des import reference_variant, stress_des
from sim.report.study import Study, load_study

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


CONTENTS = (
    ("findings", "Key findings"),
    ("warnings", "Warnings"),
    ("scenarios", "Scenarios and variants"),
    ("plots", "Plots"),
    ("headline", "Headline KPIs"),
    ("differences", "Differences against the reference"),
    ("cost-effectiveness", "Cost per avoided avoidable admission"),
    ("places", "Places"),
    ("sensitivity", "How much the answers depend on assumptions"),
    ("failures", "Failed jobs"),
    ("manifest", "Reproducibility"),
    ("stress-des", "Model description (STRESS-DES)"),
)


def render(study: Study, figures: list[Figure], sensitivity: Path | None = None) -> str:
    """The whole report as one HTML document (``sensitivity``: the folder of ``sim sensitivity``)."""
    title = f"Study {study.name}: patient flow in Danish primary care"
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    places = places_section(study.places)
    many = many_places(study.places)
    economics = "" if many else cost_effectiveness_section(study, reference_variant(study))
    absent = {k for k, text in (("places", places), ("cost-effectiveness", economics)) if not text}
    shown = [(k, v) for k, v in CONTENTS if k not in absent]
    contents = "".join(f"<li><a href='#{k}'>{esc(v)}</a></li>" for k, v in shown)
    empty = (
        "A study of many places draws only its maps, and none could be drawn (no place is a single "
        "municipality)."
        if many
        else "No plots: the tables are empty."
    )
    plots_html = "".join(embed(f) for f in figures) or f"<p class='note'>{empty}</p>"
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
        places_findings_section(study.differences, study.places) if many else findings_section(study),
        warnings_section(study),
        scenarios_section(study),
        f"<h2 id='plots'>Plots</h2>{plots_html}",
        per_variant_note("headline", "Headline KPIs") if many else headline_section(study),
        per_variant_note("differences", "Differences against the reference")
        if many
        else differences_section(study),
        economics,
        places,
        sensitivity_section(sensitivity_folder(study.path, sensitivity)),
        failures_section(study),
        manifest_section(study),
        f"<h2 id='stress-des'>Model description (STRESS-DES)</h2><p>Structured after the STRESS-DES "
        f"reporting guideline for discrete-event simulation (Monks et al. 2019).</p>{stress_des(study)}",
        "</body></html>",
    ]
    return "\n".join(parts)


def build_report(
    study_dir: Path | str, out: Path | str | None = None, sensitivity: Path | None = None
) -> Path:
    """Write the report of the study at ``study_dir`` (default ``<study>/report.html``) and its
    plots (``<study>/plots/``, replaced whole), with the analysis of ``sim sensitivity`` in
    ``sensitivity`` (or ``<study>/sensitivity``) where there is one; return the report's path. Raise
    :class:`NotAStudyError` for a damaged study, :class:`CannotWriteError` when writing fails."""
    study = load_study(study_dir)
    out = Path(out) if out is not None else study.path / "report.html"
    tmp_report = out.with_name(f".{out.name}.tmp{os.getpid()}")
    tmp_plots: Path | None = None
    try:
        with writing(study.path):
            tmp_plots = Path(tempfile.mkdtemp(dir=study.path, prefix=".plots."))
            figures = make_plots(study, tmp_plots)
        page = render(study, figures, sensitivity)
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

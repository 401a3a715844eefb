"""The model description of a study in the STRESS-DES structure (Monks et al. 2019), from
the template ``stress_des.md`` filled with the study's facts."""

from __future__ import annotations

from pathlib import Path
from string import Template

import pandas as pd

from sim.report.markup import render_markdown
from sim.report.study import Study, distinct
from sim.report.variants import swept_params, variants_of

TEMPLATE = Path(__file__).with_name("stress_des.md")

# ---------------------------------------------------------------------------- facts


def scenario_descriptions(study: Study) -> dict[str, str]:
    """Scenario name to description (empty when scenarios.csv has none)."""
    out = {}
    if not study.scenarios.empty and "scenario" in study.scenarios.columns:
        for row in study.scenarios.itertuples(index=False):
            out[str(row.scenario)] = str(getattr(row, "description", "") or "")
    for name in study.summary.get("scenario", pd.Series(dtype=str)).dropna().unique():
        out.setdefault(str(name), "")
    return out


def reference_variant(study: Study) -> str:
    """The variant the differences are taken against (in a sweep over places, where each place
    has its own: "<scenario> of the same place")."""
    diffs = study.differences
    if not diffs.empty and "reference" in diffs.columns and len(diffs["reference"].dropna()):
        refs = list(dict.fromkeys(diffs["reference"].dropna().astype(str)))
        if len(refs) > 1 and all("place=" in r for r in refs):
            return f"{refs[0].split('|', 1)[0].strip()} of the same place"
        return refs[0]
    return "baseline"


def warmup_days(study: Study) -> int:
    """The warm-up of the study's jobs when they share one, else 0."""
    value = distinct(study, "warmup_days")
    return int(value) if value.isdigit() else 0


def study_facts(study: Study) -> dict[str, str]:
    """Values for the STRESS-DES template, from the study's tables and manifests."""
    manifest = study.manifest
    experiment = manifest.get("experiment") or {}
    jobs = study.jobs
    statuses = jobs["status"] if "status" in jobs.columns else pd.Series(dtype=str)
    packages = manifest.get("packages") or {}
    scenarios = scenario_descriptions(study)
    swept = [p for p in swept_params(jobs) if p != "scenario"]
    rules = [f"`{family}={distinct(study, f'rules.{family}.name')}`" for family in RULE_FAMILIES]
    variants = variants_of(study.summary) if len(study.summary) else []
    return {
        "study": study.name,
        "experiment_name": str(experiment.get("name", "not recorded")),
        "experiment_description": str(experiment.get("description", "") or "no description recorded."),
        "scenario_list": "\n".join(
            f"- **{name}**: {text or 'no description'}" for name, text in scenarios.items()
        ),
        "swept": ", ".join(f"`{p}`" for p in swept) or "none",
        "reference": reference_variant(study),
        "kpi_count": str(study.summary["metric"].nunique()) if "metric" in study.summary else "0",
        "rules": ", ".join(rules),
        "population_preset": distinct(study, "population.name"),
        "population_size": distinct(study, "population.size", thousands=True),
        "start_year": distinct(study, "start_year"),
        "projection_years": distinct(study, "population.projection_years"),
        "reference_population": distinct(study, "services.reference_population", thousands=True),
        "warmup_days": distinct(study, "warmup_days"),
        "years": distinct(study, "years"),
        "replications": distinct(study, "replications"),
        "seed": distinct(study, "seed"),
        "variant_count": str(len(variants)),
        "job_count": str(len(jobs) or len(manifest.get("jobs", []))),
        "failed_count": str(int((statuses != "ok").sum())),
        "python_version": str(packages.get("python", "(not recorded)")),
        "package_versions": ", ".join(f"{k} {v}" for k, v in packages.items() if k != "python")
        or "not recorded",
        "git_commit": str(manifest.get("git_commit", "not recorded")),
    }


RULE_FAMILIES = (
    "care_seeking",
    "triage",
    "booking",
    "escalation",
    "admission",
    "list_management",
    "workforce",
)


def stress_des(study: Study) -> str:
    """The STRESS-DES model description of the study as HTML."""
    text = Template(TEMPLATE.read_text()).substitute(study_facts(study))
    return render_markdown(text, shift=1)

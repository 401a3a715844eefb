"""Scenarios and variants in plain words: a variant's label from its scenario's name and swept
values, the scenario's description, and the report's section listing them."""

from __future__ import annotations

from sim.report.labels import param_label
from sim.report.markup import esc, table
from sim.report.stress_des import scenario_descriptions
from sim.report.study import Study
from sim.report.variants import swept_params, variants_of


def scenario_of(variant: str) -> str:
    """The scenario of a variant: the part of its name before the first ``|``."""
    return str(variant).split("|", 1)[0].strip()


def plain_variant(variant: str) -> str:
    """A variant in plain words: 'Health houses plus', 'Baseline with acute-team nurses on the day
    shift = 3' (the scenario's name, then each swept parameter's label and value)."""
    scenario, *params = (p.strip() for p in str(variant).split("|"))
    text = scenario.replace("_", " ").capitalize()
    pairs = (p.partition("=") for p in params)
    values = [f"{param_label(key.strip())} = {value.strip()}" for key, _, value in pairs]
    return f"{text} with {', '.join(values)}" if values else text


def variant_description(study: Study, variant: str) -> str:
    """The description of a variant's scenario (empty when the study does not record it)."""
    return scenario_descriptions(study).get(scenario_of(variant), "")


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

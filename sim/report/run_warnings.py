"""Warnings the runs recorded: each job's manifest may carry ``"warnings": ["one line", ...]``
(the study manifest of ``sim collate`` holds the job manifests under ``"jobs"``). The report
lists each distinct warning once, with the variants whose jobs gave it. A manifest without the
key comes from before runs recorded warnings: it has none to show."""

from __future__ import annotations

from typing import Any

from sim.report.markup import esc, table
from sim.report.study import Study


def run_warnings(records: list[dict[str, Any]]) -> dict[str, list[str]] | None:
    """Each distinct warning (in order of first appearance) with the variants that gave it;
    None when no job record has a ``warnings`` key (results from before warnings were recorded)."""
    if not any("warnings" in r for r in records):
        return None
    found: dict[str, list[str]] = {}
    for record in records:
        warnings = record.get("warnings") or []
        if isinstance(warnings, str):
            warnings = [warnings]
        variant = str(record.get("variant") or record.get("scenario") or record.get("job") or "?")
        for warning in warnings:
            variants = found.setdefault(" ".join(str(warning).split()), [])
            if variant not in variants:
                variants.append(variant)
    return found


SHOWN = 6  # variants named per warning; more are counted


def _variants(variants: list[str]) -> str:
    """The variants of a warning as HTML: every one, or the first few and how many more."""
    shown = ", ".join(f"<code>{esc(v)}</code>" for v in variants[:SHOWN])
    return shown if len(variants) <= SHOWN else f"{shown} and {len(variants) - SHOWN} more"


def warnings_section(study: Study) -> str:
    """The warnings of the runs, each once with its variants; a note when there are none."""
    found = run_warnings(study.job_records)
    head = "<h2 id='warnings'>Warnings</h2>"
    if found is None:
        return head + "<p class='note'>The runs of this study did not record warnings (older results).</p>"
    if not found:
        return head + "<p class='note'>No run recorded a warning.</p>"
    rows = [[esc(w), _variants(variants)] for w, variants in found.items()]
    return (
        head
        + f"<p class='warn'>The runs recorded {len(found)} distinct warning(s): read the findings with them "
        "in mind.</p>" + table(["warning", "variants"], rows)
    )

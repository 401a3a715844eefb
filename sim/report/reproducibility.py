"""The report's record of how the study ran: the jobs that failed, and the manifest (commit,
packages, config hashes, seeds, overrides) that lets any job be run again."""

from __future__ import annotations

from typing import Any

from sim.report.markup import esc, fmt, frame_table, table
from sim.report.study import Study


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
    """A job's seed and its replications ('10 (0–9)') as HTML text."""
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

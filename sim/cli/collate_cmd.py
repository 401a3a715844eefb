"""``sim collate``: gather the jobs of a sweep into one study directory.

Examples::

    sim -m experiment=compare_organisation      # the sweep: results/multirun/compare_organisation/<time>
    sim collate results/multirun/compare_organisation/latest   # results/compare_organisation/<time>
    sim collate results/multirun/compare_organisation/latest --baseline health_houses --out results/vs_houses

Writes ``summary.csv``, ``differences.csv``, ``cost_effectiveness.csv`` (cost per avoided
avoidable admission: :mod:`sim.metrics.economics`), ``jobs.csv``, ``failures.csv``,
``scenarios.csv``, ``places.csv`` (real places: :mod:`sim.metrics.places`; only a header when
no job ran one), ``kpis.parquet``, ``timeseries.parquet`` and ``manifest.json``. The
tables are written to a temporary directory and moved in when all are complete, so a
study directory never mixes tables of two collations; nothing is written or deleted outside
it. Without ``--out`` the study goes to ``results/<experiment.name>/<time>`` (the sweep folder's
time) and ``results/<experiment.name>/latest`` points at it; the name, read from
the job manifests, must be one safe path segment. Exit status: 0 when collated (failed jobs
are listed in ``failures.csv`` and on the console), 1 when no job succeeded or the study
cannot be written, 2 for a bad argument or a sweep that cannot be collated (two
configurations under one variant name), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sim.cli.help import examples_epilog
from sim.config.validation import name_error
from sim.metrics.collate import Study, collate
from sim.output import git_commit, package_versions, point_latest

EXIT_NO_JOBS = 1
EXIT_CANNOT_WRITE = 1
EXIT_ARGUMENT = 2
EXIT_INTERRUPTED = 130
RESULTS = Path("results")
TIME_STAMP = re.compile(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d")  # Hydra's ${now:%Y-%m-%d_%H-%M-%S}
STUDY_FILES = (
    "summary.csv",
    "differences.csv",
    "jobs.csv",
    "failures.csv",
    "scenarios.csv",
    "places.csv",
    "cost_effectiveness.csv",
    "kpis.parquet",
    "timeseries.parquet",
    "manifest.json",
)


def build_parser() -> argparse.ArgumentParser:
    """The arguments of ``sim collate``."""
    parser = argparse.ArgumentParser(
        prog="sim collate", description="Collate the jobs of a Hydra multirun into a study directory.",
        epilog=examples_epilog(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument(
        "sweep", type=Path, help="the multirun directory (results/multirun/<experiment>/<time>)"
    )
    parser.add_argument("--out", type=Path, help="study directory (default: results/<experiment>/<time>)")
    parser.add_argument(
        "--baseline", metavar="VARIANT", help="variant or scenario to difference against (default: baseline)"
    )
    return parser


class OutputError(ValueError):
    """The default study directory cannot be derived safely from the job manifests."""


def _experiment(study: Study) -> tuple[dict, str]:
    """The experiment recorded by the first job that has one, and that job's manifest path."""
    folders = list(study.jobs["dir"]) if "dir" in study.jobs.columns else []
    for k, m in enumerate(study.manifests):
        config = m.get("config")
        exp = config.get("experiment") if isinstance(config, dict) else None
        if isinstance(exp, dict) and exp:
            source = str(Path(folders[k]) / "manifest.json") if k < len(folders) else "a job manifest"
            return {"name": exp.get("name", "study"), "description": exp.get("description", "")}, source
    return {"name": "study", "description": ""}, ""


def experiment_of(study: Study) -> dict:
    """The experiment's name and description, from the first job that recorded them."""
    return _experiment(study)[0]


def default_out(study: Study, sweep: Path | None = None) -> Path:
    """``results/<experiment.name>/<time>``, the time being the sweep folder's name when it is a
    time stamp (Hydra's default) and now otherwise, so no study overwrites another; raise
    :class:`OutputError` unless the name is one safe path segment (see :func:`name_error`) and
    the folder resolves to a place under ``results/``."""
    experiment, source = _experiment(study)
    name = experiment["name"]
    reason = name_error(name)
    if reason is None:
        out, root = RESULTS / name, RESULTS.resolve()
        resolved = out.resolve()
        if resolved == root or not resolved.is_relative_to(root):
            reason = f"{out} resolves to {resolved}, outside {RESULTS}/"
    if reason is not None:
        raise OutputError(f"experiment.name in {source or 'the job manifests'}: {reason}; give --out")
    stamp = sweep.resolve().name if sweep is not None else ""
    if not TIME_STAMP.fullmatch(stamp):
        stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    return RESULTS / name / stamp


def study_manifest(study: Study, sweep: Path, out: Path) -> dict:
    """The study's reproducibility manifest: source, versions, commit and every job's manifest."""
    return {
        "study": out.name,
        "source": str(sweep.resolve()),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "packages": package_versions(),
        "experiment": experiment_of(study),
        "reference": study.reference,
        "jobs_ok": int((study.jobs["status"] == "ok").sum()),
        "jobs_failed": len(study.failures),
        "jobs": study.manifests,
    }


def write_study(study: Study, sweep: Path, out: Path) -> None:
    """Write every table of ``study`` into ``out``, all or nothing, through a temporary folder
    inside ``out``; remove ``out`` again when it was made here and writing failed."""
    made = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(dir=out, prefix=".collate.") as tmp:
            t = Path(tmp)
            study.summary.to_csv(t / "summary.csv", index=False)
            study.differences.to_csv(t / "differences.csv", index=False)
            study.jobs.to_csv(t / "jobs.csv", index=False)
            study.failures.to_csv(t / "failures.csv", index=False)
            study.scenarios.to_csv(t / "scenarios.csv", index=False)
            study.places.to_csv(t / "places.csv", index=False)
            study.cost_effectiveness.to_csv(t / "cost_effectiveness.csv", index=False)
            study.kpis.to_parquet(t / "kpis.parquet", index=False)
            study.timeseries.to_parquet(t / "timeseries.parquet", index=False)
            manifest = study_manifest(study, sweep, out)
            (t / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
            (out / "manifest.json").unlink(missing_ok=True)  # the manifest goes last: no mixed study
            for name in STUDY_FILES:
                if name != "manifest.json":
                    os.replace(t / name, out / name)
            os.replace(t / "manifest.json", out / "manifest.json")
    except BaseException:
        if made:
            shutil.rmtree(out, ignore_errors=True)
        raise
    (out / "report.html").unlink(missing_ok=True)  # a report of earlier tables would mislead
    shutil.rmtree(out / "plots", ignore_errors=True)


def print_outcome(study: Study, sweep: Path, out: Path) -> None:
    """Print what was collated, and every failed job, to the console."""
    ok = int((study.jobs["status"] == "ok").sum())
    print(f"collated {ok} of {len(study.jobs)} jobs from {sweep} into {out}/")
    print(f"differences are against {study.reference!r}")
    warned = list(dict.fromkeys(w for m in study.manifests for w in (m or {}).get("warnings") or []))
    if warned:
        print(f"the jobs recorded {len(warned)} warning(s) (the report lists them with their variants):")
        for line in warned:
            print(f"  {line}")
    if len(study.failures):
        print(f"{len(study.failures)} job(s) failed (failures.csv):", file=sys.stderr)
        for row in study.failures.itertuples():
            print(f"  job {row.job} [{row.variant}]: {row.status}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Collate ``args.sweep`` and write the study; return the exit status."""
    if not args.sweep.is_dir():
        print(f"sim collate: {args.sweep}: no such directory", file=sys.stderr)
        return EXIT_ARGUMENT
    try:
        study = collate(args.sweep, args.baseline)
        out = args.out or default_out(study, args.sweep)
    except (FileNotFoundError, ValueError) as exc:  # CollateError and OutputError are ValueErrors
        print(f"sim collate: {exc}", file=sys.stderr)
        return EXIT_ARGUMENT
    try:
        write_study(study, args.sweep, out)
    except OSError as exc:  # a read-only folder, a full disk
        print(f"sim collate: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CANNOT_WRITE
    if args.out is None:
        point_latest(out)
    print_outcome(study, args.sweep, out)
    return 0 if (study.jobs["status"] == "ok").any() else EXIT_NO_JOBS


def main(argv: Sequence[str]) -> int:
    """Run ``sim collate``; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return EXIT_ARGUMENT if exc.code else 0
    try:
        return run(args)
    except KeyboardInterrupt:
        print("sim collate: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

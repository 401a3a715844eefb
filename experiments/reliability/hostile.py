"""Try the cases of issue 12 as a hostile user would and tabulate what sim does with each.

    .venv/bin/python experiments/reliability/hostile.py            # writes cases.md beside this file

Each case runs the command line (or the Python API) in a scratch folder and records the exit
status, the first line of stderr, whether a traceback was printed and whether any ``kpis.*``
was left where the case should leave none. The table is the evidence of the closing note of
issue 12; tests/configs/test_reliability.py and its neighbours check the same cases.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TINY = [
    "population.size=2000",
    "years=0.02",
    "warmup_days=0",
    "warm_start_days=0",
    "output.plots=false",
    "services.reference_population=0",
]
ROWS: list[tuple[str, str, str, str]] = []


def sim(*args: str, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m sim ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def first_error(proc: subprocess.CompletedProcess) -> str:
    """The line that tells the user what went wrong (the last error-like line of stderr)."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    picked = [ln for ln in lines if ln.startswith("sim") or "ERROR" in ln or "failed" in ln]
    if not picked:
        return "(killed: no message)" if proc.returncode < 0 else "(no error)"
    return picked[-1].replace("|", "\\|")[:300]


def record(case: str, proc: subprocess.CompletedProcess, extra: str = "") -> None:
    """Add one row: the case, the exit status, the message, and what was checked besides."""
    tb = " **traceback**" if "Traceback" in proc.stderr else ""
    ROWS.append((case, str(proc.returncode), first_error(proc) + tb, extra))


CASES: list[Callable[[Path], None]] = []


def case(fn: Callable[[Path], None]) -> Callable[[Path], None]:
    """Register ``fn`` as a case; :func:`main` runs it in a fresh scratch folder."""
    CASES.append(fn)
    return fn


def own_configs(tmp: Path, name: str, text: str) -> dict:
    """A copy of configs/ with one more scenario file; the environment that selects it."""
    target = tmp / "configs"
    shutil.copytree(ROOT / "configs", target)
    (target / "scenario" / f"{name}.yaml").write_text(text)
    return {"SIM_CONFIG_DIR": str(target)}


def default_sigint() -> None:
    """In the child: Ctrl-C raises KeyboardInterrupt (a shell's background job ignores SIGINT)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def kpi_files(tmp: Path) -> str:
    """How many kpis.* exist below ``tmp`` (as text for the table)."""
    return f"kpis files left: {len(list(tmp.rglob('kpis.*')))}"


@case
def interrupted_rerun(tmp: Path) -> None:
    sweep = tmp / "D"
    args = ["-m", *TINY, f"hydra.sweep.dir={sweep}"]
    sim(*args, "seed=1", cwd=tmp)
    killed = sim(*args, "seed=2", cwd=tmp, env={"SIM_KILL_AT": "tables"})
    status = json.loads((sweep / "0" / "manifest.json").read_text())["status"]
    record("1. re-run seed=2 into D killed after its kpis are written", killed, f"manifest: {status[:40]}")
    resumed = sim(*args, "seed=1", cwd=tmp)
    import pandas as pd

    seeds = sorted(set(pd.read_csv(sweep / "0" / "kpis.csv")["seed"]))
    skipped = "skipped" in resumed.stderr
    record("1. then seed=1 again", resumed, f"job 0 skipped: {skipped}; seeds in kpis.csv: {seeds}")


@case
def experiment_name_escape(tmp: Path) -> None:
    proc = sim("-m", *TINY, "experiment.name=../../../escape", "seed=1,2", cwd=tmp)
    record("2. `-m experiment.name=../../../escape seed=1,2`", proc, kpi_files(tmp))


@case
def collate_manifest_escape(tmp: Path) -> None:
    sweep = tmp / "sweep"
    sim("-m", *TINY, "seed=1,2", f"hydra.sweep.dir={sweep}", cwd=tmp)
    for job in sweep.glob("*/manifest.json"):
        data = json.loads(job.read_text())
        data["config"]["experiment"]["name"] = "../../../escape"
        job.write_text(json.dumps(data))
    (tmp.parent / "escape" / "plots").mkdir(parents=True, exist_ok=True)
    proc = sim("collate", str(sweep), cwd=tmp)
    survived = (tmp.parent / "escape" / "plots").exists()
    shutil.rmtree(tmp.parent / "escape", ignore_errors=True)
    record("2. `sim collate` of manifests naming `../../../escape`", proc, f"outside plots/ kept: {survived}")


@case
def scenario_name_escape(tmp: Path) -> None:
    cwd = tmp / "a" / "b"
    cwd.mkdir(parents=True)
    proc = sim(*TINY, "scenario.name=../../../x", cwd=cwd)  # would be results/runs/../../../x = a/x
    escaped = (tmp / "a" / "x").exists()
    record("2. `scenario.name=../../../x`", proc, f"a/x exists: {escaped}; {kpi_files(tmp)}")


@case
def interpolated_name(tmp: Path) -> None:
    proc = sim(*TINY, "scenario.name=${oc.env:HOME}", cwd=tmp)
    record("2. `scenario.name=${oc.env:HOME}`", proc, kpi_files(tmp))


@case
def nameless_scenario(tmp: Path) -> None:
    env = own_configs(tmp, "nameless", "# @package _global_\nyears: 0.5\n")
    proc = sim("-m", *TINY, "scenario=baseline,nameless", f"hydra.sweep.dir={tmp}/s", cwd=tmp, env=env)
    record("3. scenario file without its `scenario:` block, swept with baseline", proc, kpi_files(tmp))


@case
def same_variant_two_configs(tmp: Path) -> None:
    sweep = tmp / "s"
    sim("-m", *TINY, "scenario.name=x", "years=0.02,0.03", f"hydra.sweep.dir={sweep}", cwd=tmp)
    for job in sweep.glob("*/manifest.json"):  # make the sweep look like two files named alike
        data = json.loads(job.read_text())
        data["overrides"] = [o for o in data["overrides"] if not o.startswith("years")]
        job.write_text(json.dumps(data))
    proc = sim("collate", str(sweep), "--out", str(tmp / "study"), cwd=tmp)
    written = (tmp / "study").exists()
    record("3. collate: two jobs named `x` that ran different configs", proc, f"study written: {written}")


@case
def band_dict(tmp: Path) -> None:
    proc = sim(*TINY, "demand.contacts_per_year={0-64:5.98,65-79:10.6,80plus:16}", cwd=tmp)
    record("4. `demand.contacts_per_year={0-64:..,65-79:..,80plus:16}`", proc, kpi_files(tmp))


@case
def collate_missing_and_garbage(tmp: Path) -> None:
    sweep = tmp / "s"
    sim("-m", *TINY, "seed=1,2,3", f"hydra.sweep.dir={sweep}", cwd=tmp)
    for name in ("kpis.parquet", "kpis.csv"):
        (sweep / "0" / name).unlink()
    (sweep / "1" / "kpis.parquet").write_bytes(b"garbage")
    proc = sim("collate", str(sweep), "--out", str(tmp / "study"), cwd=tmp)
    extra = proc.stdout.strip().splitlines()[0][:60] if proc.stdout.strip() else ""
    record("5. collate: job 0 ok without kpis, job 1 garbage kpis.parquet", proc, extra)


@case
def infinity(tmp: Path) -> None:
    proc = sim(*TINY, "organisation.list_size_per_gp=inf", cwd=tmp)
    record("6. `organisation.list_size_per_gp=inf`", proc, kpi_files(tmp))


@case
def ten_people(tmp: Path) -> None:
    proc = sim(*TINY, "population.size=10", cwd=tmp)
    record("6. `population.size=10`", proc, kpi_files(tmp))


@case
def no_gp_hours(tmp: Path) -> None:
    hours = [f"organisation.practice_types.{t}.gp_clinical_hours_per_week=0" for t in ("solo", "partnership")]
    proc = sim(*TINY, *hours, cwd=tmp)
    record("6. all GP clinical hours 0", proc, kpi_files(tmp))


@case
def missing_scenario(tmp: Path) -> None:
    proc = sim("scenario=nonexistent", "population.size=5000", cwd=tmp)
    record("7. `scenario=nonexistent population.size=5000`", proc)


@case
def misspelt_in_sweep(tmp: Path) -> None:
    proc = sim("-m", "scenario=baseline,helth_houses", "replications=2", cwd=tmp)
    record("7. `-m scenario=baseline,helth_houses replications=2`", proc, kpi_files(tmp))


@case
def malformed_yaml(tmp: Path) -> None:
    env = own_configs(tmp, "broken", "# @package _global_\nscenario:\n  name: broken\n  description: [open\n")
    proc = sim(*TINY, "scenario=broken", cwd=tmp, env=env)
    record("7. malformed YAML in a scenario file", proc, kpi_files(tmp))


@case
def api_errors(tmp: Path) -> None:
    code = (
        "import sim\n"
        "bads = (['population.size=1e400'], ['seed=99999999999999999999999'], 'years=(', ['scenario=nope'])\n"
        "for bad in bads:\n"
        "    try:\n"
        "        sim.load_config(bad)\n"
        "    except sim.ConfigError as e:\n"
        "        print(type(e).__name__, '|', e)\n"
        "print('load_config(\"years=0.25\").years =', sim.load_config('years=0.25').years)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp)
    for line in proc.stdout.splitlines():
        ROWS.append(("7. Python API", str(proc.returncode), line.replace("|", "\\|")[:300], ""))


@case
def huge_population(tmp: Path) -> None:
    start = time.perf_counter()
    proc = sim(*TINY, "population.size=1000000000", cwd=tmp)
    record("8. `population.size=1000000000`", proc, f"refused after {time.perf_counter() - start:.1f} s")


@case
def killed_worker(tmp: Path) -> None:
    sweep = tmp / "s"
    args = ["-m", "hydra/launcher=local", *TINY, "seed=1,2,3", f"hydra.sweep.dir={sweep}"]
    proc = sim(*args, cwd=tmp, env={"SIM_KILL_JOB": "1"})
    manifests = sorted(sweep.glob("*/manifest.json"))
    status = {p.parent.name: json.loads(p.read_text())["status"][:50] for p in manifests}
    record("9. local sweep of 3 jobs, job 1's process killed (SIGKILL)", proc, str(status).replace("|", "/"))


@case
def unwritable(tmp: Path) -> None:
    proc = sim(*TINY, "hydra.run.dir=/proc/sim-results", cwd=tmp)
    record("10. output folder that cannot be written (`/proc/...`)", proc)


@case
def long_name(tmp: Path) -> None:
    proc = sim(*TINY, "scenario.name=" + "x" * 300, cwd=tmp)
    record("10. a 300-character scenario name", proc, kpi_files(tmp))


@case
def damaged_study(tmp: Path) -> None:
    sweep = tmp / "s"
    sim("-m", *TINY, "seed=1,2", f"hydra.sweep.dir={sweep}", cwd=tmp)
    sim("collate", str(sweep), "--out", str(tmp / "study"), cwd=tmp)
    (tmp / "study" / "summary.csv").write_text("metric,gr")
    proc = sim("report", str(tmp / "study"), cwd=tmp)
    left = [p.name for p in (tmp / "study").iterdir() if p.name in ("plots", "report.html")]
    record("10. `sim report` of a study with a truncated summary.csv", proc, f"left: {left}")


@case
def ctrl_c(tmp: Path) -> None:
    out = tmp / "run"
    cmd = [sys.executable, "-m", "sim", "population.size=20000", "years=2", f"hydra.run.dir={out}"]
    proc = subprocess.Popen(  # SIGINT as at a terminal, even when this script runs in the background
        cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tmp, preexec_fn=default_sigint
    )
    deadline = time.time() + 120
    while not (out / "manifest.json").exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out_text, err = proc.communicate(timeout=60)
    done = subprocess.CompletedProcess(cmd, proc.returncode, out_text, err)
    status = json.loads((out / "manifest.json").read_text())["status"]
    record("10. Ctrl-C during a run", done, f"manifest: {status[:45]}; {kpi_files(out)}")


@case
def combination(tmp: Path) -> None:
    shares = [
        "organisation.practice_types.solo.gp_share=0.25,0.3",
        "organisation.practice_types.partnership.gp_share=0.75,0.7",
    ]
    proc = sim("-m", *TINY, *shares, f"hydra.sweep.dir={tmp}/s", cwd=tmp)
    record("11. two swept values valid alone, invalid together", proc, kpi_files(tmp))


@case
def beyond_fifty(tmp: Path) -> None:
    proc = sim("-m", *TINY, "seed=range(0,55)", "years=0.02,0", f"hydra.sweep.dir={tmp}/s", cwd=tmp)
    record("11. bad value in combination 56 of 110", proc, kpi_files(tmp))


def main() -> None:
    """Run every case (or those named on the command line) and write cases.md beside this script."""
    wanted = set(sys.argv[1:])
    for fn in CASES:
        if wanted and fn.__name__ not in wanted:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "results").mkdir()
            print(f"case {fn.__name__}", file=sys.stderr)
            fn(Path(tmp))
    git = ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, capture_output=True, text=True)
    lines = [
        f"# Issue 12 cases, as run by experiments/reliability/hostile.py at commit {commit.stdout.strip()}",
        "",
        "| case | exit | message (stderr, one line) | checked besides |",
        "|---|---:|---|---|",
        *[f"| {c} | {e} | {m} | {x} |" for c, e, m, x in ROWS],
    ]
    out = Path(__file__).with_name("cases.md")
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main()

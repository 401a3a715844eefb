"""Benchmark: wall time and peak memory of one simulated year of the baseline, by population size.

Each size runs in a fresh Python subprocess (this file with ``--child SIZE``), so that the
peak resident set size (``ru_maxrss`` of that process) belongs to that size alone and no
size warms caches for the next. The child builds the model, runs it and computes the KPIs
with ``sim.model.SimModel`` and ``sim.metrics.compute_kpis`` (the pieces that
``sim.runner.run_replication`` strings together), timing each phase, and prints one JSON
line; the parent collects those lines into ``results.csv`` and a markdown table. With
``--repeat N`` each size runs N times (each in its own process) and the run with the median
total time is kept; the 1-minute load average before each run is recorded, since other
work on the machine inflates the times (peak memory is not affected).

Usage (from the repository root)::

    .venv/bin/python experiments/benchmark/benchmark.py                  # 10k, 59,246, 300k, 1.2M
    .venv/bin/python experiments/benchmark/benchmark.py --quick          # tiny sizes, a few seconds
    .venv/bin/python experiments/benchmark/benchmark.py --sizes 20000 100000
    .venv/bin/python experiments/benchmark/benchmark.py --repeat 3        # median of 3 per size
    .venv/bin/python experiments/benchmark/benchmark.py --profile 300000  # cProfile, top entries
    .venv/bin/python experiments/benchmark/benchmark.py --places region_syddanmark denmark  # real places

``--places`` runs real places (docs/places.md) at their full size: their own ages, settlement and
GP supply instead of the synthetic municipality.

See README.md next to this file for measured figures.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_SIZES = (10_000, 59_246, 300_000, 1_200_000)
QUICK_SIZES = (1_000, 3_000)
COLUMNS = [
    "place",
    "persons",
    "config_s",
    "build_s",
    "run_s",
    "kpi_s",
    "total_s",
    "persons_per_s",
    "sim_days",
    "sim_days_per_s",
    "requests",
    "episodes",
    "practices",
    "rss_before_build_mb",
    "peak_rss_mb",
    "repeats",
    "load_avg_1min",
    "cores",
    "python",
    "cpu_model",
    "git_commit",
    "timestamp",
]


def overrides(size: int, years: float, warmup_days: int, place: str = "") -> list[str]:
    """Config overrides of one benchmark run: baseline, one replication, output off; a real
    ``place`` at its full size when ``size`` is 0."""
    chosen = [f"place={place}"] if place else []
    return [
        *chosen,
        *([f"population.size={size}"] if size else []),
        f"years={years}",
        f"warmup_days={warmup_days}",
        "replications=1",
        "workers=1",
        "output.timeseries=false",
        "output.csv=false",
        "output.plots=false",
    ]


def max_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(
    size: int, years: float, warmup_days: int, profiler: cProfile.Profile | None = None, place: str = ""
) -> dict:
    """Build, run and score one replication of the baseline at ``size`` persons; time each phase.

    A ``profiler`` is switched on for the build, run and KPI phases only (not for imports and
    Hydra composition of the config).
    """
    import sim
    from sim.metrics import compute_kpis
    from sim.metrics.records import REQUEST_DAY_COLUMNS
    from sim.model import SimModel

    t0 = time.perf_counter()
    config = sim.load_config(overrides(size, years, warmup_days, place))
    size = config.population.size
    config_s = time.perf_counter() - t0
    rss_before = max_rss_mb()
    if profiler is not None:
        profiler.enable()
    t1 = time.perf_counter()
    model = SimModel(config, 0)
    t2 = time.perf_counter()
    recorder = model.run()
    t3 = time.perf_counter()
    kpis = compute_kpis(model)
    t4 = time.perf_counter()
    if profiler is not None:
        profiler.disable()
    if not kpis:
        raise RuntimeError("compute_kpis returned no rows")
    # every request of the run, warm-up included (rows are kept only for the measured days)
    requests = int(recorder.request_days[:, REQUEST_DAY_COLUMNS.index("requests")].sum())
    return {
        "place": place or "synthetic",
        "persons": size,
        "config_s": config_s,
        "build_s": t2 - t1,
        "run_s": t3 - t2,
        "kpi_s": t4 - t3,
        "sim_days": model.calendar.total_days,
        "requests": requests,
        "episodes": len(recorder.episodes),
        "practices": len(model.practices),
        "rss_before_build_mb": rss_before,
        "peak_rss_mb": max_rss_mb(),
    }


def child_main(size: int, years: float, warmup_days: int, place: str = "") -> None:
    """Entry point of a child process: measure one size (or place) and print one JSON line."""
    print(json.dumps(measure(size, years, warmup_days, place=place)), flush=True)


def step_times(size: int, years: float, warmup_days: int) -> tuple[dict, dict[str, float]]:
    """Measure one size with a wall-clock timer around the warm start and each step of the day
    (``sim.model.DAY_STEPS``), without a profiler; what the run spends outside the steps is the
    SimPy event loop: the acute pathway (episodes, out-of-hours, acute team, ED, beds)."""
    from sim import model as model_module

    spent: dict[str, float] = {}
    cls = model_module.SimModel
    originals = {name: getattr(cls, name) for _, name in model_module.DAY_STEPS} | {
        "_warm_start": cls._warm_start
    }

    def timed(name, method):
        def wrapper(self, *args):
            start = time.perf_counter()
            method(self, *args)
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    try:
        for name, method in originals.items():
            setattr(cls, name, timed(name, method))
        result = measure(size, years, warmup_days)
    finally:
        for name, method in originals.items():
            setattr(cls, name, method)
    spent["SimPy event loop (acute pathway)"] = result["run_s"] - sum(spent.values())
    return result, spent


def profile_main(size: int, years: float, warmup_days: int, top: int, out: Path | None) -> None:
    """Time the steps of one size (no profiler), then run it under cProfile and print the ``top``
    entries by cumulative and by own time."""
    timed, spent = step_times(size, years, warmup_days)
    steps = "\n".join(
        f"  {name.lstrip('_').replace('step_', ''):<34} {sec:6.2f} s  {sec / timed['run_s']:6.1%}"
        for name, sec in sorted(spent.items(), key=lambda kv: -kv[1])
    )
    profiler = cProfile.Profile()
    result = measure(size, years, warmup_days, profiler)
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    buf.write(f"=== top {top} by cumulative time ===\n")
    stats.sort_stats("cumulative").print_stats(top)
    buf.write(f"=== top {top} by own (total) time ===\n")
    stats.sort_stats("tottime").print_stats(top)
    text = buf.getvalue().replace(str(REPO) + "/", "")
    header = (
        f"cProfile of build + run + KPIs of one replication, persons={size}, years={years}, "
        f"warmup_days={warmup_days}\n"
        f"phases under the profiler (s): build {result['build_s']:.2f}, run {result['run_s']:.2f}, "
        f"kpis {result['kpi_s']:.2f} (config composition, not profiled: {result['config_s']:.2f})\n"
        f"without the profiler (s): build {timed['build_s']:.2f}, run {timed['run_s']:.2f}, "
        f"kpis {timed['kpi_s']:.2f}, peak memory {timed['peak_rss_mb']:.0f} MiB; the run by step of the "
        f"day (wall clock):\n{steps}\n"
    )
    print(header + text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(header + text)
        print(f"profile written to {out}")


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (or the platform's guess elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_facts() -> dict:
    """Cores, Python version, CPU model, commit (``+dirty`` if sim/ or configs/ differ) and time."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "sim", "configs"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if dirty:
            commit += "+dirty"  # uncommitted changes to the model or its configs
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "cpu_model": cpu_model(),
        "git_commit": commit,
        "timestamp": dt.datetime.now().isoformat(timespec="seconds"),
    }


def run_child(size: int, years: float, warmup_days: int, place: str = "") -> dict:
    """Measure one size (or a real place at its full size: ``size`` 0) in a fresh interpreter and
    return its JSON record."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(size),
        "--years",
        str(years),
        "--warmup-days",
        str(warmup_days),
        *(["--place", place] if place else []),
    ]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child for size {size} failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def derive(record: dict, facts: dict) -> dict:
    """Add totals, rates and machine facts to a child's record."""
    total = record["build_s"] + record["run_s"] + record["kpi_s"]
    row = dict(record)
    row["total_s"] = total
    row["persons_per_s"] = record["persons"] / total if total > 0 else float("nan")
    row["sim_days_per_s"] = record["sim_days"] / record["run_s"] if record["run_s"] > 0 else float("nan")
    row.update(facts)
    return row


def fmt(value: object) -> str:
    """Compact cell text: floats to 2 decimals below 100, else whole numbers with separators."""
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


TABLE_COLUMNS = [
    ("place", "place"),
    ("persons", "persons"),
    ("build_s", "build s"),
    ("run_s", "run s"),
    ("kpi_s", "KPIs s"),
    ("total_s", "total s"),
    ("persons_per_s", "persons/s"),
    ("sim_days_per_s", "sim days/s"),
    ("requests", "requests"),
    ("episodes", "episodes"),
    ("peak_rss_mb", "peak RSS MB"),
]


def markdown_table(rows: list[dict]) -> str:
    """The main figures as a markdown table."""
    head = "| " + " | ".join(title for _, title in TABLE_COLUMNS) + " |"
    rule = "|" + "|".join("---:" for _ in TABLE_COLUMNS) + "|"
    body = ["| " + " | ".join(fmt(row[key]) for key, _ in TABLE_COLUMNS) + " |" for row in rows]
    return "\n".join([head, rule, *body])


def write_csv(rows: list[dict], path: Path) -> None:
    """Write the rows with the fixed column order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()})


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--sizes", type=int, nargs="+", help=f"population sizes (default {DEFAULT_SIZES})")
    group.add_argument("--quick", action="store_true", help=f"tiny sizes {QUICK_SIZES} for a smoke test")
    group.add_argument("--profile", type=int, metavar="SIZE", help="cProfile one size in this process")
    group.add_argument("--places", nargs="+", help="real places at full size (region_syddanmark, denmark)")
    group.add_argument("--child", type=int, metavar="SIZE", help=argparse.SUPPRESS)
    parser.add_argument("--place", default="", help=argparse.SUPPRESS)
    parser.add_argument("--years", type=float, default=1.0, help="simulated years after warm-up (1)")
    parser.add_argument("--warmup-days", type=int, default=28, help="warm-up days (28)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="fresh runs per size; the run with the median total is kept (1)"
    )
    parser.add_argument("--top", type=int, default=15, help="profile entries to show (15)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="CSV path (default experiments/benchmark/results.csv; quick: results_quick.csv); "
        "with --profile, where to write the profile text (default profile_SIZE.txt)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child is not None:
        child_main(args.child, args.years, args.warmup_days, args.place)
        return
    if args.profile is not None:
        out = args.out or HERE / f"profile_{args.profile}.txt"
        profile_main(args.profile, args.years, args.warmup_days, args.top, out)
        return
    sizes = QUICK_SIZES if args.quick else tuple(args.sizes or DEFAULT_SIZES)
    runs_of = [(0, place) for place in args.places] if args.places else [(size, "") for size in sizes]
    out = args.out or HERE / ("results_quick.csv" if args.quick else "results.csv")
    facts = machine_facts()
    print(
        f"machine: {facts['cores']} cores, {facts['cpu_model']}, Python {facts['python']}, "
        f"commit {facts['git_commit']}",
        flush=True,
    )
    rows = []
    for size, place in runs_of:
        runs = []
        for _ in range(args.repeat):
            load = os.getloadavg()[0]
            start = time.perf_counter()
            row = derive(run_child(size, args.years, args.warmup_days, place), facts)
            row["load_avg_1min"] = load
            runs.append(row)
            print(
                f"  {place or 'synthetic'} {row['persons']:>10,} persons: total {row['total_s']:.1f} s, "
                f"peak RSS {row['peak_rss_mb']:.0f} MB "
                f"(child wall {time.perf_counter() - start:.1f} s incl. imports and config; "
                f"load before {load:.2f})",
                flush=True,
            )
        row = sorted(runs, key=lambda r: r["total_s"])[(len(runs) - 1) // 2]  # median run (lower middle)
        row["repeats"] = len(runs)
        rows.append(row)
        write_csv(rows, out)  # after every size, so a long run leaves partial results
    print()
    print(markdown_table(rows))
    print()
    print(f"written {out}")


if __name__ == "__main__":
    main()

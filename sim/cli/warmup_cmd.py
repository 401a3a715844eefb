"""``sim warmup``: propose a warm-up length and the number of replications from a pilot run.

Examples::

    sim warmup                                          # default municipality, 5 pilot replications
    sim warmup workers=2 years=2                        # a pilot long enough for the routine waits
    sim warmup scenario=health_houses workers=2 --replications 10
    sim warmup population.size=20000 --metric beds_occupied:all --window 14
    sim warmup --half-width 0.5 --absolute --kpi routine_wait_days_mean:all

The pilot runs the configured model with ``warmup_days=0``. The warm-up is proposed by
MSER-5 on the mean over replications of each chosen daily series (and MSER-7, weekly
batches, for series observed every day), beside the configured ``warmup_days``; a Welch
plot lets an analyst check it by eye. The replications are
proposed for a target 95% confidence-interval half-width of each KPI (Hoad, Robinson and
Davies 2010). See docs/statistics.md.

Exit status: 0 on success, 2 for a bad configuration or argument.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pandas as pd

from sim.cli.errors import describe
from sim.cli.help import examples_epilog
from sim.cli.progress import job_progress
from sim.metrics.warmup import replication_tables, warmup_rows, welch_table

if TYPE_CHECKING:
    from sim.config import SimConfig
    from sim.runner import Results

EXIT_CONFIG = 2
SERIES = (
    "routine_wait_days_mean:all",
    "utilisation:gp",
    "utilisation:nurse",
    "requests_unmet:all",
    "beds_occupied:all",
)
KPIS = (
    "avoidable_admissions_per_1000_65plus:all",
    "routine_wait_days_mean:all",
    "utilisation:gp",
    "acute_team_response_minutes_p90:all",
)
SERIES_UNITS = {
    "utilisation": "share of offered clinician time used",
    "routine_wait_days_mean": "mean wait of routine bookings (days)",
    "requests_unmet": "requests unmet per day",
    "ed_queue": "patients waiting in the ED (daily snapshot)",
    "ooh_queue": "calls waiting for OOH triage (daily snapshot)",
    "beds_occupied": "beds occupied (daily snapshot)",
    "population": "persons",
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``sim warmup: message`` and exit 2."""
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)


def build_parser() -> argparse.ArgumentParser:
    """The arguments of ``sim warmup``."""
    parser = _Parser(
        prog="sim warmup",
        description="Propose a warm-up (MSER-5, Welch plot) and the number of replications "
        "(confidence-interval method) from a pilot run with warmup_days=0.",
        epilog=examples_epilog(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, as for sim")
    parser.add_argument(
        "--metric", action="append", metavar="METRIC:GROUP",
        help=f"a daily series for the warm-up (repeatable; default: {' '.join(SERIES)})",
    )  # fmt: skip
    parser.add_argument("--group", help="group of every --metric given without ':GROUP' (default: all)")
    parser.add_argument(
        "--kpi", action="append", metavar="METRIC:GROUP",
        help=f"a KPI for the number of replications (repeatable; default: {' '.join(KPIS)})",
    )  # fmt: skip
    parser.add_argument("--replications", type=int, default=5, help="pilot replications (default: 5)")
    parser.add_argument(
        "--half-width", type=float, default=0.05,
        help="target 95%% CI half-width (default: 0.05, i.e. 5%% of the mean)",
    )  # fmt: skip
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument(
        "--relative", dest="relative", action="store_true", default=True,
        help="--half-width is a share of the mean (default)",
    )  # fmt: skip
    scale.add_argument(
        "--absolute", dest="relative", action="store_false", help="--half-width is in the KPI's unit"
    )
    parser.add_argument(
        "--window", type=int,
        help="Welch moving-average window w (default: 2w + 1 observations span 3 weeks: 10 for a daily "
        "series, 7 for a weekday series)",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, help="processes for replications (default: the config's)")
    parser.add_argument("--out", type=Path, default=Path("results/warmup"), help="output directory")
    return parser


def parse_series(
    items: Sequence[str], default_group: str = "all", option: str = "--metric"
) -> list[tuple[str, str]]:
    """``metric:group`` strings as (metric, group) pairs; a bare metric takes ``default_group``."""
    pairs = []
    for item in items:
        metric, _, group = item.partition(":")
        if not metric.strip() or ":" in group:
            raise ValueError(f"{option}: expected METRIC:GROUP (got {item!r})")
        pairs.append((metric.strip(), group.strip() or default_group))
    return list(dict.fromkeys(pairs))


def validate(args: argparse.Namespace) -> None:
    """Range checks of the arguments, naming the option that is wrong."""
    if args.replications < 2:
        raise ValueError(f"--replications: must be >= 2 for a standard deviation (got {args.replications})")
    if not (args.half_width > 0 and math.isfinite(args.half_width)):
        raise ValueError(f"--half-width: must be > 0 (got {args.half_width})")
    if args.window is not None and args.window < 1:
        raise ValueError(f"--window: must be >= 1 (got {args.window})")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers: must be >= 1 (got {args.workers})")


def check_selection(table: pd.DataFrame, pairs: Sequence[tuple[str, str]], option: str) -> None:
    """Stop with the option named when a chosen metric and group is not in the pilot's table."""
    present = set(zip(table["metric"], table["group"], strict=True))
    for metric, group in pairs:
        if (metric, group) not in present:
            names = sorted({f"{m}:{g}" for m, g in present if m == metric}) or sorted({m for m, _ in present})
            raise ValueError(
                f"{option} {metric}:{group}: not in the pilot's table (available: {', '.join(names)})"
            )


def run_pilot(config: SimConfig, replications: int, workers: int | None) -> Results:
    """Run ``config`` with no warm-up and ``replications`` replications, showing its progress."""
    import sim

    pilot = dataclasses.replace(
        config,
        warmup_days=0,
        replications=replications,
        output=dataclasses.replace(config.output, timeseries=True),
    )
    with job_progress(pilot, label="sim warmup: pilot") as progress:
        return sim.run(pilot, workers=workers, progress=progress)


def plot_welch(welch: pd.DataFrame, warmup: pd.DataFrame, configured: int, path: Path) -> Path:
    """Welch plot: replication mean and moving average by day, with the proposed and configured warm-up."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = list(dict.fromkeys(zip(welch["metric"], welch["group"], strict=True)))
    fig, axes = plt.subplots(len(keys), 1, figsize=(10, 3.2 * len(keys)), squeeze=False, layout="constrained")
    for ax, (metric, group) in zip(axes[:, 0], keys, strict=True):
        part = welch[(welch["metric"] == metric) & (welch["group"] == group)]
        rows = warmup[(warmup["metric"] == metric) & (warmup["group"] == group)]
        ax.plot(part["day"], part["mean"], color="0.7", lw=0.8, label="mean over replications")
        ax.plot(part["day"], part["welch_moving_average"], color="#4C72B0", lw=2,
                label=f"Welch moving average (w = {int(part['window'].iloc[0])})")  # fmt: skip
        for r, colour in zip(rows.itertuples(index=False), ("#C44E52", "#DD8452"), strict=False):
            limit = " (search limit)" if r.at_search_limit else ""
            ax.axvline(r.warmup_days, color=colour, ls="--", label=f"{r.method}: {r.warmup_days} days{limit}")
        ax.axvline(configured, color="black", ls=":", label=f"configured warmup_days: {configured}")
        ax.set(title=f"{metric} [{group}]", xlabel="simulation day from the start (no warm-up)",
               ylabel=SERIES_UNITS.get(metric, metric))  # fmt: skip
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(f"Welch plot: {int(warmup['replications'].iloc[0])} pilot replications")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def analyse(
    results: Results, args: argparse.Namespace, series: list[tuple[str, str]], kpis: list[tuple[str, str]]
) -> dict[str, pd.DataFrame]:
    """The warm-up, Welch and replication tables of a pilot run."""
    check_selection(results.timeseries, series, "--metric")
    check_selection(results.kpis, kpis, "--kpi")
    ts = results.timeseries
    warmup = pd.DataFrame([row for m, g in series for row in warmup_rows(ts, m, g)])
    welch = pd.concat([welch_table(ts, m, g, args.window) for m, g in series], ignore_index=True)
    reps, ci = replication_tables(results.kpis, kpis, args.half_width, args.relative)
    return {"warmup": warmup, "welch": welch, "replications": reps, "ci_table": ci}


def _fmt(x: float) -> str:
    if x is None or pd.isna(x):
        return "-"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"


def verdict(warmup: pd.DataFrame, configured: int, years: float) -> list[str]:
    """The proposed warm-up (longest truncation found inside the search range) beside the configured one."""
    found = warmup[~warmup["at_search_limit"].astype(bool)]
    keys = list(dict.fromkeys(zip(warmup["metric"], warmup["group"], strict=True)))
    drifting = [f"{m}[{g}]" for m, g in keys if not ((found["metric"] == m) & (found["group"] == g)).any()]
    lines = []
    if len(found):
        proposal = int(found["warmup_days"].max())
        word = "too short" if proposal > configured else "long enough"
        at_least = " at least" if drifting else ""
        lines.append(f"  proposed warm-up:{at_least} {proposal} days (longest truncation found); "
                     f"configured warmup_days: {configured} -> {word}")  # fmt: skip
    if drifting:
        note = "no truncation point in the first half of the run (a longer transient, or a drift)"
        advice = f"look at welch.png; a longer pilot (years={2 * years:g}) tells which"
        lines.append(f"  {', '.join(drifting)}: {note}: {advice}")
    return lines


def summary(
    tables: dict[str, pd.DataFrame], configured: int, args: argparse.Namespace, config: SimConfig
) -> str:
    """A short plain-text summary of the proposals."""
    warmup, reps = tables["warmup"], tables["replications"]
    n, days = int(warmup["replications"].iloc[0]), int(warmup["last_day"].max()) + 1
    lines = [
        f"Pilot: scenario {config.scenario.name}, {config.population.size:,} people, {n} replications, "
        f"{days} days from day 0 (warmup_days=0), seed {config.seed}",
        "",
        "Warm-up (MSER on the mean over replications; MSER-7 = weekly batches of a daily series):",
    ]
    for (metric, group), rows in warmup.groupby(["metric", "group"], sort=False):
        found = [f"{r.method} {r.warmup_days} days" + (" (search limit)" if r.at_search_limit else "")
                 for r in rows.itertuples(index=False)]  # fmt: skip
        lines.append(f"  {metric}[{group}]: {', '.join(found)}")
    lines += verdict(warmup, configured, config.years)
    target = f"{args.half_width:.0%} of the mean" if args.relative else f"{args.half_width:g} (KPI units)"
    lines += ["", f"Replications for a 95% CI half-width of {target}:"]
    for r in reps.itertuples(index=False):
        needed = "-" if pd.isna(r.replications_needed) else str(r.replications_needed)
        lines.append(
            f"  {r.metric}[{r.group}]: mean {_fmt(r.mean)}, sd {_fmt(r.sd)}, half-width at n={r.pilot_n} "
            f"{_fmt(r.pilot_half_width)}, target {_fmt(r.target_half_width)} -> {needed} replications"
        )
    return "\n".join(lines)


def write(tables: dict[str, pd.DataFrame], configured: int, out: Path) -> None:
    """Write warmup.csv, replications.csv, ci_table.csv, welch.csv and welch.png into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    warmup = tables["warmup"].copy()
    warmup.insert(4, "configured_warmup_days", configured)
    warmup.to_csv(out / "warmup.csv", index=False)
    for name in ("replications", "ci_table", "welch"):
        tables[name].to_csv(out / f"{name}.csv", index=False)
    plot_welch(tables["welch"], tables["warmup"], configured, out / "welch.png")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pilot, print the proposals, write the tables; return the exit status."""
    args = build_parser().parse_intermixed_args(argv)
    import sim
    from sim.runner import check

    try:
        validate(args)
        series = parse_series(args.metric or SERIES, args.group or "all")
        kpis = parse_series(args.kpi or KPIS, "all", "--kpi")
        config = sim.load_config(args.overrides)
        check(config, warn=False)  # validate now; the pilot warns about what it runs
    except Exception as exc:  # configuration errors of any kind: one line, no traceback
        print(f"sim warmup: {describe(exc)}", file=sys.stderr)
        return EXIT_CONFIG
    start = time.perf_counter()
    results = run_pilot(config, args.replications, args.workers)
    try:
        tables = analyse(results, args, series, kpis)
    except ValueError as exc:
        print(f"sim warmup: {describe(exc)}", file=sys.stderr)
        return EXIT_CONFIG
    print(summary(tables, config.warmup_days, args, config))
    write(tables, config.warmup_days, args.out)
    print(f"\nwritten to {args.out}/ (warmup.csv, replications.csv, ci_table.csv, welch.csv, welch.png) "
          f"in {time.perf_counter() - start:.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

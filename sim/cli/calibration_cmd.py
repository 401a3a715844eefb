"""``sim check-calibration``: print each calibration target beside the simulated value.

Examples (config overrides are ``KEY=VALUE``, as for ``sim`` and ``sim warmup``)::

    sim check-calibration                                   # every target, default size
    sim check-calibration population.size=20000 --replications 5 --scope demography contacts
    sim check-calibration --strict --out results/calibration
    sim check-calibration 'demand.contacts_per_year={0-64: 4.0}' --scope contacts   # see one fail

Exit status: 0 when every checked target passes, 1 when any fails, 2 for a bad
configuration or argument. Targets the model does not simulate yet are listed but not
checked unless ``--strict``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.calibration import (
    FAIL,
    NOT_AVAILABLE,
    NOT_YET,
    PASS,
    SCOPES,
    Calibration,
    load_targets,
    run_calibration,
)
from sim.cli.errors import describe
from sim.cli.help import examples_epilog
from sim.cli.progress import job_progress

EXIT_FAIL = 1
EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    """The arguments of ``sim check-calibration``."""
    parser = argparse.ArgumentParser(
        prog="sim check-calibration",
        description="Compare the simulated baseline with the Danish calibration targets "
        "(configs/calibration/targets.yaml).",
        epilog=examples_epilog(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, as for sim")
    parser.add_argument("--replications", type=int, default=3, help="replications (default: 3)")
    parser.add_argument(
        "--scope", nargs="+", action="extend", choices=SCOPES, metavar="S",
        help=f"only targets of these scopes ({', '.join(SCOPES)}; default: all)",
    )  # fmt: skip
    parser.add_argument("--strict", action="store_true", help="targets not simulated yet fail")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="write calibration.csv and the run's tables here"
    )
    parser.add_argument("--workers", type=int, help="processes for replications (default: the config's)")
    parser.add_argument("--targets", type=Path, metavar="FILE", help="another targets file")
    return parser


ONE_VALUE = ("--replications", "--out", "--workers", "--targets")  # options followed by one value


def split_overrides(argv: list[str]) -> tuple[list[str], list[str]]:
    """The options and the config overrides of a command line, the overrides anywhere on it (even
    after ``--scope``): ``KEY=VALUE``, ``+KEY=VALUE``, ``~KEY``; never an option's own value
    (``--out a=b``). Any other word stays with the options, where argparse refuses it."""
    options: list[str] = []
    overrides: list[str] = []
    value_next = False
    for word in argv:
        if value_next:
            options.append(word)
            value_next = False
        elif word.startswith("-"):
            options.append(word)
            value_next = word in ONE_VALUE
        elif "=" in word or word.startswith("~"):
            overrides.append(word)
        else:
            options.append(word)
    return options, overrides


def _number(x: float, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    digits = 0 if abs(x) >= 100 else 2 if abs(x) < 10 and unit not in ("percent", "years") else 1
    return f"{x:.{digits}f}"


def format_table(table: pd.DataFrame) -> str:
    """The calibration table as aligned text: target, simulated mean, interval and status."""
    header = ["scope", "target", "kpi[group]", "target value", "simulated", "95% CI", "n", "status"]
    rows = []
    for r in table.itertuples(index=False):
        target = r.tolerance if math.isnan(r.target) else f"{_number(r.target, r.unit)} {r.tolerance}"
        ci = "-" if math.isnan(r.ci_low) else f"{_number(r.ci_low, r.unit)}-{_number(r.ci_high, r.unit)}"
        rows.append([
            r.scope, r.name, f"{r.kpi}[{r.group}]", target, _number(r.simulated, r.unit), ci,
            str(r.n), r.status,
        ])  # fmt: skip
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {r.name}: {r.note}" for r in table.itertuples(index=False) if r.note]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines)


def summary(table: pd.DataFrame) -> str:
    """One line: how many targets passed, failed and were not checked."""
    counts = table["status"].value_counts()
    parts = [f"{counts.get(s, 0)} {s}" for s in (PASS, FAIL, NOT_YET, NOT_AVAILABLE) if counts.get(s, 0)]
    return ", ".join(parts) or "no targets selected"


def write(result: Calibration, out: Path) -> None:
    """Write the calibration table and the tables it came from into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    result.table.to_csv(out / "calibration.csv", index=False)
    if not result.kpis.empty:
        result.kpis.to_csv(out / "kpis.csv", index=False)
    if not result.ageing_timeseries.empty:
        result.ageing_timeseries.to_csv(out / "ageing_population.csv", index=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check and return the exit status."""
    parser = build_parser()
    options, overrides = split_overrides(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(options)
    if args.overrides:  # words the split did not take: neither an option nor KEY=VALUE
        parser.error(f"not an option or a KEY=VALUE override: {' '.join(args.overrides)}")
    args.overrides = overrides
    import sim
    from sim.runner import check

    try:
        targets = load_targets(args.targets)
        config = sim.load_config(args.overrides)
        check(config, warn=False)  # validate now; the runs warn about what they run
        if args.replications <= 0:
            raise ValueError(f"--replications: must be > 0 (got {args.replications})")
    except Exception as exc:  # configuration errors of any kind: one line, no traceback
        print(f"sim check-calibration: {describe(exc)}", file=sys.stderr)
        return EXIT_CONFIG

    start = time.perf_counter()
    result = run_calibration(
        config, replications=args.replications, scopes=args.scope,
        strict=args.strict, workers=args.workers, targets=targets,
        progress=lambda run_config, label: job_progress(run_config, label=label),
    )  # fmt: skip
    used = result.config
    print(
        f"Calibration check: scenario {used.scenario.name}, {used.population.size:,} people, "
        f"{used.replications} replication(s), seed {used.seed}" + (", strict" if args.strict else "")
    )
    print(format_table(result.table))
    print(f"\n{summary(result.table)} ({time.perf_counter() - start:.0f} s)")
    if args.out:
        write(result, args.out)
        print(f"written to {args.out}")
    return EXIT_FAIL if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())

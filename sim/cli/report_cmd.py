"""``sim report``: one self-contained HTML report of a study directory.

Examples::

    sim report results/compare_organisation/latest      # writes report.html and plots/ there
    sim report results/compare_organisation/latest --out elsewhere/report.html   # somewhere else

The study directory is what ``sim collate <multirun dir>`` writes (``results/<study>/<time>``)
(``summary.csv``, ``differences.csv``, ``jobs.csv``, ``manifest.json``, ...). The plots are also
written as PNG files to ``<study>/plots/``, which is replaced whole once every plot is drawn;
nothing else is written. Exit status: 0 when the report is written, 1 when it cannot be written
(a read-only folder, a full disk), 2 when the directory is not a study directory or one of its
files is damaged (``sim report: <study>: <file>: <reason>``), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.cli.help import examples_epilog

EXIT_CANNOT_WRITE = 1
EXIT_NOT_A_STUDY = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The arguments of ``sim report``."""
    parser = argparse.ArgumentParser(
        prog="sim report",
        description="Write one self-contained HTML report (plots, KPI tables with 95% confidence "
        "intervals, differences against the baseline, manifest, STRESS-DES model description) "
        "of a study directory made by 'sim collate'.",
        epilog=examples_epilog(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("study", type=Path, help="study directory (with summary.csv)")
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="the HTML file to write (default: STUDY/report.html)"
    )
    parser.add_argument(
        "--sensitivity", type=Path, metavar="DIR", help="sim sensitivity's folder (STUDY/sensitivity)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Write the report and return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="sim report: %(message)s")
    try:
        from sim.report.files import CannotWriteError
        from sim.report.html import build_report
        from sim.report.study import NotAStudyError

        try:
            out = build_report(args.study, args.out, args.sensitivity)
        except NotAStudyError as exc:  # and DamagedStudyError: <study>: <file>: <reason>
            print(f"sim report: {exc}", file=sys.stderr)
            return EXIT_NOT_A_STUDY
        except CannotWriteError as exc:
            print(f"sim report: {exc}", file=sys.stderr)
            return EXIT_CANNOT_WRITE
    except KeyboardInterrupt:
        print("sim report: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"report written to {out} (plots in {args.study / 'plots'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line of sim: ``sim [KEY=VALUE ...]`` runs a job, ``sim -m ...`` a sweep, and the
subcommands ``collate``, ``report``, ``check-calibration``, ``warmup`` and ``sensitivity`` (``sim/cli/``) are
dispatched before Hydra reads the command line. ``sim --help`` prints one screen
(``sim/cli/help.py``); the whole configuration is ``sim --cfg job``.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130  # the shell's status for a process stopped by Ctrl-C (128 + SIGINT)


def main() -> None:
    """Entry point of the ``sim`` console script and of ``python -m sim``: Ctrl-C ends any
    command with one line and status 130."""
    try:
        dispatch()
    except KeyboardInterrupt:
        print("sim: interrupted (Ctrl-C); unfinished jobs left no results", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)


def dispatch() -> None:
    """Run the subcommand named by ``sys.argv[1]`` or, for anything else, the Hydra application."""
    if len(sys.argv) > 1 and sys.argv[1] == "check-calibration":
        from sim.cli.calibration_cmd import main as check_calibration

        sys.exit(check_calibration(sys.argv[2:]))
    elif len(sys.argv) > 1 and sys.argv[1] == "collate":
        from sim.cli.collate_cmd import main as collate

        sys.exit(collate(sys.argv[2:]))
    elif len(sys.argv) > 1 and sys.argv[1] == "report":
        from sim.cli.report_cmd import main as report

        sys.exit(report(sys.argv[2:]))
    elif len(sys.argv) > 1 and sys.argv[1] == "sensitivity":
        from sim.cli.sensitivity_cmd import main as sensitivity

        sys.exit(sensitivity(sys.argv[2:]))
    elif len(sys.argv) > 1 and sys.argv[1] == "warmup":
        from sim.cli.warmup_cmd import main as warmup

        sys.exit(warmup(sys.argv[2:]))
    from sim.cli.help import short_help, wants_help

    if wants_help(sys.argv[1:]):
        print(short_help())
        sys.exit(0)
    from sim.cli.hydra_app import run_hydra

    run_hydra()


if __name__ == "__main__":
    main()

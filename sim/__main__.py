"""Command line of sim: ``sim [hydra overrides]`` runs a study.

Examples::

    sim                                            # baseline, default size
    sim scenario=health_houses replications=5      # another scenario
    sim -m scenario=baseline,health_houses hydra/launcher=local   # a sweep
    sim check-calibration --size 20000 --replications 3   # targets beside simulated values

``check-calibration`` is a subcommand of its own (sim/cli/calibration_cmd.py); it is
dispatched before Hydra reads the command line.
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
    elif len(sys.argv) > 1 and sys.argv[1] == "warmup":
        from sim.cli.warmup_cmd import main as warmup

        sys.exit(warmup(sys.argv[2:]))
    from sim.cli.hydra_app import run_hydra

    run_hydra()


if __name__ == "__main__":
    main()

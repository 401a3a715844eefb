"""Command line of sim: ``sim [hydra overrides]`` runs a study.

Examples::

    sim                                            # baseline, default size
    sim scenario=health_houses replications=5      # another scenario
    sim -m scenario=baseline,health_houses hydra/launcher=joblib   # a sweep
"""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``sim`` console script and of ``python -m sim``."""
    from sim.cli.hydra_app import run_hydra

    run_hydra()


if __name__ == "__main__":
    main()

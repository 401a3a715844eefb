"""The progress bar at the command line's edge: simulated days over all replications."""

from __future__ import annotations

import sys

from tqdm import tqdm

from sim.config.schema import SimConfig
from sim.runner import simulated_days

SHOW_AFTER_SECONDS = 2.0  # short runs print no bar


def day_bar(config: SimConfig, desc: str) -> tqdm:
    """A bar over ``replications x simulated days``, shown on a terminal once a run takes longer
    than a couple of seconds; pass its ``update`` to :func:`sim.run` as ``progress``."""
    return tqdm(
        total=config.replications * simulated_days(config),
        desc=f"{desc} ({config.replications} rep)",
        unit="day",
        delay=SHOW_AFTER_SECONDS,
        disable=None,
        file=sys.stderr,
        mininterval=0.5,
    )

"""Progress a person can read, at the command line's edge: simulated days over all replications.

On a terminal a single job draws one bar, named by its variant in words (and "job k of n" in a
sweep), with log lines printed above it rather than onto it. Where bars would collide (jobs of a
sweep running side by side on one terminal) or cannot be drawn (output to a file or a pipe, a
cluster's log), a job writes one plain line at each replication's end and at least every
``LINE_EVERY_SECONDS`` of a long replication instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from sim.config.schema import SimConfig
from sim.runner import simulated_days

SHOW_AFTER_SECONDS = 2.0  # short runs print no bar
LINE_EVERY_SECONDS = 30.0  # plain lines: at least this often during a long replication
# Set for each job by sim's local launcher (hydra_plugins/sim_launcher) through hydra.job.env_set.
SWEEP_JOBS_ENV, SWEEP_PARALLEL_ENV = "SIM_SWEEP_JOBS", "SIM_SWEEP_PARALLEL"

log = logging.getLogger("sim")
# overrides that set how a job runs, not what it models: left out of the variant's words
RUN_SETTINGS = ("scenario=", "experiment=", "hydra", "population.size=", "years=", "replications=",
                "workers=", "seed=", "warmup_days=", "warm_start_days=", "output.", "objective",
                "constraint.")  # fmt: skip


def variant_words(config: SimConfig, swept: list[str] | None = None) -> str:
    """The job's variant in words: its scenario's name with spaces, then the overrides that change
    the model (``health houses, services.acute_function.shifts.day.nurses=2``)."""
    words = (config.scenario.name or "run").replace("_", " ")
    extra = [o for o in swept or [] if not o.lstrip("+~").startswith(RUN_SETTINGS)]
    return ", ".join([words, *extra])


def job_position(num: int | None, total: int | None) -> str:
    """``job k of n`` (1-based) in a sweep, ``job k`` when the total is unknown, '' outside one."""
    if num is None:
        return ""
    return f"job {num + 1} of {total}" if total else f"job {num + 1}"


def _sweep_size() -> tuple[int | None, int]:
    """Jobs in the sweep (None when the launcher does not say) and jobs run side by side."""
    def number(name: str) -> int | None:
        try:
            return int(os.environ.get(name, ""))
        except ValueError:
            return None

    return number(SWEEP_JOBS_ENV), number(SWEEP_PARALLEL_ENV) or 1


class LineProgress:
    """Plain progress lines: one per finished replication and one every ``every`` seconds."""

    def __init__(self, label: str, config: SimConfig, stream: TextIO, every: float = LINE_EVERY_SECONDS):
        self.label, self.stream, self.every = label, stream, every
        self.per_rep, self.reps = simulated_days(config), config.replications
        self.done, self.start = 0, time.perf_counter()
        self.last = self.start

    def update(self, days: int) -> None:
        """Count ``days`` more simulated days; write a line at a replication's end or when due."""
        before, self.done = self.done, self.done + days
        now = time.perf_counter()
        finished = self.done // self.per_rep > before // self.per_rep
        if finished or now - self.last >= self.every:
            self.last = now
            rep, day = divmod(self.done, self.per_rep)
            reps = f"replication {min(rep, self.reps)} of {self.reps} done"
            if not finished:
                reps = f"replication {rep + 1} of {self.reps}: day {day}"
            print(f"{self.label}: {reps} ({now - self.start:.0f} s)", file=self.stream, flush=True)


@contextlib.contextmanager
def job_progress(
    config: SimConfig,
    num: int | None = None,
    swept: list[str] | None = None,
    stream: TextIO | None = None,
    label: str | None = None,
) -> Iterator[Callable[[int], None]]:
    """Progress of one job's replications (or of a command's run named by ``label``); yields the
    callback to pass to :func:`sim.run`. A bar on a terminal (logs above it), plain lines
    elsewhere and for parallel jobs."""
    stream = stream or sys.stderr
    total, parallel = _sweep_size()
    position = job_position(num, total)
    if label is None:
        label = f"{position}: {variant_words(config, swept)}" if position else variant_words(config, swept)
    pop = config.population
    if pop.real_size and pop.size != pop.real_size:  # a real place run scaled: say so
        scaled = f"{pop.name} at {pop.size:,} of its {pop.real_size:,} residents (scale {pop.scale:.3g}; "
        print(f"{scaled}the map keeps its density, KPIs per 1,000 stay comparable)", file=stream, flush=True)
    terminal = getattr(stream, "isatty", lambda: False)()
    if not terminal or parallel > 1:
        print(f"{label}: {config.replications} replication(s) of {simulated_days(config)} days",
              file=stream, flush=True)  # fmt: skip
        yield LineProgress(label, config, stream).update
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    bar = tqdm(
        total=config.replications * simulated_days(config), desc=label, unit="day",
        delay=SHOW_AFTER_SECONDS, file=stream, mininterval=0.5, dynamic_ncols=True,
    )  # fmt: skip
    with bar, logging_redirect_tqdm(loggers=[logging.getLogger()]):
        yield bar.update

"""Whether a valid configuration can give meaningful results on this machine, before anything runs.

Each value of a configuration can be in range while the whole is not: a population too small
to fill the age bands and practices the KPIs are counted over, staffing that the population
scaling rounds to one person (so that neighbouring settings run the same team), settings of a
practice type no practice has, a warm-up shorter than proposed, too few replications to tell
differences from zero, or a population that cannot fit in memory. :func:`problems` finds them
from the configuration alone: errors refuse the run (a :class:`ConfigError` naming the key),
warnings are one line each, logged before the run starts and kept in the job's manifest
(``warnings``), from where the report lists them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, fields

from sim.calendar import DAYS_PER_YEAR
from sim.config.organisation import PracticeTypeConfig
from sim.config.schema import SimConfig
from sim.config.services import scaled
from sim.config.validation import ConfigError

log = logging.getLogger(__name__)

# Below this many people the KPIs per 1,000 of the oldest band and of each practice type are
# counted over a handful of people or none (80+ is about 4.5% of Danes: 45 people at 1,000).
MIN_POPULATION = 1_000
# Below this many, the run is allowed but noisy: a warning says so.
SMALL_POPULATION = 5_000
# Memory of one replication: a fixed part plus bytes per person and per person-year simulated
# (peak RSS measured by experiments/benchmark/benchmark.py, one year plus 28 days of warm-up and
# 120 of warm start, commit 6ea42fa, 2026-12-07: 214 MiB at 59,246 people, 612 MiB at 600,000,
# 979 MiB at 1.2 million, 1,720 MiB at 2.4 million, 3,968 MiB at 5.9 million; about 670 bytes
# per person). The fit lies 7-30% above each measurement, so it errs on the safe side.
# The warm-up experiments/warmup/README.md proposes (MSER-5 on beds, waits and unmet requests:
# 35 days for a one-year pilot, 50 for two years with the population held still).
PROPOSED_WARMUP_DAYS = 50
# Replications the same study found a headline KPI needs for a 95% interval of +-5% of its mean:
# avoidable admissions per 1,000 aged 65+ 4 to 8 (the low end here).
HEADLINE_REPLICATIONS = 4
BASE_BYTES = 250e6
BYTES_PER_PERSON = 220.0
BYTES_PER_PERSON_YEAR = 360.0


@dataclass(frozen=True)
class Problem:
    """A reason a configuration cannot run (``error``) or may mislead (warning)."""

    key: str
    message: str
    error: bool = False


def available_memory() -> float:
    """Bytes of memory this process can use: MemAvailable from /proc/meminfo, else physical memory."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return float("inf")


def memory_estimate(config: SimConfig) -> float:
    """Bytes the run needs at its peak: one replication times the replications run at once."""
    days = config.warmup_days + config.warm_start_days + round(config.years * DAYS_PER_YEAR)
    person_years = config.population.size * days / DAYS_PER_YEAR
    one = BASE_BYTES + BYTES_PER_PERSON * config.population.size + BYTES_PER_PERSON_YEAR * person_years
    at_once = min(config.workers, config.replications)
    return one * at_once


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def _population(config: SimConfig) -> Iterator[Problem]:
    size = config.population.size
    if size < MIN_POPULATION:
        yield Problem(
            "population.size",
            f"{size} people is too few: the KPIs per 1,000 of the 80+ and of each practice type "
            f"would be counted over a handful of people or none (use at least {MIN_POPULATION:,})",
            error=True,
        )
    elif size < SMALL_POPULATION:
        yield Problem(
            "population.size",
            f"{size:,} people is small: KPIs of the oldest band and of the services are noisy "
            f"(use {SMALL_POPULATION:,} or more for results)",
        )
    org = config.organisation
    hours = sum(t.gp_share * t.gp_clinical_hours_per_week for t in org.practice_types.values())
    if hours <= 0:
        yield Problem(
            "organisation.practice_types",
            "no practice type has GP clinical hours (gp_share x gp_clinical_hours_per_week is 0 "
            "for all): general practice could see no one",
            error=True,
        )


def _scaled_counts(config: SimConfig) -> Iterator[tuple[str, int]]:
    svc = config.services
    if not svc.hospital.ed.infinite:
        yield "services.hospital.ed.servers", svc.hospital.ed.servers
    yield "services.hospital.beds", svc.hospital.beds
    for name in ("triage", "clinic", "home_visit"):
        station = getattr(svc.ooh, name)
        if not station.infinite:
            yield f"services.ooh.{name}.servers", station.servers
    for name, shift in svc.acute_function.shifts.items():
        yield f"services.acute_function.shifts.{name}.nurses", shift.nurses


def _staffing(config: SimConfig) -> Iterator[Problem]:
    ref = config.services.reference_population
    if ref <= 0 or config.population.size >= ref:
        return
    k = config.population.size / ref
    for key, count in _scaled_counts(config):
        if count < 2 or scaled(count, k) > 1:
            continue
        same = [c for c in range(1, 10 * count + 2) if scaled(c, k) == 1]
        yield Problem(
            key,
            f"{count} for {ref:,} people rounds to 1 at {config.population.size:,} people: "
            f"every value from {same[0]} to {same[-1]} runs the same (run a larger population to "
            "see staffing effects)",
        )


# fields of a practice type that only act when some practice is of that type
_TYPE_DEFAULTS = PracticeTypeConfig()
_PASSIVE_FIELDS = {"gp_share", "recruit_probability"}  # set on every type by the baseline


def _no_effect(config: SimConfig) -> Iterator[Problem]:
    """Settings of a practice type no practice has: no GPs at the start and nothing merges into it."""
    org = config.organisation
    for name, kind in org.practice_types.items():
        if kind.gp_share > 0 or (org.merge.types and org.merge.into == name):
            continue
        changed = [
            f.name for f in fields(kind)
            if f.name not in _PASSIVE_FIELDS and getattr(kind, f.name) != getattr(_TYPE_DEFAULTS, f.name)
        ]  # fmt: skip
        if changed:
            yield Problem(
                f"organisation.practice_types.{name}",
                f"{', '.join(changed)} set, but no practice is a {name} in organisation "
                f"{org.name!r} (gp_share 0 and nothing merges into it): these settings have no effect",
            )


def _statistics(config: SimConfig) -> Iterator[Problem]:
    """A warm-up shorter than proposed, and too few replications to tell differences from zero."""
    if 0 < config.warmup_days < PROPOSED_WARMUP_DAYS:  # 0: a pilot measuring from the start (sim warmup)
        yield Problem(
            "warmup_days",
            f"{config.warmup_days} days is shorter than the proposed warm-up of {PROPOSED_WARMUP_DAYS} "
            "(experiments/warmup/README.md; sim warmup): beds and readmissions are still filling when "
            "measuring starts",
        )
    if config.replications < 2:
        yield Problem(
            "replications",
            "1 replication gives no confidence interval and no paired difference between scenarios "
            f"(use {HEADLINE_REPLICATIONS} or more; sim warmup proposes how many)",
        )
    elif config.replications < HEADLINE_REPLICATIONS:
        yield Problem(
            "replications",
            f"{config.replications} is fewer than the {HEADLINE_REPLICATIONS}-8 that avoidable admissions "
            "per 1,000 aged 65+ need for a 95% interval of +-5% (experiments/warmup/README.md): "
            "differences between scenarios may not be told from zero",
        )


def warnings(config: SimConfig) -> list[str]:
    """The warnings of :func:`problems`, one line each (``key: message``), for the run's manifest."""
    return [f"{p.key}: {p.message}" for p in problems(config) if not p.error]


def _memory(config: SimConfig) -> Iterator[Problem]:
    need, have = memory_estimate(config), available_memory()
    if need > have:
        yield Problem(
            "population.size",
            f"{config.population.size:,} people need about {_gb(need)} of memory "
            f"({min(config.workers, config.replications)} replication(s) at once) and this machine "
            f"has {_gb(have)} available: use a smaller population.size (KPIs per 1,000 stay "
            "comparable) or fewer workers",
            error=True,
        )


def problems(config: SimConfig) -> list[Problem]:
    """Everything that makes ``config`` unable to run (errors) or likely to mislead (warnings)."""
    return [
        *_population(config), *_staffing(config), *_no_effect(config), *_statistics(config),
        *_memory(config),
    ]  # fmt: skip


def check_feasible(config: SimConfig, warn: bool = True) -> None:
    """Raise :class:`ConfigError` for the first error of :func:`problems`; log each warning in
    one line when ``warn``."""
    found = problems(config)
    for p in found:
        if p.error:
            raise ConfigError(p.key, p.message)
    for p in found if warn else ():
        log.warning("%s: %s", p.key, p.message)

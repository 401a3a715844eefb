"""Parameter schema of the simulator: frozen, validated dataclasses.

These classes are the single definition of every parameter: Hydra registers them as the
structured-config schema (so a typo fails when the config is composed), and
:func:`sim.config.build` turns a plain mapping into them for notebooks and tests.
Defaults here are neutral; the Danish defaults, each with its source, live in ``configs/``.
Collections are dicts keyed by name so that one entry can be overridden from the
command line (``organisation.practice_types.solo.gp_share=0.3``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sim.config.organisation import (  # noqa: F401 - re-exported: the schema in one place
    REGION_CLINIC,
    ChannelMinutes,
    DiaryConfig,
    Hours,
    OrganisationConfig,
    PracticeTypeConfig,
)
from sim.config.people import (  # noqa: F401 - re-exported
    AGE_BANDS,
    CHANNELS,
    EQUIPMENT,
    AgeBandConfig,
    AreaConfig,
    ChronicCareConfig,
    ConditionConfig,
    ContinuityConfig,
    ControlConfig,
    DemandConfig,
    EpisodeGroupConfig,
    FrailtyConfig,
    GeographyConfig,
    GompertzMakeham,
    MortalityConfig,
    PopulationConfig,
    bands,
)
from sim.config.services import (  # noqa: F401 - re-exported
    AcuteFunctionConfig,
    CostConfig,
    DistributionConfig,
    HospitalConfig,
    OohConfig,
    OutpatientConfig,
    SatelliteConfig,
    ServicesConfig,
    ShiftConfig,
    StationConfig,
)
from sim.config.validation import (
    Validated,
    at_least,
    between,
    non_negative,
    one_of,
    path_name,
    positive,
)


def check_condition_names(config: SimConfig) -> Iterator[tuple[str, str]]:
    """Yield errors where demand refers to a condition the population does not have."""
    known = set(config.population.conditions)
    for name in config.demand.controls:
        if name not in known:
            yield f"demand.controls.{name}", f"no condition named {name!r} in population.conditions"
    for name, group in config.demand.episode_groups.items():
        if group.requires and group.requires not in known:
            yield f"demand.episode_groups.{name}.requires", f"no condition named {group.requires!r}"
        for key in group.risk_ratios:
            if key not in known | {"frail", "home_care", "lives_alone"}:
                yield (
                    f"demand.episode_groups.{name}.risk_ratios.{key}",
                    ("not a condition, frail, home_care or lives_alone"),
                )


# ------------------------------------------------------------------ rules, scenario, run
@dataclass(frozen=True)
class RuleConfig(Validated):
    """A decision rule selected by ``name`` from its family's registry, with its parameters."""

    name: str = "default"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RulesConfig(Validated):
    """The rule chosen for each decision family."""

    care_seeking: RuleConfig = field(default_factory=RuleConfig)
    triage: RuleConfig = field(default_factory=RuleConfig)
    booking: RuleConfig = field(default_factory=lambda: RuleConfig("first_available"))
    escalation: RuleConfig = field(default_factory=RuleConfig)
    admission: RuleConfig = field(default_factory=RuleConfig)
    list_management: RuleConfig = field(default_factory=RuleConfig)
    workforce: RuleConfig = field(default_factory=RuleConfig)


@dataclass(frozen=True)
class ScenarioConfig(Validated):
    """A named scenario with a one-sentence description for planners."""

    name: str = path_name("baseline")
    description: str = ""


@dataclass(frozen=True)
class ExperimentConfig(Validated):
    """A named experiment (a sweep of scenarios, parameters and replications)."""

    name: str = path_name("default")
    description: str = ""


@dataclass(frozen=True)
class OutputConfig(Validated):
    """What a run writes besides ``kpis`` and the manifest."""

    timeseries: bool = True
    csv: bool = True
    plots: bool = True  # a job's own kpis.png and timeseries.png ...
    # ... also in each job of a sweep (off: `sim report` draws the study's plots from the
    # collated tables, and a job's plots cost more than a small job's replication)
    sweep_plots: bool = False


# ------------------------------------------------------------------ objective of an optimising sweep
OBJECTIVE_STATS = ("mean", "median", "min", "max", "p10", "p90")  # over the replications of a job
KPI_SPEC = re.compile(r"(?P<kpi>[A-Za-z0-9_]+)(?::(?P<group>[^:]+))?")  # <kpi> or <kpi>:<group>


def kpi_spec_error(value: str | None) -> str | None:
    """Why ``value`` is not ``<kpi>`` or ``<kpi>:<group>``; None when it is (or is null)."""
    if value is None or KPI_SPEC.fullmatch(value):
        return None
    return f"must be <kpi> or <kpi>:<group>, a KPI of docs/kpis.md (got {value!r})"


@dataclass(frozen=True)
class ConstraintConfig(Validated):
    """A bound an optimising sweep must keep: a job whose ``kpi`` breaks it returns a penalty."""

    kpi: str | None = None  # <kpi> or <kpi>:<group>; null: no constraint
    max: float | None = None  # the KPI (its objective_stat over the replications) must be <= max
    min: float | None = None  # ... and >= min
    penalty: float = positive(1e6)  # added to the objective (subtracted when maximising) times 1 + the breach

    def checks(self) -> Iterator[tuple[str, str]]:
        msg = kpi_spec_error(self.kpi)
        if msg:
            yield "kpi", msg
        bounded = self.max is not None or self.min is not None
        if self.kpi is not None and not bounded:
            yield "kpi", "a constraint needs constraint.max or constraint.min"
        if self.kpi is None and bounded:
            yield "kpi", "constraint.max and constraint.min need the KPI they bound (constraint.kpi)"
        if self.max is not None and self.min is not None and self.min > self.max:
            yield "min", f"must be <= constraint.max (got {self.min} > {self.max})"


@dataclass(frozen=True)
class SimConfig(Validated):
    """Everything one run needs. ``sim.run(SimConfig(...))`` runs it."""

    seed: int = non_negative(2025)
    replications: int = at_least(1, 1)
    workers: int = at_least(1, 1)
    years: float = positive(1.0)
    warmup_days: int = non_negative(56)
    warm_start_days: int = non_negative(120)  # silent pre-run of practice booking before day 0 (0: cold)
    start_year: int = between(1900, 2200, 2025)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    organisation: OrganisationConfig = field(default_factory=OrganisationConfig)
    services: ServicesConfig = field(default_factory=ServicesConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    # what a job returns to an optimising sweeper (hydra/sweeper=optuna; docs/sweeps.md)
    objective: str | None = None  # <kpi> or <kpi>:<group>; null: a job returns nothing
    objective_stat: str = one_of("mean", OBJECTIVE_STATS)
    constraint: ConstraintConfig = field(default_factory=ConstraintConfig)

    def checks(self) -> Iterator[tuple[str, str]]:
        yield from check_condition_names(self)
        kinds = {*self.organisation.practice_types, REGION_CLINIC}
        for kind in (self.rules.booking.params or {}).get("share_by_type") or {}:
            if kind not in kinds:
                yield (f"rules.booking.params.share_by_type.{kind}",
                       f"no practice type {kind!r} (known: {', '.join(sorted(kinds))})")  # fmt: skip
        msg = kpi_spec_error(self.objective)
        if msg:
            yield "objective", msg
        if self.constraint.kpi is not None and self.objective is None:
            yield "constraint.kpi", "a constraint needs an objective (objective=<kpi>[:<group>])"
        if round(self.years * 365) < 1:
            yield "years", f"the measured horizon must be at least one day (got {self.years} years)"

"""Parameters of the services outside general practice: out-of-hours GP, the municipal acute
function, the hospital (emergency department, beds, readmission), hospital satellite clinics,
and the unit costs used for the cost KPIs.

Defaults here are neutral; the Danish defaults, each with its source or marked as an
assumption, live in ``configs/services/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sim.config.people import AGE_BANDS, EQUIPMENT, bands
from sim.config.validation import (
    Validated,
    between,
    keyed_by,
    non_negative,
    positive,
    probabilities,
    probability,
    rates,
)


@dataclass(frozen=True)
class DistributionConfig(Validated):
    """A duration distribution in minutes: ``exponential``, ``fixed`` or ``lognormal``."""

    dist: str = "exponential"
    mean: float = positive(60.0)
    cv: float = non_negative(1.0)

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.dist not in ("exponential", "fixed", "lognormal"):
            yield "dist", f"unknown distribution {self.dist!r} (allowed: exponential, fixed, lognormal)"


@dataclass(frozen=True)
class StationConfig(Validated):
    """A multi-server first-come-first-served service (emergency department, ...)."""

    servers: int = non_negative(4)
    infinite: bool = False
    service: DistributionConfig = field(default_factory=DistributionConfig)


@dataclass(frozen=True)
class HospitalConfig(Validated):
    """Emergency department, admission, length of stay, beds, discharge follow-up, readmission."""

    ed: StationConfig = field(default_factory=StationConfig)
    admit_probability: dict[str, float] = probabilities(dict)
    admit_probability_default: float = probability(0.3)
    los_days: dict[str, float] = keyed_by(rates(lambda: bands(3.0, 4.0, 5.0)), AGE_BANDS)
    los_factor: dict[str, float] = rates(dict)  # by episode group, multiplies the band's mean stay
    referral_delay_minutes: float = non_negative(120.0)
    beds: int = non_negative(0)  # medical beds for the modelled episodes; 0 = as many as needed
    readmission_30d: dict[str, float] = keyed_by(probabilities(lambda: bands(0.10, 0.15, 0.20)), AGE_BANDS)
    followup_days: float = non_negative(7.0)
    followup_hazard_ratio: float = between(0.0, 1.0, 0.7)
    gp_followup_share: dict[str, float] = keyed_by(probabilities(lambda: bands(0.0, 0.0, 0.0)), AGE_BANDS)

    def checks(self) -> Iterator[tuple[str, str]]:
        if not self.ed.infinite and self.ed.servers < 1:
            yield "ed.servers", f"the emergency department needs at least one server (got {self.ed.servers})"


def _station(servers: int, mean: float) -> StationConfig:
    return StationConfig(servers, False, DistributionConfig("exponential", mean))


@dataclass(frozen=True)
class OohConfig(Validated):
    """The out-of-hours GP service (vagtlæge): telephone triage, then a clinic consultation or a
    home visit, open on weekday evenings and nights and all weekend."""

    enabled: bool = True
    weekday_from: float = between(0, 24, 16.0)  # clock hour at which the service opens on weekdays
    weekday_until: float = between(0, 24, 8.0)  # clock hour at which it closes the next morning
    triage: StationConfig = field(default_factory=lambda: _station(2, 6.0))
    clinic: StationConfig = field(default_factory=lambda: _station(1, 12.0))
    home_visit: StationConfig = field(default_factory=lambda: _station(1, 25.0))
    clinic_share: float = probability(0.3)  # of background calls, seen at the clinic
    home_visit_share: float = probability(0.05)  # of background calls, visited at home
    home_visit_share_frail: float = probability(0.5)  # of episodes of frail or home-care patients
    clinic_travel_minutes: float = non_negative(30.0)  # from the call to arrival at the clinic
    speed_kmh: float = positive(50.0)  # of the home-visit car
    treat_factor: float = between(0.0, 1.0, 1.0)  # times the group's primary-care treatable share
    contacts_per_year: dict[str, float] = keyed_by(
        rates(lambda: bands(0.0, 0.0, 0.0)), AGE_BANDS
    )  # background calls
    escalated_to_ed_share: float = probability(0.3)  # of unmet same-day requests, to the ED instead

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.weekday_until >= self.weekday_from:
            yield (
                "weekday_until",
                (
                    f"the service must close the next morning, before it opens in the evening "
                    f"(got open {self.weekday_from:g}, close {self.weekday_until:g})"
                ),
            )
        if self.clinic_share + self.home_visit_share > 1:
            yield "home_visit_share", "clinic_share + home_visit_share must not exceed 1"


@dataclass(frozen=True)
class ShiftConfig(Validated):
    """One shift of the acute team: clock hours (``end`` before ``start`` runs past midnight)
    and the nurses on duty."""

    start: float = between(0, 24, 7.0)
    end: float = between(0, 24, 15.0)
    nurses: int = non_negative(1)

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.start == self.end:
            yield "end", f"a shift must have a length (start and end are both {self.start:g})"


def scaled(count: int, scale: float) -> int:
    """A count of servers, beds or nurses scaled by ``scale``: rounded, at least 1 unless 0."""
    return 0 if count == 0 else max(1, round(count * scale))


ACUTE_BASES = ("town", "health_house", "hospital")


def _default_shifts() -> dict[str, ShiftConfig]:
    return {"day": ShiftConfig(7, 15, 1), "evening": ShiftConfig(15, 23, 1), "night": ShiftConfig(23, 7, 1)}


@dataclass(frozen=True)
class AcuteFunctionConfig(Validated):
    """The municipal acute function (kommunal akutfunktion): mobile nurses around the clock who
    assess and treat at home on referral from the GP, the out-of-hours GP or the hospital."""

    shifts: dict[str, ShiftConfig] = field(default_factory=_default_shifts)
    base: str = "town"  # where the team drives from: the main town, the largest health house, the hospital
    speed_kmh: float = positive(40.0)
    visit: DistributionConfig = field(default_factory=lambda: DistributionConfig("lognormal", 60.0, 0.5))
    referral_minutes: float = non_negative(30.0)  # from the referral to the team's dispatch
    referral_minutes_co_located: float = non_negative(10.0)  # from a practice in the team's house
    refer_share: float = probability(1.0)  # of eligible episodes the GP refers to the team, not the ED
    treat_at_home: dict[str, float] = probabilities(dict)  # by episode group, non-severe episodes
    treat_at_home_default: float = probability(0.0)
    iv_share: float = probability(0.0)  # of episodes treated at home, with intravenous treatment
    iv_visits: int = non_negative(2)  # further visits of an IV treatment
    iv_interval_hours: float = positive(12.0)
    discharge_followup_share: dict[str, float] = keyed_by(
        probabilities(lambda: bands(0.0, 0.0, 0.0)), AGE_BANDS
    )

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.base not in ACUTE_BASES:
            yield "base", f"unknown base {self.base!r} (allowed: {', '.join(ACUTE_BASES)})"

    @property
    def nurses(self) -> int:
        """Nurses over all shifts (0: no acute function)."""
        return sum(s.nurses for s in self.shifts.values())

    def nurse_hours_per_week(self, scale: float = 1.0) -> float:
        """Nurse hours on duty per week, with the nurse counts scaled by ``scale``."""
        return 7 * sum(scaled(s.nurses, scale) * ((s.end - s.start) % 24) for s in self.shifts.values())


@dataclass(frozen=True)
class SatelliteConfig(Validated):
    """A hospital satellite clinic (udgående sygehusfunktion) in the largest health house:
    outpatient controls, blood tests and other equipment on site."""

    sessions_per_week: int = non_negative(0)  # 0: no satellite
    patients_per_session: int = positive(12)
    equipment: list[str] = field(default_factory=lambda: ["lab"])

    def checks(self) -> Iterator[tuple[str, str]]:
        for item in self.equipment:
            if item not in EQUIPMENT[1:]:
                yield "equipment", f"unknown equipment {item!r} (allowed: {', '.join(EQUIPMENT[1:])})"


@dataclass(frozen=True)
class OutpatientConfig(Validated):
    """Attendance at a planned trip to hospital (an outpatient control, or the test of a
    control the practice cannot do), which falls with the distance travelled: the patient
    does not come with probability ``no_show_share + no_show_per_10km x km / 10``."""

    no_show_share: float = probability(0.05)
    no_show_per_10km: float = between(0.0, 0.1, 0.0)

    def attends(self, u: Any, km: Any) -> Any:
        """Whether each patient comes, from their uniform draw ``u`` and the kilometres ``km``."""
        return u >= self.no_show_share + self.no_show_per_10km * km / 10


@dataclass(frozen=True)
class CostConfig(Validated):
    """Unit costs in DKK for ``cost_dkk_per_capita`` by component."""

    gp_fte_per_year: float = non_negative(2.0e6)
    ooh_per_contact: float = non_negative(330.0)
    acute_nurse_fte_per_year: float = non_negative(600_000.0)
    nurse_hours_per_fte: float = positive(1_650.0)
    admission: float = non_negative(27_800.0)
    ed_visit: float = non_negative(2_000.0)
    satellite_session: float = non_negative(10_000.0)
    # a health house's capital cost, as an annuity over ``capital_years`` at ``discount_rate``
    house_capital: float = non_negative(18.4e6)
    capital_years: int = positive(30)
    discount_rate: float = between(0.0, 0.2, 0.035)

    def capital_annuity(self) -> float:
        """The yearly payment that repays ``house_capital`` over ``capital_years`` at
        ``discount_rate`` (straight-line when the rate is 0), DKK a year per house."""
        r, n = self.discount_rate, self.capital_years
        return self.house_capital / n if r == 0 else self.house_capital * r / (1 - (1 + r) ** -n)


@dataclass(frozen=True)
class PluginConfig(Validated):
    """A plug-in service (``sim/services/<module>.py`` registered by its name) and its
    parameters, validated by the service's own ``Params`` when the run is checked."""

    enabled: bool = True
    params: dict[str, Any] = field(default_factory=dict)


# The core services a run may have, in the order of their cost components (``sim/services``
# registers a class under each name); the model needs the first of each pair below.
CORE_SERVICES = ("general_practice", "out_of_hours", "acute_function", "hospital", "satellite")
REQUIRED_SERVICES = ("general_practice", "hospital", "satellite")


@dataclass(frozen=True)
class ServicesConfig(Validated):
    """Services outside general practice."""

    # the core services of the run, built in this order (general practice's same-day GP, the
    # hospital and the outpatient/satellite clinic are needed; without out_of_hours or
    # acute_function the episodes that would go there go to the ED)
    providers: list[str] = field(default_factory=lambda: list(CORE_SERVICES))
    reference_population: int = non_negative(0)  # > 0: server, bed and nurse counts are for this many
    # residents and scale with the population size (at least one where the count is above 0)
    hospital: HospitalConfig = field(default_factory=HospitalConfig)
    ooh: OohConfig = field(default_factory=OohConfig)
    acute_function: AcuteFunctionConfig = field(default_factory=AcuteFunctionConfig)
    satellite: SatelliteConfig = field(default_factory=SatelliteConfig)
    outpatient: OutpatientConfig = field(default_factory=OutpatientConfig)
    # trips to hospital or a satellite for a control's test (spirometry, ECG, blood) the
    # practice cannot do; a missed trip leaves the control incomplete (sim.demand.chronic_care)
    equipment_trip: OutpatientConfig = field(default_factory=OutpatientConfig)
    costs: CostConfig = field(default_factory=CostConfig)
    # plug-in services by registered name (services.plugins.rehabilitation: {params: {...}})
    plugins: dict[str, PluginConfig] = field(default_factory=dict)

    def checks(self) -> Iterator[tuple[str, str]]:
        for name in self.providers:
            if name not in CORE_SERVICES:
                yield "providers", f"unknown service {name!r} (known: {', '.join(CORE_SERVICES)})"
        if len(set(self.providers)) < len(self.providers):
            yield "providers", f"a service is listed twice ({', '.join(self.providers)})"
        missing = [name for name in REQUIRED_SERVICES if name not in self.providers]
        if missing:
            yield "providers", f"the model needs {', '.join(missing)} (got {', '.join(self.providers)})"

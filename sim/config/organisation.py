"""Parameters of general practice: practice types, diaries, opening hours, lists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sim.calendar import WEEKDAYS
from sim.config.validation import (
    Validated,
    at_least,
    between,
    non_negative,
    positive,
    probabilities,
    probability,
    shares_sum_to_one,
)

ROLES = ("gp", "nurse")  # clinician roles of a practice diary, in the order of its role axis
GP, NURSE = 0, 1  # their indices
REGION_CLINIC = "region_clinic"  # the kind of the region's own clinic (organisation.region_clinic)


# ------------------------------------------------------------------ organisation
@dataclass(frozen=True)
class Hours(Validated):
    """Opening hours of one weekday, in clock hours (8.0 = 08:00, 17.5 = 17:30)."""

    open: float = between(0, 24, 8.0)
    close: float = between(0, 24, 16.0)

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.close <= self.open:
            yield "close", f"closing ({self.close:g}) must be after opening ({self.open:g})"


def _weekday_hours(open_: float = 8.0, close: float = 16.0) -> dict[str, Hours]:
    return {d: Hours(open_, close) for d in WEEKDAYS[:5]}


MUNICIPAL_SERVICES = ("home_nursing", "acute_function", "rehabilitation")


@dataclass(frozen=True)
class ChannelMinutes(Validated):
    """Clinician minutes taken by one contact, by channel."""

    in_person: float = positive(15.0)
    phone: float = positive(5.0)
    email: float = positive(3.0)
    video: float = positive(10.0)
    home_visit: float = positive(25.0)  # at the home; travel there and back is added from the distance


@dataclass(frozen=True)
class DiaryConfig(Validated):
    """Appointment diary: minutes per contact by role, same-day carve-out, booking horizon."""

    gp_minutes: ChannelMinutes = field(default_factory=ChannelMinutes)
    nurse_minutes: ChannelMinutes = field(default_factory=lambda: ChannelMinutes(20.0, 8.0, 4.0, 15.0, 30.0))
    same_day_share: float = probability(0.3)
    booking_horizon_days: int = at_least(1, 20)
    no_show_share: float = probability(0.0)  # booked contacts the patient does not come to


@dataclass(frozen=True)
class PracticeTypeConfig(Validated):
    """A kind of practice (solo, partnership, health house) and how it is staffed and opened."""

    gp_share: float = probability(0.0)
    gps_per_practice: float = positive(1.0)
    nurses_per_gp: float = non_negative(0.0)
    secretaries_per_gp: float = non_negative(0.5)
    gp_clinical_hours_per_week: float = non_negative(36.0)
    nurse_clinical_hours_per_week: float = non_negative(30.0)
    weeks_off_per_year: float = between(0.0, 52.0, 0.0)  # holiday and courses: capacity spread over the rest
    hours: dict[str, Hours] = field(default_factory=_weekday_hours)
    nurse_delegation: bool = False
    video: bool = False
    recruit_probability: float = probability(0.8)  # a retiring GP is replaced within the year
    equipment: list[str] = field(default_factory=list)  # lab, spirometry, ecg: controls done in the house
    co_located: list[str] = field(default_factory=list)  # municipal services in the same house
    diary: DiaryConfig = field(default_factory=DiaryConfig)

    def checks(self) -> Iterator[tuple[str, str]]:
        for item in self.co_located:
            if item not in MUNICIPAL_SERVICES:
                yield "co_located", f"unknown service {item!r} (allowed: {', '.join(MUNICIPAL_SERVICES)})"
        for item in self.equipment:
            if item not in ("lab", "spirometry", "ecg"):
                yield "equipment", f"unknown equipment {item!r} (allowed: lab, spirometry, ecg)"
        if not self.hours and self.gp_share > 0:
            yield "hours", "a practice type with GPs must open on at least one weekday"
        for day in self.hours:
            if day not in WEEKDAYS:
                yield f"hours.{day}", f"unknown weekday (allowed: {', '.join(WEEKDAYS)})"


@dataclass(frozen=True)
class WorkforceConfig(Validated):
    """GPs' ages, retirement and succession, and the region's fallback clinic."""

    age_mean: float = between(25.0, 80.0, 51.8)
    age_sd: float = non_negative(10.0)
    min_age: float = between(25.0, 80.0, 30.0)
    max_age: float = between(25.0, 90.0, 75.0)
    retire_probability: dict[str, float] = probabilities(
        lambda: {"60": 0.04, "65": 0.2, "70": 0.5, "75": 1.0}
    )
    successor_age_mean: float = between(25.0, 80.0, 38.0)
    successor_age_sd: float = non_negative(4.0)
    forced_list_max_share_of_norm: float = positive(1.25)
    region_clinic_threshold_per_1000: float = non_negative(5.0)

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.max_age <= self.min_age:
            yield "max_age", f"must be above min_age ({self.min_age:g})"
        for key in self.retire_probability:
            try:
                float(key)
            except ValueError:
                yield f"retire_probability.{key}", "keys must be ages in years"


@dataclass(frozen=True)
class MergeConfig(Validated):
    """Which practices merge into shared houses, how large a house is and where it stands.

    For each practice type in ``types``, that share of its practices with at most
    ``max_gp_fte`` GPs merges, those nearest the main town first (an assumption: houses are
    built in towns). They are grouped with their nearest merging neighbours until a group
    holds ``house_gp_fte``; each group becomes one practice of type ``into``, sited at the
    GP-weighted centre of the practices it replaces (``site: centroid``) or at the largest of
    them (``site: largest``).
    """

    types: dict[str, float] = probabilities(dict)
    max_gp_fte: float = positive(2.5)
    house_gp_fte: float = positive(6.0)
    into: str = "health_house"
    site: str = "centroid"

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.site not in ("centroid", "largest"):
            yield "site", f"unknown site rule {self.site!r} (allowed: centroid, largest)"


@dataclass(frozen=True)
class OrganisationConfig(Validated):
    """How general practice is organised: list sizes and the mix of practice types."""

    name: str = "baseline"
    list_size_per_gp: float = positive(1600.0)
    # GP FTE at the start per resident, relative to one per list_size_per_gp (a place's supply:
    # below 1 in GP-shortage municipalities, sim.config.places); the list norm stays list_size_per_gp,
    # and capacity_follows_list acts around lists of list_size_per_gp / gp_supply (fewer GPs: less
    # clinical time per resident)
    gp_supply: float = positive(1.0)
    list_spread: float = non_negative(0.0)  # sd of log list size around the norm, between practices
    close_at_share_of_norm: float = positive(1.0)  # closes to new patients at this share of its norm
    # elasticity of a practice's clinical time to its starting list: (list / norm) ** this
    capacity_follows_list: float = probability(0.0)
    practice_types: dict[str, PracticeTypeConfig] = field(
        default_factory=lambda: {"solo": PracticeTypeConfig(gp_share=1.0)}
    )
    handover_minutes: float = non_negative(0.0)  # clinician time to hand over to municipal home nursing
    handover_minutes_co_located: float = non_negative(0.0)  # the same when home nursing is in the house
    workforce: WorkforceConfig = field(default_factory=WorkforceConfig)
    merge: MergeConfig = field(default_factory=MergeConfig)
    region_clinic: PracticeTypeConfig = field(
        default_factory=lambda: PracticeTypeConfig(nurses_per_gp=0.5, recruit_probability=1.0)
    )

    def checks(self) -> Iterator[tuple[str, str]]:
        yield from shares_sum_to_one(
            "practice_types", {k: t.gp_share for k, t in self.practice_types.items()}
        )
        if self.merge.types and self.merge.into not in self.practice_types:
            yield "merge.into", f"no practice type named {self.merge.into!r}"
        for kind in self.merge.types:
            if kind not in self.practice_types:
                yield "merge.types", f"no practice type named {kind!r}"

"""General practices as Mesa agents, created from the organisation config.

Each practice is one Mesa agent (hundreds, not millions), holding its staff, opening
hours and site. Its diary lives in the shared :class:`~sim.services.diary.Diaries`
arrays, at index ``practice.index``.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.calendar import MINUTES_PER_HOUR, WEEKDAYS
from sim.config.organisation import REGION_CLINIC
from sim.config.schema import OrganisationConfig, PopulationConfig, PracticeTypeConfig
from sim.population.state import Population
from sim.services.diary import GP, NURSE, ROLES, Diaries


class Practice(mesa.Agent):
    """A general practice: solo, partnership or health house."""

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        kind: str,
        spec: PracticeTypeConfig,
        gp_fte: float,
        site: tuple[float, float],
    ) -> None:
        super().__init__(model)
        self.index = index
        self.kind = kind
        self.spec = spec
        n_gps = max(1, round(gp_fte)) if gp_fte > 0 else 0
        self.fte_per_gp = gp_fte / n_gps if n_gps else 1.0
        self.gp_ages = np.full(n_gps, 50.0)  # set by the workforce rule
        self.gp_fte = gp_fte
        self.nurse_fte = gp_fte * spec.nurses_per_gp
        self.x, self.y = site
        self.capacity_factor = 1.0  # clinical time relative to the staff's norm (fit_capacity_to_lists)
        self.open_hours = np.zeros((7, 2))  # per weekday: (open, close) clock hours, 0/0 = closed
        for day, hours in spec.hours.items():
            self.open_hours[WEEKDAYS.index(day)] = (hours.open, hours.close)

    def set_gps(self, ages: np.ndarray) -> None:
        """Staff the practice with GPs of ``ages`` (each ``fte_per_gp``); nurses follow the GPs."""
        self.gp_ages = np.asarray(ages, dtype=float)
        self.gp_fte = len(self.gp_ages) * self.fte_per_gp
        self.nurse_fte = self.gp_fte * self.spec.nurses_per_gp

    def minutes_open(self, weekday: int) -> float:
        """Minutes the practice is open on ``weekday`` (0 = Monday)."""
        o, c = self.open_hours[weekday]
        return (c - o) * MINUTES_PER_HOUR

    def is_open_at(self, weekday: int, minute_of_day: float) -> bool:
        """True when the practice is open at ``minute_of_day`` on ``weekday``."""
        o, c = self.open_hours[weekday] * MINUTES_PER_HOUR
        return o <= minute_of_day < c

    def weekly_capacity(self) -> np.ndarray:
        """Clinician minutes on offer, shape (roles, 7 weekdays).

        Each role's weekly clinical hours per FTE are spread over the open weekdays in
        proportion to their opening hours: longer opening spreads the same hours unless
        staff is added.
        """
        open_min = np.array([self.minutes_open(w) for w in range(7)])
        spread = open_min / open_min.sum() if open_min.sum() > 0 else open_min
        spread = spread * self.working_share * self.capacity_factor
        cap = np.zeros((len(ROLES), 7))
        cap[GP] = self.gp_fte * self.spec.gp_clinical_hours_per_week * MINUTES_PER_HOUR * spread
        cap[NURSE] = self.nurse_fte * self.spec.nurse_clinical_hours_per_week * MINUTES_PER_HOUR * spread
        return cap

    @property
    def working_share(self) -> float:
        """Share of weeks in which the staff work (the rest is holiday and courses)."""
        return 1.0 - self.spec.weeks_off_per_year / 52.0

    @property
    def delegates_to_nurse(self) -> bool:
        """True when the practice has nurses and delegates eligible work to them."""
        return self.spec.nurse_delegation and self.nurse_fte > 0


def plan_practices(
    org: OrganisationConfig, population_size: int
) -> list[tuple[str, PracticeTypeConfig, float]]:
    """Return (type, spec, GP FTE) for each practice needed to list ``population_size`` people
    (``organisation.gp_supply`` times one GP FTE per ``list_size_per_gp`` residents)."""
    total_fte = population_size * org.gp_supply / org.list_size_per_gp
    plan = []
    for kind, spec in org.practice_types.items():
        fte = total_fte * spec.gp_share
        if fte <= 0:
            continue
        n = max(1, round(fte / spec.gps_per_practice))
        plan += [(kind, spec, fte / n)] * n
    return plan


GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))


def settlement_discs(geo: PopulationConfig) -> list[tuple[float, float, float, float]]:
    """Every disc of the map, (x, y, radius km, share of residents): each area's ``count`` discs
    (the main town, each smaller town on its ring, the countryside), as drawn (``map_areas``)."""
    discs = []
    for share, radius, distance, count in geo.map_areas():
        for k in range(count):
            angle = 2 * np.pi * k / count  # as sim.population.synth.place_homes
            discs.append((distance * np.cos(angle), distance * np.sin(angle), radius, share / count))
    return discs


GRID = 201  # points per side of the grid that shares the countryside out between the towns


def town_shares(discs: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Each disc's share of the residents its practices serve. The countryside is a disc with
    residents that holds every other inhabited disc (their centres inside it, their radii
    smaller): it serves none; its residents go to the towns (every other inhabited disc) nearest
    to them, measured on a grid. A town serves its own residents and its part of the countryside;
    a disc without residents serves none (a place whose smaller towns hold no one)."""
    xy = np.array([(x, y) for x, y, _, _ in discs])
    radius = np.array([r for _, _, r, _ in discs])
    share = np.array([s for _, _, _, s in discs], float)
    lived = share > 0
    gap = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    holds = (gap < radius[:, None]) & (radius[:, None] > radius[None, :])  # [i, j]: i holds j
    others = lived[None, :] & ~np.eye(len(discs), dtype=bool)
    country = lived & (holds | ~others).all(axis=1) & others.any(axis=1)
    towns = np.flatnonzero(lived & ~country)
    out = np.where(lived & ~country, share, 0.0)
    if not len(towns):
        return share
    from scipy.spatial import cKDTree  # imported where used: scipy is slow to import

    grid = np.linspace(-1.0, 1.0, GRID)
    gx, gy = np.meshgrid(grid, grid)
    inside = gx**2 + gy**2 <= 1.0
    for i in np.flatnonzero(country):
        px, py = xy[i, 0] + radius[i] * gx[inside], xy[i, 1] + radius[i] * gy[inside]
        _, nearest = cKDTree(xy[towns]).query(np.column_stack([px, py]))
        out[towns] += share[i] * np.bincount(nearest, minlength=len(towns)) / len(px)
    return out


def site_practices(
    plan: list[tuple[str, PracticeTypeConfig, float]], geo: PopulationConfig
) -> list[tuple[float, float]]:
    """Deterministic sites in the towns, where people live: GP FTE goes to each town in proportion
    to the residents it serves (:func:`town_shares`; each practice, kinds interleaved, to the town
    furthest below its share), and a town's practices sit on a sunflower spiral over it (evenly
    spread over its area, the first nearest its centre). No random draw: travel does not depend
    on the replication."""
    discs = settlement_discs(geo)
    share = town_shares(discs)
    total = sum(fte for _, _, fte in plan)
    target = share / share.sum() * total
    kinds: dict[str, int] = {}
    rank = []
    for kind, _, _ in plan:  # interleave kinds: each practice at its kind's (k + 0.5) / n
        rank.append(kinds.get(kind, 0))
        kinds[kind] = rank[-1] + 1
    order = sorted(range(len(plan)), key=lambda i: ((rank[i] + 0.5) / kinds[plan[i][0]], i))
    given = np.zeros(len(discs))
    home = np.zeros(len(plan), np.int64)
    for i in order:
        j = int(np.argmax(target - given))
        home[i] = j
        given[j] += plan[i][2]
    sites: list[tuple[float, float]] = [(0.0, 0.0)] * len(plan)
    for j, (x, y, radius, _) in enumerate(discs):
        mine = [i for i in order if home[i] == j]
        for k, i in enumerate(mine):
            r = radius * np.sqrt((k + 0.5) / len(mine))
            sites[i] = (float(x + r * np.cos(k * GOLDEN_ANGLE)), float(y + r * np.sin(k * GOLDEN_ANGLE)))
    return sites


def create_practices(
    model: mesa.Model, org: OrganisationConfig, pop: Population, geo: PopulationConfig
) -> list[Practice]:
    """Create the practice agents, sited where people live (:func:`site_practices`), and a
    dormant region clinic (regionsklinik) in the main town, last."""
    plan = plan_practices(org, pop.count_alive())
    sites = site_practices(plan, geo)
    if org.merge.types:
        plan, sites = merge_practices(org, plan, sites)
    plan.append((REGION_CLINIC, org.region_clinic, 0.0))  # dormant until the region needs it
    sites.append((0.0, 0.0))
    return [
        Practice(model, i, kind, spec, fte, site)
        for i, ((kind, spec, fte), site) in enumerate(zip(plan, sites, strict=True))
    ]


def merge_practices(
    org: OrganisationConfig,
    plan: list[tuple[str, PracticeTypeConfig, float]],
    sites: list[tuple[float, float]],
) -> tuple[list[tuple[str, PracticeTypeConfig, float]], list[tuple[float, float]]]:
    """Merge the practices selected by ``org.merge`` into houses (see :class:`MergeConfig`)."""
    rule = org.merge
    into = org.practice_types[rule.into]
    chosen = []
    for kind, share in rule.types.items():
        eligible = [i for i, (k, _, fte) in enumerate(plan) if k == kind and fte <= rule.max_gp_fte]
        eligible.sort(key=lambda i: float(np.hypot(*sites[i])))
        chosen += eligible[: round(share * len(eligible))]
    keep = [i for i in range(len(plan)) if i not in set(chosen)]
    new_plan = [plan[i] for i in keep]
    new_sites = [sites[i] for i in keep]
    xy = np.array([sites[i] for i in chosen]).reshape(-1, 2)
    fte = np.array([plan[i][2] for i in chosen])
    left = list(range(len(chosen)))
    while left:
        # start from the practice farthest from the centre, add its nearest neighbours
        seed = max(left, key=lambda j: float(np.hypot(*xy[j])))
        order = sorted(left, key=lambda j: float(np.hypot(*(xy[j] - xy[seed]))))
        group, total = [], 0.0
        for j in order:
            group.append(j)
            total += fte[j]
            if total >= rule.house_gp_fte - 1e-9:
                break
        weights = fte[group] / fte[group].sum()
        site = xy[group].T @ weights if rule.site == "centroid" else xy[group[int(np.argmax(fte[group]))]]
        new_plan.append((rule.into, into, float(fte[group].sum())))
        new_sites.append((float(site[0]), float(site[1])))
        left = [j for j in left if j not in group]
    return new_plan, new_sites


def fit_capacity_to_lists(
    practices: list[Practice], diaries: Diaries, listed: np.ndarray, org: OrganisationConfig
) -> None:
    """Scale each staffed practice's clinical time by (starting list / expected list) to the power
    ``org.capacity_follows_list``: practices with longer lists than their neighbours work longer,
    as Danish practices do. The expected list is the norm over ``org.gp_supply`` (the place's
    own list per GP FTE), so the elasticity acts on the spread between a place's practices, not
    on a shortage of GPs: where there are fewer GPs per resident there is less clinical time per
    resident (an assumption: GPs in shortage areas do not work longer in proportion)."""
    if org.capacity_follows_list <= 0:
        return
    for p in practices:
        norm = p.gp_fte * org.list_size_per_gp / org.gp_supply
        if norm > 0 and listed[p.index] > 0:
            p.capacity_factor = float((listed[p.index] / norm) ** org.capacity_follows_list)
            diaries.weekly[p.index] = p.weekly_capacity()


def build_diaries(practices: list[Practice]) -> Diaries:
    """One diary per practice, with its weekly capacity and booking settings; practices
    without GPs (the dormant region clinic) start closed."""
    weekly = np.stack([p.weekly_capacity() for p in practices]) if practices else np.zeros((0, 2, 7))
    share = np.array([p.spec.diary.same_day_share for p in practices])
    horizon = max((p.spec.diary.booking_horizon_days for p in practices), default=1)
    diaries = Diaries(weekly, share, horizon)
    diaries.closed[:] = [p.gp_fte <= 0 for p in practices]
    for p in practices:
        diaries.set_units(p.index, len(p.gp_ages))
    return diaries

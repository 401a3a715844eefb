"""Real places: Denmark's 98 municipalities, its five regions and the whole country as configs.

A place is a config choice (``sim place=Lolland``): :func:`place_node` turns the shipped data of
its municipalities (``sim/data/denmark/municipalities.csv`` and ``population_by_age_2021.csv``;
keys in ``sim/data/sources/data_sources.md``) into the values of the ``population`` and
``organisation`` blocks that differ from the national preset; ``python -m sim.cli.place_configs``
writes them as the files ``configs/place/<key>.yaml`` of the ``place`` config group (a test keeps
the files equal to the rule). Nothing here
imports Hydra; :func:`sim.compose.place_overrides` turns other names of a place into its key.

What comes from data (1 January 2021 unless said): the residents (``population.size``, DST2021AGE),
the single-year ages (``population.ages: municipalities``, DST2021AGE; sex split by the national
ratio at each age, BEFOLK2), the area (DAGI_AREA), DST's municipality group (DST_KOMGRP) and the
2019 GP-shortage flag (PLO2019). What follows from them by the documented rules below (each an
ASSUMPTION with its range, in the mechanism register ``sim/data/mechanisms.yaml``, section
``places``): how many live in the main town, the smaller towns and the countryside; how far apart
they are; how far the hospital is; and how many GPs there are per resident.

The settlement rule (:func:`settlement`), for a municipality of ``N`` residents on ``A`` km²
(density ``D = N / A``), drawn as a disc of radius ``R = sqrt(A / pi)``:

- countryside share ``r = clip(0.55 - 0.18 log10 D, 0.01, 0.5)``: 34% at Læsø's 15 per km², 25%
  at Lolland's 45, 17% at the national 135, 1% from about 1,000 per km² (population-weighted over
  the 98 municipalities: 13%, against about 12% of Danes living outside towns of 200 or more);
- the main town holds a share ``m`` of the town dwellers by DST's group: capital-area 1.0, big
  city 0.85, provincial town 0.65, commuter 0.40, rural 0.35; its radius holds them at
  ``max(2,500, D)`` per km² (at most ``R``);
- the smaller towns hold the other town dwellers, one town per 80 km² (at least one), each at
  1,500 per km², on a ring at ``0.55 R`` from the main town; the countryside covers the disc;
- the hospital is 5 km from the main town's centre in capital-area and provincial-town
  municipalities, 4 km in the big cities, 20 km in commuter and 30 km in rural municipalities
  (every Dane lives within about 50 km of an emergency department: distance_hospital_er).

A region or Denmark is one disc of its municipalities' summed residents and area: its
countryside share and hospital distance are the population-weighted means of its
municipalities', its main town is the largest municipality's main town, and every other main
town and smaller town is one of its smaller towns.

GP supply (``organisation.gp_supply``): the national norm (one GP FTE per
``organisation.list_size_per_gp`` residents) everywhere, except that a municipality PLO listed
in 2019 as having areas at risk of GP shortage gets ``SHORTAGE_GP_SUPPLY`` = 0.91 of it (lists
about 10% longer: Region Nordjylland, where 10 of 11 municipalities are listed, had 1,714-1,809
patients per GP against 1,600 nationally: list_size_avg_2014, list_size_region_2017). A region's
supply is its municipalities' population-weighted mean. A planner who knows the local figure
overrides it (``organisation.gp_supply=0.85``) or writes a place file of their own (docs/places.md).
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

# --------------------------------------------------------------------- the rule's constants
RURAL_INTERCEPT = 0.55  # ASSUMPTION: countryside share = intercept - slope * log10(density)
RURAL_SLOPE = 0.18
RURAL_BOUNDS = (0.01, 0.5)
MAIN_TOWN_SHARE = {  # ASSUMPTION (range +-0.15): the main town's share of town dwellers, by DST group
    "Hovedstadskommune": 1.0,
    "Storbykommune": 0.85,
    "Provinsbykommune": 0.65,
    "Oplandskommune": 0.40,
    "Landkommune": 0.35,
}
HOSPITAL_KM = {  # ASSUMPTION (range 0.5-2 times): main town to the nearest hospital, by DST group
    "Hovedstadskommune": 5.0,
    "Storbykommune": 4.0,
    "Provinsbykommune": 5.0,
    "Oplandskommune": 20.0,
    "Landkommune": 30.0,
}
MAIN_TOWN_DENSITY = 2_500.0  # ASSUMPTION (range 1,500-4,000): residents per km² of the main town
SMALL_TOWN_DENSITY = 1_500.0  # ASSUMPTION (range 1,000-2,500): residents per km² of a smaller town
KM2_PER_TOWN = 80.0  # ASSUMPTION (range 50-120): one smaller town per this area (about 560 towns of 1,000+)
TOWN_RING = 0.55  # ASSUMPTION: the smaller towns' distance from the main town, in disc radii
SPEEDS_KMH = {"urban": 20.0, "town": 30.0, "rural": 45.0}  # as the national preset (assumptions)
# ASSUMPTION (range 0.83-1.0): GP FTE per resident, relative to the norm, in a PLO 2019 shortage municipality
SHORTAGE_GP_SUPPLY = 0.91

REGIONS = {  # place key -> DST region name (municipalities.csv `region`)
    "region_hovedstaden": "Region Hovedstaden",
    "region_sjaelland": "Region Sjælland",
    "region_syddanmark": "Region Syddanmark",
    "region_midtjylland": "Region Midtjylland",
    "region_nordjylland": "Region Nordjylland",
}
DENMARK = "denmark"
SOURCE = "DST2021AGE; DAGI_AREA; DST_KOMGRP; PLO2019; ML_REGION (sim/data/sources/data_sources.md)"


@dataclass(frozen=True)
class Municipality:
    """One row of ``sim/data/denmark/municipalities.csv``."""

    code: int
    name: str
    region: str
    population: int
    area_km2: float
    share_65plus: float
    share_80plus: float
    rural_class: str
    gp_shortage_2019: bool

    @property
    def density(self) -> float:
        """Residents per km²."""
        return self.population / self.area_km2


@dataclass(frozen=True)
class Place:
    """A municipality, a region or Denmark: its key, display name and municipalities."""

    key: str
    name: str
    members: tuple[Municipality, ...]

    @property
    def codes(self) -> list[int]:
        """DST codes of its municipalities."""
        return [m.code for m in self.members]

    @property
    def population(self) -> int:
        """Residents on 1 January 2021."""
        return sum(m.population for m in self.members)

    @property
    def area_km2(self) -> float:
        """Area in km² (approximate: DAGI_AREA)."""
        return sum(m.area_km2 for m in self.members)


def _data(name: str) -> str:
    return resources.files("sim").joinpath("data", "denmark", name).read_text(encoding="utf-8")


@cache
def municipalities() -> tuple[Municipality, ...]:
    """The 98 municipalities, in DST code order."""
    rows = csv.DictReader(_data("municipalities.csv").splitlines())
    out = [
        Municipality(
            code=int(r["kommunekode"]),
            name=r["name"],
            region=r["region"],
            population=int(r["population"]),
            area_km2=float(r["area_km2"]),
            share_65plus=float(r["share_65plus"]),
            share_80plus=float(r["share_80plus"]),
            rural_class=r["rural_class"],
            gp_shortage_2019=r["plo_gp_shortage_area_2019"].strip() == "1",
        )
        for r in rows
    ]
    return tuple(sorted(out, key=lambda m: m.code))


@cache
def municipal_ages() -> dict[int, np.ndarray]:
    """Residents of each municipality (by DST code) at each single year of age 0, 1, ... on
    1 January 2021 (both sexes; Christiansø, which has no code, is left out)."""
    counts: dict[int, dict[int, int]] = {}
    for r in csv.DictReader(_data("population_by_age_2021.csv").splitlines()):
        if r["kommunekode"].strip():
            counts.setdefault(int(r["kommunekode"]), {})[int(r["age"])] = int(r["population"])
    out = {}
    for code, by_age in counts.items():
        arr = np.zeros(max(by_age) + 1, np.int64)
        for age, n in by_age.items():
            arr[age] = n
        arr.setflags(write=False)
        out[code] = arr
    return out


def slug(name: str) -> str:
    """ASCII form of a Danish name for the command line: æ -> ae, ø -> oe, å -> aa, spaces -> _
    (``Høje-Taastrup`` -> ``Hoeje-Taastrup``); Hydra's override grammar takes no æ, ø or å unquoted."""
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa", " ": "_"})
    text = unicodedata.normalize("NFKD", name.translate(table)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_.-]", "", text)


def _region_key(region: str) -> str:
    return next(k for k, v in REGIONS.items() if v == region)


@cache
def places() -> dict[str, Place]:
    """Every place by its key: each municipality's ASCII name (``Lolland``, ``Laesoe``), the five
    regions (``region_syddanmark``, ...) and ``denmark``."""
    munis = municipalities()
    out = {slug(m.name): Place(slug(m.name), m.name, (m,)) for m in munis}
    for key, region in REGIONS.items():
        out[key] = Place(key, region, tuple(m for m in munis if m.region == region))
    out[DENMARK] = Place(DENMARK, "Denmark", munis)
    return out


@cache
def aliases() -> dict[str, str]:
    """Every name a place answers to -> its key: the key, its lower case, the DST spelling
    (``'Læsø'``, quoted on the command line) and the DST code (``825``)."""
    out: dict[str, str] = {}
    for key, place in places().items():
        out[key] = out[key.lower()] = key
        if len(place.members) == 1:
            out[place.name] = key
            out[str(place.members[0].code)] = key
    return out


def find(name: str | int) -> Place:
    """The place called ``name`` (any alias); a ``KeyError`` names the closest keys."""
    text = str(name).strip()
    key = aliases().get(text) or aliases().get(slug(text)) or aliases().get(slug(text).lower())
    if key is None:
        raise KeyError(unknown_place_message(text))
    return places()[key]


def unknown_place_message(name: str) -> str:
    """One line for a place that does not exist: what exists and the closest names."""
    import difflib

    close = difflib.get_close_matches(slug(name).lower(), [k.lower() for k in places()], n=3, cutoff=0.6)
    keys = {k.lower(): k for k in places()}
    hint = f"; did you mean {', '.join(keys[c] for c in close)}?" if close else ""
    return (
        f"no place {name!r}: a municipality by name (Lolland, Laesoe, Læsø) or DST code (360), "
        f"region_hovedstaden, region_sjaelland, region_syddanmark, region_midtjylland, "
        f"region_nordjylland or denmark{hint}"
    )


# --------------------------------------------------------------------- the settlement rule
def rural_share(m: Municipality) -> float:
    """Share of residents living in the countryside (outside the towns), from density."""
    value = RURAL_INTERCEPT - RURAL_SLOPE * math.log10(m.density)
    return float(min(max(value, RURAL_BOUNDS[0]), RURAL_BOUNDS[1]))


def main_town_residents(m: Municipality) -> float:
    """Residents of the main town: its DST group's share of the town dwellers."""
    return m.population * (1.0 - rural_share(m)) * MAIN_TOWN_SHARE[m.rural_class]


def town_count(area_km2: float) -> int:
    """Smaller towns on an area: one per ``KM2_PER_TOWN`` km², at least one."""
    return max(1, round(area_km2 / KM2_PER_TOWN))


@dataclass(frozen=True)
class Settlement:
    """Where a place's residents live: shares, counts and sizes of its areas (km)."""

    urban_share: float
    town_share: float
    rural_share: float
    towns: int
    urban_radius_km: float
    town_radius_km: float
    town_distance_km: float
    rural_radius_km: float
    hospital_distance_km: float


def settlement(place: Place) -> Settlement:
    """The settlement rule (module docstring) for ``place`` at its real size."""
    n, area = place.population, place.area_km2
    weights = np.array([m.population for m in place.members], float) / n
    rural = float(weights @ [rural_share(m) for m in place.members])
    largest = max(place.members, key=lambda m: m.population)
    main = main_town_residents(largest) / n
    town = max(1.0 - rural - main, 0.0)
    towns = sum(town_count(m.area_km2) for m in place.members) + len(place.members) - 1
    radius = math.sqrt(area / math.pi)
    main_density = max(MAIN_TOWN_DENSITY, largest.density)
    urban_radius = min(math.sqrt(main * n / (math.pi * main_density)), radius)
    town_radius = min(math.sqrt(max(town * n / towns, 1.0) / (math.pi * SMALL_TOWN_DENSITY)), radius)
    hospital = float(weights @ [HOSPITAL_KM[m.rural_class] for m in place.members])
    return Settlement(
        urban_share=main,
        town_share=town,
        rural_share=rural,
        towns=towns,
        urban_radius_km=urban_radius,
        town_radius_km=town_radius,
        town_distance_km=TOWN_RING * radius,
        rural_radius_km=radius,
        hospital_distance_km=hospital,
    )


def gp_supply(place: Place) -> float:
    """GP FTE per resident relative to the national norm (PLO 2019 shortage municipalities: 0.91)."""
    return float(
        sum(m.population * (SHORTAGE_GP_SUPPLY if m.gp_shortage_2019 else 1.0) for m in place.members)
        / place.population
    )


def age_counts(codes: list[int] | tuple[int, ...]) -> np.ndarray:
    """Residents at each single year of age, summed over the municipalities ``codes``."""
    tables = [municipal_ages()[int(c)] for c in codes]
    out = np.zeros(max(len(t) for t in tables), np.int64)
    for t in tables:
        out[: len(t)] += t
    return out


def band_shares(codes: list[int] | tuple[int, ...], max_age: int) -> dict[str, float]:
    """Shares of 0-64, 65-79 and 80+ among the residents of ``codes`` (6 decimals, summing to 1)."""
    counts = age_counts(codes)
    total = counts.sum()
    young, middle = counts[:65].sum() / total, counts[65:80].sum() / total
    young, middle = round(float(young), 6), round(float(middle), 6)
    return {"0-64": young, "65-79": middle, "80+": round(1.0 - young - middle, 6)}


def _r(x: float, digits: int = 3) -> float:
    return float(round(x, digits))


def place_node(key: str) -> dict[str, Any]:
    """The config values of place ``key``: ``population`` (name, size, ages, geography) and
    ``organisation.gp_supply``, to merge over the defaults (Hydra: the ``place`` group)."""
    place = places()[key]
    s = settlement(place)
    bands = band_shares(place.codes, 105)
    return {
        "population": {
            "name": place.name,
            "size": place.population,
            "real_size": place.population,
            "ages": "municipalities",
            "municipalities": place.codes,
            "age_bands": {band: {"share": share} for band, share in bands.items()},
            "geography": {
                "areas": {
                    "urban": {"share": _r(s.urban_share, 6), "speed_kmh": SPEEDS_KMH["urban"],
                              "radius_km": _r(s.urban_radius_km), "distance_km": 0.0, "count": 1},
                    "town": {"share": _r(s.town_share, 6), "speed_kmh": SPEEDS_KMH["town"],
                             "radius_km": _r(s.town_radius_km), "distance_km": _r(s.town_distance_km),
                             "count": s.towns},
                    "rural": {"share": _r(1.0 - _r(s.urban_share, 6) - _r(s.town_share, 6), 6),
                              "speed_kmh": SPEEDS_KMH["rural"], "radius_km": _r(s.rural_radius_km),
                              "distance_km": 0.0, "count": 1},
                },
                "hospital_distance_km": _r(s.hospital_distance_km, 1),
            },
        },
        "organisation": {"gp_supply": _r(gp_supply(place), 4)},
    }


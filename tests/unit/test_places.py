"""Real places: the municipality data, the settlement and GP-supply rules, the place files and
the ages of a synthesised municipality (sim.config.places, configs/place/)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from sim.cli.place_configs import place_yaml
from sim.compose import place_overrides
from sim.config import places
from sim.config.load import config_dir
from sim.config.schema import PopulationConfig
from sim.config.validation import build, to_dict
from sim.population.ages import draw_people

NATIONAL_2021 = 5_839_955  # DST2021AGE: the 98 municipalities (5,840,045 with Christiansø's 90)
REGION_SIZES = {  # municipalities per region (ML_REGION)
    "region_hovedstaden": 29,
    "region_sjaelland": 17,
    "region_syddanmark": 22,
    "region_midtjylland": 19,
    "region_nordjylland": 11,
}


def test_the_98_municipalities_the_regions_and_denmark():
    munis = places.municipalities()
    assert len(munis) == 98 and len({m.code for m in munis}) == 98
    assert sum(m.population for m in munis) == NATIONAL_2021
    assert sum(m.gp_shortage_2019 for m in munis) == 42  # PLO2019: 42 listed
    every = places.places()
    assert len(every) == 98 + 5 + 1
    for key, count in REGION_SIZES.items():
        assert len(every[key].members) == count
    assert sum(len(every[k].members) for k in REGION_SIZES) == 98
    assert every["denmark"].population == NATIONAL_2021
    for m in munis:  # the age table adds up to each municipality's population
        assert places.municipal_ages()[m.code].sum() == m.population, m.name


@pytest.mark.parametrize(
    ("name", "key"),
    [("Læsø", "Laesoe"), ("laesoe", "Laesoe"), ("LAESOE", "Laesoe"), (825, "Laesoe"), ("825", "Laesoe"),
     ("Høje-Taastrup", "Hoeje-Taastrup"), ("København", "Koebenhavn"),
     ("Region_Syddanmark", "region_syddanmark"),
     ("DENMARK", "denmark"), ("Ærø", "Aeroe")],
)  # fmt: skip
def test_a_place_answers_to_its_names(name, key):
    assert places.find(name).key == key


def test_an_unknown_place_is_one_line_with_the_nearest_names():
    with pytest.raises(KeyError) as err:
        places.find("Lolandd")
    message = str(err.value)
    assert "\n" not in message and "Lolland" in message and "region_syddanmark" in message


def test_place_overrides_turn_any_name_into_the_file_key():
    assert place_overrides(["place=Læsø", "scenario=baseline"]) == ["place=Laesoe", "scenario=baseline"]
    assert place_overrides(["place=825,lolland"]) == ["place=Laesoe,Lolland"]
    assert place_overrides(["place='Ærø'"]) == ["place=Aeroe"]
    assert place_overrides(["place=my_own_place"]) == ["place=my_own_place"]  # a planner's file
    assert place_overrides(["place=glob(*,exclude=[region_*])"]) == ["place=glob(*,exclude=[region_*])"]
    assert place_overrides(["place=sweep(825,Ærø)"]) == ["place=sweep(Laesoe,Aeroe)"]
    assert place_overrides(["place=choice(360)"]) == ["place=choice(Lolland)"]


def test_the_settlement_rule():
    munis = places.municipalities()
    shares = [places.rural_share(m) for m in munis]
    weights = np.array([m.population for m in munis], float)
    assert 0.10 < np.dot(weights, shares) / weights.sum() < 0.15  # about 12% of Danes outside towns
    dense = max(munis, key=lambda m: m.density)
    sparse = min(munis, key=lambda m: m.density)
    assert places.rural_share(sparse) > 0.3 > 0.05 > places.rural_share(dense)
    for place in places.places().values():
        s = places.settlement(place)
        assert s.urban_share + s.town_share + s.rural_share == pytest.approx(1.0)
        assert min(s.urban_share, s.town_share, s.rural_share) >= 0
        assert s.urban_radius_km <= s.rural_radius_km and s.town_distance_km < s.rural_radius_km
        assert 0 < s.hospital_distance_km <= 50  # every Dane within about 50 km of an ED
        assert s.rural_radius_km == pytest.approx(np.sqrt(place.area_km2 / np.pi))


def test_gp_supply_is_lower_where_plo_saw_shortage():
    every = places.places()
    short = [k for k, p in every.items() if len(p.members) == 1 and p.members[0].gp_shortage_2019]
    full = [k for k, p in every.items() if len(p.members) == 1 and not p.members[0].gp_shortage_2019]
    assert len(short) == 42 and len(full) == 56
    assert all(places.gp_supply(every[k]) == pytest.approx(places.SHORTAGE_GP_SUPPLY) for k in short)
    assert all(places.gp_supply(every[k]) == pytest.approx(1.0) for k in full)
    region = places.gp_supply(every["region_nordjylland"])
    assert places.SHORTAGE_GP_SUPPLY < region < 1.0


def test_every_place_file_is_what_the_rule_gives():
    """configs/place/ holds one file per place, equal to the rule: regenerate them with
    `python -m sim.cli.place_configs` after changing the rule or the data."""
    folder = Path(config_dir()) / "place"
    files = {p.stem: p for p in folder.glob("*.yaml")}
    assert set(files) == set(places.places())
    for key, path in files.items():
        assert path.read_text(encoding="utf-8") == place_yaml(key), f"{path} is stale"


def _population(key: str) -> PopulationConfig:
    """The population config of place ``key`` over the national preset (what place=<key> composes)."""
    import yaml

    base = yaml.safe_load((Path(config_dir()) / "population" / "national.yaml").read_text())
    merged = copy.deepcopy(base)

    def merge(into: dict, over: dict) -> None:
        for k, v in over.items():
            if isinstance(v, dict) and isinstance(into.get(k), dict):
                merge(into[k], v)
            else:
                into[k] = v

    merge(merged, places.place_node(key)["population"])
    return build(PopulationConfig, merged)


def test_the_ages_of_every_synthesised_municipality_match_its_data_at_full_size():
    """Every 5-year band (and 90+), 65+ and 80+ within 0.5 percentage points of DST2021AGE."""
    for m in places.municipalities():
        cfg = _population(places.slug(m.name))
        assert cfg.size == m.population and cfg.scale == 1.0
        age, female = draw_people(cfg, cfg.size, np.random.default_rng(m.code))
        data = places.municipal_ages()[m.code].astype(float)
        data = np.concatenate([data[:105], [data[105:].sum()]])  # the oldest are counted at 105
        edges = [*range(0, 95, 5), 200]
        got = np.histogram(age, bins=edges)[0] / len(age)
        want = np.add.reduceat(data, edges[:-1]) / data.sum()
        assert np.abs(got - want).max() < 0.005, m.name
        assert abs((age >= 65).mean() - m.share_65plus) < 0.005, m.name
        assert abs((age >= 80).mean() - m.share_80plus) < 0.005, m.name
        assert 0.45 < female.mean() < 0.55, m.name


def test_a_place_run_smaller_keeps_its_density():
    cfg = _population("Lolland")
    small = build(PopulationConfig, to_dict(cfg) | {"size": cfg.size // 4})
    assert small.scale == pytest.approx(0.25, rel=1e-3)
    assert small.map_scale == pytest.approx(0.5, rel=1e-3)
    assert _population("Lolland").map_scale == 1.0
    synthetic = build(PopulationConfig, {"size": 1000})
    assert synthetic.scale == synthetic.map_scale == 1.0


# --------------------------------------------------------------------------- the places table
def _job(place: str, scenario: str, extra: str = "") -> tuple[str, str, dict]:
    variant = " | ".join([scenario, f"place={place}", *([extra] if extra else [])])
    size = places.find(place).population
    manifest = {"overrides": [f"place={place}", f"scenario={scenario}", *([extra] if extra else [])],
                "config": {"population": {"name": place, "real_size": size, "size": 1000}}}  # fmt: skip
    return variant, scenario, manifest


def test_the_places_table_pairs_each_variant_with_its_own_twin():
    """Two places x two scenarios x two values of another key: every variant is kept and
    differenced against the baseline of the same place and value, replication by replication."""
    import pandas as pd

    from sim.metrics.places import place_table

    jobs = [_job(p, s, f"organisation.gp_supply={g}") for p in ("Lolland", "Laesoe")
            for s in ("baseline", "health_houses") for g in ("0.85", "1.0")]  # fmt: skip
    level = {"Lolland": 50.0, "Laesoe": 70.0}
    rows = []
    for variant, scenario, manifest in jobs:
        place = manifest["overrides"][0].split("=")[1]
        g = float(manifest["overrides"][2].split("=")[1])
        for r in range(3):
            value = level[place] + 10 * g + (5 if scenario == "health_houses" else 0) + r
            rows.append((variant, scenario, r, r, "avoidable_admissions_per_1000_65plus", "all", value, "u"))
    kpis = pd.DataFrame(rows, columns=["variant", "scenario", "replication", "seed", "metric", "group",
                                       "value", "unit"])  # fmt: skip
    table = place_table(jobs, kpis, jobs[0][0])
    assert len(table) == 8 and table["variant"].nunique() == 8
    houses = table[table["scenario"] == "health_houses"]
    assert list(houses["diff"]) == pytest.approx([5.0] * 4)
    twins = zip(houses["variant"], houses["reference"], strict=True)
    assert all(r.replace("baseline", "health_houses", 1) == v for v, r in twins)
    base = table[table["scenario"] == "baseline"]
    assert (base["diff"] == 0).all() and (base["variant"] == base["reference"]).all()
    assert list(table["sd"]) == pytest.approx([1.0] * 8)  # values r = 0, 1, 2 around each mean


def test_the_noise_share_and_fit_of_the_variation_between_places():
    """98 places whose means differ by sd 3 between places, replications by sd 4 within, n = 3:
    the noise share is about (16 / 3) / (9 + 16 / 3); R² is high when the 80+ share drives it."""
    import pandas as pd

    from sim.report.places import variation

    rng = np.random.default_rng(3)
    rows = []
    for m in places.municipalities():
        true = 50 + 300 * (m.share_80plus - 0.05) + rng.normal(0, 1)
        values = true + rng.normal(0, 4, size=3)
        rows.append({"place": places.slug(m.name), "name": m.name, "kommunekode": m.code,
                     "variant": "b", "reference": "b", "scenario": "baseline",
                     "metric": "avoidable_admissions_per_1000_65plus", "unit": "u",
                     "mean": values.mean(), "sd": values.std(ddof=1), "n": 3,
                     "share_65plus": m.share_65plus, "share_80plus": m.share_80plus,
                     "rural_class": m.rural_class, "gp_shortage_2019": m.gp_shortage_2019})  # fmt: skip
    table = pd.DataFrame(rows)
    v = variation(table)
    between = np.var([300 * (m.share_80plus - 0.05) for m in places.municipalities()], ddof=1) + 1
    expected = (16 / 3) / (between + 16 / 3)
    assert v is not None and v.places == 98
    assert v.noise_share == pytest.approx(expected, rel=0.35)
    assert 0.2 < v.r2 < 1 and v.ratio > 1 and v.ratio_90_10 > 1


def test_the_noise_between_places_leaves_out_what_common_random_numbers_share():
    """value = place + replication effect (shared by all places: the same streams) + own noise:
    sd_between estimates the own noise (sd 1), not the shared effect (sd 5)."""
    import pandas as pd

    from sim.metrics.places import _sd_between

    rng = np.random.default_rng(5)
    shared = rng.normal(0, 5, size=6)
    rows = [(f"baseline | place=P{p}", "m", r, 50 + p + shared[r] + rng.normal(0, 1))
            for p in range(40) for r in range(6)]  # fmt: skip
    kpis = pd.DataFrame(rows, columns=["variant", "metric", "replication", "value"])
    sd = _sd_between(kpis)
    assert len(sd) == 40
    assert np.sqrt(np.mean(np.square(list(sd.values())))) == pytest.approx(1.0, rel=0.15)
    raw = kpis.groupby("variant")["value"].std().mean()
    assert raw > 3  # the plain sd carries the shared effect


def test_a_study_of_many_places_sums_its_findings_over_places():
    """Five places x health houses: the key findings count the places where the paired interval
    says better, worse or cannot tell, instead of a section per variant."""
    import pandas as pd

    from sim.report.places import many_places, places_findings_section

    diffs = pd.DataFrame(
        [(f"health_houses | place=P{k}", "health_houses", f"baseline | place=P{k}",
          "routine_wait_days_mean", "all", "days", d, lo, hi, 3, np.nan)
         for k, (d, lo, hi) in enumerate([(-1, -2, -0.5), (-1, -1.5, -0.2), (0.1, -0.3, 0.5),
                                          (0.8, 0.2, 1.4), (-0.2, -0.9, 0.5)])],
        columns=["variant", "scenario", "reference", "metric", "group", "unit", "mean_diff", "ci_low",
                 "ci_high", "n", "rel_diff"],
    )  # fmt: skip
    study_places = pd.DataFrame({"place": [f"P{k}" for k in range(5)]})
    assert many_places(study_places) and not many_places(study_places.head(4))
    html = places_findings_section(diffs, study_places)
    assert "better in 2, worse in 1, not told apart from 0 in 2 of 5 places" in html
    assert "mean difference -0.260 days" in html or "mean difference -0.26 days" in html


def test_findings_of_many_places_keep_each_value_of_another_swept_key_apart():
    import pandas as pd

    from sim.report.places import places_findings_section

    rows = [(f"health_houses | place=P{k} | organisation.gp_supply={g}", "health_houses", "ref",
             "avoidable_admissions_per_1000_65plus", "all", "u", -1.0, -2.0, -0.5, 3, np.nan)
            for k in range(5) for g in ("0.85", "1.0")]  # fmt: skip
    diffs = pd.DataFrame(rows, columns=["variant", "scenario", "reference", "metric", "group", "unit",
                                        "mean_diff", "ci_low", "ci_high", "n", "rel_diff"])  # fmt: skip
    html = places_findings_section(diffs, pd.DataFrame({"place": [f"P{k}" for k in range(5)]}))
    assert html.count("<h3>") == 2 and "organisation.gp_supply=0.85" in html
    assert html.count("better in 5, worse in 0, not told apart from 0 in 0 of 5 places") == 2

"""The places table of a study that runs real places (``place=...``): one row per place,
scenario and KPI, with what the place is (its data) and what was run (its scale).

``sim collate`` writes it as ``places.csv`` when any job ran a real place; ``sim report`` draws
its maps and reads how much the places differ (:mod:`sim.report.places`). Means are over the
job's replications; differences are paired with the same place's reference scenario (common
random numbers), so a scenario's effect is measured place by place.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.config.places import find
from sim.metrics.stats import mean_ci

# KPIs of the places table: the outcome, access, waits, what drives them and the cost
PLACE_KPIS = (  # (metric, group)
    ("avoidable_admissions_per_1000_65plus", "all"),
    ("admissions_per_1000_65plus", "all"),
    ("routine_wait_days_mean", "all"),
    ("access_hours_per_week_per_1000", "all"),
    ("travel_minutes_mean", "all"),
    ("gp_fte_per_1000", "all"),
    ("residents_without_gp_per_1000", "all"),
    ("cost_dkk_per_capita", "total"),
)
PLACE_COLUMNS = [
    "place", "name", "kommunekode", "region", "real_size", "size", "scale", "share_65plus",
    "share_80plus", "rural_class", "gp_shortage_2019", "variant", "scenario", "reference", "metric",
    "unit", "mean", "sd", "sd_between", "ci_low", "ci_high", "n", "diff", "diff_low", "diff_high",
]  # fmt: skip
# sd: standard deviation over replications; sd_between: the same after removing what replication r
# shares across the places run with the same scenario and values (common random numbers: each
# replication draws the same streams in every place), the noise that matters when places are
# compared (each place's value is shrunk toward the mean of its family when places differ in noise;
# their mean over places, which the report's noise share uses, is unbiased); diff: mean paired
# difference from the variant named in `reference` (the same place and values under the reference
# scenario; 0 for that variant)


def _place_of(manifest: dict[str, Any]) -> str | None:
    """The place a job ran (its ``place=`` override), None for a synthetic municipality."""
    population = manifest.get("config", {}).get("population", {})
    if not population.get("real_size"):
        return None
    for item in manifest.get("overrides", []) or []:
        key, _, value = str(item).partition("=")
        if key == "place":
            return value
    return str(population.get("name"))


def _describe(key: str, population: dict[str, Any]) -> dict[str, Any]:
    """The place's own figures (a single municipality: its DST code; a region or Denmark: none)."""
    try:
        place = find(key)
    except KeyError:  # a planner's own place file: only what its config says
        unknown = ("kommunekode", "region", "share_65plus", "share_80plus", "rural_class", "gp_shortage_2019")
        return {"place": key, "name": population.get("name")} | dict.fromkeys(unknown)
    one = place.members[0] if len(place.members) == 1 else None
    weights = np.array([m.population for m in place.members], float)
    return {
        "place": place.key,
        "name": place.name,
        "kommunekode": one.code if one else None,
        "region": one.region if one else place.name,
        "share_65plus": float(weights @ [m.share_65plus for m in place.members] / weights.sum()),
        "share_80plus": float(weights @ [m.share_80plus for m in place.members] / weights.sum()),
        "rural_class": one.rural_class if one else None,
        "gp_shortage_2019": one.gp_shortage_2019 if one else None,
    }


def _parts(variant: str) -> tuple[str, tuple[str, ...]]:
    """A variant's scenario and its other ``key=value`` parts."""
    scenario, *rest = (p.strip() for p in str(variant).split("|"))
    return scenario, tuple(rest)


def family_of(variant: str) -> str:
    """A variant without its ``place=`` part: the scenario and other values it shares with the
    same run in other places."""
    return " | ".join(p for p in (q.strip() for q in str(variant).split("|")) if not p.startswith("place="))


def _place(parts: tuple[str, ...]) -> str | None:
    return next((p.split("=", 1)[1] for p in parts if p.startswith("place=")), None)


def reference_of(variant: str, reference: str, variants: list[str]) -> str | None:
    """The variant ``variant`` is differenced against: ``reference``, except in a sweep over real
    places, where it is the reference scenario's variant with the same place and other values
    (None for that variant itself and for one without such a twin: places are compared with
    one another in ``places.csv``, not as effects)."""
    ref_scenario, _ = _parts(reference)
    _, rest = _parts(variant)
    if _place(rest) is None:
        return reference if variant != reference else None
    twin = " | ".join([ref_scenario, *rest])
    return twin if twin in variants and twin != variant else None


def _sd_between(kpis: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Per (variant, metric): the replication sd of the variant's value net of the replication's
    common effect over its sibling places (the variants that differ only in place), from the
    residuals of value = place mean + replication mean (the two-way layout without interaction)."""
    out: dict[tuple[str, str], float] = {}
    family = kpis["variant"].map(family_of)
    for (_, metric), part in kpis.groupby([family, "metric"], sort=False):
        grid = part.pivot_table(index="variant", columns="replication", values="value", aggfunc="mean")
        grid = grid.dropna(axis=1)
        places, reps = grid.shape
        if places < 3 or reps < 2:
            continue
        resid = grid.sub(grid.mean(axis=1), axis=0).sub(grid.mean(axis=0), axis=1) + grid.to_numpy().mean()
        scale = (reps - 1) * (places - 1) / places  # degrees of freedom per place
        for variant, row in resid.iterrows():
            out[(str(variant), metric)] = float(np.sqrt((row.to_numpy() ** 2).sum() / scale))
    return out


def place_table(
    jobs: list[tuple[str, str, dict[str, Any]]], kpis: pd.DataFrame, reference: str
) -> pd.DataFrame:
    """The places table (``PLACE_COLUMNS``) of a study; empty when no job ran a real place.
    ``jobs``: (variant, scenario, manifest) of each job that finished; ``reference``: the
    study's reference variant. One row per variant and KPI; each variant is paired with its
    twin of the reference scenario (same place, same other values: :func:`reference_of`)."""
    ref_scenario, _ = _parts(reference)
    info = {}
    for variant, scenario, manifest in jobs:
        key = _place_of(manifest)
        if key is not None:
            info[variant] = (key, scenario, manifest)
    if not info or not len(kpis):
        return pd.DataFrame(columns=PLACE_COLUMNS)
    pairs = pd.MultiIndex.from_frame(kpis[["metric", "group"]].astype(str))
    wanted = kpis[pairs.isin(list(PLACE_KPIS))]
    wanted = wanted[wanted["variant"].isin(info)]
    variants = list(info)
    between = _sd_between(wanted)
    rows = []
    for variant, (key, scenario, manifest) in info.items():
        twin = variant if scenario == ref_scenario else reference_of(variant, reference, variants)
        twin_rows = wanted[wanted["variant"] == twin] if twin else wanted.iloc[0:0]
        population = manifest.get("config", {}).get("population", {})
        about = _describe(key, population) | {
            "variant": variant,
            "real_size": population.get("real_size"),
            "size": population.get("size"),
            "scale": population["size"] / population["real_size"],
            "scenario": scenario,
            "reference": twin,
        }
        mine = wanted[wanted["variant"] == variant]
        for (metric, unit), cell in mine.groupby(["metric", "unit"], sort=False):
            values = cell["value"].to_numpy(float)
            mean, low, high, n = mean_ci(values)
            sd = float(np.std(values, ddof=1)) if len(values) > 1 else np.nan
            diff = (np.nan, np.nan, np.nan)
            if twin == variant:
                diff = (0.0, 0.0, 0.0)
            elif twin:
                pair = cell.merge(twin_rows[twin_rows["metric"] == metric], on=["replication", "seed"])
                if len(pair):
                    diff = mean_ci((pair["value_x"] - pair["value_y"]).to_numpy(float))[:3]
            rows.append(about | {"metric": metric, "unit": unit, "mean": mean, "sd": sd,
                                 "sd_between": between.get((variant, metric), np.nan), "ci_low": low,
                                 "ci_high": high, "n": n, "diff": diff[0], "diff_low": diff[1],
                                 "diff_high": diff[2]})  # fmt: skip
    table = pd.DataFrame(rows, columns=PLACE_COLUMNS)
    return table.sort_values(["place", "variant", "metric"], kind="stable").reset_index(drop=True)

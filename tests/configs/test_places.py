"""Real places as a user runs them: every place composes, `sim place=...` runs (and refuses an
unknown place in one line), practice sites do not depend on the replication, and the
municipal_variation study runs small (SIM_FULL=1: every municipality) through collate and report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.cli.precheck import sweep_items
from sim.compose import compose_config, load_config
from sim.config import places
from sim.config.feasibility import warnings
from sim.model import SimModel
from tests.conftest import FULL, run_cli, small_config

TINY = ("years=0.1", "warmup_days=7", "warm_start_days=14", "output.plots=false")


def test_every_place_composes_and_validates():
    for key, place in places.places().items():
        config = load_config([f"place={key}"])
        assert config.population.name == place.name
        assert config.population.size == config.population.real_size == place.population
        assert config.population.municipalities == place.codes
        assert config.organisation.gp_supply == pytest.approx(places.gp_supply(place), abs=1e-4)
    houses = compose_config(["place=Lolland", "scenario=health_houses", "population.size=5000"])
    assert houses["organisation"]["name"] == "health_houses" and houses["population"]["size"] == 5000
    assert houses["organisation"]["gp_supply"] == pytest.approx(0.91)


def test_the_study_sweeps_the_98_municipalities():
    params = compose_config(["experiment=municipal_variation"])  # composes: the experiment is valid
    assert params["population"]["max_size"] == 20000
    items = sweep_items([], {"place": "glob(*,exclude=[region_*,denmark])"})
    assert sorted(v.split("=", 1)[1] for v in items[0]) == sorted(
        places.slug(m.name) for m in places.municipalities()
    )


def test_an_unknown_place_is_refused_in_one_line(tmp_path):
    proc = run_cli("place=Lolandd", f"hydra.run.dir={tmp_path / 'run'}", *TINY)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "place" in lines[0] and "Lolland" in lines[0], proc.stderr
    assert not (tmp_path / "run").exists()


def test_laesoe_runs_at_full_size_and_warns_that_staffing_rounds(tmp_path):
    config = load_config(["place=Læsø", *TINY])
    said = " ".join(warnings(config))
    assert "rounds to" in said and "is small" in said
    proc = run_cli("place=Læsø", "scenario=health_houses", f"hydra.run.dir={tmp_path}", *TINY)
    assert proc.returncode == 0, proc.stderr[-2000:]
    kpis = pd.read_csv(tmp_path / "kpis.csv")
    population = kpis[(kpis["metric"] == "population") & (kpis["group"] == "all")]["value"].iloc[0]
    assert 1700 < population < 1830  # Læsø: 1,764 residents on 1 January 2021


def test_practice_sites_do_not_depend_on_the_replication():
    cfg = small_config(["place=Lolland"], size=20000, years=0.05)
    a, b = SimModel(cfg, 0), SimModel(cfg, 1)
    sites = [(p.x, p.y, p.gp_fte) for p in a.practices]
    assert sites == [(p.x, p.y, p.gp_fte) for p in b.practices]
    assert not np.array_equal(a.population.x, b.population.x)  # the homes are drawn
    towns = {round(np.hypot(x, y), 6) for x, y, _ in sites}
    assert len(towns) > 3  # spread over the main town and the smaller towns, not one spot


def test_a_place_run_small_keeps_travel_and_gp_supply(tmp_path):
    """Lolland at its full size and at half of it: the map shrinks with the population, so
    travel to the practice and GP FTE per 1,000 stay about the same."""
    values = {}
    for size in (40539, 20270):
        out = tmp_path / str(size)
        proc = run_cli("place=Lolland", f"population.size={size}", f"hydra.run.dir={out}", *TINY)
        assert proc.returncode == 0, proc.stderr[-2000:]
        if size != 40539:
            assert "scale 0.5" in proc.stderr
        k = pd.read_csv(out / "kpis.csv").set_index(["metric", "group"])["value"]
        values[size] = (k[("travel_minutes_mean", "all")], k[("gp_fte_per_1000", "all")])
    (travel_full, gp_full), (travel_small, gp_small) = values[40539], values[20270]
    assert travel_small == pytest.approx(travel_full, rel=0.2)
    assert gp_small == pytest.approx(gp_full, rel=0.05)
    assert gp_full == pytest.approx(1000 * 0.91 / 1600, rel=0.05)


def test_the_municipal_variation_study_runs_collates_and_reports(tmp_path):
    """CI: four contrasting municipalities (SIM_FULL=1: all 98) at a tiny size, through make study's
    three steps; the study's places.csv, the report's Places section and its maps."""
    chosen = [] if FULL else ["place=Laesoe,Lolland,Koebenhavn,Aarhus"]
    size = ["population.max_size=20000"] if FULL else ["population.max_size=1500", "replications=2"]
    sweep = tmp_path / "sweep"
    proc = run_cli("-m", "experiment=municipal_variation", "hydra/launcher=local", f"hydra.sweep.dir={sweep}",
                   *chosen, *size, *TINY, timeout=3600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    study = tmp_path / "study"
    proc = run_cli("collate", str(sweep), "--out", str(study))
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = pd.read_csv(study / "places.csv")
    n_places = 98 if FULL else 4
    assert table["place"].nunique() == n_places
    assert set(table["scenario"]) == {"baseline", "health_houses", "acute_function"}
    outcome = table[table["metric"] == "avoidable_admissions_per_1000_65plus"]
    assert len(outcome) == 3 * n_places and outcome["mean"].notna().all()
    assert (outcome[outcome["scenario"] == "baseline"]["diff"] == 0).all()
    if not FULL:
        laesoe = table[table["place"] == "Laesoe"].iloc[0]
        aarhus = table[table["place"] == "Aarhus"].iloc[0]
        assert laesoe["size"] == 1500 and aarhus["scale"] == pytest.approx(1500 / 352751, rel=1e-6)
        assert laesoe["kommunekode"] == 825 and bool(laesoe["gp_shortage_2019"])
    proc = run_cli("report", str(study))
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (study / "report.html").read_text(encoding="utf-8")
    assert "id='places'" in html and "Places on the map" in html and "times from lowest to highest" in html
    assert (study / "plots" / "place_maps.png").stat().st_size > 20_000


def test_the_docs_place_file_of_your_own_composes(tmp_path):
    """docs/places.md: the planner's own place file, as written, runs over the shipped Lolland."""
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "places.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"(?ms)^```yaml\n(.*?)^```", doc)
    (tmp_path / "place").mkdir()
    (tmp_path / "place" / "my_lolland.yaml").write_text(block, encoding="utf-8")
    proc = run_cli("--config-dir", str(tmp_path), "place=my_lolland", "--cfg", "job")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "gp_supply: 0.85" in proc.stdout and "hospital_distance_km: 25.0" in proc.stdout
    assert "real_size: 40539" in proc.stdout

"""Population arrays: synthesis matches the configured bands; the yearly update conserves people."""

from __future__ import annotations

import numpy as np

from sim.population import synthesise, yearly_update
from sim.rng import Streams
from tests.conftest import small_config


def test_synthesis_matches_band_shares() -> None:
    cfg = small_config(size=50_000).population
    pop = synthesise(cfg, Streams(1, 0)("population.synthesis"))
    assert pop.count_alive() == 50_000
    shares = np.bincount(pop.band(), minlength=3) / pop.n
    expected = [b.share for b in cfg.age_bands.values()]
    np.testing.assert_allclose(shares, expected, atol=0.005)
    assert pop.age.min() >= 0 and pop.age.max() < 100


def test_yearly_update_conserves_people() -> None:
    cfg = small_config(size=20_000).population
    streams = Streams(7, 0)
    pop = synthesise(cfg, streams("population.synthesis"))
    before = pop.count_alive()
    change = yearly_update(pop, cfg, streams)
    after = pop.count_alive()
    assert change.deaths > 0 and change.births > 0
    assert after - before == change.births - change.deaths + change.immigrants - change.emigrants
    assert len(change.new_indices) == change.births + change.immigrants
    assert (pop.age[change.new_indices[: change.births]] == 0).all()


def test_band_index_cache_follows_changes() -> None:
    cfg = small_config(size=5000).population
    streams = Streams(3, 0)
    pop = synthesise(cfg, streams("population.synthesis"))
    first = [len(i) for i in pop.alive_by_band()]
    yearly_update(pop, cfg, streams)
    second = [len(i) for i in pop.alive_by_band()]
    assert sum(second) == pop.count_alive() and first != second

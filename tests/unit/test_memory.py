"""The garbage collector is contained during a run and restored afterwards."""

from __future__ import annotations

import gc

import pytest

from sim.memory import contained_gc


def test_contained_gc_freezes_raises_the_threshold_and_restores_both():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    gc.unfreeze()  # as in a fresh process
    try:
        with contained_gc(young=123_456):
            assert gc.get_threshold()[0] == 123_456
            assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0
    finally:
        if frozen:
            gc.freeze()


def test_contained_gc_restores_after_an_error():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), contained_gc():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before

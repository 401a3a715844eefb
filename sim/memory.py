"""The Python heap during a run: keeping the garbage collector off the model's objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def contained_gc(young: int = 100_000) -> Iterator[None]:
    """Keep Python's garbage collector from walking the model's heap while it runs: everything
    built so far is frozen out of its scans (``gc.freeze``: the population, practices and
    services are long-lived) and the youngest generation is collected after ``young``
    allocations instead of 700, so the many short-lived episode objects are not scanned again
    and again. The collector's state is restored afterwards (when something else had frozen
    objects before, they are left as they were and nothing more is frozen). Results do not
    depend on it."""
    threshold = gc.get_threshold()
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    gc.set_threshold(max(young, threshold[0]), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if ours:
            gc.unfreeze()

"""Patient lists: assigning people to the nearest practice that has room.

People are listed in rounds: each unassigned person picks the nearest practice that still
has room; a practice offered more people than it has room for keeps a random subset and
the rest try again in the next round. Distances are straight lines between home and
practice (km); travel time uses the speed of the person's area type.
"""

from __future__ import annotations

import numpy as np

CHUNK = 20_000  # persons per block of the distance matrix (memory: CHUNK x practices floats)


def nearest(x: np.ndarray, y: np.ndarray, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance to the nearest of the points (px, py) for each (x, y)."""
    idx = np.empty(len(x), np.int64)
    dist = np.empty(len(x), np.float64)
    for start in range(0, len(x), CHUNK):
        sl = slice(start, start + CHUNK)
        d2 = (x[sl, None] - px[None, :]) ** 2 + (y[sl, None] - py[None, :]) ** 2
        idx[sl] = d2.argmin(axis=1)
        dist[sl] = np.sqrt(d2[np.arange(len(idx[sl])), idx[sl]])
    return idx, dist


def assign_nearest_with_room(
    x: np.ndarray,
    y: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    room: np.ndarray,
    rng: np.random.Generator,
    max_rounds: int = 50,
) -> np.ndarray:
    """Practice index for each person (-1 where no practice has room left); ``room`` is used up."""
    choice = np.full(len(x), -1, np.int64)
    todo = rng.permutation(len(x))
    for _ in range(max_rounds):
        available = np.flatnonzero(room >= 1)
        if len(todo) == 0 or len(available) == 0:
            break
        near, _ = nearest(x[todo], y[todo], px[available], py[available])
        wanted = available[near]
        # rank of each person among those who want the same practice (order: random)
        order = np.argsort(wanted, kind="stable")
        ranked = wanted[order]
        first = np.searchsorted(ranked, ranked, side="left")
        rank = np.empty(len(todo), np.int64)
        rank[order] = np.arange(len(todo)) - first
        kept = rank < np.floor(room[wanted])
        choice[todo[kept]] = wanted[kept]
        room -= np.bincount(wanted[kept], minlength=len(room))
        todo = todo[~kept]
    return choice

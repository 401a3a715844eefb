"""Patient lists: assigning people to the nearest practice that has room.

People are listed in rounds: each unassigned person picks the nearest practice that still
has room; a practice offered more people than it has room for keeps a random subset and
the rest try again in the next round. Distances are straight lines between home and
practice (km); travel time uses the speed of the person's area type.

The nearest practice is found with a k-d tree over the practices that have room (scipy's
``cKDTree``): O(n log m) for n people and m practices per round, where the distance matrix
it replaced cost O(n m) (:func:`nearest_by_matrix`, kept as the reference the tests compare to).
"""

from __future__ import annotations

import numpy as np

CHUNK = 20_000  # persons per block of the distance matrix (memory: CHUNK x practices floats)


def nearest(x: np.ndarray, y: np.ndarray, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance to the nearest of the points (px, py) for each (x, y), by a k-d tree."""
    from scipy.spatial import cKDTree  # imported where used: scipy is slow to import

    if len(x) == 0:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    tree = cKDTree(np.column_stack([px, py]))
    dist, idx = tree.query(np.column_stack([x, y]), k=1)
    return idx.astype(np.int64), dist


def nearest_by_matrix(
    x: np.ndarray, y: np.ndarray, px: np.ndarray, py: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`nearest`, by the full distance matrix in blocks of ``CHUNK`` people (O(n m))."""
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

"""The named uniform draws an acute episode carries from its onset (common random numbers).

A service or rule declares the draws it reads by name (its ``draws`` tuple) and reads them with
``episode.draw(name)``; the model gathers the names (:func:`draw_columns`) and demand draws them
when it creates an episode (:mod:`sim.demand.episodes`; readmissions in the hospital). Each draw
is keyed by the episode's identity and its own name, never by its position or an episode
counter, so scenarios share them and a new name leaves every other draw unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.rng import KeyedDraws


def draw_columns(owners: Iterable[object]) -> dict[str, int]:
    """The column of each episode draw named by ``owners`` (services and rules, each with a
    ``draws`` tuple of names): the sorted union of their names. A draw's value depends on its
    name and the episode's identity only, so the columns may change as owners come and go
    while every draw keeps its value (common random numbers)."""
    names = sorted({name for owner in owners for name in getattr(owner, "draws", ())})
    return {name: j for j, name in enumerate(names)}


def episode_uniforms(
    draws: KeyedDraws,
    person: np.ndarray | int,
    group: np.ndarray | int,
    day: np.ndarray | int,
    occurrence: np.ndarray | int,
    generation: np.ndarray | int,
    names: Iterable[str],
    before: tuple[str, ...] = (),
) -> np.ndarray:
    """The named draws (columns, one per name) of episodes identified by person, group key
    (:func:`sim.rng.name_key` of the group's name), day of onset of the original need, its
    occurrence that day (the same person may have two episodes of one group on a day) and
    its generation (0 for a new need, 1 for its readmission, 2 for a readmission of that).
    The draws named in ``before`` come first, then ``names``; each column depends on its name
    only, so adding a name changes no other draw."""
    names = (*before, *names)
    return draws.uniforms(names, person, group, day, occurrence, generation)

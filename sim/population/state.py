"""Person state as a struct of NumPy arrays (one entry per person ever simulated).

A region of a million people cannot be a million Python objects, so every person is an
index into these arrays. People who die or move away keep their index (``alive`` is
False), and people who will be born or move in during the current year already have an
index (``alive`` False until ``arrive_day``), so records that refer to a person id stay
valid for the whole run.

Drawn once, when a person is created: sex, home, the liabilities that decide which
chronic conditions they develop as they age, a frailty noise term and a living-alone
draw. Derived from those and age at each yearly update: conditions, frailty, home care,
living alone and age band.

Two scalars describe the clock of the population: ``origin_day``, the day on which the
synthesised ages were exact (0, or before day 0 when the population was projected first),
from which the mortality trend counts calendar years; and ``frozen`` (``population.dynamics:
false``), which stops ages from advancing with the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.config.schema import AGE_BANDS

BAND_EDGES = np.array([65.0, 80.0])  # lower edges of 65-79 and 80+


def band_of(age: np.ndarray) -> np.ndarray:
    """Age-band index (0: 0-64, 1: 65-79, 2: 80+) of each age in years."""
    return np.searchsorted(BAND_EDGES, age, side="right").astype(np.int8)


@dataclass
class Population:
    """Arrays of person attributes; rules and services work on index arrays or masks."""

    # drawn at creation
    age: np.ndarray  # float32, years, valid on ``age_day``
    age_day: np.ndarray  # int32, simulation day on which ``age`` was exact
    female: np.ndarray  # bool
    area: np.ndarray  # int8, index into ``area_names``
    x: np.ndarray  # float32, km east of the main town's centre
    y: np.ndarray  # float32, km north of the main town's centre
    health: np.ndarray  # float32, shared health liability (standard normal)
    liability: np.ndarray  # float32 (persons, conditions), per-condition liability
    frailty_noise: np.ndarray  # float32, personal part of frailty
    alone_draw: np.ndarray  # float32 uniform, compared with the living-alone share of the band
    gp_draw: np.ndarray  # float32 uniform: which of the practice's GPs is the person's named GP
    arrive_day: np.ndarray  # int32, day of birth or moving in during the run (-1: there at start)
    # derived at each yearly update
    conditions: np.ndarray  # uint16 bit mask, bit i = ``condition_names[i]``
    frailty: np.ndarray  # float32 in [0, 1]
    home_care: np.ndarray  # bool
    lives_alone: np.ndarray  # bool
    band: np.ndarray  # int8, age band on the last update
    # changed by events
    practice: np.ndarray  # int32, listed practice index or -1 for none
    alive: np.ndarray  # bool: alive and living in the area now
    area_names: tuple[str, ...] = ()
    condition_names: tuple[str, ...] = ()
    origin_day: int = 0  # day on which the synthesised ages were exact (the mortality trend's year 0)
    frozen: bool = False  # population.dynamics false: ages do not advance with the clock
    version: int = 0  # bumped whenever membership or bands change
    _band_index: tuple[int, list[np.ndarray]] | None = field(default=None, repr=False)
    # living residents listed with each practice, kept up to date by list_with and set_alive
    # (None until first asked for: see listed_counts)
    _listed: np.ndarray | None = field(default=None, repr=False)
    # living residents with any condition of a bit mask: mask -> (version, count), kept by move
    _with_conditions: dict[int, tuple[int, int]] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of person slots (alive, dead, gone or not yet arrived)."""
        return len(self.age)

    def count_alive(self) -> int:
        """Number of people alive and resident (from the age-band index, kept up to date)."""
        return sum(len(idx) for idx in self.alive_by_band())

    def age_on(self, day: int) -> np.ndarray:
        """Exact age of every person slot on ``day`` (their recorded age when the population is frozen)."""
        if self.frozen:
            return self.age.astype(np.float64)
        return self.age + (day - self.age_day) / 365.0

    def alive_by_band(self) -> list[np.ndarray]:
        """Indices of living residents in each age band, in ascending order (built when the
        population is re-derived, then kept up to date by :meth:`move`)."""
        if self._band_index is None or self._band_index[0] != self.version:
            bands = range(len(AGE_BANDS))  # int32 indices: half the bytes to move when kept up to date
            idx = [np.flatnonzero(self.alive & (self.band == b)).astype(np.int32) for b in bands]
            self._band_index = (self.version, idx)
        return self._band_index[1]

    def count_alive_with(self, mask: int) -> int:
        """Living residents with any of the conditions in bit ``mask``: counted when the
        population is re-derived, then kept up to date by :meth:`move`."""
        kept = self._with_conditions.get(mask)
        if kept is None or kept[0] != self.version:
            count = int(np.count_nonzero(self.alive & ((self.conditions & mask) != 0)))
            self._with_conditions[mask] = kept = (self.version, count)
        return kept[1]

    def move(self, arrive: np.ndarray, leave: np.ndarray, band_up: np.ndarray) -> None:
        """Apply a day's population events: ``arrive`` (born or moved in) become resident,
        ``leave`` (died or moved away) stop being resident, ``band_up`` move up one age band.
        The list counts and the age-band index are updated for the people concerned only."""
        index = self._band_index
        valid = index is not None and index[0] == self.version
        who = np.unique(np.concatenate([arrive, leave, band_up]))
        before = np.where(self.alive[who], self.band[who], -1)
        was_alive = self.alive[who].copy()
        self.set_alive(arrive, True)
        self.set_alive(leave, False)
        self.band[band_up] += 1
        for mask, (version, count) in list(self._with_conditions.items()):
            if version == self.version:  # still exact: carry it over the day's arrivals and departures
                has = (self.conditions[who] & mask) != 0
                delta = np.count_nonzero(has & self.alive[who]) - np.count_nonzero(has & was_alive)
                self._with_conditions[mask] = (version + 1, count + int(delta))
        self.version += 1
        if not valid or index is None:
            return
        after = np.where(self.alive[who], self.band[who], -1)
        changed = before != after
        idx = list(index[1])
        for b in range(len(idx)):
            out = who[changed & (before == b)]  # sorted, as who is
            into = who[changed & (after == b)].astype(np.int32)
            kept = np.delete(idx[b], np.searchsorted(idx[b], out)) if len(out) else idx[b]
            idx[b] = np.insert(kept, np.searchsorted(kept, into), into) if len(into) else kept
        self._band_index = (self.version, idx)

    def frail_or_home_care(self, person: int, frail_threshold: float) -> bool:
        """True for a person who gets home care or whose frailty is above ``frail_threshold``."""
        return bool(self.home_care[person] or self.frailty[person] > frail_threshold)

    def has(self, condition: str) -> np.ndarray:
        """Mask of persons with ``condition``."""
        bit = self.condition_names.index(condition)
        return (self.conditions >> bit) & 1 == 1

    def n_conditions(self) -> np.ndarray:
        """Number of chronic conditions of each person."""
        c = self.conditions.astype(np.uint32)
        count = np.zeros(self.n, dtype=np.int8)
        for bit in range(len(self.condition_names)):
            count += ((c >> bit) & 1).astype(np.int8)
        return count

    def append(self, other: Population) -> np.ndarray:
        """Add the persons of ``other`` (future births, migrants); return their new indices."""
        start = self.n
        for f in fields(self):
            if not f.name.startswith("_") and isinstance(getattr(self, f.name), np.ndarray):
                setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))
        self.touch()
        return np.arange(start, self.n)

    def listed_counts(self, n_practices: int) -> np.ndarray:
        """Living residents listed with each of ``n_practices`` practices. Counted once, the
        first time it is asked for; then kept up to date by :meth:`list_with` and
        :meth:`set_alive`, so that no one scans every person to know a list's size."""
        if self._listed is None or len(self._listed) < n_practices:
            live = self.practice[self.alive & (self.practice >= 0)]
            self._listed = np.bincount(live, minlength=n_practices).astype(np.int64)
        return self._listed[:n_practices]

    def list_with(self, who: np.ndarray, practice: np.ndarray | int) -> None:
        """List persons ``who`` with ``practice`` (an index each, or one for all; -1: none)."""
        before = self._counted(who)
        self.practice[who] = practice
        self._recount(who, before)

    def set_alive(self, who: np.ndarray, alive: bool) -> None:
        """Mark persons ``who`` as living here (arrived) or not (died or left)."""
        before = self._counted(who)
        self.alive[who] = alive
        self._recount(who, before)

    def _counted(self, who: np.ndarray) -> np.ndarray | None:
        """The practice that counts each of ``who`` in its list now (-1: none), if counts are kept."""
        if self._listed is None:
            return None
        return np.where(self.alive[who], self.practice[who], -1)

    def _recount(self, who: np.ndarray, before: np.ndarray | None) -> None:
        if before is None or self._listed is None:
            return
        after = np.where(self.alive[who], self.practice[who], -1)
        changed = before != after
        np.subtract.at(self._listed, before[changed & (before >= 0)], 1)
        np.add.at(self._listed, after[changed & (after >= 0)], 1)

    def touch(self) -> None:
        """Mark the population as changed so cached indices are rebuilt."""
        self.version += 1

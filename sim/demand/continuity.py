"""Continuity of GP care: who saw whom, each person's usual-provider index, and its hazard link.

The usual provider of care is the person's named GP (the practice's GP they are listed with,
``Population.gp_draw``). Every GP contact the practice gives (booked and attended, same-day
or routine) is recorded here with whether it was with the named GP: a contact booked with
the named GP is (unless the doctor is away: ``cover_share``), and any other is with the
named GP with the chance of meeting them among the practice's GPs (one in ``n``, the
diary's named GPs). That draw is keyed by the request's identity, so two scenarios that
book the same request the same way see the same doctor.

The usual-provider-of-care index (UPC, Barker et al. 2017: the share of a person's GP
contacts with their usual GP) is kept over a rolling window as two exponentially weighted
counts, all contacts and those with the named GP (weight ``exp(-age / window_days)``),
shrunk towards ``reference_upc`` by ``prior_contacts`` pseudo-contacts so that a person with
one contact does not swing between 0 and 1 (and, as their contacts age, drifts back to the
reference). Contacts count with the practice the person is listed with: after a move or a
practice's closure the relationship starts again. The hazard of every ambulatory-care-sensitive
deterioration (episode groups with ``avoidable: true``) is multiplied by
``exp(-hazard_coefficient x (UPC - reference_upc))``: about 6% fewer admissions per 0.2 more
UPC at the evidence's 0.31 (``continuity_upc_england``).
"""

from __future__ import annotations

import numpy as np

from sim.config.people import ContinuityConfig

NEVER = np.iinfo(np.int32).min


class ContinuityLedger:
    """Per person: weighted GP contacts, those with the named GP, the day they were last
    updated and the practice they were with. A relationship belongs to a practice: a person
    listed with another practice (moved, or their practice shut) starts again with no contacts
    (their UPC is the reference until they have some). A change of a practice's number of GPs
    keeps the counts (a limitation: the model does not say whose GP left)."""

    def __init__(self, cfg: ContinuityConfig) -> None:
        self.cfg = cfg
        self.contacts = np.zeros(0, np.float32)
        self.with_named = np.zeros(0, np.float32)
        self.day = np.full(0, NEVER, np.int32)
        self.practice = np.full(0, -1, np.int32)

    @property
    def acts(self) -> bool:
        """Whether continuity changes any hazard (a coefficient above 0)."""
        return self.cfg.hazard_coefficient > 0

    def grow(self, n: int) -> None:
        """Make room for ``n`` persons (newcomers start with no contacts)."""
        extra = n - len(self.contacts)
        if extra > 0:
            self.contacts = np.concatenate([self.contacts, np.zeros(extra, np.float32)])
            self.with_named = np.concatenate([self.with_named, np.zeros(extra, np.float32)])
            self.day = np.concatenate([self.day, np.full(extra, NEVER, np.int32)])
            self.practice = np.concatenate([self.practice, np.full(extra, -1, np.int32)])

    def record(self, person: np.ndarray, named: np.ndarray, day: int, practice: np.ndarray) -> None:
        """Add the GP contacts of ``day``: one per entry of ``person``, ``named`` where it was
        with the person's named GP, ``practice`` the practice that gave it (a person may appear
        more than once). Counts with another practice are dropped first."""
        if len(person) == 0:
            return
        self.grow(int(person.max()) + 1)
        # a person twice in the batch gets the same decayed value twice (no sort needed), then
        # each contact is added
        decay = self.decay(person, day)
        decay[self.practice[person] != practice] = 0.0  # a new practice: a new relationship
        self.contacts[person] = self.contacts[person] * decay
        self.with_named[person] = self.with_named[person] * decay
        np.add.at(self.contacts, person, np.float32(1.0))
        np.add.at(self.with_named, person, named.astype(np.float32))
        self.day[person] = day
        self.practice[person] = practice

    def decay(self, person: np.ndarray, day: int) -> np.ndarray:
        """Weight, on ``day``, of each person's counts as last updated (1 on that day)."""
        last = self.day[person]
        age = np.where(last == NEVER, 0, day - last.astype(np.int64))
        return np.exp(-age / self.cfg.window_days).astype(np.float32)

    def counts(self, person: np.ndarray, day: int, practice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(weighted GP contacts, those with the named GP) of each person on ``day`` with the
        practice they are listed with now (``practice``; none with any other)."""
        person = np.asarray(person, np.int64)
        known = person < len(self.contacts)
        contacts = np.zeros(len(person))
        named = np.zeros(len(person))
        p = person[known]
        weight = self.decay(p, day) * (self.practice[p] == practice[known])
        contacts[known] = self.contacts[p] * weight
        named[known] = self.with_named[p] * weight
        return contacts, named

    def upc(self, person: np.ndarray, day: int, practice: np.ndarray) -> np.ndarray:
        """Usual-provider index of each person on ``day`` (its counts decayed to that day and
        shrunk towards the reference by the prior; the reference without contacts with the
        practice the person is listed with, ``practice``)."""
        contacts, named = self.counts(person, day, practice)
        prior = self.cfg.prior_contacts
        if prior == 0:
            return np.where(contacts > 0, named / np.maximum(contacts, 1e-12), self.cfg.reference_upc)
        return (named + prior * self.cfg.reference_upc) / (contacts + prior)

    def at_end(self, n: int, day: int, practice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every person's UPC as measured (share of weighted GP contacts with the named GP, no
        prior; NaN without contacts) and their weighted GP contacts on ``day``, with the practice
        each is listed with then (``practice``, per person), for the KPIs."""
        self.grow(n)
        contacts, named = self.counts(np.arange(n), day, practice[:n])
        with np.errstate(invalid="ignore", divide="ignore"):
            upc = np.where(contacts > 0, named / contacts, np.nan)
        return upc, contacts

    def hazard_ratio(self, person: np.ndarray, day: int, practice: np.ndarray) -> np.ndarray:
        """Multiplier of the ambulatory-care-sensitive hazards of each person on ``day``."""
        cfg = self.cfg
        return np.exp(-cfg.hazard_coefficient * (self.upc(person, day, practice) - cfg.reference_upc))

    def ceiling(self) -> float:
        """The highest multiplier a person can have (UPC 0)."""
        return float(np.exp(self.cfg.hazard_coefficient * self.cfg.reference_upc))


def seen_by_named(
    booked_named: np.ndarray, n_units: np.ndarray, cover_share: float, u: np.ndarray
) -> np.ndarray:
    """Whether each GP contact was with the patient's named GP: a contact booked with them is,
    unless the doctor is away (``cover_share``); any other meets them with chance ``1 / n``
    among the practice's ``n_units`` GPs (and ``1 - cover_share`` that they are in). ``u`` is
    one uniform per contact."""
    here = 1.0 - cover_share
    chance = np.where(booked_named, here, here / np.maximum(n_units, 1))
    return u < chance

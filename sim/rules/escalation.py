"""Escalation: where an acute deterioration goes first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.calendar import MINUTES_PER_DAY
from sim.rules.base import Rule, register
from sim.services.diary import GP

if TYPE_CHECKING:
    from sim.model import SimModel
    from sim.services.hospital import EpisodeState

PRACTICE, ED = "practice", "ed"


class EscalationRule(Rule):
    """Routes an acute episode at its onset: to the own practice (``"practice"``) or the
    emergency department (``"ed"``)."""

    family = "escalation"

    def route(self, episode: EpisodeState, model: SimModel) -> str:
        """Return the first place the episode goes to."""
        raise NotImplementedError


@register
class SameDayPracticeElseED(EscalationRule):
    """Severe episodes go to the ED. Others go to the own practice when it is open and has
    a same-day GP contact free; otherwise to the ED."""

    name = "default"

    def route(self, episode: EpisodeState, model: SimModel) -> str:
        if episode.severe or episode.practice < 0:
            return ED
        now = model.env.now
        practice = model.practices[episode.practice]
        weekday = model.calendar.weekday(int(now // MINUTES_PER_DAY))
        if not practice.is_open_at(weekday, now % MINUTES_PER_DAY):
            return ED
        minutes = practice.spec.diary.gp_minutes.in_person
        return PRACTICE if model.diaries.take_now(episode.practice, GP, minutes) else ED


@register
class AlwaysED(EscalationRule):
    """Every episode goes straight to the emergency department (a counterfactual, and the
    set-up used to validate the ED against queueing theory)."""

    name = "ed_only"

    def route(self, episode: EpisodeState, model: SimModel) -> str:
        return ED

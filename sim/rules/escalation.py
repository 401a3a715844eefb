"""Escalation: where an acute deterioration goes first, and where a GP refers it on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.calendar import MINUTES_PER_DAY
from sim.config.organisation import GP
from sim.config.validation import Validated, probability
from sim.demand.draws import U_REFER
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.model import SimModel
    from sim.services.episode import EpisodeState

PRACTICE, OOH, ACUTE, ED = "practice", "ooh", "acute", "ed"


class EscalationRule(Rule):
    """Routes an acute episode at its onset (:meth:`route`) and, when the first GP cannot treat
    it, decides whether it goes to the acute team or the hospital (:meth:`refer`)."""

    family = "escalation"

    def route(self, episode: EpisodeState, model: SimModel) -> str:
        """Return the first place the episode goes to: ``practice``, ``ooh``, ``acute`` or ``ed``."""
        raise NotImplementedError

    def refer(self, episode: EpisodeState, model: SimModel) -> str:
        """Return ``acute`` or ``ed`` for an episode a GP has seen and not treated. By default
        the acute team takes it when it exists and can treat the episode's group at home,
        with probability ``services.acute_function.refer_share``."""
        share = model.config.services.acute_function.refer_share
        if model.acute.can_treat(episode) and episode.u[U_REFER] < share:
            return ACUTE
        return ED


@register
class SameDayPracticeElseOOH(EscalationRule):
    """Severe episodes go to the ED. Others go to the own practice when it is open and has a
    same-day GP contact free; otherwise to the out-of-hours GP when that service is open (a
    practice open into the evening that has no time left sends the patient there too); and
    otherwise to the ED."""

    name = "default"

    def route(self, episode: EpisodeState, model: SimModel) -> str:
        if episode.severe:
            return ED
        now = model.env.now
        if episode.practice >= 0:
            practice = model.practices[episode.practice]
            weekday = model.calendar.weekday(int(now // MINUTES_PER_DAY))
            if practice.is_open_at(weekday, now % MINUTES_PER_DAY):
                minutes = practice.spec.diary.gp_minutes.in_person
                if model.diaries.take_now(episode.practice, GP, minutes):
                    return PRACTICE
        return OOH if model.ooh.is_open(now) else ED


@dataclass(frozen=True)
class DirectParams(Validated):
    """Parameters of the ``acute_direct`` rule."""

    home_care_share: float = probability(1.0)


@register
class HomeCareToAcuteTeam(SameDayPracticeElseOOH):
    """As ``default``, but home-care recipients whose episode the acute team can treat call the
    team directly (through their home nurse) with probability ``home_care_share``."""

    name = "acute_direct"
    Params = DirectParams

    def route(self, episode: EpisodeState, model: SimModel) -> str:
        if (
            model.population.home_care[episode.person]
            and model.acute.can_treat(episode)
            and episode.u[U_REFER] < self.params.home_care_share
        ):
            return ACUTE
        return super().route(episode, model)


@register
class AlwaysED(EscalationRule):
    """Every episode goes straight to the emergency department (a counterfactual, and the
    set-up used to validate the ED against queueing theory)."""

    name = "ed_only"

    def route(self, episode: EpisodeState, model: SimModel) -> str:
        return ED


@register
class AlwaysAcute(EscalationRule):
    """Every episode goes straight to the acute team, whatever it can treat (the set-up used to
    validate the team against queueing theory)."""

    name = "acute_only"

    def route(self, episode: EpisodeState, model: SimModel) -> str:
        return ACUTE if model.acute.available else ED

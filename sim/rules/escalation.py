"""Escalation: where an acute deterioration goes first, and where a GP refers it on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.calendar import MINUTES_PER_DAY
from sim.config.organisation import GP
from sim.config.validation import Validated, probability
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.services.episode import EpisodeState
    from sim.world import World

PRACTICE, OOH, ACUTE, ED = "practice", "ooh", "acute", "ed"


def team_can_treat(world: World, episode: EpisodeState) -> bool:
    """Whether the acute team exists and could treat ``episode`` at home."""
    team = world.services.get(ACUTE)
    return team is not None and team.can_treat(episode)


class EscalationRule(Rule):
    """Routes an acute episode at its onset (:meth:`route`) and, when the first GP cannot treat
    it, decides whether it goes to the acute team or the hospital (:meth:`refer`)."""

    family = "escalation"
    draws = ("refer",)

    def route(self, episode: EpisodeState, world: World) -> str:
        """Return the first place the episode goes to: ``practice``, ``ooh``, ``acute`` or ``ed``."""
        raise NotImplementedError

    def refer(self, episode: EpisodeState, world: World) -> str:
        """Return ``acute`` or ``ed`` for an episode a GP has seen and not treated. By default
        the acute team takes it when it exists and can treat the episode's group at home,
        with probability ``services.acute_function.refer_share``."""
        share = world.config.services.acute_function.refer_share
        if team_can_treat(world, episode) and episode.draw("refer") < share:
            return ACUTE
        return ED


@register
class SameDayPracticeElseOOH(EscalationRule):
    """Severe episodes go to the ED. Others go to the own practice when it is open and has a
    same-day GP contact free (the practice takes the time when it sees the patient);
    otherwise to the out-of-hours GP when that service is open (a
    practice open into the evening that has no time left sends the patient there too); and
    otherwise to the ED."""

    name = "default"

    def route(self, episode: EpisodeState, world: World) -> str:
        if episode.severe:
            return ED
        now = world.env.now
        if episode.practice >= 0:
            practice = world.practices[episode.practice]
            weekday = world.calendar.weekday(int(now // MINUTES_PER_DAY))
            if practice.is_open_at(weekday, now % MINUTES_PER_DAY):
                minutes = practice.spec.diary.gp_minutes.in_person
                if world.diaries.free_now(episode.practice, GP, minutes):
                    return PRACTICE
        ooh = world.services.get(OOH)
        return OOH if ooh is not None and ooh.is_open(now) else ED


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

    def route(self, episode: EpisodeState, world: World) -> str:
        if (
            world.population.home_care[episode.person]
            and team_can_treat(world, episode)
            and episode.draw("refer") < self.params.home_care_share
        ):
            return ACUTE
        return super().route(episode, world)


@register
class AlwaysED(EscalationRule):
    """Every episode goes straight to the emergency department (a counterfactual, and the
    set-up used to validate the ED against queueing theory)."""

    name = "ed_only"

    def route(self, episode: EpisodeState, world: World) -> str:
        return ED


@register
class AlwaysAcute(EscalationRule):
    """Every episode goes straight to the acute team, whatever it can treat (the set-up used to
    validate the team against queueing theory)."""

    name = "acute_only"

    def route(self, episode: EpisodeState, world: World) -> str:
        team = world.services.get(ACUTE)
        return ACUTE if team is not None and team.available else ED

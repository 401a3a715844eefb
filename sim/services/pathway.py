"""The acute pathway of one episode, as a SimPy process.

An episode starts at its onset time. The ``escalation`` rule routes it first: to the own
practice (when it is open and has same-day GP time), to the out-of-hours GP (when the
practice is closed and the service is open), straight to the acute team, or to the
emergency department. A GP (own or out-of-hours) treats it when the episode is seen within
its time window and its draw falls under the group's ``primary_care_treatable`` share.
Otherwise the rule's ``refer`` decides between the municipal acute function and the
hospital; the acute team treats at home or sends the patient on to the hospital. See
:mod:`sim.services.episode` for the outcomes.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim.rules.escalation import ACUTE, ED, OOH, PRACTICE
from sim.services.episode import U_TREAT, EpisodeState

if TYPE_CHECKING:
    from sim.model import SimModel


def treated_by_gp(ep: EpisodeState, model: SimModel, factor: float = 1.0) -> bool:
    """Whether a GP who sees ``ep`` now treats it (within its window, by its draw)."""
    share = model.episode_groups[ep.group].primary_care_treatable * factor
    return model.env.now - ep.onset <= ep.window and ep.u[U_TREAT] < share


def episode(model: SimModel, ep: EpisodeState) -> Generator[simpy.Event, None, None]:
    """SimPy process body: the pathway of episode ``ep`` from onset to its outcome."""
    env = model.env
    yield env.timeout(max(ep.onset - env.now, 0.0))
    if not model.population.alive[ep.person]:
        ep.finish("died", env.now)
        return
    rule = model.rules["escalation"]
    ep.route = rule.route(ep, model)
    if ep.route == PRACTICE:
        ep.passes(PRACTICE)
        if treated_by_gp(ep, model):
            ep.finish("primary_care", env.now)
            return
    elif ep.route == OOH:
        ep.passes(OOH)
        seen = yield from model.ooh.consult(ep, model.is_frail_or_home_care(ep.person))
        if seen and treated_by_gp(ep, model, model.ooh.cfg.treat_factor):
            ep.finish("primary_care", env.now)
            return
        if not seen and rule.route(ep, model) == PRACTICE:  # the day services have opened
            ep.passes(PRACTICE)
            if treated_by_gp(ep, model):
                ep.finish("primary_care", env.now)
                return
    if ep.route != ED:  # seen first by a GP or the acute team: on to the team, then the hospital
        if ep.route == ACUTE or rule.refer(ep, model) == ACUTE:
            referred = env.now
            yield env.timeout(model.acute_referral_minutes(ep))
            treated = yield from model.acute.attend(ep, referred)
            if treated:
                ep.finish("home", env.now)
                return
        yield env.timeout(model.config.services.hospital.referral_delay_minutes)
    yield from model.hospital.emergency(ep)

"""Care seeking: which of today's needs become requests to general practice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.config.validation import Validated, probability
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.demand.needs import Requests
    from sim.model import SimModel


class CareSeekingRule(Rule):
    """Decides, per need, whether the person contacts their practice today."""

    family = "care_seeking"

    def seek(self, requests: Requests, model: SimModel) -> np.ndarray:
        """Boolean mask of the needs that become requests; the rest are forgone."""
        raise NotImplementedError


@dataclass(frozen=True)
class SeekParams(Validated):
    """Parameters of the default care-seeking rule."""

    seek_probability: float = probability(1.0)


@register
class SeekAll(CareSeekingRule):
    """Each need becomes a request with probability ``seek_probability`` (default: all)."""

    name = "default"
    Params = SeekParams

    def seek(self, requests: Requests, model: SimModel) -> np.ndarray:
        if self.params.seek_probability >= 1.0:
            return np.ones(len(requests), dtype=bool)
        return self.rng.random(len(requests)) < self.params.seek_probability

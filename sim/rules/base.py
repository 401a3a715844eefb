"""Rule plug-ins: one base class per decision family, a registry, and selection by name.

A rule is a class with a ``family``, a ``name``, a frozen ``Params`` dataclass and the
method its family calls. Registering is declaring the class with ``@register``; any
module placed in ``sim/rules/`` is imported on first use, so a researcher adds a rule in
one new file and selects it with one YAML line::

    rules:
      care_seeking: {name: delayed_when_alone, params: {delay_share: 0.3}}

Lifecycle: the model builds every selected rule once (``Rule(params)``), then calls
``setup(world)`` once before day 0, with the narrow :class:`sim.world.World`; the family method
is then called as the day's order (``sim.model``) says. A rule decides and returns its
decision; the caller applies it. Each rule draws from its own named stream
``rules.<family>.<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from sim.config.discovery import import_modules
from sim.config.schema import RuleConfig, RulesConfig
from sim.config.validation import ConfigError, build

if TYPE_CHECKING:
    import numpy as np

    from sim.world import World

FAMILIES = ("care_seeking", "triage", "booking", "escalation", "admission", "list_management", "workforce")
REGISTRY: dict[str, dict[str, type[Rule]]] = {f: {} for f in FAMILIES}


@dataclass(frozen=True)
class NoParams:
    """Parameters of a rule that takes none."""


class Rule:
    """Base of every rule. Subclasses set ``family``, ``name`` and ``Params``."""

    family: ClassVar[str] = ""
    name: ClassVar[str] = ""
    Params: ClassVar[type] = NoParams
    draws: ClassVar[tuple[str, ...]] = ()  # the episode draws it reads (``episode.draw(name)``)

    def __init__(self, params: Any) -> None:
        self.params = params
        self.rng: np.random.Generator | None = None

    def setup(self, world: World) -> None:
        """Called once before the run starts; takes the rule's own random stream."""
        self.rng = world.streams(f"rules.{self.family}.{self.name}")


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: make ``cls`` selectable by ``cls.name`` in its family."""
    if cls.family not in REGISTRY:
        raise ValueError(f"unknown rule family {cls.family!r} (known: {', '.join(FAMILIES)})")
    existing = REGISTRY[cls.family].get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"rule {cls.family}.{cls.name} registered twice")
    REGISTRY[cls.family][cls.name] = cls
    return cls


def discover() -> None:
    """Import every module in ``sim.rules`` so that their rules register themselves."""
    import_modules("sim.rules")


def make_rule(family: str, cfg: RuleConfig, path: str) -> Rule:
    """Build the rule selected by ``cfg`` for ``family``; errors name the config key."""
    discover()
    cls = REGISTRY[family].get(cfg.name)
    if cls is None:
        known = ", ".join(sorted(REGISTRY[family])) or "none"
        raise ConfigError(f"{path}.name", f"unknown {family} rule {cfg.name!r} (known: {known})")
    return cls(build(cls.Params, cfg.params, f"{path}.params"))


def make_rules(rules: RulesConfig) -> dict[str, Rule]:
    """Build the rule selected for each family in ``rules`` (validates names and params)."""
    out = {}
    for family in FAMILIES:
        out[family] = make_rule(family, getattr(rules, family), f"rules.{family}")
    return out

"""The mechanism register (issue 14 point 1): every link from organisation or behaviour to an outcome
as a named config parameter with a plausible range, a source and a confidence. The register is
``sim/data/mechanisms.yaml`` (its header documents the fields); :func:`value_of` reads today's values
from the composed configs and :func:`overrides` sets a point of a range (the sensitivity analysis).
Generate the docs: ``.venv/bin/python -m sim.cli.mechanism_docs > docs/mechanisms.md``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sim import sources

REGISTER_FILE = Path(str(resources.files("sim") / "data" / "mechanisms.yaml"))
KINDS = {  # kind -> the title of its table in docs/mechanisms.md
    "demand": "Demand and patient behaviour", "practice": "General practice", "ooh": "Out-of-hours GP",
    "acute": "Municipal acute function", "hospital": "Hospital and follow-up after discharge",
    "outpatient": "Satellites and outpatient controls", "cost": "Costs (DKK)",
}
CONFIDENCE = ("high", "moderate", "low")
SCALES = ("value", "multiplier", "switch", "levels")
STATUSES = ("modelled", "absent")
ASSUMPTION = "assumption"
FIELDS = ("name", "kind", "link", "parameter", "parameters", "scenario", "scale", "range", "levels",
          "source", "evidence", "confidence", "note", "status")
REQUIRED = ("name", "kind", "link", "confidence", "note")
TEXT = ("name", "kind", "link", "confidence", "note", "scenario", "scale", "evidence", "status")
CHOICES = {"kind": tuple(KINDS), "confidence": CONFIDENCE, "scale": SCALES, "status": STATUSES}
NAME = re.compile(r"[a-z][a-z0-9_]*")
PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[A-Za-z0-9_+-]+)+")
EVIDENCE = re.compile(r"evidence\.md section (10|[0-9])")


class RegisterError(ValueError):
    """A malformed register entry: one line naming the entry and the field."""

    def __init__(self, entry: str, field: str, message: str) -> None:
        super().__init__(f"mechanisms.yaml: {entry}.{field}: {message}")
        self.entry, self.field = entry, field


@dataclass(frozen=True)
class Mechanism:
    """One link of the register: its parameters (config key paths), range, source and confidence."""

    name: str
    kind: str
    link: str
    confidence: str
    note: str
    parameters: tuple[str, ...] = ()
    scenario: str = "baseline"
    scale: str = "value"
    range: tuple[float, float] | None = None
    levels: tuple[Any, ...] = ()
    source: tuple[str, ...] = ()
    evidence: str = ""
    status: str = "modelled"

    @property
    def modelled(self) -> bool:
        """True when the model has the link (it has parameters to set)."""
        return self.status == "modelled"

    @property
    def assumption(self) -> bool:
        """True when no source backs the value: it is an assumption."""
        return self.source == (ASSUMPTION,)


def _span(raw: dict[str, Any], scale: str, levels: list[Any]) -> list[float] | str | None:
    """The entry's [low, high] (implied for a switch or levels), or the message of what is wrong."""
    implied = {"switch": [0, 1], "levels": [0, len(levels) - 1]}.get(scale)
    span = raw.get("range", implied)
    if span is None:
        return None if raw.get("status") == "absent" else "missing"
    if not (isinstance(span, list) and len(span) == 2 and all(type(v) in (int, float) for v in span)):
        return "must be [low, high], two numbers"
    if span[0] > span[1]:
        return f"low {span[0]} > high {span[1]}"
    if implied is not None and span != implied:
        return f"a {scale} has the range {implied}"
    if scale == "multiplier" and not span[0] <= 1 <= span[1]:
        return "a multiplier range must hold 1 (today's value)"
    return span


def _build(raw: Any, index: int) -> Mechanism:
    """One validated :class:`Mechanism` from the register's mapping number ``index``."""
    if not isinstance(raw, dict):
        raise RegisterError(f"#{index}", "", "an entry must be a mapping")
    name = str(raw.get("name") or f"#{index}")

    def bad(field: str, message: str) -> RegisterError:
        """The error of ``field`` of this entry."""
        return RegisterError(name, field, message)

    unknown = [k for k in raw if k not in FIELDS]
    if unknown:
        raise bad(str(unknown[0]), f"unknown field (allowed: {', '.join(FIELDS)})")
    for field in TEXT:
        value, allowed = raw.get(field), CHOICES.get(field)
        if value in (None, "") and field in REQUIRED:
            raise bad(field, "missing")
        if field in raw and (not isinstance(value, str) or "\n" in value):
            raise bad(field, "must be one line of text")
        if field in raw and allowed and value not in allowed:
            raise bad(field, f"{value!r} is not one of {', '.join(allowed)}")
    if not NAME.fullmatch(name):
        raise bad("name", "must be snake_case")
    status, scale, levels = raw.get("status", "modelled"), raw.get("scale", "value"), raw.get("levels", [])
    if "parameter" in raw and "parameters" in raw:
        raise bad("parameters", "give parameter or parameters, not both")
    params = raw.get("parameters", [raw["parameter"]] if "parameter" in raw else [])
    if not isinstance(params, list) or not all(isinstance(p, str) and PATH.fullmatch(p) for p in params):
        raise bad("parameters", "must be config key paths such as demand.chronic_care.hazard_coefficient")
    if len(set(params)) < len(params):
        raise bad("parameters", "a path is listed twice")
    if status == "absent" and (params or {"scenario", "scale", "levels"} & set(raw)):
        raise bad("parameter", "an absent link has no parameter, scenario, scale or levels")
    if status == "modelled" and not params:
        raise bad("parameter", "missing")
    if (scale == "levels") != ("levels" in raw):
        raise bad("levels", "levels go with scale: levels, and only with it")
    if scale == "levels" and (not isinstance(levels, list) or len(levels) < 2):
        raise bad("levels", "give at least two settings")
    span = _span(raw, scale, levels)
    if isinstance(span, str):
        raise bad("range", span)
    keys = [raw["source"]] if isinstance(raw.get("source"), str) else raw.get("source", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or (
        ASSUMPTION in keys and len(keys) > 1
    ):
        raise bad("source", "a key, a list of keys or 'assumption' (alone)")
    if not keys and (status == "modelled" or "evidence" not in raw):
        raise bad("source", "missing (an absent link may give only its evidence)")
    unresolved = [k for k in keys if k != ASSUMPTION and sources.lookup(k) is None]
    if unresolved:
        raise bad("source", f"{unresolved[0]!r} is not in sim/data/sources (sim.sources.lookup)")
    if "evidence" in raw and not EVIDENCE.fullmatch(raw["evidence"]):
        raise bad("evidence", "must read 'evidence.md section N' (N from 0 to 10)")
    return Mechanism(
        name=name, kind=raw["kind"], link=raw["link"], confidence=raw["confidence"], note=raw["note"],
        parameters=tuple(params), scenario=raw.get("scenario", "baseline"), scale=scale,
        range=None if span is None else (span[0], span[1]), levels=tuple(levels), source=tuple(keys),
        evidence=raw.get("evidence", ""), status=status,
    )


def parse_register(data: Any) -> tuple[Mechanism, ...]:
    """The validated entries of a loaded register (``{"mechanisms": [...]}``)."""
    entries = data.get("mechanisms") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise RegisterError("mechanisms", "", "the register is a mapping with a list 'mechanisms'")
    out = tuple(_build(raw, i) for i, raw in enumerate(entries))
    twice = [name for name, n in Counter(m.name for m in out).items() if n > 1]
    if twice:
        raise RegisterError(twice[0], "name", "used twice")
    owner: dict[str, str] = {}  # parameter path -> the entry that holds it
    for m in out:
        for path in m.parameters:
            clash = next((p for p in owner if f"{p}.".startswith(f"{path}.") or path.startswith(f"{p}.")),
                         None)
            if clash is not None:
                raise RegisterError(m.name, "parameters", f"{path} overlaps {clash} of {owner[clash]}")
            owner[path] = m.name
    return out


@functools.cache
def load_register(path: Path = REGISTER_FILE) -> tuple[Mechanism, ...]:
    """The validated register (``sim/data/mechanisms.yaml`` by default); raises :class:`RegisterError`."""
    return parse_register(yaml.safe_load(path.read_text(encoding="utf-8")))


# ------------------------------------------------------------------ values from the configs
@functools.cache
def composed(scenario: str) -> dict[str, Any]:
    """The composed config of ``scenario`` as plain dicts (one composition per scenario)."""
    from sim.compose import compose_config

    return compose_config([f"scenario={scenario}"])


def _schema_default(data: dict[str, Any], parts: list[str]) -> Any:
    """The default of a rule's or plug-in's ``Params`` field that the config does not set."""
    from sim.rules import base as rules
    from sim.services import base as services

    if len(parts) == 4 and parts[0] == "rules" and parts[2] == "params":
        rules.discover()
        cls = rules.REGISTRY[parts[1]][data["rules"][parts[1]]["name"]].Params
    elif len(parts) == 5 and parts[:2] == ["services", "plugins"] and parts[3] == "params":
        services.discover()
        cls = services.PLUGINS[parts[2]].Params
    else:
        raise KeyError(".".join(parts))
    field = next((f for f in dataclasses.fields(cls) if f.name == parts[-1]), None)
    if field is None:
        raise KeyError(".".join(parts))
    return field.default if field.default is not dataclasses.MISSING else field.default_factory()


def lookup(data: dict[str, Any], path: str) -> tuple[Any, bool]:
    """The value at ``path`` of a composed config, and whether the config sets it (False: the
    default of a rule's or plug-in's parameters). Raises KeyError when there is no such key."""
    node: Any = data
    parts = path.split(".")
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return _schema_default(data, parts), False
        node = node[part]
    return node, True


def value_of(entry: Mechanism) -> dict[str, Any]:
    """Today's value of each of ``entry``'s parameters, from its scenario's composed config."""
    data = composed(entry.scenario)
    return {p: lookup(data, p)[0] for p in entry.parameters}


def _times(value: Any, factor: float) -> Any:
    """``value`` (a number or a dict of numbers) times ``factor``; an integer stays an integer."""
    if isinstance(value, dict):
        return {k: _times(v, factor) for k, v in value.items()}
    return round(value * factor) if isinstance(value, int) else round(value * factor, 12)


def point(entry: Mechanism, x: float) -> dict[str, Any]:
    """The value of each parameter of ``entry`` at ``x``, a point of its range."""
    out = {}
    for path, today in value_of(entry).items():
        if entry.scale == "multiplier":
            out[path] = _times(today, x)
        elif entry.scale == "switch":
            out[path] = x >= 0.5
        elif entry.scale == "levels":
            out[path] = entry.levels[min(max(round(x), 0), len(entry.levels) - 1)]
        else:
            out[path] = round(x) if isinstance(today, int) and not isinstance(today, bool) else float(x)
    return out


def hydra_value(value: Any) -> str:
    """``value`` in Hydra's override grammar (dict keys such as ``80+`` unquoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{hydra_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(hydra_value(v) for v in value) + "]"
    return repr(value) if isinstance(value, float) else str(value)


def overrides(entry: Mechanism, x: float) -> list[str]:
    """Hydra overrides that set ``entry``'s parameters at ``x`` (``++`` for a rule's or plug-in's
    parameter the config leaves at its default), for ``sim.load_config``."""
    data = composed(entry.scenario)
    return [
        f"{'' if lookup(data, path)[1] else '++'}{path}={hydra_value(value)}"
        for path, value in point(entry, x).items()
    ]


# ------------------------------------------------------------------ docs/mechanisms.md
def fmt(value: Any, inner: bool = False) -> str:
    """A value in compact text: ``0-64: 0.1, 65-79: 0.16`` for a dict (``0.1/0.16`` inside a family)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        items = [fmt(v) if inner else f"{k}: {fmt(v)}" for k, v in value.items()]
        return ("/" if inner else ", ").join(items)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _members(paths: tuple[str, ...]) -> tuple[str, list[str], str]:
    """A family's common prefix, the part that differs per member, and the common suffix."""
    split = [p.split(".") for p in paths]
    head = tail = 0
    while all(len(s) > head + 1 and s[head] == split[0][head] for s in split):
        head += 1
    while all(len(s) > head + tail + 1 and s[-1 - tail] == split[0][-1 - tail] for s in split):
        tail += 1
    middle = [".".join(s[head : len(s) - tail]) for s in split]
    return ".".join(split[0][:head]), middle, ".".join(split[0][len(split[0]) - tail :])


def _parameter_cells(m: Mechanism) -> tuple[str, str]:
    """The parameter path (a family as ``prefix.{a, b}.suffix``; a scenario not the baseline) and
    today's value (each member's, ``member: value``, for a family)."""
    values = value_of(m)
    if len(values) == 1:
        return f"`{m.parameters[0]}`" + _scenario(m), fmt(next(iter(values.values())))
    prefix, middle, suffix = _members(m.parameters)
    value = ", ".join(f"{k}: {fmt(v, inner=True)}" for k, v in zip(middle, values.values(), strict=True))
    return f"`{prefix}.{{{', '.join(middle)}}}{'.' + suffix if suffix else ''}`" + _scenario(m), value


def _scenario(m: Mechanism) -> str:
    """`` (scenario `name`)`` for a parameter read outside the baseline."""
    return f" (scenario `{m.scenario}`)" if m.scenario != "baseline" else ""


def _range_cell(m: Mechanism) -> str:
    """The range as ``a–b``, ``×a–×b``, ``false / true`` or the levels separated by ``;``."""
    if m.range is None or m.scale == "switch":
        return "false / true" if m.range else ""
    if m.scale == "levels":
        return "; ".join("{" + fmt(v) + "}" if isinstance(v, dict) else fmt(v) for v in m.levels)
    (low, high), times = m.range, "×" if m.scale == "multiplier" else ""
    return f"{times}{fmt(low)}{' to ' if low < 0 else '–'}{times}{fmt(high)}"


def _row(m: Mechanism, *middle: str) -> str:
    """A table row: link (name, link, note), ``middle``, source (keys; evidence) and confidence."""
    keys = ", ".join(k if k == ASSUMPTION else f"`{k}`" for k in m.source)
    cells = (f"`{m.name}`: {m.link}<br>*{m.note}*", *middle, "; ".join(t for t in (keys, m.evidence) if t),
             m.confidence)
    return "| " + " | ".join(c.replace("|", "\\|").replace(" -> ", " → ") for c in cells) + " |"


INTRO = """\
# Mechanism register

<!-- Generated from sim/data/mechanisms.yaml by sim/mechanisms.py; do not edit by hand. Regenerate with:
     .venv/bin/python -m sim.cli.mechanism_docs > docs/mechanisms.md -->

Every link from the organisation of care (practices, nurses, health houses, opening hours, video,
equipment, co-location, the acute team, out-of-hours, satellites, follow-up, booking rules) or from
patients' behaviour to an outcome (admissions, readmissions, waits, unmet requests, controls, costs)
is a named config parameter with its value, a plausible range, a source and a confidence. This page
is generated from the register, `sim/data/mechanisms.yaml`, with the values read from the composed
configs, never copied (`.venv/bin/python -m sim.cli.mechanism_docs > docs/mechanisms.md`), so it cannot
drift from them: `tests/unit/test_mechanisms.py` fails when it differs, when a value leaves its
range, and when a config comment marks an assumption with a range the register does not hold. The
global sensitivity analysis, `sim sensitivity` ([sensitivity.md](sensitivity.md): SALib's Morris
screening or a Latin hypercube), samples every modelled entry over its range;
`sim.mechanisms.overrides(entry, x)` gives the overrides of `sim.load_config` for a point `x`.

- **parameter**: the config key path an override sets, read in the scenario named beside it (else
  the baseline), where it acts. A family (`prefix.{a, b}.suffix`) shares one range and is one factor
  of the sensitivity analysis: every member moves to the same point of the range.
- **range**: `a–b` holds the value itself; `×a–×b` is a factor on today's value, on every value of
  a dict (a dict by age band keeps its gradient; ×1 is today's config); `false / true` is a switch
  (sampled over [0, 1], true from 0.5); settings separated by `;` are sampled by index. From the
  config comment where it gives one, else from `sim/data/sources/evidence.md`, else an assumption.
- **source**: a key of `sim/data/sources` (`sim.sources.lookup`) or *assumption*, and the section
  of `evidence.md`. **confidence**: high, moderate or low (`evidence.md`'s "medium" is moderate).
  Values by age band read `0-64: a, 65-79: b, 80+: c`; in a family `a/b/c`.
"""


def markdown() -> str:
    """``docs/mechanisms.md``: an intro, a table per kind of link, then the absent links."""
    register = load_register()
    modelled = [m for m in register if m.modelled]
    absent = [m for m in register if not m.modelled]
    assumed = sum(m.assumption for m in modelled)
    factors = sum(len(m.parameters) for m in modelled)
    kinds = Counter(m.kind for m in modelled)
    lines = [
        INTRO,
        f"{len(modelled)} modelled links with {factors} parameters ({len(modelled) - assumed} with a "
        f"source, {assumed} assumptions), and {len(absent)} links the model does not have yet.",
        "",
    ]
    for kind, title in KINDS.items():
        lines += [f"## {title}", "", f"{kinds[kind]} links.", "",
                  "| link | parameter | value | range | source | confidence |", "|---|---|---|---|---|---|"]
        lines += [_row(m, *_parameter_cells(m), _range_cell(m)) for m in modelled if m.kind == kind]
        lines.append("")
    lines += [
        "## Links the evidence supports that the model does not have yet",
        "",
        "No parameter sets these yet; the range, where given, is the evidence's plausible effect.",
        "",
        "| link | kind | plausible effect | source | confidence |",
        "|---|---|---|---|---|",
    ]
    lines += [_row(m, KINDS[m.kind], _range_cell(m)) for m in absent]
    return "\n".join(lines) + "\n"


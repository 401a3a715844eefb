"""Fuzzing the configuration: bad values of every numeric parameter, and other bad input, are
rejected with a :class:`ConfigError` naming the full dotted key, on one line, and (from the
command line) with exit status 2 and no ``kpis.*`` written.

The numeric parameters are found by walking the schema: the dataclasses reachable from
:class:`SimConfig` (and the ``Params`` of every registered rule), through nested dataclasses and
dicts of dataclasses, whose keys come from the composed default configuration. Each numeric
field gets the bad values ``nan``, ``inf``, ``-inf`` and ``abc``, ``1.5`` when it is an integer,
and the values just outside its constraint, found by probing the field's ``check`` (the check of
a ``positive`` field rejects 0, that of a probability 1.001).

- every field and bad value is built into the field's own dataclass (fast, exhaustive);
- a fixed sample of at least 40 of them, and hand-written non-numeric cases (unknown keys at
  several depths, wrong types, misspelt names, band dicts, names that would become paths), go
  through ``sim.load_config`` and ``sim.runner.check`` on every run;
- hypothesis adds random ones, through the whole config (``sim.from_dict``) and through Hydra;
- a few go through the command line (``python -m sim``).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import random
import re
import types
import typing
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.config import ConfigError, build, to_dict
from sim.config.schema import AGE_BANDS, SimConfig
from sim.rules.base import REGISTRY, discover
from tests.conftest import run_cli

Check = Callable[[Any], "str | None"]


# ------------------------------------------------------------------ the schema's numeric fields
@dataclasses.dataclass(frozen=True)
class NumericField:
    """One numeric parameter: its full dotted key, type, constraint and default, and the
    dataclass that owns it (to build that class alone)."""

    key: str
    kind: type  # int or float
    check: Check | None
    default: float
    owner: type  # the dataclass holding the field
    owner_key: str  # the full key of that dataclass
    owner_data: dict  # its default value as plain dicts
    path: tuple[str, ...]  # the field's name, and the dict key for a dict of numbers
    select: tuple[tuple[str, str], ...] = ()  # (key, value) to set first (the rule whose param it is)

    def __repr__(self) -> str:
        return f"<{self.kind.__name__} {self.key}>"


def _walk(cls: type, value: Any, prefix: str, out: list[NumericField], select=()) -> None:
    hints = typing.get_type_hints(cls)
    owner_data = to_dict(value)
    for f in dataclasses.fields(cls):
        tp, key, item = hints[f.name], f"{prefix}.{f.name}" if prefix else f.name, getattr(value, f.name)
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
            origin = typing.get_origin(tp)
        common = {"owner": cls, "owner_key": prefix, "owner_data": owner_data, "select": select}
        if dataclasses.is_dataclass(tp):
            _walk(tp, item, key, out, select)
        elif origin is dict:
            _, vtype = typing.get_args(tp)
            for k, v in (item or {}).items():
                if dataclasses.is_dataclass(vtype):
                    _walk(vtype, v, f"{key}.{k}", out, select)
                elif vtype in (int, float):
                    check = f.metadata.get("each")
                    out.append(NumericField(f"{key}.{k}", vtype, check, v, path=(f.name, k), **common))
        elif tp in (int, float):
            out.append(NumericField(key, tp, f.metadata.get("check"), item, path=(f.name,), **common))


def numeric_fields() -> list[NumericField]:
    """Every numeric parameter of the default configuration and of every registered rule."""
    config = sim.load_config([])
    out: list[NumericField] = []
    _walk(SimConfig, config, "", out)
    discover()
    for family, rules in sorted(REGISTRY.items()):
        chosen = getattr(config.rules, family).name
        for name, rule in sorted(rules.items()):
            if not dataclasses.is_dataclass(rule.Params):
                continue
            select = () if name == chosen else ((f"rules.{family}.name", name),)
            _walk(rule.Params, rule.Params(), f"rules.{family}.params", out, select)
    return out


def just_outside(check: Check | None, default: float, integer: bool, direction: int) -> float | None:
    """The value nearest the valid ``default`` in ``direction`` (-1 down, +1 up) that ``check``
    rejects, rounded to a plain number; None when the field has no bound that way."""
    if check is None:
        return None
    ok, step = default, 1
    while check(ok + direction * step) is None:
        step *= 2
        if step > 2**62:
            return None
    bad = ok + direction * step
    if integer:
        while abs(bad - ok) > 1:
            mid = (ok + bad) // 2
            ok, bad = (mid, bad) if check(mid) is None else (ok, mid)
        return int(bad)
    for _ in range(200):
        mid = (ok + bad) / 2
        if mid in (ok, bad):
            break
        ok, bad = (mid, bad) if check(mid) is None else (ok, mid)
    edge = round(bad, 6) + 0.0
    for candidate in (edge, round(edge + direction * 1e-3, 6) + 0.0):
        if check(candidate) is not None:
            return candidate
    return bad


def bad_values(field: NumericField) -> list[tuple[str, Any]]:
    """(kind, value) pairs that ``field`` must reject."""
    values: list[tuple[str, Any]] = [
        ("nan", math.nan),
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("word", "abc"),
    ]
    if field.kind is int:
        values.append(("fraction", 1.5))
    for kind, direction in (("below", -1), ("above", 1)):
        v = just_outside(field.check, field.default, field.kind is int, direction)
        if v is not None:
            values.append((kind, v))
    return values


def hydra_value(value: Any) -> str:
    """``value`` as it is written in a Hydra override."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value) if isinstance(value, float) else str(value)


HYDRA_KEY = re.compile(r"[A-Za-z_$][\w$-]*|0|[1-9][0-9]*")  # one segment of a key Hydra can parse


def override(key: str, value: str, prefix: str = "") -> str:
    """The Hydra override setting ``key`` to ``value``. Segments Hydra cannot parse as a key (the
    age bands ``0-64``, ``80+``) are written as a dict value: ``a.b={80+:2}``."""
    parts = key.split(".")
    for i, part in enumerate(parts):
        if not HYDRA_KEY.fullmatch(part):
            nested = value
            for p in reversed(parts[i:]):
                nested = f"{{{p}:{nested}}}"
            return f"{prefix}{'.'.join(parts[:i])}={nested}"
    return f"{prefix}{key}={value}"


def field_overrides(field: NumericField, value: Any) -> list[str]:
    """The overrides that set ``field`` to ``value`` (rule parameters are added with ``++``)."""
    prefix = "++" if ".params." in field.key else ""
    return [*(f"{k}={v}" for k, v in field.select), override(field.key, hydra_value(value), prefix)]


FIELDS = numeric_fields()
CASES = [(f, kind, v) for f in FIELDS for kind, v in bad_values(f)]


# ------------------------------------------------------------------ assertions
def rejection(call: Callable[[], Any]) -> Exception | None:
    """The exception ``call`` raises, or None when it returns."""
    try:
        call()
    except Exception as exc:
        return exc
    return None


def names_key(err: ConfigError, key: str) -> bool:
    """True when ``err`` names ``key`` (or a key below it) in full."""
    if err.key == key or err.key.startswith(f"{key}."):
        return True
    return re.search(rf"(?<![\w.]){re.escape(key)}(?![\w])", str(err)) is not None


def assert_rejected(exc: Exception | None, key: str, what: str) -> None:
    """``exc`` is a one-line ConfigError naming ``key``."""
    assert exc is not None, f"{what}: accepted"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    assert isinstance(exc, ConfigError), f"{what}: raised {type(exc).__name__} ({first})"
    assert names_key(exc, key), f"{what}: names {exc.key!r}, not {key!r} ({exc})"
    assert "\n" not in str(exc).strip(), f"{what}: message of several lines: {exc}"


def load_and_check(overrides: list[str]) -> None:
    """What ``sim`` does with overrides before it runs: compose, validate, check the rules."""
    sim.runner.check(sim.load_config(overrides))


def set_path(data: dict, key: str, value: Any) -> None:
    """Set ``key`` (dotted, the last segment may be an age band) in nested ``data``."""
    parts = key.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def from_dict_and_check(data: dict) -> None:
    """The same from a plain (nested) mapping, without Hydra."""
    sim.runner.check(sim.from_dict(data))


DEFAULT_DATA = to_dict(sim.load_config([]))


def with_value(field: NumericField, value: Any) -> dict:
    """The default configuration as plain dicts with ``field`` set to ``value``."""
    data = copy.deepcopy(DEFAULT_DATA)
    for k, v in field.select:
        set_path(data, k, v)
    set_path(data, field.key, value)
    return data


# ------------------------------------------------------------------ every field, in its own class
def test_the_schema_walk_finds_the_numeric_parameters() -> None:
    keys = {f.key for f in FIELDS}
    for key in (
        "years",
        "population.size",
        "population.geography.areas.urban.share",
        "demand.contacts_per_year.80+",
        "organisation.practice_types.solo.hours.mon.close",
        "services.hospital.ed.servers",
        "services.acute_function.shifts.night.nurses",
        "rules.care_seeking.params.seek_probability",
    ):
        assert key in keys
    assert len(CASES) >= 40 * 10


def test_every_numeric_field_rejects_each_bad_value_in_its_own_class() -> None:
    """All fields and all their bad values, built into the dataclass that owns the field (with
    its full key as prefix), which is what ``build`` does for each part of a config."""
    failures = []
    for field, _, value in CASES:
        data = copy.deepcopy(field.owner_data)
        target = data
        for part in field.path[:-1]:
            target = target[part]
        target[field.path[-1]] = value
        exc = rejection(lambda data=data, field=field: build(field.owner, data, field.owner_key))
        try:
            assert_rejected(exc, field.key, f"{field.key}={value!r}")
        except AssertionError as err:
            failures.append(str(err).splitlines()[0])
    assert not failures, f"{len(failures)} of {len(CASES)} bad values not rejected:\n" + "\n".join(failures)


# ------------------------------------------------------------------ a fixed sample through Hydra
def _sample(per_kind: int = 6, seed: int = 2025) -> list[tuple[NumericField, str, Any]]:
    """A fixed sample of the numeric cases: ``per_kind`` of each kind of bad value (the same on
    every run of the same schema), and every kind at an age band and at a rule parameter."""
    rng = random.Random(seed)
    by_kind: dict[str, list] = {}
    for case in CASES:
        by_kind.setdefault(case[1], []).append(case)
    chosen = []
    for kind in sorted(by_kind):
        chosen += rng.sample(by_kind[kind], min(per_kind, len(by_kind[kind])))
    band = [c for c in CASES if c[0].key.split(".")[-1] in AGE_BANDS]
    rule = [c for c in CASES if ".params." in c[0].key]
    nested = [c for c in CASES if c[0].key.startswith("population.age_bands.")]
    for pool in (band, rule, nested):
        kinds = sorted({c[1] for c in pool})
        for kind in kinds:
            chosen.append(rng.choice([c for c in pool if c[1] == kind]))
    seen, unique = set(), []
    for field, kind, value in chosen:
        if (field.key, kind) not in seen:
            seen.add((field.key, kind))
            unique.append((field, kind, value))
    return unique


SAMPLE = _sample(per_kind=3)


@pytest.mark.parametrize(
    ("field", "kind", "value"), SAMPLE, ids=[f"{f.key}={hydra_value(v)}" for f, _, v in SAMPLE]
)
def test_numeric_sample_is_rejected_through_the_api(field: NumericField, kind: str, value: Any) -> None:
    overrides = field_overrides(field, value)
    assert_rejected(rejection(lambda: load_and_check(overrides)), field.key, " ".join(overrides))


LONG_NAME = "a" * 200

# (override, the key the error must name)
OTHER_BAD = [
    # unknown keys at several depths
    ("foo=1", "foo"),
    ("+population.geography.areas.urban.radius=2", "population.geography.areas.urban.radius"),
    (
        "organisation.practice_types.solo.diary.gp_minute.phone=5",
        "organisation.practice_types.solo.diary.gp_minute",
    ),
    ("+services.hospital.ed.service.shape=2", "services.hospital.ed.service.shape"),
    ("++rules.care_seeking.params.seek_prob=0.9", "rules.care_seeking.params.seek_prob"),
    (
        "+organisation.practice_types.solo.hours.mnd={open:8,close:12}",
        "organisation.practice_types.solo.hours.mnd",
    ),
    # wrong types for bool, list, dict, dataclass and string fields
    ("output.csv=maybe", "output.csv"),
    ("services.hospital.ed.infinite=[true]", "services.hospital.ed.infinite"),
    (
        "organisation.practice_types.health_house.equipment=lab",
        "organisation.practice_types.health_house.equipment",
    ),
    ("demand.channel_mix=3", "demand.channel_mix"),
    ("population.conditions.copd=abc", "population.conditions.copd"),
    ("scenario.description={a:1}", "scenario.description"),
    # misspelt names of rules, choices, conditions and groups
    ("rules.triage.name=defualt", "rules.triage.name"),
    ("rules.escalation.name=acute-direct", "rules.escalation.name"),
    ("organisation.practice_types.solo.co_located=[pool]", "organisation.practice_types.solo.co_located"),
    ("demand.episode_groups.fracture.requires=osteoporsis", "demand.episode_groups.fracture.requires"),
    ("+demand.channel_mix.fax=0", "demand.channel_mix.fax"),
    ("scenario=healthhouses", "scenario"),
    # band dicts with an unknown band
    ("demand.contacts_per_year={0-64:5.98,65-79:10.6,80plus:16}", "demand.contacts_per_year"),
    ("services.hospital.readmission_30d={90+:0.2}", "services.hospital.readmission_30d"),
    # names that would become paths
    ("scenario.name=../x", "scenario.name"),
    ("experiment.name=/abs", "experiment.name"),
    ("scenario.name='${oc.env:HOME}'", "scenario.name"),
    ("scenario.name=${experiment.name}", "scenario.name"),
    (f"scenario.name={LONG_NAME}", "scenario.name"),
    # an endless horizon (once accepted by the field and then crashing the horizon check)
    ("years=inf", "years"),
]


@pytest.mark.parametrize(("bad", "key"), OTHER_BAD, ids=[b[:60] for b, _ in OTHER_BAD])
def test_other_bad_input_is_rejected_through_the_api(bad: str, key: str) -> None:
    assert_rejected(rejection(lambda: load_and_check([bad])), key, bad)


def _drop(data: dict, key: str, band: str) -> None:
    parts = key.split(".")
    for part in parts:
        data = data[part]
    del data[band]


def _edits() -> Iterator[tuple[str, Callable[[dict], None], str]]:
    """(description, edit of the default config as plain dicts, the key the error must name)."""
    yield (
        "a band missing",
        lambda d: _drop(d, "services.ooh.contacts_per_year", "80+"),
        "services.ooh.contacts_per_year",
    )
    yield (
        "an unknown band",
        lambda d: set_path(d, "services.hospital.los_days.90+", 6.0),
        "services.hospital.los_days",
    )
    for value in (math.nan, math.inf, -math.inf, True, None, "12", 1e300):
        yield (
            f"population.size={value!r}",
            lambda d, v=value: set_path(d, "population.size", v),
            "population.size",
        )
    for value in ("inf", "nan", None, [1.0], {"a": 1}):
        yield f"years={value!r}", lambda d, v=value: set_path(d, "years", v), "years"
    yield "a list for a dataclass", lambda d: set_path(d, "population.geography", []), "population.geography"
    yield "a number for a mapping", lambda d: set_path(d, "demand.channel_mix", 3), "demand.channel_mix"
    yield (
        "a string for a list",
        lambda d: set_path(d, "services.satellite.equipment", "lab"),
        "services.satellite.equipment",
    )
    yield (
        "an unknown nested key",
        lambda d: set_path(d, "population.geography.areas.urban.radius", 1.0),
        ("population.geography.areas.urban.radius"),
    )
    yield "1 for a bool", lambda d: set_path(d, "population.dynamics", 1), "population.dynamics"
    yield "a path as name", lambda d: set_path(d, "experiment.name", "../../etc"), "experiment.name"
    yield (
        "an interpolation as name",
        lambda d: set_path(d, "scenario.name", "${oc.env:HOME}"),
        "scenario.name",
    )
    yield (
        "a control of a misspelt condition",
        lambda d: set_path(d, "demand.controls.asthm", {"per_year": 1.0}),
        "demand.controls.asthm",
    )
    yield (
        "an episode group of a misspelt condition",
        lambda d: set_path(d, "demand.episode_groups.fracture.risk_ratios.osteoporsis", 2.0),
        "demand.episode_groups.fracture.risk_ratios.osteoporsis",
    )


EDITS = list(_edits())


@pytest.mark.parametrize(("what", "edit", "key"), EDITS, ids=[e[0] for e in EDITS])
def test_bad_plain_dicts_are_rejected_through_the_api(
    what: str, edit: Callable[[dict], None], key: str
) -> None:
    data = copy.deepcopy(DEFAULT_DATA)
    edit(data)
    assert_rejected(rejection(lambda: from_dict_and_check(data)), key, what)


# ------------------------------------------------------------------ random cases (hypothesis)
def _bad_value(field: NumericField) -> st.SearchStrategy:
    """Random values ``field`` must reject: non-finite, wrong types, and anything beyond a bound."""
    fixed = [math.nan, math.inf, -math.inf, "abc", None, True, [1], {"a": 1}]
    options = [st.sampled_from(fixed)]
    if field.kind is int:
        options.append(st.floats(-1e6, 1e6).filter(lambda x: not x.is_integer()))
    integer = field.kind is int
    low = just_outside(field.check, field.default, integer, -1)
    high = just_outside(field.check, field.default, integer, 1)
    if low is not None:
        options.append(
            st.integers(max_value=int(low)) if integer else st.floats(max_value=low, min_value=-1e12)
        )
    if high is not None:
        options.append(
            st.integers(min_value=int(high)) if integer else st.floats(min_value=high, max_value=1e12)
        )
    return st.one_of(options)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_bad_values_are_rejected_in_the_whole_config(data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(FIELDS), label="field")
    value = data.draw(_bad_value(field), label="value")
    exc = rejection(lambda: from_dict_and_check(with_value(field, value)))
    assert_rejected(exc, field.key, f"{field.key}={value!r}")


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES))
def test_random_bad_values_are_rejected_through_hydra(case: tuple[NumericField, str, Any]) -> None:
    field, _, value = case
    overrides = field_overrides(field, value)
    assert_rejected(rejection(lambda: load_and_check(overrides)), field.key, " ".join(overrides))


# ------------------------------------------------------------------ the command line
CLI = [
    ("population.size=nan", "population.size"),
    ("years=inf", "years"),
    ("demand.same_day_share=1.001", "demand.same_day_share"),
    ("services.hospital.readmission_30d={0-64:0.1,65-79:0.15,80+:abc}", "services.hospital.readmission_30d"),
    ("rules.triage.name=defualt", "rules.triage.name"),
    ("rules.escalation.name=acute-direct", "rules.escalation.name"),
    ("scenario.name=../x", "scenario.name"),
    ("scenario.name='${oc.env:HOME}'", "scenario.name"),
    (f"experiment.name={LONG_NAME}", "experiment.name"),
]


def test_cli_rejects_bad_configs_on_one_line(tmp_path: Path) -> None:
    """Each case: exit status 2, one non-empty line on stderr naming the key, no traceback, and
    no ``kpis.*`` anywhere. The processes run side by side (each takes seconds to start)."""

    def one(k: int, bad: str):
        out = tmp_path / f"case{k}"
        return out, run_cli(bad, f"hydra.run.dir={out / 'run'}", timeout=120)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(len(CLI)), [bad for bad, _ in CLI]))
    failures = []
    for (bad, key), (out, proc) in zip(CLI, results, strict=True):
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        problems = []
        if proc.returncode != 2:
            problems.append(f"exit status {proc.returncode}")
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr")
        if "Traceback" in proc.stderr:
            problems.append("a traceback")
        if lines and key not in lines[0]:
            problems.append(f"the key is not named ({lines[0][:120]!r})")
        if list(out.rglob("kpis.*")):
            problems.append("kpis written")
        if problems:
            failures.append(f"{bad[:80]}: {', '.join(problems)}")
    assert not failures, "\n".join(failures)

"""The mechanism register (issue 14 point 1): every link from organisation to outcome is a named
parameter of the configs with a value inside a plausible range, a shipped source or the label
'assumption', and a confidence; docs/mechanisms.md is generated from it; the sensitivity
analysis can set every parameter at the ends of its range."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import sim
from sim import mechanisms, sources
from sim.config import to_dict
from sim.mechanisms import Mechanism, RegisterError

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "sim" / "configs"
GROUPS = ("demand", "organisation", "population", "rules", "scenario", "services")  # composed into a run
REGISTER = mechanisms.load_register()
MODELLED = [m for m in REGISTER if m.modelled]
PATHS = [p for m in MODELLED for p in m.parameters]
SCENARIOS = sorted({m.scenario for m in MODELLED})


# ------------------------------------------------------------------ comments that flag a ranged assumption
KEY = re.compile(r"""^(\s*)(?:-\s+)?("[^"]+"|'[^']+'|[\w+\-]+)\s*:(?:\s|$)""")
ASSUMPTION = re.compile(r"(?i)\bassumption\b")
RANGE = re.compile(r"(?i)\b(range|sensitivity)\b|\bassumption,\s*\d")


def _comment_column(line: str) -> int | None:
    """Where the comment of a YAML line starts (a ``#`` outside quotes after a blank), or None."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return None


def ranged_assumptions(text: str, prefix: str = "") -> list[tuple[str, int]]:
    """(key path, first line) of every comment block of a YAML text that marks an assumption with a
    range. A block of full-line comments belongs to the next key; an inline comment, and the
    full-line comments right under it that start in its column, to the key on its line. Key paths
    follow the indentation; ``prefix`` is the package of the file (``services.``)."""
    found: list[tuple[str, int]] = []
    stack: list[tuple[int, str]] = []
    block: list[str] = []
    first = 0
    owner: str | None = None  # the key of a pending inline block
    column = -1

    def close(path: str) -> None:
        """Record the pending block under ``path`` when it flags a ranged assumption."""
        text = " ".join(block)
        if block and ASSUMPTION.search(text) and RANGE.search(text):
            found.append((path, first))
        block.clear()

    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        at = _comment_column(line)
        if line.lstrip().startswith("#"):
            if owner is not None and at == column:  # continues the inline comment above
                block.append(line[at:])
                continue
            if owner is not None:
                close(owner)
                owner = None
            if not block:
                first = number
            block.append(line.strip())
            continue
        m = KEY.match(line)
        if m is not None:
            indent = len(m.group(1))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, m.group(2).strip("\"'")))
        path = prefix + ".".join(k for _, k in stack)
        close(owner if owner is not None else path)
        owner = None
        if at is not None:
            block.append(line[at:])
            first, owner, column = number, path, at
    if block:
        close(owner or prefix.rstrip("."))
    return found


def config_assumptions() -> list[tuple[str, str]]:
    """(key path, file:line) of every ranged assumption flagged in the composed config groups."""
    out = []
    files = [CONFIGS / "config.yaml", *(p for g in GROUPS for p in sorted((CONFIGS / g).glob("*.yaml")))]
    for path in files:
        text = path.read_text(encoding="utf-8")
        group = path.parent.name if path.parent != CONFIGS else ""
        prefix = "" if "@package _global_" in text or not group else f"{group}."
        out += [(key, f"{path.relative_to(ROOT)}:{n}") for key, n in ranged_assumptions(text, prefix)]
    return out


def test_the_comment_scanner_maps_comments_to_key_paths() -> None:
    text = """\
a:
  # a leading block: ASSUMPTION
  # (range 1-2) for the next key
  b: 1
  c: 2   # assumption (range 0.4-0.8)
  d: 3   # an inline comment that goes on:
         # ASSUMPTION, sensitivity 0-1
  e: {x: 1}   # assumption with no bounds given
  f:
    g: 4  # assumption, 0.3-0.8
h: 5  # assumptions in that range (plural: not a flag)
"""
    assert ranged_assumptions(text, "p.") == [("p.a.b", 2), ("p.a.c", 5), ("p.a.d", 6), ("p.a.f.g", 10)]


def test_the_scanner_finds_the_flagged_assumptions_of_the_configs() -> None:
    keys = {key for key, _ in config_assumptions()}
    for expected in (
        "demand.chronic_care.hazard_coefficient",
        "demand.unmet_same_day_to_acute_share",
        "services.acute_function.treat_at_home",
        "services.hospital.readmission_30d",
        "population.mortality.improvement_per_year",
        "organisation.practice_types.solo.diary.same_day_share",
        "services.plugins.rehabilitation.params.share",
    ):
        assert expected in keys, f"the scanner missed {expected}: {sorted(keys)}"


def test_every_ranged_assumption_of_the_configs_is_in_the_register() -> None:
    missing = [
        f"{where}: {key}"
        for key, where in config_assumptions()
        if not any(p == key or p.startswith(key + ".") for p in PATHS)
    ]
    assert not missing, "ranged assumptions not in sim/data/mechanisms.yaml: " + "; ".join(missing)


# ------------------------------------------------------------------ the register
def test_the_register_loads() -> None:
    assert len(MODELLED) >= 80 and len(PATHS) >= 150
    assert {m.kind for m in MODELLED} == set(mechanisms.KINDS)
    names = {m.name for m in REGISTER if not m.modelled}
    assert {"distance_contact_decay", "home_treatment_later_admissions"} <= names
    # the out-of-hours referral propensity, attendance by distance and chronic care's
    # dose-response are modelled, not absent
    modelled = {p for m in MODELLED for p in m.parameters}
    expected = {
        "services.ooh.treat_factor",
        "services.outpatient.no_show_per_10km",
        "services.equipment_trip.no_show_per_10km",
        "demand.chronic_care.hazard_coefficient",
    }
    assert expected <= modelled
    assert not {"chronic_care_dose_response", "outpatient_missed_control"} & names


@pytest.mark.parametrize("entry", MODELLED, ids=lambda m: m.name)
def test_every_parameter_exists_and_lies_in_its_range(entry: Mechanism) -> None:
    assert entry.range is not None
    low, high = entry.range
    for path, value in mechanisms.value_of(entry).items():
        where = f"{entry.name}: {path} = {value!r} (scenario {entry.scenario})"
        if entry.scale == "value":
            assert isinstance(value, int | float) and not isinstance(value, bool), where
            assert low <= value <= high, f"{where} outside [{low}, {high}]"
        elif entry.scale == "multiplier":
            numbers = list(value.values()) if isinstance(value, dict) else [value]
            assert numbers and all(type(v) in (int, float) for v in numbers), where
        elif entry.scale == "switch":
            assert isinstance(value, bool), where
        else:
            assert value in entry.levels, f"{where} is not one of its levels {entry.levels}"


def test_a_parameter_that_does_not_exist_is_found_out() -> None:
    entry = Mechanism("x", "demand", "a -> b", "low", "n", ("demand.no_such_key",), source=("assumption",))
    with pytest.raises(KeyError):
        mechanisms.value_of(entry)


def test_every_source_resolves_and_every_evidence_section_exists() -> None:
    evidence = (sources.SOURCES_DIR / "evidence.md").read_text(encoding="utf-8")
    for m in REGISTER:
        assert m.source or m.evidence, m.name
        for key in m.source:
            assert key == "assumption" or sources.lookup(key) is not None, f"{m.name}: {key}"
        if m.evidence:
            section = m.evidence.rsplit(" ", 1)[1]
            assert f"\n## {section}. " in evidence, f"{m.name}: no {m.evidence}"


def _raw() -> dict[str, Any]:
    """A valid register entry as the YAML holds it (the register's first one)."""
    data = yaml.safe_load(mechanisms.REGISTER_FILE.read_text(encoding="utf-8"))
    return copy.deepcopy(data["mechanisms"][0])


BAD = {
    "unknown field": (lambda r: r.update(colour="red"), "colour"),
    "missing field": (lambda r: r.pop("note"), "note"),
    "bad confidence": (lambda r: r.update(confidence="medium"), "confidence"),
    "low above high": (lambda r: r.update(range=[2.0, 1.0]), "range"),
    "range of one number": (lambda r: r.update(range=[1.0]), "range"),
    "multiplier without 1": (lambda r: r.update(range=[1.1, 1.2]), "range"),
    "unknown source": (lambda r: r.update(source="no_such_figure_2019"), "source"),
    "assumption and a key": (lambda r: r.update(source=["assumption", "list_size_norm"]), "source"),
    "bad kind": (lambda r: r.update(kind="finance"), "kind"),
    "two-line link": (lambda r: r.update(link="a\nb"), "link"),
    "bad evidence": (lambda r: r.update(evidence="evidence.md s.3"), "evidence"),
    "absent with a parameter": (lambda r: r.update(status="absent"), "parameter"),
    "parameter and parameters": (lambda r: r.update(parameters=["demand.same_day_share"]), "parameters"),
    "no parameter": (lambda r: r.pop("parameter"), "parameter"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_entry_is_refused_naming_it_and_its_field(case: str) -> None:
    change, field = BAD[case]
    raw = _raw()
    change(raw)
    with pytest.raises(RegisterError) as err:
        mechanisms.parse_register({"mechanisms": [raw]})
    message = str(err.value)
    assert f"{raw.get('name')}.{field}:" in message and "\n" not in message, message


def test_a_name_or_a_parameter_twice_is_refused() -> None:
    raw = _raw()
    with pytest.raises(RegisterError, match=r"\.name: used twice"):
        mechanisms.parse_register({"mechanisms": [raw, raw]})
    other = {**raw, "name": "other", "parameter": "demand.contacts_per_year.80+"}
    with pytest.raises(RegisterError, match=r"other\.parameters: .* overlaps"):
        mechanisms.parse_register({"mechanisms": [raw, other]})


def test_the_docs_are_generated_from_the_register() -> None:
    page = (ROOT / "docs" / "mechanisms.md").read_text(encoding="utf-8")
    assert page == mechanisms.markdown(), (
        "docs/mechanisms.md is stale: .venv/bin/python -m sim.cli.mechanism_docs > docs/mechanisms.md"
    )
    assert "0-64: 0.1, 65-79: 0.16, 80+: 0.2" in page  # services.hospital.readmission_30d
    assert "## Links the evidence supports that the model does not have yet" in page


# ------------------------------------------------------------------ the sensitivity analysis can set them
def _check(config: sim.SimConfig) -> None:
    """Validate rule and plug-in parameters and feasibility as a run would (without warnings)."""
    from sim.runner import check

    check(config, warn=False)


def _same(got: Any, want: Any) -> bool:
    """Equal, numbers to rounding, dicts key by key."""
    if isinstance(want, dict):
        same_keys = isinstance(got, dict) and got.keys() == want.keys()
        return same_keys and all(_same(got[k], want[k]) for k in want)
    if isinstance(want, float) and not isinstance(got, bool):
        return isinstance(got, int | float) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    return got == want


def _load(scenario: str, given: list[str]) -> sim.SimConfig:
    """The config of ``scenario`` with the overrides ``given``, checked as a run checks it."""
    return sim.load_config([f"scenario={scenario}", *given], check=_check)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_entry_can_be_set_at_the_ends_and_middle_of_its_range(scenario: str) -> None:
    """All entries of a scenario at once (as a sensitivity sample sets them); on failure, each
    entry alone names the culprit."""
    entries = [m for m in MODELLED if m.scenario == scenario]
    for where in ("low", "middle", "high"):
        at = {m.name: {"low": m.range[0], "high": m.range[1]}.get(where, sum(m.range) / 2) for m in entries}
        try:
            config = _load(scenario, [o for m in entries for o in mechanisms.overrides(m, at[m.name])])
        except sim.ConfigError as exc:
            alone = []
            for m in entries:
                try:
                    _load(scenario, mechanisms.overrides(m, at[m.name]))
                except sim.ConfigError:
                    alone.append(m.name)
            pytest.fail(f"{scenario} at the {where} of every range: {exc}; failing alone: {alone}")
        data = to_dict(config)
        for m in entries:
            for path, want in mechanisms.point(m, at[m.name]).items():
                got = mechanisms.lookup(data, path)[0]
                assert _same(got, want), f"{m.name} at {where}: {path} is {got!r}, set {want!r}"

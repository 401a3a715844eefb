"""The docs hold: their code examples run as written, and they name only things that exist
(paths, config keys and files, KPIs, Python names and commands; issue 16 point 10)."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import importlib
import importlib.util
import io
import re
import shlex
import shutil
import sys
import types
from pathlib import Path

import pytest
import yaml
from omegaconf import DictConfig, OmegaConf

import sim
from sim.config import config_dir, from_dict

ROOT = Path(__file__).parents[2]


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def _exec_as_module(code: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(code, name, "exec"), module.__dict__)
    return module


def test_readme_python_example_runs(monkeypatch) -> None:
    (block,) = _python_blocks(ROOT / "README.md")
    block = block.replace('"population.size=5000", "years=0.5"', '"population.size=1000", "years=0.05"')
    module = _exec_as_module(block, "readme_example")
    assert len(module.results.kpis) > 0


def test_rules_doc_example_registers_and_runs() -> None:
    (block,) = _python_blocks(ROOT / "docs" / "rules.md")
    _exec_as_module(block, "sim.rules.docs_example_delay")
    base = sim.load_config(["population.size=2000", "years=0.1"])
    config = sim.load_config(
        [
            "population.size=2000",
            "years=0.1",
            "rules.care_seeking.name=oldest_delay",
            "+rules.care_seeking.params.delay_share=1.0",
            "services.hospital.gp_followup_share={0-64:0,65-79:0,80+:0}",  # asked for by the hospital
        ]
    )
    kpis = sim.run(config).kpis
    row = kpis[(kpis.metric == "gp_contacts_per_person_year") & (kpis.group == "80+")]
    assert float(row.value.iloc[0]) == 0.0
    base_kpis = sim.run(base).kpis
    base_row = base_kpis[(base_kpis.metric == "gp_contacts_per_person_year") & (base_kpis.group == "80+")]
    assert float(base_row.value.iloc[0]) > 5


def test_statistics_doc_example_gives_kpis_by_year() -> None:
    (block,) = [b for b in _python_blocks(ROOT / "docs" / "statistics.md") if "by_year" in b]
    block = block.replace('"population.size=5000", "years=2"', '"population.size=1500", "years=2"')
    module = _exec_as_module(block, "statistics_example")
    assert set(module.by_year["year"]) == {1, 2}


def test_extending_doc_example_adds_a_service_without_touching_the_core() -> None:
    """docs/extending.md: a plug-in service defined in a notebook runs from one config block."""
    from sim.metrics import registry
    from sim.services import base

    (block,) = [b for b in _python_blocks(ROOT / "docs" / "extending.md") if "phone_call" in b]
    block = block.replace('"population.size=5000", "years=0.5"', '"population.size=2000", "years=0.1"')
    try:
        module = _exec_as_module(block, "extending_example")
        assert module.calls > 0  # every discharge got its call and the KPI row was written
        with pytest.raises(sim.ConfigError, match=r"services\.plugins\.phone_call\.params\.ration"):
            sim.runner.check(sim.load_config(["+services.plugins={phone_call:{params:{ration:0.5}}}"]))
    finally:  # leave the registries as the package defines them
        base.PLUGINS.pop("phone_call", None)
        registry.KPIS.pop("phone_calls", None)
        registry.OWNERS.pop("phone_call", None)


def test_extending_doc_example_adds_a_need_type_without_code(tmp_path) -> None:
    """docs/extending.md: a new episode group from config alone gets its episodes and its KPI row;
    its YAML form, saved as a scenario file, composes into the same group."""
    doc = (ROOT / "docs" / "extending.md").read_text()
    (block,) = [b for b in _python_blocks(ROOT / "docs" / "extending.md") if "EpisodeGroupConfig" in b]
    block = block.replace('"population.size=5000", "years=0.5"', '"population.size=4000", "years=0.3"')
    module = _exec_as_module(block, "extending_need_example")
    assert len(module.falls_row) == 1 and float(module.falls_row.value.iloc[0]) >= 0.0
    (yaml_block,) = re.findall(r"```yaml\n(# @package _global_\ndemand:.*?)```", doc, flags=re.S)
    configs = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", configs)
    (configs / "scenario" / "falls.yaml").write_text(yaml_block)
    composed = sim.load_config(["scenario=falls"], config_dir=str(configs))
    assert composed.demand.episode_groups["fall_no_fracture"] == module.falls


def test_acute_doc_example_escalation_rule_registers_and_runs() -> None:
    """docs/acute.md: the night-time rule sends frail patients' night episodes to the acute team."""
    (block,) = [b for b in _python_blocks(ROOT / "docs" / "acute.md") if "NightFrailToTeam" in b]
    _exec_as_module(block, "sim.rules.docs_example_night")
    from sim.model import SimModel

    rule = "rules.escalation.name=night_frail_to_team"
    config = sim.load_config(["population.size=8000", "years=0.3", "scenario=acute_function", rule])
    model = SimModel(config, 0)
    model.run()
    ep = model.recorder.episode_table()
    hour = ep["onset"] % 1440 / 60
    night = (hour >= 23) | (hour < 7)
    to_team = ep["route"] == "acute"
    assert to_team.any() and night[to_team].all()  # the team is reached directly only at night


def test_statistics_doc_warmup_example_runs() -> None:
    """docs/statistics.md: the warm-up helpers on a synthetic filling queue, as written."""
    (block,) = [b for b in _python_blocks(ROOT / "docs" / "statistics.md") if "mser5" in b]
    module = _exec_as_module(block, "statistics_warmup_example")
    assert module.smooth.shape[-1] <= 365 and len(module.kpi) == 5


# ---------------------------------------------------------------------------------------------
# The docs name only things that exist (issue 16 point 10). In README.md, docs/*.md and
# experiments/*/README.md:
#   (a) every repository path (backticked, in a fenced block, or a link's target) exists, and a
#       source file named alone (`ooh.py`) exists somewhere under the top-level folders;
#   (b) so does every configs/<group>/<name>.yaml, and every group choice (scenario=...) composes;
#   (c) every backticked name that looks like a KPI is registered (or is a daily series or config key);
#   (d) every `sim`, `make` and `python -m` command of a fenced block, and every backticked `sim`
#       command or KEY=VALUE override of the prose, parses: subcommand options against the
#       subcommand's argparse parser, overrides by composing the config;
#   (e) every backticked `sim.x.y` imports, and every dotted config key from the top is in a config.
# ---------------------------------------------------------------------------------------------

# docs/design.md is the project's design brief as it was given (a shipped copy, not edited here):
# it describes the plan, not the code, so its names are not checked.
DOCS = sorted(
    {ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *ROOT.glob("experiments/*/README.md")}
    - {ROOT / "docs" / "design.md"}
)
# top-level folders whose paths a doc may name (results/ is generated, so not checked)
TOP = ("sim", "configs", "docs", "experiments", "tests", "hydra_plugins", ".ci", "mk")
# The allowlist: things named on purpose that do not exist. Keep it tiny. (The rules and plug-in
# services a doc's own Python example defines count as known in that doc: Doc.defined.)
ALLOWED_MISSING = {
    "configs/scenario/mine.yaml",  # README.md: the user's own (bad) scenario of the error example
    "sim/rules/my_delay.py",  # docs/rules.md: where its example tells the reader to save a new rule
}
ALLOWED_CONFIG_DIRS = {"my_configs"}  # README.md: "your scenarios in your own folder" (--config-dir)
CONFIG_GROUPS = frozenset(p.name for p in Path(config_dir()).iterdir() if p.is_dir()) - {"hydra"}
SUBCOMMANDS = {"collate": "collate_cmd", "report": "report_cmd", "check-calibration": "calibration_cmd",
               "warmup": "warmup_cmd", "sensitivity": "sensitivity_cmd"}  # fmt: skip
FILES = r"\.(log|py|md|sh|yaml|csv|json|txt|png|html|parquet)$"


@dataclasses.dataclass(frozen=True)
class Doc:
    """A doc's backticked spans and links of its prose (fenced blocks removed) and fenced blocks."""

    path: Path
    spans: tuple[str, ...]
    links: tuple[str, ...]
    blocks: tuple[tuple[str, str], ...]  # (language, text)

    @property
    def defined(self) -> frozenset[str]:
        """The rules and plug-in services the doc's own Python examples define (``name = "..."``)."""
        code = "".join(text for lang, text in self.blocks if lang == "python")
        return frozenset(re.findall(r'(?m)^ +name = "(\w+)"', code))


def read_doc(path: Path, text: str | None = None) -> Doc:
    text = path.read_text() if text is None else text
    blocks = tuple(re.findall(r"(?ms)^ *```(\w*)\n(.*?)^ *```", text))
    prose = re.sub(r"(?ms)^ *```.*?^ *```", "", text)
    spans = tuple(re.findall(r"`([^`\n]+)`", prose))
    links = tuple(re.findall(r"\]\(([^)\s]+)\)", prose))
    return Doc(path, spans, links, blocks)


# --- what exists -------------------------------------------------------------------------------


@functools.cache
def base_config(groups: tuple[str, ...]) -> DictConfig:
    """Hydra's composition of ``configs/`` with the config-group overrides ``groups``, without
    Hydra's own settings (cached: composing takes about half a second)."""
    from omegaconf import open_dict

    from sim.compose import _compose

    cfg = _compose(list(groups), config_dir())
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


@functools.cache
def top_keys() -> frozenset[str]:
    """The top-level keys of the config and its groups (``population``, ``replications``, ...)."""
    return frozenset(OmegaConf.to_container(base_config(()), resolve=False)) | CONFIG_GROUPS


@functools.cache
def config_paths() -> frozenset[str]:
    """Every dotted key of the default config and of every file in ``configs/`` (the keys a
    scenario adds to a dict too), and the parameters of every rule (``rules.<family>.params.<p>``)
    and plug-in service (``services.plugins.<name>.params.<p>``)."""
    from sim.rules import base as rules
    from sim.services import base as services

    paths: set[str] = set()

    def walk(node: object, prefix: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                paths.add(f"{prefix}{k}")
                walk(v, f"{prefix}{k}.")

    walk(OmegaConf.to_container(base_config(()), resolve=False))
    for path in Path(config_dir()).rglob("*.yaml"):
        group = path.parent.relative_to(config_dir()).parts
        if group[:1] == ("hydra",):
            continue
        text = path.read_text()
        data = {k: v for k, v in (yaml.safe_load(text) or {}).items() if k not in ("defaults", "hydra")}
        walk(data, "" if "@package _global_" in text or not group else ".".join(group) + ".")
    rules.discover()
    services.discover()
    for family, classes in rules.REGISTRY.items():
        paths.update(f"rules.{family}.params.{p}" for cls in classes.values() for p in _params(cls))
    for name, cls in services.PLUGINS.items():
        paths.update(f"services.plugins.{name}.params.{p}" for p in _params(cls))
    return frozenset(paths)


def _params(cls: type) -> list[str]:
    params = getattr(cls, "Params", None)
    return [f.name for f in dataclasses.fields(params)] if dataclasses.is_dataclass(params) else []


@functools.cache
def kpi_names() -> frozenset[str]:
    """The registered KPIs, the plug-in services' too."""
    from sim.metrics import registry

    registry.discover_plugins()
    return frozenset(registry.KPIS)


@functools.cache
def series_names() -> frozenset[str]:
    """The daily series of ``timeseries.parquet``: Mesa's collected model variables
    (``"name|group"`` in sim/model.py) and the series sim/metrics/timeseries.py yields."""
    model = (ROOT / "sim" / "model.py").read_text()
    series = (ROOT / "sim" / "metrics" / "timeseries.py").read_text()
    names = re.findall(r'"(\w+)\|[\w+-]+"', model) + re.findall(r'yield [^,\n]+, "(\w+)"', series)
    assert "beds_occupied" in names and "routine_wait_days_mean" in names, names  # the parsing works
    return frozenset(names)


@functools.cache
def code_strings() -> frozenset[str]:
    """The dotted string literals of sim/ (random streams such as ``demand.ooh`` are named so)."""
    pattern = re.compile(r'"(\w+(?:\.\w+)+)"')
    return frozenset(s for f in (ROOT / "sim").rglob("*.py") for s in pattern.findall(f.read_text()))


@functools.cache
def data_names() -> frozenset[str]:
    """The keys and name-like values of the package data (``sim/data/**/*.yaml``): figures of the
    sources database, named mechanisms and the like."""
    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            names.update(map(str, node))
            node = list(node.values())
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str) and re.fullmatch(r"\w+", node):
            names.add(node)

    for path in (ROOT / "sim" / "data").rglob("*.yaml"):
        walk(yaml.safe_load(path.read_text()))
    return frozenset(names)


@functools.cache
def file_names() -> frozenset[str]:
    """The names of the files under the top-level folders (for a file named alone: `ooh.py`)."""
    return frozenset(p.name for top in TOP if (ROOT / top).is_dir() for p in (ROOT / top).rglob("*"))


@functools.cache
def make_targets() -> frozenset[str]:
    """The targets of the Makefile and of the files it includes."""
    text = (ROOT / "Makefile").read_text()
    for include in re.findall(r"(?m)^-?include +(.+)$", text):
        text += "".join(p.read_text() for name in include.split() for p in ROOT.glob(name))
    return frozenset(re.findall(r"(?m)^([\w-]+):", text))


# --- (a, b) repository paths ---------------------------------------------------------------------

_PATH = re.compile(rf"(?<![\w./~$-])((?:{'|'.join(re.escape(t) for t in TOP)})/[^\s`'\"(),;\]]*)")


def path_problem(path: str) -> str | None:
    """Why ``path`` (relative to the repository) does not exist, or None. A placeholder
    (``<study>``, ``{...}``, ``$X``) or a ``...`` needs the folder before it; a glob a match."""
    path = path.rstrip(".:")
    if path in ALLOWED_MISSING:
        return None
    cut = re.search(r"<|\{|\$|\.\.\.", path)
    if cut:
        folder = path[: cut.start()].rsplit("/", 1)[0]
        return None if (ROOT / folder).is_dir() else f"{path}: no folder {folder}/"
    if "*" in path:
        return None if list(ROOT.glob(path)) else f"{path}: matches nothing"
    return None if (ROOT / path).exists() else f"{path}: does not exist"


def path_problems(doc: Doc) -> list[str]:
    """Paths from the top of the repository (backticked, in fenced blocks) and links (relative to
    the doc) that do not exist, and source files named alone (`ooh.py`, `cases.md`) that exist
    nowhere under the top-level folders."""
    texts = [*doc.spans, *(text for _, text in doc.blocks)]
    found = [m.group(1) for t in texts for m in _PATH.finditer(t)]
    out = [p for p in map(path_problem, dict.fromkeys(found)) if p]
    for span in dict.fromkeys(doc.spans):
        if re.fullmatch(r"[\w.-]+\.(py|md|sh)", span) and span not in file_names():
            out.append(f"`{span}`: no such file in {', '.join(t + '/' for t in TOP)}")
    for link in dict.fromkeys(doc.links):
        target = link.split("#", 1)[0]
        if not target or re.match(r"[a-z]+:", target):  # an anchor, http:, mailto:
            continue
        resolved = (doc.path.parent / target).resolve()
        if not resolved.is_relative_to(ROOT / "results") and not resolved.exists():
            out.append(f"link ({link}): {resolved.relative_to(ROOT, walk_up=True)} does not exist")
    return out


# --- (c) KPI names -----------------------------------------------------------------------------

# a KPI's name ends in its unit or statistic: rates per 1,000 or per person, means, shares, p90
_KPI_LIKE = re.compile(
    r"_per_1000(_65plus|_chronic)?$|_per_(person_year|capita|year|gp_fte_day|week)$|_65plus$"
    r"|_(minutes|days|hours|km)_(mean|p\d\d)$|_p\d\d$|_ratio$|_share$|_utilisation$|^utilisation$"
)


def kpi_problems(doc: Doc) -> list[str]:
    """Backticked names (``metric``, ``metric:group``, ``metric[group]``) that look like a KPI
    but are neither registered nor a daily series, a config key (``severe_share``) or a name in
    the package data."""
    keys = {p.rsplit(".", 1)[-1] for p in config_paths()} | data_names()
    out = []
    for span in dict.fromkeys(doc.spans):
        m = re.fullmatch(r"([a-z][a-z0-9_]*[a-z0-9])(?::[\w+:-]+|\[[^\]]+\])?", span)
        name = m.group(1) if m else ""
        if _KPI_LIKE.search(name) and name not in kpi_names() | series_names() | keys:
            out.append(f"`{span}`: no KPI {name} in sim/metrics/registry.py (nor a series, key or data)")
    return out


# --- (d) command lines and overrides -------------------------------------------------------------


def config_problem(overrides: list[str], defined: frozenset[str] = frozenset()) -> sim.ConfigError | None:
    """Why ``overrides`` (``KEY=VALUE`` as for ``sim``) do not make a valid config, or None.

    As ``sim.load_config(overrides, check=sim.runner.check)`` does, faster: the config-group
    choices (``scenario=...``) are composed by Hydra once per set of choices, and the value
    overrides applied to a copy the way Hydra applies them (its own ``_apply_overrides_to_config``);
    then the dataclasses validate it and ``check`` the rule names and parameters (a rule or
    plug-in in ``defined`` counts as known). A sweep's comma list or range gives its first
    value, an interval its lower end. ``test_config_problem_agrees_with_load_config`` checks that
    this and ``sim.load_config`` agree. Other names of a place (``place=Læsø``, ``place=825``)
    become its key first, as ``sim`` does (``sim.compose.place_overrides``)."""
    from sim.compose import place_overrides

    return _config_problem(tuple(place_overrides(overrides)), defined)


@functools.cache
def _config_problem(overrides: tuple[str, ...], defined: frozenset[str]) -> sim.ConfigError | None:
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.compose import composition_error
    from sim.runner import check

    parser = OverridesParser.create()
    groups, values = [], []
    try:
        for ov in overrides:
            (parsed,) = parser.parse_overrides([ov])
            if parsed.is_sweep_override():  # a sweep runs each value: take the first
                sweep = parsed.value()
                first = sweep.start if hasattr(sweep, "start") else next(parsed.sweep_string_iterator())
                (parsed,) = parser.parse_overrides([f"{parsed.get_key_element()}={first}"])
            if parsed.key_or_group in CONFIG_GROUPS:
                groups.append(parsed.input_line)
            else:
                values.append(parsed)
        cfg = base_config(tuple(sorted(groups)))
        if values:
            cfg = copy.deepcopy(cfg)
            ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        data = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
        for name in defined:
            data["services"]["plugins"].pop(name, None)
        for family, rule in data["rules"].items():
            if rule["name"] in defined:
                data["rules"][family] = {"name": "default", "params": {}}
        config = from_dict(data)
        check(config, warn=False)
    except sim.ConfigError as exc:
        return exc
    except Exception as exc:
        return composition_error(exc, list(overrides), config_dir())
    for key, spec in [("objective", config.objective), ("constraint.kpi", config.constraint.kpi)]:
        if spec and spec.split(":")[0] not in kpi_names():
            return sim.ConfigError(key, f"no KPI {spec.split(':')[0]} in sim/metrics/registry.py")
    return None


def _is_placeholder(word: str) -> bool:
    """``<study>``, ``...``, or a value in capitals (``N``, ``DIR``, ``KEY=VALUE``)."""
    value = word.split("=", 1)[-1]
    return "<" in word or "..." in word or bool(re.fullmatch(r"[A-Z][A-Z_]*", value))


def _is_hydra(override: str) -> bool:
    return override.lstrip("+~").startswith("hydra")


def sim_problem(args: list[str], defined: frozenset[str] = frozenset()) -> str | None:
    """Why ``sim ARGS`` would not parse, or None: a subcommand's options against its argparse
    parser, Hydra's options against Hydra's parser, then the config overrides."""
    if args and args[0] in SUBCOMMANDS:
        parser = importlib.import_module(f"sim.cli.{SUBCOMMANDS[args[0]]}").build_parser()
        rest = args[1:]
        if rest and all(a.startswith("-") for a in rest):  # options named in prose: `sim collate --out`
            unknown = [a for a in rest if a not in parser._option_string_actions]
            return f"unknown options {unknown}" if unknown else None
        overrides = [a for a in rest if "=" in a and not a.startswith("-")]
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                if args[0] in ("warmup", "sensitivity"):  # as their main: options and overrides in any order
                    parsed, unknown = parser.parse_known_intermixed_args(rest)
                else:  # as check-calibration's main: the overrides taken out first
                    parsed, unknown = parser.parse_known_args([a for a in rest if a not in overrides])
        except SystemExit:
            return err.getvalue().strip().splitlines()[-1]
        if unknown:
            return f"unknown options {unknown}"
        for spec in getattr(parsed, "kpi", None) or []:
            if spec.split(":")[0] not in kpi_names():
                return f"--kpi {spec}: no such KPI"
        for spec in getattr(parsed, "metric", None) or []:
            if spec.split(":")[0] not in series_names():
                return f"--metric {spec}: no such daily series"
    else:
        from hydra._internal.utils import get_args_parser

        parsed, unknown = get_args_parser().parse_known_args(args)
        if unknown:
            return f"unknown options {unknown}"
        if parsed.config_dir in ALLOWED_CONFIG_DIRS:
            return None  # the user's own folder of the example: nothing to compose
        if parsed.config_dir:
            return f"--config-dir {parsed.config_dir}: not an example folder of ALLOWED_CONFIG_DIRS"
        overrides = parsed.overrides
    overrides = [o for o in overrides if not _is_hydra(o) and not _is_placeholder(o)]
    problem = config_problem(overrides, defined)
    return str(problem) if problem else None


def make_problem(args: list[str]) -> str | None:
    """Why ``make ARGS`` would not run as the doc says: no such target, no such experiment
    (``STUDY=``), overrides (``SWEEP_ARGS=``) that do not parse."""
    variables = dict(a.split("=", 1) for a in args if "=" in a)
    for target in (a for a in args if "=" not in a and not a.startswith("-")):
        if target not in make_targets():
            return f"no make target {target!r}"
    study = variables.get("STUDY")
    if study is not None and not (ROOT / "configs" / "experiment" / f"{study}.yaml").exists():
        return f"STUDY={study}: no configs/experiment/{study}.yaml"
    if "SWEEP_ARGS" in variables:
        return sim_problem(["-m", *shlex.split(variables["SWEEP_ARGS"])])
    return None


def command_lines(doc: Doc) -> list[str]:
    """The commands of a doc: every line of its fenced shell blocks (continuations joined;
    transcripts, lines starting with ``$``, are not commands), and every backticked span of its
    prose that is a ``sim`` command with no placeholder (``sim warmup --replications N`` is not)."""
    lines = []
    for lang, text in doc.blocks:
        if lang in ("", "bash", "sh", "shell", "console"):
            lines += [line.strip() for line in text.replace("\\\n", " ").splitlines()]
    for span in doc.spans:
        words = span.split()
        if not re.fullmatch(r"(\S*/bin/)?sim", words[0]) or any(map(_is_placeholder, words)):
            continue
        if len(words) > 2 or (len(words) == 2 and words[1] not in SUBCOMMANDS and words[1][0] != "-"):
            lines.append(span)
    return lines


def command_problems(doc: Doc) -> list[str]:
    """``sim``, ``make`` and ``python -m`` commands that would not parse."""
    out = []
    for line in dict.fromkeys(command_lines(doc)):
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue  # not shell (a table, output)
        parts: list[list[str]] = [[]]
        for w in words:  # commands joined by && || ; |
            if w in ("&&", "||", ";", "|"):
                parts.append([])
            else:
                parts[-1].append(w)
        for part in filter(None, parts):
            problem = None
            if part[0] == "sim" or part[0].endswith("/bin/sim"):
                problem = sim_problem(part[1:], doc.defined)
            elif part[0] == "make":
                problem = make_problem(part[1:])
            elif part[0].endswith("/bin/python") and part[1:2] == ["-m"]:
                problem = None if importlib.util.find_spec(part[2]) else f"no module {part[2]}"
            if problem:
                out.append(f"{' '.join(part)}\n      {problem}")
    return out


def override_problems(doc: Doc) -> list[str]:
    """Backticked ``KEY=VALUE`` overrides in the prose, whose key starts at the top of the config
    (``population.dynamics=false``; not ``ed.infinite=true``, a key within its section), with a
    wrong key or value. Each is composed alone, so an error about another key (a ``constraint.max``
    needs a ``constraint.kpi``) is the context's, not the doc's."""
    from sim.config.sources import override_key

    out = []
    for span in dict.fromkeys(doc.spans):
        words = span.split()
        if not all(re.fullmatch(r"[+~]*[a-z_][\w.]*=\S*", w) for w in words):
            continue
        for word in words:
            key = override_key(word)
            if key.split(".")[0] not in top_keys() or _is_hydra(word) or _is_placeholder(word):
                continue
            err = config_problem([word], doc.defined)
            if err is not None and (not err.key or key.startswith(err.key) or err.key.startswith(key)):
                out.append(f"`{word}`\n      {err}")
    return out


# --- (e) Python names and config keys -----------------------------------------------------------


def python_name_problem(name: str) -> str | None:
    """Why ``sim.a.b`` (a module, or a name in one) does not exist, or None."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            if not hasattr(obj, attr):
                return f"`{name}`: {'.'.join(parts[:k])} has no {attr}"
            obj = getattr(obj, attr)
        return None
    return f"`{name}`: no such module"


def name_problems(doc: Doc) -> list[str]:
    """Backticked ``sim.x.y`` that do not import, and dotted config keys from the top of the config
    (``services.ooh.enabled``; ``*`` and ``<...>`` stand for any key) that no config has, unless
    sim's code names them (a random stream such as ``demand.ooh``)."""
    out = []
    for span in dict.fromkeys(doc.spans):
        if re.search(FILES, span):
            continue  # a file: sim.log, replications.csv
        if m := re.fullmatch(r"(sim(?:\.\w+)+)(\(.*\))?", span):
            out += filter(None, [python_name_problem(m.group(1))])
        elif re.fullmatch(r"[a-z_]+(\.(\w+|\*|<[^>]+>))+", span) and span.split(".")[0] in top_keys():
            parts = [r"[^.]+" if p == "*" or p.startswith("<") else re.escape(p) for p in span.split(".")]
            pattern = re.compile(r"\.".join(parts))
            if span not in code_strings() and not any(map(pattern.fullmatch, config_paths())):
                out.append(f"`{span}`: no such config key")
    return out


def doc_problems(doc: Doc) -> list[str]:
    return [*path_problems(doc), *kpi_problems(doc), *command_problems(doc), *override_problems(doc),
            *name_problems(doc)]  # fmt: skip


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_name_only_things_that_exist(path: Path) -> None:
    """Every path, config file, KPI, name and command a doc names exists and parses."""
    problems = doc_problems(read_doc(path))
    assert not problems, f"{path.relative_to(ROOT)}:\n  - " + "\n  - ".join(problems)


BAD_DOC = """
Stale names: `sim/services/nowhere.py`, `configs/scenario/nowhere.yaml`, [a link](nowhere/README.md),
`nowhere_helper.py`, the KPIs `avoidable_admissions_per_1000` and `routine_wait_days_p50:all`,
`sim.metrics.nowhere`, `services.acute_function.nursez`, the override `population.sizes=5` and the
option `sim check-calibration --override`.

```bash
sim scenario=nowhere
sim -m services.acute_function.shifts.day.nursez=1,2 replications=3
.venv/bin/sim report results/x --format pdf
.venv/bin/sim check-calibration --size 20000
sim warmup --kpi nowhere_kpi:all
make study STUDY=nowhere
make nowhere
```

Fine as they are: `ed.infinite=true` (a key within its section), `constraint.max=60` (needs its
context), `configs/experiment/<name>.yaml`, `results/mine/report.html`, `utilisation:gp`,
`beds_occupied:all`, `demand.ooh` (a random stream), `rules.escalation.params.home_care_share`,
`sim.world.World`, [the report](report.md), `sim.log`, `sim collate`, `sim collate --baseline`.

```bash
sim -m scenario=baseline,health_houses replications=5 hydra/launcher=local  # a sweep
.venv/bin/sim -m hydra/sweeper=optuna services.acute_function.speed_kmh=interval(30.0,60.0) \\
    services.acute_function.shifts.day.nurses=range(1,4) objective=acute_team_response_minutes_p90
sim +services.acute_function.treat_at_home.fracture=0.1
sim 'demand.contacts_per_year={0-64:5.9,65-79:10.5,80+:16}' population.size=2000
sim warmup population.size=20000 --metric beds_occupied:all --replications 5
sim check-calibration --scope demography contacts population.size=20000 --replications 5
sim collate results/multirun/compare_organisation/latest && sim report results/compare_organisation/latest
make study STUDY=acute_team_size SWEEP_ARGS="replications=3 population.size=20000"
```
"""


def test_the_checks_find_what_does_not_exist() -> None:
    """The doc checks can fail: each stale name of a made-up doc is reported once, nothing else."""
    problems = doc_problems(read_doc(ROOT / "docs" / "made_up.md", BAD_DOC))
    expected = [
        "sim/services/nowhere.py", "configs/scenario/nowhere.yaml", "nowhere/README.md", "nowhere_helper.py",
        "avoidable_admissions_per_1000", "routine_wait_days_p50", "sim.metrics.nowhere",
        "services.acute_function.nursez", "population.sizes", "scenario=nowhere", "nursez=1,2",
        "--format", "--size", "nowhere_kpi", "STUDY=nowhere", "make nowhere", "--override",
    ]  # fmt: skip
    for word in expected:
        assert any(word in p for p in problems), (word, problems)
    assert len(problems) == len(expected), "\n".join(problems)


@pytest.mark.parametrize(
    "overrides",
    [
        ["scenario=acute_function", "services.hospital.beds=30", "population.size=2000"],
        ["services.acute_function.treat_at_home.fracture=0.1"],  # a new dict key needs +
        ["+services.acute_function.treat_at_home.fracture=0.1"],
        ["rules.escalation.name=nowhere"],
        ["population.size=-5", "scenario=health_houses"],
    ],
)
def test_config_problem_agrees_with_load_config(overrides: list[str]) -> None:
    """The fast composition of the doc checks accepts and refuses what ``sim.load_config`` does,
    naming the same key."""
    from sim.runner import check

    try:
        sim.load_config(overrides, check=lambda c: check(c, warn=False))
        expected = None
    except sim.ConfigError as exc:
        expected = exc.key
    problem = config_problem(overrides)
    assert (problem.key if problem else None) == expected, problem

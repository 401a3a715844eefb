"""The one-way flow of modules: config → population → demand → services → metrics → report.

The import graph of ``sim/`` is read with :mod:`ast` (nothing is imported): every ``import``
and ``from ... import`` counts, at module level and inside functions alike; imports under
``if TYPE_CHECKING:`` are kept apart (they cost nothing at run time, but still tie a module to
the one it names). ``from package import name`` counts as importing ``package.name`` when that
is a module, else ``package``. Python also runs a package's ``__init__`` when one of its
modules is imported; those implicit edges are not counted (every module would then depend on
``sim/__init__``, the public API at the top).

Layers (a module may import its own layer and those below; more specific entries win):

====  ============================================  ==================================================
  0   ``sim.config``, ``sim.calendar``, ``sim.rng``, parameters, time, random numbers, the heap
      ``sim.memory``
  1   ``sim.population``                              people, homes, travel (``population.geography``)
  2   ``sim.demand``                                  needs, requests, episodes and their named draws
  3   ``sim.world`` and the state it names:           what a rule or service may read and use: the
      ``sim.services.base``, ``.practice``,           ``World`` protocol, the ``Service`` base class,
      ``.diary``, ``.episode``, ``.followups``,       practices, diaries, an episode's state, the
      ``.satellite``, ``.lists``, ``.sites``,         follow-ups asked for, outpatient visits, patient
      ``sim.metrics.records``,                        lists; the records services write; the KPI
      ``sim.metrics.registry``, ``.rates``            registry and rate denominators
  4   ``sim.rules``                                   pluggable decisions, consulted by the services
  5   ``sim.services``                                providers: the acute pathway, the staffing they
                                                      apply
  6   ``sim.model``, ``sim.acute_links``,             the simulation that runs the services (a
      ``sim.practice_day``                            ``World``)
  7   ``sim.metrics``                                 KPIs computed from the records after a run
  8   ``sim.runner``, ``sim.output``                  run replications, write the tables
  9   ``sim.report``, ``sim.calibration``,            reports and calibration over runs; composition
      ``sim.compose``                                 of ``configs/`` with Hydra (``sim.load_config``)
 10   ``sim`` (``sim/__init__.py``)                   the public Python API
 11   ``sim.cli``, ``sim.__main__``                   the command line, at the edge
====  ============================================  ==================================================

Besides the layers: the metrics (and what is above them) read what happened, not how a
pluggable rule decided, so they import no ``sim.rules`` module; ``sim.config`` imports nothing
of ``sim.cli`` nor of the composition; Hydra is imported only by ``sim.compose`` and
``sim.cli``, and importing ``sim.config`` does not import it.

The allowlists below name the known exceptions, each with its reason; they may only shrink:
a test fails when an allowlisted import no longer exists, so that its entry is removed.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "sim"

LAYERS = {
    "sim.config": 0,
    "sim.calendar": 0,
    "sim.rng": 0,
    "sim.memory": 0,
    "sim.population": 1,
    "sim.demand": 2,
    "sim.world": 3,
    "sim.services.base": 3,
    "sim.services.practice": 3,
    "sim.services.diary": 3,
    "sim.services.episode": 3,
    "sim.services.followups": 3,
    "sim.services.satellite": 3,
    "sim.services.lists": 3,
    "sim.services.sites": 3,
    "sim.metrics.records": 3,
    "sim.metrics.registry": 3,
    "sim.metrics.rates": 3,
    "sim.rules": 4,
    "sim.services": 5,
    "sim.model": 6,
    "sim.acute_links": 6,
    "sim.practice_day": 6,
    "sim.metrics": 7,
    "sim.runner": 8,
    "sim.output": 8,
    "sim.report": 9,
    "sim.calibration": 9,
    "sim.compose": 9,
    "sim": 10,
    "sim.cli": 11,
    "sim.__main__": 11,
}

# (importer, imported): known run-time imports against the flow, each with its reason (none left)
RUNTIME_ALLOWED: dict[tuple[str, str], str] = {}

# (importer, imported): known imports against the flow under ``if TYPE_CHECKING:`` (none left)
TYPE_CHECKING_ALLOWED: dict[tuple[str, str], str] = {}

# module cycles among run-time imports, each as its sorted modules, with its reason (none left)
CYCLES_ALLOWED: dict[tuple[str, ...], str] = {}

# (importer package, imported package, reason): imports the layers allow but the flow does not
FORBIDDEN = [
    ("sim.metrics", "sim.rules", "KPIs read what happened, not how a pluggable rule decided"),
    ("sim.report", "sim.rules", "reports read results, not rules"),
    ("sim.output", "sim.rules", "output writes results, not rules"),
]
HYDRA_MODULES = ("sim.compose", "sim.cli")  # the edge: the only modules that may import Hydra


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # a module of sim/, or a third-party top-level name
    type_checking: bool
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _known(name: str) -> str:
    """The module of sim/ that ``name`` (a dotted path) refers to: itself or its nearest parent."""
    while name not in MODULES and "." in name:
        name = name.rpartition(".")[0]
    return name


def _imports(module: str, path: Path) -> Iterator[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, type_checking: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from visit_one(stmt, True)
                for stmt in child.orelse:
                    yield from visit_one(stmt, type_checking)
            else:
                yield from visit_one(child, type_checking)

    def visit_one(node: ast.AST, type_checking: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                target = _known(name) if name == "sim" or name.startswith("sim.") else name.split(".")[0]
                yield Import(module, target, type_checking, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if base != "sim" and not base.startswith("sim."):
                yield Import(module, base.split(".")[0], type_checking, node.lineno)
                return
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield Import(module, full if full in MODULES else _known(base), type_checking, node.lineno)
        else:
            yield from visit(node, type_checking)

    yield from visit(ast.parse(path.read_text(), str(path)), False)


IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]
INTERNAL = [imp for imp in IMPORTS if imp.imported in MODULES and imp.imported != imp.importer]


def layer(module: str) -> int:
    """The layer of a module of sim/ (the most specific entry of :data:`LAYERS`)."""
    name = module
    while name not in LAYERS:
        if "." not in name:
            raise KeyError(f"{module} has no layer: add it to LAYERS")
        name = name.rpartition(".")[0]
    return LAYERS[name]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _upward(type_checking: bool) -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for imp in INTERNAL:
        if imp.type_checking == type_checking and layer(imp.imported) > layer(imp.importer):
            found.setdefault((imp.importer, imp.imported), []).append(imp.line)
    return found


def _describe(found: dict[tuple[str, str], list[int]], pairs: set[tuple[str, str]]) -> str:
    return "\n".join(
        f"  {a} (layer {layer(a)}, line {found[a, b][0]}) imports {b} (layer {layer(b)})"
        for a, b in sorted(pairs)
    )


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer(module)
    assert len(INTERNAL) > 100  # the parser found the imports


@pytest.mark.parametrize(
    ("type_checking", "allowed"),
    [(False, RUNTIME_ALLOWED), (True, TYPE_CHECKING_ALLOWED)],
    ids=["runtime", "typing"],
)
def test_no_module_imports_a_higher_layer(type_checking: bool, allowed: dict[tuple[str, str], str]) -> None:
    """(1) Imports go down the layers, except the allowlisted ones, which must all still exist."""
    found = _upward(type_checking)
    new = set(found) - set(allowed)
    assert not new, "imports against the flow (move the name to a lower layer):\n" + _describe(found, new)
    gone = set(allowed) - set(found)
    assert not gone, (
        f"allowlisted imports that no longer exist: remove them from the allowlist: {sorted(gone)}"
    )


def test_forbidden_imports() -> None:
    """Imports the layers allow but the flow does not (see :data:`FORBIDDEN`), with no allowlist."""
    bad = [
        f"{imp.importer} line {imp.line} imports {imp.imported}: {reason}"
        for imp in INTERNAL
        for importer, imported, reason in FORBIDDEN
        if _within(imp.importer, importer) and _within(imp.imported, imported)
    ]
    assert not bad, "\n".join(bad)


def _cycles(edges: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(tuple(sorted(component)))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_cycle_finder() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    """(2) No cycle among run-time imports (module level and inside functions), except the
    allowlisted ones, which must all still exist."""
    edges: dict[str, set[str]] = {}
    for imp in INTERNAL:
        if not imp.type_checking:
            edges.setdefault(imp.importer, set()).add(imp.imported)
    cycles = set(_cycles(edges))
    assert not cycles - set(CYCLES_ALLOWED), f"import cycles: {sorted(cycles - set(CYCLES_ALLOWED))}"
    gone = set(CYCLES_ALLOWED) - cycles
    assert not gone, (
        f"allowlisted cycles that no longer exist: remove them from the allowlist: {sorted(gone)}"
    )


def test_config_imports_nothing_of_the_cli_or_the_composition() -> None:
    """(3) ``sim.config`` imports no module of ``sim.cli`` nor ``sim.compose`` (type-checking
    imports included), nor Hydra; no allowlist."""
    bad = [
        imp
        for imp in IMPORTS
        if _within(imp.importer, "sim.config")
        and (
            _within(imp.imported, "sim.cli")
            or _within(imp.imported, "sim.compose")
            or imp.imported in ("hydra", "omegaconf", "sim")
        )
    ]
    assert not bad, bad


def test_hydra_only_at_the_edge() -> None:
    """Only :data:`HYDRA_MODULES` import Hydra or OmegaConf."""
    bad = [
        f"{imp.importer} line {imp.line} imports {imp.imported}"
        for imp in IMPORTS
        if imp.imported in ("hydra", "omegaconf") and not any(_within(imp.importer, m) for m in HYDRA_MODULES)
    ]
    assert not bad, "\n".join(bad)


def test_config_does_not_import_hydra() -> None:
    """(4) Importing ``sim.config`` (and so ``sim``) and building a config does not import Hydra."""
    code = (
        "import sys, sim.config; sim.config.from_dict({}); "
        "print('hydra' in sys.modules, 'omegaconf' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"], out.stdout + out.stderr


def test_load_config_is_the_composition() -> None:
    """``sim.load_config`` comes from the composition module, imported when first asked for."""
    code = (
        "import sys, sim; before = 'hydra' in sys.modules; import sim.compose; "
        "print(before, sim.load_config is sim.compose.load_config, 'hydra' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"], out.stdout + out.stderr


def test_no_module_below_the_model_names_it() -> None:
    """(4) Below ``sim.model`` nothing imports or names ``SimModel``: services and rules are handed
    the narrow :class:`sim.world.World` (type-checking imports and docstrings included)."""
    below = [m for m in MODULES if layer(m) < layer("sim.model")]
    assert len(below) > 30
    named = [m for m in below if "SimModel" in MODULES[m].read_text()]
    assert not named, f"modules below the model that name SimModel: {named}"
    imports = [imp for imp in IMPORTS if imp.importer in below and _within(imp.imported, "sim.model")]
    assert not imports, imports


# what the KPI modules may read of the model after a run: its records, the calendar and config
# (and names derived from the config), never live services, practices, diaries or rules
KPI_MODULES = ("sim.metrics.kpis", "sim.metrics.acute_kpis", "sim.metrics.practice_kpis",
               "sim.metrics.periods", "sim.metrics.timeseries")
KPI_READS = {"recorder", "calendar", "config", "group_names", "episode_groups", "datacollector"}


def test_kpis_read_records_not_live_state() -> None:
    """(5) The KPI modules read only the records of a finished run (``model.recorder``, with
    what the run left in ``recorder.end``) and the run's calendar and config; each service's own
    KPIs and cost come from its ``kpis()`` and ``cost()``, looped over Mesa's set of services."""
    reads: dict[str, set[str]] = {}
    for module in KPI_MODULES:
        tree = ast.parse(MODULES[module].read_text())
        for node in ast.walk(tree):
            on_model = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if on_model and node.value.id == "model":
                reads.setdefault(node.attr, set()).add(module)
    assert {"recorder", "calendar"} <= set(reads)
    bad = {attr: sorted(mods) for attr, mods in reads.items() if attr not in KPI_READS}
    assert not bad, f"KPI modules read live model state: {bad}"

"""The design of a global sensitivity analysis over the mechanism register.

Every modelled entry of the register (``sim/data/mechanisms.yaml``) with a range is one factor:
a family of parameters (``parameters``) moves as one, at the same point of its range. A design
is a matrix of points (rows: samples, columns: factors) drawn by SALib: Morris trajectories for
screening, or a Latin hypercube for a probabilistic analysis (each factor uniform over its
range, as the register gives no distribution).

Each (sample, scenario) becomes one option of a config group ``sample``, written as a YAML file
that selects the scenario and sets the sample's values (:func:`write_samples`), so a Hydra sweep
``+sample=glob(*)`` runs the design with any launcher, and every scenario of a sample runs with
the same seed: common random numbers across scenarios, so a difference comes from the scenario
and the sample's assumptions, not noise.

A scenario's own setting of a parameter is its policy lever, not an assumption: an entry is
applied to a scenario only when the scenario holds the same value as the entry's own scenario
(:func:`applies`); a multiplier is applied to every scenario, on that scenario's own value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.mechanisms import Mechanism, composed, load_register, lookup
from sim.mechanisms import _times as times

METHODS = ("morris", "latin")
MORRIS_LEVELS = 4  # grid levels of a Morris trajectory (SALib's default)


@dataclass(frozen=True)
class Design:
    """Factors (register entries), their bounds and the sample points (rows) of one analysis."""

    method: str
    factors: tuple[Mechanism, ...]
    points: np.ndarray  # (samples, factors)
    seed: int

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem of the design's factors."""
        return problem(self.factors)


def bounds(entry: Mechanism) -> tuple[float, float]:
    """The range a factor is sampled over: a switch [0, 1] (on from 0.5), levels [-0.5, n - 0.5]
    and whole numbers [low - 0.5, high + 0.5] (rounded to the nearest, so each level or number is
    drawn equally often), else the register's range (a multiplier's is a factor on today's value)."""
    if entry.scale == "switch":
        return 0.0, 1.0
    if entry.scale == "levels":
        return -0.5, len(entry.levels) - 0.5
    assert entry.range is not None
    low, high = float(entry.range[0]), float(entry.range[1])
    if entry.scale == "value" and _whole(entry):
        return low - 0.5, high + 0.5
    return low, high


def _whole(entry: Mechanism) -> bool:
    """True when the entry's parameters hold whole numbers (days, servers, years)."""
    today = lookup(composed(entry.scenario), entry.parameters[0])[0]
    return isinstance(today, int) and not isinstance(today, bool)


def nearest(x: float, low: float, high: float) -> int:
    """``x`` rounded half up to a whole number within [low, high]."""
    return int(min(max(math.floor(x + 0.5), low), high))


def select(names: Sequence[str] = (), register: Sequence[Mechanism] | None = None) -> tuple[Mechanism, ...]:
    """The register's modelled entries with a range (every one, or those ``names``); an unknown
    name raises ValueError naming the nearest ones."""
    entries = tuple(m for m in (register or load_register()) if m.modelled)
    entries = tuple(m for m in entries if m.range is not None or m.scale in ("switch", "levels"))
    if not names:
        return entries
    by_name = {m.name: m for m in entries}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        import difflib

        near = difflib.get_close_matches(unknown[0], list(by_name), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else " (docs/mechanisms.md lists them)"
        raise ValueError(f"no modelled mechanism with a range named {unknown[0]!r}{hint}")
    return tuple(by_name[n] for n in names)


def problem(factors: Sequence[Mechanism]) -> dict[str, Any]:
    """SALib's problem: one variable per factor, named by its register entry."""
    return {
        "num_vars": len(factors),
        "names": [m.name for m in factors],
        "bounds": [list(bounds(m)) for m in factors],
    }


def sample(factors: Sequence[Mechanism], method: str, n: int, seed: int) -> Design:
    """Draw the design: ``n`` Morris trajectories (``n`` x (factors + 1) points) or ``n`` Latin
    hypercube points."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if not factors:
        raise ValueError("no factors to sample")
    spec = problem(factors)
    if method == "morris":
        from SALib.sample import morris

        points = morris.sample(spec, N=n, num_levels=MORRIS_LEVELS, seed=seed)
    else:
        from SALib.sample import latin

        points = latin.sample(spec, N=n, seed=seed)
    return Design(method, tuple(factors), np.asarray(points, float), seed)


def applies(entry: Mechanism, scenario: str) -> bool:
    """Whether ``entry`` is an assumption of ``scenario``. Not where the scenario lacks the setting
    (health houses' merging in the baseline) or lacks the plug-in service it belongs to (a
    parameter of ``services.plugins.<name>`` where the scenario has no such plug-in: setting it
    would switch the service on). Then a multiplier always applies (on the scenario's own value);
    any other entry where the scenario holds the values of the entry's own scenario (a scenario
    that sets the parameter otherwise keeps its own setting, its lever)."""
    own, here = composed(entry.scenario), composed(scenario)
    try:
        plugins = here.get("services", {}).get("plugins") or {}
        if any(
            p.startswith("services.plugins.") and p.split(".")[2] not in plugins for p in entry.parameters
        ):
            return False
        if entry.scale == "multiplier" or entry.scenario == scenario:
            return True
        return all(lookup(own, p)[0] == lookup(here, p)[0] for p in entry.parameters)
    except KeyError:  # the scenario has no such setting
        return False


def values(entry: Mechanism, x: float, scenario: str) -> dict[str, Any]:
    """The value of each of ``entry``'s parameters at point ``x`` of its range, in ``scenario``."""
    data = composed(scenario if entry.scale == "multiplier" else entry.scenario)
    out = {}
    for path in entry.parameters:
        today = lookup(data, path)[0]
        if entry.scale == "multiplier":
            out[path] = times(today, x)
        elif entry.scale == "switch":
            out[path] = bool(x >= 0.5)
        elif entry.scale == "levels":
            out[path] = entry.levels[nearest(x, 0, len(entry.levels) - 1)]
        elif isinstance(today, int) and not isinstance(today, bool):
            assert entry.range is not None
            out[path] = nearest(x, *entry.range)
        else:
            out[path] = float(x)
    return out


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` as ``{"a": {"b": 1}}``."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def sample_values(design: Design, index: int, scenario: str) -> dict[str, Any]:
    """The values sample ``index`` sets in ``scenario`` (by config key path)."""
    flat: dict[str, Any] = {}
    for entry, x in zip(design.factors, design.points[index], strict=True):
        if applies(entry, scenario):
            flat.update(values(entry, float(x), scenario))
    return flat


def check_samples(design: Design, scenarios: Sequence[str]) -> str | None:
    """Validate the config of every (sample, scenario) without Hydra; for the first that fails, one
    line naming the sample, the factors that set the key and the key's error (a multiplier that
    pushes a scenario's own probability above 1, say); None when all are valid."""
    import copy

    from sim.config import ConfigError, from_dict

    for scenario in scenarios:
        for i in range(len(design.points)):
            flat = sample_values(design, i, scenario)
            data = copy.deepcopy(composed(scenario))
            for path, value in flat.items():
                node = data
                *parents, last = path.split(".")
                for part in parents:
                    node = node.setdefault(part, {})
                node[last] = value
            try:
                from_dict(data)
            except ConfigError as exc:
                who = [m.name for m in design.factors if any(exc.key.startswith(p) for p in m.parameters)]
                return (
                    f"sample {sample_name(i, scenario)}: {', '.join(who) or 'a factor'} gives {exc.key}: "
                    f"{exc.message} (narrow the factor's range in the register or leave it out of --factors)"
                )
    return None


def sample_name(index: int, scenario: str) -> str:
    """The config-group option of sample ``index`` in ``scenario``."""
    return f"s{index:04d}_{scenario}"


def parse_sample_name(name: str) -> tuple[int, str]:
    """(sample index, scenario) of :func:`sample_name`."""
    head, scenario = name.split("_", 1)
    return int(head[1:]), scenario


def write_samples(design: Design, scenarios: Sequence[str], folder: Path) -> list[Path]:
    """Write the config group ``folder/configs/sample/``: one file per (sample, scenario), selecting
    the scenario and setting the values of the factors that apply to it; also ``folder/design.csv``
    (the points, one column per factor). Returns the sample files written."""
    group = folder / "configs" / "sample"
    group.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(len(design.points)):
        for scenario in scenarios:
            flat = sample_values(design, i, scenario)
            body = {"defaults": [{"override /scenario": scenario}], **_nested(flat)}
            text = "# @package _global_\n" + yaml.safe_dump(body, sort_keys=False, default_flow_style=None)
            path = group / f"{sample_name(i, scenario)}.yaml"
            path.write_text(text)
            written.append(path)
    header = ",".join(["sample", *(m.name for m in design.factors)])
    rows = [",".join([str(i), *(repr(float(x)) for x in row)]) for i, row in enumerate(design.points)]
    (folder / "design.csv").write_text("\n".join([header, *rows]) + "\n")
    return written


def read_design(folder: Path, method: str, seed: int) -> Design:
    """The design :func:`write_samples` wrote in ``folder``."""
    lines = (folder / "design.csv").read_text().splitlines()
    names = lines[0].split(",")[1:]
    points = np.array([[float(v) for v in line.split(",")[1:]] for line in lines[1:]], float)
    return Design(method, select(names), points.reshape(len(lines) - 1, len(names)), seed)

"""Where a configuration value comes from: the command line, or a file and line of ``configs/``.

An error message names the key that is wrong; this module adds where it was set, so that a
planner can find it: ``[command line: population.size=-5]`` or
``[configs/scenario/mine.yaml line 12]``. It reads YAML only (no Hydra): the composition
reports which option of each config group it chose, and the files are searched in the
reverse order of composition (the last file that sets a key is the one that counts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

PACKAGE_HEADER = re.compile(r"^#\s*@package\s+(\S+)")


def override_key(override: str) -> str:
    """The dotted key of a Hydra override (``+a.b=1`` -> ``a.b``; ``~a`` -> ``a``)."""
    return override.split("=", 1)[0].lstrip("+~").strip()


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _package(path: Path, group: str) -> list[str]:
    """The key path a group file's content is placed under (its ``# @package`` header or its group)."""
    try:
        head = path.read_text(encoding="utf-8").splitlines()[:20]
    except (OSError, UnicodeDecodeError):
        head = []
    for line in head:
        m = PACKAGE_HEADER.match(line.strip())
        if m:
            package = m.group(1).replace("_group_", group.replace("/", "."))
            return [] if package == "_global_" else package.split(".")
    return group.split("/") if group else []


def _line_of(path: Path, keys: list[str]) -> int | None:
    """The line (1-based) in YAML file ``path`` that sets ``keys``, or that sets a part of it as
    one value (``share: {0-64: 0.1, ...}``); None when the file does not set it."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return line  # a value set whole at this line
        pair = next(((k, v) for k, v in node.value if str(k.value) == key), None)
        if pair is None:
            return None
        line, node = pair[0].start_mark.line + 1, pair[1]
    return line


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _defaults_order(config_yaml: Path) -> list[str]:
    """The config groups of ``config.yaml``'s defaults list, in the order they are merged."""
    try:
        defaults = (yaml.safe_load(config_yaml.read_text(encoding="utf-8")) or {}).get("defaults", [])
    except (OSError, yaml.YAMLError, AttributeError):
        return []
    groups = []
    for item in defaults:
        if isinstance(item, dict):
            groups += [str(k).removeprefix("override ").strip().lstrip("/") for k in item]
    return groups


def files_in_order(choices: Mapping[str, str | None], directory: str) -> list[tuple[Path, str]]:
    """The YAML files of a composition, in the order they were merged: ``config.yaml``, then the
    chosen option of each (non-Hydra) config group in the order of its defaults list (groups
    added from the command line last), as ``(path, group)``."""
    root = Path(directory)
    order = _defaults_order(root / "config.yaml")
    groups = sorted(choices, key=lambda g: order.index(g) if g in order else len(order))
    out = [(root / "config.yaml", "")]
    for group in groups:
        option = choices[group]
        if option is None or group.startswith("hydra") or group == "sim_schema":
            continue
        path = root / group / f"{option}.yaml"
        if path.exists():
            out.append((path, group))
    return out


def source_of(
    key: str, overrides: Sequence[str], choices: Mapping[str, str | None], directory: str
) -> str:
    """Where ``key`` was set: ``command line: <override>``, ``<file> line N``, or the schema's
    default; empty when not known (no files given and not on the command line)."""
    for override in reversed(list(overrides)):
        k = override_key(override)
        if k and k not in choices and "=" in override and _related(k, key):
            return f"command line: {override}"
    parts = re.sub(r"\[\d+\]", "", key).split(".")
    for path, group in reversed(files_in_order(choices, directory)):
        package = _package(path, group)
        if parts[: len(package)] != package:
            continue
        line = _line_of(path, parts[len(package) :]) if len(parts) > len(package) else 1
        if line is not None:
            return f"{_display(path)} line {line}"
    return "default of the schema" if choices else ""

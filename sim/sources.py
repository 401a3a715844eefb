"""The sources database that ships with sim: every figure a config, target or report cites.

Two kinds of key resolve here (both shipped as package data under ``sim/data/sources/``):

- an *entry* of ``denmark.yaml`` (lower case, for example ``list_size_avg_2014``): one public
  figure with its value, unit, year, source and url;
- a *data source* of ``data_sources.md`` (upper case, for example ``DST2021AGE``): a table the
  package data were built from, with its origin and year.

A config names its source in a comment (``# ... (list_size_avg_2014)``), a calibration target
in its ``source`` field; ``tests/unit/test_sources.py`` checks that every citation resolves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

SOURCES_DIR = Path(str(resources.files("sim") / "data" / "sources"))
FIGURES_FILE = SOURCES_DIR / "denmark.yaml"
DATA_SOURCES_FILE = SOURCES_DIR / "data_sources.md"

_DATA_KEY_LINE = re.compile(r"^(?:###\s+|-\s+\*\*)([A-Z][A-Z0-9_]+[0-9A-Z])(?::|\*\*)")

@dataclass(frozen=True)
class Source:
    """One citable source: its key, what it gives, its year and where it comes from."""

    key: str
    what: str
    year: str
    origin: str
    value: object = None
    unit: str = ""
    confidence: str = ""

    def cite(self) -> str:
        """A one-line citation: key, what, value and unit where there is one, year, origin."""
        value = f" = {self.value} {self.unit}".rstrip() if self.value is not None else ""
        return f"{self.key}: {self.what}{value} ({self.year}; {self.origin})"


@cache
def figures() -> dict[str, Source]:
    """The entries of ``denmark.yaml`` by key (public Danish figures with value, year and source)."""
    import yaml

    data = yaml.safe_load(FIGURES_FILE.read_text(encoding="utf-8"))
    out: dict[str, Source] = {}
    for section in data.values():
        if not isinstance(section, dict):
            continue
        for key, entry in section.items():
            origin = str(entry.get("source", ""))
            if entry.get("url"):
                origin += f", {entry['url']}"
            out[key] = Source(
                key=key, what=str(entry.get("parameter", "")), year=str(entry.get("year", "")),
                origin=origin, value=entry.get("value"), unit=str(entry.get("unit", "")),
                confidence=str(entry.get("confidence", "")),
            )
    return out


@cache
def data_sources() -> dict[str, Source]:
    """The data-source keys of ``data_sources.md`` (tables the package data were built from)."""
    out: dict[str, Source] = {}
    for line in DATA_SOURCES_FILE.read_text(encoding="utf-8").splitlines():
        m = _DATA_KEY_LINE.match(line)
        if m:
            rest = line[m.end():].strip(" :*")
            years = re.findall(r"(?:19|20)\d\d", rest) or re.findall(r"(?:19|20)\d\d", m.group(1))
            out[m.group(1)] = Source(key=m.group(1), what=rest, year=years[0] if years else "",
                                     origin="sim/data/sources/data_sources.md")
    return out


def lookup(key: str) -> Source | None:
    """The source of ``key`` (a figure of ``denmark.yaml`` or a data source), or None."""
    return figures().get(key) or data_sources().get(key)

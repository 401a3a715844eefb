"""Finding plug-ins: import every module of a package once, so that its classes register."""

from __future__ import annotations

import functools
import importlib
import pkgutil


@functools.cache
def import_modules(package: str) -> None:
    """Import every module of ``package`` (once per process), so that the rules or services
    they define register themselves."""
    path = importlib.import_module(package).__path__
    for info in pkgutil.iter_modules(path):
        importlib.import_module(f"{package}.{info.name}")

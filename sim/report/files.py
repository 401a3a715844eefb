"""Writing the report and its plots: atomic replacement of a whole folder, and write errors (a
read-only folder, a full disk) as one line naming the folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class CannotWriteError(Exception):
    """A folder the report or its plots cannot be written to (read-only, disk full)."""

    def __init__(self, folder: Path, reason: str) -> None:
        """The error of ``folder``: ``cannot write <folder>: <reason>``."""
        super().__init__(f"cannot write {folder}: {reason}")


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Turn an OSError of the block into :class:`CannotWriteError` naming ``folder``."""
    try:
        yield
    except OSError as exc:
        raise CannotWriteError(folder, exc.strerror or str(exc)) from exc


def _remove(path: Path) -> None:
    """Delete the file, link or folder at ``path``, if any."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``, replacing what was there whole."""
    old = target.with_name(f".{target.name}.old{os.getpid()}")
    _remove(old)
    if target.exists() or target.is_symlink():
        os.replace(target, old)
    os.replace(new, target)
    _remove(old)

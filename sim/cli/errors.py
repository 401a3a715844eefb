"""One-line descriptions of configuration errors, naming the key that is wrong."""

from __future__ import annotations

from sim.config.validation import ConfigError


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def describe(exc: BaseException, override_key: str = "") -> str:
    """Return ``key: what is wrong`` for a composition or validation error, on one line."""
    for err in _chain(exc):
        if isinstance(err, ConfigError):
            return str(err)
    for err in _chain(exc):
        key = getattr(err, "full_key", None)
        if key:
            msg = str(getattr(err, "msg", "") or err).strip().splitlines()[0]
            return f"{key}: {msg}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    options = getattr(exc, "options", None)
    if options:
        first += f" (available: {', '.join(options)})"
    return f"{override_key}: {first}" if override_key else first

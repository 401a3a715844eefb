"""Validation of parameter dataclasses: field constraints, cross-field checks, full key paths.

Parameters are frozen dataclasses. Each field may carry a constraint in its metadata
(made by :func:`positive`, :func:`probability`, ...); a class may add cross-field checks
in a ``checks()`` method yielding ``(field, message)``. ``__post_init__`` (from
:class:`Validated`) runs both, so a parameter object can never exist in an invalid state.

:func:`build` turns a plain mapping (from YAML, Hydra or a notebook) into the dataclass,
rejecting unknown keys and wrong types, and every error names the full dotted key, for
example ``population.size: must be > 0 (got -5)``.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """An invalid configuration value; ``key`` is the full dotted key that is wrong."""

    def __init__(self, key: str, message: str, source: str = "") -> None:
        self.key = key
        self.message = message
        self.source = source  # where the value was set: "command line: ...", "<file> line N"
        text = f"{key}: {message}" if key else message
        super().__init__(f"{text} [{source}]" if source else text)

    def under(self, prefix: str) -> ConfigError:
        """Return the same error with ``prefix`` put in front of the key."""
        return ConfigError(join(prefix, self.key), self.message, self.source)

    def at(self, source: str) -> ConfigError:
        """Return the same error saying where the value was set."""
        return ConfigError(self.key, self.message, source)


def join(prefix: str, key: str) -> str:
    """Join two parts of a dotted key, either of which may be empty."""
    return f"{prefix}.{key}" if prefix and key else prefix or key


# ---------------------------------------------------------------- field constraints
Check = Callable[[Any], str | None]


def _constrained(default: Any, check: Check, **kwargs: Any) -> Any:
    if callable(default) and not isinstance(default, (int, float, str, bool)):
        return dataclasses.field(default_factory=default, metadata={"check": check}, **kwargs)
    return dataclasses.field(default=default, metadata={"check": check}, **kwargs)


def _bound(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> Check:
    def check(v: Any) -> str | None:
        if v is None:
            return None
        if isinstance(v, float) and not math.isfinite(v):
            return f"must be a finite number (got {v})"
        if lo is not None and (v <= lo if lo_open else v < lo):
            return f"must be {'>' if lo_open else '>='} {lo:g} (got {v})"
        if hi is not None and (v >= hi if hi_open else v > hi):
            return f"must be {'<' if hi_open else '<='} {hi:g} (got {v})"
        return None

    return check


def positive(default: Any) -> Any:
    """A field that must be > 0."""
    return _constrained(default, _bound(0, None, True, False))


def non_negative(default: Any) -> Any:
    """A field that must be >= 0."""
    return _constrained(default, _bound(0, None, False, False))


def probability(default: Any) -> Any:
    """A field that must lie in [0, 1]."""
    return _constrained(default, _bound(0, 1, False, False))


def at_least(lo: float, default: Any) -> Any:
    """A field that must be >= ``lo``."""
    return _constrained(default, _bound(lo, None, False, False))


def between(lo: float, hi: float, default: Any) -> Any:
    """A field that must lie in [lo, hi]."""
    return _constrained(default, _bound(lo, hi, False, False))


def one_of(default: str, choices: tuple[str, ...]) -> Any:
    """A string field that must be one of ``choices``."""

    def check(v: Any) -> str | None:
        return None if v in choices else f"must be one of {', '.join(choices)} (got {v!r})"

    return _constrained(default, check)


NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
NAME_MAX = 64


def name_error(value: Any) -> str | None:
    """Why ``value`` cannot be a name that becomes a folder (scenario, experiment, variant): one
    path segment of letters, digits and ``_ . + -``, not starting with a dot, at most
    :data:`NAME_MAX` characters, no ``${...}`` interpolation; None when it can."""
    if not isinstance(value, str):
        return f"must be a string (got {value!r})"
    if "${" in value:
        return f"interpolations are not allowed in names (got {value!r})"
    if len(value) > NAME_MAX:
        return f"at most {NAME_MAX} characters (got {len(value)})"
    if not NAME_PATTERN.fullmatch(value) or ".." in value:
        return (
            "must be one path segment of letters, digits and _ . + - "
            f"(not starting with a dot, no '..'; got {value!r})"
        )
    return None


def path_name(default: str) -> Any:
    """A string field that becomes part of a folder name (see :func:`name_error`)."""
    return _constrained(default, name_error)


def keyed_by(field_: Any, keys: tuple[str, ...]) -> Any:
    """A dict field (made with :func:`rates`, :func:`probabilities`, ...) whose keys must be
    exactly ``keys`` (the age bands, say): a missing key would read as 0 and an unknown one be
    ignored, so both are errors naming the keys."""
    return dataclasses.field(
        default_factory=field_.default_factory, metadata={**field_.metadata, "keys": keys}
    )


def _key_error(value: Mapping, keys: tuple[str, ...]) -> str | None:
    missing = [k for k in keys if k not in value]
    unknown = [str(k) for k in value if k not in keys]
    if not missing and not unknown:
        return None
    parts = [f"needs exactly the keys {', '.join(keys)}"]
    parts += [f"missing {', '.join(missing)}"] if missing else []
    parts += [f"unknown {', '.join(unknown)}"] if unknown else []
    return "; ".join(parts)


def each(check_default: Any) -> Any:
    """Apply a scalar constraint (built with one of the helpers) to every value of a dict field."""
    inner: Check = check_default.metadata["check"]
    factory = check_default.default_factory

    def check(mapping: Any) -> str | None:
        for k, v in (mapping or {}).items():
            msg = inner(v)
            if msg:
                return f"[{k}] {msg}"
        return None

    return dataclasses.field(default_factory=factory, metadata={"check": check, "each": inner})


def probabilities(default: Callable[[], Mapping[str, float]]) -> Any:
    """A dict field whose values must each lie in [0, 1]."""
    return each(_constrained(default, _bound(0, 1, False, False)))


def rates(default: Callable[[], Mapping[str, float]]) -> Any:
    """A dict field whose values must each be >= 0."""
    return each(_constrained(default, _bound(0, None, False, False)))


# ---------------------------------------------------------------- base class
class Validated:
    """Mixin for frozen parameter dataclasses: validates fields and cross-field checks."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            keys = f.metadata.get("keys")
            if keys is not None and isinstance(getattr(self, f.name), Mapping):
                msg = _key_error(getattr(self, f.name), keys)
                if msg:
                    raise ConfigError(f.name, msg)
            check = f.metadata.get("check")
            if check is None:
                continue
            value = getattr(self, f.name)
            if "each" in f.metadata and isinstance(value, Mapping):
                for k, v in value.items():
                    msg = f.metadata["each"](v)
                    if msg:
                        raise ConfigError(f"{f.name}.{k}", msg)
            else:
                msg = check(value)
                if msg:
                    raise ConfigError(f.name, msg)
        for key, msg in self.checks():
            raise ConfigError(key, msg)

    def checks(self) -> Iterator[tuple[str, str]]:
        """Yield ``(field, message)`` for each violated cross-field rule; none by default."""
        return iter(())


def shares_sum_to_one(key: str, shares: Mapping[str, float], tol: float = 1e-6) -> Iterator[tuple[str, str]]:
    """Yield an error when the values of ``shares`` do not add up to 1."""
    total = sum(shares.values())
    if shares and abs(total - 1.0) > tol:
        yield key, f"shares must add up to 1 (got {total:.6g})"


# ---------------------------------------------------------------- building from mappings
def build(cls: type[T], data: Mapping[str, Any] | None, path: str = "") -> T:
    """Build dataclass ``cls`` from a plain mapping, checking keys, types and values."""
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise ConfigError(path, f"expected a mapping for {cls.__name__}, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    for key in data:
        if key not in names:
            raise ConfigError(join(path, str(key)), f"unknown key (allowed: {', '.join(names)})")
    kwargs = {k: convert(hints[k], v, join(path, k)) for k, v in data.items()}
    try:
        return cls(**kwargs)
    except ConfigError as err:
        raise err.under(path) from None


def convert(tp: Any, value: Any, path: str) -> Any:
    """Convert ``value`` to type ``tp`` (dataclass, dict, list, scalar), naming ``path`` on error."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return convert(inner, value, path)
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        return build(tp, value, path)
    if origin is dict:
        _, vtype = typing.get_args(tp)
        if not isinstance(value, Mapping):
            raise ConfigError(path, f"expected a mapping, got {type(value).__name__}")
        return {str(k): convert(vtype, v, join(path, str(k))) for k, v in value.items()}
    if origin in (list, tuple):
        (vtype, *_) = typing.get_args(tp)
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise ConfigError(path, f"expected a list, got {type(value).__name__}")
        return origin(convert(vtype, v, f"{path}[{i}]") for i, v in enumerate(value))
    return _scalar(tp, value, path)


INT_MAX = 2**53  # integers above this are not exact as floats (YAML, JSON) and overflow C longs


def _scalar(tp: Any, value: Any, path: str) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(path, f"expected true or false, got {value!r}")
    if tp in (int, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ConfigError(path, f"must be a finite number (got {value})")
        if abs(value) > INT_MAX:
            raise ConfigError(path, f"must be at most {INT_MAX:.3g} in size (got {value:.3g})")
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise ConfigError(path, f"expected an integer, got {value!r}")
        return int(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, str) and value.strip().lower().lstrip("+-.") in ("inf", "infinity", "nan"):
                raise ConfigError(path, f"must be a finite number (got {value})")
            raise ConfigError(path, f"expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(path, f"expected a string, got {value!r}")
        return value
    raise ConfigError(path, f"unsupported parameter type {tp!r}")


def to_dict(obj: Any) -> Any:
    """Turn a parameter dataclass back into plain dicts and lists (for hashing and manifests)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {k: to_dict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    return obj

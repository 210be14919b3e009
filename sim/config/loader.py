"""Read, merge, validate, hash and write regsim scenarios.

* :func:`load_config` reads a YAML scenario (``extends: other.yaml`` chains, deep-merged), applies
  ``key.path=value`` overrides and an optional seed, and validates against the schema. Every
  problem becomes a one-line :class:`~sim.config.errors.ConfigError` naming the file (or
  ``overrides``), the dotted key and what is allowed.
* :func:`config_hash` fingerprints a resolved scenario; :func:`dump_config` writes it back as YAML.
* :func:`flat_params` / :func:`from_flat` convert to and from flat dotted keys (also
  ``section__key``, the form usable as Python keyword arguments, e.g. for ``mesa.batch_run``).

Everything here walks the pydantic model, so new schema sections need no change in this module.

Merging (``extends`` and overrides): mappings are merged key by key, other values replaced. A lever
path (a field that is a number or a ``{year: value}`` mapping) is always replaced as a whole, so a
child's path never inherits stray years from its parent's.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import operator
import os
import re
import types
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from sim.config.errors import ConfigError, close_match
from sim.config.schema import Scenario

EXTENDS_KEY = "extends"
OVERRIDES = "overrides"

__all__ = [
    "ConfigError",
    "config_hash",
    "dump_config",
    "flat_params",
    "from_flat",
    "load_config",
]


# --------------------------------------------------------------------------------------------
# schema introspection (shared with sim.config.reference)


def _union_args(ann: Any) -> tuple[Any, ...] | None:
    origin = get_origin(ann)
    if origin is Union or origin is types.UnionType:
        return get_args(ann)
    return None


def _unwrap_annotated(ann: Any) -> Any:
    while get_origin(ann) is Annotated:
        ann = get_args(ann)[0]
    return ann


def strip_optional(ann: Any) -> tuple[Any, bool]:
    """``X | None`` → (X, True); anything else → (ann, False). Also unwraps ``Annotated``."""
    ann = _unwrap_annotated(ann)
    args = _union_args(ann)
    if args and type(None) in args:
        rest = [_unwrap_annotated(a) for a in args if a is not type(None)]
        return functools.reduce(operator.or_, rest), True
    return ann, False


def model_type(ann: Any) -> type[BaseModel] | None:
    """The section class if ``ann`` is a (possibly optional) pydantic model, else None."""
    base, _ = strip_optional(ann)
    if inspect.isclass(base) and issubclass(base, BaseModel):
        return base
    return None


def _is_mapping_type(ann: Any) -> bool:
    ann = _unwrap_annotated(ann)
    origin = get_origin(ann)
    return origin in (dict, Mapping) or ann in (dict, Mapping)


def is_lever(ann: Any) -> bool:
    """A lever path: a union of a number and a ``{year: value}`` mapping."""
    base, _ = strip_optional(ann)
    args = _union_args(base)
    if not args:
        return False
    members = [_unwrap_annotated(a) for a in args]
    return any(_is_mapping_type(a) for a in members) and any(a in (float, int) for a in members)


def _noun(ann: Any) -> str:
    ann, _ = strip_optional(ann)
    return {str: "names", int: "integers", float: "numbers", bool: "booleans"}.get(
        ann, describe_type(ann)
    )


def describe_type(ann: Any) -> str:
    """What a value of type ``ann`` must be, in words ("a number", "a section (mapping)", …)."""
    if ann is None or ann is Any:
        return "any value"
    base, optional = strip_optional(ann)
    if optional:
        return f"{describe_type(base)} or empty (null)"
    ann = base
    if is_lever(ann):
        return "a number or a {year: value} path"
    args = _union_args(ann)
    if args:
        return " or ".join(describe_type(a) for a in args)
    if get_origin(ann) is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(ann))
    if inspect.isclass(ann) and issubclass(ann, Enum):
        return "one of " + ", ".join(repr(m.value) for m in ann)
    if ann is bool:
        return "true or false"
    if ann is int:
        return "an integer"
    if ann is float:
        return "a number"
    if ann is str:
        return "text"
    if model_type(ann) is not None:
        return "a section (mapping)"
    if _is_mapping_type(ann):
        kv = get_args(ann)
        if len(kv) == 2:
            return f"a mapping of {_noun(kv[0])} to {_noun(kv[1])}"
        return "a mapping"
    if get_origin(ann) in (list, tuple, set, frozenset, Sequence):
        inner = get_args(ann)
        return f"a list of {_noun(inner[0])}" if inner else "a list"
    return getattr(ann, "__name__", str(ann))


def fmt_number(x: Any) -> str:
    """Numbers for humans: 5.0 → '5', 1e-10 → '1e-10', 7 → '7'."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def _bounds(metadata: Sequence[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in metadata:
        for name in ("gt", "ge", "lt", "le"):
            value = getattr(m, name, None)
            if value is not None and isinstance(m, annotated_types.BaseMetadata):
                out[name] = value
    return out


def _bounds_text(b: Mapping[str, Any]) -> str | None:
    lo = f"{fmt_number(b['ge'])} ≤ " if "ge" in b else f"{fmt_number(b['gt'])} < " if "gt" in b else ""
    hi = f" ≤ {fmt_number(b['le'])}" if "le" in b else f" < {fmt_number(b['lt'])}" if "lt" in b else ""
    if not lo and not hi:
        return None
    return f"{lo}x{hi}"


def schema_extra(field: FieldInfo | None) -> dict[str, Any]:
    extra = field.json_schema_extra if field is not None else None
    return dict(extra) if isinstance(extra, Mapping) else {}


def range_text(field: FieldInfo | None) -> str | None:
    """The allowed range of a field: its bounds, its declared ``range``, or its choices."""
    if field is None:
        return None
    text = _bounds_text(_bounds(field.metadata))
    if text:
        return text
    declared = schema_extra(field).get("range")
    if declared is not None:
        return str(declared)
    base, _ = strip_optional(field.annotation)
    if get_origin(base) is Literal:
        return ", ".join(repr(v) for v in get_args(base))
    if inspect.isclass(base) and issubclass(base, Enum):
        return ", ".join(repr(m.value) for m in base)
    return None


def allowed_text(field: FieldInfo | None, ann: Any) -> str:
    """What is allowed at a position whose deepest field is ``field`` and type is ``ann``."""
    section = model_type(ann)
    if section is not None:
        return "keys " + ", ".join(section.model_fields)
    rng = range_text(field)
    if rng and field is not None and is_lever(ann) and ann is field.annotation:
        return f"{describe_type(ann)} with values {rng}"
    if rng:
        return rng
    return describe_type(ann)


def _child(node: Any, key: Any) -> tuple[Any, FieldInfo | None] | None:
    """Type (and field) of ``key`` inside a value of type ``node``; None if there is no such key."""
    base, _ = strip_optional(node)
    section = model_type(base)
    if section is not None:
        field = section.model_fields.get(key) if isinstance(key, str) else None
        return (field.annotation, field) if field is not None else None
    if _is_mapping_type(base):
        kv = get_args(_unwrap_annotated(base))
        return (kv[1] if len(kv) == 2 else Any, None)
    if get_origin(base) in (list, tuple, Sequence):
        inner = get_args(base)
        return (inner[0] if inner else Any, None) if str(key).isdigit() else None
    args = _union_args(base)
    if args:
        for member in args:
            found = _child(member, key)
            if found is not None:
                return found
    if base is Any:
        return (Any, None)
    return None


def _resolves(model_cls: type[BaseModel], parts: Sequence[Any]) -> bool:
    node: Any = model_cls
    for part in parts:
        found = _child(node, part)
        if found is None:
            return False
        node = found[0]
    return True


def _type_at(model_cls: type[BaseModel], parts: Sequence[Any]) -> Any:
    node: Any = model_cls
    for part in parts:
        found = _child(node, part)
        if found is None:
            return None
        node = found[0]
    return node


def _mergeable(ann: Any) -> bool:
    """Mappings at this position merge key by key (sections, plain dicts, unknown keys)."""
    if ann is None:
        return True
    return not is_lever(ann)


# --------------------------------------------------------------------------------------------
# YAML files, extends, overrides

Origins = dict[tuple[str, ...], str]


class UniqueKeyLoader(yaml.SafeLoader):
    """safe_load that rejects duplicate keys (a second `migration:` block would drop the first)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool):
            continue
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = exc.problem or exc.context or "syntax error"
        return f"invalid YAML{where}: {what}"
    return f"invalid YAML: {exc}"


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _read_yaml(path: Path) -> dict[Any, Any]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found", "an existing YAML file") from None
    except IsADirectoryError:
        raise ConfigError(source, "", "is a directory, not a file", "a YAML file") from None
    except UnicodeDecodeError:
        raise ConfigError(source, "", "not UTF-8 text", "a UTF-8 YAML file") from None
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read: {exc.strerror}", "a readable YAML file") from None
    try:
        raw = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(source, "", _yaml_problem(exc), "a YAML mapping of settings") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(
            source, "", f"the file must be a mapping of settings, not {_kind(raw)}",
            "'key: value' lines, e.g. 'seed: 1'",
        )
    return raw


def _record(value: Any, path: tuple[str, ...], source: str, origins: Origins) -> None:
    origins[path] = source
    if isinstance(value, Mapping):
        for k, v in value.items():
            _record(v, (*path, str(k)), source, origins)


def _drop(origins: Origins, path: tuple[str, ...]) -> None:
    for p in [p for p in origins if p[: len(path)] == path]:
        del origins[p]


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _merge(
    base: Mapping[Any, Any], over: Mapping[Any, Any], node: Any,
    path: tuple[str, ...], origins: Origins, source: str,
) -> dict[Any, Any]:
    """``over`` deep-merged onto ``base`` (new dict); ``origins`` records who set what."""
    out = dict(base)
    for key, value in over.items():
        found = _child(node, key)
        ann = found[0] if found is not None else None
        p = (*path, str(key))
        if value is None and model_type(ann) is not None and not strip_optional(ann)[1]:
            value = {}  # `trade:` with every key commented out = an empty section
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) and _mergeable(ann):
            origins.setdefault(p, source)
            out[key] = _merge(out[key], value, ann, p, origins, source)
        else:
            _drop(origins, p)
            out[key] = _copy(value)
            _record(value, p, source, origins)
    return out


def _load_file(
    path: Path, model_cls: type[BaseModel], chain: tuple[Path, ...]
) -> tuple[dict[Any, Any], Origins]:
    source = str(path)
    raw = _read_yaml(path)
    here = path.resolve()
    parent_name = raw.pop(EXTENDS_KEY, None)
    data: dict[Any, Any] = {}
    origins: Origins = {}
    if parent_name is not None:
        if not isinstance(parent_name, str | os.PathLike) or not str(parent_name).strip():
            raise ConfigError(
                source, EXTENDS_KEY, f"wrong type: expected a file name, got {_show(parent_name)}",
                "a YAML file path, relative to this file",
            )
        parent = path.parent / str(parent_name)
        seen = (*chain, here)
        if parent.resolve() in seen:
            cycle = " → ".join(p.name for p in (*seen, parent.resolve()))
            raise ConfigError(
                source, EXTENDS_KEY, f"extends cycle: {cycle}", "a chain of files without cycles"
            )
        if not parent.is_file():
            raise ConfigError(
                source, EXTENDS_KEY, f"file not found: {parent}",
                "an existing YAML file, relative to this file",
            )
        data, origins = _load_file(parent, model_cls, seen)
    data = _merge(data, raw, model_cls, (), origins, source)
    return data, origins


def _split_key(key: str) -> list[Any]:
    parts: list[Any] = key.strip().replace("__", ".").split(".")
    return [int(p) if p.isdigit() else p for p in parts]


def _set_in(
    data: dict[Any, Any], parts: Sequence[Any], value: Any,
    model_cls: type[BaseModel], origins: Origins, source: str,
) -> None:
    """Set ``value`` at the key path ``parts``, creating sections on the way."""
    dotted = ".".join(str(p) for p in parts)
    if not parts or any(p == "" for p in parts):
        raise ConfigError(source, dotted or "''", "empty key", "dotted.key=value, e.g. trade.sigma=4")
    cur = data
    node: Any = model_cls
    path: tuple[str, ...] = ()
    for part in parts[:-1]:
        found = _child(node, part)
        node = found[0] if found is not None else None
        path = (*path, str(part))
        nxt = cur.get(part)
        if nxt is None:
            # a dotted path into a mapping field (`production.capital_share.agriculture=0.4`)
            # starts from the field's default; sections start empty (defaults fill them)
            field = found[1] if found is not None else None
            nxt = {} if field is None or model_type(node) is not None else _default(field)
            cur[part] = nxt
            origins[path] = source
        if not isinstance(nxt, dict):
            raise ConfigError(
                source, dotted, f"cannot set a key inside {'.'.join(path)} = {_show(nxt)}",
                allowed_text(found[1] if found else None, node),
            )
        cur = nxt
    last = parts[-1]
    found = _child(node, last)
    ann = found[0] if found is not None else None
    p = (*path, str(last))
    if isinstance(value, Mapping) and isinstance(cur.get(last), Mapping) and _mergeable(ann):
        cur[last] = _merge(cur[last], value, ann, p, origins, source)
    else:
        _drop(origins, p)
        cur[last] = _copy(value)
        _record(value, p, source, origins)


def _default(field: FieldInfo) -> Any:
    try:
        value = field.get_default(call_default_factory=True)
    except TypeError:  # a default factory that needs the validated data
        return {}
    return _plain(value) if isinstance(value, Mapping) else ({} if value is None else value)


def _parse_override(text: str, model_cls: type[BaseModel]) -> tuple[list[Any], Any]:
    if "=" not in text:
        raise ConfigError(
            OVERRIDES, text.strip() or "''", "expected key=value",
            "dotted.key=value, e.g. trade.sigma=4",
        )
    key, _, raw = text.partition("=")
    parts = _split_key(key)
    try:
        value = yaml.load(raw, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(
            OVERRIDES, key.strip(), f"cannot read the value {raw!r}: {_yaml_problem(exc)}",
            "a YAML value, e.g. 4, true, text, {2020: 2, 2035: 0.5}",
        ) from None
    target, _ = strip_optional(_type_at(model_cls, parts))
    text_like = target is str or (
        get_origin(target) is Literal and all(isinstance(v, str) for v in get_args(target))
    )
    if text_like and value is not None and not isinstance(value, str):
        value = raw.strip()  # `--set name=2050` means the text "2050"
    return parts, value


def _to_python(value: Any) -> Any:
    """numpy scalars (from sweeps) → Python scalars, recursively."""
    if isinstance(value, Mapping):
        return {_to_python(k): _to_python(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_python(v) for v in value]
    if getattr(value, "shape", None) == () and hasattr(value, "item"):
        return value.item()
    return value


# --------------------------------------------------------------------------------------------
# pydantic errors → ConfigError


def _show(value: Any) -> str:
    if value is None:
        return "nothing (empty)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Where:
    """Where a pydantic error location points in the schema."""

    def __init__(self, model_cls: type[BaseModel], loc: Sequence[Any]) -> None:
        self.keys: list[str] = []
        self.field: FieldInfo | None = None
        self.ann: Any = model_cls
        self.parent: type[BaseModel] | None = None
        self.union_at: tuple[Any, ...] | None = None
        self.branch: Any = None
        self.is_key = False
        node: Any = model_cls
        i = 0
        loc = list(loc)
        while i < len(loc):
            item = loc[i]
            base, _ = strip_optional(node)
            section = model_type(base)
            args = _union_args(base) if section is None else None
            if section is not None:
                self.parent = section
                self.keys.append(str(item))
                field = section.model_fields.get(item) if isinstance(item, str) else None
                self.field = field
                node = self.ann = field.annotation if field is not None else None
            elif args:  # pydantic tags union members in the location: skip the tag
                tag = str(item).replace(" ", "")
                self.branch = next((a for a in args if _tag(a) == tag), None)
                if self.union_at is None:
                    self.union_at = tuple(loc[:i])
                node = self.branch
            elif _is_mapping_type(base):
                kv = get_args(_unwrap_annotated(base))
                key_t, value_t = kv if len(kv) == 2 else (Any, Any)
                self.keys.append(str(item))
                self.parent = None
                if i + 1 < len(loc) and loc[i + 1] == "[key]":
                    self.is_key = True
                    node = self.ann = key_t
                    i += 1
                else:
                    node = self.ann = value_t
            else:
                self.keys.append(str(item))
                self.parent = None
                found = _child(base, item) if base is not None else None
                node = self.ann = found[0] if found is not None else None
            i += 1

    @property
    def dotted(self) -> str:
        return ".".join(self.keys)


def _tag(member: Any) -> str:
    member = _unwrap_annotated(member)
    if inspect.isclass(member) and get_origin(member) is None:
        return member.__name__
    return str(member).replace(" ", "").replace("typing.", "")


def _get_in(data: Any, loc: Sequence[Any]) -> Any:
    for item in loc:
        if isinstance(data, Mapping) and item in data:
            data = data[item]
        else:
            return None
    return data


_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_TYPE_ERRORS = {"int_from_float", "model_attributes_type", "is_instance_of", "none_required"}
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
_ALLOWED = re.compile(r"\s*\(allowed:\s*(.*)\)\s*$")


def _refine(model_cls: type[BaseModel], keys: list[str], message: str) -> tuple[list[str], str | None]:
    """A validator on a section (or the whole scenario) names the offending key in its message:
    find it, so the error points at ``migration.hukou_cost`` rather than ``migration``."""
    tokens = _TOKEN.findall(message)
    for token in (t for t in tokens if "." in t):
        parts = token.split(".")
        for j in range(len(keys), -1, -1):
            candidate = keys[:j] + parts
            if candidate[: len(keys)] == keys and _resolves(model_cls, candidate):
                return candidate, token
    section = model_type(_type_at(model_cls, keys))
    if section is not None:
        for token in tokens:
            if token in section.model_fields:
                return [*keys, token], None
    return keys, None


def _translate(
    exc: ValidationError, model_cls: type[BaseModel], data: Mapping[Any, Any],
    origins: Origins, fallback: str,
) -> ConfigError:
    errors = exc.errors(include_url=False)
    err = errors[0]
    where = _Where(model_cls, err["loc"])
    if where.union_at is not None:  # one error per union member: keep the one matching the input
        group = [(e, w) for e in errors if (w := _Where(model_cls, e["loc"])).union_at == where.union_at]
        wants_mapping = isinstance(_get_in(data, where.union_at), Mapping)
        err, where = next(
            ((e, w) for e, w in group if _is_mapping_type(w.branch) == wants_mapping), group[0]
        )
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    keys = list(where.keys)
    suggestion = None
    if kind in ("extra_forbidden", "invalid_key"):
        allowed_keys = list(where.parent.model_fields) if where.parent is not None else []
        suggestion = close_match(keys[-1], allowed_keys) if keys else None
        problem, allowed = "unknown key", ", ".join(allowed_keys) or None
    elif kind in _RANGE_ERRORS:
        shown = value
        base, _ = strip_optional(where.ann)
        if base is float and isinstance(value, int | float) and not isinstance(value, bool):
            shown = float(value)
        exact = isinstance(shown, int) and not isinstance(shown, bool)
        problem = f"value {fmt_number(shown) if exact else repr(shown)} out of range"
        allowed = range_text(where.field) or _bounds_text(ctx) or describe_type(where.ann)
    elif kind in ("literal_error", "enum"):
        problem = f"invalid value {_show(value)}"
        allowed = str(ctx.get("expected")) if ctx.get("expected") else allowed_text(where.field, where.ann)
    elif kind == "missing":
        problem, allowed = "required key missing", allowed_text(where.field, where.ann)
    elif kind in ("value_error", "assertion_error"):
        message = str(ctx["error"]) if "error" in ctx else re.sub(r"^Value error,\s*", "", err["msg"])
        keys, token = _refine(model_cls, keys, message)
        if token:
            message = message.replace(f" for {token}", "")
        m = _ALLOWED.search(message)
        if m:
            problem, allowed = message[: m.start()], m.group(1)
        else:
            w = _Where(model_cls, keys)
            problem, allowed = message, allowed_text(w.field, w.ann)
    elif kind in _TYPE_ERRORS or kind.endswith(("_type", "_parsing")):
        what = "wrong key type" if where.is_key else "wrong type"
        problem = f"{what}: expected {describe_type(where.ann)}, got {_show(value)}"
        allowed = allowed_text(where.field, where.ann)
    else:
        problem, allowed = err["msg"], allowed_text(where.field, where.ann)
    dotted = ".".join(keys)
    return ConfigError(_source(origins, keys, fallback), dotted, problem, allowed, suggestion)


def _source(origins: Origins, keys: Sequence[str], fallback: str) -> str:
    path = tuple(keys)
    for n in range(len(path), 0, -1):
        if path[:n] in origins:
            return origins[path[:n]]
    below = [src for p, src in origins.items() if p[: len(path)] == path and path]
    return below[-1] if below else fallback


def _validate(
    model_cls: type[BaseModel], data: Mapping[Any, Any], origins: Origins, fallback: str
) -> Any:
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise _translate(exc, model_cls, data, origins, fallback) from None


# --------------------------------------------------------------------------------------------
# public API


def load_config(
    path: str | os.PathLike[str] | None = None,
    overrides: Sequence[str] = (),
    seed: int | None = None,
    model_cls: type[BaseModel] = Scenario,
) -> Any:
    """Load and validate a scenario.

    ``path``: a YAML file (None = schema defaults only). A top-level ``extends: other.yaml``
    (relative to the file, recursive) starts from another file. ``overrides``: ``"a.b.c=value"``
    strings, the value read as YAML (``trade.sigma=4``, ``migration.hukou_cost={2020: 2, 2035:
    0.5}``). ``seed`` replaces the seed. Raises :class:`ConfigError` (one line) on any problem.
    """
    data: dict[Any, Any] = {}
    origins: Origins = {}
    fallback = OVERRIDES
    if path is not None:
        data, origins = _load_file(Path(path), model_cls, ())
        fallback = str(path)
    if isinstance(overrides, str):
        overrides = [overrides]
    for text in overrides:
        parts, value = _parse_override(str(text), model_cls)
        _set_in(data, parts, value, model_cls, origins, OVERRIDES)
    if seed is not None:
        _set_in(data, ["seed"], _to_python(seed), model_cls, origins, OVERRIDES)
    return _validate(model_cls, data, origins, fallback)


def canonical_json(s: BaseModel) -> str:
    """The scenario as canonical JSON: sorted keys, compact, nothing excluded."""
    return json.dumps(
        s.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def config_hash(s: BaseModel) -> str:
    """First 16 hex digits of the sha256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(s).encode("utf-8")).hexdigest()[:16]


def _plain_key(key: Any) -> Any:
    if isinstance(key, Enum):
        key = key.value
    return key if isinstance(key, str | int | float | bool) else str(key)


def _plain(value: Any) -> Any:
    """Plain YAML-safe Python values (dict, list, str, int, float, bool, None)."""
    if isinstance(value, BaseModel):
        return _plain(value.model_dump())
    if isinstance(value, Mapping):
        return {_plain_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return [_plain(v) for v in sorted(value, key=repr)]
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return _plain(value.value)
    if value is None:
        return None
    for t in (bool, int, float, str):
        if isinstance(value, t):
            return t(value)
    return _plain(to_jsonable_python(value))


def config_yaml(s: BaseModel) -> str:
    """The resolved scenario as YAML text (keys in schema order), as :func:`dump_config` writes."""
    header = (
        f"# regsim scenario {getattr(s, 'name', '')!r}, fully resolved "
        f"(config hash {config_hash(s)}).\n"
    )
    body = yaml.safe_dump(
        _plain(s), sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    return header + body


def dump_config(s: BaseModel, path: str | os.PathLike[str]) -> Path:
    """Write the resolved scenario as YAML; ``load_config(path)`` gives an equal scenario."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(config_yaml(s), encoding="utf-8")
    return out


def flat_params(s: BaseModel) -> dict[str, object]:
    """``{"migration.hukou_cost": 2.0, "n_firms": 20000, ...}``: every setting under its dotted key
    (sections are flattened; mappings such as lever paths stay whole values)."""
    out: dict[str, object] = {}

    def walk(m: BaseModel, prefix: str) -> None:
        for name in type(m).model_fields:
            value = getattr(m, name)
            if isinstance(value, BaseModel):
                walk(value, f"{prefix}{name}.")
            else:
                out[f"{prefix}{name}"] = _plain(value)

    walk(s, "")
    return out


def from_flat(
    params: Mapping[str, object],
    base: BaseModel | None = None,
    model_cls: type[BaseModel] | None = None,
) -> Any:
    """A scenario from flat keys (``migration.hukou_cost`` or ``migration__hukou_cost``) applied
    on ``base`` (default: the schema defaults). Errors are :class:`ConfigError` from 'overrides'."""
    cls = model_cls or (type(base) if base is not None else Scenario)
    data: dict[Any, Any] = _plain(base) if base is not None else {}
    origins: Origins = {}
    for key, value in params.items():
        _set_in(data, _split_key(str(key)), _to_python(value), cls, origins, OVERRIDES)
    return _validate(cls, data, origins, OVERRIDES)

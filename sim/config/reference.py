"""Generate the config reference (``docs/config_reference.md``) from the scenario schema.

    python -m sim.config.reference                              # print it
    python -m sim.config.reference docs/config_reference.md     # write it

One table per section (nested sections recursively): key, type, default, unit, allowed range,
source, description. Everything comes from the pydantic model, so new sections appear by
themselves.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.config.loader import (
    EXTENDS_KEY,
    fmt_number,
    is_lever,
    model_type,
    range_text,
    schema_extra,
    strip_optional,
)
from sim.config.schema import Scenario

REGENERATE = "python -m sim.config.reference docs/config_reference.md"
_COLUMNS = ("key", "type", "default", "unit", "allowed", "source", "description")


def _cell(text: object) -> str:
    out = " ".join(str(text).split()).replace("|", "\\|")
    return out or "—"


def _doc(cls: type) -> str:
    doc = cls.__dict__.get("__doc__")
    return " ".join(inspect.cleandoc(doc).split()) if doc else ""


def type_label(ann: Any) -> str:
    """Short type name for the reference table."""
    base, optional = strip_optional(ann)
    if optional:
        return f"{type_label(base)} or null"
    if is_lever(base):
        return "lever: number or {year: number}"
    if model_type(base) is not None:
        return "section"
    if get_origin(base) is Literal:
        return " | ".join(repr(v) for v in get_args(base))
    if inspect.isclass(base) and issubclass(base, Enum):
        return " | ".join(repr(m.value) for m in base)
    simple = {bool: "boolean", int: "integer", float: "number", str: "text"}
    if base in simple:
        return simple[base]
    args = get_args(base)
    if get_origin(base) is dict and len(args) == 2:
        return f"{{{type_label(args[0])}: {type_label(args[1])}}}"
    if get_origin(base) in (list, tuple, set, frozenset) and args:
        return f"list of {type_label(args[0])}"
    return getattr(base, "__name__", str(base))


def _value(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return fmt_number(v)
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, Enum):
        return _value(v.value)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple | set | frozenset):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    try:
        value = field.get_default(call_default_factory=True)
    except TypeError:
        return "computed"
    return f"`{_value(value)}`"


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9_ -]", "", title.lower()).replace(" ", "-")


def _levers(cls: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, field in cls.model_fields.items():
        section = model_type(field.annotation)
        if section is not None:
            yield from _levers(section, f"{prefix}{name}.")
        elif is_lever(field.annotation):
            yield f"{prefix}{name}"


def _section(cls: type[BaseModel], prefix: str, level: int, lines: list[str]) -> None:
    title = prefix.rstrip(".") or "Top level"
    lines += [f"{'#' * min(level, 6)} {title}", ""]
    doc = _doc(cls)
    if doc:
        lines += [doc, ""]
    lines += ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    nested: list[tuple[type[BaseModel], str]] = []
    for name, field in cls.model_fields.items():
        key = f"{prefix}{name}"
        section = model_type(field.annotation)
        extra = schema_extra(field)
        description = field.description or ""
        if section is not None:
            nested.append((section, f"{key}."))
            more = _doc(section) if not description else ""
            description = f"{description or more} See [{key}](#{_anchor(key)}).".strip()
            row = [f"`{key}`", "section", "—", "—", "—", "—", description]
        else:
            allowed = range_text(field) or ""
            if is_lever(field.annotation) and allowed:
                allowed = f"{allowed} (each value)"
            row = [
                f"`{key}`",
                type_label(field.annotation),
                _default(field),
                extra.get("unit", ""),
                allowed,
                extra.get("source", ""),
                description,
            ]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    lines.append("")
    for section, sub in nested:  # top-level sections are siblings of the top-level table
        _section(section, sub, level + 1 if prefix else level, lines)


def reference_markdown(model_cls: type[BaseModel] = Scenario) -> str:
    """The config reference as Markdown, generated from ``model_cls``."""
    levers = list(_levers(model_cls))
    lines = [
        "# regsim config reference",
        "",
        f"<!-- Generated from sim/config/schema.py by `{REGENERATE}`. Do not edit by hand. -->",
        "",
        "A scenario is a YAML file with the keys below. Every key is optional and takes the "
        "default shown; unknown keys are errors. Units and sources come from the schema; "
        "`assumption` marks a value that no published figure pins down.",
        "",
        f"* `{EXTENDS_KEY}: other.yaml` at the top of a file (path relative to the file) starts "
        "from another scenario: sections and mappings are merged key by key, other values "
        "replaced; a lever path replaces the parent's value as a whole.",
        "* Any key can be overridden as `dotted.key=value`, the value read as YAML, e.g. "
        "`trade.sigma=4` or `migration.hukou_cost={2020: 2, 2035: 0.5}`.",
        "* **Levers** are a constant or a path `{year: value}`: linear between the years given, "
        "flat before the first and after the last. The allowed range applies to each value.",
        "",
    ]
    if levers:
        lines += ["Levers: " + ", ".join(f"`{k}`" for k in levers) + ".", ""]
    _section(model_cls, "", 2, lines)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = reference_markdown()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The sweep file: its schema, reading, the ``smoke:`` reduction and one-line errors.

A sweep file is YAML (reference and example: ``docs/sweeps.md``)::

    name: hukou_negative_list
    base: ../../configs/baseline.yaml     # scenario the runs start from (relative to this file)
    set: {n_firms: 20000}                 # fixed overrides for every run (dotted config keys)
    seed: 20250501                        # root of the runs' seeds (numpy SeedSequence)
    replicates: 20                        # runs per design point, each with its own seed
    design:
      type: grid                          # grid | list | random | lhs | sobol | morris
      parameters:
        migration.hukou_cost: [0.0, 1.0, 2.0]
        firms.entry_barrier: {from: 0.0, to: 0.5, num: 5}
    analysis: {indicators: [theil_t, gdp], years: [2050]}
    smoke: {set: {n_firms: 200, end_year: 2023}, replicates: 2}

Every problem is a :class:`SweepError` whose text is one line naming the file and the key.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.config.loader import UniqueKeyLoader

__all__ = [
    "DESIGN_TYPES",
    "TABLE_NAMES",
    "Analysis",
    "SweepError",
    "SweepSpec",
    "apply_smoke",
    "parse_output",
    "read_sweep_file",
    "validate_spec",
]

DESIGN_TYPES = ("grid", "list", "random", "lhs", "sobol", "morris")
TABLE_NAMES = ("national_year", "province_year", "plate_year", "flows")
"""Tables a sweep may store per run (the model's ``*_table()`` outputs)."""

DEFAULT_INDICATORS = [
    "theil_t", "theil_between", "theil_within", "cv", "gdp", "gdp_real", "gdp_per_capita_yuan",
    "population", "ps_cv",
]
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
OUTPUT_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)@(\d{4})$")


class SweepError(ValueError):
    """A sweep file or sweep folder that cannot be used; ``str()`` is one line."""

    def __init__(self, message: object) -> None:
        super().__init__(" ".join(str(message).split()))

    def __reduce__(self):  # picklable
        return (type(self), (str(self),))


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


# --------------------------------------------------------------------------------------- schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _finite(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise ValueError(f"{what}: expected a number, got {x!r}")
    if not math.isfinite(float(x)):
        raise ValueError(f"{what}: expected a finite number, got {x!r}")
    return float(x)


def grid_values(spec: Any, key: str) -> list[Any]:
    """The values of one grid parameter: a list, ``{from, to, num}`` (evenly spaced, ends
    included) or ``{from, to, step}`` (``to`` included when reached)."""
    if isinstance(spec, list):
        if not spec:
            raise ValueError(f"{key}: empty list of values (empty design)")
        return list(spec)
    if isinstance(spec, dict):
        keys = set(spec)
        if keys == {"from", "to", "num"}:
            lo, hi = _finite(spec["from"], f"{key}.from"), _finite(spec["to"], f"{key}.to")
            num = spec["num"]
            if isinstance(num, bool) or not isinstance(num, int) or num < 1:
                raise ValueError(f"{key}.num: expected a whole number ≥ 1, got {num!r}")
            if num == 1:
                if lo != hi:
                    raise ValueError(f"{key}: num 1 needs from == to (bad range)")
                return [lo]
            if hi < lo:
                raise ValueError(f"{key}: bad range: from {lo:g} > to {hi:g}")
            return [float(f"{lo + (hi - lo) * i / (num - 1):.15g}") for i in range(num)]
        if keys == {"from", "to", "step"}:
            lo, hi = _finite(spec["from"], f"{key}.from"), _finite(spec["to"], f"{key}.to")
            step = _finite(spec["step"], f"{key}.step")
            if step <= 0:
                raise ValueError(f"{key}: bad range: step {step:g} must be > 0")
            if hi < lo:
                raise ValueError(f"{key}: bad range: from {lo:g} > to {hi:g}")
            n = math.floor((hi - lo) / step + 1e-9) + 1
            if n > 100_000:
                raise ValueError(f"{key}: bad range: {n} values (at most 100000)")
            return [float(f"{lo + i * step:.15g}") for i in range(n)]
        raise ValueError(
            f"{key}: expected a list of values, {{from, to, num}} or {{from, to, step}}, "
            f"got keys {sorted(map(str, keys))}"
        )
    raise ValueError(f"{key}: expected a list of values or {{from, to, num}}, got {spec!r}")


def bounds(spec: Any, key: str) -> tuple[float, float]:
    """``[low, high]`` of a sampled parameter, low < high, both finite."""
    if isinstance(spec, dict) and set(spec) == {"low", "high"}:
        spec = [spec["low"], spec["high"]]
    if not isinstance(spec, list | tuple) or len(spec) != 2:
        raise ValueError(f"{key}: expected bounds [low, high], got {spec!r}")
    lo, hi = _finite(spec[0], f"{key} low"), _finite(spec[1], f"{key} high")
    if not lo < hi:
        raise ValueError(f"{key}: bad range: low {lo:g} must be below high {hi:g}")
    return lo, hi


def _check_names(params: dict[str, Any]) -> None:
    if not params:
        raise ValueError("no parameters (empty design)")
    for k in params:
        if not isinstance(k, str) or not k.strip():
            raise ValueError(f"parameter name {k!r}: expected a dotted config key")


class GridDesign(_Strict):
    """Every combination of the values given (first parameter varies slowest)."""

    type: Literal["grid"]
    parameters: dict[str, Any]

    @field_validator("parameters")
    @classmethod
    def _values(cls, v: dict[str, Any]) -> dict[str, Any]:
        _check_names(v)
        for k, spec in v.items():
            grid_values(spec, k)
        return v


class ListDesign(_Strict):
    """Explicit design points: each a mapping of config keys (plus ``label`` and ``scenario``)."""

    type: Literal["list"]
    points: list[dict[str, Any]]

    @field_validator("points")
    @classmethod
    def _points(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not v:
            raise ValueError("no points (empty design)")
        for i, p in enumerate(v):
            if not isinstance(p, dict):
                raise ValueError(f"point {i}: expected a mapping of config keys")
            if "label" in p and not isinstance(p["label"], str | int | float):
                raise ValueError(f"point {i}: label: expected text")
            if "scenario" in p and not isinstance(p["scenario"], str):
                raise ValueError(f"point {i}: scenario: expected a path to a scenario file")
        return v


class _Sampled(_Strict):
    parameters: dict[str, Any]

    @field_validator("parameters")
    @classmethod
    def _bounds(cls, v: dict[str, Any]) -> dict[str, Any]:
        _check_names(v)
        return {k: list(bounds(spec, k)) for k, spec in v.items()}


class RandomDesign(_Sampled):
    """``n`` points drawn uniformly (``random``) or by Latin hypercube (``lhs``) within bounds."""

    type: Literal["random", "lhs"]
    n: int = Field(ge=1, le=1_000_000)


class SobolDesign(_Sampled):
    """Saltelli's extension of the Sobol sequence (SALib): ``n · (d + 2)`` points, or
    ``n · (2d + 2)`` with second-order indices; ``n`` a power of two."""

    type: Literal["sobol"]
    n: int = Field(ge=2, le=1_048_576)
    second_order: bool = False

    @field_validator("n")
    @classmethod
    def _pow2(cls, n: int) -> int:
        if n & (n - 1):
            raise ValueError(f"n = {n} must be a power of 2 (Sobol sequence), e.g. 64, 128, 256")
        return n


class MorrisDesign(_Sampled):
    """Morris elementary effects (SALib): ``trajectories · (d + 1)`` points on a ``levels`` grid."""

    type: Literal["morris"]
    trajectories: int = Field(ge=2, le=100_000)
    levels: int = Field(4, ge=2, le=100)

    @field_validator("levels")
    @classmethod
    def _even(cls, n: int) -> int:
        if n % 2:
            raise ValueError(f"levels = {n} must be even (Morris design)")
        return n


Design = Annotated[
    GridDesign | ListDesign | RandomDesign | SobolDesign | MorrisDesign,
    Field(discriminator="type"),
]


def parse_output(text: str) -> tuple[str, int]:
    """``"theil_t@2050"`` → ``("theil_t", 2050)``."""
    m = OUTPUT_RE.match(str(text).strip())
    if not m:
        raise ValueError(f"output {text!r}: expected INDICATOR@YEAR, e.g. theil_t@2050")
    return m.group(1), int(m.group(2))


class Analysis(_Strict):
    """What ``regsim analyze`` computes (all optional)."""

    indicators: list[str] | Literal["all"] = Field(default_factory=lambda: list(DEFAULT_INDICATORS))
    province_indicators: list[str] = Field(default_factory=list)
    years: list[int] | None = None
    outputs: list[str] = Field(default_factory=list)
    bands: tuple[float, float] = (0.05, 0.95)
    conf_level: float = Field(0.95, gt=0.0, lt=1.0)
    num_resamples: int = Field(1000, ge=10, le=100_000)
    figures: bool = True
    main_table: str | None = None
    reference: str | None = None  # label of the point drawn dashed in every panel of the paths

    @field_validator("outputs")
    @classmethod
    def _outputs(cls, v: list[str]) -> list[str]:
        for text in v:
            parse_output(text)
        return v

    @field_validator("bands")
    @classmethod
    def _bands(cls, v: tuple[float, float]) -> tuple[float, float]:
        lo, hi = v
        if not 0.0 <= lo < hi <= 1.0:
            raise ValueError(f"bad range: bands {list(v)} must satisfy 0 ≤ low < high ≤ 1")
        return v


class Smoke(_Strict):
    """Reductions applied by ``--smoke`` (merged over the full sweep)."""

    set: dict[str, Any] = Field(default_factory=dict)
    replicates: int | None = Field(None, ge=1, le=100_000)
    design: dict[str, Any] | None = None
    analysis: dict[str, Any] | None = None


class SweepSpec(_Strict):
    """A whole sweep file."""

    name: str
    description: str = ""
    base: str | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(ge=0, le=2**63 - 1)
    replicates: int = Field(1, ge=1, le=100_000)
    tables: list[str] = Field(default_factory=lambda: ["national_year", "province_year"])
    design: Design
    analysis: Analysis = Field(default_factory=Analysis)
    smoke: Smoke | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError(f"name {v!r}: use letters, digits, '.', '_' and '-' only")
        return v

    @field_validator("tables")
    @classmethod
    def _tables(cls, v: list[str]) -> list[str]:
        for t in v:
            if t not in TABLE_NAMES:
                raise ValueError(f"unknown table {t!r} (allowed: {', '.join(TABLE_NAMES)})")
        if "national_year" not in v:
            raise ValueError("national_year must be among the tables")
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        for k in self.set:
            if not isinstance(k, str) or not k.strip():
                raise ValueError(f"set: key {k!r}: expected a dotted config key")
        return self


# --------------------------------------------------------------------------------------- errors


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema class holding the last key of ``loc`` (for 'did you mean')."""
    cls: Any = SweepSpec
    design_types = {
        "grid": GridDesign, "list": ListDesign, "random": RandomDesign, "lhs": RandomDesign,
        "sobol": SobolDesign, "morris": MorrisDesign,
    }
    parts = list(loc[:-1])
    i = 0
    while i < len(parts):
        part = parts[i]
        if cls is None or not isinstance(cls, type) or not issubclass(cls, BaseModel):
            return None
        field = cls.model_fields.get(str(part))
        if field is None:
            return None
        if part == "design" and cls is SweepSpec:
            nxt = parts[i + 1] if i + 1 < len(parts) else None
            cls = design_types.get(str(nxt))
            i += 2
            continue
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        cls = next((a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)),
                   None)
        i += 1
    return cls if isinstance(cls, type) and issubclass(cls, BaseModel) else None


def _loc_text(loc: tuple[Any, ...]) -> str:
    out: list[str] = []
    for i, part in enumerate(loc):
        if i > 0 and loc[i - 1] == "design" and part in DESIGN_TYPES:
            continue  # the discriminator tag pydantic inserts
        out.append(str(part))
    return ".".join(out)


def _translate(exc: ValidationError, source: str) -> SweepError:
    err = exc.errors()[0]
    loc = tuple(err.get("loc", ()))
    where = _loc_text(loc)
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid"))
    if kind == "extra_forbidden":
        cls = _model_at(loc)
        allowed = [f.alias or n for n, f in cls.model_fields.items()] if cls else []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        text = f"{where}: unknown key"
        if hint:
            text += f"; did you mean '{hint[0]}'?"
        if allowed:
            text += f" (allowed: {', '.join(allowed)})"
    elif kind == "missing":
        text = f"{where}: missing"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        text = f"design.type: must be one of {', '.join(DESIGN_TYPES)}"
    else:
        msg = msg.removeprefix("Value error, ")
        text = f"{where}: {msg}" if where else msg
    return SweepError(f"sweep error: {source}: {text}")


# --------------------------------------------------------------------------------------- reading


def read_sweep_file(path: str | Path) -> dict[str, Any]:
    """The raw mapping of a sweep file (SweepError on unreadable files or invalid YAML)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SweepError(f"sweep error: {path}: file not found") from None
    except IsADirectoryError:
        raise SweepError(f"sweep error: {path}: is a directory, not a sweep file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepError(f"sweep error: {path}: cannot read: {exc}") from None
    try:
        raw = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or "syntax error"
        raise SweepError(f"sweep error: {path}: invalid YAML{where}: {problem}") from None
    if raw is None:
        raise SweepError(f"sweep error: {path}: empty file (a sweep needs name, seed and design)")
    if not isinstance(raw, dict):
        raise SweepError(f"sweep error: {path}: the file must be a mapping (name, seed, design, ...)")
    return raw


def validate_spec(raw: dict[str, Any], source: str) -> SweepSpec:
    """Validate a raw sweep mapping (SweepError, one line)."""
    try:
        return SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise _translate(exc, source) from None


def apply_smoke(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """The raw sweep with its ``smoke:`` section merged in (and removed): ``set`` keys override,
    ``replicates`` replaces, ``design`` replaces the design when it names a ``type`` and is merged
    key by key otherwise, ``analysis`` is merged key by key."""
    smoke = raw.get("smoke")
    out = {k: v for k, v in raw.items() if k != "smoke"}
    if not smoke:
        raise SweepError(f"sweep error: {source}: --smoke needs a 'smoke:' section in the sweep file")
    s = Smoke.model_validate(smoke)  # already validated with the spec
    out["set"] = {**(raw.get("set") or {}), **s.set}
    if s.replicates is not None:
        out["replicates"] = s.replicates
    if s.design is not None:
        if "type" in s.design:
            out["design"] = dict(s.design)
        else:
            out["design"] = {**(raw.get("design") or {}), **s.design}
    if s.analysis is not None:
        out["analysis"] = {**(raw.get("analysis") or {}), **s.analysis}
    return out

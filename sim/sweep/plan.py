"""From a sweep file to the list of runs: design points, their scenarios and the runs' seeds.

Everything here happens before any run starts, so a bad sweep fails fast with one line:
every design point's scenario is built and validated (unknown config keys, values out of range).

Seeds. ``SeedSequence(sweep seed).spawn(2)`` gives a *design* sequence (the sampling of random,
LHS, Sobol and Morris designs) and a *runs* sequence; run ``i`` (in run order: point-major,
replicate-minor) gets ``runs.spawn(n_runs)[i].generate_state(1, uint64) >> 1`` as its scenario
``seed`` (63 bits). Every run thus has its own independent stream, recorded in the runs table;
``regsim run BASE --set ... --seed SEED`` reproduces it alone.

Wildcards. In ``set``, in design parameter names and in list points, a key segment ``*`` stands
for every key at that place in the scenario (``mechanisms.*.intensity`` = the intensity of every
registered mechanism, :data:`sim.mechanisms.REGISTRY`), and in list points ``{mechanism}`` expands
the point into one point per registered mechanism.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.sweep.spec import (
    GridDesign,
    ListDesign,
    RandomDesign,
    SobolDesign,
    SweepError,
    SweepSpec,
    apply_smoke,
    grid_values,
    read_sweep_file,
    validate_spec,
)

__all__ = ["Plan", "Point", "Run", "load_sweep", "mechanism_keys", "run_seeds"]

MECH_PLACEHOLDER = "{mechanism}"
RESERVED = ("label", "scenario")


@dataclass(frozen=True)
class Point:
    """One design point: its index, label, parameter values (dotted keys) and scenario file."""

    index: int
    label: str
    params: dict[str, Any]
    scenario: str | None = None


@dataclass(frozen=True)
class Run:
    """One run: a design point and a replicate, with its own seed."""

    run: int
    point: int
    replicate: int
    seed: int

    @property
    def run_id(self) -> str:
        return f"{self.run:06d}"


@dataclass
class Plan:
    """A resolved sweep: what will run, all validated."""

    spec: SweepSpec
    source: str
    smoke: bool
    base_path: str | None
    base_config: Any  # Scenario: base file + ``set``
    points: list[Point]
    point_configs: list[Any]
    runs: list[Run]
    param_names: list[str]
    design_seed: int
    problem: dict[str, Any] | None = None  # SALib problem (sobol, morris)
    sample: np.ndarray | None = None  # the SALib/random sample, one row per point
    resolved: dict[str, Any] = field(default_factory=dict)  # the effective sweep (for sweep.yaml)

    @property
    def name(self) -> str:
        return self.spec.name

    def run_config(self, run: Run) -> Any:
        """The scenario of ``run``: its point's scenario with the run's seed."""
        return self.point_configs[run.point].model_copy(update={"seed": int(run.seed)})

    def point_hashes(self) -> list[str]:
        from sim.config import config_hash

        if not hasattr(self, "_point_hashes"):
            self._point_hashes = [config_hash(c) for c in self.point_configs]
        return self._point_hashes

    def plan_hash(self) -> str:
        """Identity of the sweep's runs (run ids, point scenarios, seeds, stored tables)."""
        hashes = self.point_hashes()
        payload = {
            "tables": list(self.spec.tables),
            "runs": [[r.run_id, hashes[r.point], str(r.seed)] for r in self.runs],
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ------------------------------------------------------------------------------ seeds, wildcards


def _seed_sequences(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    design, runs = np.random.SeedSequence(int(seed)).spawn(2)
    return design, runs


def run_seeds(seed: int, n: int) -> list[int]:
    """The seeds of runs ``0 .. n-1`` of a sweep with root ``seed`` (see the module docstring)."""
    _, runs = _seed_sequences(seed)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in runs.spawn(n)]


def design_seed(seed: int) -> int:
    """The integer seed of a sweep's design sampling."""
    design, _ = _seed_sequences(seed)
    return int(design.generate_state(1, np.uint32)[0])


def mechanism_keys() -> list[str]:
    """Config keys of the registered mechanisms, in hook order."""
    from sim.mechanisms import REGISTRY

    return [cls.key for cls in REGISTRY]


def _pattern(key: str) -> re.Pattern[str]:
    parts = [r"[^.]+" if p == "*" else re.escape(p) for p in key.replace("__", ".").split(".")]
    return re.compile("^" + r"\.".join(parts) + "$")


def expand_key(key: str, flat_keys: list[str], where: str) -> list[str]:
    """``key`` or, with a ``*`` segment, every matching dotted key of the scenario."""
    key = str(key).strip()
    if "*" not in key.replace("__", ".").split("."):
        if "*" in key:
            raise SweepError(f"{where}: {key}: '*' must be a whole key segment, e.g. mechanisms.*.intensity")
        return [key]
    pat = _pattern(key)
    found = [k for k in flat_keys if pat.match(k)]
    if not found:
        raise SweepError(f"{where}: {key}: matches no config key")
    return found


def _expand_mapping(values: dict[str, Any], flat_keys: list[str], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        for k in expand_key(str(key), flat_keys, where):
            out[k] = value
    return out


def _plain_value(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _show(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_show(x)}" for k, x in v.items()) + "}"
    return str(v)


def _auto_label(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_show(v)}" for k, v in params.items()) or "base"


# ------------------------------------------------------------------------------ designs


def _int_keys(base: Any, names: list[str]) -> set[str]:
    from sim.config import flat_params

    flat = flat_params(base)
    out = set()
    for n in names:
        v = flat.get(n)
        if isinstance(v, bool):
            raise SweepError(f"design.parameters.{n}: a switch cannot be sampled between bounds")
        if isinstance(v, int):
            out.add(n)
    return out


def _sampled_points(d: Any, names: list[str], bounds: list[list[float]], seed: int,
                    base: Any) -> tuple[list[dict[str, Any]], np.ndarray, dict[str, Any] | None]:
    problem = {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}
    if isinstance(d, RandomDesign):
        if d.type == "random":
            rng = np.random.default_rng(seed)
            lo = np.array([b[0] for b in bounds])
            hi = np.array([b[1] for b in bounds])
            sample = lo + (hi - lo) * rng.random((d.n, len(names)))
        else:
            from SALib.sample import latin

            sample = latin.sample(problem, d.n, seed=seed)
        prob = None
    elif isinstance(d, SobolDesign):
        from SALib.sample import sobol

        sample = sobol.sample(problem, d.n, calc_second_order=d.second_order, scramble=True,
                              seed=seed)
        prob = problem
    else:
        from SALib.sample import morris

        if len(names) < 2:
            raise SweepError("design.parameters: a Morris design needs at least 2 parameters")
        sample = morris.sample(problem, d.trajectories, num_levels=d.levels, seed=seed)
        prob = problem
    ints = _int_keys(base, names)
    rows = []
    for row in np.asarray(sample, dtype=float):
        rows.append({n: (round(float(x)) if n in ints else float(x)) for n, x in zip(names, row, strict=True)})
    return rows, np.asarray(sample, dtype=float), prob


def _list_points(d: ListDesign, flat_keys: list[str], sweep_dir: Path) -> list[Point]:
    mechs = mechanism_keys()
    out: list[Point] = []
    for i, raw in enumerate(d.points):
        where = f"design.points[{i}]"
        items = {str(k): v for k, v in raw.items()}
        template = any(MECH_PLACEHOLDER in k for k in items) or MECH_PLACEHOLDER in str(items.get("label", ""))
        variants = mechs if template else [None]
        if template and not mechs:
            raise SweepError(f"{where}: {{mechanism}}: no mechanism is registered")
        for mech in variants:
            label = items.get("label")
            scenario = items.get("scenario")
            params_raw = {k: v for k, v in items.items() if k not in RESERVED}
            if mech is not None:
                params_raw = {k.replace(MECH_PLACEHOLDER, mech): v for k, v in params_raw.items()}
                label = None if label is None else str(label).replace(MECH_PLACEHOLDER, mech)
            params = _expand_mapping(params_raw, flat_keys, where)
            if scenario is not None:
                scenario = str(scenario)
            if label is None:
                label = _auto_label(params) if params or scenario is None else Path(scenario).stem
            out.append(Point(len(out), str(label), params, scenario))
    labels = [p.label for p in out]
    dup = next((x for x in labels if labels.count(x) > 1), None)
    if dup is not None:
        raise SweepError(f"design.points: label {dup!r} used twice (labels name the points)")
    return out


# ------------------------------------------------------------------------------ the plan


def _resolve_path(text: str, sweep_dir: Path) -> Path:
    p = Path(text).expanduser()
    return Path(os.path.normpath(p if p.is_absolute() else (sweep_dir / p)))


def _load_scenario(path: Path, where: str) -> Any:
    from sim.config import ConfigError, load_config

    if not path.is_file():
        raise SweepError(f"{where}: scenario file {path} not found")
    try:
        return load_config(path)
    except ConfigError as exc:
        raise SweepError(f"{where}: {exc}") from None


def _apply(params: dict[str, Any], base: Any, where: str) -> Any:
    from sim.config import ConfigError, from_flat

    try:
        return from_flat(params, base=base) if params else base
    except ConfigError as exc:
        raise SweepError(f"{where}: {exc}") from None


def load_sweep(path: str | Path, smoke: bool = False) -> Plan:
    """Read, validate and resolve a sweep file into a :class:`Plan` (no run started).

    Raises :class:`SweepError` with a one-line message on any problem: unreadable file, unknown
    keys, empty design, bad ranges, unknown or out-of-range config keys in ``set`` or the design.
    """
    from sim.config import flat_params

    source = str(path)
    raw = read_sweep_file(path)
    spec = validate_spec(raw, source)
    if smoke:
        spec = validate_spec(apply_smoke(raw, source), f"{source} (smoke)")
    sweep_dir = Path(path).resolve().parent

    def fail(exc: SweepError) -> SweepError:
        return SweepError(f"sweep error: {source}: {exc}")

    try:
        base_path = _resolve_path(spec.base, sweep_dir) if spec.base else None
        if base_path is not None:
            base0 = _load_scenario(base_path, "base")
        else:
            from sim.config import Scenario

            base0 = Scenario()
        flat_keys = list(flat_params(base0))
        base = _apply(_expand_mapping(spec.set, flat_keys, "set"), base0, "set")
        flat_keys = list(flat_params(base))
        dseed = design_seed(spec.seed)
        d = spec.design
        problem = None
        sample = None
        if isinstance(d, GridDesign):
            names = []
            values = []
            for key, vspec in d.parameters.items():
                for k in expand_key(key, flat_keys, "design.parameters"):
                    names.append(k)
                    values.append(grid_values(vspec, k))
            if len(set(names)) != len(names):
                raise SweepError("design.parameters: a config key is given twice")
            points = [Point(i, _auto_label(dict(zip(names, combo, strict=True))),
                            dict(zip(names, combo, strict=True)))
                      for i, combo in enumerate(itertools.product(*values))]
        elif isinstance(d, ListDesign):
            points = _list_points(d, flat_keys, sweep_dir)
            names = list(dict.fromkeys(k for p in points for k in p.params))
        else:
            names, bnds = [], []
            for key, b in d.parameters.items():
                for k in expand_key(key, flat_keys, "design.parameters"):
                    names.append(k)
                    bnds.append(b)
            if len(set(names)) != len(names):
                raise SweepError("design.parameters: a config key is given twice")
            rows, sample, problem = _sampled_points(d, names, bnds, dseed, base)
            points = [Point(i, f"point {i}", r) for i, r in enumerate(rows)]
            # Check the bounds against the schema once, before building every point.
            for k, (lo, hi) in zip(names, bnds, strict=True):
                for v in (lo, hi):
                    vv = round(v) if isinstance(rows[0][k], int) else v
                    _apply({k: vv}, base, f"design.parameters.{k}: bound {v:g}")
        if not points:
            raise SweepError("design: no points (empty design)")

        configs = []
        scen_cache: dict[str, Any] = {}
        for p in points:
            start = base
            if p.scenario is not None:
                if p.scenario not in scen_cache:
                    sp = _resolve_path(p.scenario, sweep_dir)
                    s0 = _load_scenario(sp, f"design point {p.index} ({p.label})")
                    scen_cache[p.scenario] = _apply(
                        _expand_mapping(spec.set, list(flat_params(s0)), "set"), s0,
                        f"design point {p.index} ({p.label}): set")
                start = scen_cache[p.scenario]
            params = {k: _plain_value(v) for k, v in p.params.items()}
            configs.append(_apply(params, start, f"design point {p.index} ({p.label})"))
    except SweepError as exc:
        raise fail(exc) from None

    n_runs = len(points) * spec.replicates
    seeds = run_seeds(spec.seed, n_runs)
    runs = [Run(i, i // spec.replicates, i % spec.replicates, seeds[i]) for i in range(n_runs)]
    resolved = spec.model_dump(mode="json", exclude={"smoke"}, by_alias=True)
    resolved["base"] = str(base_path) if base_path is not None else None
    resolved["smoke"] = bool(smoke)
    resolved["mechanisms_registered"] = mechanism_keys()
    resolved["parameters_expanded"] = names
    return Plan(spec=spec, source=source, smoke=smoke,
                base_path=str(base_path) if base_path is not None else None, base_config=base,
                points=points, point_configs=configs, runs=runs, param_names=names,
                design_seed=dseed, problem=problem, sample=sample, resolved=resolved)

"""The sweep folder: layout, atomic per-run writes, the runs table and reading the tables back.

Layout of ``OUT/``::

    manifest.json             the sweep manifest (resolved sweep, hashes, versions, sessions)
    sweep.yaml                the effective sweep (after --smoke), as resolved
    base_config.yaml          the base scenario with the sweep's ``set`` applied
    runs.parquet              the runs table: run, run_id, point, replicate, label, seed,
                              point_hash, one column per design parameter, status, error, ...
    runs/run=000000/          one folder per finished run (Hive-style partition ``run``):
        national_year.parquet     the run's national-year table
        province_year.parquet     the run's province-year table (and any other stored table)
        run.json                  the run's record: status (done | failed), error, seed, ...
    tables/, figures/         written by ``regsim analyze``

A run's folder is written under a temporary name (``runs/.tmp-...``) and renamed into place
when complete, so a run is either wholly present or absent; a failed run's folder holds only
``run.json`` with its error. Read a table of every run with :func:`read_table` (or with
``pyarrow.dataset`` over ``runs/run=*/<table>.parquet``, Hive partitioning).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io.results import write_parquet
from sim.sweep.spec import SweepError

__all__ = [
    "MANIFEST",
    "RUNS_DIR",
    "RUNS_TABLE",
    "collect_status",
    "commit_run",
    "prepare_out",
    "read_manifest",
    "read_runs",
    "read_table",
    "run_dir",
    "runs_frame",
    "write_json_atomic",
]

MANIFEST = "manifest.json"
RUNS_DIR = "runs"
RUNS_TABLE = "runs.parquet"
RUN_RECORD = "run.json"
KIND = "regsim-sweep"
TMP_PREFIX = ".tmp-"


def run_dir(out: Path, run_id: str) -> Path:
    return Path(out) / RUNS_DIR / f"run={run_id}"


def write_json_atomic(obj: Any, path: Path) -> Path:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_manifest(out: Path) -> dict[str, Any] | None:
    p = Path(out) / MANIFEST
    if not p.is_file():
        return None
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) and m.get("kind") == KIND else None


def prepare_out(out: Path, plan_hash: str, create: bool = True) -> tuple[Path, dict[str, Any] | None]:
    """Check ``out`` for a new sweep or a resume of the same sweep; returns (path, previous
    manifest or None). With ``create``, makes the folder and removes temporary folders of runs
    interrupted while being written."""
    out = Path(out).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise SweepError(f"output error: {out}: exists and is not a folder")
    previous = None
    if out.is_dir():
        previous = read_manifest(out)
        if previous is None:
            if any(out.iterdir()):
                raise SweepError(f"output error: {out}: folder exists and is not a regsim sweep "
                                 "(no sweep manifest.json); choose another --out or remove it")
        elif previous.get("plan_hash") != plan_hash:
            raise SweepError(
                f"output error: {out}: holds a different sweep (plan {previous.get('plan_hash')} "
                f"≠ {plan_hash}); choose another --out or remove it")
    if not create:
        return out, previous
    (out / RUNS_DIR).mkdir(parents=True, exist_ok=True)
    for p in (out / RUNS_DIR).iterdir():
        if p.name.startswith(TMP_PREFIX):
            shutil.rmtree(p, ignore_errors=True)
    return out, previous


def commit_run(out: Path, run_id: str, tables: Mapping[str, pd.DataFrame],
               record: Mapping[str, Any]) -> Path:
    """Write one run's tables and record atomically (temporary folder, then one rename)."""
    runs = Path(out) / RUNS_DIR
    final = run_dir(out, run_id)
    tmp = runs / f"{TMP_PREFIX}run={run_id}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        for name, frame in tables.items():
            write_parquet(frame, tmp / f"{name}.parquet")
        (tmp / RUN_RECORD).write_text(
            json.dumps(dict(record), indent=2, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8")
        if final.exists():  # a failed run retried: replace its folder
            aside = runs / f"{TMP_PREFIX}old-run={run_id}-{os.getpid()}"
            os.replace(final, aside)
            shutil.rmtree(aside, ignore_errors=True)
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def collect_status(out: Path) -> dict[str, dict[str, Any]]:
    """``run_id -> run record`` of every run folder present (finished runs, done or failed)."""
    runs = Path(out) / RUNS_DIR
    found: dict[str, dict[str, Any]] = {}
    if not runs.is_dir():
        return found
    for p in runs.iterdir():
        if not p.name.startswith("run=") or not p.is_dir():
            continue
        try:
            rec = json.loads((p / RUN_RECORD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # cannot happen with atomic writes; such a run is simply redone
        found[p.name.removeprefix("run=")] = rec
    return found


def _param_column(values: list[Any]) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
    if present and all(isinstance(v, bool) for v in present):
        return pd.Series([None if v is None else bool(v) for v in values], dtype="object")
    return pd.Series([None if v is None else (v if isinstance(v, str) else json.dumps(v, sort_keys=True))
                      for v in values], dtype="object")


def runs_frame(plan: Any, status: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """The runs table of ``plan``: one row per run with its parameters, seed and status."""
    status = status or {}
    hashes = plan.point_hashes()
    runs = plan.runs
    points = plan.points
    data: dict[str, Any] = {
        "run": np.array([r.run for r in runs], dtype=np.int64),
        "run_id": [r.run_id for r in runs],
        "point": np.array([r.point for r in runs], dtype=np.int64),
        "replicate": np.array([r.replicate for r in runs], dtype=np.int64),
        "label": [points[r.point].label for r in runs],
        "seed": np.array([r.seed for r in runs], dtype=np.int64),
        "point_hash": [hashes[r.point] for r in runs],
    }
    if any(p.scenario for p in points):
        data["scenario"] = [points[r.point].scenario for r in runs]
    for name in plan.param_names:
        data[name] = _param_column([points[r.point].params.get(name) for r in runs])
    return _with_status(pd.DataFrame(data), status)


STATUS_COLUMNS = ("status", "error", "config_hash", "wall_time_s", "worker")


def _with_status(frame: pd.DataFrame, status: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    recs = [status.get(rid, {}) for rid in frame["run_id"]]
    frame = frame.drop(columns=list(STATUS_COLUMNS), errors="ignore")
    frame["status"] = [rec.get("status", "pending") for rec in recs]
    frame["error"] = [rec.get("error") for rec in recs]
    frame["config_hash"] = [rec.get("config_hash") for rec in recs]
    frame["wall_time_s"] = pd.Series([rec.get("wall_time_s") for rec in recs], dtype="float64")
    frame["worker"] = [rec.get("worker") for rec in recs]
    return frame


def write_runs_table(out: Path, frame: pd.DataFrame) -> Path:
    path = Path(out) / RUNS_TABLE
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write_parquet(frame, tmp)
    os.replace(tmp, path)
    return path


def read_runs(out: Path) -> pd.DataFrame:
    """The runs table with each run's current status (from the run folders present)."""
    out = Path(out)
    path = out / RUNS_TABLE
    if not path.is_file():
        raise SweepError(f"analyze error: {out}: no {RUNS_TABLE} (not a regsim sweep folder?)")
    return _with_status(pd.read_parquet(path), collect_status(out))


def read_table(out: Path, table: str = "national_year", runs: Iterable[int] | None = None,
               with_runs: bool = True) -> pd.DataFrame:
    """One table of every finished run (or of ``runs``), with the run's ``run`` column and, with
    ``with_runs``, its point, replicate, label, seed and parameters. Sorted by run and rows."""
    import pyarrow.dataset as ds

    out = Path(out)
    wanted = None if runs is None else {int(r) for r in runs}
    files = []
    for p in sorted((out / RUNS_DIR).glob(f"run=*/{table}.parquet")):
        rid = int(p.parent.name.removeprefix("run="))
        if wanted is None or rid in wanted:
            files.append(str(p))
    if not files:
        raise SweepError(f"analyze error: {out}: no finished run has a {table} table")
    import pyarrow as pa

    dataset = ds.dataset(files, format="parquet",
                         partitioning=ds.partitioning(pa.schema([("run", pa.int64())]),
                                                      flavor="hive"),
                         partition_base_dir=str(out / RUNS_DIR))
    frame = dataset.to_table().to_pandas()
    cols = ["run", *[c for c in frame.columns if c != "run"]]
    frame = frame[cols]
    keys = ["run", *[c for c in ("year", "province", "plate", "kind") if c in frame.columns]]
    frame = frame.sort_values(keys, kind="mergesort").reset_index(drop=True)
    if with_runs:
        rt = read_runs(out)
        meta = rt.drop(columns=["run_id", *STATUS_COLUMNS], errors="ignore")
        frame = meta.merge(frame, on="run", how="right", validate="one_to_many")
    return frame


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()

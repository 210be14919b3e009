"""Write the outputs of a run into one folder, all or nothing.

:func:`write_results` writes into a temporary sibling folder (``.<name>.tmp-<pid>``) and only when
every file is written renames it into place (an existing output folder is first moved aside, then
deleted). A failure leaves neither a half-written output folder nor the temporary folder behind;
a previous output folder is kept if the new one could not be put in place.

Files (all in the output folder)::

    province_year.parquet   province × year
    plate_year.parquet      plate × year (population_share, gdp_share, ...)
    national_year.parquet   year (GDP, population, Theil T and its decomposition, CV, ...)
    flows.parquet           year, kind, from, to, amount, unit
    warnings.parquet        year, province, indicator, value, threshold (early warnings, §27;
                            empty with these columns when there are none)
    firms_final.parquet     alive firms at the end (only with ``firm_tables=True``)
    config.yaml             the resolved scenario (``load_config`` reads it back equal)
    manifest.json           scenario, hash, seed, versions, git commit, command, wall time, files
    figures/*.png           gdp_map, theil_decomposition, population_shares (``figures=True``)

Parquet files are byte-identical for the same model outputs: fixed writer settings, no pandas
metadata, no index, the model's column order. Wall time and timestamps go in the manifest only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import dump_config
from sim.io.manifest import build_manifest, write_manifest

__all__ = [
    "TABLES",
    "WARNINGS_FILE",
    "OutputError",
    "check_out_dir",
    "default_out_dir",
    "firms_frame",
    "warnings_frame",
    "write_parquet",
    "write_results",
]

TABLES: dict[str, str] = {
    "province_year.parquet": "province_table",
    "plate_year.parquet": "plate_table",
    "national_year.parquet": "national_table",
    "flows.parquet": "flows_table",
}
"""Output file → the model method that returns its table."""

FIRMS_FILE = "firms_final.parquet"
WARNINGS_FILE = "warnings.parquet"
WARNINGS_SCHEMA = pa.schema([("year", pa.int64()), ("province", pa.string()),
                             ("indicator", pa.string()), ("value", pa.float64()),
                             ("threshold", pa.float64())])
"""Columns of the early-warnings table (``model.warnings``, see ``sim.mechanisms.monitoring``)."""
CONFIG_FILE = "config.yaml"
MANIFEST_FILE = "manifest.json"
FIGURES_DIR = "figures"


class OutputError(ValueError):
    """The output folder cannot be used (one-line message)."""


def default_out_dir(scenario_name: str, root: str | os.PathLike[str] = "results") -> Path:
    """``results/<scenario name>``, the name reduced to letters, digits, ``.``, ``_`` and ``-``."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", scenario_name).strip("._") or "scenario"
    return Path(root) / safe


def _is_replaceable(path: Path) -> bool:
    """An existing folder may be replaced if it is empty or a previous regsim output."""
    if not path.is_dir() or path.is_symlink():
        return False
    return (path / MANIFEST_FILE).is_file() or not any(path.iterdir())


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Check that ``out_dir`` can receive outputs; returns it as an absolute path.

    Raises :class:`OutputError` when it exists and is not a folder that a run may replace (an
    empty folder or a previous output folder with a ``manifest.json``): a run never deletes
    anything else (``--out .`` or ``--out ~`` are refused).
    """
    path = Path(out_dir).expanduser().absolute()
    if not path.name or path.parent == path:
        raise OutputError(f"output error: {out_dir}: not a usable output folder")
    if path.exists() or path.is_symlink():
        if not path.is_dir() or path.is_symlink():
            raise OutputError(f"output error: {out_dir}: exists and is not a folder")
        if not _is_replaceable(path):
            raise OutputError(
                f"output error: {out_dir}: folder exists and is not a regsim output "
                "(no manifest.json); choose another --out or remove it"
            )
    if path.parent.exists() and not path.parent.is_dir():
        raise OutputError(f"output error: {path.parent}: not a folder")
    return path


def _arrow_table(frame: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    return table.replace_schema_metadata(None)


def write_parquet(frame: pd.DataFrame, path: str | os.PathLike[str],
                  schema: pa.Schema | None = None) -> Path:
    """Write ``frame`` (index dropped, no pandas metadata, fixed settings): the same frame always
    gives the same bytes. ``schema`` fixes the column types (e.g. of an empty table)."""
    out = Path(path)
    pq.write_table(
        _arrow_table(frame, schema), out, compression="zstd", use_dictionary=False,
        write_statistics=False,
    )
    return out


def warnings_frame(model: Any) -> pd.DataFrame:
    """The run's early warnings (``model.warnings``: dicts with year, province, indicator, value,
    threshold), in the order they were issued; an empty table with these columns when there are
    none (or the model has no monitoring)."""
    rows = list(getattr(model, "warnings", None) or [])
    names = WARNINGS_SCHEMA.names
    return pd.DataFrame({
        "year": np.array([int(r["year"]) for r in rows], dtype=np.int64),
        "province": pd.Series([str(r["province"]) for r in rows], dtype=object),
        "indicator": pd.Series([str(r["indicator"]) for r in rows], dtype=object),
        "value": np.array([float(r["value"]) for r in rows], dtype=float),
        "threshold": np.array([float(r["threshold"]) for r in rows], dtype=float),
    }, columns=names)


def firms_frame(model: Any) -> pd.DataFrame:
    """Alive firms at the end of the run, sorted by ``uid``: uid, province (name), sector (name),
    capital (100 million yuan, 2020 prices), productivity (exp(log_a), relative to the province-
    sector), weight (variety mass), age (years)."""
    from sim.config.schema import SECTORS

    f = model.firms
    alive = np.flatnonzero(f.alive)
    alive = alive[np.argsort(f.uid[alive], kind="stable")]
    names = np.asarray(model.province_names, dtype=object)
    sectors = np.asarray(SECTORS, dtype=object)
    return pd.DataFrame({
        "uid": f.uid[alive].astype(np.int64),
        "province": names[f.province[alive].astype(np.int64)].astype(str),
        "sector": sectors[f.sector[alive].astype(np.int64)].astype(str),
        "capital_100m_yuan": f.capital[alive].astype(float),
        "productivity": np.exp(f.log_a[alive].astype(float)),
        "weight": f.weight[alive].astype(float),
        "age": f.age[alive].astype(np.int64),
    })


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _relative_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def write_results(
    model: Any,
    out_dir: str | os.PathLike[str],
    figures: bool = True,
    firm_tables: bool = False,
    *,
    wall_time_s: float | None = None,
    command: Sequence[str] | str | None = None,
) -> Path:
    """Write the outputs of a run ``model`` into ``out_dir`` (replacing it atomically).

    Args:
        model: a :class:`~sim.model.RegionalModel` that has been run.
        out_dir: the output folder; created, or replaced if it is a previous output folder.
        figures: also draw ``figures/*.png``.
        firm_tables: also write ``firms_final.parquet``.
        wall_time_s: seconds the simulation took, for the manifest (default:
            ``model.wall_time_s`` if set).
        command: the command line for the manifest (default ``sys.argv``).

    Returns the output folder. Raises :class:`OutputError` if ``out_dir`` may not be replaced;
    any error leaves the file system as it was (no temporary folder left behind).
    """
    final = check_out_dir(out_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    tmp = final.parent / f".{final.name}.tmp-{pid}"
    aside = final.parent / f".{final.name}.old-{pid}"
    if wall_time_s is None:
        wall_time_s = getattr(model, "wall_time_s", None)
    _remove(tmp)
    try:
        tmp.mkdir()
        tables = {name: getattr(model, method)() for name, method in TABLES.items()}
        for name, frame in tables.items():
            write_parquet(frame, tmp / name)
        write_parquet(warnings_frame(model), tmp / WARNINGS_FILE, schema=WARNINGS_SCHEMA)
        if firm_tables:
            write_parquet(firms_frame(model), tmp / FIRMS_FILE)
        dump_config(model.config, tmp / CONFIG_FILE)
        if figures:
            from sim.io.figures import write_figures

            write_figures(tables["province_year.parquet"], tables["national_year.parquet"],
                          tables["plate_year.parquet"], model.data.geojson, tmp / FIGURES_DIR)
        files = [*_relative_files(tmp), MANIFEST_FILE]
        manifest = build_manifest(model, files, wall_time_s=wall_time_s, command=command)
        write_manifest(manifest, tmp / MANIFEST_FILE)

        moved_aside = False
        if final.exists() or final.is_symlink():
            _remove(aside)
            os.replace(final, aside)
            moved_aside = True
        try:
            os.replace(tmp, final)
        except BaseException:
            if moved_aside:
                os.replace(aside, final)
            raise
        if moved_aside:
            _remove(aside)
    finally:
        _remove(tmp)
    return final

"""Run outputs: Parquet tables, the resolved config, the manifest and the figures.

* :func:`write_results` (``sim.io.results``) — everything of a run into one folder, atomically.
* :func:`build_manifest` (``sim.io.manifest``) — the ``manifest.json`` contents.
* ``sim.io.figures`` — the standard PNG figures (imported on first use: matplotlib is slow to load).
"""

from __future__ import annotations

from typing import Any

from sim.io.manifest import build_manifest, git_commit, package_versions, write_manifest
from sim.io.results import (
    TABLES,
    OutputError,
    check_out_dir,
    default_out_dir,
    firms_frame,
    write_parquet,
    write_results,
)

__all__ = [
    "TABLES",
    "OutputError",
    "build_manifest",
    "check_out_dir",
    "default_out_dir",
    "figures",
    "firms_frame",
    "git_commit",
    "package_versions",
    "write_manifest",
    "write_parquet",
    "write_results",
]


def __getattr__(name: str) -> Any:
    if name == "figures":
        import importlib

        return importlib.import_module("sim.io.figures")
    raise AttributeError(f"module 'sim.io' has no attribute {name!r}")

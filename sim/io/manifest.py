"""The run manifest (``manifest.json``): what was run, with which software, and what was written.

The manifest is the one output file allowed to differ between two runs of the same scenario and
seed: it carries the wall time, the command line and the time of writing. The Parquet tables never
do (they are byte-identical for the same model outputs).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.config import config_hash

__all__ = [
    "MANIFEST_KEYS",
    "PACKAGES",
    "build_manifest",
    "git_commit",
    "package_versions",
    "write_manifest",
]

PACKAGES: tuple[str, ...] = ("regsim", "mesa", "numpy", "pandas", "pyarrow", "networkx", "pydantic")
"""Distributions whose versions go into the manifest."""

MANIFEST_KEYS: tuple[str, ...] = (
    "scenario",
    "config_hash",
    "seed",
    "start_year",
    "end_year",
    "n_firms",
    "n_firms_final",
    "python",
    "platform",
    "versions",
    "git_commit",
    "command",
    "wall_time_s",
    "created_utc",
    "files",
)
"""Keys of every manifest, in the order they are written."""

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # .../sim


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution (None when it is not installed)."""
    out: dict[str, str | None] = {}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit(path: str | os.PathLike[str] | None = None) -> str | None:
    """``git rev-parse HEAD`` in ``path`` (default: the folder holding the ``sim`` package).

    None when git is missing, the folder is not a repository, or anything else goes wrong: the
    commit is informative only and never fails a run.
    """
    where = Path(path) if path is not None else _PACKAGE_DIR.parent
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    commit = proc.stdout.strip()
    if proc.returncode != 0 or len(commit) < 7 or not all(c in "0123456789abcdef" for c in commit):
        return None
    return commit


def _command_text(command: Sequence[str] | str | None) -> str:
    if command is None:
        command = [Path(sys.argv[0]).name or "python", *sys.argv[1:]]
    if isinstance(command, str):
        return command
    return shlex.join(str(c) for c in command)


def build_manifest(
    model: Any,
    files: Sequence[str] = (),
    *,
    wall_time_s: float | None = None,
    command: Sequence[str] | str | None = None,
) -> dict[str, Any]:
    """The manifest of a finished run of ``model``.

    Args:
        model: a run :class:`~sim.model.RegionalModel` (uses ``model.config`` and ``model.firms``).
        files: paths of the files written, relative to the output folder.
        wall_time_s: seconds the simulation took (build and steps); None if unknown.
        command: the command line (list or text); default ``sys.argv``.
    """
    cfg = model.config
    firms = getattr(model, "firms", None)
    n_alive = getattr(firms, "n_alive", None)
    return {
        "scenario": cfg.name,
        "config_hash": config_hash(cfg),
        "seed": int(cfg.seed),
        "start_year": int(cfg.start_year),
        "end_year": int(getattr(model, "year", cfg.end_year)),
        "n_firms": int(cfg.n_firms),
        "n_firms_final": int(n_alive) if n_alive is not None else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "command": _command_text(command),
        "wall_time_s": None if wall_time_s is None else round(float(wall_time_s), 3),
        "created_utc": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "files": sorted(str(f) for f in files),
    }


def write_manifest(manifest: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``manifest`` as indented JSON (UTF-8, trailing newline)."""
    out = Path(path)
    out.write_text(json.dumps(dict(manifest), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out

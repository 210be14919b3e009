"""Parameter sweeps, sensitivity analysis and reproducible experiments (``regsim sweep``,
``regsim analyze``; docs/sweeps.md).

    from sim.sweep import load_sweep, run_sweep, analyze_sweep, read_table
    plan = load_sweep("experiments/hukou_negative_list/sweep.yaml", smoke=True)
    run_sweep(plan, "results/hukou_negative_list-smoke")          # in this process
    analyze_sweep("results/hukou_negative_list-smoke")
    national = read_table("results/hukou_negative_list-smoke", "national_year")

Names are imported on first use, so ``import sim.sweep`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "DaskExecutor",
    "PoolExecutor",
    "SerialExecutor",
    "SweepError",
    "analyze_sweep",
    "content_checksum",
    "load_sweep",
    "make_executor",
    "read_runs",
    "read_table",
    "run_seeds",
    "run_sweep",
]

_LAZY: dict[str, str] = {
    "SweepError": "sim.sweep.spec",
    "load_sweep": "sim.sweep.plan",
    "run_seeds": "sim.sweep.plan",
    "run_sweep": "sim.sweep.runner",
    "make_executor": "sim.sweep.runner",
    "SerialExecutor": "sim.sweep.runner",
    "PoolExecutor": "sim.sweep.runner",
    "DaskExecutor": "sim.sweep.runner",
    "analyze_sweep": "sim.sweep.analyze",
    "content_checksum": "sim.sweep.checksum",
    "read_runs": "sim.sweep.store",
    "read_table": "sim.sweep.store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""The function every executor runs: one simulation from its resolved scenario and seed.

Only the standard library is imported at module level, so that a process-pool worker can limit
the BLAS thread pools (``OMP_NUM_THREADS=1`` ...) before numpy is loaded, as Dask workers do.
A run's outputs depend only on the scenario it receives (seed included): the worker rebuilds the
scenario from its JSON form and checks its hash against the one the sweep computed.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import traceback
from datetime import UTC, datetime
from typing import Any

__all__ = ["execute_run", "init_pool_worker"]

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

_DATA: Any = None


def init_pool_worker(parent_pid: int) -> None:
    """Process-pool worker set-up: one BLAS thread, Ctrl-C left to the parent, and exit when the
    parent process is gone (a killed sweep leaves no worker behind)."""
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="regsim-parent-watch", daemon=True).start()


def _dataset() -> Any:
    global _DATA
    if _DATA is None:
        from sim.data.loader import load_dataset

        _DATA = load_dataset()
    return _DATA


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def execute_run(task: dict[str, Any]) -> dict[str, Any]:
    """Run one simulation. ``task``: run_id, config (the scenario as JSON-compatible data),
    config_hash, tables (names of the tables to return) and run metadata.

    Returns a result with ``record`` (what goes into ``run.json``) and ``tables`` (name →
    DataFrame; empty when the run failed). Never raises for an error of the run itself.
    """
    start = time.perf_counter()
    record: dict[str, Any] = {k: task[k] for k in ("run", "run_id", "point", "replicate", "seed")}
    record["config_hash"] = task["config_hash"]
    tables: dict[str, Any] = {}
    try:
        import sim
        from sim.config import config_hash
        from sim.config.schema import Scenario
        from sim.model import RegionalModel

        config = Scenario.model_validate(task["config"])
        got = config_hash(config)
        if got != task["config_hash"]:
            raise RuntimeError(f"scenario hash on the worker {got} differs from the sweep's "
                               f"{task['config_hash']} (different regsim versions?)")
        model = RegionalModel(config, data=_dataset())
        model.run()
        for name in task["tables"]:
            tables[name] = getattr(model, f"{name.removesuffix('_year')}_table")()
        record["status"] = "done"
        record["error"] = None
        record["regsim"] = sim.__version__
    except Exception as exc:
        tables = {}
        record["status"] = "failed"
        record["error"] = _one_line(f"{type(exc).__name__}: {exc}")[:2000]
        record["traceback"] = traceback.format_exc()
    record["wall_time_s"] = round(time.perf_counter() - start, 3)
    record["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    record["finished_utc"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    return {"record": record, "tables": tables}

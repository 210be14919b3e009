"""Running a sweep: executors, progress, atomic per-run writes, resume.

Executors (all return the same results: a run depends only on its scenario and seed):

* :class:`SerialExecutor` — in this process (``--workers 1``);
* :class:`PoolExecutor` — a local process pool (``--workers N``, default the number of cores),
  ``spawn`` start method, one BLAS thread per worker;
* :class:`DaskExecutor` — a dask.distributed cluster: ``--scheduler tcp://HOST:PORT`` connects to
  a running scheduler, ``--dask-local N`` starts a ``LocalCluster`` of N single-threaded worker
  processes. Workers need the same regsim installed; they return the tables to this process,
  which writes them (no shared file system needed).

Results are written by this process only, one run at a time, each atomically
(:func:`sim.sweep.store.commit_run`). Rerunning the same sweep into the same folder resumes:
finished runs (done or failed) are skipped; ``retry_failed`` runs failed ones again.
"""

from __future__ import annotations

import itertools
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.sweep.plan import Plan
from sim.sweep.spec import SweepError
from sim.sweep.store import (
    collect_status,
    commit_run,
    prepare_out,
    runs_frame,
    write_json_atomic,
    write_runs_table,
)
from sim.sweep.worker import execute_run, init_pool_worker

__all__ = [
    "DaskExecutor",
    "ExecutorError",
    "PoolExecutor",
    "SerialExecutor",
    "SweepResult",
    "default_workers",
    "make_executor",
    "run_sweep",
]

SWEEP_PACKAGES = ("regsim", "mesa", "numpy", "pandas", "pyarrow", "scipy", "pydantic", "SALib",
                  "dask", "distributed")


class ExecutorError(RuntimeError):
    """The executor itself broke (a worker process died, the scheduler went away)."""


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class SerialExecutor:
    """Runs in this process, one run after the other."""

    name = "serial"

    def __init__(self) -> None:
        self.workers = 1

    def imap_unordered(self, fn: Callable[[dict], dict], tasks: Iterable[dict]) -> Iterator[dict]:
        for task in tasks:
            yield fn(task)

    def close(self, cancel: bool = False) -> None:
        pass

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "workers": 1}


class PoolExecutor:
    """A local process pool (``concurrent.futures``, spawn start method)."""

    name = "process-pool"

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = int(workers)
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=init_pool_worker, initargs=(os.getpid(),))

    def imap_unordered(self, fn: Callable[[dict], dict], tasks: Iterable[dict]) -> Iterator[dict]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        it = iter(tasks)
        limit = 2 * self.workers
        pending = {self.pool.submit(fn, t) for t in itertools.islice(it, limit)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                try:
                    result = fut.result()
                except BrokenProcessPool as exc:
                    raise ExecutorError(f"a worker process died ({exc})") from None
                nxt = next(it, None)
                if nxt is not None:
                    pending.add(self.pool.submit(fn, nxt))
                yield result

    def close(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=True, cancel_futures=cancel)

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "workers": self.workers}


class DaskExecutor:
    """A dask.distributed cluster, used as it is: ``client.submit`` and ``as_completed``."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None) -> None:
        import logging

        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except OSError as exc:
                raise SweepError(f"dask error: cannot reach scheduler {scheduler}: {exc}") from None
        else:
            n = int(local_workers or default_workers())
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address=None,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        self.address = self.client.scheduler.address
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self.client.scheduler_info(n_workers=-1)["workers"].values()))

    def imap_unordered(self, fn: Callable[[dict], dict], tasks: Iterable[dict]) -> Iterator[dict]:
        from dask.distributed import as_completed

        it = iter(tasks)
        token = uuid.uuid4().hex[:8]
        limit = 2 * self.workers + 2
        meta: dict[str, dict] = {}

        def submit(task: dict) -> Any:
            fut = self.client.submit(fn, task, key=f"regsim-run-{task['run_id']}-{token}",
                                     pure=False)
            meta[fut.key] = task
            return fut

        ac = as_completed([submit(t) for t in itertools.islice(it, limit)])
        for fut in ac:
            task = meta.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:  # the task died with its worker (KilledWorker, ...)
                result = _failed(task, f"{type(exc).__name__}: {exc}")
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                ac.add(submit(nxt))
            yield result

    def close(self, cancel: bool = False) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "workers": self.workers, "scheduler": self.address,
                "local_cluster": self.cluster is not None}


def _failed(task: dict, error: str) -> dict:
    record = {k: task[k] for k in ("run", "run_id", "point", "replicate", "seed")}
    record.update(config_hash=task["config_hash"], status="failed",
                  error=" ".join(error.split())[:2000], wall_time_s=None, worker=None,
                  finished_utc=datetime.now(UTC).replace(microsecond=0).isoformat())
    return {"record": record, "tables": {}}


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  dask_local: int | None = None) -> Any:
    """The executor for the command-line options (``--workers`` / ``--scheduler`` /
    ``--dask-local``)."""
    if scheduler or dask_local:
        return DaskExecutor(scheduler=scheduler, local_workers=dask_local)
    n = default_workers() if workers is None else int(workers)
    if n <= 1:
        return SerialExecutor()
    return PoolExecutor(n)


# ------------------------------------------------------------------------------ the sweep


@dataclass
class SweepResult:
    out: Path
    n_runs: int
    skipped: int
    done: int
    failed: int
    wall_time_s: float
    interrupted: bool = False

    @property
    def runs_per_minute(self) -> float:
        ran = self.done + self.failed
        return 60.0 * ran / self.wall_time_s if self.wall_time_s > 0 and ran else 0.0


def _versions() -> dict[str, str | None]:
    from sim.io.manifest import package_versions

    return package_versions(SWEEP_PACKAGES)


def _manifest(plan: Plan, previous: dict[str, Any] | None, sessions: list[dict[str, Any]],
              status_counts: dict[str, int]) -> dict[str, Any]:
    from sim.config import config_hash
    from sim.io.manifest import git_commit

    created = (previous or {}).get("created_utc") or \
        datetime.now(UTC).replace(microsecond=0).isoformat()
    return {
        "kind": "regsim-sweep",
        "name": plan.name,
        "description": plan.spec.description,
        "sweep_file": plan.source,
        "smoke": plan.smoke,
        "plan_hash": plan.plan_hash(),
        "base": plan.base_path,
        "base_config_hash": config_hash(plan.base_config),
        "design": plan.spec.design.type,
        "parameters": plan.param_names,
        "problem": plan.problem,
        "design_seed": plan.design_seed,
        "seed": plan.spec.seed,
        "replicates": plan.spec.replicates,
        "n_points": len(plan.points),
        "n_runs": len(plan.runs),
        "tables": list(plan.spec.tables),
        "status": status_counts,
        "resolved_sweep": plan.resolved,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": _versions(),
        "git_commit": git_commit(),
        "created_utc": created,
        "sessions": sessions,
    }


def _tasks(plan: Plan, runs: list[Any]) -> Iterator[dict[str, Any]]:
    from sim.config import config_hash

    tables = list(plan.spec.tables)
    for r in runs:
        cfg = plan.run_config(r)
        yield {"run": r.run, "run_id": r.run_id, "point": r.point, "replicate": r.replicate,
               "seed": r.seed, "config": cfg.model_dump(mode="json"),
               "config_hash": config_hash(cfg), "tables": tables}


def _counts(status: dict[str, dict[str, Any]], n: int) -> dict[str, int]:
    done = sum(1 for r in status.values() if r.get("status") == "done")
    failed = sum(1 for r in status.values() if r.get("status") == "failed")
    return {"done": done, "failed": failed, "pending": n - done - failed}


def write_plan_files(plan: Plan, out: Path) -> None:
    import yaml

    from sim.config import dump_config

    (out / "sweep.yaml").write_text(
        f"# regsim sweep {plan.name!r} as resolved from {plan.source}"
        f"{' (--smoke)' if plan.smoke else ''}; plan {plan.plan_hash()}.\n"
        + yaml.safe_dump(plan.resolved, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8")
    dump_config(plan.base_config, out / "base_config.yaml")


def run_sweep(
    plan: Plan,
    out: str | os.PathLike[str],
    executor: Any | None = None,
    *,
    retry_failed: bool = False,
    progress: bool = True,
    command: list[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run every run of ``plan`` that ``out`` does not hold yet; returns the counts.

    Each finished run is written at once and atomically; a run that raises is recorded as
    failed with its error and the sweep goes on. KeyboardInterrupt stops the sweep cleanly
    (what finished stays; rerun to resume) and is re-raised.
    """
    from tqdm import tqdm

    log = log or (lambda text: print(text, file=sys.stderr, flush=True))
    plan_hash = plan.plan_hash()
    out_path, previous = prepare_out(Path(out), plan_hash)
    status = collect_status(out_path)
    known = {r.run_id for r in plan.runs}
    status = {k: v for k, v in status.items() if k in known}
    todo = [r for r in plan.runs
            if r.run_id not in status or (retry_failed and status[r.run_id].get("status") != "done")]
    skipped = len(plan.runs) - len(todo)
    if previous is not None:
        old = previous.get("versions") or {}
        new = _versions()
        diff = [k for k in new if old.get(k) != new.get(k)]
        if diff:
            log(f"warning: resuming with other package versions than before: {', '.join(diff)}")
    if skipped:
        log(f"resuming {plan.name}: {skipped} of {len(plan.runs)} runs already finished")

    own_executor = executor is None
    executor = executor or SerialExecutor()
    sessions = list((previous or {}).get("sessions") or [])
    session: dict[str, Any] = {
        "started_utc": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "command": " ".join(command) if command else None,
        **executor.describe(),
        "runs_to_do": len(todo),
    }
    sessions.append(session)
    write_plan_files(plan, out_path)
    write_json_atomic(_manifest(plan, previous, sessions, _counts(status, len(plan.runs))),
                      out_path / "manifest.json")
    write_runs_table(out_path, runs_frame(plan, status))

    done = failed = 0
    interrupted = False
    start = time.perf_counter()
    bar = tqdm(total=len(todo), desc=plan.name, unit="run", file=sys.stderr,
               disable=not progress, dynamic_ncols=True, smoothing=0.1)
    try:
        for result in executor.imap_unordered(execute_run, _tasks(plan, todo)):
            rec = result["record"]
            commit_run(out_path, rec["run_id"], result["tables"], rec)
            status[rec["run_id"]] = rec
            if rec["status"] == "done":
                done += 1
            else:
                failed += 1
                bar.write(f"run {rec['run_id']} failed: {rec['error']}", file=sys.stderr)
            bar.set_postfix_str(f"done {done}, failed {failed}", refresh=False)
            bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        bar.close()
        wall = time.perf_counter() - start
        try:
            if own_executor:
                executor.close(cancel=interrupted)
        finally:
            session.update(
                finished_utc=datetime.now(UTC).replace(microsecond=0).isoformat(),
                wall_time_s=round(wall, 3), done=done, failed=failed,
                interrupted=interrupted or (done + failed < len(todo)))
            write_runs_table(out_path, runs_frame(plan, status))
            write_json_atomic(_manifest(plan, previous, sessions,
                                        _counts(status, len(plan.runs))),
                              out_path / "manifest.json")
    return SweepResult(out_path, len(plan.runs), skipped, done, failed, wall, interrupted)

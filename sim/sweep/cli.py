"""``regsim sweep`` and ``regsim analyze`` (registered lazily in :data:`sim.cli.SUBCOMMANDS`).

    regsim sweep SWEEP.yaml [--workers N | --scheduler tcp://HOST:PORT | --dask-local N]
                            [--out DIR] [--smoke] [--retry-failed] [--dry-run] [--quiet]
    regsim analyze SWEEP_DIR [--output INDICATOR@YEAR ...] [--indicator NAME ...]
                             [--no-figures] [--quiet]

Exit codes of ``sweep``: 0 every run done; 1 the sweep finished but some runs failed (recorded
in runs.parquet with their error), or an unexpected error; 2 bad input (sweep file, design,
output folder; one line on stderr, before any run starts); 130 interrupted (rerun to resume).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli import _err

__all__ = ["add_analyze_parser", "add_sweep_parser", "cmd_analyze", "cmd_sweep"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def add_sweep_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (grid, list, random/LHS, Sobol, Morris) with replicates",
        description="Run every run of a sweep file into a folder of Parquet tables, one run at "
        "a time and atomically; rerunning the same command resumes what is missing. See "
        "docs/sweeps.md.",
    )
    p.add_argument("sweep", metavar="SWEEP.yaml", help="sweep file")
    ex = p.add_mutually_exclusive_group()
    ex.add_argument("--workers", metavar="N", type=_positive, default=None,
                    help="local worker processes (default: the number of cores; 1 = in this "
                    "process)")
    ex.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                    help="run on a running Dask cluster (dask.distributed scheduler address)")
    ex.add_argument("--dask-local", metavar="N", type=_positive, default=None,
                    help="start a Dask LocalCluster of N worker processes and run on it")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output folder (default: results/<sweep name>, results/<name>-smoke "
                   "with --smoke); an existing folder of the same sweep is resumed")
    p.add_argument("--smoke", action="store_true",
                   help="run the reduced version given in the sweep file's smoke: section")
    p.add_argument("--retry-failed", action="store_true",
                   help="when resuming, run the runs that failed again")
    p.add_argument("--dry-run", action="store_true",
                   help="check the sweep file and print the plan, run nothing")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_sweep)


def add_analyze_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "analyze",
        help="ensemble bands and Sobol/Morris indices of a sweep, as tables and figures",
        description="Analyse a sweep folder: median and band quantiles of each indicator by "
        "year and design point; Sobol or Morris indices with confidence intervals for the "
        "outputs; tables (Parquet, CSV, content checksums) and figures into the folder.",
    )
    p.add_argument("sweep_dir", metavar="SWEEP_DIR", help="folder written by regsim sweep")
    p.add_argument("--output", metavar="INDICATOR@YEAR", action="append", default=None,
                   help="output for the sensitivity indices, e.g. theil_t@2050 (repeatable; "
                   "default: the sweep file's analysis.outputs)")
    p.add_argument("--indicator", metavar="NAME", action="append", default=None,
                   help="national indicator for the ensemble bands (repeatable; default: the "
                   "sweep file's analysis.indicators)")
    p.add_argument("--no-figures", action="store_true", help="do not draw the figures")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the checksum line")
    p.set_defaults(handler=cmd_analyze)


def _plan_text(plan: Any) -> str:
    d = plan.spec.design
    lines = [f"sweep {plan.name}{' (smoke)' if plan.smoke else ''}: design {d.type}, "
             f"{len(plan.points)} points × {plan.spec.replicates} replicates = "
             f"{len(plan.runs)} runs; plan {plan.plan_hash()}"]
    if plan.param_names:
        lines.append("parameters: " + ", ".join(plan.param_names))
    c = plan.base_config
    lines.append(f"base: {plan.base_path or 'schema defaults'} ({c.start_year}–{c.end_year}, "
                 f"{c.n_firms} firms)")
    return "\n".join(lines)


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.io.results import default_out_dir
    from sim.sweep.plan import load_sweep
    from sim.sweep.spec import SweepError
    from sim.sweep.store import prepare_out

    try:
        plan = load_sweep(args.sweep, smoke=args.smoke)
        out = Path(args.out) if args.out else default_out_dir(
            plan.name + ("-smoke" if args.smoke else ""))
        if not args.dry_run:
            prepare_out(out, plan.plan_hash(), create=False)
    except SweepError as exc:
        _err(exc)
        return EXIT_USAGE
    if args.dry_run:
        print(_plan_text(plan))
        return EXIT_OK

    from sim.sweep.runner import ExecutorError, make_executor, run_sweep

    if not args.quiet:
        print(_plan_text(plan), file=sys.stderr)
    try:
        executor = make_executor(args.workers, args.scheduler, args.dask_local)
    except SweepError as exc:
        _err(exc)
        return EXIT_USAGE
    command = ["regsim", *args.argv] if getattr(args, "argv", None) is not None else None
    interrupted = False
    try:
        res = run_sweep(plan, out, executor, retry_failed=args.retry_failed,
                        progress=not args.quiet, command=command)
    except KeyboardInterrupt:
        interrupted = True
        _err(f"interrupted; finished runs are kept in {out}; rerun the same command to resume")
        return EXIT_INTERRUPTED
    except ExecutorError as exc:
        _err(f"executor error: {exc}; finished runs are kept in {out}; rerun to resume")
        return EXIT_ERROR
    finally:
        executor.close(cancel=interrupted)
    rate = f", {res.runs_per_minute:.1f} runs/min" if res.done + res.failed else ""
    print(f"regsim sweep {plan.name}: {res.done} runs done, {res.failed} failed, "
          f"{res.skipped} already finished, of {res.n_runs}; {res.wall_time_s:.1f} s{rate} "
          f"({executor.describe()['executor']}, {executor.workers} workers)")
    print(f"outputs: {res.out}")
    if res.failed:
        _err(f"{res.failed} runs failed (errors in {res.out / 'runs.parquet'}); rerun with "
             "--retry-failed to try them again")
        return EXIT_ERROR
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    from sim.sweep.analyze import analyze_sweep, fmt_table
    from sim.sweep.spec import SweepError

    try:
        res = analyze_sweep(args.sweep_dir, outputs=args.output, indicators=args.indicator,
                            figures=False if args.no_figures else None, log=_err)
    except SweepError as exc:
        _err(exc)
        return EXIT_USAGE
    if not args.quiet:
        for name, table in res.tables.items():
            print(f"tables/{name}.parquet  ({len(table)} rows)  content sha256 "
                  f"{res.checksums[name]}")
        for f in res.figures:
            print(f"figures/{f.name}")
        if res.main_table in ("sobol_indices", "morris_indices", "outcomes"):
            print(f"\n{res.main_table}:")
            print(fmt_table(res.tables[res.main_table]))
    if res.main_table:
        print(f"main table {res.main_table}: content sha256 {res.checksums[res.main_table]}")
    return EXIT_OK

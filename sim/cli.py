"""The ``regsim`` command line.

    regsim run CONFIG [--out DIR] [--seed N] [--set KEY=VALUE ...] [--no-figures] [--firm-tables]
                      [--quiet]

Exit codes: 0 success; 1 unexpected error during the run (message on stderr, no output folder
written); 2 bad input: config or data error (the one-line message on stderr, nothing written),
an unusable output folder, or bad command-line usage.

Sub-commands are registered in :data:`SUBCOMMANDS`: a name mapped to a *registrar*, a function
``(subparsers) -> None`` that adds its parser and sets ``handler=<function(args) -> int>`` with
``set_defaults``; or the text ``"module:function"`` of such a registrar, imported only when the
parser is built (so heavy sub-commands cost nothing to ``regsim run``). Add one with
``@subcommand("name")`` or ``SUBCOMMANDS["name"] = "sim.sweep.cli:register"``.

``REGSIM_TRACEBACK=1`` prints the full traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sim

__all__ = ["SUBCOMMANDS", "build_parser", "main", "subcommand", "summary_table", "warnings_summary"]

Registrar = Callable[[Any], None]
"""``register(subparsers)``: adds a sub-command parser with ``set_defaults(handler=...)``."""

SUBCOMMANDS: dict[str, Registrar | str] = {}
"""Sub-command name → registrar (or ``"module:function"`` naming one, imported lazily)."""

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
SUMMARY_YEARS = (2035,)  # shown between the first and the last year when simulated


def subcommand(name: str) -> Callable[[Registrar], Registrar]:
    """Decorator: register ``func`` as the registrar of sub-command ``name``."""

    def deco(func: Registrar) -> Registrar:
        SUBCOMMANDS[name] = func
        return func

    return deco


def _resolve(registrar: Registrar | str) -> Registrar:
    if isinstance(registrar, str):
        module, _, attr = registrar.partition(":")
        return getattr(importlib.import_module(module), attr or "register")
    return registrar


def _err(message: object) -> None:
    text = " ".join(str(message).split()) or "error"
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------ regsim run


# Heavy sub-commands are imported only when the parser is built.
SUBCOMMANDS["bench"] = "sim.bench:add_parser"
SUBCOMMANDS["viz"] = "sim.viz.launch:add_parser"
SUBCOMMANDS["compare"] = "sim.compare:add_parser"
SUBCOMMANDS["report"] = "sim.io.report:add_parser"
SUBCOMMANDS["sweep"] = "sim.sweep.cli:add_sweep_parser"
SUBCOMMANDS["analyze"] = "sim.sweep.cli:add_analyze_parser"
SUBCOMMANDS["calibrate"] = "sim.validation.cli:add_calibrate_parser"
SUBCOMMANDS["validate"] = "sim.validation.cli:add_validate_parser"


@subcommand("run")
def _register_run(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="run a scenario and write its outputs",
        description="Run a scenario from its start year to its end year and write the tables "
        "(Parquet), the resolved config, a manifest and the figures into one folder.",
    )
    p.add_argument("config", metavar="CONFIG", help="scenario YAML file (e.g. configs/baseline.yaml)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output folder (default: results/<scenario name>); an existing output "
                   "folder is replaced")
    p.add_argument("--seed", metavar="N", type=int, default=None, help="override the config's seed")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="overrides",
                   help="override a setting, e.g. --set trade.sigma=4 (repeatable)")
    p.add_argument("--no-figures", action="store_true", help="do not draw the figures")
    p.add_argument("--firm-tables", action="store_true",
                   help="also write firms_final.parquet (the alive firms at the end)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_run)


def _progress(total: int, desc: str, quiet: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="yr", file=sys.stderr, disable=quiet,
                dynamic_ncols=True, leave=False)


def summary_table(national: Any, years: Sequence[int] | None = None) -> str:
    """National GDP, population, CV and Theil T in the first year, 2035 (if simulated) and the
    last year, as a small text table."""
    nat = national.sort_values("year")
    all_years = [int(y) for y in nat["year"]]
    if years is None:
        first, last = all_years[0], all_years[-1]
        years = [first, *[y for y in SUMMARY_YEARS if first < y < last], last]
        years = list(dict.fromkeys(years))
    rows = nat.set_index("year")
    lines = [f"{'year':>6}  {'GDP (trn yuan)':>14}  {'population (m)':>14}  {'CV':>7}  {'Theil T':>8}"]
    for y in years:
        if y not in rows.index:
            continue
        r = rows.loc[y]
        lines.append(
            f"{y:>6}  {r['gdp'] / 1e4:>14.2f}  {r['population'] / 1e6:>14.2f}  "
            f"{r['cv']:>7.4f}  {r['theil_t']:>8.4f}"
        )
    return "\n".join(lines)


def warnings_summary(warnings: Sequence[Any], max_lines: int = 10) -> str:
    """The early warnings of a run (``model.warnings``, §27) in at most ``max_lines`` lines: the
    count by indicator, then the latest year's warnings by indicator (a few provinces each)."""
    rows = list(warnings or [])
    if not rows:
        return "early warnings: none"
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["indicator"]] = counts.get(r["indicator"], 0) + 1
    years = {int(r["year"]) for r in rows}
    by = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    lines = [f"early warnings: {len(rows)} in {len(years)} year(s) ({by})"]
    last = max(years)
    latest: dict[str, list[Any]] = {}
    for r in rows:
        if int(r["year"]) == last:
            latest.setdefault(r["indicator"], []).append(r)
    lines.append(f"  {last}: {sum(len(v) for v in latest.values())} warning(s)")
    for name, group in latest.items():
        if len(lines) >= max_lines:
            lines[-1] += " …"
            break
        sign = ">" if group[0]["value"] > group[0]["threshold"] else "<"
        shown = ", ".join(f"{r['province']} {r['value']:.3g}" for r in group[:4])
        more = f" (+{len(group) - 4} more)" if len(group) > 4 else ""
        lines.append(f"    {name} {sign} {group[0]['threshold']:.3g}: {shown}{more}")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """``regsim run``: load, check, simulate year by year, write, summarise."""
    from sim.config import ConfigError, load_config
    from sim.data.loader import DataError, load_dataset
    from sim.io.results import OutputError, check_out_dir, default_out_dir

    # Bad input: one line on stderr, exit 2, nothing written.
    try:
        config = load_config(args.config, overrides=list(args.overrides), seed=args.seed)
        data = load_dataset()
        out_arg = Path(args.out) if args.out else default_out_dir(config.name)
        check_out_dir(out_arg)
    except (ConfigError, DataError, OutputError) as exc:
        _err(exc)
        return EXIT_USAGE

    from sim.io.results import write_results
    from sim.model import RegionalModel

    figures = config.output.figures and not args.no_figures
    firm_tables = config.output.firm_tables or args.firm_tables
    start = time.perf_counter()
    try:
        model = RegionalModel(config, data=data)
    except (ConfigError, DataError) as exc:  # e.g. a national figure the scenario needs
        _err(exc)
        return EXIT_USAGE
    with _progress(config.end_year - model.year, config.name, args.quiet) as bar:
        while model.year < config.end_year:
            model.step()
            bar.set_postfix_str(str(model.year), refresh=False)
            bar.update(1)
    wall = time.perf_counter() - start
    model.wall_time_s = wall
    command = ["regsim", *args.argv] if getattr(args, "argv", None) is not None else None
    write_results(model, out_arg, figures=figures, firm_tables=firm_tables, wall_time_s=wall,
                  command=command)

    print(f"regsim {config.name}: {config.start_year}–{model.year}, seed {config.seed}, "
          f"{wall:.1f} s")
    print(f"outputs: {out_arg}")
    print(warnings_summary(getattr(model, "warnings", None) or []))
    print(summary_table(model.national_table()))
    return EXIT_OK


# ------------------------------------------------------------------------------------ entry point


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``regsim`` parser with every registered sub-command, or with sub-command ``only``
    alone (:func:`main` builds just the one the command line names: registrars import their
    modules, and ``regsim run`` should not pay for importing every other sub-command's)."""
    parser = argparse.ArgumentParser(
        prog="regsim",
        description="regsim: agent-based simulator of China's regional economy.",
    )
    parser.add_argument("--version", action="version", version=f"regsim {sim.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, registrar in SUBCOMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            _resolve(registrar)(subparsers)
        except (ImportError, AttributeError) as exc:  # a broken plug-in must not break `run`
            if name == "run":
                raise
            _err(f"regsim: sub-command {name!r} unavailable: {exc}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``regsim`` command line; returns the exit code.

    Called without ``argv`` (the ``regsim`` script, ``python -m sim.cli``), ``regsim run`` is a
    process of its own that builds one model: the cyclic garbage collector is then switched off
    (it would spend a tenth of the run walking the objects of pandas, Mesa and matplotlib, which
    live to the end anyway; one model leaves little cyclic garbage) and everything is frozen
    before returning, so that the interpreter's exit does not walk them either.
    """
    own_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    # The first word that is not an option names the sub-command (the top-level options take
    # no values); without a known one (--help, a typo) every sub-command is registered.
    command = next((a for a in argv if not a.startswith("-")), None)
    if command is not None and argv.index(command) > 0 and any(
            a in ("-h", "--help") for a in argv[:argv.index(command)]):
        command = None  # `regsim -h run`: the top-level help lists every sub-command
    if own_process and command == "run":
        gc.disable()
        try:
            return _main(argv, command)
        finally:
            gc.freeze()
    return _main(argv, command)


def _main(argv: list[str], command: str | None) -> int:
    """Parse ``argv`` (``command``: its sub-command word, if any) and run the handler."""
    parser = build_parser(only=command if command in SUBCOMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    args.argv = argv
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        _err("interrupted; nothing written")
        return 130
    except Exception as exc:
        if os.environ.get("REGSIM_TRACEBACK"):
            traceback.print_exc()
        _err(f"error: {type(exc).__name__}: {exc}; no outputs written")
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())

"""``regsim calibrate`` and ``regsim validate`` (registered in ``sim.cli.SUBCOMMANDS``).

    regsim calibrate [--out configs/calibrated.yaml] [--seeds 1 2 3] [--n-firms N]
                     [--design N] [--local N] [--quiet]
    regsim validate  [--out DIR] [--quick] [--config YAML] [--quiet]

Exit codes as ``regsim run``: 0 success (``validate`` also when a check fails: the report says
which), 1 unexpected error, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_CALIBRATED = Path("configs/calibrated.yaml")
DEFAULT_REPORT = Path("results/validation")


def add_calibrate_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "calibrate", help="fit behavioural parameters on the 2005-2010 panel",
        description="Start the model in 2005, simulate to 2010, compare with the panel and fit "
        "the parameters the data pin down by a small derivative-free search; write the fitted "
        "values into a config (extends baseline.yaml) and the fit statistics into a JSON next "
        "to it (docs/validation.md).")
    p.add_argument("--out", metavar="YAML", default=str(DEFAULT_CALIBRATED),
                   help="config to write (default: configs/calibrated.yaml)")
    p.add_argument("--base", metavar="YAML", default=None,
                   help="scenario whose other settings the fit uses (default: configs/baseline.yaml)")
    p.add_argument("--seeds", metavar="N", type=int, nargs="+", default=[1, 2, 3],
                   help="seeds averaged in every evaluation (default: 1 2 3)")
    p.add_argument("--n-firms", metavar="N", type=int, default=20000,
                   help="firms per run (default 20000, the baseline's)")
    p.add_argument("--design", metavar="N", type=int, default=16,
                   help="points of the initial Sobol design (default 16)")
    p.add_argument("--local", metavar="N", type=int, default=40,
                   help="Nelder-Mead evaluations after the design (default 40)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.config import ConfigError, load_config
    from sim.validation.calibrate import COMPONENTS, calibrate, write_outputs

    base_path = args.base or (Path(__file__).resolve().parents[2] / "configs" / "baseline.yaml")
    try:
        base = load_config(base_path)
    except ConfigError as exc:
        print(" ".join(str(exc).split()), file=sys.stderr)
        return 2
    if args.n_firms < 186 or not args.seeds:
        print("calibrate: --n-firms must be at least 186 and --seeds non-empty", file=sys.stderr)
        return 2
    t0 = time.perf_counter()

    def progress(i: int, loss: float, params: dict[str, float]) -> None:
        if not args.quiet:
            vals = ", ".join(f"{k.split('.')[1]}={v:.4g}" for k, v in params.items())
            print(f"[{time.perf_counter() - t0:6.0f} s] eval {i:3d}: loss {loss:.3f}  {vals}",
                  file=sys.stderr, flush=True)

    result = calibrate(base, seeds=args.seeds, n_firms=args.n_firms, n_design=args.design,
                       n_local=args.local, progress=progress)
    extends = Path(base_path).name if Path(base_path).parent.resolve() == \
        Path(args.out).resolve().parent else str(Path(base_path).resolve())
    json_path = write_outputs(result, Path(args.out), extends=extends)
    f, d = result.fit, result.fit_defaults
    print(f"regsim calibrate: {len(result.evaluations)} evaluations, {result.seconds:.0f} s")
    print(f"wrote {args.out} and {json_path}")
    print(f"{'parameter':<34} {'default':>9} {'fitted':>9}")
    for k, v in result.fitted.items():
        print(f"{k:<34} {result.defaults[k]:>9.4g} {v:>9.4g}")
    print(f"{'loss component':<34} {'default':>9} {'fitted':>9}")
    for c in COMPONENTS:
        print(f"{c:<34} {d['components'][c]['ratio']:>9.3f} {f['components'][c]['ratio']:>9.3f}")
    print(f"{'loss':<34} {d['loss']:>9.3f} {f['loss']:>9.3f}")
    return 0


def add_validate_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "validate", help="run the validation checks and write a report",
        description="Base-year exactness, in- and out-of-sample backcasts, the core-periphery "
        "reduction, Solow beta-convergence and the literature directions; tables (CSV, Parquet), "
        "figures (PNG) and summary.md (docs/validation.md).")
    p.add_argument("--out", metavar="DIR", default=str(DEFAULT_REPORT),
                   help="report folder (default: results/validation)")
    p.add_argument("--quick", action="store_true",
                   help="fewer seeds and firms, shorter runs (a smoke test)")
    p.add_argument("--config", metavar="YAML", default=None,
                   help="scenario with the fitted parameters (default: configs/calibrated.yaml "
                   "if it exists, else the schema defaults)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.config import ConfigError, load_config
    from sim.validation.report import validate

    if args.config is not None:
        try:
            load_config(args.config)
        except ConfigError as exc:
            print(" ".join(str(exc).split()), file=sys.stderr)
            return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"validate: {out} exists and is not a folder", file=sys.stderr)
        return 2
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - t0:6.0f} s] {msg}", file=sys.stderr, flush=True)

    res = validate(out, quick=args.quick, config=args.config, progress=progress)
    checks = res["checks"]
    print(f"regsim validate: {int(checks['pass'].sum())} of {len(checks)} checks pass "
          f"({'quick' if args.quick else 'full'}); report: {out / 'summary.md'}")
    for _, r in checks.iterrows():
        print(f"  {'PASS' if r['pass'] else 'FAIL'}  {r['id']:<34} {r['result']}")
    return 0

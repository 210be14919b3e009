"""``regsim compare``: run several scenarios and compare them at the guideline's milestones.

The guideline sets goals for 2020, 2035 and the middle of the century (§3); the milestone table
gives, for each scenario and each of 2020, 2035 and 2050 (those inside the run), the
differentiation measures of GDP per capita, national GDP, the public-service gap and the number
of early warnings. Every scenario's full outputs are written beside it (``<out>/<scenario>/``,
as ``regsim run`` writes them), with comparison figures. The whole folder is written to a
temporary sibling and moved into place at the end, so a failed comparison leaves nothing behind.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

MILESTONES: tuple[int, ...] = (2020, 2035, 2050)
MEASURES: tuple[str, ...] = (
    "gdp", "gdp_real", "gdp_per_capita_yuan", "population", "cv", "williamson", "theil_t",
    "theil_between", "theil_within", "theil_l", "gini", "max_min", "north_south", "ps_cv",
    "ps_max_min", "ps_theil_t", "cons_cv", "co2_t",
)


def milestone_table(nationals: dict[str, pd.DataFrame], warnings: dict[str, pd.DataFrame],
                    years: Sequence[int] = MILESTONES) -> pd.DataFrame:
    """One row per scenario and milestone year: the measures and the year's warning count."""
    rows = []
    for name, nat in nationals.items():
        nat = nat.set_index("year")
        w = warnings.get(name)
        for y in years:
            if y not in nat.index:
                continue
            row: dict[str, Any] = {"scenario": name, "year": int(y)}
            for col in MEASURES:
                if col in nat.columns:
                    row[col] = float(nat.loc[y, col])
            row["warnings"] = int((w["year"] == y).sum()) if w is not None and len(w) else 0
            rows.append(row)
    return pd.DataFrame(rows)


def comparison_figure(nationals: dict[str, pd.DataFrame], path: Path) -> Path:
    """Theil T, CV of GDP per capita, public-service CV and national real GDP over time, one line
    per scenario."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 7.5), dpi=120)
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2, sharex=True)
    panels = [("theil_t", "Theil T of GDP per capita"), ("cv", "CV of GDP per capita"),
              ("ps_cv", "CV of public services per resident"),
              ("gdp_real", "national GDP, trillion yuan (2020 prices)")]
    for ax, (col, title) in zip(axes.ravel(), panels, strict=True):
        for name, nat in nationals.items():
            if col not in nat.columns:
                continue
            y = nat[col] / (1e4 if col == "gdp_real" else 1.0)
            ax.plot(nat["year"], y, label=name, lw=1.6)
        ax.set_title(title, fontsize=11)
        ax.grid(alpha=0.3)
        for y in MILESTONES:
            ax.axvline(y, color="0.85", lw=0.8, zorder=0)
    axes[0, 0].legend(fontsize=8, frameon=False)
    for ax in axes[1]:
        ax.set_xlabel("year")
    fig.tight_layout()
    fig.savefig(path)
    return path


def run_comparison(configs: Sequence[str | Path], out_dir: Path, overrides: Sequence[str] = (),
                   seed: int | None = None, figures: bool = True, quiet: bool = False
                   ) -> pd.DataFrame:
    """Run every scenario, write all outputs atomically into ``out_dir``; return the milestones."""
    from sim.config import load_config
    from sim.io.results import check_out_dir, write_parquet, write_results
    from sim.model import RegionalModel

    scenarios = [load_config(c, overrides=list(overrides), seed=seed) for c in configs]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        from sim.config import ConfigError

        raise ConfigError(f"config error: compare: name: scenario name {dup!r} appears twice "
                          "(allowed: distinct scenario names; set `name:` in each file)")
    out_dir = check_out_dir(out_dir)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        nationals: dict[str, pd.DataFrame] = {}
        warns: dict[str, pd.DataFrame] = {}
        for cfg in scenarios:
            start = time.perf_counter()
            model = RegionalModel(cfg).run()
            wall = time.perf_counter() - start
            write_results(model, tmp / cfg.name, figures=figures, wall_time_s=wall,
                          command=["regsim", "compare", *map(str, configs)])
            nationals[cfg.name] = model.national_table()
            w = getattr(model, "warnings", None)
            warns[cfg.name] = pd.DataFrame(w) if w else pd.DataFrame(columns=["year"])
            if not quiet:
                print(f"  {cfg.name}: {wall:.1f} s", file=sys.stderr)
        table = milestone_table(nationals, warns)
        write_parquet(table, tmp / "milestones.parquet")
        table.to_csv(tmp / "milestones.csv", index=False, float_format="%.6g")
        if figures:
            (tmp / "figures").mkdir(exist_ok=True)
            comparison_figure(nationals, tmp / "figures" / "comparison.png")
        (tmp / "compare.json").write_text(json.dumps({
            "scenarios": names, "configs": [str(c) for c in configs],
            "overrides": list(overrides), "seed": seed, "milestones": list(MILESTONES),
        }, indent=2) + "\n")
        (tmp / "manifest.json").write_text(json.dumps({"kind": "comparison", "scenarios": names},
                                                      indent=2) + "\n")
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return table


def format_milestones(table: pd.DataFrame) -> str:
    """A readable text version of the milestone table."""
    cols = ["scenario", "year", "gdp", "cv", "theil_t", "theil_between", "north_south", "ps_cv",
            "warnings"]
    t = table[[c for c in cols if c in table.columns]].copy()
    if "gdp" in t:
        t["gdp"] = (t["gdp"] / 1e4).round(2)
        t = t.rename(columns={"gdp": "GDP_trn"})
    return t.to_string(index=False, float_format=lambda x: f"{x:.4f}")


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.cli import EXIT_OK, EXIT_USAGE
    from sim.config import ConfigError
    from sim.data.loader import DataError
    from sim.io.results import OutputError

    out = Path(args.out) if args.out else Path("results") / "compare"
    try:
        table = run_comparison(args.configs, out, overrides=args.overrides, seed=args.seed,
                               figures=not args.no_figures, quiet=args.quiet)
    except (ConfigError, DataError, OutputError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    print(f"outputs: {out}")
    print(format_milestones(table))
    return EXIT_OK


def add_parser(subparsers: Any) -> None:
    """Register ``regsim compare``."""
    p = subparsers.add_parser(
        "compare", help="run scenarios and compare them at 2020, 2035 and 2050",
        description="Run several scenarios and write a milestone table (2020, 2035, 2050: the "
        "differentiation measures, national GDP, public-service gap, warnings), comparison "
        "figures and each scenario's full outputs.")
    p.add_argument("configs", nargs="+", metavar="CONFIG", help="scenario YAML files")
    p.add_argument("--out", default=None, help="output folder (default results/compare)")
    p.add_argument("--seed", type=int, default=None, help="seed for every scenario")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key in every scenario (repeatable)")
    p.add_argument("--no-figures", action="store_true", help="skip figures")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(handler=cmd_compare)

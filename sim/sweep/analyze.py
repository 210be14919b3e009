"""``regsim analyze SWEEP_DIR``: ensemble statistics, sensitivity indices, tables and figures.

Tables (``SWEEP_DIR/tables/``, each as Parquet and CSV):

* ``ensemble_national`` — for each design point, national indicator and year: the number of runs
  ``n``, ``mean``, ``median`` and the band quantiles (``q05``, ``q95`` by default) over the
  point's replicates (finished runs only);
* ``outcomes`` — the rows of ``ensemble_national`` in the sweep's ``analysis.years``;
* ``ensemble_province`` — the same by province for ``analysis.province_indicators`` (if any);
* ``sobol_indices`` (Sobol designs) — for each output ``INDICATOR@YEAR`` and parameter: first-order
  ``S1`` and total ``ST`` indices with their confidence half-widths ``S1_conf``/``ST_conf``
  (bootstrap, ``analysis.conf_level``); ``sobol_s2`` with second-order indices if designed;
* ``morris_indices`` (Morris designs) — ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``;
* ``checksums.json`` — the content checksum (:mod:`sim.sweep.checksum`) of every table, and
  which table is the sweep's main table.

Figures (``SWEEP_DIR/figures/``): paths with bands by point (up to 32 points), heat maps of a
2-D grid, response curves of a 1-D grid, Sobol bars with confidence intervals, Morris μ*–σ plots.

With replicates, a Sobol or Morris output is the mean over the replicates of each design point.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.io.results import write_parquet
from sim.sweep.checksum import content_checksum
from sim.sweep.spec import Analysis, SweepError, parse_output
from sim.sweep.store import read_manifest, read_runs, read_table

__all__ = ["AnalysisResult", "analyze_sweep", "band_names", "ensemble"]

MAX_PATH_POINTS = 32
META = ("run", "run_id", "point", "replicate", "label", "seed", "point_hash", "scenario")


@dataclass
class AnalysisResult:
    out: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)
    checksums: dict[str, str] = field(default_factory=dict)
    main_table: str | None = None
    notes: list[str] = field(default_factory=list)


def band_names(bands: Sequence[float]) -> tuple[str, str]:
    """``(0.05, 0.95)`` → ``("q05", "q95")``."""
    def name(b: float) -> str:
        pct = round(100 * float(b), 6)
        return f"q{int(pct):02d}" if pct == int(pct) else f"q{pct:g}"

    return name(bands[0]), name(bands[1])


def _points_frame(runs: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    cols = ["point", "label", *[c for c in ("scenario",) if c in runs.columns],
            *[p for p in params if p in runs.columns]]
    return runs[cols].drop_duplicates("point").sort_values("point").reset_index(drop=True)


def ensemble(frame: pd.DataFrame, by: list[str], indicators: list[str],
             bands: Sequence[float]) -> pd.DataFrame:
    """Number of runs, mean, median and band quantiles of ``indicators`` over the runs of each
    group ``by`` (e.g. ``["point", "year"]``), in long form with an ``indicator`` column."""
    lo_name, hi_name = band_names(bands)
    long = frame.melt(id_vars=by, value_vars=indicators, var_name="indicator",
                      value_name="value")
    long = long.dropna(subset=["value"])
    group = ["point", "indicator", *[k for k in by if k != "point"]]
    g = long.groupby(group, sort=True)["value"]
    stats = g.agg(n="count", mean="mean", median="median")
    q = g.quantile([bands[0], bands[1]]).unstack()
    q.columns = [lo_name, hi_name]
    out = stats.join(q).reset_index()
    out["n"] = out["n"].astype(np.int64)
    return out


def _indicators(requested: list[str] | str, available: list[str], explicit: bool) -> list[str]:
    if requested == "all":
        return available
    missing = [i for i in requested if i not in available]
    if missing and explicit:
        raise SweepError(f"analyze error: unknown indicator(s) {', '.join(missing)} "
                         f"(available: {', '.join(available)})")
    return [i for i in requested if i in available]


def _short_names(names: list[str]) -> list[str]:
    """Drop the dotted segments every name shares at the start and the end."""
    if len(names) < 2:
        return [n.split(".")[-1] if "." in n else n for n in names]
    split = [n.split(".") for n in names]
    pre = 0
    while all(len(s) > pre + 1 for s in split) and len({s[pre] for s in split}) == 1:
        pre += 1
    post = 0
    while all(len(s) > pre + post + 1 for s in split) and len({s[-1 - post] for s in split}) == 1:
        post += 1
    return [".".join(s[pre:len(s) - post]) for s in split]


# ------------------------------------------------------------------------------ sensitivity


def _output_values(national: pd.DataFrame, indicator: str, year: int, n_points: int) -> np.ndarray:
    if indicator not in national.columns:
        raise SweepError(f"analyze error: output {indicator}@{year}: no indicator {indicator!r}")
    sub = national.loc[national["year"] == year, ["point", indicator]]
    if sub.empty:
        raise SweepError(f"analyze error: output {indicator}@{year}: year {year} not simulated")
    y = sub.groupby("point")[indicator].mean().reindex(range(n_points))
    return y.to_numpy(dtype=float)


def _sobol(problem: dict, y: np.ndarray, second: bool, a: Analysis, seed: int,
           out_name: str, indicator: str, year: int) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    from SALib.analyze import sobol

    si = sobol.analyze(problem, y, calc_second_order=second, num_resamples=a.num_resamples,
                       conf_level=a.conf_level, print_to_console=False, seed=seed)
    names = problem["names"]
    first = pd.DataFrame({
        "output": out_name, "indicator": indicator, "year": year, "parameter": names,
        "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"],
    })
    s2 = None
    if second:
        rows = []
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                rows.append({"output": out_name, "indicator": indicator, "year": year,
                             "parameter_1": names[i], "parameter_2": names[j],
                             "S2": si["S2"][i, j], "S2_conf": si["S2_conf"][i, j]})
        s2 = pd.DataFrame(rows)
    return first, s2


def _morris(problem: dict, x: np.ndarray, y: np.ndarray, levels: int, a: Analysis, seed: int,
            out_name: str, indicator: str, year: int) -> pd.DataFrame:
    from SALib.analyze import morris

    si = morris.analyze(problem, x, y, num_resamples=a.num_resamples, conf_level=a.conf_level,
                        print_to_console=False, num_levels=levels, seed=seed)
    return pd.DataFrame({
        "output": out_name, "indicator": indicator, "year": year, "parameter": problem["names"],
        "mu": np.asarray(si["mu"], dtype=float), "mu_star": np.asarray(si["mu_star"], dtype=float),
        "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
        "sigma": np.asarray(si["sigma"], dtype=float),
    })


# ------------------------------------------------------------------------------ figures


def _subplots(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """``(figure, axes)`` like ``pyplot.subplots`` on a bare Agg figure (no pyplot state to
    close; the figure is freed with its last reference)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=kwargs.pop("figsize", None))
    FigureCanvasAgg(fig)
    return fig, fig.subplots(*args, **kwargs)


def _finish(fig: Any, path: Path) -> Path:
    """Lay out and write a figure as PNG."""
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def _year_axis(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))


def _fig_paths(ens: pd.DataFrame, indicator: str, lo: str, hi: str, path: Path,
               title: str, reference: str | None = None) -> Path:
    """Median path and band of each point: one panel for up to 6 points, else one panel per
    point with the median of the ``reference`` point (default: the first) dashed."""
    sub = ens[ens["indicator"] == indicator]
    groups = [(str(g["label"].iloc[0]), g.sort_values("year"))
              for _, g in sub.groupby("point", sort=True)]
    if len(groups) <= 6:
        fig, ax = _subplots(figsize=(8, 4.8))
        for label, g in groups:
            line, = ax.plot(g["year"], g["median"], lw=1.6, label=label)
            ax.fill_between(g["year"], g[lo], g[hi], color=line.get_color(), alpha=0.18, lw=0)
        ax.set_xlabel("year")
        ax.set_ylabel(indicator)
        _year_axis(ax)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2, frameon=False)
        ax.set_title(title, fontsize=10)
    else:
        ncol = 4 if len(groups) > 9 else 3
        nrow = math.ceil(len(groups) / ncol)
        fig, axes = _subplots(nrow, ncol, figsize=(3.1 * ncol, 2.2 * nrow + 0.6), sharex=True,
                                 sharey=True, squeeze=False)
        ref_label, ref = next((g for g in groups if g[0] == reference), groups[0])
        for ax, (label, g) in zip(axes.flat, groups, strict=False):
            ax.plot(ref["year"], ref["median"], color="0.55", lw=1.0, ls="--")
            ax.plot(g["year"], g["median"], lw=1.4, color="C0")
            ax.fill_between(g["year"], g[lo], g[hi], color="C0", alpha=0.2, lw=0)
            ax.set_title(label, fontsize=7)
            _year_axis(ax)
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(groups):]:
            ax.set_visible(False)
        fig.suptitle(f"{title}\n(dashed: median of {ref_label})", fontsize=9)
    return _finish(fig, path)


def _fig_heatmap(outc: pd.DataFrame, p1: str, p2: str, indicator: str, year: int, lo: str,
                 hi: str, path: Path, title: str) -> Path:
    sub = outc[(outc["indicator"] == indicator) & (outc["year"] == year)]
    xs = sorted(sub[p2].unique())
    ys = sorted(sub[p1].unique())
    grid = np.full((len(ys), len(xs)), np.nan)
    text = [["" for _ in xs] for _ in ys]
    scale = max(abs(sub["median"]).max(), 1e-300)
    digits = 4 if scale < 10 else 0
    for _, r in sub.iterrows():
        i, j = ys.index(r[p1]), xs.index(r[p2])
        grid[i, j] = r["median"]
        fmt = (lambda v: f"{v:.{digits}f}") if digits else (lambda v: f"{v:.3g}")
        text[i][j] = f"{fmt(r['median'])}\n[{fmt(r[lo])}, {fmt(r[hi])}]"
    fig, ax = _subplots(figsize=(1.6 * len(xs) + 2.5, 1.0 * len(ys) + 2.0))
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
    ax.set_xlabel(p2)
    ax.set_ylabel(p1)
    norm_mid = np.nanmean(grid)
    for i in range(len(ys)):
        for j in range(len(xs)):
            ax.text(j, i, text[i][j], ha="center", va="center", fontsize=6,
                    color="white" if grid[i, j] < norm_mid else "black")
    fig.colorbar(im, ax=ax, label=f"median {indicator} {year}")
    ax.set_title(title, fontsize=9)
    return _finish(fig, path)


def axis_scale(values: pd.Series | np.ndarray) -> str:
    """``"log"`` for positive values spanning a factor of 30 or more (e.g. firm counts), else
    ``"linear"``."""
    v = np.asarray(values, dtype=float)
    return "log" if v.size and (v > 0).all() and v.max() >= 30.0 * v.min() else "linear"


def _fig_response(outc: pd.DataFrame, p: str, indicator: str, year: int, lo: str, hi: str,
                  path: Path, title: str) -> Path:
    sub = outc[(outc["indicator"] == indicator) & (outc["year"] == year)].sort_values(p)
    fig, ax = _subplots(figsize=(6, 4))
    ax.plot(sub[p], sub["median"], marker="o")
    ax.fill_between(sub[p], sub[lo], sub[hi], alpha=0.2, lw=0)
    ax.set_xscale(axis_scale(sub[p]))
    ax.set_xlabel(p)
    ax.set_ylabel(f"{indicator} {year}")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    return _finish(fig, path)


def _fig_sobol(tab: pd.DataFrame, path: Path, title: str) -> Path:
    names = _short_names(list(tab["parameter"]))
    x = np.arange(len(names))
    fig, ax = _subplots(figsize=(min(14.0, max(5.0, 0.55 * len(names) + 2)), 4.8))
    ax.bar(x - 0.2, tab["S1"], 0.4, yerr=tab["S1_conf"], capsize=3, label="first order S1")
    ax.bar(x + 0.2, tab["ST"], 0.4, yerr=tab["ST_conf"], capsize=3, label="total ST")
    ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("Sobol index")
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False)
    return _finish(fig, path)


def _fig_morris(tab: pd.DataFrame, path: Path, title: str) -> Path:
    names = _short_names(list(tab["parameter"]))
    fig, ax = _subplots(figsize=(6, 4.5))
    ax.errorbar(tab["mu_star"], tab["sigma"], xerr=tab["mu_star_conf"], fmt="o", capsize=3)
    for n, xv, yv in zip(names, tab["mu_star"], tab["sigma"], strict=True):
        ax.annotate(n, (xv, yv), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("μ* (mean |elementary effect|)")
    ax.set_ylabel("σ (interactions, non-linearity)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    return _finish(fig, path)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)


# ------------------------------------------------------------------------------ main


def analyze_sweep(
    sweep_dir: str | os.PathLike[str],
    *,
    outputs: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    figures: bool | None = None,
    out: str | os.PathLike[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> AnalysisResult:
    """Analyse a sweep folder; writes ``tables/`` and ``figures/`` into ``out`` (default: the
    sweep folder itself, replacing earlier analysis files)."""
    log = log or (lambda text: None)
    src = Path(sweep_dir)
    manifest = read_manifest(src)
    if manifest is None:
        raise SweepError(f"analyze error: {sweep_dir}: not a regsim sweep folder (no sweep "
                         "manifest.json)")
    resolved = manifest.get("resolved_sweep") or {}
    try:
        analysis = Analysis.model_validate(resolved.get("analysis") or {})
        if outputs:
            for o in outputs:
                parse_output(o)
            analysis = analysis.model_copy(update={"outputs": list(outputs)})
    except ValueError as exc:
        raise SweepError(f"analyze error: {' '.join(str(exc).split())}") from None
    if figures is None:
        figures = analysis.figures
    design = manifest.get("design")
    params = list(manifest.get("parameters") or [])
    dest = Path(out) if out is not None else src
    result = AnalysisResult(out=dest)

    runs = read_runs(src)
    n_points = int(manifest.get("n_points") or runs["point"].max() + 1)
    counts = runs["status"].value_counts().to_dict()
    if counts.get("failed"):
        result.notes.append(f"{counts['failed']} failed runs left out (see runs.parquet)")
    if counts.get("pending"):
        result.notes.append(f"{counts['pending']} runs not finished yet (sweep incomplete)")
    done = runs[runs["status"] == "done"]
    if done.empty:
        raise SweepError(f"analyze error: {sweep_dir}: no finished run to analyse")
    national = read_table(src, "national_year", runs=done["run"])
    points = _points_frame(runs, params)

    available = [c for c in national.columns
                 if c not in META and c not in params and c != "year"
                 and pd.api.types.is_numeric_dtype(national[c])
                 and not pd.api.types.is_bool_dtype(national[c])]
    explicit = indicators is not None
    inds = _indicators(list(indicators) if indicators else analysis.indicators, available,
                       explicit or analysis.indicators != Analysis().indicators)
    lo, hi = band_names(analysis.bands)

    tables: dict[str, pd.DataFrame] = {}
    ens = ensemble(national, ["point", "year"], inds, analysis.bands)
    ens = points.merge(ens, on="point", how="right")
    ens = ens.sort_values(["point", "indicator", "year"], kind="mergesort").reset_index(drop=True)
    tables["ensemble_national"] = ens
    years_present = sorted(int(y) for y in national["year"].unique())
    if analysis.years:
        missing = [y for y in analysis.years if y not in years_present]
        if missing:
            result.notes.append(f"analysis years {missing} not simulated; left out")
        keep = [y for y in analysis.years if y in years_present]
        tables["outcomes"] = ens[ens["year"].isin(keep)].reset_index(drop=True)

    if analysis.province_indicators:
        prov = read_table(src, "province_year", runs=done["run"])
        pinds = _indicators(analysis.province_indicators, list(prov.columns), True)
        pe = ensemble(prov, ["point", "province", "year"], pinds, analysis.bands)
        pe = points.merge(pe, on="point", how="right")
        tables["ensemble_province"] = pe.sort_values(
            ["point", "indicator", "province", "year"], kind="mergesort").reset_index(drop=True)

    seed = int(manifest.get("design_seed") or 0)
    problem = manifest.get("problem")
    if analysis.outputs and design not in ("sobol", "morris"):
        result.notes.append("sensitivity indices need a sobol or morris design; outputs ignored")
    elif analysis.outputs:
        firsts, seconds = [], []
        design_spec = resolved.get("design") or {}
        for text in analysis.outputs:
            indicator, year = parse_output(text)
            y = _output_values(national, indicator, year, n_points)
            if np.isnan(y).any():
                result.notes.append(f"{text}: {int(np.isnan(y).sum())} design points have no "
                                    "finished run; indices not computed")
                continue
            if design == "sobol":
                f1, f2 = _sobol(problem, y, bool(design_spec.get("second_order")), analysis, seed,
                                text, indicator, year)
                firsts.append(f1)
                if f2 is not None:
                    seconds.append(f2)
            else:
                x = points[problem["names"]].to_numpy(dtype=float)
                firsts.append(_morris(problem, x, y, int(design_spec.get("levels", 4)), analysis,
                                      seed, text, indicator, year))
        if firsts:
            tables[f"{design}_indices"] = pd.concat(firsts, ignore_index=True)
        if seconds:
            tables["sobol_s2"] = pd.concat(seconds, ignore_index=True)

    main = analysis.main_table
    if main is None:
        for cand in ("sobol_indices", "morris_indices", "outcomes", "ensemble_national"):
            if cand in tables:
                main = cand
                break
    elif main not in tables:
        result.notes.append(f"main table {main!r} was not produced")
        main = None
    result.main_table = main
    result.tables = tables
    result.checksums = {name: content_checksum(t) for name, t in tables.items()}

    # Write tables and figures into a temporary folder, then put them in place.
    tmp = dest / f".analysis.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (tmp / "tables").mkdir(parents=True)
        for name, t in tables.items():
            write_parquet(t, tmp / "tables" / f"{name}.parquet")
            t.to_csv(tmp / "tables" / f"{name}.csv", index=False, float_format="%.12g")
        (tmp / "tables" / "checksums.json").write_text(json.dumps({
            "method": "sha256 of the canonical CSV of the table: columns sorted by name, rows "
                      "sorted, numbers rounded to 12 significant digits (sim.sweep.checksum)",
            "main_table": main,
            "tables": result.checksums,
            "sweep": manifest.get("name"),
            "plan_hash": manifest.get("plan_hash"),
            "runs": {k: int(v) for k, v in counts.items()},
        }, indent=2) + "\n", encoding="utf-8")
        figs: list[str] = []
        if figures:
            (tmp / "figures").mkdir()
            figs = _figures(tables, tmp / "figures", manifest, points, params, analysis, lo, hi)
        for sub in ("tables", "figures"):
            final = dest / sub
            if (tmp / sub).exists():
                shutil.rmtree(final, ignore_errors=True)
                os.replace(tmp / sub, final)
        result.figures = [dest / "figures" / f for f in figs]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for note in result.notes:
        log(note)
    return result


def _figures(tables: dict[str, pd.DataFrame], folder: Path, manifest: dict[str, Any],
             points: pd.DataFrame, params: list[str], analysis: Analysis, lo: str,
             hi: str) -> list[str]:
    name = manifest.get("name", "sweep")
    smoke = " (smoke)" if manifest.get("smoke") else ""
    band = f"{float(lo[1:]):g}–{float(hi[1:]):g}%"
    made: list[str] = []
    ens = tables["ensemble_national"]
    if len(points) <= MAX_PATH_POINTS:
        for ind in ens["indicator"].unique():
            f = f"paths_{_safe(ind)}.png"
            _fig_paths(ens, ind, lo, hi, folder / f,
                       f"{name}{smoke}: {ind}, median and {band} band over replicates",
                       analysis.reference)
            made.append(f)
    outc = tables.get("outcomes")
    if manifest.get("design") == "grid" and outc is not None and not outc.empty:
        numeric = [p for p in params if p in outc.columns
                   and pd.api.types.is_float_dtype(outc[p])]
        for ind in outc["indicator"].unique():
            for year in sorted(outc["year"].unique()):
                if len(numeric) == 2:
                    f = f"grid_{_safe(ind)}_{year}.png"
                    _fig_heatmap(outc, numeric[0], numeric[1], ind, int(year), lo, hi,
                                 folder / f, f"{name}{smoke}: median {ind} in {year} "
                                 f"[{band} band]")
                    made.append(f)
                elif len(numeric) == 1:
                    f = f"response_{_safe(ind)}_{year}.png"
                    _fig_response(outc, numeric[0], ind, int(year), lo, hi, folder / f,
                                  f"{name}{smoke}: {ind} in {year}, median and {band} band")
                    made.append(f)
    for key, fig in (("sobol_indices", _fig_sobol), ("morris_indices", _fig_morris)):
        tab = tables.get(key)
        if tab is None:
            continue
        for out_name, g in tab.groupby("output", sort=False):
            f = f"{key.split('_')[0]}_{_safe(str(out_name))}.png"
            conf = f"{round(analysis.conf_level * 100):d}% CI"
            fig(g.reset_index(drop=True), folder / f,
                f"{name}{smoke}: {key.split('_')[0].capitalize()} indices of {out_name} ({conf})")
            made.append(f)
    return made


def fmt_table(frame: pd.DataFrame, max_rows: int = 40) -> str:
    """A compact text rendering of a table for the terminal."""
    with pd.option_context("display.max_columns", 20, "display.width", 140,
                           "display.float_format", lambda v: f"{v:.6g}" if math.isfinite(v) else str(v)):
        return frame.head(max_rows).to_string(index=False)

"""``regsim validate``: run every validation check and write the report.

Output folder (default ``results/validation``):

* ``checks.csv`` / ``checks.parquet`` — one row per check: id, name, target, model result,
  tolerance, pass;
* tables (CSV and Parquet): ``base_year``, ``sigma_by_year``, ``population_growth``,
  ``plate_shares``, ``core_periphery``, ``hysteresis``, ``beta``, ``literature``;
* ``figures/*.png`` — σ-convergence, population growth, plate shares, the core–periphery real-wage
  curves, β-convergence, literature directions;
* ``summary.md`` — the checks table and the headline numbers; ``report.json`` — everything.

``--quick`` runs fewer seeds and firms, a shorter literature horizon and two core–periphery
parameter pairs (a smoke test: the backcast results depend on the firm count, so only the full
report is the reference). The checks, targets and tolerances are documented in docs/validation.md.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.config import Scenario, load_config
from sim.data.loader import Dataset, load_dataset
from sim.validation import backcast, convergence, core_periphery, literature

DPI = 120
CALIBRATED = Path(__file__).resolve().parents[2] / "configs" / "calibrated.yaml"
BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.yaml"
BASE_YEARS_CHECKED = (2020, 2005, 2010, 2015)

# Tolerances (docs/validation.md explains each).
TOL_GDP_REL = 1e-9
TOL_SIGMA_CHANGE = 0.5  # |Δ model / Δ data − 1| for the 5-year change of CV and Theil T
MIN_RANK_CORR = 0.5  # Spearman, 31 provinces (one-sided 1 % critical value ≈ 0.42)
TOL_PLATE_PP = 0.02  # largest plate GDP-share error, share points
TOL_CP_REL = 0.01  # core–periphery break and sustain points
TOL_BETA_REL = 0.10  # Solow speed


@dataclass
class Settings:
    seeds: tuple[int, ...]
    n_firms: int
    lit_seeds: tuple[int, ...]
    lit_n_firms: int
    lit_end_year: int
    cp_cases: tuple[tuple[float, float], ...]
    beta_n_firms: int


#: The literature directions run at 300 000 firms: over their 15 years the unweighted CV of GDP
#: per capita is not resolved at the default 20 000 (experiments/firm_resolution: its seed s.d. is
#: a third and its small-province bias gone from 300 000 firms on); the backcasts (5 years) keep
#: the calibration's 20 000.
FULL = Settings(seeds=(1, 2, 3, 4, 5), n_firms=20000, lit_seeds=(1, 2, 3, 4, 5, 6, 7, 8),
                lit_n_firms=300_000,
                lit_end_year=2035, cp_cases=((5.0, 0.4), *core_periphery.OTHER_CASES),
                beta_n_firms=2000)
QUICK = Settings(seeds=(1,), n_firms=3000, lit_seeds=(1, 2), lit_n_firms=3000, lit_end_year=2025,
                 cp_cases=((5.0, 0.4), (4.0, 0.3)), beta_n_firms=500)


def _check(rows: list[dict[str, Any]], cid: str, name: str, target: str, result: str,
           tolerance: str, passed: bool | None) -> None:
    rows.append({"id": cid, "check": name, "target": target, "result": result,
                 "tolerance": tolerance, "pass": passed})


# ------------------------------------------------------------------------------ 1 base year
def base_year_table(ds: Dataset, years=BASE_YEARS_CHECKED, n_firms: int = 500) -> pd.DataFrame:
    """Start-year GDP and population of the model against the data, by base year."""
    from sim.economy.calibration import base_year_data
    from sim.model import RegionalModel

    rows = []
    for year in years:
        m = RegionalModel(start_year=year, end_year=year + 1, n_firms=n_firms, data=ds)
        data = base_year_data(ds, m.config)
        p = m.province_table()
        pop, gdp = p["population"].to_numpy(), p["gdp_100m_yuan"].to_numpy(float)
        rows.append({"year": year, "population_model": int(pop.sum()),
                     "population_data": int(data.population.sum()),
                     "population_max_abs_diff": int(np.abs(pop - data.population).max()),
                     "gdp_model": float(gdp.sum()), "gdp_data": float(data.gdp.sum()),
                     "gdp_max_rel_err": float(np.max(np.abs(gdp / data.gdp - 1.0))),
                     "capital_data": float(data.capital.sum()),
                     "capital_output_ratio": float(data.capital.sum() / data.gdp.sum())})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ 2 backcasts
def backcast_tables(config: Scenario, ds: Dataset, s: Settings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    obs = backcast.observed(ds, range(2005, 2016))
    sigma, growth, plates, fits = [], [], [], {}
    for label, (a, b) in (("in-sample 2005-2010", (2005, 2010)),
                          ("out-of-sample 2010-2015", (2010, 2015))):
        sim = backcast.simulate(a, b, s.seeds, base=config, n_firms=s.n_firms, data=ds)
        fit = backcast.fit_statistics(sim, obs, a, b)
        fits[label] = fit
        by = fit["by_year"].assign(window=label)
        sigma.append(by)
        growth.append(pd.DataFrame({
            "window": label, "province": ds.names,
            "plate": ds.provinces["region_plate"].to_numpy(str),
            "growth_data": backcast.growth(obs, a, b), "growth_model": sim.mean_growth(a, b)}))
        for plate in backcast.PLATES:
            plates.append({"window": label, "plate": plate,
                           "share_start": fit["plate_gdp_share"]["base"][plate],
                           "share_data": fit["plate_gdp_share"]["data"][plate],
                           "share_model": fit["plate_gdp_share"]["model"][plate]})
    out["sigma_by_year"] = pd.concat(sigma, ignore_index=True)
    out["population_growth"] = pd.concat(growth, ignore_index=True)
    out["plate_shares"] = pd.DataFrame(plates)
    out["fits"] = fits
    return out


def _sigma_checks(rows, fit: dict[str, Any], label: str, cid: str) -> None:
    by = fit["by_year"]
    for col, name in (("cv", "CV of GDP per capita"), ("theil", "Theil T of GDP per capita")):
        d0, d1 = by[f"{col}_data"].iloc[0], by[f"{col}_data"].iloc[-1]
        m1 = by[f"{col}_model"].iloc[-1]
        dd, dm = d1 - d0, m1 - d0
        ok = bool(np.sign(dd) == np.sign(dm) and abs(dm / dd - 1.0) <= TOL_SIGMA_CHANGE)
        _check(rows, f"{cid}.{col}", f"{label}: σ-convergence, {name}",
               f"{d0:.3f} → {d1:.3f} (Δ {dd:+.3f})", f"{d0:.3f} → {m1:.3f} (Δ {dm:+.3f})",
               f"same sign, |Δmodel/Δdata − 1| ≤ {TOL_SIGMA_CHANGE:g}", ok)
    r = fit["pop_growth_rank_corr"]
    _check(rows, f"{cid}.pop", f"{label}: provincial population growth, rank correlation",
           f"≥ {MIN_RANK_CORR:g}", f"{r:.2f}", "Spearman ρ ≥ 0.5", bool(r >= MIN_RANK_CORR))
    ps = fit["plate_gdp_share"]
    err = np.array([ps["model"][p] - ps["data"][p] for p in backcast.PLATES])
    naive = np.array([ps["base"][p] - ps["data"][p] for p in backcast.PLATES])
    ok = bool(np.abs(err).max() <= TOL_PLATE_PP and np.sqrt((err**2).mean())
              <= np.sqrt((naive**2).mean()))
    _check(rows, f"{cid}.plates", f"{label}: GDP shares by plate",
           ", ".join(f"{p} {ps['data'][p]:.3f}" for p in backcast.PLATES),
           ", ".join(f"{p} {ps['model'][p]:.3f}" for p in backcast.PLATES),
           f"every plate within {TOL_PLATE_PP * 100:g} pp and RMSE ≤ persistence "
           f"({np.sqrt((naive**2).mean()) * 100:.2f} pp; model {np.sqrt((err**2).mean()) * 100:.2f} pp)",
           ok)


# ------------------------------------------------------------------------------ 3 core–periphery
def core_periphery_tables(s: Settings) -> dict[str, pd.DataFrame]:
    cases = pd.DataFrame([core_periphery.check(sig, mu) for sig, mu in s.cp_cases])
    hyst = core_periphery.hysteresis(5.0, 0.4)
    return {"core_periphery": cases, "hysteresis": pd.DataFrame([hyst])}


# ------------------------------------------------------------------------------ figures
def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI)
    return path


def fig_sigma(sigma: pd.DataFrame, path: Path) -> Path:
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    for ax, (col, title) in zip(fig.subplots(1, 2), (("cv", "CV of GDP per capita"),
                                                      ("theil", "Theil T of GDP per capita")),
                                strict=True):
        for label, g in sigma.groupby("window", sort=False):
            c = "C0" if label.startswith("in") else "C3"
            ax.plot(g["year"], g[f"{col}_data"], "o-", color=c, label=f"data, {label}")
            ax.plot(g["year"], g[f"{col}_model"], "s--", color=c, mfc="none",
                    label=f"model, {label}")
        ax.set_title(title)
        ax.set_xlabel("year")
    ax.legend(fontsize=7)
    return _save(fig, path)


def fig_population(growth: pd.DataFrame, path: Path) -> Path:
    fig = Figure(figsize=(9, 4), layout="constrained")
    for ax, (label, g) in zip(fig.subplots(1, 2), growth.groupby("window", sort=False),
                              strict=True):
        x, y = (g["growth_data"] - 1) * 100, (g["growth_model"] - 1) * 100
        ax.scatter(x, y, s=14)
        for _, r in g.iterrows():
            ax.annotate(r["province"][:4], ((r["growth_data"] - 1) * 100,
                                            (r["growth_model"] - 1) * 100), fontsize=6)
        lo, hi = min(x.min(), y.min()), max(x.max(), y.max())
        ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
        ax.set_title(f"population growth, {label}")
        ax.set_xlabel("data, %")
        ax.set_ylabel("model, %")
    return _save(fig, path)


def fig_plates(plates: pd.DataFrame, path: Path) -> Path:
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    for ax, (label, g) in zip(fig.subplots(1, 2), plates.groupby("window", sort=False),
                              strict=True):
        x = np.arange(len(g))
        ax.bar(x - 0.27, g["share_start"], 0.27, label="data, start", color="lightgrey")
        ax.bar(x, g["share_data"], 0.27, label="data, end", color="C0")
        ax.bar(x + 0.27, g["share_model"], 0.27, label="model, end", color="C3")
        ax.set_xticks(x, g["plate"])
        ax.set_title(f"GDP share by plate, {label}")
    ax.legend(fontsize=7)
    return _save(fig, path)


def fig_core_periphery(path: Path, sigma: float = 5.0, mu: float = 0.4) -> Path:
    tb = core_periphery.break_point_analytic(sigma, mu)
    ts = core_periphery.sustain_point_analytic(sigma, mu)
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    a1, a2 = fig.subplots(1, 2)
    lam = np.linspace(0.0, 1.0, 41)
    for t, c in ((1.5, "C2"), (0.5 * (tb + ts), "C1"), (2.1, "C3")):
        econ = core_periphery.build_two_region(sigma, mu, t)
        gap = [float(np.diff(core_periphery.equilibrium(econ, x).real_wage[::-1])[0]) for x in lam]
        a1.plot(lam, gap, color=c, label=f"T = {t:.3f}")
    a1.axhline(0, color="grey", lw=0.8)
    a1.set_xlabel("λ (share of manufacturing in region 1)")
    a1.set_ylabel("ω₁ − ω₂")
    a1.set_title(f"real-wage gap, σ = {sigma:g}, μ = {mu:g}")
    a1.legend(fontsize=7)
    ts_grid = np.linspace(1.3, 2.2, 37)
    slope = [core_periphery.symmetric_slope(sigma, mu, t) for t in ts_grid]
    adv = [core_periphery.periphery_advantage(sigma, mu, t) for t in ts_grid]
    a2.plot(ts_grid, slope, label="∂(ω₁−ω₂)/∂λ at λ = ½")
    a2.plot(ts_grid, adv, label="ω₂/ω₁ − 1 at λ = 1")
    a2.axhline(0, color="grey", lw=0.8)
    a2.axvline(tb, color="C0", ls=":", label=f"T(B) = {tb:.3f}")
    a2.axvline(ts, color="C1", ls=":", label=f"T(S) = {ts:.3f}")
    a2.set_xlabel("trade cost T")
    a2.set_title("break and sustain points (model)")
    a2.legend(fontsize=7)
    return _save(fig, path)


def fig_beta(betas: pd.DataFrame, panels: dict[str, pd.DataFrame], path: Path) -> Path:
    fig = Figure(figsize=(5.5, 4), layout="constrained")
    ax = fig.subplots()
    for name, g in panels.items():
        b = betas.set_index("mobility").loc[name, "beta"]
        ax.scatter(g["log_y0"], g["growth"] * 100, s=12, label=f"{name}: β = {b:.3f}")
    ax.set_xlabel("log GDP per capita, 2021")
    ax.set_ylabel("growth of GDP per capita 2021–2031, % a year")
    ax.set_title("β-convergence (identical provinces)")
    ax.legend(fontsize=7)
    return _save(fig, path)


def fig_literature(lit: pd.DataFrame, path: Path) -> Path:
    g = lit.loc[lit["expected"] != ""].reset_index(drop=True)
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.subplots()
    colors = ["C2" if p else "C3" for p in g["pass"]]
    ax.barh(np.arange(len(g)), g["relative_change"] * 100, color=colors)
    ax.set_yticks(np.arange(len(g)), [f"{e}: {o} (expect {x})" for e, o, x in
                                      zip(g["experiment"], g["outcome"], g["expected"], strict=True)],
                  fontsize=7)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("% change, reform vs reference (green: as expected)")
    return _save(fig, path)


# ------------------------------------------------------------------------------ driver
def beta_tables(s: Settings) -> tuple[dict[str, Any], pd.DataFrame, dict[str, pd.DataFrame]]:
    horizon = 10
    base = convergence.check(horizon=horizon, n_firms=s.beta_n_firms)
    rows, panels = [], {}
    for name, over in convergence.MOBILITY.items():
        m = convergence.solow_model(end_year=2021 + horizon, n_firms=s.beta_n_firms,
                                    mobility=over)
        r = convergence.run_beta(m, 2021, horizon)
        y = m.province_table().pivot(index="year", columns="province",
                                     values="gdp_per_capita_yuan")
        panels[name] = pd.DataFrame({"log_y0": np.log(y.loc[2021]),
                                     "growth": np.log(y.loc[2021 + horizon] / y.loc[2021]) / horizon})
        rows.append({"mobility": name, **r})
    return base, pd.DataFrame(rows), panels


def validate(out: Path, quick: bool = False, config: str | Path | None = None,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run all checks; write tables, figures, ``summary.md`` and ``report.json`` into ``out``."""
    say = progress or (lambda msg: None)
    t_start = time.perf_counter()
    s = QUICK if quick else FULL
    out = Path(out)
    figs = out / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    ds = load_dataset()
    cfg_path = Path(config) if config is not None else (CALIBRATED if CALIBRATED.exists() else None)
    cfg = load_config(cfg_path)
    rows: list[dict[str, Any]] = []
    tables: dict[str, pd.DataFrame] = {}

    say("1/5 base years")
    by = base_year_table(ds)
    tables["base_year"] = by
    for r in by.to_dict(orient="records"):
        ok = bool(r["population_max_abs_diff"] == 0 and r["gdp_max_rel_err"] <= TOL_GDP_REL)
        _check(rows, f"1.{r['year']}", f"{r['year']} start reproduces the data",
               "provincial population (persons) and GDP equal the data",
               f"max |Δ pop| = {r['population_max_abs_diff']} persons, "
               f"max |ΔGDP|/GDP = {r['gdp_max_rel_err']:.1e}",
               f"population exact, GDP ≤ {TOL_GDP_REL:g}", ok)

    say("2/5 backcasts (in sample 2005-2010, out of sample 2010-2015)")
    bc = backcast_tables(cfg, ds, s)
    for k in ("sigma_by_year", "population_growth", "plate_shares"):
        tables[k] = bc[k]
    _sigma_checks(rows, bc["fits"]["out-of-sample 2010-2015"], "out of sample 2010→2015", "2.oos")
    _sigma_checks(rows, bc["fits"]["in-sample 2005-2010"], "in sample 2005→2010", "2.ins")

    say("3/5 core-periphery")
    cp = core_periphery_tables(s)
    tables.update(cp)
    for _, r in cp["core_periphery"].iterrows():
        for what in ("break", "sustain"):
            err = r[f"{what}_rel_error"]
            _check(rows, f"3.{what}.{r['sigma']:g}.{r['mu']:g}",
                   f"core–periphery {what} point, σ = {r['sigma']:g}, μ = {r['mu']:g}",
                   f"T({what[0].upper()}) = {r[f'{what}_analytic']:.4f} (FKV)",
                   f"{r[f'{what}_model']:.4f}", f"within {TOL_CP_REL:.0%}",
                   bool(abs(err) <= TOL_CP_REL))
    h = cp["hysteresis"].iloc[0]
    hyst = [("T_mid_from_symmetric", "stays symmetric", abs(h["T_mid_from_symmetric"] - 0.5) < 0.01),
            ("T_mid_from_agglomerated", "stays agglomerated", h["T_mid_from_agglomerated"] > 0.99),
            ("T_low_from_symmetric", "agglomerates", h["T_low_from_symmetric"] > 0.99),
            ("T_high_from_agglomerated", "disperses", abs(h["T_high_from_agglomerated"] - 0.5) < 0.01)]
    for key, want, ok in hyst:
        t = h[key.split("_from")[0]]
        start = "λ₀ = 0.52" if "symmetric" in key else "λ₀ = 0.98"
        _check(rows, f"3.hyst.{key}", f"hysteresis, σ = 5, μ = 0.4: T = {t:.3f}, {start}",
               want, f"λ = {h[key]:.4f}", "|λ − ½| < 0.01 or λ > 0.99", bool(ok))

    say("4/5 beta-convergence")
    beta, mob, panels = beta_tables(s)
    tables["beta"] = mob.assign(analytic=beta["analytic_discrete"])
    _check(rows, "4.solow", "β-convergence without factor flows (identical provinces)",
           f"Solow β = {beta['analytic_discrete']:.4f} "
           f"((1−α)(n+g/(1−α)+δ) = {beta['analytic_continuous']:.4f})",
           f"β = {beta['beta']:.4f} (R² {beta['r2']:.3f})", f"within {TOL_BETA_REL:.0%}",
           bool(abs(beta["rel_error"]) <= TOL_BETA_REL))
    b0 = mob.set_index("mobility")["beta"]
    for name in ("capital", "migration", "capital+migration"):
        _check(rows, f"4.mobility.{name}", f"factor mobility speeds convergence: {name}",
               f"β > {b0['none']:.4f} (no flows)", f"β = {b0[name]:.4f}", "strictly greater",
               bool(b0[name] > b0["none"]))

    say("5/5 literature directions (baseline; calibrated as a sensitivity)")
    lit = literature.run_experiments(load_config(BASELINE), seeds=s.lit_seeds,
                                     n_firms=s.lit_n_firms, end_year=s.lit_end_year)
    tables["literature"] = lit
    if not quick and cfg_path is not None:
        tables["literature_calibrated"] = literature.run_experiments(
            cfg, seeds=s.lit_seeds, n_firms=s.lit_n_firms, end_year=s.lit_end_year)
    for _, r in lit.loc[lit["expected"] != ""].iterrows():
        _check(rows, f"5.{r['experiment']}.{r['outcome']}",
               f"{r['experiment']} ({r['source']}): {r['outcome']}",
               f"{r['expected']}" + (" (cost ≤ 5 %)" if r["experiment"] == "equalising_transfers"
                                     and r["outcome"] == "output" else ""),
               f"{r['relative_change'] * 100:+.2f} % (t = {r['t']:.1f})",
               "sign of the seed-mean paired change", bool(r["pass"]))

    say("writing tables and figures")
    checks = pd.DataFrame(rows)
    tables["checks"] = checks
    for name, t in tables.items():
        t.to_csv(out / f"{name}.csv", index=False)
        t.astype({c: str for c in t.columns if t[c].dtype == object}).to_parquet(
            out / f"{name}.parquet", index=False)
    figures = {
        "sigma_convergence": fig_sigma(tables["sigma_by_year"], figs / "sigma_convergence.png"),
        "population_growth": fig_population(tables["population_growth"],
                                            figs / "population_growth.png"),
        "plate_shares": fig_plates(tables["plate_shares"], figs / "plate_shares.png"),
        "core_periphery": fig_core_periphery(figs / "core_periphery.png"),
        "beta_convergence": fig_beta(mob, panels, figs / "beta_convergence.png"),
        "literature": fig_literature(lit, figs / "literature.png"),
    }
    report = {
        "config": str(cfg_path) if cfg_path else "schema defaults",
        "quick": quick, "settings": s.__dict__,
        "passed": int(checks["pass"].sum()), "checks": len(checks),
        "fits": {k: {kk: (vv.to_dict(orient="records") if isinstance(vv, pd.DataFrame) else vv)
                     for kk, vv in v.items()} for k, v in bc["fits"].items()},
        "beta": beta, "seconds": time.perf_counter() - t_start,
        "figures": {k: str(v.relative_to(out)) for k, v in figures.items()},
    }
    (out / "report.json").write_text(json.dumps(report, indent=1, default=_json_default) + "\n",
                                     encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(checks, report), encoding="utf-8")
    return {"checks": checks, "tables": tables, "report": report, "figures": figures}


def _json_default(x: Any) -> Any:
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, tuple):
        return list(x)
    return str(x)


def summary_markdown(checks: pd.DataFrame, report: dict[str, Any]) -> str:
    lines = [
        "# regsim validation report",
        "",
        f"Config: `{report['config']}`; {'quick (smoke-test) settings' if report['quick'] else 'full settings'}; "
        f"{report['passed']} of {report['checks']} checks pass; {report['seconds']:.0f} s.",
        "Procedure, tolerances and discussion: docs/validation.md.",
        "",
        "| id | check | target | model | tolerance | pass |",
        "|---|---|---|---|---|---|",
    ]
    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|")

    for _, r in checks.iterrows():
        mark = "✅" if r["pass"] else "❌"
        lines.append(f"| {r['id']} | {cell(r['check'])} | {cell(r['target'])} | "
                     f"{cell(r['result'])} | {cell(r['tolerance'])} | {mark} |")
    lines += ["", "## Figures", ""]
    for name, rel in report["figures"].items():
        lines.append(f"![{name}]({rel})")
    return "\n".join(lines) + "\n"

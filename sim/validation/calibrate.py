"""``regsim calibrate``: fit the behavioural parameters the 2005–2010 panel can pin down.

**Procedure.** Start the model in 2005 from the 2005 panel (population, GDP, capital; the base-year
rules of ``sim.economy.calibration``), simulate to 2010 and compare with the panel by the loss of
``sim.validation.backcast`` (CV and Theil T of GDP per capita 2006–2010, provincial GDP and
population shares in 2010; each as the model's mean squared error over that of the persistence
forecast; the loss is their sum). Model statistics are averaged over ``seeds`` with common random
numbers. The search is derivative-free and small: a scrambled Sobol design of ``n_design`` points
in the box of :data:`SEARCH` plus the schema defaults, then Nelder–Mead (scipy) from the best
point on the unit cube with at most ``n_local`` further evaluations. The search coordinates
replace the catch-up speed λ by the initial catch-up rate λκ (κ = closable share), the
combination five years of σ-convergence identify, so that the simplex can move along the λ–κ
ridge.

**Fitted** (:data:`FIT_PARAMETERS`): ``technology.catch_up_speed`` and
``technology.closable_gap_share`` (the speed and extent of TFP convergence: what σ-convergence
pins down; over five years mainly their product, see the identification record),
``migration.gross_move_rate_2020`` (responsiveness of migration to changing wages and services:
the 2010 population shares), ``capital.mobile_share`` (how much saving follows returns across
provinces) and ``firms.location_noise`` (idiosyncratic location choice of relocating and entering
firms: the spread of GDP shares). The gross move rate is fitted in the 2005 base year and used as
the 2020 rate (an assumption: the census migrant stocks grew from 2005 to 2020).

**Not fitted** (remain sourced values or assumptions, see docs/config_reference.md): every other
parameter, notably the migration elasticity, the hukou and distance costs (they and the gross move
rate are not separately identified by five years of net flows), the frontier growth rate (the
panel GDP is nominal, so national real growth is not observed), the capital shares, σ, trade costs
and the fiscal rules.

**Identification record** (``CalibrationResult.identification``): the loss at each fitted value
× 0.5 and × 1.5 (clipped to the box) with the others at their fitted values, and the loss of the
fitted point under a second, disjoint set of seeds (the noise scale of the loss).

The result is written to ``configs/calibrated.yaml`` (``extends: baseline.yaml`` and the fitted
values, with the fit statistics in comments) and ``configs/calibrated.json`` (the full record:
fitted values, loss components before and after, every evaluation).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

from sim.config import Scenario, load_config
from sim.data.loader import Dataset, load_dataset
from sim.validation.backcast import COMPONENTS, fit_statistics, observed, simulate

#: Fitted parameter → (lower, upper bound, what the data constrain).
FIT_PARAMETERS: dict[str, tuple[float, float, str]] = {
    "technology.catch_up_speed": (0.0, 0.5, "speed of TFP catch-up: σ-convergence (CV, Theil T)"),
    "technology.closable_gap_share": (0.05, 1.0, "closable share of the TFP gap: σ-convergence"),
    "migration.gross_move_rate_2020": (0.004, 0.04, "migration responsiveness: 2010 population shares"),
    "capital.mobile_share": (0.0, 1.0, "capital mobility: 2010 GDP shares and σ-convergence"),
    "firms.location_noise": (0.02, 1.0, "idiosyncratic firm location: spread of 2010 GDP shares"),
}
#: The search runs on these coordinates (bounds): the initial catch-up rate
#: ``catch_up_speed × closable_gap_share`` (what five years identify) replaces the speed, which is
#: recovered as rate / share (capped at its bound); the other coordinates are the parameters.
CATCH_UP_RATE = (0.0, 0.15)
SEARCH: tuple[tuple[str, float, float], ...] = (
    ("catch_up_rate", *CATCH_UP_RATE),
    *((k, lo, hi) for k, (lo, hi, _) in FIT_PARAMETERS.items() if k != "technology.catch_up_speed"),
)
FIT_START, FIT_END = 2005, 2010
DEFAULT_SEEDS: tuple[int, ...] = (1, 2, 3)


@dataclass
class CalibrationResult:
    """Fitted values and the record of the search."""

    fitted: dict[str, float]
    defaults: dict[str, float]
    fit: dict[str, Any]  # fit statistics at the fitted values
    fit_defaults: dict[str, Any]  # at the schema defaults
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    identification: dict[str, Any] = field(default_factory=dict)
    seeds: tuple[int, ...] = DEFAULT_SEEDS
    n_firms: int = 20000
    seconds: float = 0.0


def _to_params(u: np.ndarray) -> dict[str, float]:
    u = np.clip(u, 0.0, 1.0)
    x = {k: float(lo + (hi - lo) * v) for (k, lo, hi), v in zip(SEARCH, u, strict=True)}
    share = x["technology.closable_gap_share"]
    hi_speed = FIT_PARAMETERS["technology.catch_up_speed"][1]
    out = {"technology.catch_up_speed": min(x.pop("catch_up_rate") / share, hi_speed)}
    out.update(x)
    return {k: out[k] for k in FIT_PARAMETERS}


def _to_unit(params: dict[str, float]) -> np.ndarray:
    x = dict(params)
    x["catch_up_rate"] = params["technology.catch_up_speed"] * params["technology.closable_gap_share"]
    return np.array([(x[k] - lo) / (hi - lo) for k, lo, hi in SEARCH])


def defaults(base: Scenario) -> dict[str, float]:
    """The base scenario's values of the fitted parameters."""
    out = {}
    for key in FIT_PARAMETERS:
        section, name = key.split(".")
        out[key] = float(getattr(getattr(base, section), name))
    return out


def calibrate(base: Scenario | str | None = None, seeds: Sequence[int] = DEFAULT_SEEDS,
              n_firms: int = 20000, n_design: int = 16, n_local: int = 40,
              data: Dataset | None = None,
              progress: Callable[[int, float, dict[str, float]], None] | None = None
              ) -> CalibrationResult:
    """Fit :data:`FIT_PARAMETERS` on 2005 → 2010 (module docstring)."""
    ds = data if data is not None else load_dataset()
    if base is None or isinstance(base, str):
        base = load_config(base)
    obs = observed(ds, range(FIT_START, FIT_END + 1))
    seeds = tuple(int(s) for s in seeds)
    evals: list[dict[str, Any]] = []
    cache: dict[tuple[float, ...], float] = {}
    t0 = time.perf_counter()

    def objective(u: np.ndarray) -> float:
        params = _to_params(u)
        key = tuple(round(v, 12) for v in params.values())
        if key in cache:
            return cache[key]
        sim = simulate(FIT_START, FIT_END, seeds, base=base, overrides=params, n_firms=n_firms,
                       data=ds)
        fs = fit_statistics(sim, obs, FIT_START, FIT_END)
        cache[key] = fs["loss"]
        evals.append({"params": params, "loss": fs["loss"],
                      **{c: fs["components"][c]["ratio"] for c in COMPONENTS}})
        if progress is not None:
            progress(len(evals), fs["loss"], params)
        return fs["loss"]

    start = defaults(base)
    design = [_to_unit(start)]
    if n_design > 0:
        sobol = qmc.Sobol(d=len(SEARCH), scramble=True, seed=20050101)
        design += list(sobol.random(n_design))
    scores = [objective(u) for u in design]
    best = design[int(np.argmin(scores))]
    if n_local > 0:
        simplex = [best] + [np.clip(best + 0.15 * e * (1 if best[i] < 0.5 else -1), 0, 1)
                            for i, e in enumerate(np.eye(len(best)))]
        minimize(objective, best, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(best),
                 options={"maxfev": n_local, "initial_simplex": np.array(simplex),
                          "xatol": 1e-3, "fatol": 1e-3})
    # The best evaluated point, written with 4 significant digits (and re-evaluated so).
    i_best = int(np.argmin([e["loss"] for e in evals]))
    fitted = {k: round_value(v) for k, v in evals[i_best]["params"].items()}
    ident: dict[str, Any] = {}
    if n_local > 0 or n_design > 0:
        for key, (lo, hi, _) in FIT_PARAMETERS.items():
            row = {}
            for label, factor in (("low", 0.5), ("high", 1.5)):
                value = fitted[key] * factor if fitted[key] > 0 else lo + 0.1 * (hi - lo)
                value = round_value(min(max(value, lo), hi))
                sim = simulate(FIT_START, FIT_END, seeds, base=base,
                               overrides={**fitted, key: value}, n_firms=n_firms, data=ds)
                row[label] = {"value": value,
                              "loss": fit_statistics(sim, obs, FIT_START, FIT_END)["loss"]}
            ident[key] = row
        other = tuple(max(seeds) + 1 + i for i in range(len(seeds)))
        sim = simulate(FIT_START, FIT_END, other, base=base, overrides=fitted, n_firms=n_firms,
                       data=ds)
        ident["other_seeds"] = {"seeds": list(other),
                                "loss": fit_statistics(sim, obs, FIT_START, FIT_END)["loss"]}
    sim_fit = simulate(FIT_START, FIT_END, seeds, base=base, overrides=fitted, n_firms=n_firms,
                       data=ds)
    sim_def = simulate(FIT_START, FIT_END, seeds, base=base, overrides={}, n_firms=n_firms,
                       data=ds)
    return CalibrationResult(
        fitted=fitted, defaults=start,
        fit=fit_statistics(sim_fit, obs, FIT_START, FIT_END),
        fit_defaults=fit_statistics(sim_def, obs, FIT_START, FIT_END),
        evaluations=evals, identification=ident, seeds=seeds, n_firms=n_firms,
        seconds=time.perf_counter() - t0)


def _jsonable(fit: dict[str, Any]) -> dict[str, Any]:
    out = dict(fit)
    out["by_year"] = fit["by_year"].to_dict(orient="records")
    return out


def round_value(x: float) -> float:
    """Fitted values are written with 4 significant digits."""
    return float(f"{x:.4g}")


def write_outputs(result: CalibrationResult, path: Path, extends: str = "baseline.yaml") -> Path:
    """Write ``path`` (YAML: ``extends`` + the fitted values, fit statistics as comments) and
    the JSON record next to it (same stem, ``.json``). Returns the JSON path."""
    path = Path(path)
    f, d = result.fit, result.fit_defaults
    lines = [
        "# regsim calibrated scenario: the baseline with the behavioural parameters fitted on the",
        "# 2005–2010 panel by `regsim calibrate` (sim/validation/calibrate.py; docs/validation.md).",
        f"# Start 2005, simulate to 2010, {len(result.seeds)} seeds ({', '.join(map(str, result.seeds))}), "
        f"{result.n_firms} firms, {len(result.evaluations)} evaluations.",
        "# Loss = sum over CV, Theil T (2006–2010), provincial GDP and population shares (2010) of",
        "# MSE(model) / MSE(persistence forecast); 0 = exact, 4 = no better than no change.",
        f"#   loss at the defaults {d['loss']:.3f}  ->  fitted {f['loss']:.3f}",
    ]
    for c in COMPONENTS:
        lines.append(f"#   {c:<10} {d['components'][c]['ratio']:.3f} -> {f['components'][c]['ratio']:.3f}")
    by = f["by_year"]
    lines.append(f"#   CV 2010: data {by['cv_data'].iloc[-1]:.3f}, model {by['cv_model'].iloc[-1]:.3f}; "
                 f"Theil T 2010: data {by['theil_data'].iloc[-1]:.4f}, model {by['theil_model'].iloc[-1]:.4f}")
    lines.append(f"#   rank correlation of provincial population growth 2005–2010: "
                 f"{f['pop_growth_rank_corr']:.2f}")
    ident = result.identification
    if ident:
        lines.append(f"#   loss of the fitted values with other seeds {ident['other_seeds']['seeds']}: "
                     f"{ident['other_seeds']['loss']:.3f} (noise scale)")
        lines.append("#   identification, loss at fitted x0.5 / x1.5: " + "; ".join(
            f"{k.split('.')[1]} {v['low']['loss']:.2f} / {v['high']['loss']:.2f}"
            for k, v in ident.items() if k != "other_seeds"))
    lines += [
        "# Fitted: " + ", ".join(FIT_PARAMETERS) + ".",
        "# Not fitted: migration elasticity and costs, frontier growth, capital shares, sigma,",
        "# trade costs, fiscal rules and every other parameter.",
        "# Their values and sources: docs/config_reference.md.",
        f"# Full record: {path.with_suffix('.json').name}",
        "",
        f"extends: {extends}",
        "",
        "name: calibrated",
        "description: >-",
        "  Baseline with the behavioural parameters fitted on the 2005-2010 panel",
        "  (regsim calibrate; docs/validation.md).",
        "",
    ]
    sections: dict[str, list[str]] = {}
    for key, value in result.fitted.items():
        section, name = key.split(".")
        note = FIT_PARAMETERS[key][2]
        sections.setdefault(section, []).append(
            f"  {name}: {round_value(value)}    # fitted (default {result.defaults[key]:g}); {note}")
    for section, body in sections.items():
        lines.append(f"{section}:")
        lines += body
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    record = {
        "fitted": {k: round_value(v) for k, v in result.fitted.items()},
        "fitted_exact": result.fitted, "defaults": result.defaults,
        "bounds": {k: [lo, hi] for k, (lo, hi, _) in FIT_PARAMETERS.items()},
        "window": [FIT_START, FIT_END], "seeds": list(result.seeds), "n_firms": result.n_firms,
        "fit": _jsonable(result.fit), "fit_defaults": _jsonable(result.fit_defaults),
        "identification": result.identification,
        "evaluations": result.evaluations, "seconds": result.seconds,
    }
    json_path = path.with_suffix(".json")
    json_path.write_text(json.dumps(record, indent=1, default=float) + "\n", encoding="utf-8")
    return json_path

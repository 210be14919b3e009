"""Directions from the literature (validation check 5): does the model move the way published
quantitative spatial models of China say it should?

Each experiment compares a *reform* with a *reference* scenario, both started in 2020 from the
scenario under test (``regsim validate``: ``configs/baseline.yaml``, and the calibrated config as a
sensitivity) and run to ``END_YEAR``; the reform acts from the first simulated year. Results are averaged over
seeds (common random numbers: the same seeds for both arms, so the change is the mean of paired
differences, reported with its standard error across seeds). Reported at the end year:

* output: national real GDP per capita (``gdp_real`` / population, output at 2020 prices);
* real income per capita: Σ_i GDP_i / CPI_i over population (GDP deflated by each province's
  consumer price index, which carries the gains from cheaper imported varieties);
* per-capita dispersion: CV of GDP per capita (``cv``) and Theil T;
* concentration of GDP: the Herfindahl index of provincial GDP shares and the East plate's share;
* public-service dispersion: CV of the public-service index (``ps_cv``).

| experiment | reform | expected direction (source) |
|---|---|---|
| ``migration_costs`` | ``migration.hukou_cost`` 2 → 0.5 | output ↑, per-capita dispersion ↓, GDP more concentrated (Hao, Sun, Tombe & Zhu 2020, JME) |
| ``trade_costs`` | ``trade.interprovincial_barrier`` 0.3 → 0.1 | per-capita dispersion ↓, real income ↑ (Tombe & Zhu 2019, AER) |
| ``equalising_transfers`` | ``fiscal.equalising_intensity`` 0 → 1 | gaps narrow (public services and GDP per capita), output per capita falls by a small amount (Henkel, Seidel & Suedekum 2021, AEJ: Policy: ≈ 2 %) |

The model's results are reported as they are, pass or fail; nothing in the economics is tuned to
these directions (docs/validation.md discusses the failures).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, from_flat

END_YEAR = 2035

EXPERIMENTS: dict[str, dict[str, Any]] = {
    "migration_costs": {
        "reference": {"migration.hukou_cost": 2.0},
        "reform": {"migration.hukou_cost": 0.5},
        "source": "Hao, Sun, Tombe & Zhu (2020), J. Monetary Econ. 113",
        "expect": {"output": "+", "cv": "-", "hhi": "+"},
    },
    "trade_costs": {
        "reference": {"trade.interprovincial_barrier": 0.3},
        "reform": {"trade.interprovincial_barrier": 0.1},
        "source": "Tombe & Zhu (2019), AER 109",
        "expect": {"cv": "-", "real_income": "+"},
    },
    "equalising_transfers": {
        "reference": {"fiscal.equalising_intensity": 0.0},
        "reform": {"fiscal.equalising_intensity": 1.0},
        "source": "Henkel, Seidel & Suedekum (2021), AEJ: Economic Policy 13(4)",
        "expect": {"ps_cv": "-", "cv": "-", "output": "-"},
        "max_output_cost": 0.05,
    },
}


def outcomes(model: Any) -> dict[str, float]:
    """End-year outcomes of a run (module docstring)."""
    nat = model.national
    p = model.province_table()
    last = p.loc[p["year"] == model.year]
    gdp = last["gdp_100m_yuan"].to_numpy(float)
    share = gdp / gdp.sum()
    east = float(share[last["plate"].to_numpy() == "East"].sum())
    real = float((gdp / last["cpi"].to_numpy(float)).sum() / last["population"].sum() * 1e8)
    return {"output": nat["gdp_real"] / nat["population"] * 1e8, "real_income": real,
            "cv": nat["cv"],
            "theil_t": nat["theil_t"], "hhi": float((share**2).sum()), "east_share": east,
            "ps_cv": nat["ps_cv"]}


def run_arm(base: Scenario, overrides: dict[str, Any], seeds: Sequence[int], n_firms: int,
            end_year: int = END_YEAR) -> list[dict[str, float]]:
    """End-year outcomes of ``base`` with ``overrides`` from 2020, one dict per seed."""
    from sim.model import RegionalModel

    flat = {k.replace(".", "__"): v for k, v in overrides.items()}
    flat.update({"start_year": 2020, "end_year": end_year, "n_firms": n_firms})
    cfg = from_flat(flat, base=base)
    res = []
    for seed in seeds:
        m = RegionalModel(cfg, rng=int(seed))
        m.run()
        res.append(outcomes(m))
    return res


def run_experiments(base: Scenario, seeds: Sequence[int] = (1, 2, 3, 4, 5, 6, 7, 8),
                    n_firms: int = 20000, end_year: int = END_YEAR) -> pd.DataFrame:
    """One row per experiment and outcome: seed means of the reference and the reform, the mean
    of the paired (same-seed) differences and its standard error, the expected sign and whether
    the mean change has it."""
    rows = []
    for name, exp in EXPERIMENTS.items():
        ref = run_arm(base, exp["reference"], seeds, n_firms, end_year)
        new = run_arm(base, exp["reform"], seeds, n_firms, end_year)
        for outcome in ref[0]:
            a = np.array([r[outcome] for r in ref])
            b = np.array([r[outcome] for r in new])
            diff = b - a
            change = float(diff.mean())
            se = float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else np.nan
            rel = change / a.mean() if a.mean() else np.nan
            want = exp["expect"].get(outcome, "")
            ok = None if not want else bool(change > 0) if want == "+" else bool(change < 0)
            if name == "equalising_transfers" and outcome == "output" and ok is not None:
                ok = ok and (-rel) <= exp["max_output_cost"]
            rows.append({"experiment": name, "outcome": outcome, "reference": float(a.mean()),
                         "reform": float(b.mean()), "change": change, "se": se,
                         "t": change / se if se and np.isfinite(se) and se > 0 else np.nan,
                         "relative_change": rel, "expected": want, "pass": ok,
                         "source": exp["source"]})
    return pd.DataFrame(rows)

"""β-convergence of the model's provinces against the Solow model (validation check 4).

**Set-up** (:func:`solow_model`). A :class:`~sim.model.RegionalModel` started in 2020 with these
settings (:data:`SOLOW_SETTINGS`):

* no factor flows between provinces: migration off (``migration.gross_move_rate_2020 = 0``),
  ``capital.mobile_share = 0``, no relocation (``firms.relocation_review_share = 0``) and no
  exit, hence no entry (``firms.exit_rate = 0``);
* constant saving rate s (``capital.investment_rate_2020 = investment_rate_2050``), constant
  frontier growth g (Hicks-neutral TFP), no catch-up, constant natural rate n (the 2050 population
  target set to ``P_2020 e^(30 n)``, so the natural-rate path is flat) and employment rate;
* identical parameters: one capital share α in every sector; no agglomeration or congestion
  externality; no firm productivity dispersion; and, after construction, every province gets the
  same technology (TFP level and sectoral TFP), the same expenditure shares, the same CES demand
  shifters, the same sectoral composition of capital and varieties, and the same return wedge
  (:func:`make_identical`) — the provinces then differ only in their capital per worker;
* no trade in varieties between provinces (trade costs at the schema's maxima:
  ``trade.distance_elasticity = 1``, ``trade.interprovincial_barrier = barrier_2020 = 3``, which
  make τ^(1−σ) between provinces < 10⁻⁴ of that inside) — Solow's closed economy. The homogeneous
  goods (agriculture, resources) are still traded at one national price;
* the common TFP level is set so that the nation starts on its steady-state capital–output ratio
  s / (G − 1 + δ), G = (1 + n) e^(g/(1−α)): the analytic speed is the speed of the linearised
  dynamics around the steady state, so the provinces are spread around it.

**Analytic speed.** Per province ``K' = (1 − δ) K + s Y`` and ``Y = A K^α L^(1−α)`` with A growing
at g and L at n: ``k̃' = [(1 − δ) k̃ + s k̃^α] / G`` for ``k̃ = K / (A^(1/(1−α)) L)``, whose
linearisation gives ``λ = 1 − (1 − α)(G − 1 + δ)/G`` per year, ``β = −ln λ``; to first order
β = (1 − α)(n + g/(1−α) + δ) (Barro & Sala-i-Martin 1992; g/(1−α) is the labour-augmenting rate of
Hicks-neutral TFP growth g).

**Model speed.** Regression across the 31 provinces of the annual growth of GDP per capita over
``T`` years on initial log GDP per capita, ``(ln y_T − ln y_0)/T = a + b ln y_0``, and
``β = −ln(1 + bT)/T``.

**Factor mobility** (:func:`mobility_betas`): the same world with capital mobility
(``capital.mobile_share``), with migration (the start-year moving cost, amenities set to zero so
that workers move on real wages and services) and with both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.config import from_flat
from sim.config.schema import SECTORS

CAPITAL_SHARE = 0.45
FRONTIER_GROWTH = 0.022
NATURAL_GROWTH = 0.003
SAVING_RATE = 0.43
CENSUS_2020 = 1_409_778_724  # sum of pop_census2020


def solow_settings(alpha: float = CAPITAL_SHARE, g: float = FRONTIER_GROWTH,
                   n: float = NATURAL_GROWTH, s: float = SAVING_RATE) -> dict[str, Any]:
    """Flat config overrides of the β-convergence set-up (module docstring)."""
    return {
        "migration.gross_move_rate_2020": 0.0,
        "capital.mobile_share": 0.0,
        "firms.relocation_review_share": 0.0,
        "firms.exit_rate": 0.0,
        "capital.investment_rate_2020": s,
        "capital.investment_rate_2050": s,
        "technology.catch_up_speed": 0.0,
        "technology.frontier_growth_2020": g,
        "technology.frontier_growth_2050": g,
        "demography.natural_growth_2020": n,
        "demography.population_target_2050": float(CENSUS_2020 * np.exp(30 * n)),
        "demography.employment_rate_2050": 0.532,
        "demography.employment_rate_2020": 0.532,
        "production.agglomeration_elasticity": 0.0,
        "production.congestion_elasticity": 0.0,
        "production.firm_productivity_shock_sd": 0.0,
        "production.capital_share": {k: alpha for k in SECTORS},
        "trade.distance_elasticity": 1.0,
        "trade.interprovincial_barrier": 3.0,
        "trade.barrier_2020": 3.0,
    }


SOLOW_SETTINGS: dict[str, Any] = solow_settings()


def make_identical(model: Any) -> None:
    """Give every province the same technology, preferences, demand shifters, investment
    intensity and sectoral composition of capital and varieties (national shares of value added);
    provinces keep their capital stock and population."""
    va = model.calibration.value_added
    share = va.sum(axis=0) / va.sum()
    model.tfp[:] = np.exp(np.mean(np.log(model.tfp)))
    model.tfp_relative[:] = 1.0
    model.exp_share[:] = share[None, :]
    model.shifter[:] = 1.0
    model.return_wedge[:] = float(np.mean(model.return_wedge))
    model.profit_wedge[:] = model.profit_wedge.mean(axis=0, keepdims=True)
    model.investment_intensity = None  # every province invests its own saving
    f = model.firms
    alive = f.alive
    k_cell = f.cell_sum(f.capital)
    k_target = model.capital[:, None] * share[None, :]
    f.capital[alive] *= (k_target / np.maximum(k_cell, 1e-300)).ravel()[f.cell[alive]]
    n_cell = f.cell_sum(f.weight)
    n_target = np.asarray(model.employment, float)[:, None] * share[None, :]
    f.weight[alive] *= (n_target / np.maximum(n_cell, 1e-300)).ravel()[f.cell[alive]]


def growth_factor(alpha: float, g: float, n: float) -> float:
    """G = (1 + n) e^(g/(1−α)): growth factor of effective labour."""
    return float(np.expm1(n) + 1.0) * float(np.exp(g / (1.0 - alpha)))


def analytic_beta(alpha: float = CAPITAL_SHARE, g: float = FRONTIER_GROWTH,
                  n: float = NATURAL_GROWTH, delta: float = 0.096) -> dict[str, float]:
    """Solow convergence speed: the discrete-time linearisation and the continuous formula."""
    big_g = growth_factor(alpha, g, n)
    lam = 1.0 - (1.0 - alpha) * (big_g - 1.0 + delta) / big_g
    return {"discrete": float(-np.log(lam)),
            "continuous": float((1.0 - alpha) * (n + g / (1.0 - alpha) + delta))}


def solow_model(end_year: int = 2041, n_firms: int = 2000, seed: int = 20201101,
                mobility: dict[str, Any] | None = None, trade: bool = False,
                alpha: float = CAPITAL_SHARE, g: float = FRONTIER_GROWTH,
                n: float = NATURAL_GROWTH, s: float = SAVING_RATE) -> Any:
    """The β-convergence world (module docstring), ready to run. ``mobility``: extra overrides
    that switch factor flows on; ``trade=True`` keeps the default trade costs."""
    from sim.model import RegionalModel

    flat = solow_settings(alpha, g, n, s)
    if trade:
        for k in ("trade.distance_elasticity", "trade.interprovincial_barrier", "trade.barrier_2020"):
            flat.pop(k)
    flat.update(mobility or {})
    flat.update({"end_year": end_year, "n_firms": n_firms, "seed": seed})
    cfg = from_flat({k.replace(".", "__"): v for k, v in flat.items()})
    model = RegionalModel(cfg)
    make_identical(model)
    if cfg.migration.gross_move_rate_2020 > 0:
        model.amenity[:] = 0.0
    # Common TFP level: the nation starts on its steady-state capital-output ratio (Y ∝ A).
    model._produce()
    target = s / (growth_factor(alpha, g, n) - 1.0 + cfg.capital.depreciation)
    model.tfp *= (model.capital.sum() / target) / model.gdp.sum()
    return model


def regression_beta(y: pd.DataFrame, t0: int, horizon: int) -> dict[str, float]:
    """β from growth of GDP per capita over ``horizon`` years on initial log GDP per capita
    (``y``: year × province, GDP per capita). When ``1 + b·T ≤ 0`` the initial gaps have closed
    and reversed within T years (complete convergence with overshoot): β is +∞."""
    x = np.log(y.loc[t0].to_numpy(float))
    growth = (np.log(y.loc[t0 + horizon].to_numpy(float)) - x) / horizon
    b, a = np.polyfit(x, growth, 1)
    r2 = float(np.corrcoef(x, growth)[0, 1] ** 2)
    rest = 1.0 + b * horizon
    beta = float(-np.log(rest) / horizon) if rest > 0 else float("inf")
    return {"beta": beta, "slope": float(b), "r2": r2, "sd_log_y0": float(np.std(x))}


def run_beta(model: Any, t0: int = 2021, horizon: int = 20) -> dict[str, float]:
    """Run ``model`` and estimate β over ``t0`` → ``t0 + horizon``."""
    model.run()
    p = model.province_table()
    y = p.pivot(index="year", columns="province", values="gdp_per_capita_yuan")
    out = regression_beta(y, t0, horizon)
    nat = model.national_table().set_index("year")
    out["migrants_share"] = float(nat.loc[t0:t0 + horizon - 1, "migrants"].mean()
                                  / nat.loc[t0, "population"])
    return out


MOBILITY: dict[str, dict[str, Any]] = {
    "none": {},
    "capital": {"capital.mobile_share": 0.3},
    "migration": {"migration.gross_move_rate_2020": 0.01},
    "capital+migration": {"capital.mobile_share": 0.3, "migration.gross_move_rate_2020": 0.01},
}


def check(horizon: int = 20, n_firms: int = 2000, seed: int = 20201101) -> dict[str, Any]:
    """Model β (no factor flows) against the analytic Solow speed."""
    model = solow_model(end_year=2021 + horizon, n_firms=n_firms, seed=seed)
    res = run_beta(model, 2021, horizon)
    ana = analytic_beta()
    res.update({"analytic_discrete": ana["discrete"], "analytic_continuous": ana["continuous"],
                "rel_error": res["beta"] / ana["discrete"] - 1.0})
    return res


def mobility_betas(horizon: int = 20, n_firms: int = 2000, seed: int = 20201101,
                   trade: bool = False) -> pd.DataFrame:
    """β with and without factor mobility (same world otherwise)."""
    rows = []
    for name, over in MOBILITY.items():
        m = solow_model(end_year=2021 + horizon, n_firms=n_firms, seed=seed, mobility=over,
                        trade=trade)
        r = run_beta(m, 2021, horizon)
        rows.append({"mobility": name, **r})
    return pd.DataFrame(rows)

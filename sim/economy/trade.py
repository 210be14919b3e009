"""Market access and trade: CES demand with iceberg costs (DESIGN §2.3).

Three kinds of goods (``sim.economy.sectors``):

* national goods (agriculture, resources): homogeneous, traded freely, one national price that
  clears the national market, ``p_s = Σ_j β_js E_j / Σ_i Q_is``;
* Dixit–Stiglitz varieties (three manufacturing sectors): province i offers ``n_is`` varieties
  (firm mass) of sector s, each sold at mill price ``p_is`` and shipped with iceberg cost
  ``τ_ij ≥ 1``. With CES demand of elasticity σ, the price index in j is
  ``P_js^(1−σ) = Σ_i b_is n_is (p_is τ_ij)^(1−σ)`` and the revenue of a variety from i is
  ``p_is^(1−σ) · MA_is`` with market access ``MA_is = Σ_j E_js P_js^(σ−1) τ_ij^(1−σ)``
  (Redding & Venables 2004; Fujita, Krugman & Venables 1999, ch. 4). Market clearing
  ``p_is Q_is = n_is · b_is · p_is^(1−σ) MA_is`` gives ``p_is = (b_is n_is MA_is / Q_is)^(1/σ)``.
  ``b_is`` are demand shifters calibrated so that every 2020 price is 1. With capital share 0,
  ``n ∝ employment`` and output ∝ employment this is the FKV wage equation
  ``w_i = MA_i^(1/σ)``: the two-region reduction is the core–periphery model of Krugman (1991);
* local services: ``p_is = β_is E_i / Q_is``.
"""

from __future__ import annotations

import numpy as np

from sim.economy.sectors import CES_SECTORS, LOCAL_SECTORS, NATIONAL_SECTORS


def iceberg_costs(
    distance_km: np.ndarray,
    internal_distance_km: np.ndarray,
    distance_elasticity: float,
    barrier: np.ndarray | float,
) -> np.ndarray:
    """τ_ij = (d_ij / d_min)^ρ · (1 + barrier_ij) for i ≠ j, τ_ii = (d_ii / d_min)^ρ.

    ``internal_distance_km`` is the average distance inside a province, (2/3)·sqrt(area/π)
    (Head & Mayer 2002). ``barrier`` is a scalar or an (n, n) matrix of ad-valorem equivalents.
    """
    d = np.array(distance_km, dtype=float, copy=True)
    np.fill_diagonal(d, internal_distance_km)
    d_min = d.min()
    tau = (d / d_min) ** distance_elasticity
    b = np.broadcast_to(np.asarray(barrier, dtype=float), tau.shape).copy()
    np.fill_diagonal(b, 0.0)
    return tau * (1.0 + b)


def ces_price_index(p: np.ndarray, n_b: np.ndarray, tau_1ms: np.ndarray, sigma: float) -> np.ndarray:
    """P_j^(1−σ) = Σ_i n_i b_i (p_i τ_ij)^(1−σ) for each CES sector; returns P (n, k)."""
    # p, n_b: (n, k); tau_1ms: (n, n) = τ^(1−σ)
    inner = (n_b * p ** (1.0 - sigma)).T @ tau_1ms  # (k, n): Σ_i n b p^(1-σ) τ_ij^(1-σ)
    return inner.T ** (1.0 / (1.0 - sigma))


def market_access(expenditure: np.ndarray, price_index: np.ndarray, tau_1ms: np.ndarray,
                  sigma: float) -> np.ndarray:
    """MA_i = Σ_j E_j P_j^(σ−1) τ_ij^(1−σ) for each CES sector; shapes (n, k)."""
    return tau_1ms @ (expenditure * price_index ** (sigma - 1.0))


def update_prices(
    quantity: np.ndarray,
    varieties: np.ndarray,
    shifter: np.ndarray,
    exp_share: np.ndarray,
    income: np.ndarray,
    tau_1ms: np.ndarray,
    sigma: float,
    external_demand: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Prices that clear every goods market given quantities and incomes.

    Returns (prices (n, S), CES price indices for the CES sectors (n, 3)). ``external_demand``
    (n, S), optional, is demand from outside China added to the CES market access of the
    province's own varieties (Belt and Road, §4) and to national-good demand.
    """
    n, n_s = quantity.shape
    p = np.ones((n, n_s))
    expenditure = exp_share * income[:, None]  # E_js
    for s in NATIONAL_SECTORS:
        demand = expenditure[:, s].sum()
        if external_demand is not None:
            demand += external_demand[:, s].sum()
        p[:, s] = demand / quantity[:, s].sum()
    for s in LOCAL_SECTORS:
        p[:, s] = expenditure[:, s] / np.maximum(quantity[:, s], 1e-300)
    return p, expenditure


def ces_prices(
    p_guess: np.ndarray,
    quantity: np.ndarray,
    n_b: np.ndarray,
    expenditure: np.ndarray,
    tau_1ms: np.ndarray,
    sigma: float,
    external: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One update of CES mill prices p = (b n MA / Q)^(1/σ) at the current guess.

    Returns (new prices, price index P, market access MA); arrays (n, k) over CES sectors.
    """
    P = ces_price_index(p_guess, n_b, tau_1ms, sigma)
    MA = market_access(expenditure, P, tau_1ms, sigma)
    if external is not None:
        MA = MA + external
    p_new = (n_b * MA / np.maximum(quantity, 1e-300)) ** (1.0 / sigma)
    return p_new, P, MA


def calibrate_shifters(
    quantity: np.ndarray,
    varieties: np.ndarray,
    expenditure: np.ndarray,
    tau_1ms: np.ndarray,
    sigma: float,
    tol: float = 1e-13,
    max_iter: int = 10_000,
) -> np.ndarray:
    """Demand shifters b (n, k) such that all CES mill prices equal 1 at the data.

    Solves b_i n_i MA_i(b) = Q_i by the fixed point b ← Q / (n MA(b)), normalised so the
    quantity-weighted mean of b is 1 (the shifters are identified up to scale within a sector,
    which is absorbed by the price index). Converges because MA is homogeneous of degree 1 in
    1/b-weighted supply.
    """
    b = np.ones_like(quantity)
    ones = np.ones_like(quantity)
    for _ in range(max_iter):
        P = ces_price_index(ones, varieties * b, tau_1ms, sigma)
        MA = market_access(expenditure, P, tau_1ms, sigma)
        b_new = quantity / (varieties * MA)
        b_new /= (b_new * quantity).sum(axis=0) / quantity.sum(axis=0)
        if np.max(np.abs(np.log(b_new / b))) < tol:
            return b_new
        b = b_new
    raise RuntimeError("calibration of CES demand shifters did not converge")


__all__ = [
    "CES_SECTORS",
    "calibrate_shifters",
    "ces_price_index",
    "ces_prices",
    "iceberg_costs",
    "market_access",
    "update_prices",
]

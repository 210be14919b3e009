"""Production, the labour market and goods-market equilibrium of one year (DESIGN §2.2–2.3).

Firm f in province i, sector s produces ``y_f = Ã_is · a_f · k_f^α_s · l_f^(1−α_s)`` and hires
labour at the provincial wage ``w_i`` taking its sector price ``p_is`` as given. Its labour demand
is ``l_f = k_f a_f^(1/α) [(1−α) p Ã / w]^(1/α)``, so that every province-sector aggregates exactly
to ``Q_is = Ã_is X_is^α L_is^(1−α)`` with effective capital ``X_is = Σ_f k_f a_f^(1/α_s)``:
the firm arrays enter the year only through one ``bincount``. Wages clear each provincial labour
market (``Σ_s L_is(w_i) = E_i``) by a vectorised Newton iteration in ``log w``; prices clear the
goods markets (``sim.economy.trade``); the two are iterated to a joint fixed point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.economy import trade
from sim.economy.sectors import CES_SECTORS


@dataclass
class Equilibrium:
    """The year's market outcome; money in 100 million yuan, employment in persons."""

    prices: np.ndarray  # (n, S) relative prices; national GDP deflator = 1
    wages: np.ndarray  # (n,) 100 million yuan per worker
    quantity: np.ndarray  # (n, S) output at 2020 prices
    labour: np.ndarray  # (n, S) workers
    value_added: np.ndarray  # (n, S) nominal
    ces_price_index: np.ndarray  # (n, 3) CES price index by destination
    market_access: np.ndarray  # (n, 3)
    iterations: int


def solve_wages(c: np.ndarray, alpha: np.ndarray, employment: np.ndarray,
                w0: np.ndarray | None = None, tol: float = 1e-13) -> np.ndarray:
    """Solve Σ_s c_is w_i^(−1/α_s) = E_i for w_i by Newton's method in u = log w.

    g(u) = log Σ_s c_is e^(−u/α_s) − log E_i is decreasing and convex in u, so Newton converges
    monotonically from any start. Cells with c = 0 contribute nothing.
    """
    inv_a = 1.0 / alpha
    u = np.log(w0) if w0 is not None else np.zeros(c.shape[0])
    log_e = np.log(employment)
    with np.errstate(divide="ignore"):
        log_c = np.log(c)
    for _ in range(200):
        terms = log_c - u[:, None] * inv_a[None, :]
        m = terms.max(axis=1, keepdims=True)
        ex = np.exp(terms - m)
        s = ex.sum(axis=1)
        g = np.log(s) + m[:, 0] - log_e
        dg = -(ex * inv_a).sum(axis=1) / s
        step = g / dg
        u = u - step
        if np.max(np.abs(step)) < tol:
            break
    return np.exp(u)


def supply(tfp: np.ndarray, eff_capital: np.ndarray, alpha: np.ndarray, prices: np.ndarray,
           wages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labour demand and output by province-sector at given prices and wages."""
    ratio = (1.0 - alpha) * prices * tfp / wages[:, None]
    labour = eff_capital * ratio ** (1.0 / alpha)
    quantity = tfp * eff_capital * ratio ** ((1.0 - alpha) / alpha)
    return labour, quantity


def anderson_fixed_point(g, x0: np.ndarray, tol: float, max_iter: int, damping: float = 0.5,
                         memory: int = 6, what: str = "goods-market equilibrium"
                         ) -> tuple[np.ndarray, int]:
    """Solve x = g(x) by Anderson acceleration (Walker & Ni 2011) with damping.

    Falls back to the damped step when the least-squares system is ill-conditioned. Returns
    (x, iterations); raises RuntimeError without convergence in ``max_iter`` iterations.
    """
    shape = x0.shape
    x = x0.ravel().copy()
    xs: list[np.ndarray] = []
    fs: list[np.ndarray] = []
    for it in range(1, max_iter + 1):
        gx = g(x.reshape(shape)).ravel()
        f = gx - x
        if np.max(np.abs(f)) < tol:
            return gx.reshape(shape), it
        xs.append(x.copy())
        fs.append(f)
        if len(xs) > memory + 1:
            xs.pop(0)
            fs.pop(0)
        x_next = x + damping * f
        if len(xs) > 1:
            dX = np.diff(np.array(xs), axis=0).T
            dF = np.diff(np.array(fs), axis=0).T
            gamma, *_ = np.linalg.lstsq(dF, f, rcond=1e-10)
            cand = x + damping * f - (dX + damping * dF) @ gamma
            if np.all(np.isfinite(cand)) and np.max(np.abs(cand - x)) < 1.0:
                x_next = cand
        x = x_next
    raise RuntimeError(f"{what} did not converge in {max_iter} iterations")


def solve_equilibrium(
    tfp: np.ndarray,
    eff_capital: np.ndarray,
    alpha: np.ndarray,
    employment: np.ndarray,
    varieties: np.ndarray,
    shifter: np.ndarray,
    exp_share: np.ndarray,
    tau: np.ndarray,
    sigma: float,
    p0: np.ndarray,
    w0: np.ndarray,
    tol: float = 1e-10,
    max_iter: int = 500,
    external_demand: np.ndarray | None = None,
    damping: float = 0.5,
) -> Equilibrium:
    """Joint labour- and goods-market equilibrium, starting from last year's (p0, w0).

    Damped fixed-point iteration on log prices; after each update prices are normalised so that
    the national GDP deflator is 1 (nominal national GDP = GDP at 2020 prices). Raises
    RuntimeError if it does not converge within ``max_iter``.
    """
    tau_1ms = tau ** (1.0 - sigma)
    ces = CES_SECTORS
    ext_ces = None
    if external_demand is not None:
        # Foreign demand for a province's varieties enters its market access directly.
        ext_ces = external_demand[:, ces]
    w = w0.copy()
    n_b = varieties[:, ces] * shifter

    def update(log_p: np.ndarray) -> np.ndarray:
        """G(log p): prices that clear the goods markets at the labour-market outcome of p,
        normalised so that the national GDP deflator is 1."""
        nonlocal w
        p = np.exp(log_p)
        c = eff_capital * ((1.0 - alpha) * p * tfp) ** (1.0 / alpha)
        w = solve_wages(c, alpha, employment, w)
        _, q = supply(tfp, eff_capital, alpha, p, w)
        income = (p * q).sum(axis=1)
        p_new, expenditure = trade.update_prices(q, varieties, shifter, exp_share, income, tau_1ms,
                                                  sigma, external_demand)
        p_ces, _, _ = trade.ces_prices(p[:, ces], q[:, ces], n_b, expenditure[:, ces], tau_1ms,
                                       sigma, ext_ces)
        p_new[:, ces] = p_ces
        # Empty cells (no firms) keep their price; they produce and sell nothing.
        p_new = np.where(q > 0, p_new, p)
        p_new *= q.sum() / (p_new * q).sum()
        return np.log(p_new)

    log_p, iterations = anderson_fixed_point(update, np.log(p0), tol=tol, max_iter=max_iter,
                                             damping=damping)
    p = np.exp(log_p)
    c = eff_capital * ((1.0 - alpha) * p * tfp) ** (1.0 / alpha)
    w = solve_wages(c, alpha, employment, w)
    labour, q = supply(tfp, eff_capital, alpha, p, w)
    P = trade.ces_price_index(p[:, ces], n_b, tau_1ms, sigma)
    income = (p * q).sum(axis=1)
    MA = trade.market_access(exp_share[:, ces] * income[:, None], P, tau_1ms, sigma)
    return Equilibrium(prices=p, wages=w, quantity=q, labour=labour, value_added=p * q,
                       ces_price_index=P, market_access=MA, iterations=iterations)

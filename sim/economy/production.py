"""Production, the labour market and goods-market equilibrium of one year (DESIGN §2.2–2.3).

Firm f in province i, sector s produces ``y_f = Ã_is · a_f · k_f^α_s · l_f^(1−α_s)`` and hires
labour at the provincial wage ``w_i`` taking its sector price ``p_is`` as given. Its labour demand
is ``l_f = k_f a_f^(1/α) [(1−α) p Ã / w]^(1/α)``, so that every province-sector aggregates exactly
to ``Q_is = Ã_is X_is^α L_is^(1−α)`` with effective capital ``X_is = Σ_f k_f a_f^(1/α_s)``:
the firm arrays enter the year only through one ``bincount``. Wages clear each provincial labour
market (``Σ_s L_is(w_i) = E_i``) by a vectorised Newton iteration in ``log w``; prices clear the
goods markets (``sim.economy.trade``); the two are iterated to a joint fixed point.

The fixed point is solved in log prices by Broyden's quasi-Newton method, whose estimate of the
inverse Jacobian is carried from one year to the next (the map changes little from year to
year), with Anderson acceleration as the fallback. One evaluation of the map works in logs
throughout (``log c`` and ``log Q`` are affine in ``log p`` and ``log w``, so no powers are
taken) and is the same map as the one written with :func:`supply` and ``sim.economy.trade``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.economy import trade
from sim.economy.sectors import CES_SECTORS, LOCAL_SECTORS, NATIONAL_SECTORS


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
    varieties: np.ndarray | None = None  # (n, S) firm mass the year was solved with, if known


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
    dxs: list[np.ndarray] = []  # x_(k+1) − x_k, oldest first
    dfs: list[np.ndarray] = []  # f_(k+1) − f_k
    x_prev: np.ndarray | None = None
    f_prev: np.ndarray | None = None
    for it in range(1, max_iter + 1):
        gx = g(x.reshape(shape)).ravel()
        f = gx - x
        if not np.all(np.isfinite(f)):
            raise RuntimeError(f"{what} did not converge: the map gave non-finite values "
                               f"after {it} iterations")
        if np.max(np.abs(f)) < tol:
            return gx.reshape(shape), it
        if x_prev is not None:
            dxs.append(x - x_prev)
            dfs.append(f - f_prev)
            if len(dxs) > memory:
                dxs.pop(0)
                dfs.pop(0)
        x_prev, f_prev = x, f
        x_next = x + damping * f
        if dxs:
            dX = np.array(dxs).T
            dF = np.array(dfs).T
            gamma, *_ = np.linalg.lstsq(dF, f, rcond=1e-10)
            cand = x_next - (dX + damping * dF) @ gamma
            if np.all(np.isfinite(cand)) and np.max(np.abs(cand - x)) < 1.0:
                x_next = cand
        x = x_next
    raise RuntimeError(f"{what} did not converge in {max_iter} iterations")


def _log_wages(log_c: np.ndarray, inv_a: np.ndarray, log_e: np.ndarray, u: np.ndarray,
               tol: float = 1e-8) -> np.ndarray:
    """:func:`solve_wages` in logs: ``u = log w`` solving ``log Σ_s e^(log c_is − u_i/α_s) =
    log E_i`` by Newton from ``u`` (``log c = −inf`` for empty cells).

    Newton's error after a step is ``(g''/2g') e²``, where ``−g'`` is the mean of 1/α and
    ``g''`` its variance under the sectors' labour weights (``|g''/2g'|`` is at most 0.03 with
    the calibrated capital shares), so the error left after a step below ``tol = 1e-8`` is of
    order 1e-17: the stopping rule costs no accuracy and saves the last, confirming step."""
    for _ in range(200):
        terms = log_c - u[:, None] * inv_a
        m = terms.max(axis=1)
        ex = np.exp(terms - m[:, None])
        s = ex.sum(axis=1)
        step = (np.log(s) + m - log_e) * s / -(ex @ inv_a)
        u = u - step
        if np.max(np.abs(step)) < tol:
            break
    return u


class _PriceMap:
    """The equilibrium map ``G(log p)`` of one year (see :func:`solve_equilibrium`), in logs.

    ``log c = c0 + log p / α`` and ``log Q = q0 + (1 − α)/α (log p − log w)``, so an evaluation
    takes no powers; it is the map written with :func:`supply`, ``trade.update_prices`` and
    ``trade.ces_prices``. Wages are solved from the previous evaluation's (``u``).
    """

    def __init__(self, tfp: np.ndarray, eff_capital: np.ndarray, alpha: np.ndarray,
                 employment: np.ndarray, n_b: np.ndarray, exp_share: np.ndarray,
                 tau_1ms: np.ndarray, sigma: float, log_w0: np.ndarray,
                 external_demand: np.ndarray | None) -> None:
        ces, nat, loc = CES_SECTORS, NATIONAL_SECTORS, LOCAL_SECTORS
        self.inv_a = 1.0 / alpha
        self.s_a = (1.0 - alpha) / alpha
        with np.errstate(divide="ignore"):
            log_x = np.log(eff_capital)  # −inf in empty cells: no output, no labour demand
        log_tfp = np.log(tfp)
        base = np.log(1.0 - alpha) + log_tfp
        self.c0 = log_x + self.inv_a * base
        self.q0 = log_tfp + log_x + self.s_a * base
        self.log_e = np.log(employment)
        self.n_b = n_b
        self.exp_nat = exp_share[:, nat]
        self.exp_loc = exp_share[:, loc]
        self.exp_ces = exp_share[:, ces]
        self.tau_1ms = tau_1ms
        self.sigma = sigma
        self.ext_nat: np.ndarray | float = 0.0
        self.ext_ces: np.ndarray | None = None
        if external_demand is not None:
            # Foreign demand for a province's varieties enters its market access directly.
            self.ext_ces = external_demand[:, ces]
            self.ext_nat = external_demand[:, nat].sum(axis=0)
        self.u = log_w0  # log wages of the last evaluation

    def __call__(self, log_p: np.ndarray) -> np.ndarray:
        """G(log p): log prices that clear the goods markets at the labour-market outcome of p,
        normalised so that the national GDP deflator is 1."""
        ces, nat, loc = CES_SECTORS, NATIONAL_SECTORS, LOCAL_SECTORS
        self.u = u = _log_wages(self.c0 + log_p * self.inv_a, self.inv_a, self.log_e, self.u)
        q = np.exp(self.q0 + self.s_a * (log_p - u[:, None]))
        p = np.exp(log_p)
        income = (p * q).sum(axis=1)[:, None]
        p_new = np.empty_like(p)
        # National goods: one price clearing the national market.
        p_new[:, nat] = ((self.exp_nat * income).sum(axis=0) + self.ext_nat) / q[:, nat].sum(axis=0)
        # Local services: p = β E / Q.
        p_new[:, loc] = self.exp_loc * income / np.maximum(q[:, loc], 1e-300)
        # CES varieties: P^(1−σ) = Σ_i n b (p τ)^(1−σ) and MA = Σ_j τ^(1−σ) E P^(σ−1), so
        # MA = τ^(1−σ) @ (E / P^(1−σ)); p = (n b MA / Q)^(1/σ).
        inner = (self.n_b * np.exp((1.0 - self.sigma) * log_p[:, ces])).T @ self.tau_1ms
        ma = self.tau_1ms @ (self.exp_ces * income / inner.T)
        if self.ext_ces is not None:
            ma = ma + self.ext_ces
        p_new[:, ces] = (self.n_b * ma / np.maximum(q[:, ces], 1e-300)) ** (1.0 / self.sigma)
        # Empty cells (no firms) keep their price; they produce and sell nothing.
        p_new = np.where(q > 0, p_new, p)
        return np.log(p_new * (q.sum() / (p_new * q).sum()))


@dataclass
class SolverState:
    """What the equilibrium solver carries from one year to the next: the quasi-Newton estimate
    ``H`` of the inverse Jacobian of the residual ``G(x) − x`` over the producing cells
    ``active`` (see :func:`solve_equilibrium`)."""

    inverse_jacobian: np.ndarray | None = None
    active: np.ndarray | None = None  # flat mask of the cells ``inverse_jacobian`` is over
    fallbacks: int = 0  # solves finished by Anderson acceleration


def _broyden(g: _PriceMap, x0: np.ndarray, tol: float, max_iter: int, active: np.ndarray,
             state: SolverState) -> tuple[np.ndarray | None, np.ndarray, int]:
    """Broyden's quasi-Newton iteration (Broyden 1965, the "good" update of the inverse) on the
    residual ``f(x) = G(x) − x`` of the ``active`` (producing) cells: ``x ← x − H f`` with ``H``
    from ``state`` (``−I`` to begin with: the plain fixed-point step), updated after every step
    so that ``H Δf = Δx``; steps are capped at 0.5 in log price. Cells without firms keep their
    price in ``G`` up to the normalisation, which leaves their equation without a Jacobian: they
    take G's value at every step, as in the plain iteration.

    Returns (G(x) at convergence or None, the last x, evaluations of G); at convergence ``state``
    keeps the updated ``H``, otherwise it is reset.
    """
    shape = x0.shape
    x = x0.ravel().copy()
    idx = np.flatnonzero(active)
    n = idx.size
    H = state.inverse_jacobian
    if H is None or state.active is None or not np.array_equal(state.active, active):
        H = -np.eye(n)
    f_prev: np.ndarray | None = None
    s = np.zeros(n)
    it = 0
    for it in range(1, max_iter + 1):
        gx = g(x.reshape(shape)).ravel()
        f = gx - x
        size = float(np.max(np.abs(f)))
        if not np.isfinite(size):
            break
        if size < tol:
            state.inverse_jacobian, state.active = H, active
            return gx.reshape(shape), x, it
        fa = f[idx]
        if f_prev is not None:
            hy = H @ (fa - f_prev)
            den = s @ hy
            if den != 0.0 and np.isfinite(den):
                H = H + np.outer((s - hy) / den, s @ H)
        s = -(H @ fa)
        big = float(np.max(np.abs(s)))
        if not np.isfinite(big):
            break
        if big > 0.5:
            s *= 0.5 / big
        if n < x.size:
            x_next = gx.copy()  # cells without firms take G's value
            x_next[idx] = x[idx] + s
            x = x_next
        else:
            x = x + s
        f_prev = fa
    state.inverse_jacobian = state.active = None
    return None, x, it


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
    state: SolverState | None = None,
) -> Equilibrium:
    """Joint labour- and goods-market equilibrium, starting from last year's (p0, w0).

    Solves ``log p = G(log p)``: the prices that clear the goods markets at the labour-market
    outcome (wages) of p, normalised so that the national GDP deflator is 1 (nominal national
    GDP = GDP at 2020 prices). Broyden's method, with the inverse-Jacobian estimate of the
    previous year when ``state`` carries one, stops when ``max |G(log p) − log p| < tol``; should
    it not get there within 60 evaluations (or diverge), Anderson acceleration with ``damping``
    takes over from its last point. Raises RuntimeError if they do not converge within
    ``max_iter`` evaluations in all.
    """
    tau_1ms = tau ** (1.0 - sigma)
    ces = CES_SECTORS
    n_b = varieties[:, ces] * shifter
    state = state if state is not None else SolverState()
    g = _PriceMap(tfp, eff_capital, alpha, employment, n_b, exp_share, tau_1ms, sigma,
                  np.log(w0), external_demand)
    log_p0 = np.log(p0)
    active = (eff_capital > 0).ravel()
    log_p, x, iterations = _broyden(g, log_p0, tol, min(max_iter - 1, 60), active, state)
    if log_p is None:
        state.fallbacks += 1
        start = x.reshape(log_p0.shape) if np.all(np.isfinite(x)) else log_p0
        g.u = np.log(w0)
        try:
            log_p, more = anderson_fixed_point(g, start, tol=tol,
                                               max_iter=max(max_iter - iterations, 1),
                                               damping=damping)
        except RuntimeError as exc:
            raise RuntimeError(f"goods-market equilibrium did not converge in {max_iter} "
                               f"evaluations (Broyden, then Anderson: {exc})") from None
        iterations += more
    p = np.exp(log_p)
    c = eff_capital * ((1.0 - alpha) * p * tfp) ** (1.0 / alpha)
    w = solve_wages(c, alpha, employment, np.exp(g.u))
    labour, q = supply(tfp, eff_capital, alpha, p, w)
    P = trade.ces_price_index(p[:, ces], n_b, tau_1ms, sigma)
    income = (p * q).sum(axis=1)
    MA = trade.market_access(exp_share[:, ces] * income[:, None], P, tau_1ms, sigma)
    return Equilibrium(prices=p, wages=w, quantity=q, labour=labour, value_added=p * q,
                       ces_price_index=P, market_access=MA, iterations=iterations,
                       varieties=varieties)

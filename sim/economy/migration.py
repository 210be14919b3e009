"""Labour migration: a logit over destinations (DESIGN §2.6; guideline §7, §21–22).

A resident of province i weighs every province j (staying included):

``V_ij = θ ln(w_j / CPI_j) + φ ln(s_j^eff) − 1[j≠i] (c_0 + δ ln d_ij + h)``

with the wage ``w_j``, the consumer price index ``CPI_j``, the public-service level a newcomer
gets (``access × index_j``; stayers get their own effective level), the distance ``d_ij``, the
hukou cost ``h`` (§7 lever) and a general moving cost ``c_0`` calibrated so that the national
gross move rate in the start year equals ``migration.gross_move_rate_2020``. Choice
probabilities are logit (McFadden 1974; the migration elasticity θ of Tombe & Zhu 2019).

Movers are drawn from the model's generator as a multinomial per origin, so flows are whole
persons and population is conserved exactly: every mover leaves one province and enters another.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def utilities(log_real_wage: np.ndarray, services_newcomer: np.ndarray,
              services_stayer: np.ndarray, log_distance: np.ndarray, elasticity: float,
              service_weight: float, distance_cost: float, move_cost: float,
              hukou_cost: float, extra_cost: np.ndarray | None = None) -> np.ndarray:
    """Utility matrix V (origin × destination)."""
    n = log_real_wage.size
    base = elasticity * log_real_wage + service_weight * np.log(services_newcomer)
    v = np.broadcast_to(base, (n, n)).copy()
    v -= move_cost + distance_cost * log_distance + hukou_cost
    if extra_cost is not None:
        v -= extra_cost
    stay = elasticity * log_real_wage + service_weight * np.log(services_stayer)
    np.fill_diagonal(v, stay)
    return v


def choice_probabilities(v: np.ndarray) -> np.ndarray:
    """Row-wise logit probabilities (numerically stable)."""
    z = v - v.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def move_rate(v: np.ndarray, population: np.ndarray) -> float:
    """Expected share of the population that changes province."""
    p = choice_probabilities(v)
    return float((population * (1.0 - np.diag(p))).sum() / population.sum())


def draw_flows(population: np.ndarray, probabilities: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Integer flow matrix M (origin × destination; diagonal = stayers); rows sum to population."""
    p = probabilities / probabilities.sum(axis=1, keepdims=True)
    return rng.multinomial(population.astype(np.int64), p)


def target_net_migration(pop_start: np.ndarray, pop_then: np.ndarray, pop_now: np.ndarray,
                         years: int) -> np.ndarray:
    """Annual net migration (persons) implied by recent population growth.

    With one national natural rate, a province's net migration rate is its annual population
    growth minus the national growth: ``m_i = (P_now/P_then)^(1/years) − (ΣP_now/ΣP_then)^(1/years)``;
    applied to ``pop_start`` and centred so that the flows sum to zero.
    """
    g = (pop_now / pop_then) ** (1.0 / years) - (pop_now.sum() / pop_then.sum()) ** (1.0 / years)
    net = g * pop_start
    return net - pop_start * net.sum() / pop_start.sum()


def expected_net(v: np.ndarray, population: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected (inflow, outflow, net) by province for utilities ``v``."""
    p = choice_probabilities(v)
    flows = population[:, None] * p
    np.fill_diagonal(flows, 0.0)
    inflow = flows.sum(axis=0)
    outflow = flows.sum(axis=1)
    return inflow, outflow, inflow - outflow


def calibrate_amenities(target_net: np.ndarray, target_rate: float, population: np.ndarray,
                        tol: float = 1e-10, max_outer: int = 200, **kwargs: object
                        ) -> tuple[float, np.ndarray]:
    """Moving cost c_0 and destination amenities ξ_j such that, in the start year, the expected
    gross move rate is ``target_rate`` and expected net migration is ``target_net``.

    ξ_j enters the utility of living in j for stayers and newcomers alike (amenities and local
    settlement rules not captured by the hukou cost); it is backed out as in spatial-equilibrium
    calibrations (e.g. Tombe & Zhu 2019). With ``x_j = e^(ξ_j)`` the expected population after
    migration is ``x_j Σ_i L_i e^(u_ij) / D_i(x)``, ``D_i = Σ_k x_k e^(u_ik)``, so ξ solves the
    contraction ``x_j ← (L_j + target_j) / Σ_i L_i e^(u_ij)/D_i(x)``; c_0 is found by bisection
    given ξ, and the two are alternated until both hold. ξ is normalised to mean zero. The
    alternation is a fixed-point iteration on c_0; secant steps on ``c_0' − c_0`` speed it up
    (four or five rounds instead of about fifteen) and it stops on the same test.
    """
    from sim.economy.production import anderson_fixed_point

    n = population.size
    off = 1.0 - np.eye(n)
    u0 = utilities(move_cost=0.0, **kwargs)  # type: ignore[arg-type]
    desired = population + target_net
    log_x = np.zeros(n)
    c0 = _bisect_cost(u0, population, target_rate)
    prev: tuple[float, float] | None = None  # (c_0, c_0' − c_0) of the previous round
    for _ in range(max_outer):
        u = u0 - c0 * off
        e = np.exp(u - u.max(axis=1, keepdims=True))

        def contraction(lx: np.ndarray, e: np.ndarray = e) -> np.ndarray:
            x = np.exp(lx - lx.max())
            reach = (population / (e @ x)) @ e
            new = np.log(desired / reach)
            return new - new.mean()

        log_x, _ = anderson_fixed_point(contraction, log_x, tol=tol, max_iter=10_000, damping=1.0,
                                        what="migration amenity calibration")
        c0_new = _bisect_cost(u0 + log_x[None, :], population, target_rate)
        if abs(c0_new - c0) < tol:
            c0 = c0_new
            break
        gap = c0_new - c0
        if prev is not None and gap != prev[1]:
            c0, prev = c0 - gap * (c0 - prev[0]) / (gap - prev[1]), (c0, gap)  # secant step
        else:
            c0, prev = c0_new, (c0, gap)
    return c0, log_x


def _bisect_cost(base: np.ndarray, population: np.ndarray, target_rate: float) -> float:
    """Moving cost c_0 at which the expected gross move rate is ``target_rate`` (Brent's method;
    the rate falls monotonically in c_0)."""
    off = 1.0 - np.eye(population.size)
    return brentq(lambda c: move_rate(base - c * off, population) - target_rate, -60.0, 60.0,
                  xtol=1e-13)


def brentq(f: Callable[[float], float], a: float, b: float, xtol: float = 2e-12,
           rtol: float = 4 * np.finfo(float).eps, maxiter: int = 100) -> float:
    """A root of ``f`` in [a, b] (``f(a)``, ``f(b)`` of opposite signs) by Brent's method
    (Brent 1973, ch. 4): the algorithm and stopping rule of ``scipy.optimize.brentq``, step for
    step, so the same root to the last bit, without importing SciPy (which costs more than the
    whole calibration). Raises ValueError without a sign change, RuntimeError without
    convergence in ``maxiter`` iterations."""
    xpre, xcur = float(a), float(b)
    fpre, fcur = float(f(xpre)), float(f(xcur))
    if np.isnan(fpre) or np.isnan(fcur):
        raise ValueError("f(a) or f(b) is NaN")
    if fpre == 0.0:
        return xpre
    if fcur == 0.0:
        return xcur
    if (fpre > 0.0) == (fcur > 0.0):
        raise ValueError("f(a) and f(b) must have different signs")
    xblk = fblk = spre = scur = 0.0
    for _ in range(maxiter):
        if fpre != 0.0 and fcur != 0.0 and (fpre < 0.0) != (fcur < 0.0):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2.0
        sbis = (xblk - xcur) / 2.0
        if fcur == 0.0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate (inverse quadratic)
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2.0 * abs(stry) < min(abs(spre), 3.0 * abs(sbis) - delta):  # good short step
                spre, scur = scur, stry
            else:  # bisect
                spre = scur = sbis
        else:  # bisect
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0.0 else -delta)
        fcur = float(f(xcur))
    raise RuntimeError(f"brentq did not converge in {maxiter} iterations")

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


def calibrate_move_cost(target_rate: float, population: np.ndarray, **kwargs: object) -> float:
    """General moving cost c_0 such that the expected gross move rate equals ``target_rate``
    (bisection; the rate falls monotonically in c_0)."""
    lo, hi = -50.0, 50.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        rate = move_rate(utilities(move_cost=mid, **kwargs), population)  # type: ignore[arg-type]
        if rate > target_rate:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return 0.5 * (lo + hi)


def draw_flows(population: np.ndarray, probabilities: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Integer flow matrix M (origin × destination; diagonal = stayers); rows sum to population."""
    p = probabilities / probabilities.sum(axis=1, keepdims=True)
    return rng.multinomial(population.astype(np.int64), p)

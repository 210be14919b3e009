"""Natural population change (DESIGN §2.1).

The national rate of natural increase falls linearly from its start-year value ``r0`` to the
2050 value ``r1`` that reaches the projected 2050 population (UN WPP 2022 medium variant): the
yearly rates applied from the year after the start to 2050 sum to ``ln(P_2050 / P_start)``. All
provinces share the national rate (no provincial vital statistics are packaged; documented as an
assumption). Changes are whole persons (rounded half to even), recorded as births − deaths.
"""

from __future__ import annotations

import numpy as np


def natural_rate_path(r0: float, pop0: float, target: float, start_year: int,
                      target_year: int = 2050) -> tuple[float, float]:
    """(r0, r1): the linear path of the natural rate that reaches ``target`` in ``target_year``.

    The model applies ``natural_rate(t)`` in each year t = start+1 … target_year, so the sum of
    the yearly rates must equal ``ln(target/pop0)``: ``span·r0 + (r1−r0)(span+1)/2 = ln(P/P0)``.
    """
    span = target_year - start_year
    r1 = r0 + 2.0 * (np.log(target / pop0) - span * r0) / (span + 1)
    return r0, float(r1)


def natural_rate(year: int, start_year: int, r0: float, r1: float, target_year: int = 2050) -> float:
    """Natural rate of increase in ``year`` (flat after the target year)."""
    x = min(max((year - start_year) / (target_year - start_year), 0.0), 1.0)
    return r0 + (r1 - r0) * x


def natural_change(population: np.ndarray, rate: float) -> np.ndarray:
    """Net natural change in whole persons for one year (continuous rate ``rate``)."""
    return np.rint(population * np.expm1(rate)).astype(np.int64)

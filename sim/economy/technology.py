"""Technology: frontier growth plus catch-up (DESIGN §2.8).

Province TFP follows ``Δ ln A_i = g(t) + λ_i (ln A* − ln A_i)`` where the frontier ``A*`` is the
highest provincial TFP, ``g(t)`` the frontier growth rate (linear from its 2020 to its 2050 value)
and ``λ_i = λ (1 + bonus · links_i)`` the catch-up speed, raised by cooperation links and cluster
integration (mechanisms set ``links_i``). Firm productivity follows a log AR(1) around the
province-sector level with shocks drawn from the model's generator.
"""

from __future__ import annotations

import numpy as np


def tfp_update(tfp: np.ndarray, growth: float, speed: np.ndarray) -> np.ndarray:
    """One year of frontier growth and catch-up."""
    log_a = np.log(tfp)
    gap = log_a.max() - log_a
    return np.exp(log_a + growth + speed * gap)


def firm_productivity_update(log_a: np.ndarray, alive: np.ndarray, persistence: float,
                             shock_sd: float, rng: np.random.Generator) -> None:
    """In-place AR(1) update of alive firms' log productivity."""
    shocks = rng.normal(0.0, shock_sd, log_a.size)
    np.multiply(log_a, persistence, out=log_a)
    log_a += np.where(alive, shocks, 0.0)

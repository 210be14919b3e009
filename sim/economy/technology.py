"""Technology: frontier growth plus catch-up (DESIGN §2.8).

Province TFP follows ``Δ ln A_i = g(t) + λ_i max(0, ln A* − ln A_i − (1−κ)·gap_i,2020)`` where the
frontier ``A*`` is the highest provincial TFP, κ the closable share of the 2020 measured gap (the
rest reflects persistent wedges: geography, misallocation; Hsieh & Klenow 2009), ``g(t)`` the frontier growth rate (linear from its 2020 to its 2050 value)
and ``λ_i = λ (1 + bonus · links_i)`` the catch-up speed, raised by cooperation links and cluster
integration (mechanisms set ``links_i``). Firm productivity follows a log AR(1) around the
province-sector level with shocks drawn from the model's generator. The shocks are idiosyncratic:
they are re-centred within each province-sector so that its effective capital
``X_is = Σ_f k_f a_f^(1/α_s)`` equals its expectation given the AR(1) mean reversion, i.e. they reallocate activity among the firms of a
cell (which matters for exit and relocation) without adding small-sample noise to provincial
aggregates.
"""

from __future__ import annotations

import numpy as np

from sim.economy.firms import FirmTable


def tfp_update(tfp: np.ndarray, growth: float, speed: np.ndarray,
               persistent_gap: np.ndarray | float = 0.0) -> np.ndarray:
    """One year of frontier growth and catch-up on the closable part of the gap.

    ``persistent_gap`` is the part of each province's log TFP gap that does not close (measured
    TFP includes wedges of geography and misallocation); catch-up acts on the rest."""
    log_a = np.log(tfp)
    gap = np.maximum(log_a.max() - log_a - persistent_gap, 0.0)
    return np.exp(log_a + growth + speed * gap)


def firm_productivity_update(firms: FirmTable, alpha: np.ndarray, persistence: float,
                             shock_sd: float, rng: np.random.Generator) -> None:
    """In-place AR(1) update of alive firms' log productivity, re-centred within each cell.

    ``log a ← ρ log a + ε``; each cell is then rescaled so that its effective capital
    ``Σ k a^(1/α)`` equals its expectation given the mean reversion,
    ``Σ k a_ρ^(1/α) · E[e^(ε/α)]`` with ``a_ρ = a^ρ`` and ``E[e^(ε/α)] = e^(σ²/2α²)``.

    One pass of array operations over the slots, with the shocks drawn as
    ``rng.normal(0, shock_sd, capacity)`` (``standard_normal`` times ``shock_sd`` gives the same
    numbers from the same draws); the per-cell rescaling is applied through cell tables.
    """
    inv_alpha = firms.inv_alpha
    inv_f = np.take(inv_alpha, firms.sector)
    cell = firms.cell_idx
    capital = firms.capital
    la = firms.log_a
    la *= persistence
    a = la * inv_f
    np.exp(a, out=a)  # a_ρ^(1/α)
    lift = np.exp(0.5 * (shock_sd * inv_alpha) ** 2)  # per sector
    k_a = capital * a
    x_expected = (firms.cell_sum(k_a, masked=False) * lift[None, :]).ravel()
    eps = rng.standard_normal(firms.capacity)
    eps *= shock_sd
    eps *= firms.alive
    la += eps
    eps *= inv_f
    np.exp(eps, out=eps)
    a *= eps
    np.multiply(capital, a, out=k_a)
    x_after = firms.cell_sum(k_a, masked=False).ravel()
    ratio = np.divide(x_expected, x_after, out=np.ones_like(x_after), where=x_after > 0)
    a *= np.take(ratio, cell)
    # log(ratio) / (1/α_s) per cell, added to every firm of the cell.
    shift = np.log(ratio) / np.tile(inv_alpha, ratio.size // inv_alpha.size)
    la += np.take(shift, cell)
    firms.a_pow = a

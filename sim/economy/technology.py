"""Technology: frontier growth plus catch-up (DESIGN §2.8).

Province TFP follows ``Δ ln A_i = g(t) + λ_i max(0, ln A* − ln A_i − P_i)`` where the frontier
``A*`` is the highest provincial TFP and ``P_i`` the persistent part of the start-year gap: the
measured gap less the closable part ``κ(1−ᾱ_i)·max(ln y_F − ln y_i, 0)`` set by a share κ of the
gap in output per worker (calibration rule 6; the rest reflects persistent wedges: geography,
capital measurement, misallocation; Hsieh & Klenow 2009), ``g(t)`` the frontier growth rate
(linear from its start-year to its 2050 value)
and ``λ_i = λ (1 + bonus · links_i)`` the catch-up speed, raised by cooperation links and cluster
integration (mechanisms set ``links_i``). Firm productivity follows a log AR(1) around the
province-sector level with shocks drawn from the model's generator. The shocks are idiosyncratic:
they are re-centred within each province-sector so that its effective capital
``X_is = Σ_f k_f a_f^(1/α_s)`` equals its expectation given the AR(1) mean reversion, i.e. they reallocate activity among the firms of a
cell (which matters for exit and relocation) without adding small-sample noise to provincial
aggregates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from sim.economy.firms import FirmTable

THREADED_DRAW_MIN = 200_000
"""Shock draws at least this large run on a helper thread (:func:`in_background`)."""


def tfp_update(tfp: np.ndarray, growth: float, speed: np.ndarray,
               persistent_gap: np.ndarray | float = 0.0) -> np.ndarray:
    """One year of frontier growth and catch-up on the closable part of the gap.

    ``persistent_gap`` is the part of each province's log TFP gap that does not close (measured
    TFP includes wedges of geography and misallocation); catch-up acts on the rest."""
    log_a = np.log(tfp)
    gap = np.maximum(log_a.max() - log_a - persistent_gap, 0.0)
    return np.exp(log_a + growth + speed * gap)


def in_background[T](func: Callable[..., T], *args: object, threaded: bool = True
                     ) -> Callable[[], T]:
    """Start ``func(*args)``; returns a function that waits for and returns its result (or
    raises its exception). With ``threaded`` the call runs on a helper thread, so that the caller
    can do other work meanwhile; this pays when ``func`` spends its time in numpy loops over large
    arrays, which run without holding the GIL (drawing from a numpy generator included: the
    generator is locked while it fills the array). Without it the call runs here and now."""
    if not threaded:
        result = func(*args)
        return lambda: result
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = func(*args)
        except BaseException as exc:  # re-raised by the waiting caller
            box["error"] = exc

    worker = threading.Thread(target=run, name="regsim-background", daemon=True)
    worker.start()

    def wait() -> T:
        worker.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["result"]  # type: ignore[return-value]

    return wait


def _shocks(rng: np.random.Generator, shock_sd: float, alive: np.ndarray,
            inv_f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ε, e^(ε/α)) for every slot: ``ε = rng.normal(0, shock_sd, slots)`` (``standard_normal``
    times ``shock_sd``: the same numbers from the same draws), zero in free slots."""
    eps = rng.standard_normal(alive.size)
    eps *= shock_sd
    if np.count_nonzero(alive) < alive.size:
        eps *= alive
    factor = eps * inv_f
    np.exp(factor, out=factor)
    return eps, factor


def firm_productivity_update(firms: FirmTable, alpha: np.ndarray, persistence: float,
                             shock_sd: float, rng: np.random.Generator) -> None:
    """In-place AR(1) update of alive firms' log productivity, re-centred within each cell.

    ``log a ← ρ log a + ε``; each cell is then rescaled so that its effective capital
    ``Σ k a^(1/α)`` equals its expectation given the mean reversion,
    ``Σ k a_ρ^(1/α) · E[e^(ε/α)]`` with ``a_ρ = a^ρ`` and ``E[e^(ε/α)] = e^(σ²/2α²)``.

    One pass of array operations over the slots, the per-cell rescaling applied through cell
    tables. The shocks (``rng.normal(0, shock_sd, capacity)``) and their factor ``e^(ε/α)`` are
    computed on a helper thread for large tables (:func:`in_background`) while this thread
    computes the expected effective capital, which needs no random numbers.
    """
    inv_alpha = firms.inv_alpha
    inv_f = np.take(inv_alpha, firms.sector)
    shocks = in_background(_shocks, rng, shock_sd, firms.alive, inv_f,
                           threaded=firms.capacity >= THREADED_DRAW_MIN)
    cell = firms.cell_idx
    capital = firms.capital
    la = firms.log_a
    la *= persistence
    a = la * inv_f
    np.exp(a, out=a)  # a_ρ^(1/α)
    lift = np.exp(0.5 * (shock_sd * inv_alpha) ** 2)  # per sector
    k_a = capital * a
    x_expected = (firms.cell_sum(k_a, masked=False) * lift[None, :]).ravel()
    eps, factor = shocks()
    la += eps
    a *= factor
    np.multiply(capital, a, out=k_a)
    x_after = firms.cell_sum(k_a, masked=False).ravel()
    ratio = np.divide(x_expected, x_after, out=np.ones_like(x_after), where=x_after > 0)
    a *= np.take(ratio, cell)
    # log(ratio) / (1/α_s) per cell, added to every firm of the cell.
    shift = np.log(ratio) / np.tile(inv_alpha, ratio.size // inv_alpha.size)
    la += np.take(shift, cell)
    firms.a_pow = a

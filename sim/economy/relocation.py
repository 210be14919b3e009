"""Industrial transfer: firm relocation, exit and entry (DESIGN §2.7; guideline §5, §7).

Every year a share of firms reviews its location. A firm of sector s in province i compares, for
every destination j, the value added it would gain over ``relocation_horizon_years`` with the cost
of moving: ``g_ij = H (π_js/π_is − 1) − (c + b + x_ij)``, in years of its current value added,
where ``π_js`` is value added per unit of effective capital in (j, s), ``c`` the relocation cost,
``b`` the market-access barrier for out-of-province firms (§7 unified negative list, a lever) and
``x_ij`` destination-specific costs set by mechanisms (transfer zones and cooperation parks lower
them, ecological bans make them prohibitive). Idiosyncratic location tastes (Gumbel, scale
``location_noise`` ν) make the choice a logit over *sites*: a province is an aggregate of
elemental locations in proportion to its capital in the sector, ``w_js = K_js / K_s``, so its
choice probability carries the size term ``ν·ln w_js`` (McFadden 1978 aggregation of elemental
alternatives; Guimarães, Figueiredo & Woodward 2003 for firm location). Staying is worth
``ν·ln Σ_{j≠o} w_js``, so that when every destination offers the same gain g a reviewing firm
moves with probability ``1 / (1 + e^(−g/ν))`` and movers spread in proportion to existing
capital: with equal gains relocation and entry leave provincial capital shares unchanged, and
firms flow only towards destinations whose profitability rose relative to their origin's.
Movers take their capital and varieties with them and lose ``c + b + x_ij`` years of value added
from their capital. Only the sectors of ``firms.relocating_sectors`` (the three manufacturing
sectors by default: industrial transfer) review their location or send entrants elsewhere.

Exit hazards are the base exit rate scaled by relative profitability (the least profitable
firms of a sector exit most); exiting capital is liquidated into its province's investment. As
many firms enter each sector as left it; a share are local start-ups, born in province j with
probability proportional to ``N_js · π_js`` (the sector's firm count there times its
profitability index: the mirror of the exit hazard, which is proportional to ``1/π``, so that
with equal profitability everywhere entries replace exits cell by cell and a province whose
profitability falls behind loses firms of every sector gradually, not only its movers), the
rest choose a province like relocating firms, paying the barrier outside their home province.
Entrants' capital is financed from the destination's investment, so capital is conserved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.economy.firms import FirmTable
from sim.economy.sectors import N_SECTORS


@dataclass
class FirmFlows:
    """What happened to firms this year."""

    moved_from: np.ndarray  # province of each mover
    moved_to: np.ndarray
    moved_sector: np.ndarray
    moved_capital: np.ndarray
    relocation_loss: float  # capital lost by movers, 100 million yuan
    exits: int
    entries: int
    exit_by_province: np.ndarray
    entry_by_province: np.ndarray
    liquidated: np.ndarray  # by province, 100 million yuan (after depreciation)


def location_table(profit: np.ndarray, cost: np.ndarray, horizon: float, noise: float,
                   size: np.ndarray, allowed: np.ndarray | None = None,
                   stay_allowed_only: bool = False) -> np.ndarray:
    """Value of each choice, in years of value added, for every (origin, sector, destination).

    ``g[o, s, j] = H (π_js/π_os − 1) − cost[o, j] + ν ln w_js`` (``cost`` may also be (S, n, n),
    indexed ``cost[s, o, j]``) with ``w_js`` the destination's share of sector s's ``size``
    (n, S; capital by cell); disallowed destinations
    get −∞; staying (j = o) is worth ``ν·ln Σ_{j≠o} w_js``, so that when every destination
    offers the same gain g the probability of moving is ``1 / (1 + e^(−g/ν))`` whatever the
    number and sizes of the provinces, and movers spread in proportion to ``w``. Staying is
    always possible for an incumbent (a ban stops firms moving in, not those already there);
    with ``stay_allowed_only`` (entrants) staying at home is subject to ``allowed`` too.
    """
    n, n_s = profit.shape
    gain = horizon * (profit.T[None, :, :] / profit[:, :, None] - 1.0)
    if cost.ndim == 3:
        gain -= cost.transpose(1, 0, 2)
    else:
        gain -= cost[:, None, :]
    o = np.arange(n)
    w = np.maximum(size, 0.0)
    w = w / np.maximum(w.sum(axis=0, keepdims=True), 1e-300)
    w = np.maximum(w, 1e-12)  # an empty cell is still a (tiny) site
    gain += noise * np.log(w).T[None, :, :]
    stay = noise * np.log(np.maximum(w.sum(axis=0)[None, :] - w, 1e-12))
    if allowed is not None:
        gain = np.where(allowed[None, :, :], gain, -np.inf)
        if stay_allowed_only:
            stay = np.where(allowed.T, stay, -np.inf)
    gain[o, :, o] = stay
    return gain


def choose_location(origin: np.ndarray, sector: np.ndarray, profit: np.ndarray,
                    cost: np.ndarray, horizon: float, noise: float,
                    rng: np.random.Generator, size: np.ndarray,
                    allowed: np.ndarray | None = None, stay_allowed_only: bool = False
                    ) -> np.ndarray:
    """Destination of each deciding firm (origin kept when no move is worth its cost).

    A logit over destinations with Gumbel tastes of scale ν = ``noise``: the choice
    probabilities ``softmax(g[o, s, :]/ν)`` depend only on the firm's (origin, sector), so they
    are computed once per row of :func:`location_table` and each firm draws its destination by
    inverse-CDF sampling with one uniform number (``ν = 0``: the best destination).
    ``profit`` (n, S) value added per effective capital; ``cost`` (n, n) or (S, n, n) in years of
    value added; ``allowed`` optional (S, n) boolean of permitted destinations by sector;
    ``size`` (n, S) the sites (capital) by cell, see :func:`location_table`.
    """
    k = origin.size
    if k == 0:
        return origin.copy()
    n, n_s = profit.shape
    gain = location_table(profit, cost, horizon, noise, size, allowed,
                          stay_allowed_only).reshape(n * n_s, n)
    rows = origin.astype(np.int64) * n_s + sector
    if noise <= 0:
        return np.argmax(gain, axis=1)[rows].astype(origin.dtype)
    z = (gain - gain.max(axis=1, keepdims=True)) / noise
    w = np.exp(z)
    cdf = np.cumsum(w, axis=1)
    cdf /= cdf[:, -1:]
    cdf[:, -1] = 1.0
    flat = (cdf + np.arange(n * n_s)[:, None]).ravel()
    pos = np.searchsorted(flat, rows + rng.random(k), side="right")
    dest = np.minimum(pos - rows * n, n - 1)
    return dest.astype(origin.dtype)


def relocate(firms: FirmTable, profit: np.ndarray, eff_capital_firm: np.ndarray,
             review_share: float, cost: np.ndarray, horizon: float, noise: float,
             rng: np.random.Generator, allowed: np.ndarray | None = None,
             value_added_per_eff_capital: np.ndarray | None = None,
             relocating: np.ndarray | None = None, size: np.ndarray | None = None,
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Move reviewing firms whose best location is elsewhere. Returns (from, to, sector,
    capital moved, capital lost).

    ``profit`` is the (wedge-corrected) profitability index the decision compares;
    ``value_added_per_eff_capital`` (defaults to ``profit``) converts the cost, in years of the
    firm's value added, into capital lost. Only firms of sectors flagged in ``relocating``
    (boolean by sector; ``None``: all) review their location. ``size``: capital by cell, the
    sites of :func:`location_table` (computed when not given)."""
    review = firms.alive & (rng.random(firms.capacity) < review_share)
    if relocating is not None and not relocating.all():
        review &= relocating[firms.sector]
    idx = np.flatnonzero(review)
    origin = firms.province[idx].astype(np.int64)
    sector = firms.sector[idx].astype(np.int64)
    if size is None:
        size = firms.cell_sum(firms.capital, masked=False)
    dest = choose_location(origin, sector, profit, cost, horizon, noise, rng, size, allowed)
    moving = dest != origin
    movers = firms.keep_cells_occupied(idx[moving])
    keep = np.isin(idx, movers)
    idx, origin, dest, sector = idx[keep], origin[keep], dest[keep], sector[keep]
    va_rate = profit if value_added_per_eff_capital is None else value_added_per_eff_capital
    va = va_rate[origin, sector] * eff_capital_firm[idx]
    c = cost[sector, origin, dest] if cost.ndim == 3 else cost[origin, dest]
    loss = np.minimum(c * va, 0.5 * firms.capital[idx])
    firms.capital[idx] -= loss
    firms.move(idx, dest)
    return origin, dest, sector, firms.capital[idx].copy(), float(loss.sum())


def exit_firms(firms: FirmTable, profit: np.ndarray,
               exit_rate: float, depreciation: float, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray]:
    """Remove exiting firms; returns (slots removed, liquidated capital by province)."""
    alive = firms.alive
    cell = firms.cell
    n_cells = firms.n_provinces * N_SECTORS
    # Profitability of the firm relative to its sector: value added per unit of capital,
    # profit_cell · k a^(1/α) / k = profit_cell · a^(1/α); hazard = rate · (sector mean / own),
    # capped at 0.5.
    rel = profit.ravel()[cell] * firms.a_pow
    rel *= alive
    sums = np.bincount(cell, weights=rel, minlength=n_cells).reshape(-1, N_SECTORS).sum(axis=0)
    counts = firms.cell_count().sum(axis=0)
    sector_mean = sums / np.maximum(counts, 1)
    threshold = np.tile(exit_rate * sector_mean, firms.n_provinces)[cell]
    u = rng.random(firms.capacity)
    exits = alive & (u < 0.5) & (u * rel < threshold)
    # Keep at least one firm in every province-sector cell so that no market disappears.
    slots = firms.keep_cells_occupied(np.flatnonzero(exits))
    liquidated = np.bincount(firms.province[slots], weights=(1.0 - depreciation) * firms.capital[slots],
                             minlength=firms.n_provinces)
    firms.remove(slots)
    return slots, liquidated


def enter_firms(firms: FirmTable, n_by_sector: np.ndarray, profit: np.ndarray,
                home_share: float, cost: np.ndarray, horizon: float, noise: float,
                investment: np.ndarray, entry_size: np.ndarray, log_a_sd: float,
                varieties_per_capital: np.ndarray, rng: np.random.Generator,
                allowed: np.ndarray | None = None,
                relocating: np.ndarray | None = None, counts: np.ndarray | None = None,
                size: np.ndarray | None = None) -> np.ndarray:
    """Add entrants (``n_by_sector``) and finance their capital from ``investment`` (in place).
    Returns the slots of the entrants. In sectors not flagged in ``relocating`` every entrant is
    a local start-up, unless its sector is banned at home. ``counts`` and ``size``: alive firms
    and capital by cell (computed when not given)."""
    n = firms.n_provinces
    if counts is None:
        counts = firms.cell_count()  # (n, S)
    if size is None:
        size = firms.cell_sum(firms.capital, masked=False)
    provs, secs = [], []
    for s in range(N_SECTORS):
        m = int(n_by_sector[s])
        if m == 0:
            continue
        birth = counts[:, s] * np.maximum(profit[:, s], 0.0)
        p = birth / birth.sum()
        origin = rng.choice(n, size=m, p=p)
        mobile = rng.random(m) >= home_share
        if relocating is not None and not relocating[s]:
            mobile[:] = False
        if allowed is not None:  # a local start-up where its sector is banned must go elsewhere
            mobile |= ~allowed[s][origin]
        dest = origin.copy()
        if mobile.any():
            dest[mobile] = choose_location(origin[mobile], np.full(mobile.sum(), s), profit, cost,
                                           horizon, noise, rng, size, allowed,
                                           stay_allowed_only=True)
        provs.append(dest)
        secs.append(np.full(m, s))
    if not provs:
        return np.zeros(0, dtype=np.int64)
    prov = np.concatenate(provs)
    sec = np.concatenate(secs)
    k = entry_size[sec].copy()
    # Finance from the destination's investment; scale down where it would run out.
    need = np.bincount(prov, weights=k, minlength=n)
    scale = np.where(need > 0, np.minimum(1.0, 0.5 * investment / np.maximum(need, 1e-300)), 1.0)
    k *= scale[prov]
    investment -= np.bincount(prov, weights=k, minlength=n)
    log_a = rng.normal(0.0, log_a_sd, prov.size)
    weight = k * varieties_per_capital[prov, sec]
    return firms.add(prov.astype(np.int16), sec.astype(np.int8), k, log_a, weight)

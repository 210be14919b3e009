"""Saving, investment and capital mobility (DESIGN §2.7).

Each province saves ``s(t) · GDP_i`` (the investment rate, linear from its 2020 to its 2050
value). A share ``1 − m`` of national saving is invested "at home": shared among provinces in
proportion to ``ρ_i · s(t) · GDP_i`` with ``ρ_i`` the province's historical investment intensity
(GFCF/GDP relative to national; calibration rule 7), so the west keeps investing more than it
saves, as in the data; the share ``m`` (``capital.mobile_share``) is
pooled nationally and invested in province i in proportion to ``K_i · (r_i / r_i,2020)^η`` with the return
on capital ``r_i = Σ_s α_s VA_is / K_i`` relative to its calibrated 2020 level (Boyreau-Debray & Wei 2005 on low capital mobility). Inside
a province, investment goes to sectors in proportion to capital income ``α_s VA_is`` and to the
firms of a sector in proportion to their capital ``k_f``: every incumbent of a province-sector
grows at the same rate (Gibrat's law of proportional growth; Sutton 1997). Firm productivity acts
through selection instead (exit hazards, relocation and the firm's effective capital in
production). Allocating by effective capital ``k_f a_f^(1/α)`` instead would, with constant
returns at the firm level, let the most productive firms compound without bound (the top 1 % of
firms held 10 % of capital in 2020 and 39 % by 2050 under that rule), so that single firms
carried several per cent of national capital and their relocation moved whole provinces. Capital depreciates at δ. Everything is conserved: Σ investment = Σ saving.
"""

from __future__ import annotations

import numpy as np

from sim.economy.firms import FirmTable


def allocate_investment(saving: np.ndarray, capital: np.ndarray, capital_income: np.ndarray,
                        mobile_share: float, return_elasticity: float,
                        return_2020: np.ndarray,
                        intensity: np.ndarray | None = None) -> np.ndarray:
    """Investment by province: home part plus the national pool allocated by return.

    The home part, ``(1 − m) Σ S``, is shared in proportion to ``ρ_i S_i`` with ``ρ`` the
    province's relative investment intensity (calibration rule 7; ``None``: ρ = 1, each province
    invests its own saving). The return is measured against its calibrated 2020 level
    ``return_2020`` (a province-specific wedge), so in 2020 the mobile pool is allocated in
    proportion to capital. Σ investment = Σ saving."""
    r = capital_income / capital / return_2020
    pull = capital * (r / r.mean()) ** return_elasticity
    pool = mobile_share * saving.sum()
    if intensity is None:
        home = (1.0 - mobile_share) * saving
    else:
        weight = intensity * saving
        home = (1.0 - mobile_share) * saving.sum() * weight / weight.sum()
    return home + pool * pull / pull.sum()


def investment_by_cell(investment: np.ndarray, capital_income_cell: np.ndarray) -> np.ndarray:
    """Split each province's investment over its sectors in proportion to capital income
    ``α_s VA_is`` (n, S)."""
    cell_share = capital_income_cell / capital_income_cell.sum(axis=1, keepdims=True)
    return investment[:, None] * cell_share


def invest_in_firms(firms: FirmTable, investment_cell: np.ndarray, capital_cell: np.ndarray,
                    depreciation: float) -> None:
    """Depreciate every firm's capital and add its share of its cell's investment.

    Firm f in cell c receives ``I_c · k_f / K_c`` (Gibrat); investment directed to a cell without
    capital is not spent there (callers give such cells none: their capital income is zero)."""
    inv_cell = np.asarray(investment_cell, dtype=float).ravel()
    k_cell = capital_cell.ravel()
    growth = np.divide(inv_cell, k_cell, out=np.zeros_like(inv_cell), where=k_cell > 0)
    growth += 1.0 - depreciation
    firms.capital *= growth[firms.cell_idx]

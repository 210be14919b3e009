"""Saving, investment and capital mobility (DESIGN §2.7).

Each province saves ``s(t) · GDP_i`` (the investment rate, linear from its 2020 to its 2050
value). A share ``1 − m`` is invested at home; the share ``m`` (``capital.mobile_share``) is
pooled nationally and invested in province i in proportion to ``K_i · (r_i / r_i,2020)^η`` with the return
on capital ``r_i = Σ_s α_s VA_is / K_i`` relative to its calibrated 2020 level (Boyreau-Debray & Wei 2005 on low capital mobility). Inside
a province, investment goes to sectors in proportion to capital income ``α_s VA_is`` and to firms
in proportion to their effective capital ``k_f a_f^(1/α)`` (their share of the cell's capital
income). Capital depreciates at δ. Everything is conserved: Σ investment = Σ saving.
"""

from __future__ import annotations

import numpy as np

from sim.economy.firms import FirmTable


def allocate_investment(saving: np.ndarray, capital: np.ndarray, capital_income: np.ndarray,
                        mobile_share: float, return_elasticity: float,
                        return_2020: np.ndarray) -> np.ndarray:
    """Investment by province: home part plus the national pool allocated by return.

    The return is measured against its calibrated 2020 level ``return_2020`` (a province-specific
    wedge), so in 2020 the mobile pool is allocated in proportion to capital."""
    r = capital_income / capital / return_2020
    pull = capital * (r / r.mean()) ** return_elasticity
    pool = mobile_share * saving.sum()
    return (1.0 - mobile_share) * saving + pool * pull / pull.sum()


def invest_in_firms(firms: FirmTable, investment: np.ndarray, capital_income_cell: np.ndarray,
                    eff_capital_firm: np.ndarray, eff_capital_cell: np.ndarray,
                    depreciation: float) -> None:
    """Depreciate every firm's capital and add its share of its province's investment.

    Firm f in cell c receives ``I_c · x_f / X_c``; cells without effective capital receive none
    (their capital income is zero, so no investment is allocated to them)."""
    cell_share = capital_income_cell / capital_income_cell.sum(axis=1, keepdims=True)
    inv_cell = (investment[:, None] * cell_share).ravel()
    x_cell = eff_capital_cell.ravel()
    per_x = np.divide(inv_cell, x_cell, out=np.zeros_like(inv_cell), where=x_cell > 0)
    firms.capital *= 1.0 - depreciation
    firms.capital += eff_capital_firm * per_x[firms.cell_idx]

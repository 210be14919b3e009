"""Fiscal flows: revenue, central transfers, borrowing and spending (DESIGN §2.4; §20, §24).

Rules (calibrated to national.csv, where there is no provincial series):

* own (local general budget) revenue ``R_i = ρ_i · GDP_i`` with ``ρ_i`` each province's 2020 ratio
  (provinces.csv), held constant;
* central revenue ``C_i = t_c · GDP_i``, with ``t_c`` = central revenue / GDP in 2020;
* central transfers ``T = transfers_share × Σ C``; their split follows the equalising formula of
  §24: a share ``e`` (``fiscal.equalising_intensity``) fills the gap between the national standard
  spending per resident and each province's own revenue per resident, the rest is paid per
  resident;
* the central government borrows ``central_deficit_share × GDP`` (more if transfers would
  otherwise exceed its means) and spends the rest itself, so its budget balances every year:
  revenue + borrowing = transfers + own spending;
* provinces borrow ``local_deficit_share × GDP_i``, pay interest on their debt and spend what is
  left; their spending is the balancing item of their budget.
"""

from __future__ import annotations

import numpy as np

from sim.economy.ledger import Ledger


def equalising_split(total: float, population: np.ndarray, own_revenue: np.ndarray,
                     intensity: float) -> np.ndarray:
    """Split ``total`` transfers: ``intensity`` by gap filling, the rest per resident (§24).

    Gap filling: province i receives ∝ pop_i · max(0, g* − R_i/pop_i), where the standard g* is
    the national mean of own revenue plus transfers per resident (what a province would spend
    with average means). Returns amounts that sum to ``total`` exactly (up to rounding).
    """
    pop = population.astype(float)
    per_capita = pop / pop.sum()
    standard = (own_revenue.sum() + total) / pop.sum()
    gap = pop * np.maximum(0.0, standard - own_revenue / pop)
    gap_share = gap / gap.sum() if gap.sum() > 0 else per_capita
    return total * ((1.0 - intensity) * per_capita + intensity * gap_share)


def collect_revenue(ledger: Ledger, gdp: np.ndarray, own_rate: np.ndarray,
                    central_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Own revenue and central taxes from each province's private sector."""
    own = own_rate * gdp
    central = central_rate * gdp
    idx = np.arange(gdp.size)
    ledger.pay("local_revenue", ledger.PRIVATE, idx, own)
    ledger.pay("central_tax", ledger.PRIVATE, ledger.CENTRAL, central)
    return own, central


def pay_transfers(ledger: Ledger, transfers: np.ndarray) -> None:
    """Central transfers to the provinces."""
    ledger.pay("central_transfer", ledger.CENTRAL, np.arange(transfers.size), transfers)


def close_central_budget(ledger: Ledger, central_revenue: float, gdp_total: float,
                         deficit_share: float) -> dict[str, float]:
    """Borrow and spend the rest centrally, after every other central flow of the year (transfers
    and mechanism flows) is recorded; the budget balances by construction:
    revenue + borrowing + other inflows = transfers + other outflows + own spending."""
    balance = float(ledger.net()[ledger.CENTRAL])  # revenue and transfers and mechanism flows
    borrowing = max(deficit_share * gdp_total, -balance)
    own_spending = balance + borrowing
    ledger.pay("central_borrowing", ledger.PRIVATE, ledger.CENTRAL, borrowing)
    ledger.pay("central_own_spending", ledger.CENTRAL, ledger.PRIVATE, own_spending)
    transfers = ledger.paid("central_transfer")[ledger.CENTRAL]
    return {"central_revenue": central_revenue, "central_borrowing": borrowing,
            "central_transfers": float(transfers), "central_own_spending": own_spending}


def local_budget(ledger: Ledger, debt: np.ndarray, borrowing: np.ndarray,
                 interest_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Borrow ``borrowing`` (100 million yuan by province; the model's is
    ``fiscal.local_deficit_share_of_gdp`` × GDP, after the mechanisms' ``local_borrowing`` hook),
    pay interest on the opening ``debt``, and spend the balance; returns (spending, new debt)."""
    n = debt.size
    idx = np.arange(n)
    interest = interest_rate * debt
    ledger.pay("local_borrowing", ledger.PRIVATE, idx, borrowing)
    ledger.pay("debt_interest", idx, ledger.PRIVATE, interest)
    balance = ledger.net()[:n]
    if np.any(balance < 0):
        raise ValueError("a province's fiscal inflows do not cover its obligations "
                         "(interest and mechanism payments exceed revenue + transfers + borrowing)")
    ledger.pay("local_spending", idx, ledger.PRIVATE, balance)
    return balance, debt + borrowing

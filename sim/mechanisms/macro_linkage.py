"""Linkage of regional policy with macroeconomic policy (guideline §25: "provide more targeted
care, guidance, and support to regions with slower economic growth … increase policy support on
the premise of controllable risks … strengthen dynamic monitoring and early warning of regions
with high leverage ratios").

* **Credit support for slow-growing regions.** In the fiscal step of year t the mechanism ranks
  provinces by their real GDP growth over the last ``growth_window_years`` years,

      g_i,t = ln(Q_i,t / Q_i,t−w) / w          (Q = real value added; fewer years at the start),

  and picks the ``slow_growth_share`` slowest (at least one; optionally only those whose leverage
  is below ``leverage_threshold``, "on the premise of controllable risks"). In the investment step
  they receive extra investment (hook ``investment``)

      C_t = dose_t · credit_share_of_pool · m · Σ_i s_t GDP_i,t

  (a share of the national mobile investment pool: ``m = capital.mobile_share``, ``s_t`` the
  investment rate), split among them in proportion to GDP and taken from every other province in
  proportion to its investment, so the national total is unchanged (policy-bank and relending
  credit redirects lending; it does not create saving).
* **Leverage monitoring.** Local government debt / GDP is reported every year
  (``leverage_debt_to_gdp``, end-of-year debt over the year's GDP) with a flag above
  ``leverage_threshold``; the early warnings themselves are issued by the monitoring mechanism
  (§26–27, ``mechanisms.monitoring.debt_to_gdp_max``).
* **Borrowing cap** (optional, ``cap_borrowing``, off by default). A province whose year-end debt
  would exceed ``leverage_threshold`` × GDP borrows less (hook ``local_borrowing``): its new
  borrowing ``B_i`` (``b·GDP_i`` from the model, ``b`` = ``fiscal.local_deficit_share_of_gdp``)
  falls by ``x_i = min(1, dose) · clip(D_i + B_i − λ·GDP_i, 0, B_i)``, so that year-end debt
  ``D_i + B_i − x_i`` is at most ``λ·GDP_i`` at full dose; the ledger's ``local_borrowing`` flow
  is the smaller amount and the province spends less.

Outputs: province columns ``slow_grower`` (0/1), ``credit_support_100m_yuan`` (extra investment
received), ``leverage_debt_to_gdp``, ``high_leverage`` (0/1), ``borrowing_cap_100m_yuan``; national
``credit_support_100m_yuan``, ``high_leverage_provinces`` and ``local_debt_to_gdp``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel


class MacroLinkageConfig(MechanismSection):
    """Credit support for slow-growing provinces; leverage monitoring and an optional cap (§25)."""

    growth_window_years: int = param(
        3, unit="years", ge=1, le=10, source="assumption",
        description="Years over which real GDP growth is measured to find the slow growers.",
    )
    slow_growth_share: float = param(
        0.2, unit="share of provinces", ge=0.0, le=1.0,
        source="assumption (the bottom quintile: ≈ 6 provinces, e.g. the northeast in 2014–2016)",
        description="Share of provinces with the slowest growth that receive credit support (at "
        "least one while the mechanism acts and the share is positive).",
    )
    credit_share_of_pool: float = param(
        0.05, unit="share of the national mobile investment pool", ge=0.0, le=1.0,
        source="assumption (policy-bank and relending credit of a few % of the mobile pool)",
        description="Investment redirected each year to the slow growers.",
    )
    leverage_threshold: float = param(
        0.3, unit="local government debt / GDP", ge=0.0, le=5.0,
        source="assumption: ≈ the MoF warning line of a 100% debt ratio (debt / comprehensive fiscal "
        "capacity, RECALLED) × 2020 local comprehensive fiscal capacity ≈ 26% of GDP (own revenue "
        "10.0 + transfers 8.3 + government-fund revenue 8.4 trillion yuan, RECALLED), rounded up",
        description="Leverage above which a province is flagged (and, with cap_borrowing, borrows "
        "less).",
    )
    exclude_high_leverage: bool = param(
        False, unit="switch", source="guideline §25 ('on the premise of controllable risks'); scenario "
        "choice",
        description="Give credit support only to slow growers below the leverage threshold.",
    )
    cap_borrowing: bool = param(
        False, unit="switch", source="scenario choice (guideline §25 asks for monitoring and early "
        "warning; a cap is stricter)",
        description="Cap new borrowing so that year-end debt stays within the leverage threshold.",
    )


class MacroLinkage(Mechanism):
    """Credit support for the slowest-growing provinces; leverage monitoring and cap."""

    key: ClassVar[str] = "macro_linkage"
    clauses: ClassVar[str] = "§25"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        n = model.n
        self.real_gdp: dict[int, np.ndarray] = {}
        self.targets = np.zeros(n, dtype=bool)
        self.credit = np.zeros(n)  # extra investment received by the targets
        self.cap = np.zeros(n)
        self.history: list[dict[str, object]] = []

    def growth(self) -> np.ndarray:
        """Mean annual log growth of real GDP over the window ending this year."""
        m = self.model
        now = m.equilibrium.quantity.sum(axis=1)
        past = [y for y in self.real_gdp if m.year - self.config.growth_window_years <= y < m.year]  # type: ignore[attr-defined]
        if not past:
            return np.zeros(m.n)
        start = min(past)  # every year is recorded, so this is t − w or the first year
        return np.log(now / self.real_gdp[start]) / (m.year - start)

    def leverage(self) -> np.ndarray:
        m = self.model
        return np.asarray(m.debt, dtype=float) / np.maximum(m.gdp, 1e-300)

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        self.real_gdp[self.model.year] = self.model.equilibrium.quantity.sum(axis=1).copy()

    def fiscal(self) -> None:
        m = self.model
        n = m.n
        self.targets, self.credit, self.cap = np.zeros(n, dtype=bool), np.zeros(n), np.zeros(n)
        dose = self.dose(m.year)
        if dose == 0.0:
            return
        c = self.config
        growth = self.growth()
        eligible = np.ones(n, dtype=bool)
        if c.exclude_high_leverage:  # type: ignore[attr-defined]
            eligible = self.leverage() <= c.leverage_threshold  # type: ignore[attr-defined]
        k = int(round(c.slow_growth_share * n))  # type: ignore[attr-defined]
        if c.slow_growth_share > 0 and eligible.any():  # type: ignore[attr-defined]
            order = np.flatnonzero(eligible)[np.argsort(growth[eligible], kind="stable")]
            self.targets[order[: max(1, k)]] = True
        if self.targets.any():
            pool = m.config.capital.mobile_share * m.investment_rate() * float(m.gdp.sum())
            total = dose * c.credit_share_of_pool * pool  # type: ignore[attr-defined]
            w = np.where(self.targets, m.gdp, 0.0)
            self.credit = total * w / w.sum()
        self.history.append({"year": m.year, "dose": dose, "growth": growth,
                             "targets": self.targets.copy(), "credit": self.credit.copy(),
                             "cap": self.cap.copy()})

    def local_borrowing(self, borrowing: np.ndarray) -> np.ndarray:
        """The borrowing cap: less new borrowing where year-end debt would pass the threshold."""
        m = self.model
        c = self.config
        dose = self.dose(m.year)
        if dose == 0.0 or not c.cap_borrowing:  # type: ignore[attr-defined]
            return borrowing
        excess = m.debt + borrowing - c.leverage_threshold * m.gdp  # type: ignore[attr-defined]
        self.cap = min(1.0, dose) * np.clip(excess, 0.0, borrowing)
        if self.history and self.history[-1]["year"] == m.year:
            self.history[-1]["cap"] = self.cap.copy()
        return borrowing - self.cap

    def investment(self, investment: np.ndarray) -> np.ndarray:
        if self.dose(self.model.year) == 0.0 or not self.targets.any():
            return investment
        inv = np.asarray(investment, dtype=float)
        others = ~self.targets
        base = np.where(others, inv, 0.0)
        total = min(float(self.credit.sum()), float(base.sum()))
        credit = self.credit * (total / self.credit.sum())
        out = inv - total * base / base.sum() + credit
        rec = self.history[-1]
        rec["investment_before"], rec["investment_after"] = inv.copy(), out.copy()
        self.credit = credit
        return out

    def after_step(self) -> None:
        self.real_gdp[self.model.year] = self.model.equilibrium.quantity.sum(axis=1).copy()

    def province_outputs(self) -> dict[str, np.ndarray]:
        lev = self.leverage()
        return {"slow_grower": self.targets.astype(float),
                "credit_support_100m_yuan": self.credit.copy(),
                "leverage_debt_to_gdp": lev,
                "high_leverage": (lev > self.config.leverage_threshold).astype(float),  # type: ignore[attr-defined]
                "borrowing_cap_100m_yuan": self.cap}

    def national_outputs(self) -> dict[str, float]:
        m = self.model
        lev = self.leverage()
        return {"credit_support_100m_yuan": float(self.credit.sum()),
                "high_leverage_provinces": float((lev > self.config.leverage_threshold).sum()),  # type: ignore[attr-defined]
                "local_debt_to_gdp": float(np.sum(m.debt) / m.gdp.sum())}


MacroLinkage.config_class = MacroLinkageConfig
MacroLinkage.description = ("§25 macro linkage: credit support (investment) for the slowest-growing "
                            "provinces, leverage (debt/GDP) monitoring and an optional borrowing cap.")
MECHANISM = MacroLinkage

__all__ = ["MECHANISM", "MacroLinkage", "MacroLinkageConfig"]

"""Equalisation of basic public services (guideline §20 guarantee of basic public services, §21
national pooling of the enterprise pension and higher pooling of medical insurance, §22 transfer
and connection of public services across regions).

Three parts, each dosed by ``dose_t`` (intensity × phase-in ramp; 0 when off):

* **Equalisation of spending (§20).** A central earmarked transfer (ledger kind
  ``public_service_equalisation``, CENTRAL → province) lifts provinces whose projected local
  spending per resident ``s_i`` lies below the basic standard ``σ · s̄`` (``standard_share`` of the
  national mean ``s̄ = Σ S / Σ pop``, before this transfer):

      E_i,t = min(1, dose_t · gap_closure) · pop_i · max(0, σ s̄ − s_i)

  Projected spending is what the province's budget will spend this year: the ledger's net inflow
  so far (own revenue, central transfers, earlier mechanisms) plus borrowing
  ``fiscal.local_deficit_share_of_gdp · GDP_i`` minus interest ``fiscal.debt_interest_rate · D_i``
  (exactly ``sim.economy.fiscal.local_budget``). The central budget absorbs the transfer (its own
  spending is the balancing item). §20 also asks to "adjust and improve the transfer payment
  system": the share of central transfers paid by the equalising formula rises to
  ``e + (1 − e) · min(1, dose_t · equalising_intensity_increase)`` (hook ``equalising_intensity``).
* **National pooling of the enterprise pension (§21).** The central adjustment fund: every
  province pays ``dose_t · contribution_rate · base_share · W_i`` of its wage bill
  ``W_i = w_i · L_i`` into the fund (kind ``pension_pool_contribution``, province → CENTRAL), and
  the fund pays the whole amount out in proportion to the province's retirees (kind
  ``pension_pool_payout``, CENTRAL → province), so the fund balances every year (paid in = paid
  out) and only redistributes. The model has no age structure: retirees are proxied by the
  residents aged 65+, ``R_i,t = a_i · pop_i,t`` with ``a_i`` the 2020 census share
  (``sim/data/public_services.csv``, RECALLED), held at its 2020 value. Net receipts relieve the
  general budget of pension-deficit provinces (in China provincial budgets subsidise the pension
  funds), so they change local spending and services.
* **Portability of medical insurance and social security (§22).** Migrants' access to public
  services rises to ``a + (1 − a) · min(1, dose_t · access_increase)`` (hook ``services_access``)
  and the cost of moving between provinces falls by ``dose_t · moving_cost_reduction`` utility
  units on every origin ≠ destination (hook ``migration_cost``).

Outputs: province columns ``ps_equalisation_received_100m_yuan``, ``pension_pool_paid_100m_yuan``,
``pension_pool_received_100m_yuan``; national ``ps_equalisation_100m_yuan`` and
``pension_pool_fund_100m_yuan``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel

DATA_FILE = "public_services.csv"


class PublicServicesConfig(MechanismSection):
    """Equalisation of basic public-service spending, pension pooling and portability (§20–22)."""

    standard_share: float = param(
        0.85, unit="share of the national mean local spending per resident", ge=0.0, le=1.0,
        source="assumption (no published national standard in money terms; in 2020 the lowest "
        "provinces spent ≈ 0.7 of the mean per resident)",
        description="Basic public-service standard: provinces spending less per resident are lifted "
        "toward it by the earmarked transfer.",
    )
    gap_closure: float = param(
        0.5, unit="share of the gap closed per year", ge=0.0, le=1.0, source="assumption",
        description="Part of the gap to the standard that the earmarked transfer fills each year.",
    )
    equalising_intensity_increase: float = param(
        0.25, unit="share of the remaining per-resident part of transfers", ge=0.0, le=1.0,
        source="assumption (§20: adjust the transfer system and tilt it to weak areas)",
        description="Raises fiscal.equalising_intensity e to e + (1 − e) × this.",
    )
    pension_contribution_rate: float = param(
        0.04, unit="share of the contribution base", ge=0.0, le=0.2,
        source="MoHRSS/MoF: the central adjustment fund's contribution ratio 3% (2018), 3.5% (2019), "
        "4% (2020) of each province's base (RECALLED)",
        description="What each province pays into the central adjustment fund of the enterprise "
        "pension.",
    )
    pension_base_share: float = param(
        0.335, unit="contribution base / model wage bill", ge=0.0, le=1.0,
        source="derived: 2020 adjustment fund ≈ 739.8 billion yuan (MoF 2020 budget, RECALLED) / 4% / "
        "the model's 2020 wage bill ≈ 55.1 trillion yuan (insured employees × average wage, not all "
        "labour income)",
        description="Contribution base (insured employees × average wage) as a share of the wage bill.",
    )
    access_increase: float = param(
        0.2, unit="share of the missing access", ge=0.0, le=1.0,
        source="assumption (§22 transfer and connection of medical insurance and social security)",
        description="Migrants' access a rises to a + (1 − a) × this.",
    )
    moving_cost_reduction: float = param(
        0.1, unit="utility (log real income equivalent)", ge=0.0, le=5.0,
        source="assumption (5% of migration.hukou_cost 2.0: losing pension and insurance "
        "entitlements is a part of the hukou-related cost of moving)",
        description="Fall of the cost of moving between any two provinces.",
    )


def load_old_age_shares(path: Path, names: list[str]) -> np.ndarray:
    """Share of residents aged 65+ (0–1) by province index from ``public_services.csv``; every
    province exactly once. Raises :class:`sim.data.loader.DataError` naming file, line, column."""
    from sim.data import loader

    raw = loader._read_csv(path, ["province", "old_age_share_65_2020_pct", "source", "verified"])
    lookup = {name: i for i, name in enumerate(names)}
    idx = loader._province_refs(raw, "province", lookup, names)
    loader._check_unique(raw, "province")
    values = loader._parse_numeric(raw, "old_age_share_65_2020_pct", required=True,
                                   rule=(lambda v: (v > 0) & (v < 100), "a percentage in (0, 100)"))
    loader.check_provenance(raw)
    missing = sorted(set(range(len(names))) - set(idx.tolist()))
    if missing:
        raise raw.error(None, "province", f"province '{names[missing[0]]}' has no row",
                        "every province exactly once")
    out = np.empty(len(names))
    out[idx] = np.asarray(values, dtype=float) / 100.0
    return out


def projected_local_spending(model: RegionalModel) -> np.ndarray:
    """This year's local spending if no further flow were recorded: the provinces' net ledger
    inflow so far plus borrowing minus interest (as ``sim.economy.fiscal.local_budget``)."""
    cfg = model.config.fiscal
    net = model.ledger.net()[: model.n]
    return net + cfg.local_deficit_share_of_gdp * model.gdp - cfg.debt_interest_rate * model.debt


class PublicServices(Mechanism):
    """Earmarked equalisation transfers, the central pension adjustment fund, portability."""

    key: ClassVar[str] = "public_services"
    clauses: ClassVar[str] = "§20, §21, §22"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        n = model.n
        self.old_age_share = load_old_age_shares(model.data.file(DATA_FILE), list(model.province_names))
        self.equalisation = np.zeros(n)
        self.pension_paid = np.zeros(n)
        self.pension_received = np.zeros(n)
        self.history: list[dict[str, object]] = []

    def wage_bill(self) -> np.ndarray:
        """Wage bill by province, 100 million yuan (wage per worker × employment)."""
        m = self.model
        return np.asarray(m.equilibrium.wages, dtype=float) * np.asarray(m.employment, dtype=float)

    def retirees(self) -> np.ndarray:
        """Retirees proxy: residents × the 2020 census share aged 65+."""
        return self.old_age_share * self.model.population.astype(float)

    # --- hooks -------------------------------------------------------------------------------
    def equalising_intensity(self, intensity: float) -> float:
        dose = self.dose(self.model.year)
        if dose == 0.0:
            return intensity
        lift = min(1.0, dose * self.config.equalising_intensity_increase)  # type: ignore[attr-defined]
        return intensity + (1.0 - intensity) * lift

    def fiscal(self) -> None:
        m = self.model
        n = m.n
        self.equalisation, self.pension_paid, self.pension_received = np.zeros(n), np.zeros(n), np.zeros(n)
        dose = self.dose(m.year)
        if dose == 0.0:
            return
        c = self.config
        led = m.ledger
        idx = np.arange(n)
        # §21 central adjustment fund: paid in by wage bill, paid out by retirees; balances.
        contribution = dose * c.pension_contribution_rate * c.pension_base_share * self.wage_bill()  # type: ignore[attr-defined]
        fund = float(contribution.sum())
        retirees = self.retirees()
        payout = fund * retirees / retirees.sum()
        led.pay("pension_pool_contribution", idx, led.CENTRAL, contribution)
        led.pay("pension_pool_payout", led.CENTRAL, idx, payout)
        self.pension_paid, self.pension_received = contribution, payout
        # §20 earmarked transfer toward the basic standard of spending per resident.
        pop = m.population.astype(float)
        spending = projected_local_spending(m)
        mean = spending.sum() / pop.sum()
        gap = pop * np.maximum(0.0, c.standard_share * mean - spending / pop)  # type: ignore[attr-defined]
        amount = min(1.0, dose * c.gap_closure) * gap  # type: ignore[attr-defined]
        led.pay("public_service_equalisation", led.CENTRAL, idx, amount)
        self.equalisation = amount
        self.history.append({"year": m.year, "dose": dose, "spending_before": spending,
                             "mean_before": mean, "gap": gap, "equalisation": amount,
                             "contribution": contribution, "payout": payout,
                             "wage_bill": self.wage_bill(), "retirees": retirees})

    def services_access(self, access: float) -> float:
        dose = self.dose(self.model.year)
        if dose == 0.0:
            return access
        lift = min(1.0, dose * self.config.access_increase)  # type: ignore[attr-defined]
        return access + (1.0 - access) * lift

    def migration_cost(self, cost: np.ndarray) -> np.ndarray:
        dose = self.dose(self.model.year)
        if dose == 0.0:
            return cost
        cut = dose * self.config.moving_cost_reduction  # type: ignore[attr-defined]
        return cost - cut * (1.0 - np.eye(self.model.n))

    def province_outputs(self) -> dict[str, np.ndarray]:
        return {"ps_equalisation_received_100m_yuan": self.equalisation,
                "pension_pool_paid_100m_yuan": self.pension_paid,
                "pension_pool_received_100m_yuan": self.pension_received}

    def national_outputs(self) -> dict[str, float]:
        return {"ps_equalisation_100m_yuan": float(self.equalisation.sum()),
                "pension_pool_fund_100m_yuan": float(self.pension_paid.sum())}


PublicServices.config_class = PublicServicesConfig
PublicServices.description = ("§20–22 basic public services: earmarked equalisation of spending per "
                              "resident, national pooling of the enterprise pension, portability of "
                              "social insurance for migrants.")
MECHANISM = PublicServices

__all__ = ["MECHANISM", "PublicServices", "PublicServicesConfig", "load_old_age_shares",
           "projected_local_spending"]

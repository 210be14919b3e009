"""Hukou reform (guideline §7: "comprehensively relax the conditions for settling down in cities,
improve supporting policies, break unreasonable barriers that hinder the flow of labor between
urban and rural areas and regions").

Three levers of the core model move, each scaled by the dose ``d_t`` (intensity × phase-in ramp):

* **Moving cost.** The hukou cost ``h_t = path_value(migration.hukou_cost, t)`` that a mover pays
  in utility (log real income) falls, for a move into destination j, by

      cut_j,t = min(1, d_t · cost_share_removed) · (1 − retained_j) · h_t

  (hook ``migration_cost``: ``cut`` is subtracted from every off-diagonal element of column j of
  the extra-cost matrix; staying is untouched). The cut never exceeds ``h_t``, so moving costs
  stay finite and no move gains more than the hukou cost it no longer pays. **City-size
  differentiation**: the 2019 and 2020 NDRC key tasks of new urbanisation (RECALLED) lifted
  settlement restrictions fully in cities with an urban population under 3 million, relaxed them in
  cities of 3–5 million, and kept points-based settlement in the megacities; Beijing and Shanghai,
  provinces that are one megacity each, therefore keep ``retained_j = megacity_retained_share``
  of the cost (``megacity_provinces``); elsewhere ``retained_j = 0``.
* **Migrants' access to public services** (residence permits give non-hukou residents basic
  public services): the access share ``a_t`` (``public_services.migrant_access``, after the
  mechanisms before this one) rises to

      a'_t = a_t + min(1, d_t · access_share) · (1 − a_t)

  (hook ``services_access``; ``access_share`` = share of the access gap closed).
* **Settlement (hukou conversion).** The share of non-hukou residents who obtain local hukou each
  year rises to ``min(1, r_t + d_t · conversion_increase)`` (hook ``hukou_conversion``).

Outputs: national ``hukou_cost_cut`` (utility, non-megacity destinations), ``migrant_access_hukou``
(access after this mechanism, this year) and ``hukou_conversion_rate_hukou`` (the conversion rate
after this mechanism, of the latest migration; the base rate before the first one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel


class HukouReformConfig(MechanismSection):
    """Relaxed settlement, cheaper moves and more public services for migrants (guideline §7)."""

    cost_share_removed: float = param(
        0.25, unit="share of the hukou cost migration.hukou_cost", ge=0.0, le=1.0,
        source="assumption: the 2019 NDRC key tasks of new urbanisation (RECALLED) lifted settlement "
        "restrictions in cities under 3 million urban residents and relaxed them for 3–5 million, but "
        "inter-provincial migrants go mostly to the large cities, where points-based settlement and "
        "the hukou-linked entitlements (schooling, pensions) remain; Hao, Sun, Tombe & Zhu 2020 (JME) "
        "find hukou-related costs the larger part of migration costs",
        description="Share of the hukou cost removed for moves into a province without megacity rules, "
        "at dose 1.",
    )
    megacity_provinces: list[str] = param(
        ["Beijing", "Shanghai"], unit="province names",
        source="2019/2020 NDRC key tasks of new urbanisation: megacities keep points-based settlement "
        "(RECALLED); Beijing and Shanghai are each one megacity with population caps in their master "
        "plans (23 and 25 million, RECALLED)",
        description="Provinces that keep part of the hukou cost.",
    )
    megacity_retained_share: float = param(
        0.75, unit="share of the cut withheld", ge=0.0, le=1.0,
        source="assumption (points-based settlement relaxed only at the margin in Beijing and Shanghai)",
        description="Part of the cut that megacity provinces do not grant (1 = no reform there).",
    )
    access_share: float = param(
        0.5, unit="share of the access gap (1 − migrant_access) closed", ge=0.0, le=1.0,
        source="assumption: the Interim Regulations on Residence Permits (State Council Order 663, "
        "2016, RECALLED) give permit holders compulsory education, employment services, basic public "
        "health and other basic services, not full hukou entitlements",
        description="How much of the public-service gap between non-hukou and hukou residents closes "
        "at dose 1.",
    )
    conversion_increase: float = param(
        0.05, unit="per year (added to public_services.hukou_conversion_rate)", ge=0.0, le=1.0,
        source="assumption after the 2016 plan to settle 100 million non-hukou residents in cities by "
        "2020 (State Council, RECALLED): ≈ 20 million a year of ≈ 225 million urban non-hukou "
        "residents (urbanisation by residence minus by hukou, 2015), ≈ 9% a year including local "
        "settlement; inter-provincial migrants settle less often: 2% + 5% = 7% a year at dose 1",
        description="Rise of the yearly share of non-hukou residents who obtain local hukou.",
    )


class HukouReform(Mechanism):
    """Lower the hukou cost (less in megacity provinces), raise access and settlement (§7)."""

    key: ClassVar[str] = "hukou_reform"
    clauses: ClassVar[str] = "§7"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        ds = model.data
        retained = np.zeros(model.n)
        idx = [ds.province_index(x) for x in self.config.megacity_provinces]  # type: ignore[attr-defined]
        retained[idx] = self.config.megacity_retained_share  # type: ignore[attr-defined]
        #: share of the cut each destination withholds (megacity provinces)
        self.retained = retained
        from sim.config.schema import path_value

        ps = model.config.public_services
        self.access_out = path_value(ps.migrant_access, model.year)
        self.conversion_out = path_value(ps.hukou_conversion_rate, model.year)

    # --- the rules ---------------------------------------------------------------------------
    def cost_cut(self, year: int) -> np.ndarray:
        """Fall of the hukou cost for a move into each destination, utility units."""
        n = self.model.n
        if not self.active(year):
            return np.zeros(n)
        from sim.config.schema import path_value

        h = path_value(self.model.config.migration.hukou_cost, year)
        share = min(1.0, self.dose(year) * self.config.cost_share_removed)  # type: ignore[attr-defined]
        return share * (1.0 - self.retained) * h

    # --- hooks -------------------------------------------------------------------------------
    def migration_cost(self, cost: np.ndarray) -> np.ndarray:
        cut = self.cost_cut(self.model.year)
        if not cut.any():
            return cost
        out = np.array(cost, dtype=float, copy=True)
        off = ~np.eye(out.shape[0], dtype=bool)
        out -= np.where(off, cut[None, :], 0.0)
        return out

    def services_access(self, access: float) -> float:
        year = self.model.year
        if self.active(year):
            share = min(1.0, self.dose(year) * self.config.access_share)  # type: ignore[attr-defined]
            access = access + share * (1.0 - access)
        self.access_out = float(access)
        return access

    def hukou_conversion(self, rate: float) -> float:
        year = self.model.year
        if self.active(year):
            rate = min(1.0, rate + self.dose(year) * self.config.conversion_increase)  # type: ignore[attr-defined]
        self.conversion_out = float(rate)
        return rate

    def national_outputs(self) -> dict[str, float]:
        cut = self.cost_cut(self.model.year)
        keep = self.retained == 0
        return {"hukou_cost_cut": float(cut[keep].max()) if keep.any() else 0.0,
                "migrant_access_hukou": self.access_out,
                "hukou_conversion_rate_hukou": self.conversion_out}


HukouReform.config_class = HukouReformConfig
HukouReform.description = ("§7 hukou reform: lower hukou cost of moving (megacity provinces keep part), "
                           "more public services for non-hukou residents, faster settlement.")
MECHANISM = HukouReform

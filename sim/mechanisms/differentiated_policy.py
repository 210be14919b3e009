"""Differentiated regional policy (guideline §23: "Dynamically adjust the directory of relevant
industries in the western region … Study and formulate preferential policies to encourage talents
to work in the central and western regions, northeast regions, especially in deeply impoverished
areas such as 'three regions and three prefectures' … For areas with important ecological
functions … strictly prohibit various development activities that do not meet the main functional
positioning … prevent cross regional pollution transfer").

Three instruments, each scaled by the dose ``d_t`` (intensity × phase-in ramp):

* **Western industry catalogue.** Relocating into or entering (as an out-of-province entrant) a
  province of the ``catalogue_plates`` (the West) costs ``d_t · catalogue_cost_reduction`` years
  of value added less for firms of the ``catalogue_sectors`` (labour- and capital-intensive
  manufacturing by default: the catalogue's encouraged industries are mostly processing and
  manufacturing ones), floored at zero (hook ``relocation_cost``). With sector × origin ×
  destination costs the cut applies to the catalogue sectors only. The model passes one
  origin × destination matrix for all sectors, so there the cut is the catalogue sectors' share of
  firms ``w`` times the cut (the sector average; every sector then gets ``w`` of it) — see
  docs/mechanisms/differentiated_policy.md.
* **Talent subsidies.** A qualifying mover (a share ``talent_share`` of movers) into a province of
  the ``talent_plates`` (Centre, West, Northeast) receives a one-off subsidy of
  ``d_t · talent_subsidy_wage_years · k_j`` years of the destination's wage (``k_j =
  priority_multiplier`` in the ``priority_provinces``, the "three regions and three prefectures" at
  province level, else 1). The model's movers are alike, so each expects
  ``S_j = d_t · talent_share · talent_subsidy_wage_years · k_j``. Spread over an expected stay of
  ``stay_years``, it raises the destination's real income by ``S_j / stay_years``; in the logit's
  units the utility of moving there rises by

      bonus_j = θ · ln(1 + S_j / stay_years)

  (θ = ``migration.elasticity``; hook ``migration_cost``: subtracted from every off-diagonal
  element of column j). Financing: in the next fiscal year the subsidies promised to last year's
  in-migrants are paid, ``P_j = S_j · w_j · in-migrants_j`` (100 million yuan; ``w_j`` the wage
  at the time of the move): ``central_financing_share`` of it flows CENTRAL → province j (ledger
  kind ``talent_subsidy_transfer``) and province j pays the whole subsidy to the migrants (ledger
  kind ``talent_subsidy``, province → private). So the province's own budget bears
  ``1 − central_financing_share`` of it and the central government the rest.
* **Ecological bans.** Firms of the ``ban_sectors`` (the polluting sectors: resources & energy,
  capital-intensive manufacturing) may not relocate into or enter (as mobile entrants) the
  ``ban_provinces`` (Tibet and Qinghai, the Qinghai–Tibet Plateau ecological barrier of the main
  functional area plan) (hook ``allowed_locations``), whenever the dose is positive. Local start-ups are placed at home by the
  model whatever the mask (``relocation.enter_firms``).

Outputs (province): ``talent_subsidy_100m_yuan`` (paid to migrants this year),
``talent_bonus_utility`` (utility bonus of moving there this year).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import field_validator

from sim.config.names import PLATES, SECTORS, check_names
from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel



class DifferentiatedPolicyConfig(MechanismSection):
    """Western industry catalogue, talent subsidies, ecological bans (guideline §23)."""

    catalogue_sectors: list[str] = param(
        ["labour_manufacturing", "capital_manufacturing"], unit="sector names",
        source="Catalogue of Encouraged Industries in the Western Region (NDRC 2014, revised 2020, "
        "RECALLED): mostly processing and manufacturing industries",
        description="Sectors whose relocation and entry into the catalogue plates is cheaper.",
    )
    catalogue_plates: list[str] = param(
        ["West"], unit="region plates", source="guideline §23 (western region)",
        description="Plates whose provinces the catalogue covers.",
    )
    catalogue_cost_reduction: float = param(
        0.25, unit="share of a year's value added", ge=0.0, le=5.0,
        source="assumption (equal to the base relocation cost firms.relocation_cost; the catalogue's "
        "15% corporate income tax rate against 25% elsewhere, MoF/SAT/NDRC 2020 No. 23, RECALLED, is "
        "of this order over a few years)",
        description="Fall in the cost of relocating into or entering a catalogue province, for "
        "catalogue sectors, at dose 1.",
    )
    talent_plates: list[str] = param(
        ["Central", "West", "Northeast"], unit="region plates", source="guideline §23",
        description="Plates whose provinces pay talent subsidies to in-migrants.",
    )
    talent_share: float = param(
        0.2, unit="share of in-migrants", ge=0.0, le=1.0,
        source="assumption: about the tertiary-educated share of the young working-age population "
        "(7th census 2020: 15.5% of residents hold a college degree, higher among movers; RECALLED)",
        description="Share of in-migrants who qualify for the talent subsidy (the model's movers are "
        "alike, so each mover expects this share of it).",
    )
    talent_subsidy_wage_years: float = param(
        1.0, unit="years of the destination's wage, one-off per qualifying in-migrant", ge=0.0, le=10.0,
        source="assumption (provincial talent programmes pay graduates settling and housing allowances "
        "of tens of thousands of yuan up to about a year's wage)",
        description="Subsidy per qualifying in-migrant at dose 1.",
    )
    stay_years: float = param(
        9.0, unit="years", ge=1.0, le=60.0,
        source="assumption (the average stay behind migration.gross_move_rate_2020)",
        description="Years over which a mover spreads the one-off subsidy (utility bonus).",
    )
    priority_provinces: list[str] = param(
        ["Tibet", "Xinjiang", "Qinghai"], unit="province names",
        source="guideline §23 ('three regions and three prefectures': Tibet, the Tibetan areas of "
        "Qinghai, Sichuan, Gansu and Yunnan, southern Xinjiang; at province level the three with most "
        "of their territory in it)",
        description="Provinces paying a higher subsidy.",
    )
    priority_multiplier: float = param(
        2.0, unit="multiple of the subsidy", ge=0.0, le=10.0, source="assumption",
        description="Subsidy in the priority provinces relative to the others.",
    )
    central_financing_share: float = param(
        1.0, unit="share of the subsidy", ge=0.0, le=1.0,
        source="assumption (central budgetary investment and special transfers 'continue to be biased "
        "towards' the centre, west and northeast, §23)",
        description="Part of the subsidy financed by the central government; the recipient province "
        "finances the rest.",
    )
    ban_provinces: list[str] = param(
        ["Tibet", "Qinghai"], unit="province names",
        source="National Main Functional Area Plan (State Council 2010, RECALLED): the Qinghai–Tibet "
        "Plateau ecological barrier and Sanjiangyuan are key ecological function areas",
        description="Provinces of key ecological function closed to polluting industry.",
    )
    ban_sectors: list[str] = param(
        ["resources", "capital_manufacturing"], unit="sector names",
        source="sim.economy.sectors.POLLUTING_SECTORS",
        description="Sectors that may not move into or enter the ban provinces.",
    )

    @field_validator("catalogue_sectors", "ban_sectors")
    @classmethod
    def _sectors(cls, v: list[str]) -> list[str]:
        check_names(v, SECTORS, "sector")
        return v

    @field_validator("catalogue_plates", "talent_plates")
    @classmethod
    def _plates(cls, v: list[str]) -> list[str]:
        check_names(v, PLATES, "plate")
        return v


class DifferentiatedPolicy(Mechanism):
    """Western catalogue, talent subsidies for the centre, west and northeast, ecological bans."""

    key: ClassVar[str] = "differentiated_policy"
    clauses: ClassVar[str] = "§23"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        c = self.config
        ds = model.data
        n = model.n
        self.catalogue_dest = np.flatnonzero(np.isin(model.plates, list(c.catalogue_plates)))  # type: ignore[attr-defined]
        self.catalogue_sectors = np.array([SECTORS.index(s) for s in c.catalogue_sectors], dtype=np.int64)  # type: ignore[attr-defined]
        self.talent_dest = np.isin(model.plates, list(c.talent_plates))  # type: ignore[attr-defined]
        mult = np.ones(n)
        mult[[ds.province_index(x) for x in c.priority_provinces]] = c.priority_multiplier  # type: ignore[attr-defined]
        #: subsidy multiple by destination (0 outside the talent plates)
        self.subsidy_weight = np.where(self.talent_dest, mult, 0.0)
        self.ban_dest = np.array(sorted({ds.province_index(x) for x in c.ban_provinces}), dtype=np.int64)  # type: ignore[attr-defined]
        self.ban_sectors = np.array([SECTORS.index(s) for s in c.ban_sectors], dtype=np.int64)  # type: ignore[attr-defined]
        #: subsidies promised to this year's movers: (year, 100 million yuan per in-migrant)
        self.promised: tuple[int, np.ndarray] | None = None
        self.bonus = np.zeros(n)
        self.subsidy_paid = np.zeros(n)
        self.central_paid = np.zeros(n)
        self.history: list[dict[str, object]] = []

    # --- the rules ---------------------------------------------------------------------------
    def subsidy_years(self, year: int) -> np.ndarray:
        """Expected one-off subsidy per in-migrant by destination, years of its wage."""
        c = self.config
        return self.dose(year) * c.talent_share * c.talent_subsidy_wage_years * self.subsidy_weight  # type: ignore[attr-defined]

    def talent_bonus(self, year: int) -> np.ndarray:
        """Utility bonus of moving into each destination."""
        theta = self.model.config.migration.elasticity
        return theta * np.log1p(self.subsidy_years(year) / self.config.stay_years)  # type: ignore[attr-defined]

    def catalogue_cut(self, year: int, by_sector: bool) -> float:
        cut = self.dose(year) * self.config.catalogue_cost_reduction  # type: ignore[attr-defined]
        if by_sector or cut == 0.0:
            return cut
        f = self.model.firms
        sec = f.sector[f.alive]
        share = float(np.isin(sec, self.catalogue_sectors).mean()) if sec.size else 0.0
        return cut * share

    # --- hooks -------------------------------------------------------------------------------
    def fiscal(self) -> None:
        m = self.model
        n = m.n
        self.subsidy_paid, self.central_paid = np.zeros(n), np.zeros(n)
        if self.promised is None or self.promised[0] != m.year - 1:
            return
        per_migrant = self.promised[1]
        inflow = m.migration_flows.sum(axis=0).astype(float)  # last year's migration
        amount = per_migrant * inflow
        idx = np.flatnonzero(amount > 0)
        if idx.size == 0:
            return
        central = self.config.central_financing_share * amount[idx]  # type: ignore[attr-defined]
        if self.config.central_financing_share > 0:  # type: ignore[attr-defined]
            m.ledger.pay("talent_subsidy_transfer", m.ledger.CENTRAL, idx, central)
        m.ledger.pay("talent_subsidy", idx, m.ledger.PRIVATE, amount[idx])
        self.subsidy_paid[idx] = amount[idx]
        self.central_paid[idx] = central
        self.history.append({"year": m.year, "per_migrant": per_migrant.copy(), "in_migrants": inflow,
                             "amount": amount.copy(), "central": self.central_paid.copy()})

    def migration_cost(self, cost: np.ndarray) -> np.ndarray:
        m = self.model
        year = m.year
        self.bonus = np.zeros(m.n)
        if not self.active(year):
            return cost
        years = self.subsidy_years(year)
        if not years.any():
            return cost
        self.bonus = self.talent_bonus(year)
        # promised now, paid next fiscal year: years of the destination's wage (100 million yuan)
        self.promised = (year, years * m.equilibrium.wages)
        out = np.array(cost, dtype=float, copy=True)
        off = ~np.eye(out.shape[0], dtype=bool)
        out -= np.where(off, self.bonus[None, :], 0.0)
        return out

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        year = self.model.year
        if not self.active(year) or self.catalogue_dest.size == 0 or self.catalogue_sectors.size == 0:
            return cost
        out = np.array(cost, dtype=float, copy=True)
        n = out.shape[-1]
        dest_mask = np.zeros((n, n), dtype=bool)
        dest_mask[:, self.catalogue_dest] = True
        np.fill_diagonal(dest_mask, False)
        if out.ndim == 3:
            cut = self.catalogue_cut(year, by_sector=True)
            for s in self.catalogue_sectors:
                out[s][dest_mask] = np.maximum(out[s][dest_mask] - cut, 0.0)
        else:
            cut = self.catalogue_cut(year, by_sector=False)
            out[dest_mask] = np.maximum(out[dest_mask] - cut, 0.0)
        return out

    def allowed_locations(self, allowed: np.ndarray) -> np.ndarray:
        # a ban is all or nothing: it holds whenever the dose is positive
        if self.dose(self.model.year) <= 0 or self.ban_dest.size == 0 or self.ban_sectors.size == 0:
            return allowed
        out = np.array(allowed, dtype=bool, copy=True)
        out[np.ix_(self.ban_sectors, self.ban_dest)] = False
        return out

    def province_outputs(self) -> dict[str, np.ndarray]:
        return {"talent_subsidy_100m_yuan": self.subsidy_paid.copy(),
                "talent_bonus_utility": self.talent_bonus(self.model.year)}


DifferentiatedPolicy.config_class = DifferentiatedPolicyConfig
DifferentiatedPolicy.description = ("§23 differentiated policy: western industry catalogue (cheaper "
                                    "relocation/entry), financed talent subsidies for the centre, west and "
                                    "northeast, ban on polluting industry in key ecological areas.")
MECHANISM = DifferentiatedPolicy

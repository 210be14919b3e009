"""Benefit compensation between resource-exporting and resource-importing provinces (guideline §19:
"ensure that resource prices can cover the costs of mining, ecological restoration, and
environmental governance. Encourage resource importing regions to support the development of
successor and alternative industries in exporting regions through joint construction of parks,
industrial cooperation, enclave economy").

**Exporters and importers** (fixed from the calibrated 2020 state). The resources & energy sector
(RES: coal, oil, gas, power, other mining) is traded at one national price, so a province's
consumption of resources is its expenditure on them, ``c_i = β_i,RES · GDP_i`` (``model.exp_share``),
and its production the sector's value added ``VA_i,RES``; the calibration puts the coal provinces'
resource value added at their coal output (``coal_output2020_100m_t``: Shanxi, Inner Mongolia,
Shaanxi, Xinjiang) × price × value-added ratio and elsewhere at the national share of industry.
With production shares ``p_i = VA_i,RES / Σ VA_RES`` and consumption shares ``ĉ_i = c_i / Σ c``:

* exporters: ``p_i / ĉ_i ≥ exporter_min_ratio`` (default 1.15). In the 2020 data exactly the four
  coal provinces; Beijing, Tianjin, Shanghai and Zhejiang have ratios of 1.01–1.09, an artefact
  of the national-share rule for industry rather than a resource endowment, and are neither;
* importers: ``p_i / ĉ_i < 1``; the rest are neither.

**Levy** (hook ``fiscal``). Each year exporter e's net exports ``X_e = max(VA_e,RES − ĉ_e,t ΣVA_RES, 0)``
and importer i's net imports ``M_i = max(ĉ_i,t ΣVA_RES − VA_i,RES, 0)`` (value added, 100 M yuan;
``ĉ_t`` from this year's GDP). Resource prices cover ecological restoration through a levy per
unit of exported resource output:

    T_t = dose_t · λ · Σ_e X_e,     λ = levy_yuan_per_t / (coal price × coal value-added ratio)

(``λ`` is the levy as a share of resource value added, from the coal price and value-added ratio
of ``production``: 20 yuan/t over 600 × 0.5 = 300 yuan of value added per tonne = 6.7%). Importer
i pays the share ``M_i / Σ M``, exporter e receives the share ``X_e / Σ X``:

* ``(1 − successor_share) · T_t`` goes from the importers' to the exporters' governments (ledger
  kind ``resource_compensation``): it raises the exporters' and lowers the importers' public
  spending;
* ``successor_share · T_t`` funds successor industries (hook ``investment``): that much investment
  moves from the importers (same shares, each at most half of its investment) to the exporters
  (same shares); the national total is unchanged. Inside each exporter it goes to the
  non-resource sectors only (hook ``sector_investment``), in proportion to their capital income. It is the importers' enterprise investment
  (parks, enclave economy), not a budget flow, so it is not in the ledger.

**Successor industries.** The cost of relocating or entering from an importer into an exporter
falls by ``dose · successor_cost_reduction`` years of value added (hook ``relocation_cost``, floored
at 0). The model passes one origin × destination matrix for all sectors, so the cut applies to
every sector; when it passes sector × origin × destination costs, the resources sector is left out.

Outputs: ``resource_role`` (1 exporter, −1 importer, 0 neither), ``resource_net_exports_100m_yuan``
(VA − consumption), ``resource_compensation_paid_100m_yuan``, ``_received_100m_yuan`` and
``successor_investment_100m_yuan`` (+ received, − given).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel

LEDGER_KIND = "resource_compensation"


class ResourceCompensationConfig(MechanismSection):
    """Importers pay exporters a restoration levy and fund successor industries (§19)."""

    levy_yuan_per_t: float = param(
        20.0, unit="yuan per tonne of coal (equivalent) exported", ge=0.0, le=500.0,
        source="Shanxi coal sustainable development fund, 14–20 yuan/t by coal type (2007–2014) "
        "plus the mine environmental restoration deposit (RECALLED); converted to a share of "
        "resource value added with production.coal_price_yuan_per_t × coal_value_added_ratio",
        description="Ecological restoration levy per unit of net resource exports.",
    )
    successor_share: float = param(
        0.3, unit="share of the levy", ge=0.0, le=1.0,
        source="assumption (part of the compensation is given as investment in parks and "
        "enclaves rather than as fiscal transfers)",
        description="Part of the levy invested by importers in exporters' successor industries; "
        "the rest is paid to the exporters' budgets.",
    )
    successor_cost_reduction: float = param(
        0.25, unit="years of value added", ge=0.0, le=5.0,
        source="assumption (as counterpart_support.enterprise_cost_reduction: co-built parks and "
        "enclaves)",
        description="Fall in the relocation and entry cost from an importer into an exporter "
        "(non-resource sectors when the model passes sector-specific costs).",
    )
    exporter_min_ratio: float = param(
        1.15, unit="production share / consumption share of resources", ge=1.0, le=10.0,
        source="assumption (separates the four coal provinces, ratios 1.17–3.4 in 2020, from "
        "rounding-level surpluses of 1.01–1.09)",
        description="Threshold above which a province is a resource exporter.",
    )


class ResourceCompensation(Mechanism):
    """Restoration levy importers → exporters and successor-industry investment."""

    key: ClassVar[str] = "resource_compensation"
    clauses: ClassVar[str] = "§19"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        n = model.n
        self.exporters = np.zeros(0, dtype=np.int64)
        self.importers = np.zeros(0, dtype=np.int64)
        self.role = np.zeros(n)
        self.net_exports = np.zeros(n)
        self.paid = np.zeros(n)
        self.received = np.zeros(n)
        self.successor = np.zeros(n)
        self._successor_total = 0.0
        self._w_imp = np.zeros(0)
        self._w_exp = np.zeros(0)
        self.history: list[dict[str, object]] = []

    @property
    def levy_share(self) -> float:
        """λ: the levy as a share of resource value added."""
        prod = self.model.config.production
        per_t = prod.coal_price_yuan_per_t * prod.coal_value_added_ratio
        return float(self.config.levy_yuan_per_t) / per_t  # type: ignore[attr-defined]

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """(resource value added, consumption at national production) by province, this year."""
        from sim.economy.sectors import RES

        m = self.model
        va = m.equilibrium.value_added[:, RES]
        use = m.exp_share[:, RES] * m.gdp
        return va, use / use.sum() * va.sum()

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        va, use = self.positions()
        ratio = (va / va.sum()) / (use / use.sum())
        c = self.config
        self.ratio_2020 = ratio
        self.exporters = np.flatnonzero(ratio >= c.exporter_min_ratio)  # type: ignore[attr-defined]
        self.importers = np.flatnonzero(ratio < 1.0)
        self.role = np.zeros(self.model.n)
        self.role[self.exporters], self.role[self.importers] = 1.0, -1.0
        self.net_exports = va - use

    def fiscal(self) -> None:
        m = self.model
        n = m.n
        self.paid, self.received, self.successor = np.zeros(n), np.zeros(n), np.zeros(n)
        self._successor_total = 0.0
        va, use = self.positions()
        self.net_exports = va - use
        if self.dose(m.year) == 0.0 or self.exporters.size == 0 or self.importers.size == 0:
            return
        x = np.maximum(self.net_exports[self.exporters], 0.0)
        mm = np.maximum(-self.net_exports[self.importers], 0.0)
        if x.sum() <= 0.0 or mm.sum() <= 0.0:
            return
        c = self.config
        total = self.dose(m.year) * self.levy_share * x.sum()
        self._w_imp, self._w_exp = mm / mm.sum(), x / x.sum()
        budget = (1.0 - c.successor_share) * total  # type: ignore[attr-defined]
        amount = budget * np.outer(self._w_imp, self._w_exp)
        payer = np.repeat(self.importers, self.exporters.size)
        receiver = np.tile(self.exporters, self.importers.size)
        m.ledger.pay(LEDGER_KIND, payer, receiver, amount.ravel())
        self.paid[self.importers] = amount.sum(axis=1)
        self.received[self.exporters] = amount.sum(axis=0)
        self._successor_total = c.successor_share * total  # type: ignore[attr-defined]
        self.successor[self.importers] = -self._successor_total * self._w_imp
        self.successor[self.exporters] = self._successor_total * self._w_exp
        self.history.append({"year": m.year, "levy": total, "budget": budget,
                             "successor": self._successor_total, "net_exports": self.net_exports.copy(),
                             "paid": self.paid.copy(), "received": self.received.copy()})

    def investment(self, investment: np.ndarray) -> np.ndarray:
        if self._successor_total <= 0.0 or not self.active(self.model.year):
            return investment
        out = np.array(investment, dtype=float, copy=True)
        imp, exp = self.importers, self.exporters
        take = np.minimum(self._successor_total * self._w_imp, 0.5 * np.maximum(out[imp], 0.0))
        moved = float(take.sum())
        out[imp] -= take
        out[exp] += moved * self._w_exp
        self.successor = np.zeros(self.model.n)
        self.successor[imp], self.successor[exp] = -take, moved * self._w_exp
        if self.history:
            self.history[-1]["successor_moved"] = moved
        return out

    def sector_investment(self, investment_cell: np.ndarray) -> np.ndarray:
        """Successor industries: the successor investment an exporter received goes to its
        non-resource sectors (in proportion to their capital income, as the rest of its
        investment is split), not to the resources sector."""
        from sim.economy.sectors import RES

        if not self.active(self.model.year) or self.exporters.size == 0:
            return investment_cell
        received = np.maximum(self.successor[self.exporters], 0.0)
        if not received.any():
            return investment_cell
        out = np.array(investment_cell, dtype=float, copy=True)
        rows = out[self.exporters]
        total = rows.sum(axis=1)
        succ = np.minimum(received, total)
        share = np.divide(rows, total[:, None], out=np.zeros_like(rows), where=total[:, None] > 0)
        other = share.copy()
        other[:, RES] = 0.0
        norm = other.sum(axis=1, keepdims=True)
        other = np.divide(other, norm, out=share.copy(), where=norm > 0)
        out[self.exporters] = (total - succ)[:, None] * share + succ[:, None] * other
        return out

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        year = self.model.year
        if not self.active(year) or self.exporters.size == 0:
            return cost
        cut = self.dose(year) * self.config.successor_cost_reduction  # type: ignore[attr-defined]
        out = np.array(cost, dtype=float, copy=True)
        idx = np.ix_(self.importers, self.exporters)
        if out.ndim == 3:
            from sim.economy.sectors import RES

            for s in range(out.shape[0]):
                if s != RES:
                    out[s][idx] = np.maximum(out[s][idx] - cut, 0.0)
            return out
        out[idx] = np.maximum(out[idx] - cut, 0.0)
        return out

    def province_outputs(self) -> dict[str, np.ndarray]:
        return {"resource_role": self.role.copy(),
                "resource_net_exports_100m_yuan": self.net_exports.copy(),
                "resource_compensation_paid_100m_yuan": self.paid,
                "resource_compensation_received_100m_yuan": self.received,
                "successor_investment_100m_yuan": self.successor.copy()}


ResourceCompensation.config_class = ResourceCompensationConfig
ResourceCompensation.description = ('§19 resource compensation: importers pay exporters a restoration '
                                    'levy and invest in their successor industries.')
MECHANISM = ResourceCompensation

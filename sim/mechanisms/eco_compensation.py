"""Horizontal ecological compensation between downstream and upstream provinces (guideline §17;
§11 basin cooperation: "strictly enforce the environmental access standards for the basin").

Along the cross-provincial basin pilots of ``sim/data/links.csv`` (kind ``eco_compensation_basin``;
from = upstream, to = downstream: Xin'an, Jiuzhou, Tingjiang–Hanjiang, Dongjiang, Luan, Chaobai,
Lushui, Youshui, Yellow River, Chishui and Chu rivers):

* **Payment.** Each year, on every link, the downstream province pays the upstream one

      P_ud,t = dose_t · payment_share_of_gdp · GDP_d,t     if q_u,t−1 ≥ quality_target, else 0

  (a share of the downstream GDP, the same share on every link; the condition follows the
  Xin'an River pilot, where Zhejiang pays Anhui only when the water at the border meets the agreed
  standard). Ledger kind ``eco_compensation`` (downstream → upstream).
* **Restoration.** The upstream province spends ``restoration_share`` of what it receives on
  ecological restoration (ledger kind ``eco_restoration``, upstream → private sector); the rest
  joins its general budget.
* **Ecological quality** ``q_i`` (``model.ecological_quality``; 1 = the 2020 level; created here
  when the model has none) evolves every year in every province (also when the mechanism is off):

      Δq_i = restoration_rate · R_i,t / GDP_i,t − damage_rate · Δ ln s_i,t

  where ``R`` is restoration spending funded by compensation and ``s_i`` the share of the polluting
  sectors (``sim.economy.sectors.POLLUTING_SECTORS``: resources & energy, capital-intensive
  manufacturing) in the province's real output. An assumption with two parameters: quality
  improves with restoration spending and worsens as the economy shifts toward polluting
  industry (and improves as it shifts away). ``q`` is floored at 0.
* **Restricting polluting industry upstream.** Polluting sectors may not move into or enter
  (as out-of-province entrants) the upstream provinces (``allowed_locations``), and — when the
  model passes sector-specific relocation costs (an array sector × origin × destination) — their
  cost of relocating out of the upstream provinces falls by ``polluting_exit_cost_reduction``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel

LINK_KIND = "eco_compensation_basin"


class EcoCompensationConfig(MechanismSection):
    """Downstream pays upstream; polluting industry restricted upstream (guideline §17)."""

    payment_share_of_gdp: float = param(
        3.0e-5, unit="share of the downstream province's GDP, per link and year", ge=0.0, le=0.01,
        source="≈ Zhejiang's 2×10⁸ yuan a year to Anhui in the Xin'an River pilot (2015–2020 phases, "
        "RECALLED) / Zhejiang's 2020 GDP (6.46×10¹² yuan)",
        description="What a downstream province pays an upstream one on each basin link when the "
        "upstream meets its ecological target.",
    )
    quality_target: float = param(
        1.0, unit="ecological quality index (2020 = 1)", ge=0.0, le=2.0,
        source="assumption after the Xin'an River pilot (pay if the border water quality is no worse "
        "than the agreed baseline)",
        description="Upstream quality (previous year) at or above which compensation is paid.",
    )
    restoration_share: float = param(
        1.0, unit="share of compensation received", ge=0.0, le=1.0,
        source="assumption (pilot funds are earmarked for pollution control and ecological protection)",
        description="Part of the compensation the upstream spends on ecological restoration; the "
        "rest joins its general budget (public services).",
    )
    restoration_rate: float = param(
        10.0, unit="quality index points per unit of restoration spending / GDP", ge=0.0, le=1000.0,
        source="assumption (restoration spending of 0.1% of GDP a year raises quality by 1% a year)",
        description="Effect of restoration spending on ecological quality.",
    )
    damage_rate: float = param(
        1.0, unit="quality index points per unit change of ln(polluting output share)", ge=0.0, le=10.0,
        source="assumption (a 1% rise of the polluting share of output lowers quality by ≈ 0.01)",
        description="Effect of a shift toward polluting industry on ecological quality.",
    )
    ban_polluting_entry: bool = param(
        True, unit="switch", source="guideline §11 (environmental access standards of the basin), §17",
        description="Polluting sectors may not move into or enter upstream provinces.",
    )
    polluting_exit_cost_reduction: float = param(
        0.25, unit="share of a year's value added", ge=0.0, le=5.0, source="assumption",
        description="Fall in the cost for polluting firms of relocating out of an upstream province "
        "(used when the model passes sector-specific relocation costs).",
    )


class EcoCompensation(Mechanism):
    """Basin compensation: payments downstream → upstream, restoration, upstream restrictions."""

    key: ClassVar[str] = "eco_compensation"
    clauses: ClassVar[str] = "§17, §11"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        links = model.data.links
        rows = links.loc[links["kind"] == LINK_KIND, ["from_idx", "to_idx"]].to_numpy(np.int64)
        rows = rows[rows[:, 0] != rows[:, 1]]
        self.up, self.down = rows[:, 0], rows[:, 1]
        self.upstream = np.unique(self.up)
        self.downstream = np.unique(self.down)
        n = model.n
        self.received = np.zeros(n)
        self.paid = np.zeros(n)
        self.restoration = np.zeros(n)
        self.owns_quality = False
        self.history: list[dict[str, object]] = []

    def polluting_share(self) -> np.ndarray:
        """Share of polluting sectors in each province's real output."""
        from sim.economy.sectors import POLLUTING_SECTORS

        q = self.model.equilibrium.quantity
        return q[:, POLLUTING_SECTORS].sum(axis=1) / np.maximum(q.sum(axis=1), 1e-300)

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        m = self.model
        if getattr(m, "ecological_quality", None) is None:
            m.ecological_quality = np.ones(m.n)
            self.owns_quality = True
        self.prev_share = self.polluting_share()

    def fiscal(self) -> None:
        m = self.model
        n = m.n
        self.received, self.paid, self.restoration = np.zeros(n), np.zeros(n), np.zeros(n)
        if not self.active(m.year) or self.up.size == 0:
            return
        c = self.config
        quality = getattr(m, "ecological_quality", np.ones(n))
        met = quality[self.up] >= c.quality_target - 1e-12  # type: ignore[attr-defined]
        amount = self.dose(m.year) * c.payment_share_of_gdp * m.gdp[self.down] * met  # type: ignore[attr-defined]
        m.ledger.pay("eco_compensation", self.down, self.up, amount)
        self.received = np.bincount(self.up, weights=amount, minlength=n)
        self.paid = np.bincount(self.down, weights=amount, minlength=n)
        self.restoration = c.restoration_share * self.received  # type: ignore[attr-defined]
        up = self.upstream
        m.ledger.pay("eco_restoration", up, m.ledger.PRIVATE, self.restoration[up])
        self.history.append({"year": m.year, "met": met.copy(), "amount": amount.copy(),
                             "restoration": self.restoration.copy()})

    def allowed_locations(self, allowed: np.ndarray) -> np.ndarray:
        if not self.active(self.model.year) or not self.config.ban_polluting_entry:  # type: ignore[attr-defined]
            return allowed
        from sim.economy.sectors import POLLUTING_SECTORS

        out = np.array(allowed, dtype=bool, copy=True)
        out[np.ix_(POLLUTING_SECTORS, self.upstream)] = False
        return out

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        year = self.model.year
        if not self.active(year) or np.ndim(cost) != 3:
            return cost  # an (origin × destination) matrix cannot single out polluting firms
        from sim.economy.sectors import POLLUTING_SECTORS

        cut = self.dose(year) * self.config.polluting_exit_cost_reduction  # type: ignore[attr-defined]
        out = np.array(cost, dtype=float, copy=True)
        idx = np.ix_(POLLUTING_SECTORS, self.upstream, np.arange(out.shape[2]))
        out[idx] = np.maximum(out[idx] - cut, 0.0)
        return out

    def after_step(self) -> None:
        m = self.model
        c = self.config
        share = self.polluting_share()
        q = m.ecological_quality
        dq = c.restoration_rate * self.restoration / np.maximum(m.gdp, 1e-12)  # type: ignore[attr-defined]
        if self.owns_quality:
            dq = dq - c.damage_rate * np.log(share / np.maximum(self.prev_share, 1e-300))  # type: ignore[attr-defined]
        m.ecological_quality = np.maximum(q + dq, 0.0)
        self.prev_share = share

    def province_outputs(self) -> dict[str, np.ndarray]:
        m = self.model
        q = getattr(m, "ecological_quality", None)
        return {"ecological_quality": np.ones(m.n) if q is None else q.copy(),
                "eco_compensation_received_100m_yuan": self.received,
                "eco_compensation_paid_100m_yuan": self.paid}


EcoCompensation.config_class = EcoCompensationConfig
EcoCompensation.description = '§17 horizontal ecological compensation: downstream pays upstream; polluting industry restricted upstream.'
MECHANISM = EcoCompensation

"""National major regional strategies (guideline §4): city-cluster integration and the Yangtze
River Economic Belt, relocation of Beijing's non-capital functions to Xiong'an, the Hainan free
trade port, and Belt and Road external demand. Four components, each with its own switch; all
scale with the dose ``d_t`` (``intensity`` × phase-in ramp, 0 when the mechanism is off or out of
its years).

**(a) City-cluster integration** (§4 "driving regional development with urban agglomerations",
"leading the development of the Beijing–Tianjin–Hebei, Yangtze River Delta, Greater Bay Area ...
Chengdu–Chongqing, middle reaches of the Yangtze" clusters). The integration index ``I_c`` of
every cluster (``model.cluster_integration``, in [0, 1]; it lowers the trade barrier between the
cluster's provinces and raises their TFP through ``clusters.agglomeration_bonus``) moves toward 1:

    I_c,t = I_c,t−1 + min(1, d_t · r_c) · (1 − I_c,t−1)

with ``r_c = strategic_rate`` for the clusters named in ``strategic_clusters`` and ``other_rate``
for the others. The Yangtze River Economic Belt (provinces with ``yangtze_economic_belt = 1``)
is treated as one more, looser cluster with its own index ``J_t`` (0 in 2020, same rule with
``belt_rate``): between two belt provinces the trade barrier becomes that of a cluster with
integration ``max(best_ij, J_t)``, where ``best_ij`` is the highest integration of a cluster that
contains both (so pairs already in a more integrated cluster gain nothing twice):

    barrier_ij ← barrier_ij · (1 − δ·max(best_ij, J_t)) / (1 − δ·best_ij),   δ = trade.cluster_integration_discount.

**(b) Xiong'an** (§4 "orderly relieving Beijing's non-capital functions", "construction of the
Xiong'an New Area"). At the end of every active year t (hook ``forced_relocations``, which the
model calls just before the mechanism's ``after_step`` and which only names the movers), a
share ``d_t · xiongan_share`` of Beijing's alive firms in the sectors ``xiongan_sectors`` moves to
Hebei (slots picked with ``model.rng``; the count is rounded stochastically so that its
expectation is exact; the first firm of each Beijing province-sector cell never moves, so no
market disappears). The firms keep their capital, productivity and variety weight: the model
moves them (``RegionalModel._relocate_by_decision``): only ``firms.province`` changes, so national
capital and firm counts are unchanged. The moves join the year's relocations (``model.firm_flows``: ``firms_moved_out``/``firms_moved_in``, flows of kind
``relocated_firms``/``relocated_capital``) and are also recorded on their own in the year's rows
(``xiongan_firms_moved``: −k in Beijing, +k in Hebei; ``xiongan_capital_moved_100m_yuan``;
hook ``flow_outputs``). The
migration cost Beijing → Hebei falls by ``d_t · xiongan_migration_cost_cut`` (utility units):
relocated staff keep Beijing-level social security and services (assumption).

**(c) Hainan free trade port** (§4 "explore the construction of a free trade port"). (i) The cost
for a firm to relocate into or enter Hainan from any other province falls by
``d_t · hainan_entry_cost_cut`` years of value added (floored at 0). (ii) A lower corporate income
tax for encouraged industries (15% instead of 25%): the tax relief

    T_t = d_t · (standard_tax_rate − hainan_tax_rate) · taxable_profit_share · Σ_{s∈S_H} α_s VA_Hainan,s,t

is recorded as money the governments forgo — ledger kind ``hainan_tax_relief``, a share
``central_tax_share`` from the central budget and the rest from Hainan's budget to the private
sector — and Hainan's firms reinvest it at home: Hainan's investment rises by ``T_t`` and every
other province's falls in proportion to its investment (national saving is given, so the
national total is kept).

**(d) Belt and Road** (§4 "coordinated opening of coastal, inland and border areas"). The land-
border provinces (``land_border = 1``) and the coastal port provinces (``coastal = 1``) get
foreign demand for their tradable (CES) sectors worth, at 2020 prices and varieties,

    X_is,t = d_t · bri_share_of_exports · export_share_of_tradable_va · VA_is,2020 · ((1 + g)^(t − t0 + 1) − 1)

(``g = bri_excess_growth``, the growth of trade with BRI partners in excess of China's total trade;
``t0`` the start year): only the increment of BRI demand over its 2020 level, since the calibrated
model has no foreign demand. In the model's units external demand adds to the CES market access
of the province's varieties; ``X / (b_is n_is,2020)`` (demand shifter × 2020 varieties) is worth
``X`` yuan at 2020 prices.

Timing: the integration step of year t is made at the end of year t−1 (``after_step``, with the
dose of year t), so year t's production, trade costs and TFP already use it; integration gained
stays after ``end_year``. The Xiong'an moves of year t happen at the end of year t, like the
model's own relocations, and first produce in Hebei in year t+1.

Outputs: province columns ``cluster_integration`` (highest integration of the province's
clusters), ``xiongan_firms_moved``, ``xiongan_capital_moved_100m_yuan``,
``hainan_tax_relief_100m_yuan``, ``bri_external_demand_100m_yuan`` (value of the demand at this
year's prices); national ``yreb_integration``, ``strategic_cluster_integration`` (mean over the
strategic clusters), ``xiongan_firms_moved``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import field_validator

from sim.config.names import SECTORS, check_names
from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel

STRATEGIC_CLUSTERS: tuple[str, ...] = ("Beijing-Tianjin-Hebei", "Yangtze River Delta",
                                       "Pearl River Delta (GBA)", "Chengdu-Chongqing",
                                       "Middle Yangtze River")


def check_sectors(value: tuple[str, ...], field: str) -> tuple[str, ...]:
    check_names(value, SECTORS, "sector", field)
    return tuple(dict.fromkeys(value))


def sector_indices(names: tuple[str, ...]) -> np.ndarray:
    return np.array([SECTORS.index(s) for s in names], dtype=np.int64)


# --- helpers shared with sim.mechanisms.cooperation --------------------------------------------


def integration_step(integration: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """I ← I + min(1, rate)·(1 − I), element-wise (rate ≥ 0; rate 0 leaves I unchanged)."""
    step = np.clip(rate, 0.0, 1.0)
    return integration + step * (1.0 - integration)


def excess_growth_factor(growth: float, years: int) -> float:
    """(1 + g)^years − 1: the increment of a demand growing at g over its start level."""
    return (1.0 + growth) ** max(years, 0) - 1.0


def ces_demand_units(model: RegionalModel) -> np.ndarray:
    """(n, 3) factor turning foreign demand in yuan (100m, at 2020 prices) into the model's units
    of external demand for the CES sectors: 1 / (b_is · n_is) with the 2020 varieties (0 for
    empty cells). Call at set-up (the 2020 state)."""
    from sim.economy.sectors import CES_SECTORS

    f = model.firms
    varieties = f.cell_sum(f.weight)[:, CES_SECTORS]
    nb = varieties * model.shifter
    return np.where(nb > 0, 1.0 / np.maximum(nb, 1e-300), 0.0)


def ces_demand_value(model: RegionalModel, ext_ces: np.ndarray) -> np.ndarray:
    """Value (100m yuan, this year's prices and varieties) of CES external demand, by province:
    Σ_s b_is n_is p_is^(1−σ) ext_is (the revenue it brings, DESIGN §2.3)."""
    from sim.economy.sectors import CES_SECTORS

    eq = model.equilibrium
    # The year's varieties: those the equilibrium was solved with (firms change only after the
    # year's records), else summed from the firm table (the start year).
    varieties = eq.varieties
    if varieties is None:
        varieties = model.firms.cell_sum(model.firms.weight)
    nb = varieties[:, CES_SECTORS] * model.shifter
    p = eq.prices[:, CES_SECTORS]
    sigma = model.config.trade.sigma
    return (nb * p ** (1.0 - sigma) * ext_ces).sum(axis=1)


def cluster_indices(model: RegionalModel, names: tuple[str, ...], field: str) -> np.ndarray:
    """Row positions of the named clusters in ``model.data.clusters`` (one-line error if unknown)."""
    known = list(model.data.clusters["cluster"])
    out = []
    for name in names:
        if name not in known:
            raise ValueError(f"{field}: unknown cluster {name!r} (allowed: {'; '.join(known)})")
        out.append(known.index(name))
    return np.array(sorted(set(out)), dtype=np.int64)


def best_pair_integration(model: RegionalModel) -> np.ndarray:
    """Highest integration of any cluster containing both i and j, (n, n) (0 if none)."""
    member = model.cluster_member
    both = member[:, :, None] & member[:, None, :]
    return np.max(np.where(both, model.cluster_integration[:, None, None], 0.0), axis=0)


class RegionalStrategiesConfig(MechanismSection):
    """Cluster integration, Xiong'an, Hainan free trade port, Belt and Road (guideline §4)."""

    # (a) clusters and the Yangtze River Economic Belt
    integration: bool = param(True, unit="switch", source="guideline §4",
                              description="Component (a): city-cluster integration and the Yangtze "
                              "River Economic Belt.")
    strategic_clusters: tuple[str, ...] = param(
        STRATEGIC_CLUSTERS, unit="cluster names (sim/data/city_clusters.csv)",
        source="guideline §4 (the clusters it names: Beijing–Tianjin–Hebei, Yangtze River Delta, "
        "Greater Bay Area, Chengdu–Chongqing, middle reaches of the Yangtze)",
        description="Clusters integrated at strategic_rate; all others at other_rate.",
    )
    strategic_rate: float = param(
        0.08, unit="share of the remaining gap to full integration closed per year", ge=0.0, le=1.0,
        source="calibrated: from 0.5 in 2020 to ≈ 0.86 in 2035, after the Outline of the Yangtze River "
        "Delta Regional Integrated Development Plan (CPC Central Committee & State Council, Dec 2019, "
        "RECALLED: integration 'basically achieved' by 2035)",
        description="Integration speed of the strategic clusters.",
    )
    other_rate: float = param(
        0.02, unit="share of the remaining gap to full integration closed per year", ge=0.0, le=1.0,
        source="assumption (a quarter of the strategic rate)",
        description="Integration speed of the other clusters.",
    )
    belt_rate: float = param(
        0.03, unit="share of the remaining gap to full integration closed per year", ge=0.0, le=1.0,
        source="assumption (the belt spans 11 provinces and three plates; J reaches ≈ 0.37 by 2035)",
        description="Integration speed of the Yangtze River Economic Belt (index J, 0 in 2020).",
    )
    # (b) Xiong'an
    xiongan: bool = param(True, unit="switch", source="guideline §4",
                          description="Component (b): relocation of Beijing's non-capital functions "
                          "to Xiong'an (Hebei).")
    xiongan_sectors: tuple[str, ...] = param(
        ("high_tech", "services"), unit="sector names",
        source="Beijing–Tianjin–Hebei Coordinated Development Plan Outline (2015, RECALLED): non-capital "
        "functions = general manufacturing, regional logistics and wholesale markets, some education, "
        "medical and research institutions, some administrative units and corporate headquarters; "
        "general manufacturing had largely left Beijing by 2020, the Xiong'an wave moves universities, "
        "hospitals, research and central-SOE headquarters (services, high-tech)",
        description="Sectors whose Beijing firms move.",
    )
    xiongan_share: float = param(
        0.01, unit="share of Beijing's firms in xiongan_sectors per year", ge=0.0, le=0.5,
        source="assumption (≈ 14% of Beijing's firms of those sectors by 2035)",
        description="Firms moved to Hebei each year.",
    )
    xiongan_migration_cost_cut: float = param(
        0.5, unit="utility (log real income equivalent)", ge=0.0, le=10.0,
        source="assumption (a quarter of the 2020 hukou cost migration.hukou_cost_2020 = 2: relocated "
        "staff keep Beijing-level social security and services)",
        description="Fall in the migration cost from Beijing to Hebei.",
    )
    # (c) Hainan
    hainan: bool = param(True, unit="switch", source="guideline §4",
                         description="Component (c): Hainan free trade port entry and tax terms.")
    hainan_entry_cost_cut: float = param(
        0.25, unit="share of a year's value added", ge=0.0, le=5.0,
        source="assumption (equal to the base relocation cost firms.relocation_cost; the FTP's "
        "negative list for market access is shorter than the national one)",
        description="Fall in the relocation and entry cost into Hainan from any other province.",
    )
    standard_tax_rate: float = param(
        0.25, unit="corporate income tax rate", ge=0.0, le=1.0,
        source="Enterprise Income Tax Law (2007), standard rate 25% (RECALLED)",
        description="Standard corporate income tax rate.",
    )
    hainan_tax_rate: float = param(
        0.15, unit="corporate income tax rate", ge=0.0, le=1.0,
        source="Overall Plan for the Construction of Hainan Free Trade Port (CPC Central Committee & State "
        "Council, June 2020, RECALLED): 15% for encouraged industries",
        description="Hainan's rate for encouraged industries.",
    )
    hainan_sectors: tuple[str, ...] = param(
        ("high_tech", "services"), unit="sector names",
        source="Overall Plan for Hainan FTP (2020, RECALLED): tourism, modern services and high-tech "
        "industries are the encouraged industries",
        description="Sectors that pay the lower rate.",
    )
    taxable_profit_share: float = param(
        0.4, unit="taxable profit / capital income (α·value added)", ge=0.0, le=1.0,
        source="assumption (capital income includes depreciation and interest; ≈ 40% is taxable profit)",
        description="Corporate income tax base per unit of capital income.",
    )
    central_tax_share: float = param(
        0.6, unit="central share of corporate income tax", ge=0.0, le=1.0,
        source="income-tax sharing reform: corporate income tax shared 60% central / 40% local since 2003 "
        "(State Council, Guofa [2003] No. 26, RECALLED)",
        description="Part of the tax relief borne by the central budget; the rest by Hainan's.",
    )
    # (d) Belt and Road
    belt_and_road: bool = param(True, unit="switch", source="guideline §4",
                                description="Component (d): Belt and Road foreign demand for the border "
                                "and coastal port provinces.")
    bri_share_of_exports: float = param(
        0.29, unit="share of China's exports", ge=0.0, le=1.0,
        source="trade with Belt and Road countries 9.37 trillion yuan in 2020, 29.1% of China's foreign "
        "trade (General Administration of Customs, Jan 2021, RECALLED)",
        description="Share of exports going to Belt and Road partners.",
    )
    export_share_of_tradable_va: float = param(
        0.5, unit="domestic value added in exports / manufacturing value added", ge=0.0, le=2.0,
        source="goods exports 17.9 trillion yuan in 2020 (GACC, RECALLED) × domestic value-added content "
        "≈ 0.8 (OECD TiVA, RECALLED) / manufacturing value added 26.6 trillion yuan (NBS 2020, RECALLED) "
        "≈ 0.54, rounded",
        description="Exports as a share of tradable (CES) value added.",
    )
    bri_excess_growth: float = param(
        0.017, unit="per year", ge=0.0, le=0.2,
        source="trade with BRI partners grew 6.4% a year in 2013–2022 (SCIO white paper 'The Belt and Road "
        "Initiative: A Key Pillar of the Global Community of Shared Future', Oct 2023, RECALLED) vs ≈ 4.7% "
        "for China's total trade in US dollars (4.16 → 6.31 trillion, GACC, RECALLED)",
        description="Growth of BRI demand in excess of the rest of the economy (the model's 2020 "
        "calibration has no foreign demand, so only the increment enters).",
    )

    @field_validator("xiongan_sectors", "hainan_sectors")
    @classmethod
    def _sectors(cls, v: tuple[str, ...], info: object) -> tuple[str, ...]:
        return check_sectors(v, getattr(info, "field_name", "sectors"))

    @field_validator("strategic_clusters")
    @classmethod
    def _clusters(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.strip() for s in v))


class RegionalStrategies(Mechanism):
    """Cluster integration, Xiong'an relocation, Hainan FTP and Belt and Road demand (§4)."""

    key: ClassVar[str] = "regional_strategies"
    clauses: ClassVar[str] = "§4"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        c = self.config
        ds = model.data
        n = model.n
        pr = ds.provinces
        self.beijing = ds.province_index("Beijing")
        self.hebei = ds.province_index("Hebei")
        self.hainan = ds.province_index("Hainan")
        self.strategic = cluster_indices(model, c.strategic_clusters,  # type: ignore[attr-defined]
                                         "mechanisms.regional_strategies.strategic_clusters")
        n_clusters = len(ds.clusters)
        is_strategic = np.zeros(n_clusters, dtype=bool)
        is_strategic[self.strategic] = True
        self.cluster_rate = np.where(is_strategic, c.strategic_rate, c.other_rate)  # type: ignore[attr-defined]
        self.belt = pr["yangtze_economic_belt"].to_numpy(int) == 1
        self.belt_pairs = np.outer(self.belt, self.belt) & ~np.eye(n, dtype=bool)
        self.yreb_integration = 0.0
        self.xiongan_sectors = sector_indices(c.xiongan_sectors)  # type: ignore[attr-defined]
        self.hainan_sectors = sector_indices(c.hainan_sectors)  # type: ignore[attr-defined]
        self.bri_provinces = np.flatnonzero((pr["land_border"].to_numpy(int) == 1)
                                            | (pr["coastal"].to_numpy(int) == 1))
        self.bri_unit = np.zeros((n, 3))
        self.bri_base = np.zeros((n, 3))
        self.ext_ces = np.zeros((n, 3))
        self.tax_relief = np.zeros(n)
        self.moved_count = np.zeros(n, dtype=np.int64)
        self.moved_capital = np.zeros(n)
        self.moves: list[dict[str, object]] = []

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        from sim.economy.sectors import CES_SECTORS

        m = self.model
        self.bri_unit = ces_demand_units(m)
        base = np.zeros((m.n, CES_SECTORS.size))
        base[self.bri_provinces] = m.equilibrium.value_added[np.ix_(self.bri_provinces, CES_SECTORS)]
        self.bri_base = base

    def trade_barrier(self, barrier: np.ndarray) -> np.ndarray:
        j = self.yreb_integration
        if j <= 0.0:
            return barrier
        d = self.model.config.trade.cluster_integration_discount
        best = best_pair_integration(self.model)
        factor = (1.0 - d * np.maximum(best, j)) / np.maximum(1.0 - d * best, 1e-12)
        out = np.array(barrier, dtype=float, copy=True)
        out[self.belt_pairs] = out[self.belt_pairs] * factor[self.belt_pairs]
        return out

    def external_demand(self, demand: np.ndarray) -> np.ndarray:
        from sim.economy.sectors import CES_SECTORS

        m = self.model
        c = self.config
        self.ext_ces = np.zeros((m.n, CES_SECTORS.size))
        dose = self.dose(m.year)
        if dose <= 0.0 or not c.belt_and_road:  # type: ignore[attr-defined]
            return demand
        grow = excess_growth_factor(c.bri_excess_growth, m.year - c.start_year + 1)  # type: ignore[attr-defined]
        share = c.bri_share_of_exports * c.export_share_of_tradable_va  # type: ignore[attr-defined]
        self.ext_ces = dose * share * grow * self.bri_base * self.bri_unit
        out = np.array(demand, dtype=float, copy=True)
        out[:, CES_SECTORS] += self.ext_ces
        return out

    def fiscal(self) -> None:
        m = self.model
        c = self.config
        self.tax_relief = np.zeros(m.n)
        dose = self.dose(m.year)
        if dose <= 0.0 or not c.hainan:  # type: ignore[attr-defined]
            return
        h = self.hainan
        s = self.hainan_sectors
        alpha = np.broadcast_to(m.alpha, m.equilibrium.value_added.shape)[h, s]
        base = c.taxable_profit_share * float((alpha * m.equilibrium.value_added[h, s]).sum())  # type: ignore[attr-defined]
        cut = max(c.standard_tax_rate - c.hainan_tax_rate, 0.0)  # type: ignore[attr-defined]
        relief = dose * cut * base
        if relief <= 0.0:
            return
        led = m.ledger
        central = c.central_tax_share * relief  # type: ignore[attr-defined]
        led.pay("hainan_tax_relief", led.CENTRAL, led.PRIVATE, central)
        led.pay("hainan_tax_relief", h, led.PRIVATE, relief - central)
        self.tax_relief[h] = relief

    def migration_cost(self, cost: np.ndarray) -> np.ndarray:
        dose = self.dose(self.model.year)
        if dose <= 0.0 or not self.config.xiongan:  # type: ignore[attr-defined]
            return cost
        out = np.array(cost, dtype=float, copy=True)
        out[self.beijing, self.hebei] -= dose * self.config.xiongan_migration_cost_cut  # type: ignore[attr-defined]
        return out

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        dose = self.dose(self.model.year)
        if dose <= 0.0 or not self.config.hainan:  # type: ignore[attr-defined]
            return cost
        cut = dose * self.config.hainan_entry_cost_cut  # type: ignore[attr-defined]
        out = np.array(cost, dtype=float, copy=True)
        h = self.hainan
        origins = np.delete(np.arange(self.model.n), h)
        out[..., origins, h] = np.maximum(out[..., origins, h] - cut, 0.0)
        return out

    def investment(self, investment: np.ndarray) -> np.ndarray:
        relief = float(self.tax_relief.sum())
        if relief <= 0.0:
            return investment
        h = self.hainan
        out = np.array(investment, dtype=float, copy=True)
        others = np.ones(out.size, dtype=bool)
        others[h] = False
        pool = float(out[others].sum())
        if pool <= 0.0:
            return investment
        relief = min(relief, pool)
        out[others] *= 1.0 - relief / pool
        out[h] += relief
        return out

    def forced_relocations(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Xiong'an: ``dose · xiongan_share`` of Beijing's eligible firms move to Hebei with their
        capital (the model moves them and adds them to the year's relocations)."""
        m = self.model
        self.moved_count = np.zeros(m.n, dtype=np.int64)
        self.moved_capital = np.zeros(m.n)
        dose = self.dose(m.year)
        if dose <= 0.0 or not self.config.xiongan:  # type: ignore[attr-defined]
            return None
        slots = self.xiongan_slots(dose)
        return slots, np.full(slots.size, self.hebei, dtype=np.int64)

    def xiongan_slots(self, dose: float) -> np.ndarray:
        """Draw this year's Xiong'an movers (firm slots) among Beijing's eligible firms and record
        them (``moved_count``, ``moved_capital``, ``moves``)."""
        from sim.economy.sectors import N_SECTORS

        m = self.model
        f = m.firms
        bj, he = self.beijing, self.hebei
        in_bj = f.alive & (f.province == bj)
        # Never empty a Beijing province-sector cell: the first slot of each cell stays.
        eligible = np.zeros(f.province.size, dtype=bool)
        for s in self.xiongan_sectors:
            slots = np.flatnonzero(in_bj & (f.sector == s))
            eligible[slots[1:]] = True
        idx = np.flatnonzero(eligible)
        expected = dose * self.config.xiongan_share * idx.size  # type: ignore[attr-defined]
        k = int(np.floor(expected))
        if expected > k and m.rng.random() < expected - k:
            k += 1
        k = min(k, idx.size)
        slots = np.sort(m.rng.choice(idx, size=k, replace=False)) if k > 0 else idx[:0]
        capital = f.capital[slots].sum()
        self.moved_count[bj], self.moved_count[he] = -k, k
        self.moved_capital[bj], self.moved_capital[he] = -capital, capital
        self.moves.append({"year": m.year, "slots": slots, "capital": float(capital),
                           "eligible": int(idx.size), "expected": expected,
                           "by_sector": np.bincount(f.sector[slots], minlength=N_SECTORS)})
        return slots

    def cluster_integration(self, integration: np.ndarray) -> np.ndarray:
        """The clusters' integration step for next year (its dose; strategic clusters faster)."""
        m = self.model
        if m.year >= m.config.end_year:
            return integration  # no next year in this run
        nxt = self.dose(m.year + 1)
        if nxt > 0.0 and self.config.integration:  # type: ignore[attr-defined]
            return integration_step(integration, nxt * self.cluster_rate)
        return integration

    def after_step(self) -> None:
        """The Yangtze belt's integration step for next year (its dose)."""
        m = self.model
        c = self.config
        if m.year >= m.config.end_year:
            return  # no next year in this run
        nxt = self.dose(m.year + 1)
        if nxt > 0.0 and c.integration:  # type: ignore[attr-defined]
            self.yreb_integration = float(integration_step(np.array(self.yreb_integration),
                                                           np.array(nxt * c.belt_rate)))  # type: ignore[attr-defined]

    def flow_outputs(self) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """This year's Xiong'an moves (made after the year's state was recorded)."""
        return ({"xiongan_firms_moved": self.moved_count.copy(),
                 "xiongan_capital_moved_100m_yuan": self.moved_capital.copy()},
                {"xiongan_firms_moved": float(self.moved_count[self.hebei])})

    # --- outputs -----------------------------------------------------------------------------
    def province_outputs(self) -> dict[str, np.ndarray]:
        m = self.model
        best = np.max(np.where(m.cluster_member, m.cluster_integration[:, None], 0.0), axis=0)
        return {
            "cluster_integration": best,
            "hainan_tax_relief_100m_yuan": self.tax_relief.copy(),
            "bri_external_demand_100m_yuan": ces_demand_value(m, self.ext_ces),
        }

    def national_outputs(self) -> dict[str, float]:
        m = self.model
        return {
            "yreb_integration": self.yreb_integration,
            "strategic_cluster_integration": float(m.cluster_integration[self.strategic].mean())
            if self.strategic.size else 0.0,
        }


RegionalStrategies.config_class = RegionalStrategiesConfig
RegionalStrategies.description = ("§4 national regional strategies: city-cluster and Yangtze River Economic "
                                  "Belt integration, Beijing → Xiong'an relocation, Hainan free trade "
                                  "port, Belt and Road demand.")
MECHANISM = RegionalStrategies

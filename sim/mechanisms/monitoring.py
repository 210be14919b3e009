"""Monitoring, evaluation and early warning of regional development (guideline §26 mid-term and
post evaluation of regional plans, §27 "establish an evaluation index system for coordinated
regional development … a regional development risk identification and early warning system").

Unlike the other mechanisms, monitoring is **on by default** (``enabled: true``): it changes
nothing in the economy (no money, people, firms or random draws), it only measures. Every year
it computes an indicator system on the state recorded for the year (population at production
time, GDP, the fiscal accounts, public services) and compares it with thresholds from the config
(``None`` switches a check off):

============================  ===============================================  ================
indicator (``indicator``)     definition                                       warns when
============================  ===============================================  ================
``gdp_pc_max_min``            development gap: highest / lowest GDP per capita  > threshold
``theil_t``                   development gap: Theil T of GDP per capita        > threshold
``ps_max_min``                public-service gap: highest / lowest service idx  > threshold
``south_north``               South / North GDP per capita                      > threshold
``market_access_rel``         infrastructure access: market access / mean       < threshold
``consumption_pc_rel``        living standards: consumption p.c. / national     < threshold
``population_change``         population shrinkage: annual change of residents  < threshold
``fiscal_dependence``         net central receipts / local spending             > threshold
``debt_to_gdp``               local government debt (year end) / GDP            > threshold
``ecological_quality``        ecological quality index (2020 = 1), if modelled  < threshold
============================  ===============================================  ================

The first four are national (``province = "national"``), the others by province. Market access
is ``MA_is = Σ_j E_js P_js^(σ−1) τ_ij^(1−σ)`` of the trade equilibrium (``model.equilibrium``),
relative to the provinces' mean in each CES sector and averaged geometrically over the sectors.
Net central receipts are every ledger flow CENTRAL → province minus province → CENTRAL (central
transfers, earmarked and mechanism transfers, the pension pool). Population change compares
residents with the previous year's record (0 in the first year).

Warnings (year ≥ ``start_year`` while enabled) are appended to ``model.warnings``, a list of dicts
``{year, province, indicator, value, threshold}`` written as ``warnings.parquet``. The indicators
are computed when the model records the year (``province_outputs``), so that they describe the
same state as the year's rows of the tables; ``after_step`` only makes sure that has happened.
Province columns ``mon_<indicator>`` and ``mon_warnings``; national ``mon_<indicator>`` for the
national indicators and ``mon_warnings`` (the year's count).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel

#: indicator → (scope, direction): "max" warns above the threshold, "min" below it.
INDICATORS: dict[str, tuple[str, str]] = {
    "gdp_pc_max_min": ("national", "max"),
    "theil_t": ("national", "max"),
    "ps_max_min": ("national", "max"),
    "south_north": ("national", "max"),
    "market_access_rel": ("province", "min"),
    "consumption_pc_rel": ("province", "min"),
    "population_change": ("province", "min"),
    "fiscal_dependence": ("province", "max"),
    "debt_to_gdp": ("province", "max"),
    "ecological_quality": ("province", "min"),
}
WARNING_COLUMNS: tuple[str, ...] = ("year", "province", "indicator", "value", "threshold")


class MonitoringConfig(MechanismSection):
    """Indicator system and early-warning thresholds (§26–27); on by default. ``None`` switches a
    check off; ``intensity`` and ``phase_in_years`` are not used."""

    enabled: bool = param(True, unit="switch", source="guideline §27 (monitoring in every scenario)",
                          description="Whether warnings are issued (the indicators are recorded "
                          "either way). On by default: monitoring changes nothing in the economy.")
    gdp_pc_max_min_max: float | None = param(
        5.0, unit="ratio", ge=1.0, le=1000.0,
        source="assumption: ≈ 10% above the 2020 ratio 4.6 (NBS 2020 GDP per capita, Beijing / Gansu)",
        description="Warn when the highest / lowest provincial GDP per capita exceeds this.",
    )
    theil_t_max: float | None = param(
        0.07, unit="Theil T index", ge=0.0, le=10.0,
        source="assumption: ≈ 10% above the model's 2020 value 0.062 (NBS 2020 GDP and population)",
        description="Warn when the Theil T of GDP per capita across provinces exceeds this.",
    )
    ps_max_min_max: float | None = param(
        4.0, unit="ratio", ge=1.0, le=1000.0,
        source="assumption: ≈ 10% above the 2020 ratio 3.7 of local spending per resident "
        "(Shanghai / Guangxi, provinces.csv)",
        description="Warn when the highest / lowest public-service index exceeds this.",
    )
    south_north_max: float | None = param(
        1.4, unit="ratio", ge=0.0, le=1000.0,
        source="assumption: ≈ 10% above the model's 2020 value 1.26 (NBS 2020, Qinling–Huaihe split "
        "of provinces.csv)",
        description="Warn when South / North GDP per capita exceeds this (the North falling behind).",
    )
    market_access_rel_min: float | None = param(
        0.4, unit="share of the provinces' mean market access", ge=0.0, le=1000.0,
        source="assumption (in 2020 Tibet 0.30, Xinjiang 0.41 and Qinghai 0.45 of the mean are "
        "the most remote; warn when a province falls to Tibet's range)",
        description="Warn for a province whose market access (infrastructure and trade access) "
        "falls below this.",
    )
    consumption_pc_rel_min: float | None = param(
        0.5, unit="share of national consumption per capita", ge=0.0, le=1000.0,
        source="OECD relative poverty line: 50% of the median income (convention), applied to the mean",
        description="Warn for a province whose consumption per capita falls below this.",
    )
    population_change_min: float | None = param(
        -0.01, unit="annual change of residents (share)", ge=-1.0, le=1.0,
        source="assumption (Heilongjiang lost ≈ 1.8% a year 2010–2020: 38.3 → 31.9 million, "
        "censuses 2010 and 2020, RECALLED)",
        description="Warn for a province whose resident population changes by less than this "
        "(shrinks faster).",
    )
    fiscal_dependence_max: float | None = param(
        0.7, unit="net central receipts / local spending", ge=0.0, le=1000.0,
        source="assumption (2020 national: transfers 8.32 / local spending 21.05 trillion yuan = 0.40, "
        "national.csv)",
        description="Warn for a province that depends on the centre for more than this share of its "
        "spending.",
    )
    debt_to_gdp_max: float | None = param(
        0.3, unit="local government debt / GDP", ge=0.0, le=1000.0,
        source="assumption: ≈ the MoF warning line of a 100% debt ratio (debt / comprehensive fiscal "
        "capacity, RECALLED) × 2020 local comprehensive fiscal capacity ≈ 26% of GDP (RECALLED), "
        "rounded up",
        description="Warn for a province whose local government debt exceeds this share of GDP.",
    )
    ecological_quality_min: float | None = param(
        0.95, unit="ecological quality index (2020 = 1)", ge=0.0, le=1000.0,
        source="assumption (a 5% deterioration from 2020)",
        description="Warn for a province whose ecological quality falls below this (when the model "
        "tracks it).",
    )


def _threshold_field(indicator: str) -> str:
    return f"{indicator}_{INDICATORS[indicator][1]}"


class Monitoring(Mechanism):
    """Yearly indicator system and early warnings (§26–27)."""

    key: ClassVar[str] = "monitoring"
    clauses: ClassVar[str] = "§26, §27"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        self.year_done: int | None = None
        self.prev_population: np.ndarray | None = None
        self.national: dict[str, float] = {}
        self.province: dict[str, np.ndarray] = {}
        self.year_warnings: list[dict[str, Any]] = []

    # --- indicators ----------------------------------------------------------------------------
    def market_access(self) -> np.ndarray:
        """Market access (n, 3) of the year's equilibrium (recomputed for the calibrated start
        year, whose equilibrium does not store it)."""
        m = self.model
        ma = np.asarray(m.equilibrium.market_access, dtype=float)
        if np.any(ma > 0):
            return ma
        from sim.economy import trade
        from sim.economy.sectors import CES_SECTORS

        sigma = m.config.trade.sigma
        income = np.asarray(m.gdp, dtype=float)
        return trade.market_access(m.exp_share[:, CES_SECTORS] * income[:, None],
                                   m.equilibrium.ces_price_index, m.tau ** (1.0 - sigma), sigma)

    def central_receipts(self) -> np.ndarray:
        """Net receipts of every province from the central government this year."""
        m = self.model
        led = m.ledger
        n, central = m.n, led.CENTRAL
        out = np.zeros(n)
        for p, r, a in zip(led.payers, led.receivers, led.amounts, strict=True):
            into = (p == central) & (r < n)
            out += np.bincount(r[into], weights=a[into], minlength=n)
            back = (r == central) & (p < n)
            out -= np.bincount(p[back], weights=a[back], minlength=n)
        return out

    def indicators(self) -> tuple[dict[str, float], dict[str, np.ndarray]]:
        """The year's national and provincial indicators."""
        from sim import metrics

        m = self.model
        pop = m.population.astype(float)
        gdp = np.asarray(m.gdp, dtype=float)
        gdp_pc = gdp / pop
        ps = np.asarray(m.service_index, dtype=float)
        consumption = (1.0 - m.investment_rate()) * gdp
        nat = {
            "gdp_pc_max_min": float(gdp_pc.max() / gdp_pc.min()),
            "theil_t": float(metrics.theil_t(gdp, pop)),
            "ps_max_min": float(ps.max() / ps.min()),
            "south_north": float(metrics.north_south_ratio(gdp, pop, m.is_north)),
        }
        ma = self.market_access()
        ma_rel = np.exp(np.log(ma / ma.mean(axis=0, keepdims=True)).mean(axis=1))
        change = (np.zeros(m.n) if self.prev_population is None
                  else pop / self.prev_population - 1.0)
        quality = getattr(m, "ecological_quality", None)
        prov = {
            "market_access_rel": ma_rel,
            "consumption_pc_rel": (consumption / pop) / (consumption.sum() / pop.sum()),
            "population_change": change,
            "fiscal_dependence": self.central_receipts() / np.maximum(m.local_spending, 1e-300),
            "debt_to_gdp": np.asarray(m.debt, dtype=float) / gdp,
            "ecological_quality": (np.ones(m.n) if quality is None
                                   else np.asarray(quality, dtype=float).copy()),
        }
        return nat, prov

    def check(self, nat: dict[str, float], prov: dict[str, np.ndarray]) -> list[dict[str, Any]]:
        """Warnings of the year: every indicator beyond its threshold."""
        m = self.model
        c = self.config
        out: list[dict[str, Any]] = []
        for name, (scope, direction) in INDICATORS.items():
            threshold = getattr(c, _threshold_field(name))
            if threshold is None:
                continue
            if name == "ecological_quality" and getattr(m, "ecological_quality", None) is None:
                continue
            values = np.array([nat[name]]) if scope == "national" else prov[name]
            labels = ["national"] if scope == "national" else m.province_names
            bad = values > threshold if direction == "max" else values < threshold
            for i in np.flatnonzero(bad):
                out.append({"year": int(m.year), "province": str(labels[i]), "indicator": name,
                            "value": float(values[i]), "threshold": float(threshold)})
        return out

    def update(self) -> None:
        """Compute the year's indicators and warnings once (at the year's record)."""
        m = self.model
        if self.year_done == m.year:
            return
        self.national, self.province = self.indicators()
        self.year_warnings = self.check(self.national, self.province) if self.active(m.year) else []
        m.warnings.extend(self.year_warnings)
        self.prev_population = m.population.astype(float).copy()
        self.year_done = m.year

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        m = self.model
        if getattr(m, "warnings", None) is None:
            m.warnings = []

    def after_step(self) -> None:
        self.update()

    def province_outputs(self) -> dict[str, np.ndarray]:
        m = self.model
        if getattr(m, "warnings", None) is None:  # the start year is recorded before setup()
            m.warnings = []
        self.update()
        count = np.zeros(m.n)
        index = {name: i for i, name in enumerate(m.province_names)}
        for w in self.year_warnings:
            if w["province"] in index:
                count[index[w["province"]]] += 1
        out = {f"mon_{k}": v for k, v in self.province.items()}
        out["mon_warnings"] = count
        return out

    def national_outputs(self) -> dict[str, float]:
        self.update()
        out = {f"mon_{k}": v for k, v in self.national.items()}
        out["mon_warnings"] = float(len(self.year_warnings))
        return out


Monitoring.config_class = MonitoringConfig
Monitoring.description = ("§26–27 monitoring, evaluation and early warning: a yearly indicator system "
                          "with thresholds and a warnings table (on by default).")
MECHANISM = Monitoring

__all__ = ["INDICATORS", "MECHANISM", "WARNING_COLUMNS", "Monitoring", "MonitoringConfig"]

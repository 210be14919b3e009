"""Land–sea coordination: the marine economy of the 11 coastal provinces (guideline §6: "promote
the construction of a number of marine economic demonstration zones … strictly control
reclamation … integration of land and sea ecological protection").

**Marine economy in 2020.** National gross ocean product ``M = 80 010`` ×10⁸ yuan, 7.9% of GDP
(MNR, China Marine Economy Statistical Bulletin 2020, RECALLED). The data pack has no provincial
series, so it is split across the coastal provinces (column ``coastal``: LN, HE, TJ, SD, JS, SH,
ZJ, FJ, GD, GX, HI) in proportion to their 2020 GDP (the documented rule):

    m_i = M · GDP_i,2020 / Σ_coastal GDP_2020,     s_i = m_i / GDP_i,2020

so every coastal province starts with the same marine share ``s = M / Σ_coastal GDP ≈ 14.9%``
(inland provinces 0). Published provincial figures differ more (single-digit shares in Hebei,
Jiangsu and Guangxi, a quarter or more in Tianjin, Fujian and Hainan, RECALLED); the rule keeps the
national total and the coastal split of GDP.

**Marine productivity.** Demonstration zones, planning and better sea-area allocation raise the
productivity of the marine economy by ``g = marine_productivity_growth`` a year (times the dose)
above its land counterpart; the marine productivity index

    Z_t = Π_{τ=start..t} (1 + dose_τ · g),   Z = 1 before the start

lifts a coastal province's TFP in proportion to its marine share, net of the cost of the strict
control of reclamation (coastal-zone protection: less cheap land from the sea, a level cost of
``reclamation_cost`` of marine value added, times the dose):

    TFP multiplier_i,t = 1 + s_i · (Z_t − 1 − dose_t · reclamation_cost)     (coastal i)

(hook ``tfp_multiplier``; 1 inland and when the mechanism is off).

**Outputs.** ``marine_share`` = s_i Z_t / (1 + s_i (Z_t − 1)) (the marine sector grows with its
relative productivity) and ``marine_gdp_100m_yuan`` = marine share × GDP by province; nationally
``marine_gdp_100m_yuan`` and ``marine_share_of_gdp``. No money moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel


class LandSeaConfig(MechanismSection):
    """Marine economy of the coastal provinces: productivity up, reclamation controlled (§6)."""

    marine_gdp_2020_100m_yuan: float = param(
        80010.0, unit="100 million yuan", gt=0.0, le=500000.0,
        source="MNR, China Marine Economy Statistical Bulletin 2020: gross ocean product 80 010 "
        "×10⁸ yuan, 7.9% of GDP (RECALLED)",
        description="National marine GDP in 2020, split across coastal provinces by their GDP.",
    )
    marine_productivity_growth: float = param(
        0.01, unit="per year", ge=0.0, le=0.1,
        source="assumption (marine demonstration zones and sea-area markets add one point a year "
        "to marine productivity growth)",
        description="Extra productivity growth of the marine economy at dose 1.",
    )
    reclamation_cost: float = param(
        0.005, unit="share of marine value added", ge=0.0, le=0.2,
        source="assumption (strict control of reclamation since 2018, State Council notice on "
        "coastal wetlands and reclamation, Guo Fa [2018] 24, RECALLED: land from the sea becomes "
        "scarce)",
        description="Level cost of coastal-zone protection (no new reclamation) at dose 1.",
    )


class LandSea(Mechanism):
    """Marine productivity of coastal provinces, net of the reclamation control."""

    key: ClassVar[str] = "land_sea"
    clauses: ClassVar[str] = "§6"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        pr = model.data.provinces
        self.coastal = pr["coastal"].to_numpy(int) == 1
        gdp = pr["gdp2020_100m_yuan"].to_numpy(float)
        c = self.config
        self.marine_2020 = np.where(
            self.coastal, c.marine_gdp_2020_100m_yuan * gdp / gdp[self.coastal].sum(), 0.0)  # type: ignore[attr-defined]
        self.marine_share_2020 = self.marine_2020 / gdp
        self._z: dict[int, float] = {}

    def productivity_index(self, year: int) -> float:
        """Z_t: cumulative marine productivity gain up to ``year`` (1 before the start)."""
        if year in self._z:
            return self._z[year]
        g = self.config.marine_productivity_growth  # type: ignore[attr-defined]
        start = self.model.config.start_year
        z = 1.0
        for y in range(start + 1, year + 1):
            z *= 1.0 + self.dose(y) * g
        self._z[year] = z
        return z

    def multiplier(self, year: int) -> np.ndarray:
        z = self.productivity_index(year)
        cost = self.dose(year) * self.config.reclamation_cost  # type: ignore[attr-defined]
        return 1.0 + self.marine_share_2020 * (z - 1.0 - cost)

    def marine_share(self) -> np.ndarray:
        z = self.productivity_index(self.model.year)
        s = self.marine_share_2020
        return s * z / (1.0 + s * (z - 1.0))

    # --- hooks -------------------------------------------------------------------------------
    def tfp_multiplier(self) -> np.ndarray | None:
        year = self.model.year
        if self.productivity_index(year) == 1.0 and self.dose(year) == 0.0:
            return None
        return self.multiplier(year)

    def province_outputs(self) -> dict[str, np.ndarray]:
        share = self.marine_share()
        return {"marine_share": share, "marine_gdp_100m_yuan": share * self.model.gdp}

    def national_outputs(self) -> dict[str, float]:
        marine = float((self.marine_share() * self.model.gdp).sum())
        return {"marine_gdp_100m_yuan": marine,
                "marine_share_of_gdp": marine / float(self.model.gdp.sum())}


LandSea.config_class = LandSeaConfig
LandSea.description = ('§6 land–sea coordination: marine productivity of the 11 coastal provinces, '
                       'net of the cost of strict reclamation control.')
MECHANISM = LandSea

"""Water-rights trading among provinces (guideline §9: "promote market-oriented trading of water
rights"), on the engine of the carbon market (:mod:`sim.mechanisms.rights_market`).

Water use has no provincial series in the data pack, so it is derived from national totals by a
documented rule:

* 2020 national use ``W = 581.29`` billion m³, of which agriculture 62.1%, industry 17.7% and
  domestic plus ecological use 20.2% (MWR Water Resources Bulletin 2020: 5812.9, 3612.4, 1030.4,
  863.1 + 307.0 ×10⁸ m³, RECALLED);
* agricultural use is split in proportion to agricultural real output, industrial use in
  proportion to the real output of resources and the three manufacturing sectors, domestic and
  ecological use in proportion to population;
* later years: the 2020 use per unit of agricultural and industrial output falls by
  ``use_intensity_decline`` a year; use per resident is constant.

The cap, allocation, MAC curves (``c_i`` scaled by water use per unit of GDP), clearing, payments
(ledger kind ``water_rights``, buyer province → seller province) and the TFP cost follow the
carbon market. Outputs: ``water_price`` (yuan/m³), ``water_trades`` (m³ bought, negative = sold),
``water_abatement`` (share of baseline use saved).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import model_validator

from sim.config.params import param
from sim.mechanisms.rights_market import RightsMarket, RightsMarketSection


class WaterRightsConfig(RightsMarketSection):
    """Cap-and-trade for water use among provinces (guideline §9)."""

    national_use_2020_bn_m3: float = param(
        581.29, unit="billion m³", gt=0.0, le=2000.0,
        source="MWR Water Resources Bulletin 2020: total water use 5812.9 ×10⁸ m³ (RECALLED)",
        description="National water use in 2020.",
    )
    agricultural_share_2020: float = param(
        0.621, unit="share of national water use", ge=0.0, le=1.0,
        source="MWR Water Resources Bulletin 2020: agriculture 3612.4 ×10⁸ m³ (RECALLED)",
        description="Agricultural use, split across provinces by agricultural real output.",
    )
    industrial_share_2020: float = param(
        0.177, unit="share of national water use", ge=0.0, le=1.0,
        source="MWR Water Resources Bulletin 2020: industry 1030.4 ×10⁸ m³ (RECALLED)",
        description="Industrial use, split by the real output of resources and manufacturing; "
        "the rest (domestic and ecological) is split by population.",
    )
    use_intensity_decline: float = param(
        0.034, unit="per year", ge=0.0, le=0.3,
        source="14th FYP: water use per unit of GDP −16% over 2021–2025 (RECALLED) ≈ 3.4%/yr",
        description="Annual decline of agricultural and industrial water use per unit of output.",
    )
    cap_decline: float = param(
        0.0, unit="per year", ge=0.0, le=0.5,
        source="assumption: national use held at its 2020 level (total water-use control of the "
        "'three red lines'; national use roughly flat at ≈ 600 billion m³ since 2013, RECALLED)",
        description="Annual decline of the national cap from the start year.",
    )
    mac_reference_price: float = param(
        1.0, unit="yuan per m³", ge=0.001, le=100.0,
        source="assumption (order of magnitude of water-rights transfer prices in China, RECALLED, "
        "unverified)",
        description="Marginal cost of saving water in a province of average water use per GDP at "
        "the reference saving.",
    )
    mac_reference_abatement: float = param(
        0.05, unit="share of baseline use", gt=0.0, le=1.0, source="assumption",
        description="Saving at which the MAC equals mac_reference_price.",
    )
    gamma: float = param(
        1.6, unit="curvature of the MAC curve", gt=0.0, le=10.0,
        source="assumption (as the carbon market)",
        description="MAC_i(a) = c_i · a^gamma.",
    )

    @model_validator(mode="after")
    def _shares(self) -> WaterRightsConfig:
        if self.agricultural_share_2020 + self.industrial_share_2020 > 1.0:
            raise ValueError("agricultural_share_2020 + industrial_share_2020 must not exceed 1")
        return self


class WaterRights(RightsMarket):
    """National cap-and-trade for water use among the 31 provinces."""

    key: ClassVar[str] = "water_rights"
    clauses: ClassVar[str] = "§9"
    quantity: ClassVar[str] = "water"
    ledger_kind: ClassVar[str] = "water_rights"
    unit_to_100m: ClassVar[float] = 1e-8  # yuan/m³ × m³ → 100 million yuan

    def setup(self) -> None:
        from sim.economy.sectors import AGR, HTM, RES

        m = self.model
        c = self.config
        q = m.equilibrium.quantity
        self._ind_cols = np.arange(RES, HTM + 1)
        w = c.national_use_2020_bn_m3 * 1e9  # type: ignore[attr-defined]
        agr, ind = c.agricultural_share_2020, c.industrial_share_2020  # type: ignore[attr-defined]
        self.per_agr_output = agr * w / q[:, AGR].sum()
        self.per_ind_output = ind * w / q[:, self._ind_cols].sum()
        self.per_resident = (1.0 - agr - ind) * w / float(m.population.sum())
        super().setup()

    def baseline(self) -> np.ndarray:
        """Water use without the market this year, m³."""
        from sim.economy.sectors import AGR

        m = self.model
        trend = (1.0 - self.config.use_intensity_decline) ** (m.year - m.config.start_year)  # type: ignore[attr-defined]
        q = m.equilibrium.quantity
        return (trend * (self.per_agr_output * q[:, AGR] + self.per_ind_output * q[:, self._ind_cols].sum(axis=1))
                + self.per_resident * m.population.astype(float))

    def province_outputs(self) -> dict[str, np.ndarray]:
        out = super().province_outputs()
        out["water_use_m3"] = self.use
        return out


WaterRights.config_class = WaterRightsConfig
WaterRights.description = '§9 water-rights trading among provinces (cap-and-trade).'
MECHANISM = WaterRights

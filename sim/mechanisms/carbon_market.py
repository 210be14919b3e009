"""Carbon emissions trading among provinces (guideline §9: "carbon emissions rights ... trading
markets").

A national cap on CO2, allocated free to the provinces and traded at one clearing price; the engine
is :func:`sim.mechanisms.rights_market.clear_market`.

* Baseline emissions ``e_i`` = the model's CO2 by province this year (``model.emissions()``:
  sectoral intensities × output, scaled to the 2020 national total and falling with the
  carbon-intensity trend).
* Cap ``C_t = E_2020 · cap_start_share · (1 − cap_decline)^(t − start_year)``; the dose ``d``
  (intensity × phase-in) scales the required cut: cap used = ``Σe − d · max(0, Σe − C_t)``.
* Free allocation: grandfathering (2020 emission shares) or output-based (current baseline shares).
* MAC curves ``MAC_i(a) = c_i a^γ`` (yuan per tonne, ``a`` = abatement share of the baseline),
  ``c_i = c_ref · (κ_i / κ̄)^(−θ)`` with carbon intensity ``κ_i = e_i / GDP_i`` and
  ``c_ref = p_ref / a_ref^γ``: the reference price ``p_ref`` is the MAC of a cut ``a_ref`` in a
  province of average intensity; abating is cheaper where carbon intensity is high (θ > 0).
* Permit payments: ledger flows ``carbon_allowances`` buyer province → seller province.
* The abatement cost ``c_i e_i a_i^(γ+1)/(γ+1)`` as a share of GDP lowers the province's TFP the
  next year. Emissions after the market are ``e_i (1 − a_i)`` (hook ``emissions``).

Outputs on the model: ``carbon_price`` (yuan/t), ``carbon_trades`` (t, net allowances bought by
province, negative = sold) and ``carbon_abatement`` (share of baseline).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.rights_market import RightsMarket, RightsMarketSection


class CarbonMarketConfig(RightsMarketSection):
    """Cap-and-trade for CO2 among provinces (guideline §9)."""

    cap_decline: float = param(
        0.0, unit="per year", ge=0.0, le=0.5,
        source="assumption: cap held at the 2020 level, in line with China's pledge to peak CO2 "
        "before 2030 (2020, RECALLED); raise it for a falling cap",
        description="Annual decline of the national cap from the start year.",
    )
    mac_reference_price: float = param(
        50.0, unit="yuan per tonne CO2", ge=0.1, le=10000.0,
        source="China national ETS allowance prices ≈ 40–60 yuan/t in 2021–2023 (RECALLED)",
        description="Marginal abatement cost of a province of average carbon intensity at the "
        "reference abatement.",
    )
    mac_reference_abatement: float = param(
        0.05, unit="share of baseline emissions", gt=0.0, le=1.0,
        source="assumption: the early national ETS price taken as the cost of a 5% cut",
        description="Abatement at which the MAC equals mac_reference_price.",
    )
    gamma: float = param(
        1.6, unit="curvature of the MAC curve", gt=0.0, le=10.0,
        source="Nordhaus DICE-2016R: abatement cost ∝ μ^2.6, i.e. MAC ∝ μ^1.6 (RECALLED)",
        description="MAC_i(a) = c_i · a^gamma.",
    )


class CarbonMarket(RightsMarket):
    """National cap-and-trade for CO2 among the 31 provinces."""

    key: ClassVar[str] = "carbon_market"
    clauses: ClassVar[str] = "§9"
    quantity: ClassVar[str] = "carbon"
    ledger_kind: ClassVar[str] = "carbon_allowances"
    unit_to_100m: ClassVar[float] = 1e-8  # yuan/t × t → 100 million yuan

    def baseline(self) -> np.ndarray:
        """CO2 without the market this year, tonnes (before this year's abatement)."""
        m = self.model
        if self._cleared_year == m.year:  # the model's emissions() already applies the market
            return self.history[-1]["baseline"]  # type: ignore[return-value]
        return np.asarray(m.emissions(after_mechanisms=False), dtype=float).copy()

    def emissions(self, emissions: np.ndarray) -> np.ndarray:
        if self._cleared_year == self.model.year:
            return emissions * (1.0 - self.abatement)
        return emissions


CarbonMarket.config_class = CarbonMarketConfig
CarbonMarket.description = '§9 carbon emissions trading among provinces (cap-and-trade).'
MECHANISM = CarbonMarket

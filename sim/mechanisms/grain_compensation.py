"""Benefit compensation between the main grain-producing and main grain-selling areas (guideline
§18: "increase support for major grain producing areas … jointly safeguard national food
security"), with the farmland red line.

Provinces by ``grain_zone`` (provinces.csv): 13 ``main_producing`` (HL, JL, LN, IM, HE, HA, SD, JS,
AH, JX, HB, HN, SC), 7 ``main_selling`` (BJ, TJ, SH, ZJ, FJ, GD, HI), 11 ``balanced``.

**Grain output** by province follows its agriculture sector's real output:

    G_i,t = G_i,2020 · Q_i,AGR,t / Q_i,AGR,2020

with ``G_i,2020`` = ``grain_output2020_10k_t`` (sums to the NBS national 669.49 Mt) and ``Q`` the
real output of the agriculture sector (tonnes; output ``grain_output_t``).

**Payments** (hook ``fiscal``, ledger kind ``grain_compensation``, seller → producer). Every year
the selling provinces together pay the producing provinces a fixed amount per tonne of the
producers' grain:

    T_t = dose_t · rate · Σ_p G_p,t
    pay_s→p = T_t · (N_s / Σ_sellers N) · (G_p,t / Σ_producers G)

where ``rate`` is in yuan per tonne and ``N_s`` the seller's population (grain consumption ∝
population). As the budgets balance through local spending, the payments raise the producers'
and lower the sellers' public spending.

**Farmland red line.**

* Agriculture may move or enter as an out-of-province entrant only into main producing
  provinces: the relocation and entry cost of sector AGR from any other province into a
  non-producing province is prohibitive (hook ``relocation_cost`` on the model's sector × origin
  × destination costs), so agricultural firms of the producing provinces cannot relocate out of
  the producing zone. Local start-ups elsewhere are not moves and stay allowed (the red line
  protects farmland in the producing zone; it does not ban farming outside it). With the default
  ``firms.relocating_sectors`` agriculture does not relocate, so the rule binds on entrants that
  choose a province (``firms.home_entry_share``) and on scenarios that make agriculture mobile.
* A national floor ``grain_floor_10k_t`` (650 Mt, the national grain capacity target): when
  national output ``G_t`` falls below it, agricultural productivity in the producing provinces is
  raised, from the next year on, by the share of the shortfall that the producers' output must
  make up (farmland construction, seed and machinery support; holding inputs fixed):

      S_p,t+1 = S_p,t · (1 + min(dose_t, 1) · (floor − G_t) / Σ_producers G_p,t),   S_p,2020 = 1

  applied to the agriculture sector's relative TFP of the producers (hook ``sector_tfp``: the
  mechanism returns the ``B`` it is given with ``B_p,AGR · S_p``; the model's own
  ``tfp_relative`` is never changed). Support, once given, stays. The
  support is real (a TFP shift) and not financed in the ledger.

Outputs: ``grain_output_t``, ``grain_support`` (S), ``grain_compensation_paid_100m_yuan`` and
``_received_100m_yuan`` by province; national ``grain_output_t`` and ``grain_floor_t``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel

LEDGER_KIND = "grain_compensation"
UNIT_TONNES = 1e4  # grain_output2020_10k_t → tonnes
PROHIBITIVE = 1e6  # years of value added: a move nobody makes


class GrainCompensationConfig(MechanismSection):
    """Selling provinces pay producing provinces per tonne of grain; farmland red line (§18)."""

    rate_yuan_per_t: float = param(
        50.0, unit="yuan per tonne of the producers' grain", ge=0.0, le=2000.0,
        source="assumption of the order of the central rewards to major grain-producing counties "
        "(several tens of billions of yuan a year over ≈ 520 Mt from the 13 main producing "
        "provinces, ≈ 50–100 yuan/t, Ministry of Finance, RECALLED)",
        description="What the selling provinces together pay per tonne of the producers' grain.",
    )
    grain_floor_10k_t: float = param(
        65000.0, unit="10 thousand tonnes", ge=0.0, le=200000.0,
        source="national target: grain output kept above 650 million tonnes (14th Five-Year Plan "
        "and No. 1 central documents 2021–2023, RECALLED)",
        description="National grain output below which agricultural productivity of the "
        "producing provinces is supported.",
    )
    max_support_step: float = param(
        0.2, unit="share (one year's rise of the support factor)", ge=0.0, le=1.0,
        source="assumption (capacity cannot be built overnight)",
        description="Largest yearly rise of the producers' agricultural TFP support.",
    )
    red_line: bool = param(
        True, unit="switch", source="guideline §18; farmland red line (1.8 billion mu, RECALLED)",
        description="Agriculture may move or enter only into main producing provinces.",
    )


class GrainCompensation(Mechanism):
    """Payments per tonne from selling to producing provinces; farmland red line and floor."""

    key: ClassVar[str] = "grain_compensation"
    clauses: ClassVar[str] = "§18"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        pr = model.data.provinces
        zone = pr["grain_zone"].to_numpy(str)
        self.producers = np.flatnonzero(zone == "main_producing")
        self.sellers = np.flatnonzero(zone == "main_selling")
        self.grain_2020 = pr["grain_output2020_10k_t"].to_numpy(float) * UNIT_TONNES
        n = model.n
        self.q_2020 = np.ones(n)
        self.support = np.ones(n)
        self.paid = np.zeros(n)
        self.received = np.zeros(n)
        self.history: list[dict[str, object]] = []

    def grain_output(self) -> np.ndarray:
        """Grain output by province this year, tonnes."""
        from sim.economy.sectors import AGR

        q = self.model.equilibrium.quantity[:, AGR]
        return self.grain_2020 * q / np.maximum(self.q_2020, 1e-300)

    @property
    def floor_t(self) -> float:
        return float(self.config.grain_floor_10k_t) * UNIT_TONNES  # type: ignore[attr-defined]

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        from sim.economy.sectors import AGR

        self.q_2020 = self.model.equilibrium.quantity[:, AGR].copy()

    def fiscal(self) -> None:
        m = self.model
        n = m.n
        self.paid, self.received = np.zeros(n), np.zeros(n)
        if self.dose(m.year) == 0.0 or self.producers.size == 0 or self.sellers.size == 0:
            return
        grain = self.grain_output()
        g_prod = grain[self.producers]
        total = self.dose(m.year) * self.config.rate_yuan_per_t * g_prod.sum() * 1e-8  # type: ignore[attr-defined]
        pop = m.population[self.sellers].astype(float)
        w_seller = pop / pop.sum()
        w_prod = g_prod / g_prod.sum()
        amount = total * np.outer(w_seller, w_prod)
        payer = np.repeat(self.sellers, self.producers.size)
        receiver = np.tile(self.producers, self.sellers.size)
        m.ledger.pay(LEDGER_KIND, payer, receiver, amount.ravel())
        self.paid[self.sellers] = amount.sum(axis=1)
        self.received[self.producers] = amount.sum(axis=0)
        self.history.append({"year": m.year, "total": total, "grain": grain.copy(),
                             "paid": self.paid.copy(), "received": self.received.copy()})

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        year = self.model.year
        if (np.ndim(cost) != 3 or self.dose(year) == 0.0
                or not self.config.red_line):  # type: ignore[attr-defined]
            return cost  # an origin × destination matrix cannot single out agriculture
        from sim.economy.sectors import AGR

        out = np.array(cost, dtype=float, copy=True)
        others = np.setdiff1d(np.arange(self.model.n), self.producers)
        # no agricultural firm moves or enters from another province into a non-producing one
        # (the diagonal, staying or a local start-up, is not a move: the logit ignores it)
        out[AGR][:, others] = PROHIBITIVE
        return out

    def after_step(self) -> None:
        """Raise the producers' agricultural TFP when national grain output is below the floor."""
        m = self.model
        dose = self.dose(m.year)
        if dose == 0.0 or self.producers.size == 0:
            return
        grain = self.grain_output()
        short = self.floor_t - grain.sum()
        if short <= 0.0:
            return

        step = min(min(dose, 1.0) * short / grain[self.producers].sum(),
                   self.config.max_support_step)  # type: ignore[attr-defined]
        self.support[self.producers] *= 1.0 + step

    def sector_tfp(self, tfp_relative: np.ndarray) -> np.ndarray:
        """The producers' agricultural relative TFP times the support of the past years."""
        if (self.support == 1.0).all():
            return tfp_relative
        from sim.economy.sectors import AGR

        out = np.array(tfp_relative, dtype=float, copy=True)
        out[:, AGR] *= self.support
        return out

    def province_outputs(self) -> dict[str, np.ndarray]:
        return {"grain_output_t": self.grain_output(), "grain_support": self.support.copy(),
                "grain_compensation_paid_100m_yuan": self.paid,
                "grain_compensation_received_100m_yuan": self.received}

    def national_outputs(self) -> dict[str, float]:
        return {"grain_output_t": float(self.grain_output().sum()), "grain_floor_t": self.floor_t}


GrainCompensation.config_class = GrainCompensationConfig
GrainCompensation.description = ('§18 grain compensation: main selling provinces pay main producing '
                                 'provinces per tonne of grain; farmland red line and output floor.')
MECHANISM = GrainCompensation

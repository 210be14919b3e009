"""Unified urban–rural construction-land market and preferential land quotas (guideline §7
"promote the establishment of a unified urban and rural construction land market"; §23 "ensure
the demand for land for major infrastructure and livelihood projects across regions, and implement
preferential construction land planning indicators for border and special difficult areas").

China allocates new construction land by annual plan quotas (planning indicators) per province.
The core model has no land, so this mechanism adds a land account per province and scores the
reform against the 2020 quota regime, which it runs alongside as a counterfactual:

**Land demand.** Construction land follows output: a province whose real value added ``Y_i,t``
(2020 prices) exceeds the output its construction land supports, its *capacity* ``C_i,t−1``, needs
``N_i,t = max(0, Y_i,t − C_i,t−1)`` of new capacity (land per unit of output is the national
indicator "construction land per unit of GDP"). Capacity starts at the 2020 output (``C_i,2020 =
Y_i,2020``: land is not short in the calibrated start year).

**National quota.** The planner sets the year's national quota to ``coverage`` times the land the
country's growth needs, ``A_t = coverage · Σ_i max(0, Y_i,t − Y_i,t−1)`` (capacity units). In
hectares it is ``ℓ_t · A_t``: the land intensity ``ℓ_t`` (ha per 100 million yuan of output
growth) is set in the first year the account runs so that the national quota equals
``national_quota_ha`` (≈ 0.55 million ha, the Ministry of Natural Resources' yearly plan) and
falls by ``land_intensity_decline`` a year after that.

**2020 regime (counterfactual).** Quotas ``q⁰_i,t = A_t · s_i`` with fixed shares ``s_i``
(``allocation``: 2020 GDP shares by default — quotas follow the size of the economy in the plan,
not where growth happens). Unused quota adds to capacity (developed ahead of need or carried
over); a shortfall is met at the rate ``stock_redevelopment_rate`` by redeveloping existing
construction land:

    C⁰_i,t = C⁰_i,t−1 + q⁰_i,t + r · max(0, N⁰_i,t − q⁰_i,t)

**Reform** (dose ``d_t``), on the second capacity account ``C_i``:

1. *Preferential quotas* (§23): the border provinces (``land_border = 1``) and the provinces of the
   ``preferential_plates`` (the West: the "special difficult areas") get an extra
   ``d_t · preferential_share · A_t``, split among them in proportion to ``s_i``, on top of the
   national quota: ``q_i = q⁰_i + extra_i``.
2. *Unified market* (§7): provinces with spare quota ``spare_i = max(0, q_i − N_i)`` sell to
   provinces short of it ``short_i = max(0, N_i − q_i)``. The volume is
   ``V = min(1, d_t · tradable_share) · min(Σ spare, Σ short)``; seller i sells
   ``V · spare_i / Σ spare``, buyer j buys ``V · short_j / Σ short``, so trades sum to zero and
   no seller sells land it needs this year. One clearing price a year, between the seller's
   reservation price (the cost of reclaiming rural construction land) and the highest buyer price,
   rising with scarcity ``z = Σ short / (Σ short + Σ spare)``:

       p_t = price_min + (price_max − price_min) · z      (yuan per ha)

   Buyer j pays seller i ``p_t · ℓ_t · bought_j · sold_i / V`` (ledger kind ``land_quota``, buyer
   province → seller province, through the exchange that pools the trades).
3. Capacity: ``C_i,t = C_i,t−1 + q_i + net_i + r · max(0, N_i,t − q_i − net_i)``.

**Congestion.** A province whose output exceeds its land capacity is congested: TFP ∝
``min(1, C/Y)^η`` (``land_output_elasticity`` η). The model's calibrated growth path embodies the
2020 regime, so the mechanism multiplies TFP the next year by the reform's relief,

    M_i,t+1 = ( min(1, C_i,t / Y_i,t) / min(1, C⁰_i,t / Y_i,t) )^η

which is 1 where neither account binds, above 1 where the reform relaxed a binding quota, and
below 1 where a province sold spare quota that it later needs.

Outputs (province): ``land_quota_ha`` (quota after preference, before trade), ``land_quota_net_trade_ha``
(bought − sold), ``land_constraint`` (min(1, C/Y)) and ``land_constraint_2020_regime``; ledger
flows carry the money. National: ``land_quota_national_ha``, ``land_quota_traded_ha``,
``land_quota_price_yuan_per_ha``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import model_validator

from sim.config.names import PLATES, check_names
from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel

MU_PER_HA = 15.0
LEDGER_KIND = "land_quota"
FEE_KIND = "land_quota_fee"


class LandMarketConfig(MechanismSection):
    """Construction-land quotas: a unified market and preferential quotas (guideline §7, §23)."""

    national_quota_ha: float = param(
        550_000.0, unit="hectares per year", gt=0.0, le=5.0e6,
        source="Ministry of Natural Resources, yearly national land-use plans: new construction-land "
        "quota ≈ 0.5–0.6 million ha a year (RECALLED); midpoint",
        description="National new construction-land quota in the first year of the land account "
        "(sets the land intensity ℓ).",
    )
    coverage: float = param(
        1.0, unit="share of the land the national growth needs", gt=0.0, le=2.0, source="assumption",
        description="National quota relative to the year's land demand (1 = enough nationally; what "
        "binds is its allocation across provinces).",
    )
    allocation: Literal["gdp_2020", "population_2020"] = param(
        "gdp_2020", unit="rule",
        source="assumption: planning indicators follow the size of the economy in the plan, not where "
        "growth happens (Lu Ming and co-authors on the inland tilt of land supply after 2003)",
        description="Fixed shares of the national quota under the 2020 regime: 2020 GDP shares or 2020 "
        "population shares.",
    )
    land_intensity_decline: float = param(
        0.0436, unit="per year", ge=0.0, le=0.3,
        source="13th FYP: construction land per unit of GDP −20% over 2016–2020 (RECALLED) ≈ 4.4%/yr",
        description="Yearly fall of the land needed per unit of output growth (converts quotas to ha).",
    )
    land_output_elasticity: float = param(
        0.1, unit="elasticity of TFP to land per unit of output", ge=0.0, le=1.0,
        source="assumption: about twice the land share of income in the United States (≈ 5%, "
        "Valentinyi & Herrendorf 2008, Review of Economic Dynamics) for land-scarce Chinese cities",
        description="η: a province short of land (capacity C below output Y) has TFP ∝ (C/Y)^η.",
    )
    stock_redevelopment_rate: float = param(
        0.1, unit="share of the land shortfall per year", ge=0.0, le=1.0,
        source="assumption (redevelopment of existing construction land, 'stock land revitalisation')",
        description="Part of a province's shortfall met each year without new quota.",
    )
    tradable_share: float = param(
        1.0, unit="share of the smaller side of the market traded", ge=0.0, le=1.0,
        source="assumption (a unified market clears the short side)",
        description="Traded volume at dose 1 as a share of min(Σ spare, Σ short).",
    )
    price_min_yuan_per_ha: float = param(
        4.5e6, unit="yuan per ha", ge=0.0, le=1.0e9,
        source="General Office of the State Council 2018 No. 16, cross-provincial adjustment of surplus "
        "land quotas of deeply poor areas: seller price 300 000 yuan per mu reclaimed to ordinary "
        "farmland (RECALLED) × 15 mu/ha",
        description="Clearing price when quota is plentiful (sellers' reservation price).",
    )
    price_max_yuan_per_ha: float = param(
        10.5e6, unit="yuan per ha", ge=0.0, le=1.0e9,
        source="same document: buyer price 700 000 yuan per mu for Beijing and Shanghai, the highest "
        "(RECALLED) × 15 mu/ha",
        description="Clearing price when quota is scarce.",
    )
    preferential_share: float = param(
        0.06, unit="share of the national quota", ge=0.0, le=1.0,
        source="assumption sized like the special allocation of 600 mu a year to each of the 832 "
        "national poverty counties from 2016 (Ministry of Land and Resources, RECALLED): ≈ 33 000 ha ≈ 6% "
        "of the national quota",
        description="Extra quota for border and difficult provinces at dose 1, on top of the national "
        "quota.",
    )
    preferential_plates: list[str] = param(
        ["West"], unit="region plates (East, Central, West, Northeast)",
        source="guideline §23 ('special difficult areas'; the western development region)",
        description="Plates whose provinces get the preferential quota.",
    )
    preferential_land_border: bool = param(
        True, unit="switch", source="guideline §23 (border areas); provinces.csv column land_border",
        description="Provinces on the land border get the preferential quota.",
    )

    @model_validator(mode="after")
    def _prices(self) -> LandMarketConfig:
        if self.price_max_yuan_per_ha < self.price_min_yuan_per_ha:
            raise ValueError(f"price_max_yuan_per_ha {self.price_max_yuan_per_ha} must not be below "
                             f"price_min_yuan_per_ha {self.price_min_yuan_per_ha}")
        check_names(sorted(self.preferential_plates), PLATES, "plate", "preferential_plates")
        return self


class LandMarket(Mechanism):
    """Construction-land quotas per province, traded on a unified market; preferential quotas."""

    key: ClassVar[str] = "land_market"
    clauses: ClassVar[str] = "§7, §23"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        n = model.n
        c = self.config
        pr = model.data.provinces
        eligible = np.isin(model.plates, list(c.preferential_plates))  # type: ignore[attr-defined]
        if c.preferential_land_border:  # type: ignore[attr-defined]
            eligible |= pr["land_border"].to_numpy(int) == 1
        #: provinces that get the preferential quota (§23)
        self.eligible = eligible
        self.capacity = np.zeros(n)
        self.capacity_2020_regime = np.zeros(n)
        self.output = np.zeros(n)
        self.ell0: float | None = None
        self.ell_year = 0
        self.quota_ha = np.zeros(n)
        self.net_trade_ha = np.zeros(n)
        self.price = 0.0
        self.national_ha = 0.0
        self.traded_ha = 0.0
        self.paid = np.zeros(n)
        self.received = np.zeros(n)
        self.history: list[dict[str, object]] = []
        self._ready = False

    @property
    def enabled(self) -> bool:
        return bool(self.config.enabled)  # type: ignore[attr-defined]

    def shares(self) -> np.ndarray:
        """Fixed allocation shares of the 2020 regime."""
        m = self.model
        base = m.calibration.gdp if self.config.allocation == "gdp_2020" else m.population_start  # type: ignore[attr-defined]
        base = np.asarray(base, dtype=float)
        return base / base.sum()

    def intensity(self, year: int) -> float:
        """ℓ_t: hectares per 100 million yuan of output growth."""
        if self.ell0 is None:
            return 0.0
        return self.ell0 * (1.0 - self.config.land_intensity_decline) ** (year - self.ell_year)  # type: ignore[attr-defined]

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        y = self.model.equilibrium.quantity.sum(axis=1).astype(float)
        self.output = y.copy()
        self.capacity = y.copy()
        self.capacity_2020_regime = y.copy()
        self._ready = True

    def fiscal(self) -> None:
        m = self.model
        n = m.n
        self.paid, self.received = np.zeros(n), np.zeros(n)
        self.net_trade_ha = np.zeros(n)
        self.price, self.traded_ha = 0.0, 0.0
        if not self.enabled or not self._ready or m.year <= m.config.start_year:
            return  # the start year is the data: the land accounts begin with the first simulated year
        c = self.config
        year = m.year
        y = m.equilibrium.quantity.sum(axis=1).astype(float)
        demand_total = c.coverage * float(np.maximum(y - self.output, 0.0).sum())  # type: ignore[attr-defined]
        if self.ell0 is None and demand_total > 0:
            self.ell0 = c.national_quota_ha / demand_total  # type: ignore[attr-defined]
            self.ell_year = year
        ell = self.intensity(year)
        s = self.shares()
        r = c.stock_redevelopment_rate  # type: ignore[attr-defined]
        dose = self.dose(year)
        # 2020 regime (counterfactual account)
        q0 = demand_total * s
        need0 = np.maximum(y - self.capacity_2020_regime, 0.0)
        self.capacity_2020_regime = self.capacity_2020_regime + q0 + r * np.maximum(need0 - q0, 0.0)
        # reform: preferential quotas, then the unified market
        pref = s * self.eligible
        extra = dose * c.preferential_share * demand_total * pref / pref.sum() if pref.sum() > 0 else 0.0 * s  # type: ignore[attr-defined]
        q = q0 + extra
        need = np.maximum(y - self.capacity, 0.0)
        spare = np.maximum(q - need, 0.0)
        short = np.maximum(need - q, 0.0)
        volume = min(1.0, dose * c.tradable_share) * min(spare.sum(), short.sum())  # type: ignore[attr-defined]
        sold = volume * spare / spare.sum() if volume > 0 else np.zeros(n)
        bought = volume * short / short.sum() if volume > 0 else np.zeros(n)
        net = bought - sold
        total = spare.sum() + short.sum()
        scarcity = short.sum() / total if total > 0 else 0.0
        price = c.price_min_yuan_per_ha + (c.price_max_yuan_per_ha - c.price_min_yuan_per_ha) * scarcity  # type: ignore[attr-defined]
        payments = np.zeros((n, n))
        if volume > 0:
            buyers, sellers = np.flatnonzero(bought > 0), np.flatnonzero(sold > 0)
            value = price * ell * 1e-8 * bought[buyers][:, None] * (sold[sellers] / volume)[None, :]
            payments[np.ix_(buyers, sellers)] = value
            led = m.ledger
            # the land users of the buyer province pay for the quota (land conveyance fees) ...
            led.pay(FEE_KIND, led.PRIVATE, buyers, value.sum(axis=1))
            # ... and the buyer government pays the sellers through the exchange
            led.pay(LEDGER_KIND, np.repeat(buyers, sellers.size), np.tile(sellers, buyers.size),
                    value.ravel())
        after = q + net
        self.capacity = self.capacity + after + r * np.maximum(need - after, 0.0)
        self.output = y
        self.paid, self.received = payments.sum(axis=1), payments.sum(axis=0)
        self.quota_ha = q * ell
        self.net_trade_ha = net * ell
        self.national_ha = float(q.sum() * ell)
        self.traded_ha = float(volume * ell)
        self.price = float(price) if volume > 0 else 0.0
        self.history.append({
            "year": year, "dose": dose, "demand_total": demand_total, "ell": ell, "q0": q0, "q": q,
            "extra": np.asarray(extra, dtype=float), "need": need, "spare": spare, "short": short,
            "sold": sold, "bought": bought, "net": net, "volume": volume, "price": float(price),
            "payments": payments, "capacity": self.capacity.copy(),
            "capacity_2020_regime": self.capacity_2020_regime.copy(), "output": y.copy(),
        })

    def relief(self) -> np.ndarray:
        """The reform's TFP multiplier from the latest land accounts."""
        eta = self.config.land_output_elasticity  # type: ignore[attr-defined]
        y = np.maximum(self.output, 1e-300)
        reform = np.minimum(1.0, self.capacity / y)
        regime = np.minimum(1.0, self.capacity_2020_regime / y)
        return (np.maximum(reform, 1e-12) / np.maximum(regime, 1e-12)) ** eta

    def tfp_multiplier(self) -> np.ndarray | None:
        if not self.enabled or not self.history or np.array_equal(self.capacity, self.capacity_2020_regime):
            return None
        return self.relief()

    def province_outputs(self) -> dict[str, np.ndarray]:
        y = np.maximum(self.output, 1e-300)
        return {"land_quota_ha": self.quota_ha.copy(), "land_quota_net_trade_ha": self.net_trade_ha.copy(),
                "land_constraint": np.minimum(1.0, self.capacity / y) if self.enabled else np.ones(self.model.n),
                "land_constraint_2020_regime": (np.minimum(1.0, self.capacity_2020_regime / y)
                                                if self.enabled else np.ones(self.model.n))}

    def national_outputs(self) -> dict[str, float]:
        return {"land_quota_national_ha": self.national_ha, "land_quota_traded_ha": self.traded_ha,
                "land_quota_price_yuan_per_ha": self.price}


LandMarket.config_class = LandMarketConfig
LandMarket.description = ("§7, §23 construction-land quotas: a unified market trades quotas from provinces "
                          "with spare to those short of it; preferential quotas for border and western "
                          "provinces; a binding quota congests.")
MECHANISM = LandMarket

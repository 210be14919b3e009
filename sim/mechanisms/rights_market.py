"""The engine of the rights markets of guideline §9 (carbon, water, emission and energy rights).

One engine serves every right: a national cap on a quantity (CO2, water use, ...), allocated
free to the provinces, traded between them at one clearing price.

Each province i has a baseline use ``e_i`` (what it would use without the market) and a marginal
abatement cost curve ``MAC_i(a) = c_i · a^γ`` in yuan per unit, where ``a`` is the share of its
baseline it abates (0 ≤ a ≤ 1). At price ``p`` it abates ``a_i(p) = min(1, (p / c_i)^(1/γ))``,
buys the allowances it still lacks and sells those it no longer needs:

    net_i = e_i (1 − a_i(p)) − A_i          (> 0: buys; < 0: sells; A_i its free allocation)

The price clears the market when total use after abatement equals the cap, Σ e_i (1 − a_i) = cap,
i.e. when allowances bought equal allowances sold (Σ net_i = 0 because Σ A_i = cap). Total
abatement rises continuously and monotonically in p from 0 (p = 0) to Σ e_i (p = max c_i), so
bisection on [0, max c_i] always finds the price; the price returned is the upper end of the
final bracket, so the cap is never exceeded (the gap is at the level of floating-point rounding).
If the cap does not bind (Σ e_i ≤ cap) the price is 0, nobody abates, buyers take their shortfall
from the sellers' surplus in proportion to it and the rest of the allowances lapse.

The cost of abating is the area under the MAC curve, ``C_i = c_i e_i a_i^(γ+1) / (γ+1)``; permit
payments are transfers between provinces, not a cost to the country.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel


def abatement_at(price: float, cost_coeff: np.ndarray, gamma: float) -> np.ndarray:
    """Abatement shares ``min(1, (p / c_i)^(1/γ))`` at ``price``."""
    if price <= 0.0:
        return np.zeros_like(cost_coeff, dtype=float)
    return np.minimum(1.0, (price / cost_coeff) ** (1.0 / gamma))


def clear_market(baseline: np.ndarray, cap: float, cost_coeff: np.ndarray, gamma: float,
                 allocation: np.ndarray | None = None, *, rel_tol: float = 1e-14,
                 max_iter: int = 400) -> tuple[float, np.ndarray, np.ndarray]:
    """Clear a cap-and-trade market.

    Args:
        baseline: use of each participant without the market (``e_i`` ≥ 0).
        cap: total allowances (≥ 0), in the units of ``baseline``.
        cost_coeff: ``c_i`` > 0 of ``MAC_i(a) = c_i a^γ`` (price units per unit of use).
        gamma: curvature γ > 0 of the MAC curves.
        allocation: free allowances ``A_i`` (must sum to ``cap``); default: ``cap`` split in
            proportion to ``baseline`` (grandfathering on the current baseline).

    Returns ``(price, abatement, net_trade)``: the clearing price, each participant's abatement
    as a share of its baseline, and its net allowances bought (negative: sold), in the units of
    ``baseline``. ``Σ baseline·(1 − abatement) ≤ cap`` and ``Σ net_trade = 0`` up to rounding.
    """
    e = np.asarray(baseline, dtype=float)
    c = np.asarray(cost_coeff, dtype=float)
    if e.shape != c.shape:
        raise ValueError("baseline and cost_coeff must have the same shape")
    if np.any(e < 0) or not np.all(np.isfinite(e)):
        raise ValueError("baseline must be finite and non-negative")
    if np.any(c <= 0) or not np.all(np.isfinite(c)):
        raise ValueError("cost_coeff must be finite and positive")
    if gamma <= 0:
        raise ValueError("gamma must be positive")
    if cap < 0 or not np.isfinite(cap):
        raise ValueError("cap must be finite and non-negative")
    total = float(e.sum())
    if allocation is None:
        alloc = cap * e / total if total > 0 else np.full(e.shape, cap / max(e.size, 1))
    else:
        alloc = np.asarray(allocation, dtype=float)
        if alloc.shape != e.shape or np.any(alloc < 0):
            raise ValueError("allocation must be non-negative with the shape of baseline")
        if not np.isclose(alloc.sum(), cap, rtol=1e-9, atol=0.0):
            raise ValueError(f"allocation sums to {alloc.sum()}, not to the cap {cap}")
    need = total - cap
    if need <= 0.0:
        # The cap does not bind: price 0, no abatement; buyers take their shortfall from the
        # sellers' surplus (pro rata); unused allowances lapse.
        short = np.maximum(e - alloc, 0.0)
        surplus = np.maximum(alloc - e, 0.0)
        sold = surplus * (short.sum() / surplus.sum()) if surplus.sum() > 0 else surplus
        return 0.0, np.zeros_like(e), short - sold

    def abated(p: float) -> float:
        return float((abatement_at(p, c, gamma) * e).sum())

    lo, hi = 0.0, float(c[e > 0].max())  # at hi every participant with use abates all of it
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if abated(mid) >= need:
            hi = mid
        else:
            lo = mid
        if hi - lo <= rel_tol * hi:
            break
    price = hi
    a = abatement_at(price, c, gamma)
    a[e == 0] = 0.0
    net = e * (1.0 - a) - alloc
    return price, a, net


def abatement_cost(baseline: np.ndarray, abatement: np.ndarray, cost_coeff: np.ndarray,
                   gamma: float) -> np.ndarray:
    """Area under the MAC curve: ``c_i e_i a_i^(γ+1) / (γ+1)`` (price units × use units)."""
    return cost_coeff * baseline * abatement ** (gamma + 1.0) / (gamma + 1.0)


def settle(ledger: object, kind: str, net_trade: np.ndarray, price: float, unit_to_100m: float) -> None:
    """Record the payments of a cleared market in the ledger: every net buyer pays every net
    seller ``price · bought_i · sold_j / Σ sold`` (an exchange that pools the trades), so the
    sellers receive exactly what the buyers pay."""
    bought = np.maximum(net_trade, 0.0)
    sold = np.maximum(-net_trade, 0.0)
    if price <= 0.0 or bought.sum() <= 0.0 or sold.sum() <= 0.0:
        return
    buyers = np.flatnonzero(bought > 0)
    sellers = np.flatnonzero(sold > 0)
    value = price * unit_to_100m * bought[buyers][:, None] * (sold[sellers] / sold.sum())[None, :]
    payer = np.repeat(buyers, sellers.size)
    receiver = np.tile(sellers, buyers.size)
    ledger.pay(kind, payer, receiver, value.ravel())  # type: ignore[attr-defined]


class RightsMarketSection(MechanismSection):
    """Settings shared by every rights market (cap path, allocation, cost curves)."""

    cap_start_share: float = param(
        1.0, unit="share of the 2020 national total", ge=0.0, le=2.0, source="assumption",
        description="Cap in the start year relative to the 2020 national total.",
    )
    allocation: Literal["grandfathering", "output_based"] = param(
        "grandfathering", unit="rule", source="assumption",
        description="Free allocation of the cap: 'grandfathering' = in proportion to each "
        "province's 2020 use; 'output_based' = in proportion to its current baseline use "
        "(sector benchmarks × current output, as in China's national ETS).",
    )
    intensity_elasticity: float = param(
        1.0, unit="elasticity of c_i to use per unit of GDP", ge=0.0, le=5.0, source="assumption",
        description="c_i = c_ref · (use per GDP_i / national use per GDP)^(−elasticity): abating is "
        "cheaper where use per unit of GDP is high.",
    )


class RightsMarket(Mechanism):
    """A cap-and-trade market among provinces (the engine above) wired into the yearly step.

    Subclasses set the names and the baseline: ``quantity`` (model attribute prefix, e.g.
    ``carbon``), ``ledger_kind``, ``unit_to_100m`` (price units × use units → 100 million yuan),
    and implement :meth:`baseline` (this year's use without the market, by province).

    Timing: the market clears in the fiscal hook, when this year's production is known, so the
    permit payments (ledger flows buyer province → seller province: the revenue of allowances
    sold accrues to the seller province's budget, the cost to the buyer's) enter this year's
    budgets. The abatement cost, as a share of each province's GDP, lowers its TFP the next year
    (``tfp_multiplier`` = 1 − cost share).
    """

    quantity: ClassVar[str] = ""
    ledger_kind: ClassVar[str] = ""
    unit_to_100m: ClassVar[float] = 1e-8  # yuan → 100 million yuan

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        n = model.n
        self.history: list[dict[str, object]] = []
        self._penalty: dict[int, np.ndarray] = {}
        self._cleared_year: int | None = None
        self.price = 0.0
        self.abatement = np.zeros(n)
        self.net_trade = np.zeros(n)
        self.use = np.zeros(n)
        self.cap = float("nan")
        self._ready = False
        self._publish()

    # --- to be provided by subclasses ------------------------------------------------------
    def baseline(self) -> np.ndarray:
        """Use of the right without the market this year, by province (each market defines it:
        CO2 in carbon_market, water use in water_rights)."""
        raise TypeError(f"{type(self).__name__} must define baseline()")

    def mac_reference(self) -> tuple[float, float]:
        """(price, abatement share) that pins c_ref = price / abatement^γ."""
        c = self.config
        return float(c.mac_reference_price), float(c.mac_reference_abatement)  # type: ignore[attr-defined]

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        base = self.baseline()
        self.base_2020 = base.copy()
        self.total_2020 = float(base.sum())
        self.use = base.copy()
        self._ready = True
        self._publish()

    def cap_in(self, year: int) -> float:
        """National cap before the dose: 2020 total × cap_start_share × (1 − cap_decline)^(t − t0)."""
        c = self.config
        return self.total_2020 * c.cap_start_share * (1.0 - c.cap_decline) ** (year - c.start_year)  # type: ignore[attr-defined]

    def cost_coefficients(self, base: np.ndarray) -> np.ndarray:
        c = self.config
        m = self.model
        p_ref, a_ref = self.mac_reference()
        gdp = np.maximum(m.gdp, 1e-12)
        use_per_gdp = np.maximum(base, 1e-300) / gdp
        rel = use_per_gdp / (base.sum() / gdp.sum())
        return p_ref / a_ref ** c.gamma * rel ** (-c.intensity_elasticity)  # type: ignore[attr-defined]

    def fiscal(self) -> None:
        m = self.model
        year = m.year
        if not self.active(year) or not self._ready:
            self.price, self.abatement, self.net_trade = 0.0, np.zeros(m.n), np.zeros(m.n)
            if self._ready:
                self.use, self.cap = self.baseline(), float("nan")
            self._publish()
            return
        base = self.baseline()
        c = self.config
        dose = self.dose(year)
        total = float(base.sum())
        full_cap = self.cap_in(year)
        # The dose scales the required cut: cap = baseline total − dose · (baseline total − cap).
        cap = max(0.0, total - dose * max(0.0, total - full_cap)) if dose > 0 else total
        if c.allocation == "grandfathering":  # type: ignore[attr-defined]
            alloc = cap * self.base_2020 / self.total_2020
        else:
            alloc = cap * base / total
        coeff = self.cost_coefficients(base)
        price, a, net = clear_market(base, cap, coeff, c.gamma, alloc)  # type: ignore[attr-defined]
        settle(m.ledger, self.ledger_kind, net, price, self.unit_to_100m)
        cost = abatement_cost(base, a, coeff, c.gamma) * self.unit_to_100m  # type: ignore[attr-defined]
        share = np.clip(cost / np.maximum(m.gdp, 1e-12), 0.0, 0.5)
        self._penalty = {year + 1: 1.0 - share}
        self.price, self.abatement, self.net_trade = price, a, net
        self.use, self.cap = base * (1.0 - a), cap
        self.allocation_ = alloc
        self.cost = cost
        self._cleared_year = year
        self.history.append({"year": year, "price": price, "cap": cap, "baseline": base.copy(),
                             "allocation": alloc, "abatement": a.copy(), "net_trade": net.copy(),
                             "use": self.use.copy(), "cost_100m_yuan": cost.copy(),
                             "cost_share": share.copy()})
        self._publish()

    def tfp_multiplier(self) -> np.ndarray | None:
        return self._penalty.get(self.model.year)

    def _publish(self) -> None:
        """Expose the year's market on the model (``<quantity>_price``, ``_trades``, ...)."""
        q = self.quantity
        m = self.model
        setattr(m, f"{q}_price", self.price)
        setattr(m, f"{q}_trades", self.net_trade)
        setattr(m, f"{q}_abatement", self.abatement)

    def province_outputs(self) -> dict[str, np.ndarray]:
        q = self.quantity
        return {f"{q}_net_allowances_bought": self.net_trade, f"{q}_abatement_share": self.abatement}

    def national_outputs(self) -> dict[str, float]:
        q = self.quantity
        return {f"{q}_price": float(self.price)}

"""The two-region reduction of the model is the core–periphery model (Krugman 1991; Fujita,
Krugman & Venables 1999, ch. 5, "FKV"). Validation check 3.

**The reduction** (DESIGN §1): two regions; capital share α = 0 in every sector; one mobile
sector, manufacturing, traded with iceberg cost ``T`` between the regions as Dixit–Stiglitz
varieties (the model's ``labour_manufacturing`` column, a CES sector); immobile agriculture, a
homogeneous national good traded freely (the model's ``agriculture`` column, a national sector);
no services and no resources (expenditure shares 0); expenditure share μ on manufactures and
1 − μ on agriculture in both regions; farm labour (1 − μ)/2 in each region, manufacturing labour μ
with share λ in region 1; migration of manufacturing workers on real wages without logit noise.

It runs through the model's own code: :func:`equilibrium` is the fixed point of
``sim.economy.production.solve_equilibrium``'s price update for α = 0, built from
``sim.economy.trade.update_prices`` (the national-good price), ``sim.economy.trade.ces_prices``
(the CES price index ``ces_price_index``, market access ``market_access`` and the mill-price rule
``p = (b n MA / Q)^(1/σ)``) and solved by ``sim.economy.production.anderson_fixed_point`` with
the model's normalisation (national GDP deflator = 1). With α = 0 a worker produces one unit, so
output = employment, the wage equals the mill price (``w = (1 − α) p Ã (X/L)^α = p``) and the
labour market needs no solving (``solve_wages`` divides by α and is not called); the variety mass
is proportional to employment, as in the model's calibration (``weight`` = the cell's employment).
The mill-price rule is then the FKV wage equation ``w_r = [Σ_s Y_s T_rs^(1−σ) G_s^(σ−1)]^(1/σ)``
(the shifters b and the variety-per-worker constant cancel), agriculture's price is 1 and national
income is 1, FKV's normalisation. The model's ``production.capital_share ≥ 0.05`` bound (schema)
does not constrain the reduction, which calls the economy functions directly.

**What is checked.** The break point T(B), where the symmetric equilibrium's real-wage gap
derivative ∂(ω₁ − ω₂)/∂λ at λ = ½ changes sign, and the sustain point T(S), where an agglomerated
periphery's real wage equals the core's, are found by bracketing root-finding (Brent) on the
model's equilibrium and compared with FKV's closed forms

* ``T(B)^(σ−1) = (ρ + μ)(1 + μ) / ((ρ − μ)(1 − μ))``, ρ = (σ − 1)/σ (FKV eq. 5.28);
* T(S) > 1 solves ``ω₂/ω₁ = T^(−μ) [(1 + μ)/2 · T^(1−σ) + (1 − μ)/2 · T^(σ−1)]^(1/σ) = 1``
  (FKV eq. 5.19), derived below: with λ = 1, w₁ = 1, G₁ = 1, G₂ = T, Y₁ = (1 + μ)/2 and
  Y₂ = (1 − μ)/2, the periphery's wage equation gives
  ``w₂^σ = Y₁ T^(1−σ) G₁^(σ−1) + Y₂ G₂^(σ−1) = (1+μ)/2 T^(1−σ) + (1−μ)/2 T^(σ−1)`` and its real
  wage is ``w₂ G₂^(−μ)``, the core's 1.

For σ = 5, μ = 0.4: T(B) = 7^(1/4) = 1.6266 and T(S) = 1.8074. Hysteresis is checked by the
migration dynamics ``λ ← λ + γ λ(1 − λ)(ω₁ − ω₂)`` (FKV eq. 5.9: workers move toward the higher
real wage, no taste noise) from a near-symmetric and a near-agglomerated start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from sim.economy import trade
from sim.economy.production import anderson_fixed_point
from sim.economy.sectors import AGR, CES_SECTORS, LMF, N_SECTORS

#: Empty regions keep a vanishing variety mass so that the mill-price rule still gives the wage a
#: deviating firm could pay there (the "potential wage" of FKV).
_TINY = 1e-200

#: (σ, μ) pairs checked besides FKV's σ = 5, μ = 0.4 (all with ρ = (σ − 1)/σ > μ).
OTHER_CASES: tuple[tuple[float, float], ...] = ((4.0, 0.3), (3.0, 0.4), (6.0, 0.5), (8.0, 0.2),
                                                (10.0, 0.6))


@dataclass
class TwoRegion:
    """The two-region economy in the model's array layout (2 provinces × 6 sectors)."""

    sigma: float
    mu: float
    trade_cost: float

    @property
    def tau(self) -> np.ndarray:
        t = self.trade_cost
        return np.array([[1.0, t], [t, 1.0]])

    @property
    def exp_share(self) -> np.ndarray:
        """β_rs: 1 − μ on agriculture, μ on the one CES sector, 0 elsewhere."""
        b = np.zeros((2, N_SECTORS))
        b[:, AGR] = 1.0 - self.mu
        b[:, LMF] = self.mu
        return b

    def quantities(self, lam: float) -> tuple[np.ndarray, np.ndarray]:
        """Output Q (= employment, α = 0) and variety mass n (∝ employment) by region-sector.
        Unused sectors carry output 1 with no demand (price 0, value added 0)."""
        q = np.ones((2, N_SECTORS))
        q[:, AGR] = (1.0 - self.mu) / 2.0
        q[:, LMF] = np.maximum(self.mu * np.array([lam, 1.0 - lam]), _TINY)
        q[:, [s for s in CES_SECTORS if s != LMF]] = _TINY
        n = np.zeros((2, N_SECTORS))
        n[:, CES_SECTORS] = q[:, CES_SECTORS]
        return q, n


@dataclass
class Outcome:
    """Equilibrium of the reduction at one λ (FKV normalisation: national income 1)."""

    lam: float
    wage: np.ndarray  # manufacturing wage = mill price (α = 0)
    price_index: np.ndarray  # CES price index of manufactures G_r
    income: np.ndarray  # Y_r
    real_wage: np.ndarray  # ω_r = w_r / CPI_r, CPI = p_A^(1−μ) G^μ
    iterations: int


def build_two_region(sigma: float, mu: float, trade_cost: float) -> TwoRegion:
    """The reduction for given σ, μ and iceberg cost T (checks the no-black-hole condition)."""
    if not sigma > 1.0:
        raise ValueError("sigma must exceed 1")
    if not 0.0 < mu < (sigma - 1.0) / sigma:
        raise ValueError("the no-black-hole condition rho = (sigma - 1)/sigma > mu fails")
    if trade_cost < 1.0:
        raise ValueError("the iceberg cost T must be at least 1")
    return TwoRegion(sigma, mu, trade_cost)


def equilibrium(econ: TwoRegion, lam: float, tol: float = 1e-14) -> Outcome:
    """Short-run equilibrium (goods markets clear at given λ) through the model's price rules:
    the fixed point in log mill prices of ``solve_equilibrium``'s update with α = 0."""
    sigma = econ.sigma
    q, n = econ.quantities(lam)
    cols = [LMF]  # the one CES sector of the reduction
    shifter = np.ones((2, 1))
    n_b = n[:, cols] * shifter
    tau_1ms = econ.tau ** (1.0 - sigma)
    beta = econ.exp_share
    active = beta.sum(axis=0) > 0  # agriculture and manufacturing

    def all_prices(log_p: np.ndarray) -> np.ndarray:
        p = np.ones((2, N_SECTORS))
        p[:, cols] = np.exp(log_p)
        return p

    def update(log_p: np.ndarray) -> np.ndarray:
        p = all_prices(log_p)
        income = (p * q)[:, active].sum(axis=1)
        p_new, expenditure = trade.update_prices(q, n, shifter, beta, income, tau_1ms, sigma)
        p_new[:, cols], _, _ = trade.ces_prices(p[:, cols], q[:, cols], n_b, expenditure[:, cols],
                                                tau_1ms, sigma)
        p_new *= q[:, active].sum() / (p_new * q)[:, active].sum()  # national GDP deflator = 1
        # the numeraire: agriculture's price (= 1 after the normalisation, as in FKV)
        return np.log(p_new[:, cols])

    log_p, it = anderson_fixed_point(update, np.zeros((2, 1)), tol=tol, max_iter=2000,
                                     what="core-periphery equilibrium")
    p = all_prices(log_p)
    income = (p * q)[:, active].sum(axis=1)
    p_agr = (beta[:, AGR] * income).sum() / q[:, AGR].sum()  # trade.update_prices' rule
    g = trade.ces_price_index(p[:, cols], n_b, tau_1ms, sigma)[:, 0]
    wage = p[:, LMF]  # α = 0: w = p
    cpi = p_agr ** (1.0 - econ.mu) * g**econ.mu
    return Outcome(lam=lam, wage=wage, price_index=g, income=income, real_wage=wage / cpi,
                   iterations=it)


def real_wage_gap(sigma: float, mu: float, trade_cost: float, lam: float) -> float:
    """ω₁ − ω₂ at share λ of manufacturing in region 1."""
    o = equilibrium(build_two_region(sigma, mu, trade_cost), lam)
    return float(o.real_wage[0] - o.real_wage[1])


def symmetric_slope(sigma: float, mu: float, trade_cost: float, h: float = 1e-4) -> float:
    """d(ω₁ − ω₂)/dλ at λ = ½ (central difference on the model's equilibrium)."""
    return (real_wage_gap(sigma, mu, trade_cost, 0.5 + h)
            - real_wage_gap(sigma, mu, trade_cost, 0.5 - h)) / (2.0 * h)


def periphery_advantage(sigma: float, mu: float, trade_cost: float) -> float:
    """ω₂/ω₁ − 1 with all manufacturing in region 1 (λ = 1): < 0 where the core is sustainable."""
    o = equilibrium(build_two_region(sigma, mu, trade_cost), 1.0)
    return float(o.real_wage[1] / o.real_wage[0] - 1.0)


def _bracket_root(f, lo: float, hi: float, steps: int = 60) -> float:
    """Root of ``f`` on the first sign change of a grid on [lo, hi] (then Brent's method)."""
    grid = np.geomspace(lo, hi, steps)
    vals = [f(x) for x in grid]
    for a, b, fa, fb in zip(grid[:-1], grid[1:], vals[:-1], vals[1:], strict=True):
        if fa == 0.0:
            return float(a)
        if fa * fb < 0:
            return float(brentq(f, a, b, xtol=1e-12, rtol=1e-12))
    raise ValueError("no sign change found")


def break_point(sigma: float, mu: float) -> float:
    """T(B) from the model: where the symmetric equilibrium turns stable."""
    return _bracket_root(lambda t: symmetric_slope(sigma, mu, t), 1.02, 12.0)


def sustain_point(sigma: float, mu: float) -> float:
    """T(S) from the model: where an agglomerated periphery's real wage reaches the core's."""
    return _bracket_root(lambda t: periphery_advantage(sigma, mu, t), 1.02, 12.0)


def break_point_analytic(sigma: float, mu: float) -> float:
    """FKV eq. 5.28."""
    rho = (sigma - 1.0) / sigma
    return float((((rho + mu) * (1.0 + mu)) / ((rho - mu) * (1.0 - mu))) ** (1.0 / (sigma - 1.0)))


def sustain_condition(sigma: float, mu: float, trade_cost: float) -> float:
    """FKV eq. 5.19 minus 1: T^(−μσ)[(1+μ)/2 T^(1−σ) + (1−μ)/2 T^(σ−1)] − 1 (zero at T(S))."""
    t = trade_cost
    return float(t ** (-mu * sigma) * ((1 + mu) / 2 * t ** (1 - sigma)
                                       + (1 - mu) / 2 * t ** (sigma - 1)) - 1.0)


def sustain_point_analytic(sigma: float, mu: float) -> float:
    """The root T > 1 of FKV eq. 5.19 (T = 1 is the trivial root)."""
    return _bracket_root(lambda t: sustain_condition(sigma, mu, t), 1.0 + 1e-6, 12.0, steps=400)


def simulate_migration(sigma: float, mu: float, trade_cost: float, lam0: float,
                       years: int = 400, speed: float = 2.0) -> np.ndarray:
    """Path of λ under ``λ ← λ + γ λ(1 − λ)(ω₁ − ω₂)`` (FKV eq. 5.9), clipped to [0, 1]."""
    econ = build_two_region(sigma, mu, trade_cost)
    path = [lam0]
    lam = lam0
    for _ in range(years):
        o = equilibrium(econ, lam)
        lam = float(np.clip(lam + speed * lam * (1 - lam) * (o.real_wage[0] - o.real_wage[1]),
                            0.0, 1.0))
        path.append(lam)
    return np.array(path)


def check(sigma: float, mu: float) -> dict[str, float]:
    """Model and analytic T(B), T(S) and their relative errors."""
    tb, ts = break_point(sigma, mu), sustain_point(sigma, mu)
    tb_a, ts_a = break_point_analytic(sigma, mu), sustain_point_analytic(sigma, mu)
    return {"sigma": sigma, "mu": mu, "rho": (sigma - 1) / sigma,
            "break_model": tb, "break_analytic": tb_a, "break_rel_error": tb / tb_a - 1,
            "sustain_model": ts, "sustain_analytic": ts_a, "sustain_rel_error": ts / ts_a - 1}


def hysteresis(sigma: float = 5.0, mu: float = 0.4, years: int = 400) -> dict[str, float]:
    """Final λ from a near-symmetric (λ = 0.52) and a near-agglomerated (λ = 0.98) start at trade
    costs below T(B), between T(B) and T(S), and above T(S)."""
    tb, ts = break_point_analytic(sigma, mu), sustain_point_analytic(sigma, mu)
    out: dict[str, float] = {"T_low": 0.5 * (1 + tb) if tb > 1.2 else tb - 0.1,
                             "T_mid": 0.5 * (tb + ts), "T_high": ts + 0.3}
    for label in ("T_low", "T_mid", "T_high"):
        t = out[label]
        out[f"{label}_from_symmetric"] = float(simulate_migration(sigma, mu, t, 0.52, years)[-1])
        out[f"{label}_from_agglomerated"] = float(simulate_migration(sigma, mu, t, 0.98, years)[-1])
    return out

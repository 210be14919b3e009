"""Calibration of the start year to the data (DESIGN §5).

Exact by construction: the 2020 state reproduces every province's resident population
(``pop_census2020``) and GDP (``gdp2020_100m_yuan`` or the revised vintage), its capital stock
and its value-added shares by sector. The rules, each documented in docs/model.md:

1. **Sector split.** agriculture = primary; services = construction + tertiary; industry is split
   into resources & energy = max(national share × industry, coal output × price × VA ratio),
   capped at 80 % of industry; the rest is manufacturing, split into high-tech,
   labour-intensive and capital-intensive by national shares tilted by relative GDP per capita.
2. **Wages and sector employment** from the labour share: ``w_i = Σ_s (1−α_s) VA_is / E_i``,
   ``L_is = (1−α_s) VA_is / w_i``. **Capital by sector** from the capital share at one provincial
   return: ``K_is = α_s VA_is / r_i`` with ``r_i = Σ_s α_s VA_is / K_i``.
3. **Firms.** ``n_firms`` representative firms, at least one per province-sector, the rest in
   proportion to value added (largest-remainder rounding); log-normal capital within a cell
   summing to ``K_is``; log productivity from its stationary AR(1) distribution; variety mass
   (``weight``) ∝ the firm's capital share of the cell's employment.
4. **TFP backed out**: ``Ã_is = VA_is / (X_is^α L_is^(1−α))`` with ``X_is = Σ_f k_f a_f^(1/α)``;
   province TFP ``A_i`` = value-added-weighted geometric mean of ``Ã_is``; ``B_is = Ã_is / A_i``.
5. **Demand.** Expenditure = GDP; services share = own services VA share; tradables split by
   national shares; CES demand shifters make every 2020 price 1.
7. **Investment intensity** (:func:`investment_intensity`). Where saving is invested follows the
   provinces' own history: province i's relative investment intensity is its gross fixed capital
   formation over GDP in the five panel years up to the base year (2011–2015 for 2020, the last
   packaged years) divided by the national ratio (Qinghai 2.09, Tibet 1.90, Ningxia 1.78 …
   Shanghai 0.64 for 2011–2015). It weights the home part of investment
   (``sim.economy.capital``), so each province keeps investing at its historical intensity (the
   west's investment has long exceeded its own saving, financed by central programmes and
   banks), instead of at the national rate, which would shed capital from high-K/Y provinces.
6. **Closable TFP gap** (:func:`persistent_tfp_gap`). Measured TFP gaps to the frontier province
   F (the highest ``A_i``) are large where capital per worker is high (the west's 2020 TFP is a
   quarter to a third of Beijing's), so they mix technology with capital-measurement and
   misallocation wedges. Catch-up closes the TFP gap that would close a share κ
   (``technology.closable_gap_share``) of the log gap in output per worker at a constant
   capital–output ratio: ``c_i = min(κ (1 − ᾱ_i) max(ln y_F − ln y_i, 0), ln A_F − ln A_i)``
   with ``y = GDP / employment`` and ``ᾱ_i`` the province's value-added-weighted capital share
   (with K/Y fixed, ``y ∝ A^(1/(1−α))``; conditional convergence in output per worker, Barro &
   Sala-i-Martin 1992). The rest of the gap, ``ln A_F − ln A_i − c_i``, persists.
   The output gap is measured once, in ``technology.gap_reference_year`` R (default 2005, the
   start of the calibration window): a later start year S inherits R's gap depleted by the
   catch-up the model itself would have done, ``max(ln y_F,R − ln y_i,R, 0) · (1 − λ)^(S − R)``
   (:func:`closable_output_gap`), so that the closable gap is one stock that catch-up uses up,
   as in the 2005–2010 fit of λ and κ, instead of a fresh share κ of each base year's gap.

**Other base years** (``start_year`` 2005–2015, :func:`base_year_data`; docs/validation.md). The
start state is built from the panel of that year by the same rules, so it reproduces that year's
provincial GDP and population exactly:

* population = ``population_10k`` × 10⁴ (NBS year-end, current vintage; whole persons); GDP =
  ``gdp_100m_yuan`` (current prices, pre-revision yearbook vintage);
* capital = ``capital_stock_zj_100m_yuan_2020prices`` rescaled to the year's investment price level
  by the province's investment deflator implied by the perpetual-inventory identity of the data
  itself: ``P_t/P_2020 = GFCF_t / (K_t − (1 − 0.096) K_(t−1))`` (both K at 2020 prices; exact for
  the package's PIM, δ = 9.6 %); money is then in 100 million yuan at base-year prices;
* sector shares: only 2020 shares are packaged, so each province's 2020 model sector split
  (rule 1, computed on 2020 data) is applied as shares to the base-year GDP;
* own-revenue rates and the central tax rate: the 2020 ratios to GDP;
* migrant stock (non-hukou residents): the 2020 share of residents (``migrant_stock_2020`` /
  census population) applied to the base-year population;
* natural rate of increase in the base year: the national growth of the panel population over
  the migration window (below); then the linear path to the UN 2050 target as in 2020;
* migration target: net migration implied by the population change over the 5 years before the
  base year (``migration_window``); for 2005–2009 the only earlier population is the 2000 GCAM
  estimate (±2 %, SOURCES.md), so the window is 2000 → base year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import Scenario
from sim.data.loader import Dataset
from sim.economy import trade
from sim.economy.firms import FirmTable
from sim.economy.sectors import (
    AGR,
    CES_SECTORS,
    HTM,
    KMF,
    LMF,
    N_SECTORS,
    RES,
    SRV,
    capital_share_vector,
)


@dataclass
class Calibration:
    """Initial state and calibrated constants; money in 100 million yuan (2020 prices)."""

    year: int
    population: np.ndarray  # persons (int64)
    gdp: np.ndarray
    value_added: np.ndarray  # (n, S)
    employment: np.ndarray  # persons (float)
    wages: np.ndarray  # 100 million yuan per worker
    labour: np.ndarray  # (n, S)
    capital: np.ndarray  # (n,)
    capital_by_sector: np.ndarray  # (n, S)
    alpha: np.ndarray  # (S,)
    tfp_province: np.ndarray  # A_i
    tfp_sector_relative: np.ndarray  # B_is
    exp_share: np.ndarray  # β_is
    shifter: np.ndarray  # CES demand shifters (n, 3)
    firms: FirmTable
    internal_distance_km: np.ndarray
    own_revenue_rate: np.ndarray | None = None  # own (local budget) revenue / GDP, 2020 ratios
    central_rate: float | None = None  # central revenue / GDP, 2020 ratio
    migrant_stock: float | None = None  # residents without local hukou, persons
    natural_growth: float | None = None  # national natural rate of increase in the base year
    migration_window: tuple[np.ndarray, np.ndarray, int] | None = None  # (pop then, pop now, years)
    investment_intensity: np.ndarray | None = None  # GFCF/GDP relative to national (rule 7)


def sector_value_added(ds: Dataset, cfg: Scenario, gdp: np.ndarray) -> np.ndarray:
    """Value added by province and model sector (rule 1 of the module docstring), for 2020 GDP."""
    pr = ds.provinces
    prod = cfg.production
    primary = pr["va_share_primary_2020"].to_numpy(float)
    industry = pr["va_share_industry_2020"].to_numpy(float)
    construction = pr["va_share_construction_2020"].to_numpy(float)
    tertiary = pr["va_share_tertiary_2020"].to_numpy(float)
    total = primary + industry + construction + tertiary  # rows sum to 1 within rounding
    va = np.zeros((ds.n, N_SECTORS))
    va[:, AGR] = gdp * primary / total
    va[:, SRV] = gdp * (construction + tertiary) / total
    ind = gdp * industry / total
    coal = pr["coal_output2020_100m_t"].fillna(0.0).to_numpy(float) if "coal_output2020_100m_t" in pr else np.zeros(ds.n)
    # coal 100 Mt × yuan/t = 100 M yuan directly.
    coal_va = coal * prod.coal_price_yuan_per_t * prod.coal_value_added_ratio
    va[:, RES] = np.minimum(np.maximum(prod.resources_share_of_industry * ind, coal_va), 0.8 * ind)
    mfg = ind - va[:, RES]
    gdp_pc = gdp / ds.provinces["pop_census2020"].to_numpy(float)
    rel = gdp_pc / (gdp.sum() / ds.provinces["pop_census2020"].sum())
    e = prod.high_tech_income_elasticity
    h = rel**e
    h *= prod.high_tech_share_of_manufacturing * mfg.sum() / (h * mfg).sum()
    lab = rel ** (-e)
    lab *= prod.labour_share_of_manufacturing * mfg.sum() / (lab * mfg).sum()
    h = np.minimum(h, 0.6)
    lab = np.minimum(lab, 0.9 - h)
    va[:, HTM] = mfg * h
    va[:, LMF] = mfg * lab
    va[:, KMF] = mfg - va[:, HTM] - va[:, LMF]
    return va


def allocate_firm_counts(weights: np.ndarray, n_firms: int) -> np.ndarray:
    """At least one firm per cell, the rest ∝ weights by largest remainder (deterministic)."""
    flat = weights.ravel()
    n_cells = flat.size
    if n_firms < n_cells:
        raise ValueError(f"n_firms {n_firms} is below one firm per province-sector ({n_cells})")
    extra = n_firms - n_cells
    quota = extra * flat / flat.sum()
    base = np.floor(quota).astype(np.int64)
    rem = extra - base.sum()
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:rem]] += 1
    return (base + 1).reshape(weights.shape)


def calibrate(ds: Dataset, cfg: Scenario, rng: np.random.Generator) -> Calibration:
    """Build the calibrated start-year state (see the module docstring)."""
    pr = ds.provinces
    n = ds.n
    alpha = capital_share_vector(cfg.production.capital_share)
    base = base_year_data(ds, cfg)
    population, gdp, capital = base.population, base.gdp, base.capital
    gdp2020 = base.gdp2020
    va = sector_value_added(ds, cfg, gdp2020)
    va *= (gdp / va.sum(axis=1))[:, None]  # exact row sums (removes share rounding); base-year GDP

    employment = cfg.demography.employment_rate_2020 * population.astype(float)
    wages = ((1.0 - alpha) * va).sum(axis=1) / employment
    labour = (1.0 - alpha) * va / wages[:, None]
    r = (alpha * va).sum(axis=1) / capital
    capital_by_sector = alpha * va / r[:, None]

    # Firms (rule 3).
    counts = allocate_firm_counts(va, cfg.n_firms)
    cells = np.repeat(np.arange(n * N_SECTORS), counts.ravel())
    prov = (cells // N_SECTORS).astype(np.int16)
    sec = (cells % N_SECTORS).astype(np.int8)
    n_f = cells.size
    prod = cfg.production
    log_k = rng.normal(0.0, prod.firm_capital_dispersion, n_f)
    rho = prod.firm_productivity_persistence
    sd_stat = prod.firm_productivity_shock_sd / np.sqrt(max(1.0 - rho**2, 1e-6))
    log_a = rng.normal(0.0, sd_stat, n_f)
    k_raw = np.exp(log_k)
    k_cell = np.bincount(cells, weights=k_raw, minlength=n * N_SECTORS)
    k = k_raw / k_cell[cells] * capital_by_sector.ravel()[cells]
    weight = k / capital_by_sector.ravel()[cells] * labour.ravel()[cells]
    firms = FirmTable.empty(max(n_f, 1), n, alpha)
    firms.add(prov, sec, k, log_a, weight)

    # TFP (rule 4).
    eff_k = firms.cell_sum(firms.effective_capital(), masked=False)
    tfp_cell = va / (eff_k**alpha * labour ** (1.0 - alpha))
    share = va / va.sum(axis=1, keepdims=True)
    tfp_prov = np.exp((share * np.log(tfp_cell)).sum(axis=1))
    tfp_rel = tfp_cell / tfp_prov[:, None]

    # Demand (rule 5).
    exp_share = np.zeros((n, N_SECTORS))
    exp_share[:, SRV] = va[:, SRV] / gdp
    tradable = [s for s in range(N_SECTORS) if s != SRV]
    theta = va[:, tradable].sum(axis=0) / va[:, tradable].sum()
    exp_share[:, tradable] = (1.0 - exp_share[:, SRV])[:, None] * theta[None, :]

    area = pr["land_area_km2_official"].to_numpy(float)
    internal = (2.0 / 3.0) * np.sqrt(area / np.pi)
    tau = trade.iceberg_costs(ds.distance_km, internal, cfg.trade.distance_elasticity,
                              cluster_barrier_matrix(ds, cfg, cfg.start_year,
                                                     barrier=cfg.trade.barrier_2020))
    sigma = cfg.trade.sigma
    varieties = firms.cell_sum(firms.weight)
    shifter = trade.calibrate_shifters(
        va[:, CES_SECTORS], varieties[:, CES_SECTORS], (exp_share * gdp[:, None])[:, CES_SECTORS],
        tau ** (1.0 - sigma), sigma)
    return Calibration(
        year=cfg.start_year, population=population, gdp=gdp, value_added=va,
        employment=employment, wages=wages, labour=labour, capital=capital,
        capital_by_sector=capital_by_sector, alpha=alpha, tfp_province=tfp_prov,
        tfp_sector_relative=tfp_rel, exp_share=exp_share, shifter=shifter, firms=firms,
        internal_distance_km=internal,
        own_revenue_rate=pr["fiscal_revenue2020_100m_yuan"].to_numpy(float) / gdp2020,
        central_rate=ds.national_value("central_general_budget_revenue", 2020) / gdp2020.sum(),
        migrant_stock=base.migrant_stock, natural_growth=base.natural_growth,
        migration_window=base.migration_window,
        investment_intensity=investment_intensity(ds, cfg.start_year),
    )


#: Base years a scenario may start in: the panel years with NBS population, and 2020.
BASE_YEARS: tuple[int, ...] = (*range(2005, 2016), 2020)
#: Depreciation of the packaged capital stock's perpetual inventory (Zhang Jun et al. 2004).
PIM_DEPRECIATION = 0.096


@dataclass
class BaseYearData:
    """The data of a base year that the calibration reproduces (money in 100 million yuan at
    the base year's prices)."""

    year: int
    population: np.ndarray  # persons (int64)
    gdp: np.ndarray
    capital: np.ndarray
    gdp2020: np.ndarray  # the 2020 GDP of the configured vintage (for the 2020 ratios)
    investment_deflator: np.ndarray  # P_year / P_2020 by province (1 in 2020)
    migrant_stock: float
    natural_growth: float
    migration_window: tuple[np.ndarray, np.ndarray, int]  # (pop then, pop now, years); 10k persons


def panel_year(ds: Dataset, year: int, column: str) -> np.ndarray:
    """One panel column for ``year``, in province order (float)."""
    p = ds.panel
    rows = p.loc[p["year"] == year].sort_values("idx")
    if len(rows) != ds.n:
        raise ValueError(f"the panel has no complete year {year}")
    return rows[column].to_numpy(float)


def investment_intensity(ds: Dataset, year: int, window: int = 5) -> np.ndarray:
    """Relative investment intensity by province (rule 7): Σ GFCF / Σ GDP over the ``window``
    panel years up to ``year`` (capped at the last panel year), divided by the national ratio."""
    last = min(year, int(ds.panel["year"].max()))
    years = range(last - window + 1, last + 1)
    gfcf = sum(panel_year(ds, y, "gfcf_100m_yuan_current") for y in years)
    gdp = sum(panel_year(ds, y, "gdp_100m_yuan") for y in years)
    return (gfcf / gdp) / (gfcf.sum() / gdp.sum())


def investment_deflator(ds: Dataset, year: int) -> np.ndarray:
    """P_year / P_2020 by province, implied by the capital stock's perpetual inventory:
    ``K_t = (1 − δ) K_(t−1) + GFCF_t / P_t`` with K at 2020 prices gives
    ``P_t / P_2020 = GFCF_t / (K_t − (1 − δ) K_(t−1))``."""
    if year == 2020:
        return np.ones(ds.n)
    col = "capital_stock_zj_100m_yuan_2020prices"
    k_now, k_prev = panel_year(ds, year, col), panel_year(ds, year - 1, col)
    gfcf = panel_year(ds, year, "gfcf_100m_yuan_current")
    return gfcf / (k_now - (1.0 - PIM_DEPRECIATION) * k_prev)


def migration_window_years(year: int) -> tuple[int, int]:
    """(then, now) of the population change that sets the migration target of a base year:
    the 5 years before it; for 2005–2009 the only earlier population is 2000 (an estimate)."""
    if year == 2020:
        return 2015, 2020
    return (year - 5, year) if year >= 2010 else (2000, year)


def base_year_data(ds: Dataset, cfg: Scenario) -> BaseYearData:
    """Population, GDP and capital of the scenario's ``start_year`` (module docstring)."""
    pr = ds.provinces
    year = cfg.start_year
    if year not in BASE_YEARS:
        raise ValueError(f"start_year {year} has no base-year data (allowed: 2005–2015, 2020)")
    gdp_col = "gdp2020_100m_yuan" if cfg.gdp_vintage == "csy2021" else "gdp2020_100m_yuan_revised"
    gdp2020 = pr[gdp_col].to_numpy(float)
    census = pr["pop_census2020"].to_numpy(np.int64)
    then, now = migration_window_years(year)
    pop_then = panel_year(ds, then, "population_10k")
    if year == 2020:
        population, gdp = census, gdp2020
        capital = pr["capital_stock2020_100m_yuan_2020prices"].to_numpy(float)
        pop_now = pr["pop_yearend2020_10k"].to_numpy(float)
        natural = cfg.demography.natural_growth_2020
        deflator = np.ones(ds.n)
    else:
        pop_now = panel_year(ds, year, "population_10k")
        population = np.rint(pop_now * 1e4).astype(np.int64)
        gdp = panel_year(ds, year, "gdp_100m_yuan")
        deflator = investment_deflator(ds, year)
        capital = panel_year(ds, year, "capital_stock_zj_100m_yuan_2020prices") * deflator
        natural = float(np.log(pop_now.sum() / pop_then.sum()) / (now - then))
    stock = cfg.migration.migrant_stock_2020 * population.sum() / census.sum()
    return BaseYearData(year=year, population=population, gdp=gdp, capital=capital,
                        gdp2020=gdp2020, investment_deflator=deflator, migrant_stock=float(stock),
                        natural_growth=natural, migration_window=(pop_then, pop_now, now - then))


def cluster_membership(ds: Dataset) -> np.ndarray:
    """Boolean (n_clusters, n) matrix of cluster membership."""
    m = np.zeros((len(ds.clusters), ds.n), dtype=bool)
    for c, members in enumerate(ds.clusters["member_idx"]):
        m[c, list(members)] = True
    return m


def cluster_integration_2020(ds: Dataset, cfg: Scenario) -> np.ndarray:
    """Initial integration of each cluster from its 14th-FYP tier."""
    tiers = ds.clusters["tier_14th_fyp"].to_list()
    table = {"optimize": 0.5, "grow": 0.3, "cultivate": 0.15} | cfg.clusters.integration_2020
    return np.array([table[t] for t in tiers], dtype=float)


def cluster_barrier_matrix(ds: Dataset, cfg: Scenario, year: int,
                           integration: np.ndarray | None = None,
                           barrier: float | None = None) -> np.ndarray:
    """Ad-valorem trade barrier between provinces: the interprovincial barrier, reduced inside
    city clusters by ``cluster_integration_discount × integration`` (§8)."""
    from sim.config.schema import path_value

    b = path_value(cfg.trade.interprovincial_barrier, year) if barrier is None else barrier
    if integration is None:
        integration = cluster_integration_2020(ds, cfg)
    member = cluster_membership(ds)
    # Highest integration of any cluster that contains both provinces.
    both = member[:, :, None] & member[:, None, :]
    best = np.max(np.where(both, integration[:, None, None], 0.0), axis=0)
    return b * (1.0 - cfg.trade.cluster_integration_discount * best)


def output_gap(gdp: np.ndarray, employment: np.ndarray, frontier: int) -> np.ndarray:
    """``max(ln y_F − ln y_i, 0)`` with ``y = GDP / employment`` (rule 6)."""
    log_y = np.log(gdp / employment)
    return np.maximum(log_y[frontier] - log_y, 0.0)


def closable_output_gap(ds: Dataset, cfg: Scenario, frontier: int, gdp: np.ndarray,
                        employment: np.ndarray) -> np.ndarray:
    """The log gap in output per worker to the frontier province on which the closable TFP gap
    is measured (rule 6): that of ``technology.gap_reference_year`` ``R``, depleted by catch-up
    at ``technology.catch_up_speed`` λ for the years up to the start year ``S``,
    ``max(ln y_F,R − ln y_i,R, 0) · (1 − λ)^(S − R)``; for ``S ≤ R`` the start year's own gap
    (``gdp``, ``employment``). Employment is a constant share of the population, so in a panel
    year ``y`` is GDP per resident."""
    ref, start = cfg.technology.gap_reference_year, cfg.start_year
    if ref >= start:
        return output_gap(gdp, employment, frontier)
    ref_data = base_year_data(ds, cfg.model_copy(update={"start_year": ref}))
    depletion = (1.0 - cfg.technology.catch_up_speed) ** (start - ref)
    return output_gap(ref_data.gdp, ref_data.population.astype(float), frontier) * depletion


def persistent_tfp_gap(tfp: np.ndarray, gap_in_output: np.ndarray, value_added: np.ndarray,
                       alpha: np.ndarray, closable_share: float) -> np.ndarray:
    """Part of each province's start-year log TFP gap to the frontier (the highest ``tfp``) that
    catch-up cannot close (rule 6 of the module docstring): ``ln A_F − ln A_i − c_i`` with
    ``c_i = min(κ (1 − ᾱ_i) g_i, ln A_F − ln A_i)`` and ``g_i = gap_in_output`` (from
    :func:`closable_output_gap`)."""
    log_a = np.log(tfp)
    gap = log_a.max() - log_a
    alpha_bar = (alpha * value_added).sum(axis=1) / value_added.sum(axis=1)
    closable = closable_share * (1.0 - alpha_bar) * gap_in_output
    return gap - np.minimum(closable, gap)


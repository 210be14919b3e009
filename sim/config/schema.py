"""The scenario schema: every setting of a regsim run, with its unit, default, range and source.

A scenario is a YAML file validated against :class:`Scenario`. Sections mirror the yearly step of
the model (DESIGN §2). Every behavioural parameter is declared with :func:`sim.config.params.param`,
which records its unit and its source: a paper or statistic, or ``assumption`` where no published
figure pins it down. ``docs/config_reference.md`` is generated from this module
(``python -m sim.config.reference``).

Policy levers of the core model (DESIGN §3, guideline §7–8, §24) sit in the sections where they act:
``migration.hukou_cost`` (§7 hukou reform), ``firms.entry_barrier`` (§7 unified negative list),
``trade.interprovincial_barrier`` (§8 market integration), ``fiscal.equalising_intensity`` (§24).
A lever given as ``{2020: a, 2035: b}`` is a path: linear between the years given, flat outside.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.config.names import SECTORS, check_names
from sim.config.params import Section, param
from sim.mechanisms.config import Mechanisms

Path = dict[int, float] | float
"""A lever: a constant, or a mapping ``year -> value`` interpolated linearly (flat outside)."""


def _check_path(value: Path, lo: float, hi: float, name: str) -> Path:
    values = value.values() if isinstance(value, dict) else [value]
    for v in values:
        if not lo <= float(v) <= hi:
            raise ValueError(f"value {v} out of range for {name} (allowed: {lo} ≤ x ≤ {hi})")
    if isinstance(value, dict):
        for year in value:
            if not 1990 <= int(year) <= 2100:
                raise ValueError(f"year {year} out of range for {name} (allowed: 1990–2100)")
    return value


def path_value(value: Path, year: int) -> float:
    """Value of a lever path in ``year`` (linear between given years, flat outside)."""
    if not isinstance(value, dict):
        return float(value)
    years = sorted(int(y) for y in value)
    vals = [float(value[y]) for y in years]
    if year <= years[0]:
        return vals[0]
    if year >= years[-1]:
        return vals[-1]
    for (y0, v0), (y1, v1) in zip(zip(years, vals, strict=True), zip(years[1:], vals[1:], strict=True), strict=False):
        if y0 <= year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    return vals[-1]  # unreachable


class Demography(Section):
    """Natural population change and labour-force participation (DESIGN §2.1)."""

    natural_growth_2020: float = param(
        0.00145, unit="per year", ge=-0.02, le=0.03,
        source="NBS 2020 Statistical Communiqué: birth rate 8.52‰, death rate 7.07‰ (RECALLED)",
        description="National rate of natural increase in the start year; all provinces share it.",
    )
    population_target_2050: float = param(
        1313.0e6, unit="persons", ge=0.8e9, le=1.6e9,
        source="UN World Population Prospects 2022, medium variant (national.csv)",
        description="National population reached in 2050: the natural rate falls linearly from "
        "natural_growth_2020 to the value that reaches this target (closed form).",
    )
    employment_rate_2020: float = param(
        0.532, unit="employed persons per resident", ge=0.2, le=0.9,
        source="NBS 2020 Statistical Communiqué: 750.64 million employed / 1411.78 million (RECALLED)",
        description="Employment per resident, the same in every province.",
    )
    employment_rate_2050: float = param(
        0.47, unit="employed persons per resident", ge=0.2, le=0.9,
        source="assumption: population ageing (UN WPP 2022 working-age share falls ~10 points by 2050)",
        description="Employment per resident in 2050 (linear in between).",
    )


class Production(Section):
    """Firm production y = A_eff · a_f · k^α_s · l^(1−α_s) (DESIGN §2.2)."""

    capital_share: dict[str, float] = Field(
        default_factory=lambda: {
            "agriculture": 0.35,
            "resources": 0.60,
            "labour_manufacturing": 0.35,
            "capital_manufacturing": 0.55,
            "high_tech": 0.45,
            "services": 0.45,
        },
        description="Capital share α_s of value added by sector. Average ≈ 0.47, near the "
        "aggregate capital share 0.5 of Bai, Hsieh & Qian (2006, Brookings Papers); the "
        "sectoral spread is an assumption.",
        json_schema_extra={"unit": "share of value added", "source": "Bai, Hsieh & Qian 2006; sectoral spread assumption"},
    )
    resources_share_of_industry: float = param(
        0.14, unit="share of industrial value added", ge=0.0, le=0.5,
        source="NBS 2020: mining + utilities ≈ 14% of industrial value added (RECALLED)",
        description="Floor share of resources & energy in each province's industry.",
    )
    coal_price_yuan_per_t: float = param(
        600.0, unit="yuan per tonne", ge=100, le=3000,
        source="2020 average thermal-coal price, ≈ 600 yuan/t (CCTD, RECALLED)",
        description="Converts raw coal output into resource-sector gross output (coal provinces).",
    )
    coal_value_added_ratio: float = param(
        0.5, unit="value added / gross output", ge=0.1, le=1.0, source="assumption",
        description="Value-added ratio of coal mining used with coal_price_yuan_per_t.",
    )
    high_tech_share_of_manufacturing: float = param(
        0.175, unit="share of manufacturing value added", ge=0.0, le=0.6,
        source="NBS 2020 Communiqué: high-tech manufacturing 15.1% of industry above designated size "
        "(RECALLED), ÷ (1 − resources share)",
        description="National high-tech share of manufacturing; tilted by income (below).",
    )
    labour_share_of_manufacturing: float = param(
        0.30, unit="share of manufacturing value added", ge=0.0, le=0.8, source="assumption",
        description="National labour-intensive share of manufacturing; the rest is capital-intensive.",
    )
    high_tech_income_elasticity: float = param(
        1.0, unit="elasticity", ge=0.0, le=3.0, source="assumption",
        description="High-tech share ∝ (GDP per capita / national)^elasticity, renormalised to the "
        "national share; labour-intensive share tilts the other way with the same elasticity.",
    )
    agglomeration_elasticity: float = param(
        0.04, unit="elasticity of TFP to employment", ge=0.0, le=0.2,
        source="Combes & Gobillon 2015 (Handbook of Regional and Urban Economics 5, ch. 5): 0.02–0.05",
        description="Agglomeration economies: A_eff ∝ (employment / employment_2020)^ε.",
    )
    congestion_elasticity: float = param(
        0.03, unit="elasticity of TFP to population density", ge=0.0, le=0.2, source="assumption",
        description="Congestion: A_eff ∝ (population / population_2020)^(−γ); scaled up in "
        "megacity clusters by their congestion index.",
    )
    carbon_intensity_decline: float = param(
        0.039, unit="per year", ge=0.0, le=0.2,
        source="14th FYP target: CO2 per unit of GDP −18% over 2021–2025 (RECALLED) ≈ 3.9%/yr",
        description="Annual decline of CO2 per unit of sectoral output.",
    )
    firm_productivity_persistence: float = param(
        0.9, unit="AR(1) coefficient of log productivity", ge=0.0, le=1.0, source="assumption",
        description="Persistence of firm productivity shocks a_f.",
    )
    firm_productivity_shock_sd: float = param(
        0.10, unit="standard deviation of log productivity shock", ge=0.0, le=1.0,
        source="assumption (within-industry TFP dispersion in China: Hsieh & Klenow 2009)",
        description="Annual shock to firm log productivity.",
    )
    firm_capital_dispersion: float = param(
        1.0, unit="standard deviation of log firm capital", ge=0.0, le=3.0, source="assumption",
        description="Dispersion of initial firm size (log-normal) within a province-sector.",
    )

    @field_validator("capital_share")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        check_names(sorted(v), SECTORS, "sector")
        missing = set(SECTORS) - set(v)
        if missing:
            raise ValueError(f"missing sector {sorted(missing)[0]!r} (all of {', '.join(SECTORS)} are required)")
        for k, x in v.items():
            if not 0.05 <= x <= 0.9:
                raise ValueError(f"value {x} out of range for capital_share.{k} (allowed: 0.05 ≤ x ≤ 0.9)")
        return v


class Trade(Section):
    """CES demand with iceberg trade costs; Redding–Venables market access (DESIGN §2.3)."""

    sigma: float = param(
        5.0, unit="elasticity of substitution", gt=1.0, le=20.0,
        source="Tombe & Zhu 2019 (AER): trade elasticity 4, i.e. σ = 5",
        description="Elasticity of substitution between manufacturing varieties.",
    )
    distance_elasticity: float = param(
        0.25, unit="elasticity of iceberg cost to distance", ge=0.0, le=1.0,
        source="Disdier & Head 2008 (REStat): distance elasticity of trade ≈ 1 = (σ−1)·ρ",
        description="τ_ij ∝ distance_ij^ρ.",
    )
    interprovincial_barrier: Annotated[Path, Field(description="Ad-valorem equivalent of barriers to trade "
        "between provinces (guideline §7–8; Tombe & Zhu 2019 find large internal trade costs). "
        "Lever: a constant or a {year: value} path.",
        json_schema_extra={"unit": "ad-valorem equivalent", "source": "assumption informed by Tombe & Zhu 2019", "range": "0–3"})] = 0.30
    barrier_2020: float = param(
        0.30, unit="ad-valorem equivalent", ge=0.0, le=3.0,
        source="assumption informed by Tombe & Zhu 2019 (the 2020 value of interprovincial_barrier)",
        description="Barrier in force in 2020, at which the demand shifters are calibrated; a scenario's "
        "interprovincial_barrier differs from it from the first simulated year on.",
    )
    cluster_integration_discount: float = param(
        0.5, unit="share of the barrier removed at full integration", ge=0.0, le=1.0, source="assumption",
        description="Inside a city cluster, the barrier is multiplied by 1 − discount·integration.",
    )
    solver_tolerance: float = param(
        1e-10, unit="max relative change of prices", gt=0.0, le=1e-3, source="numerical setting",
        description="Convergence tolerance of the market-access fixed point.",
    )
    solver_max_iter: int = param(
        500, unit="iterations", ge=10, le=100000, source="numerical setting",
        description="Iteration cap of the market-access fixed point.",
    )

    @field_validator("interprovincial_barrier")
    @classmethod
    def _barrier(cls, v: Path) -> Path:
        return _check_path(v, 0.0, 3.0, "trade.interprovincial_barrier")


class Fiscal(Section):
    """Local and central revenue, transfers, borrowing; the central budget balances (DESIGN §2.4)."""

    central_deficit_share_of_gdp: float = param(
        0.0275, unit="share of GDP", ge=0.0, le=0.1,
        source="MoF 2020 budget: central deficit 2.78 trillion yuan ≈ 2.7% of GDP (RECALLED)",
        description="Central net borrowing, which with central revenue finances transfers and central "
        "own spending (own spending is the balancing item).",
    )
    transfers_share_of_central_revenue: float | None = param(
        None, unit="transfers / central revenue", ge=0.0, le=3.0,
        source="national.csv: 83218 / 82771 in 2020 (computed when left empty)",
        description="Central transfers to provinces as a share of central revenue; empty = the 2020 ratio.",
    )
    equalising_intensity: Annotated[Path, Field(description="Share of central transfers allocated by the "
        "equalising (gap-filling) formula of §24; the rest is paid per capita. Lever.",
        json_schema_extra={"unit": "share of transfers", "source": "assumption (2020: general transfers ≈ 0.84 of all transfers, MoF, RECALLED; half of them gap-filling)", "range": "0–1"})] = 0.5
    local_deficit_share_of_gdp: float = param(
        0.027, unit="share of GDP", ge=0.0, le=0.1,
        source="national.csv: (210492 − 100124 − 83218) / GDP 2020",
        description="Local net borrowing; with own revenue and transfers it finances local spending.",
    )
    local_debt_2020_share_of_gdp: float = param(
        0.253, unit="share of GDP", ge=0.0, le=2.0,
        source="MoF: local government debt 25.66 trillion yuan at end-2020 (RECALLED) / GDP",
        description="Initial local government debt, split across provinces in proportion to GDP.",
    )
    debt_interest_rate: float = param(
        0.035, unit="per year", ge=0.0, le=0.2,
        source="average coupon of local government bonds 2020 ≈ 3.5% (MoF, RECALLED)",
        description="Interest on local debt, paid out of local spending.",
    )

    @field_validator("equalising_intensity")
    @classmethod
    def _eq(cls, v: Path) -> Path:
        return _check_path(v, 0.0, 1.0, "fiscal.equalising_intensity")


class PublicServices(Section):
    """Public-service level from spending; migrants' access (DESIGN §2.5, guideline §20–22)."""

    spending_elasticity: float = param(
        1.0, unit="elasticity of the service level to spending per capita", ge=0.0, le=2.0,
        source="assumption",
        description="Service index = (local spending per resident / national mean in 2020)^elasticity.",
    )
    migrant_access: Annotated[Path, Field(description="Share of public services that residents without "
        "local hukou can use (§7, §21–22). Lever.",
        json_schema_extra={"unit": "share", "source": "assumption (hukou urbanisation 45.4% vs residence 63.89%, national.csv)", "range": "0–1"})] = 0.5
    hukou_conversion_rate: Annotated[Path, Field(description="Share of non-hukou residents who obtain local "
        "hukou each year (settlement reform §7). Lever.",
        json_schema_extra={"unit": "per year", "source": "assumption", "range": "0–1"})] = 0.02

    @field_validator("migrant_access")
    @classmethod
    def _acc(cls, v: Path) -> Path:
        return _check_path(v, 0.0, 1.0, "public_services.migrant_access")

    @field_validator("hukou_conversion_rate")
    @classmethod
    def _conv(cls, v: Path) -> Path:
        return _check_path(v, 0.0, 1.0, "public_services.hukou_conversion_rate")


class Migration(Section):
    """Logit over destinations (DESIGN §2.6); the hukou cost is the §7 lever."""

    elasticity: float = param(
        1.5, unit="logit scale on log real income", ge=0.0, le=10.0,
        source="Tombe & Zhu 2019 (AER): migration elasticity κ = 1.5",
        description="Sensitivity of destination choice to log real income.",
    )
    public_service_weight: float = param(
        0.3, unit="utility weight of log effective public services", ge=0.0, le=2.0, source="assumption",
        description="Weight of log effective public services (access × level) in destination utility.",
    )
    distance_cost: float = param(
        1.0, unit="utility per log km", ge=0.0, le=5.0,
        source="gravity of Chinese inter-provincial migration, distance elasticity ≈ −1 (Poncet 2006, J. Comparative Economics)",
        description="Moving cost per log distance.",
    )
    hukou_cost: Annotated[Path, Field(description="Utility cost of moving to a province where one has no "
        "hukou (§7 lever). The rest of the moving cost is calibrated so that gross_move_rate_2020 holds "
        "at the 2020 value of this lever; lowering it raises moves.",
        json_schema_extra={"unit": "utility (log real income equivalent)", "source": "assumption (Hao, Sun, Tombe & Zhu 2020 find hukou-related costs are the larger part of migration costs)", "range": "0–30"})] = 2.0
    hukou_cost_2020: float = param(
        2.0, unit="utility (log real income equivalent)", ge=0.0, le=30.0,
        source="assumption (the 2020 value of hukou_cost; see hukou_cost)",
        description="Hukou cost in force in 2020, at which the moving cost is calibrated; a scenario's "
        "hukou_cost below it lowers migration costs from the start year on.",
    )
    gross_move_rate_2020: float = param(
        0.010, unit="share of residents moving province per year", ge=0.0, le=0.1,
        source="census 2020: 124.84 M inter-provincial migrants (national.csv) ≈ 9% of population, "
        "with an average stay of ~9 years (assumption) → ≈ 1% a year",
        description="Target used to calibrate the stay-home utility so moves match in 2020.",
    )
    migrant_stock_2020: float = param(
        124.84e6, unit="persons", ge=0.0, le=5e8,
        source="7th census communiqué No. 7: inter-provincial floating population (national.csv)",
        description="Residents without local hukou in 2020, split across provinces ∝ pop·(GDP pc ratio)².",
    )
    return_share: float = param(
        0.5, unit="share of movers that are non-hukou residents", ge=0.0, le=1.0, source="assumption",
        description="Movers leaving a province are drawn from non-hukou residents in this proportion "
        "(up to their number); all movers arrive without local hukou.",
    )


class Capital(Section):
    """Investment, depreciation and capital mobility (DESIGN §2.7)."""

    depreciation: float = param(
        0.096, unit="per year", ge=0.0, le=0.3,
        source="Zhang Jun, Wu & Zhang 2004 (Economic Research Journal): 9.6%, as in the data's capital stock",
        description="Depreciation of the capital stock.",
    )
    investment_rate_2020: float = param(
        0.43, unit="gross fixed capital formation / GDP", ge=0.0, le=0.8,
        source="NBS: gross capital formation 43.1% of GDP in 2020 (RECALLED)",
        description="Investment rate in the start year.",
    )
    investment_rate_2050: float = param(
        0.30, unit="gross fixed capital formation / GDP", ge=0.0, le=0.8,
        source="assumption (rebalancing toward consumption; IMF Article IV 2023 scenarios)",
        description="Investment rate in 2050 (linear in between).",
    )
    mobile_share: float = param(
        0.3, unit="share of investment allocated nationally", ge=0.0, le=1.0,
        source="Boyreau-Debray & Wei 2005 (NBER w11542): low inter-provincial capital mobility",
        description="Share of each province's saving invested where returns are highest.",
    )
    return_elasticity: float = param(
        4.0, unit="elasticity of the mobile investment share to the return on capital", ge=0.0, le=20.0,
        source="assumption",
        description="Mobile investment goes to province i in proportion to K_i · r_i^elasticity.",
    )


class Firms(Section):
    """Relocation (industrial transfer), entry and exit (DESIGN §2.7); negative-list lever."""

    relocation_review_share: float = param(
        0.05, unit="share of firms per year", ge=0.0, le=1.0, source="assumption",
        description="Share of firms that reconsider their location each year.",
    )
    relocation_cost: float = param(
        0.25, unit="share of a year's value added", ge=0.0, le=5.0, source="assumption",
        description="Cost of moving (lost output), paid in the year of the move.",
    )
    relocation_horizon_years: float = param(
        5.0, unit="years", ge=1.0, le=30.0, source="assumption",
        description="Years over which a relocating firm compares expected value-added gains.",
    )
    entry_barrier: Annotated[Path, Field(description="Market-access barrier for out-of-province entry and "
        "relocation (§7 unified negative list), as a share of a year's value added. Lever.",
        json_schema_extra={"unit": "share of a year's value added", "source": "assumption", "range": "0–5"})] = 0.5
    exit_rate: float = param(
        0.06, unit="share of firms per year", ge=0.0, le=0.5,
        source="assumption (annual exit of Chinese manufacturing firms 5–10%; Brandt, Van Biesebroeck & Zhang 2012)",
        description="Base exit hazard; firms with the lowest profitability in their sector exit first.",
    )
    location_noise: float = param(
        0.3, unit="scale of Gumbel location tastes, years of value added", ge=0.0, le=10.0,
        source="assumption",
        description="Idiosyncratic location preferences of relocating and entering firms (logit).",
    )
    entry_size: float = param(
        0.5, unit="entrant capital / mean firm capital of the sector", ge=0.01, le=5.0,
        source="assumption (entrants are smaller than incumbents)",
        description="Initial capital of an entrant, financed from its province's investment.",
    )
    home_entry_share: float = param(
        0.8, unit="share of entrants", ge=0.0, le=1.0, source="assumption",
        description="Share of entrants that are local start-ups (no barrier); the rest choose a province "
        "by expected value added net of the entry barrier.",
    )
    relocating_sectors: list[str] = Field(
        default_factory=lambda: ["labour_manufacturing", "capital_manufacturing", "high_tech"],
        description="Sectors whose firms reconsider their province and whose entrants may choose one "
        "(industrial transfer). Firms of the other sectors stay where they are and their entrants are "
        "local start-ups (a start-up in a province where its sector is banned still goes elsewhere).",
        json_schema_extra={"unit": "sector names", "source": "assumption: industrial transfer (§5; DESIGN "
                           "§2.7) concerns tradable manufacturing; agriculture is tied to land, resources "
                           "to deposits, and services (not traded between provinces) serve local demand"},
    )

    @field_validator("relocating_sectors")
    @classmethod
    def _sectors(cls, v: list[str]) -> list[str]:
        check_names(v, SECTORS, "sector")
        if len(set(v)) != len(v):
            raise ValueError("a sector is listed twice")
        return v


def check_data_year(year: int, field: str) -> int:
    """A year with a packaged provincial state: a panel year 2005–2015, or 2020 (the range
    bounds are the field's own)."""
    if 2015 < year < 2020:
        raise ValueError(f"{field} {year} has no packaged data (allowed: 2005–2015 or 2020)")
    return year


class Technology(Section):
    """Frontier growth and catch-up (DESIGN §2.8)."""

    frontier_growth_2020: float = param(
        0.030, unit="per year", ge=-0.05, le=0.1,
        source="calibrated so baseline real GDP per capita roughly doubles 2020–2035 (14th FYP / "
        "2035 long-range objectives, RECALLED)",
        description="Growth of the technology frontier in the start year.",
    )
    frontier_growth_2050: float = param(
        0.012, unit="per year", ge=-0.05, le=0.1, source="assumption (slowing frontier growth)",
        description="Growth of the technology frontier in 2050 (linear in between).",
    )
    catch_up_speed: float = param(
        0.02, unit="share of the closable log gap closed per year", ge=0.0, le=0.5,
        source="Barro & Sala-i-Martin 1992: ~2% convergence per year",
        description="Speed at which provincial TFP closes the closable part of its log gap to the frontier.",
    )
    closable_gap_share: float = param(
        0.3, unit="share of the start-year log gap in output per worker", ge=0.0, le=1.0,
        source="assumption: measured TFP gaps include persistent wedges (geography, misallocation; "
        "Hsieh & Klenow 2009); only this share is technology that can be caught up",
        description="Share κ of each province's start-year log gap in output per worker to the frontier "
        "province that TFP catch-up can close: the closable TFP gap is κ(1−ᾱ_i)·max(ln y_F − ln y_i, 0), "
        "at most the measured TFP gap (calibration rule 6).",
    )
    gap_reference_year: int = param(
        2005, unit="year", ge=2005, le=2020,
        source="assumption, consistent with the calibration window 2005–2010 (docs/validation.md): "
        "the closable gap is one structural quantity that catch-up depletes, not re-measured at "
        "every base year",
        description="Year in which the closable TFP gap is measured (a panel year 2005–2015, or "
        "2020). A later start year inherits κ(1−ᾱ_i)·max(ln y_F − ln y_i, 0) of this year, "
        "depleted by catch-up at catch_up_speed for the years in between and capped at the "
        "start year's measured TFP gap; a start year at or before it measures the gap itself "
        "(calibration rule 6).",
    )
    link_diffusion_bonus: float = param(
        0.5, unit="relative increase of catch-up speed per cooperation link", ge=0.0, le=5.0,
        source="assumption",
        description="Catch-up is faster along cooperation links and inside integrated clusters "
        "(used by the mechanisms).",
    )


    @field_validator("gap_reference_year")
    @classmethod
    def _reference_year(cls, v: int) -> int:
        return check_data_year(v, "gap_reference_year")


class Clusters(Section):
    """City clusters: integration and agglomeration (DESIGN §1)."""

    integration_2020: dict[str, float] = Field(
        default_factory=lambda: {"optimize": 0.5, "grow": 0.3, "cultivate": 0.15},
        description="Initial integration level by 14th-FYP tier (optimize/grow/cultivate).",
        json_schema_extra={"unit": "index in [0,1]", "source": "assumption ordered by the 14th FYP tiers"},
    )
    agglomeration_bonus: float = param(
        0.05, unit="TFP gain at full integration relative to 2020", ge=0.0, le=0.5, source="assumption",
        description="A_eff of member provinces ∝ 1 + bonus·(integration − integration_2020).",
    )

    @field_validator("integration_2020")
    @classmethod
    def _tiers(cls, v: dict[str, float]) -> dict[str, float]:
        allowed = {"optimize", "grow", "cultivate"}
        for k, x in v.items():
            if k not in allowed:
                raise ValueError(f"unknown tier {k!r} (allowed: optimize, grow, cultivate)")
            if not 0.0 <= x <= 1.0:
                raise ValueError(f"value {x} out of range for integration_2020.{k} (allowed: 0 ≤ x ≤ 1)")
        return v


class Output(Section):
    """What a run writes."""

    figures: bool = Field(True, description="Write the figures (PNG).")
    firm_tables: bool = Field(False, description="Also write the firm-level table of the final year "
        "and a firm panel sample (off by default: large).")
    firm_sample: int = Field(2000, ge=0, le=1_000_000, description="Firms in the firm panel sample when firm_tables is on.")


class Scenario(Section):
    """A whole regsim scenario."""

    name: str = Field("baseline", description="Scenario name, used in outputs.")
    description: str = Field("", description="Free text.")
    start_year: int = Field(2020, ge=2005, le=2020, description="First simulated state (data year): "
        "2020, or a panel year 2005–2015 (2016–2019 have no packaged data); the start state "
        "reproduces that year's provincial GDP and population (docs/validation.md).")
    end_year: int = Field(2050, ge=2006, le=2100, description="Last simulated year.")
    seed: int = Field(20201101, ge=0, le=2**63 - 1, description="Seed of the model's random generator.")
    n_firms: int = Field(20000, ge=186, le=20_000_000, description="Representative firms at the start "
        "(at least one per province-sector: 31 × 6 = 186). The national Theil T is resolved at "
        "20 000; use 300 000 or more for output levels and single small provinces "
        "(experiments/firm_resolution).")
    gdp_vintage: Literal["csy2021", "revised"] = Field("csy2021", description="2020 GDP vintage: the "
        "CSY-2021 figures (default) or the post-5th-census revision.")
    demography: Demography = Field(default_factory=Demography)
    production: Production = Field(default_factory=Production)
    trade: Trade = Field(default_factory=Trade)
    fiscal: Fiscal = Field(default_factory=Fiscal)
    public_services: PublicServices = Field(default_factory=PublicServices)
    migration: Migration = Field(default_factory=Migration)
    capital: Capital = Field(default_factory=Capital)
    firms: Firms = Field(default_factory=Firms)
    technology: Technology = Field(default_factory=Technology)
    clusters: Clusters = Field(default_factory=Clusters)
    mechanisms: Mechanisms = Field(default_factory=Mechanisms, description="The guideline's "
        "coordination mechanisms (DESIGN §3), each with enabled, intensity, start_year, end_year, "
        "phase_in_years and its own parameters; all off by default (docs/mechanisms.md).")
    output: Output = Field(default_factory=Output)

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        if self.end_year <= self.start_year:
            raise ValueError(
                f"end_year {self.end_year} must be after start_year {self.start_year}"
            )
        return self

    @field_validator("start_year")
    @classmethod
    def _base_year(cls, v: int) -> int:
        return check_data_year(v, "start_year")

    @field_validator("migration")
    @classmethod
    def _hukou(cls, v: Migration) -> Migration:
        _check_path(v.hukou_cost, 0.0, 30.0, "migration.hukou_cost")
        return v

    @field_validator("firms")
    @classmethod
    def _entry(cls, v: Firms) -> Firms:
        _check_path(v.entry_barrier, 0.0, 5.0, "firms.entry_barrier")
        return v

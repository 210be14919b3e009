"""Any base year (issue 7): a scenario starting in a panel year 2005–2015 reproduces that year's
provincial GDP and population exactly; the base-year rules of sim.economy.calibration."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError, load_config
from sim.economy.calibration import (
    BASE_YEARS,
    base_year_data,
    investment_deflator,
    migration_window_years,
    panel_year,
)
from sim.model import RegionalModel

PANEL_YEARS = (2005, 2010, 2015)


@pytest.fixture(scope="module", params=PANEL_YEARS)
def started(request, dataset):
    year = request.param
    return year, RegionalModel(start_year=year, end_year=year + 2, n_firms=1000, data=dataset)


def test_base_year_reproduces_gdp_and_population_exactly(started, dataset):
    year, m = started
    p = m.province_table()
    pop_data = np.rint(panel_year(dataset, year, "population_10k") * 1e4).astype(np.int64)
    gdp_data = panel_year(dataset, year, "gdp_100m_yuan")
    assert p["year"].unique().tolist() == [year]
    assert p["population"].dtype.kind == "i"
    assert np.array_equal(p["population"].to_numpy(), pop_data)
    assert np.max(np.abs(p["gdp_100m_yuan"].to_numpy() / gdp_data - 1.0)) < 1e-12
    assert m.national["population"] == pop_data.sum()
    assert abs(m.national["gdp"] / gdp_data.sum() - 1.0) < 1e-12


def test_base_year_capital_is_the_panel_stock_at_base_year_prices(started, dataset):
    year, m = started
    k = panel_year(dataset, year, "capital_stock_zj_100m_yuan_2020prices")
    defl = investment_deflator(dataset, year)
    assert np.allclose(m.calibration.capital, k * defl, rtol=1e-12)
    # the perpetual-inventory deflator: plausible investment price levels relative to 2020
    assert np.all((defl > 0.5) & (defl < 1.1))
    # firms carry exactly that capital at the start (before the start year's investment)
    from sim.economy.calibration import calibrate

    f = calibrate(dataset, m.config, np.random.default_rng(0)).firms
    assert np.allclose(np.bincount(f.province[f.alive], weights=f.capital[f.alive],
                                   minlength=m.n), k * defl, rtol=1e-9)


def test_deflator_reproduces_the_perpetual_inventory(dataset):
    """GFCF_t / P_t = K_t − (1 − δ) K_(t−1) at 2020 prices, by construction."""
    for year in (2006, 2010, 2015):
        k1 = panel_year(dataset, year, "capital_stock_zj_100m_yuan_2020prices")
        k0 = panel_year(dataset, year - 1, "capital_stock_zj_100m_yuan_2020prices")
        i = panel_year(dataset, year, "gfcf_100m_yuan_current")
        assert np.allclose(i / investment_deflator(dataset, year), k1 - 0.904 * k0, rtol=1e-12)
    # prices rise over time (national median)
    med = [np.median(investment_deflator(dataset, y)) for y in (2005, 2010, 2015)]
    assert med[0] < med[1] < med[2] < 1.0


def test_base_year_sector_shares_are_the_2020_shares(started, dataset):
    _, m = started
    ref = RegionalModel(start_year=2020, end_year=2021, n_firms=1000, data=dataset)
    share = m.calibration.value_added / m.calibration.gdp[:, None]
    share20 = ref.calibration.value_added / ref.calibration.gdp[:, None]
    assert np.allclose(share, share20, rtol=1e-12, atol=1e-15)
    assert np.allclose(m.own_revenue_rate, ref.own_revenue_rate, rtol=1e-12)
    assert m.central_rate == pytest.approx(ref.central_rate, rel=1e-12)


def test_base_year_equilibrium_resolves_to_the_data(started):
    """The start year is an equilibrium: after one step the model runs on (finite GDP) and the
    first simulated year's GDP is close to the start (no jump from miscalibration)."""
    year, m = started
    m.step()
    nat = m.national_table()
    assert nat["year"].tolist() == [year, year + 1]
    assert np.isfinite(nat["gdp"]).all()
    growth = nat["gdp"].iloc[1] / nat["gdp"].iloc[0] - 1
    assert -0.05 < growth < 0.2


def test_migration_target_from_the_previous_five_years(started, dataset):
    year, m = started
    then, now = migration_window_years(year)
    assert now == year
    assert then == (year - 5 if year >= 2010 else 2000)
    pop_then, pop_now, years = m.calibration.migration_window
    assert years == now - then
    assert np.array_equal(pop_now, panel_year(dataset, now, "population_10k"))
    target = m.migration_target_2020
    assert abs(target.sum()) < 1e-6 * np.abs(target).sum()
    from sim.economy import migration

    expect = migration.target_net_migration(m.population_start.astype(float), pop_then, pop_now,
                                            years)
    assert np.allclose(target, expect)


def test_natural_rate_from_the_panel_and_path_to_the_un_target(started, dataset):
    year, m = started
    pop_then, pop_now, years = m.calibration.migration_window
    assert m.natural_r0 == pytest.approx(np.log(pop_now.sum() / pop_then.sum()) / years)
    # the linear path reaches the 2050 target (sum of the yearly rates)
    from sim.economy.demography import natural_rate

    total = sum(natural_rate(t, year, m.natural_r0, m.natural_r1) for t in range(year + 1, 2051))
    target = m.config.demography.population_target_2050
    assert total == pytest.approx(np.log(target / m.population_start.sum()), rel=1e-9)


def test_base_year_data_2020_is_the_census_cross_section(dataset):
    cfg = load_config(None)
    d = base_year_data(dataset, cfg)
    pr = dataset.provinces
    assert np.array_equal(d.population, pr["pop_census2020"].to_numpy())
    assert np.array_equal(d.gdp, pr["gdp2020_100m_yuan"].to_numpy(float))
    assert np.array_equal(d.investment_deflator, np.ones(dataset.n))
    assert d.migrant_stock == cfg.migration.migrant_stock_2020
    assert d.natural_growth == cfg.demography.natural_growth_2020
    assert migration_window_years(2020) == (2015, 2020)


def test_base_years_allowed_by_the_schema():
    assert (*range(2005, 2016), 2020) == BASE_YEARS
    for year in BASE_YEARS:
        assert load_config(None, overrides=[f"start_year={year}"]).start_year == year
    for bad in (2004, 2016, 2019, 2021):
        with pytest.raises(ConfigError, match="start_year"):
            load_config(None, overrides=[f"start_year={bad}"])


def test_zero_gross_move_rate_switches_migration_off(dataset):
    m = RegionalModel(end_year=2022, n_firms=500, data=dataset,
                      migration__gross_move_rate_2020=0.0)
    m.run()
    assert m.national_table()["migrants"].sum() == 0

"""Firm dynamics and investment rules of the 2026-11-29 revision (sim/economy/relocation.py,
sim/economy/capital.py, sim/economy/calibration.py rules 6–7): the size-weighted location logit,
relocating sectors, births where profitable, Gibrat investment inside a cell, the historical
investment intensity and the closable TFP gap. Each test names the rule it checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import from_flat
from sim.economy import capital as capital_mod
from sim.economy import relocation
from sim.economy.calibration import (
    closable_output_gap,
    investment_intensity,
    output_gap,
    panel_year,
    persistent_tfp_gap,
)
from sim.economy.firms import FirmTable
from sim.economy.sectors import N_SECTORS

N = 5  # provinces in the small synthetic worlds


def _probabilities(gain_row: np.ndarray, noise: float) -> np.ndarray:
    z = np.exp((gain_row - gain_row.max()) / noise)
    return z / z.sum()


@settings(max_examples=60, deadline=None)
@given(size=st.lists(st.floats(0.01, 100.0), min_size=N, max_size=N),
       cost=st.floats(0.0, 2.0), noise=st.floats(0.05, 2.0), origin=st.integers(0, N - 1))
def test_equal_gains_move_with_the_nest_probability_and_spread_by_capital(size, cost, noise, origin):
    """With the same profitability everywhere and one cost c, a reviewing firm moves with
    probability 1/(1 + e^(c/ν)) whatever the provinces' sizes, and movers go to destination j
    with probability ∝ its capital share w_j (elemental sites)."""
    profit = np.ones((N, N_SECTORS))
    sites = np.tile(np.array(size)[:, None], (1, N_SECTORS))
    g = relocation.location_table(profit, np.full((N, N), cost), 5.0, noise, size=sites)
    p = _probabilities(g[origin, 0], noise)
    assert 1.0 - p[origin] == pytest.approx(1.0 / (1.0 + np.exp(cost / noise)), rel=1e-9)
    others = np.delete(np.arange(N), origin)
    w = np.array(size)[others]
    np.testing.assert_allclose(p[others] / p[others].sum(), w / w.sum(), rtol=1e-9)


def test_profitability_tilts_the_choice_by_the_logit_odds():
    """A destination whose profitability is higher by a factor (1 + x) gets odds e^(H x / ν)
    against an otherwise identical destination of the same size."""
    profit = np.ones((N, N_SECTORS))
    profit[3, 2] = 1.2
    sites = np.ones((N, N_SECTORS))
    g = relocation.location_table(profit, np.full((N, N), 0.75), 5.0, 0.3, size=sites)
    p = _probabilities(g[0, 2], 0.3)
    assert p[3] / p[4] == pytest.approx(np.exp(5.0 * 0.2 / 0.3), rel=1e-9)


def _table(n_per_cell: int = 40, seed: int = 0) -> FirmTable:
    rng = np.random.default_rng(seed)
    n = N * N_SECTORS * n_per_cell
    f = FirmTable.empty(n + 100, N, alpha=np.full(N_SECTORS, 0.4))
    prov = np.repeat(np.arange(N), N_SECTORS * n_per_cell)
    sec = np.tile(np.repeat(np.arange(N_SECTORS), n_per_cell), N)
    cap = rng.lognormal(0.0, 1.0, n) * (1.0 + prov)  # bigger provinces hold more capital
    f.add(prov.astype(np.int16), sec.astype(np.int8), cap, rng.normal(0, 0.1, n), cap * 0.01)
    return f


def test_choose_location_draws_follow_the_probabilities():
    """Inverse-CDF draws reproduce the logit probabilities (200 000 draws, 5 s.e.)."""
    rng = np.random.default_rng(1)
    profit = np.ones((N, N_SECTORS))
    profit[2] = 1.1
    sites = np.arange(1.0, N + 1.0)[:, None] * np.ones((1, N_SECTORS))
    cost = np.full((N, N), 0.5)
    k = 200_000
    dest = relocation.choose_location(np.zeros(k, dtype=np.int64), np.full(k, 3), profit, cost,
                                      5.0, 0.4, rng, size=sites)
    freq = np.bincount(dest, minlength=N) / k
    p = _probabilities(relocation.location_table(profit, cost, 5.0, 0.4, size=sites)[0, 3], 0.4)
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / k) + 1e-12)


def test_only_relocating_sectors_move():
    """Firms of sectors outside ``firms.relocating_sectors`` never review their location."""
    f = _table()
    before = f.province.copy()
    relocating = np.zeros(N_SECTORS, dtype=bool)
    relocating[[2, 3, 4]] = True
    profit = np.ones((N, N_SECTORS))
    profit[4] = 3.0  # a strong pull that every sector would follow
    x = f.effective_capital()
    frm, to, sec, _, _ = relocation.relocate(
        f, profit, x, 0.5, np.zeros((N_SECTORS, N, N)), 5.0, 0.3, np.random.default_rng(2),
        relocating=relocating)
    assert frm.size > 0 and np.isin(sec, [2, 3, 4]).all()
    stayed = ~np.isin(f.sector, [2, 3, 4]) & f.alive
    np.testing.assert_array_equal(f.province[stayed], before[stayed])


def test_movers_spread_in_proportion_to_capital_when_profitability_is_equal():
    """Equal profitability everywhere: movers' destinations follow capital shares (statistical)."""
    f = _table(n_per_cell=400)
    kcell = f.cell_sum(f.capital, masked=False)
    frm, to, sec, _, _ = relocation.relocate(
        f, np.ones((N, N_SECTORS)), f.effective_capital(), 1.0, np.zeros((N_SECTORS, N, N)), 5.0,
        0.3, np.random.default_rng(3), size=kcell)
    # expected destinations given each mover's origin o and sector s: w_js / Σ_{k≠o} w_ks, j ≠ o
    w = kcell / kcell.sum(axis=0)
    p = np.broadcast_to(w.T[None, :, :], (N, N_SECTORS, N)).copy()  # [o, s, j]
    p[np.arange(N), :, np.arange(N)] = 0.0
    p /= p.sum(axis=2, keepdims=True)
    expected = p[frm, sec].sum(axis=0)
    got = np.bincount(to, minlength=N)
    assert np.all(np.abs(got - expected) <= 5 * np.sqrt(expected) + 1)


def test_local_births_follow_count_times_profitability():
    """Local start-ups (home share 1) are born in province j with probability ∝ N_js · π_js."""
    f = _table(n_per_cell=20)
    rng = np.random.default_rng(4)
    profit = np.ones((N, N_SECTORS))
    profit[:, 0] = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    m = 100_000
    n_by_sector = np.zeros(N_SECTORS, dtype=np.int64)
    n_by_sector[0] = m
    counts = f.cell_count()
    inv = np.full(N, 1e12)
    slots = relocation.enter_firms(
        f, n_by_sector, profit, 1.0, np.zeros((N_SECTORS, N, N)), 5.0, 0.3, inv,
        np.ones(N_SECTORS), 0.1, np.ones((N, N_SECTORS)), rng)
    freq = np.bincount(f.province[slots], minlength=N) / m
    p = counts[:, 0] * profit[:, 0] / (counts[:, 0] * profit[:, 0]).sum()
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / m))


def test_entrants_of_non_relocating_sectors_stay_home_unless_banned():
    f = _table(n_per_cell=20)
    rng = np.random.default_rng(5)
    relocating = np.zeros(N_SECTORS, dtype=bool)
    allowed = np.ones((N_SECTORS, N), dtype=bool)
    allowed[1, 0] = False  # sector 1 banned in province 0
    n_by_sector = np.zeros(N_SECTORS, dtype=np.int64)
    n_by_sector[[0, 1]] = 5000
    counts = f.cell_count()
    slots = relocation.enter_firms(
        f, n_by_sector, np.ones((N, N_SECTORS)), 0.0, np.zeros((N_SECTORS, N, N)), 5.0, 0.3,
        np.full(N, 1e12), np.ones(N_SECTORS), 0.1, np.ones((N, N_SECTORS)), rng, allowed,
        relocating=relocating, counts=counts)
    s1 = slots[f.sector[slots] == 1]
    assert s1.size == 5000 and not (f.province[s1] == 0).any()  # born elsewhere, not at home
    # sector 0 (not relocating, not banned): births ∝ counts, i.e. uniform here
    s0 = slots[f.sector[slots] == 0]
    assert np.bincount(f.province[s0], minlength=N).min() > 0.15 * s0.size


def test_gibrat_investment_every_firm_of_a_cell_grows_at_the_same_rate():
    """Inside a cell each firm's capital becomes k (1 − δ + I_c / K_c); cell totals add exactly."""
    f = _table()
    k0 = f.capital.copy()
    kcell = f.cell_sum(f.capital, masked=False)
    inv_cell = np.random.default_rng(6).uniform(0, 50, (N, N_SECTORS))
    capital_mod.invest_in_firms(f, inv_cell, kcell, 0.096)
    growth = f.capital[f.alive] / k0[f.alive]
    cell = f.cell_idx[f.alive]
    expected = (1 - 0.096 + inv_cell.ravel() / kcell.ravel())[cell]
    np.testing.assert_allclose(growth, expected, rtol=1e-12)
    np.testing.assert_allclose(f.cell_sum(f.capital, masked=False), 0.904 * kcell + inv_cell,
                               rtol=1e-12)


def test_allocate_investment_conserves_and_weights_home_investment_by_intensity():
    rng = np.random.default_rng(7)
    saving = rng.uniform(1, 10, N)
    cap = rng.uniform(10, 100, N)
    income = 0.1 * cap  # equal returns: the mobile pool follows capital
    rho = np.array([2.0, 1.0, 0.5, 1.5, 0.8])
    inv = capital_mod.allocate_investment(saving, cap, income, 0.3, 4.0, np.full(N, 0.1), rho)
    assert inv.sum() == pytest.approx(saving.sum(), rel=1e-14)
    home = 0.7 * saving.sum() * rho * saving / (rho * saving).sum()
    np.testing.assert_allclose(inv, home + 0.3 * saving.sum() * cap / cap.sum(), rtol=1e-12)
    plain = capital_mod.allocate_investment(saving, cap, income, 0.3, 4.0, np.full(N, 0.1))
    np.testing.assert_allclose(plain, 0.7 * saving + 0.3 * saving.sum() * cap / cap.sum(),
                               rtol=1e-12)


def test_investment_intensity_is_gfcf_over_gdp_relative_to_national(dataset):
    rho = investment_intensity(dataset, 2020)
    years = range(2011, 2016)
    gfcf = sum(panel_year(dataset, y, "gfcf_100m_yuan_current") for y in years)
    gdp = sum(panel_year(dataset, y, "gdp_100m_yuan") for y in years)
    np.testing.assert_allclose(rho, gfcf / gdp / (gfcf.sum() / gdp.sum()), rtol=1e-12)
    # GDP-weighted mean is one: the rule redistributes, it does not create investment
    assert (rho * gdp).sum() / gdp.sum() == pytest.approx(1.0, rel=1e-12)
    q = dataset.province_index("Qinghai")
    assert rho[q] == pytest.approx(2.09, abs=0.01) and rho.argmax() == q
    # another base year uses the five years up to it
    r10 = investment_intensity(dataset, 2010)
    g10 = sum(panel_year(dataset, y, "gfcf_100m_yuan_current") for y in range(2006, 2011))
    y10 = sum(panel_year(dataset, y, "gdp_100m_yuan") for y in range(2006, 2011))
    np.testing.assert_allclose(r10, g10 / y10 / (g10.sum() / y10.sum()), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(kappa=st.floats(0.0, 1.0), seed=st.integers(0, 10_000))
def test_closable_tfp_gap_rule(kappa, seed):
    """Rule 6: persistent = gap − min(κ(1−ᾱ)·max(ln y_F − ln y, 0), gap); zero at the frontier,
    the whole gap when κ = 0, never negative, never more than the gap."""
    rng = np.random.default_rng(seed)
    tfp = rng.uniform(0.2, 1.0, N)
    gdp = rng.uniform(1, 10, N)
    emp = rng.uniform(1, 5, N)
    va = rng.uniform(0.1, 1.0, (N, N_SECTORS))
    alpha = rng.uniform(0.2, 0.6, N_SECTORS)
    pers = persistent_tfp_gap(tfp, output_gap(gdp, emp, int(tfp.argmax())), va, alpha, kappa)
    gap = np.log(tfp.max()) - np.log(tfp)
    abar = (alpha * va).sum(axis=1) / va.sum(axis=1)
    y = np.log(gdp / emp)
    close = np.minimum(kappa * (1 - abar) * np.maximum(y[tfp.argmax()] - y, 0), gap)
    np.testing.assert_allclose(pers, gap - close, atol=1e-15)
    assert pers[tfp.argmax()] == 0.0 and (pers >= -1e-15).all() and (pers <= gap + 1e-15).all()
    if kappa == 0.0:
        np.testing.assert_allclose(pers, gap)


def _panel_gap(dataset, year: int, frontier: int) -> np.ndarray:
    log_y = np.log(panel_year(dataset, year, "gdp_100m_yuan")
                   / panel_year(dataset, year, "population_10k"))
    return np.maximum(log_y[frontier] - log_y, 0.0)


@pytest.mark.parametrize("start, reference", [(2010, 2005), (2015, 2005), (2020, 2005),
                                              (2015, 2010)])
@pytest.mark.parametrize("speed", [0.0, 0.02, 0.1])
def test_closable_gap_is_the_reference_years_depleted_by_catch_up(dataset, start, reference,
                                                                   speed):
    """Rule 6: a start year after technology.gap_reference_year R inherits R's log gap in output
    per resident, × (1 − λ)^(S − R), whatever its own gap is."""
    cfg = from_flat({"start_year": start, "technology__gap_reference_year": reference,
                     "technology__catch_up_speed": speed})
    frontier = 8  # any province: the rule is per province relative to the frontier's output
    own = np.ones(dataset.n)  # the start year's own GDP and employment must not matter
    got = closable_output_gap(dataset, cfg, frontier, own * 7.0, own)
    want = _panel_gap(dataset, reference, frontier) * (1.0 - speed) ** (start - reference)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[frontier] == 0.0


@pytest.mark.parametrize("start, reference", [(2005, 2005), (2010, 2010), (2010, 2020),
                                              (2005, 2015)])
def test_closable_gap_of_a_start_at_or_before_the_reference_is_its_own(dataset, start, reference):
    """Rule 6: with S ≤ R the start year's own output gap is used (no depletion)."""
    cfg = from_flat({"start_year": start, "technology__gap_reference_year": reference})
    rng = np.random.default_rng(start)
    gdp, emp = rng.uniform(1, 10, dataset.n), rng.uniform(1, 5, dataset.n)
    np.testing.assert_allclose(closable_output_gap(dataset, cfg, 3, gdp, emp),
                               output_gap(gdp, emp, 3), rtol=1e-15)


def test_model_persistent_gap_follows_the_reference_year(dataset):
    """The model's persistent TFP gap of a 2010 start is built from the 2005 output gap (the
    default reference) depleted over 5 years, and differs from re-measuring it in 2010."""
    from sim.model import RegionalModel

    def model(reference: int) -> RegionalModel:
        cfg = from_flat({"start_year": 2010, "end_year": 2011, "n_firms": 600,
                         "technology__gap_reference_year": reference})
        return RegionalModel(cfg, rng=3, data=dataset)

    m, m_own = model(2005), model(2010)
    cal, tc = m.calibration, m.config.technology
    tfp = cal.tfp_province  # start-year TFP (the model has already run the start year's flows)
    np.testing.assert_array_equal(tfp, m_own.calibration.tfp_province)  # same start, same draws
    f = int(np.argmax(tfp))
    gap = np.log(tfp.max()) - np.log(tfp)
    abar = (cal.alpha * cal.value_added).sum(axis=1) / cal.value_added.sum(axis=1)
    closable = tc.closable_gap_share * (1 - abar) * _panel_gap(dataset, 2005, f) \
        * (1 - tc.catch_up_speed) ** 5
    np.testing.assert_allclose(m.persistent_tfp_gap, gap - np.minimum(closable, gap), atol=1e-12)
    own = tc.closable_gap_share * (1 - abar) * output_gap(cal.gdp, cal.employment, f)
    np.testing.assert_allclose(m_own.persistent_tfp_gap, gap - np.minimum(own, gap), atol=1e-12)
    assert np.abs(m.persistent_tfp_gap - m_own.persistent_tfp_gap).max() > 0.01


@pytest.mark.parametrize("value", [2004, 2016, 2019, 2021])
def test_gap_reference_year_must_have_data(value):
    with pytest.raises(ValueError, match="gap_reference_year"):
        from_flat({"technology__gap_reference_year": value})

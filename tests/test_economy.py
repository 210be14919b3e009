"""Unit tests of the economy pieces: solvers, calibration helpers, fiscal rules, the firm table
and the ledger (no model is built here)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.economy import demography, fiscal, migration, trade
from sim.economy.firms import FirmTable
from sim.economy.ledger import Ledger
from sim.economy.production import anderson_fixed_point, solve_wages, supply
from sim.economy.sectors import N_SECTORS


# ----------------------------------------------------------------------------- production
@pytest.mark.parametrize("seed", range(5))
def test_solve_wages_solves_its_equation(seed):
    rng = np.random.default_rng(seed)
    n = 31
    alpha = rng.uniform(0.2, 0.8, N_SECTORS)
    c = np.exp(rng.normal(0.0, 3.0, (n, N_SECTORS)))
    c[rng.random((n, N_SECTORS)) < 0.1] = 0.0  # empty cells contribute nothing
    c[:, 0] = np.maximum(c[:, 0], 1e-3)
    employment = np.exp(rng.normal(15.0, 1.0, n))
    w0 = np.exp(rng.normal(0.0, 2.0, n)) if seed % 2 else None
    w = solve_wages(c, alpha, employment, w0)
    assert np.all(np.isfinite(w)) and np.all(w > 0)
    lhs = (c * w[:, None] ** (-1.0 / alpha)).sum(axis=1)
    assert np.abs(lhs / employment - 1.0).max() < 1e-10


def test_solve_wages_single_sector_closed_form():
    alpha = np.full(N_SECTORS, 0.4)
    c = np.zeros((3, N_SECTORS))
    c[:, 2] = [1.0, 8.0, 0.5]
    e = np.array([2.0, 3.0, 7.0])
    w = solve_wages(c, alpha, e)
    assert np.allclose(w, (c[:, 2] / e) ** 0.4, rtol=1e-12)


def test_supply_is_cobb_douglas_and_labour_clears():
    rng = np.random.default_rng(3)
    alpha = rng.uniform(0.2, 0.7, N_SECTORS)
    tfp = rng.uniform(0.5, 2.0, (4, N_SECTORS))
    x = rng.uniform(1.0, 10.0, (4, N_SECTORS))
    p = rng.uniform(0.8, 1.2, (4, N_SECTORS))
    e = rng.uniform(10.0, 20.0, 4)
    c = x * ((1.0 - alpha) * p * tfp) ** (1.0 / alpha)
    w = solve_wages(c, alpha, e)
    labour, q = supply(tfp, x, alpha, p, w)
    assert np.allclose(labour.sum(axis=1), e, rtol=1e-12)
    assert np.allclose(q, tfp * x**alpha * labour ** (1.0 - alpha), rtol=1e-12)
    # Wages equal the value of the marginal product of labour.
    assert np.allclose(p * (1.0 - alpha) * q / labour, w[:, None], rtol=1e-12)


def test_anderson_on_a_linear_contraction():
    rng = np.random.default_rng(0)
    n = 20
    a = rng.normal(size=(n, n))
    a *= 0.9 / np.abs(np.linalg.eigvals(a)).max()
    b = rng.normal(size=n)
    x, it = anderson_fixed_point(lambda x: a @ x + b, np.zeros(n), tol=1e-12, max_iter=500)
    assert np.allclose(x, np.linalg.solve(np.eye(n) - a, b), rtol=0, atol=1e-9)
    assert 1 <= it < 500


def test_anderson_on_cosine_and_matrix_shapes():
    x, _ = anderson_fixed_point(np.cos, np.zeros((2, 3)), tol=1e-13, max_iter=200)
    assert x.shape == (2, 3)
    assert np.allclose(x, 0.7390851332151607, rtol=0, atol=1e-12)


def test_anderson_raises_without_convergence():
    with pytest.raises(RuntimeError):
        anderson_fixed_point(lambda x: x + 1.0, np.zeros(3), tol=1e-12, max_iter=20)


# ---------------------------------------------------------------------------------- trade
def _trade_problem(seed: int, n: int = 8, k: int = 3):
    rng = np.random.default_rng(seed)
    d = rng.uniform(200.0, 3000.0, (n, n))
    d = (d + d.T) / 2
    np.fill_diagonal(d, 0.0)
    tau = trade.iceberg_costs(d, rng.uniform(50.0, 150.0, n), 0.25, rng.uniform(0.0, 1.0))
    sigma = 5.0
    q = rng.uniform(1.0, 100.0, (n, k))
    n_var = rng.uniform(0.5, 5.0, (n, k))
    e = rng.uniform(1.0, 100.0, (n, k))
    e *= q.sum(axis=0) / e.sum(axis=0)  # total spending = total sales, sector by sector
    return q, n_var, e, tau ** (1.0 - sigma), sigma


@pytest.mark.parametrize("seed", range(3))
def test_calibrate_shifters_makes_prices_one(seed):
    q, n_var, e, tau_1ms, sigma = _trade_problem(seed)
    b = trade.calibrate_shifters(q, n_var, e, tau_1ms, sigma)
    assert np.all(b > 0)
    assert np.allclose((b * q).sum(axis=0), q.sum(axis=0), rtol=1e-12)  # normalisation
    p, _, ma = trade.ces_prices(np.ones_like(q), q, n_var * b, e, tau_1ms, sigma)
    assert np.abs(p - 1.0).max() < 1e-10
    assert np.allclose(b * n_var * ma, q, rtol=1e-10)


def test_iceberg_costs():
    d = np.array([[0.0, 100.0], [100.0, 0.0]])
    tau = trade.iceberg_costs(d, np.array([25.0, 50.0]), 0.5, 0.3)
    assert tau[0, 0] == pytest.approx(1.0)
    assert tau[1, 1] == pytest.approx(np.sqrt(2.0))
    assert tau[0, 1] == pytest.approx(2.0 * 1.3)
    assert np.all(tau >= 1.0)


def test_update_prices_clears_national_and_local_markets():
    rng = np.random.default_rng(1)
    n = 5
    q = rng.uniform(1.0, 10.0, (n, N_SECTORS))
    share = rng.dirichlet(np.ones(N_SECTORS), n)
    income = rng.uniform(10.0, 50.0, n)
    p, exp = trade.update_prices(q, np.ones_like(q), np.ones((n, 3)), share, income,
                                 np.ones((n, n)), 5.0)
    for s in (0, 1):  # national goods: one price, spending = value of output
        assert np.allclose(p[:, s], p[0, s])
        assert (p[:, s] * q[:, s]).sum() == pytest.approx(exp[:, s].sum())
    assert np.allclose(p[:, 5] * q[:, 5], exp[:, 5])  # local services


# ------------------------------------------------------------------------------ migration
def _migration_problem(seed: int, n: int = 6):
    rng = np.random.default_rng(seed)
    pop = rng.uniform(1e6, 1e8, n)
    d = rng.uniform(200.0, 3000.0, (n, n))
    d = (d + d.T) / 2
    kwargs = dict(
        log_real_wage=rng.normal(0.0, 0.3, n), services_newcomer=rng.uniform(0.3, 1.0, n),
        services_stayer=rng.uniform(0.5, 1.5, n),
        log_distance=np.log(np.where(np.eye(n, dtype=bool), 1.0, d)),
        elasticity=1.5, service_weight=0.3, distance_cost=1.0, hukou_cost=2.0)
    target = rng.normal(0.0, 0.002, n) * pop
    target -= pop * target.sum() / pop.sum()
    return pop, target, kwargs


@pytest.mark.parametrize("seed", range(3))
def test_calibrate_amenities_hits_its_targets(seed):
    pop, target, kwargs = _migration_problem(seed)
    rate = 0.01
    c0, xi = migration.calibrate_amenities(target, rate, pop, **kwargs)
    assert abs(xi.mean()) < 1e-9
    v = migration.utilities(move_cost=c0, **kwargs) + xi[None, :]
    assert migration.move_rate(v, pop) == pytest.approx(rate, rel=1e-8)
    _, _, net = migration.expected_net(v, pop)
    assert np.abs(net - target).max() < 1e-6 * pop.max()
    assert abs(net.sum()) < 1e-6 * pop.sum()


def test_calibrated_moving_cost_absorbs_the_hukou_cost():
    """The start-year hukou cost only shifts c0 (the move rate is calibrated at its value)."""
    pop, target, kwargs = _migration_problem(7)
    out = {}
    for h in (0.0, 2.0, 6.0):
        out[h] = migration.calibrate_amenities(target, 0.01, pop, **{**kwargs, "hukou_cost": h})
    for h in (2.0, 6.0):
        assert out[h][0] + h == pytest.approx(out[0.0][0], abs=1e-7)
        assert np.allclose(out[h][1], out[0.0][1], rtol=0, atol=1e-7)


def test_draw_flows_conserves_people():
    rng = np.random.default_rng(0)
    pop = np.array([1000, 5000, 20, 0, 77], dtype=np.int64)
    p = rng.dirichlet(np.ones(5), 5)
    m = migration.draw_flows(pop, p, rng)
    assert m.dtype.kind == "i" and np.array_equal(m.sum(axis=1), pop)
    assert np.all(m >= 0)


def test_target_net_migration_sums_to_zero():
    rng = np.random.default_rng(2)
    p0 = rng.uniform(1e6, 1e8, 31)
    p1 = p0 * rng.uniform(0.9, 1.1, 31)
    net = migration.target_net_migration(p0, p0, p1, 5)
    assert abs(net.sum()) < 1e-6 * p0.sum()
    grew = (p1 / p0) > (p1.sum() / p0.sum())
    assert np.all((net > 0) == grew)


# ----------------------------------------------------------------------------- demography
@pytest.mark.parametrize(("r0", "pop0", "target"), [(0.00145, 1.41178e9, 1.313e9),
                                                    (0.005, 1.0e9, 1.2e9), (-0.002, 5e7, 4e7)])
def test_natural_rate_path_reaches_target(r0, pop0, target):
    """The model applies natural_rate(t) (continuously compounded) in each year t = 2021..2050:
    integrating the path year by year must land on the target."""
    r0_, r1 = demography.natural_rate_path(r0, pop0, target, 2020)
    assert r0_ == r0
    rates = np.array([demography.natural_rate(y, 2020, r0, r1) for y in range(2021, 2051)])
    assert pop0 * np.exp(rates.sum()) == pytest.approx(target, rel=1e-12)
    # Compounded in whole steps on a large population the rounding is negligible.
    pop = np.array([int(pop0)], dtype=np.int64)
    for y in range(2021, 2051):
        pop = pop + demography.natural_change(pop, demography.natural_rate(y, 2020, r0, r1))
    assert pop[0] == pytest.approx(target, rel=1e-7)
    assert demography.natural_rate(2020, 2020, r0, r1) == r0
    assert demography.natural_rate(2050, 2020, r0, r1) == pytest.approx(r1)
    assert demography.natural_rate(2070, 2020, r0, r1) == pytest.approx(r1)
    # The rate moves linearly in between.
    assert demography.natural_rate(2035, 2020, r0, r1) == pytest.approx((r0 + r1) / 2)


def test_natural_change_whole_persons():
    pop = np.array([1_000_000, 37, 0], dtype=np.int64)
    ch = demography.natural_change(pop, 0.01)
    assert ch.dtype == np.int64
    assert ch[0] == round(1_000_000 * np.expm1(0.01)) and ch[2] == 0


# --------------------------------------------------------------------------------- fiscal
@pytest.mark.parametrize("intensity", [0.0, 0.3, 1.0])
def test_equalising_split_sums_to_total(intensity):
    rng = np.random.default_rng(4)
    pop = rng.integers(3_000_000, 120_000_000, 31)
    own = rng.uniform(100.0, 15_000.0, 31)
    total = 83_218.0
    t = fiscal.equalising_split(total, pop, own, intensity)
    assert t.sum() == pytest.approx(total, rel=1e-12)
    assert np.all(t >= 0)
    if intensity == 0.0:
        assert np.allclose(t / pop, total / pop.sum(), rtol=1e-12)


def test_full_equalisation_favours_low_own_revenue():
    rng = np.random.default_rng(5)
    pop = rng.integers(3_000_000, 120_000_000, 31)
    own = rng.uniform(100.0, 15_000.0, 31)
    total = 83_218.0
    per_capita = fiscal.equalising_split(total, pop, own, 0.0) / pop
    full = fiscal.equalising_split(total, pop, own, 1.0) / pop
    own_pc = own / pop
    order = np.argsort(own_pc)
    # Transfers per resident fall (weakly) with own revenue per resident ...
    assert np.all(np.diff(full[order]) <= 1e-12 * full.max())
    # ... the poorest quarter gets more than per capita, the richest quarter less.
    assert np.all(full[order[:8]] > per_capita[order[:8]])
    assert np.all(full[order[-8:]] < per_capita[order[-8:]])
    # Spending means (own + transfers) per resident are more equal.
    assert np.std(own_pc + full) < np.std(own_pc + per_capita)


def test_fiscal_flows_balance_in_the_ledger():
    n = 4
    led = Ledger(n)
    gdp = np.array([100.0, 200.0, 50.0, 400.0])
    own, central = fiscal.collect_revenue(led, gdp, np.full(n, 0.1), 0.08)
    tr = fiscal.equalising_split(0.9 * central.sum(), np.array([10, 30, 5, 20]), own, 0.5)
    fiscal.pay_transfers(led, tr)
    acc = fiscal.close_central_budget(led, float(central.sum()), float(gdp.sum()), 0.03)
    spend, debt = fiscal.local_budget(led, 0.25 * gdp, 0.02 * gdp, 0.035)
    net = led.net()
    assert np.allclose(net[: n + 1], 0.0, atol=1e-12)
    assert acc["central_revenue"] + acc["central_borrowing"] == pytest.approx(
        acc["central_transfers"] + acc["central_own_spending"])
    assert np.allclose(spend, own + tr + 0.02 * gdp - 0.035 * 0.25 * gdp)
    assert np.allclose(debt, 0.27 * gdp)


def test_central_borrows_more_when_transfers_exceed_revenue():
    led = Ledger(2)
    led.pay("central_tax", led.PRIVATE, led.CENTRAL, 10.0)
    fiscal.pay_transfers(led, np.array([8.0, 7.0]))
    acc = fiscal.close_central_budget(led, 10.0, 1000.0, 0.001)
    assert acc["central_borrowing"] == pytest.approx(5.0)
    assert acc["central_own_spending"] == pytest.approx(0.0)
    assert acc["central_transfers"] == pytest.approx(15.0)
    assert led.net()[2] == pytest.approx(0.0)


# ----------------------------------------------------------------------------- firm table
def _table(n_prov: int = 2) -> FirmTable:
    f = FirmTable.empty(4, n_prov)
    f.add(np.array([0, 0, 1, 1], dtype=np.int16), np.array([0, 0, 0, 2], dtype=np.int8),
          np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(4), np.ones(4))
    return f


def test_firm_table_add_remove_reuse_and_grow():
    f = _table()
    assert f.n_alive == 4 and f.capacity == 4
    assert list(f.uid) == [0, 1, 2, 3]
    f.remove(np.array([1]))
    assert f.n_alive == 3 and f.capital[1] == 0.0 and f.weight[1] == 0.0
    slots = f.add(np.array([1], dtype=np.int16), np.array([5], dtype=np.int8),
                  np.array([9.0]), np.array([0.1]), np.array([2.0]))
    assert list(slots) == [1], "a free slot is reused"
    assert f.uid[1] == 4 and f.age[1] == 0 and f.province[1] == 1 and f.sector[1] == 5
    assert f.capacity == 4
    slots = f.add(np.zeros(3, dtype=np.int16), np.ones(3, dtype=np.int8), np.ones(3),
                  np.zeros(3), np.ones(3))
    assert f.capacity == 8, "grows by doubling"
    assert list(slots) == [4, 5, 6] and list(f.uid[slots]) == [5, 6, 7]
    assert f.n_alive == 7 and not f.alive[7]
    assert f.add(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)).size == 0


def test_firm_table_cell_sums_ignore_dead_firms():
    f = _table()
    f.remove(np.array([3]))
    s = f.cell_sum(f.capital)
    assert s.shape == (2, N_SECTORS)
    assert s[0, 0] == 3.0 and s[1, 0] == 3.0 and s[1, 2] == 0.0
    c = f.cell_count()
    assert c[0, 0] == 2 and c[1, 0] == 1 and c.sum() == 3


def test_keep_cells_occupied():
    f = _table()
    # Both firms of cell (0, 0) want to leave: the first stays; (1, 2) has one firm: it stays.
    out = f.keep_cells_occupied(np.array([1, 0, 3]))
    assert list(out) == [0]
    # Leaving a cell that keeps another firm is allowed.
    assert list(f.keep_cells_occupied(np.array([1]))) == [1]
    assert list(f.keep_cells_occupied(np.array([2]))) == []
    assert f.keep_cells_occupied(np.zeros(0, dtype=np.int64)).size == 0
    # The table itself is unchanged.
    assert f.n_alive == 4


# --------------------------------------------------------------------------------- ledger
def test_ledger_rejects_negative_and_non_finite_amounts():
    led = Ledger(3)
    with pytest.raises(ValueError, match="negative"):
        led.pay("x", led.PRIVATE, 0, -1.0)
    with pytest.raises(ValueError):
        led.pay("x", led.PRIVATE, np.arange(3), np.array([1.0, -1e-9, 2.0]))
    with pytest.raises(ValueError):
        led.pay("x", led.PRIVATE, 0, np.nan)
    with pytest.raises(ValueError):
        led.pay("x", led.PRIVATE, 0, np.inf)
    assert led.kinds == [], "a rejected flow is not recorded"


def test_ledger_accounting():
    led = Ledger(3)
    assert (led.CENTRAL, led.PRIVATE) == (3, 4)
    led.pay("tax", led.PRIVATE, np.arange(3), np.array([1.0, 2.0, 3.0]))
    led.pay("transfer", led.CENTRAL, 1, 5.0)
    led.pay("tax", led.PRIVATE, led.CENTRAL, 7.0)
    assert led.total("tax") == 13.0
    assert np.allclose(led.net(), [1.0, 7.0, 3.0, 2.0, -13.0])
    assert led.net().sum() == 0.0
    assert np.allclose(led.net({"transfer"}), [0.0, 5.0, 0.0, -5.0, 0.0])
    assert np.allclose(led.received("tax"), [1.0, 2.0, 3.0, 7.0, 0.0])
    assert np.allclose(led.paid("tax"), [0.0, 0.0, 0.0, 0.0, 13.0])
    fr = led.frame(2021, ["A", "B", "C"])
    assert len(fr) == 5 and set(fr["from"]) == {"private", "central"}

"""The optimised fast paths against plain reference implementations.

* ``FirmTable``: lane-based cell sums and the cached counts of alive firms by cell against a plain
  ``np.bincount`` over the alive firms, through ``add`` (beyond capacity too), ``remove`` and
  ``move``; ``keep_cells_occupied`` as documented.
* ``solve_equilibrium``: Broyden (warm or cold, or with the Anderson fallback) against
  ``anderson_fixed_point`` on the equilibrium map written with ``supply``, ``solve_wages`` and
  ``sim.economy.trade``, on the model's 2021 problem and perturbed problems.
* ``migration.brentq`` against ``scipy.optimize.brentq``: the same root and the same evaluations.
* ``technology.firm_productivity_update``: the threaded shock draw is bit-identical to the
  unthreaded one; whole 250 000-firm runs are reproducible.
* ``regsim`` command line: the parser built for ``run`` alone reports bad input exactly as the
  full parser does; ``--help`` lists every sub-command.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.optimize
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import sim.model
from sim.cli import build_parser, main
from sim.economy import migration, production, technology, trade
from sim.economy.firms import LANES, FirmTable
from sim.economy.sectors import CES_SECTORS, N_SECTORS, NATIONAL_SECTORS
from sim.model import RegionalModel

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "configs" / "baseline.yaml")
ALPHA = np.array([0.35, 0.6, 0.35, 0.55, 0.45, 0.45])
THREADED_DRAW_MIN = technology.THREADED_DRAW_MIN  # as shipped (tests patch the module's)
FAST = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


# ======================================================================================= FirmTable
def random_table(rng: np.random.Generator, capacity: int, n_alive: int, n_provinces: int,
                 extra: int = 0) -> FirmTable:
    """A table of ``capacity`` slots with ``n_alive`` firms added, a random part of them
    removed again (free slots inside the table), then ``extra`` more added (reusing the freed
    slots and growing past the capacity when needed)."""
    t = FirmTable.empty(capacity, n_provinces, ALPHA)

    def add(n: int) -> None:
        t.add(rng.integers(0, n_provinces, n), rng.integers(0, N_SECTORS, n),
              rng.lognormal(0.0, 1.0, n), rng.normal(0.0, 0.3, n), rng.uniform(0.1, 2.0, n))

    add(n_alive)
    alive = np.flatnonzero(t.alive)
    t.remove(alive[rng.random(alive.size) < 0.3])
    add(extra)
    return t


def plain_cell_sum(t: FirmTable, values: np.ndarray) -> np.ndarray:
    """Reference: one bincount over the alive firms' cells."""
    cell = t.province[t.alive].astype(np.int64) * N_SECTORS + t.sector[t.alive]
    return np.bincount(cell, weights=values[t.alive], minlength=t.n_cells).reshape(
        t.n_provinces, N_SECTORS)


def plain_cell_count(t: FirmTable) -> np.ndarray:
    cell = t.province[t.alive].astype(np.int64) * N_SECTORS + t.sector[t.alive]
    return np.bincount(cell, minlength=t.n_cells).reshape(t.n_provinces, N_SECTORS)


def assert_table_consistent(t: FirmTable) -> None:
    """Every cached column and count equals its recomputation from the plain columns."""
    slots = np.arange(t.capacity)
    cell = t.province.astype(np.int64) * N_SECTORS + t.sector
    np.testing.assert_array_equal(t.cell_idx, cell)
    np.testing.assert_array_equal(t.lane_cell, cell + (slots % LANES) * t.n_cells)
    np.testing.assert_array_equal(t.cell_count(), plain_cell_count(t))
    assert int(t.alive_by_cell.sum()) == t.n_alive
    a = t.alive
    np.testing.assert_allclose(t.a_pow[a], np.exp(t.log_a[a] * t.inv_alpha[t.sector[a]]),
                               rtol=1e-14)
    assert np.all(t.capital[~a] == 0.0) and np.all(t.weight[~a] == 0.0)


@FAST
@given(seed=st.integers(0, 2**32 - 1),
       capacity=st.sampled_from([0, 1, 7, 8, 9, 15, 16, 17, 100, 1000]),
       fill=st.floats(0.0, 1.0), extra=st.integers(0, 300), n_provinces=st.integers(1, 31))
def test_cell_sum_and_count_equal_plain_bincount(seed, capacity, fill, extra, n_provinces):
    """Lane-based sums equal one bincount over the alive firms, for capacities around multiples
    of LANES and tables grown past their capacity by ``add``."""
    rng = np.random.default_rng(seed)
    t = random_table(rng, capacity, int(fill * capacity), n_provinces, extra)
    assert t.capacity >= capacity
    assert_table_consistent(t)
    # Integer-valued weights add exactly in any order: the sums must be equal, not just close.
    ints = rng.integers(-1000, 1000, t.capacity).astype(float)
    np.testing.assert_array_equal(t.cell_sum(ints), plain_cell_sum(t, ints))
    # Float values, masked (free slots hold garbage) and unmasked (free slots hold zero).
    values = rng.normal(0.0, 1.0, t.capacity) * 1e3
    np.testing.assert_allclose(t.cell_sum(values), plain_cell_sum(t, values), rtol=1e-12,
                               atol=1e-9)
    for col in (t.capital, t.weight, t.effective_capital()):
        np.testing.assert_allclose(t.cell_sum(col, masked=False), plain_cell_sum(t, col),
                                   rtol=1e-12, atol=1e-12)
    assert t.cell_sum(values).shape == (n_provinces, N_SECTORS)


def test_add_beyond_capacity_keeps_lanes_and_counts():
    """Growth by doubling (and by more than doubling) extends the lane column correctly."""
    rng = np.random.default_rng(3)
    t = FirmTable.empty(5, 4, ALPHA)
    for n, cap in ((5, 5), (1, 10), (30, 36), (0, 36), (100, 136)):
        slots = t.add(rng.integers(0, 4, n), rng.integers(0, N_SECTORS, n), np.ones(n),
                      np.zeros(n), np.ones(n))
        assert slots.size == n and t.capacity == cap
        assert_table_consistent(t)
    assert t.n_alive == 136
    np.testing.assert_array_equal(np.sort(t.uid), np.arange(136))


def test_direct_construction_counts_alive_firms():
    """A table built from arrays (``__post_init__``) counts its alive firms and lanes itself."""
    rng = np.random.default_rng(5)
    n, n_prov = 203, 3
    province = rng.integers(0, n_prov, n).astype(np.int16)
    sector = rng.integers(0, N_SECTORS, n).astype(np.int8)
    alive = rng.random(n) < 0.6
    log_a = rng.normal(0.0, 0.2, n)
    inv_alpha = 1.0 / ALPHA
    t = FirmTable(province=province, sector=sector, capital=np.where(alive, 1.0, 0.0),
                  log_a=log_a, weight=np.where(alive, 1.0, 0.0), age=np.zeros(n, np.int32),
                  uid=np.arange(n), alive=alive,
                  cell_idx=province.astype(np.int64) * N_SECTORS + sector,
                  a_pow=np.exp(log_a * inv_alpha[sector]), inv_alpha=inv_alpha,
                  next_uid=n, n_provinces=n_prov)
    assert_table_consistent(t)


def test_cell_count_is_a_copy():
    t = random_table(np.random.default_rng(0), 50, 40, 2)
    before = t.cell_count()
    t.cell_count()[:] = 99
    np.testing.assert_array_equal(t.cell_count(), before)


def test_refresh_after_direct_edits():
    """Editing the plain columns directly leaves the caches stale; ``refresh`` restores them."""
    rng = np.random.default_rng(1)
    t = random_table(rng, 300, 250, 5, 20)
    t.province[:] = rng.integers(0, 5, t.capacity)
    t.alive[rng.random(t.capacity) < 0.2] = False
    t.capital[~t.alive] = 0.0
    t.weight[~t.alive] = 0.0
    t.log_a[:] = rng.normal(0.0, 0.5, t.capacity)
    t.refresh()
    assert_table_consistent(t)


def expected_kept(t: FirmTable, slots: np.ndarray) -> np.ndarray:
    """Reference for ``keep_cells_occupied``: in a cell all of whose alive firms are in
    ``slots``, the first of them (in the order of ``slots``) stays."""
    cells = Counter(int(c) for c in t.cell_idx[t.alive])
    leaving = Counter(int(t.cell_idx[s]) for s in slots)
    stays: set[int] = set()
    kept = []
    for s in slots:
        c = int(t.cell_idx[s])
        if leaving[c] >= cells[c] and c not in stays:
            stays.add(c)
            continue
        kept.append(s)
    return np.array(kept, dtype=slots.dtype)


@FAST
@given(seed=st.integers(0, 2**32 - 1), share=st.floats(0.0, 1.0), shuffled=st.booleans(),
       n_provinces=st.integers(1, 4))
def test_keep_cells_occupied(seed, share, shuffled, n_provinces):
    """The subset of leavers that empties no cell: exactly the first leaver of every cell that
    all its firms would leave stays, nobody else; order is kept."""
    rng = np.random.default_rng(seed)
    t = random_table(rng, 60, 50, n_provinces, 10)
    alive = np.flatnonzero(t.alive)
    slots = alive[rng.random(alive.size) < share]
    if shuffled:
        slots = rng.permutation(slots)
    kept = t.keep_cells_occupied(slots)
    np.testing.assert_array_equal(kept, expected_kept(t, slots))
    occupied = t.cell_count() > 0
    t.remove(kept)
    np.testing.assert_array_equal(t.cell_count() > 0, occupied)
    assert_table_consistent(t)


def test_keep_cells_occupied_small_cases():
    t = FirmTable.empty(8, 1, ALPHA)
    # Cell 0: slots 0, 1, 2; cell 3: slot 3; cell 5: slots 4, 5.
    t.add(np.zeros(6, int), np.array([0, 0, 0, 3, 5, 5]), np.ones(6), np.zeros(6), np.ones(6))
    assert t.keep_cells_occupied(np.zeros(0, np.int64)).size == 0
    np.testing.assert_array_equal(t.keep_cells_occupied(np.array([0, 1])), [0, 1])
    np.testing.assert_array_equal(t.keep_cells_occupied(np.array([2, 1, 0])), [1, 0])
    np.testing.assert_array_equal(t.keep_cells_occupied(np.array([3])), [])
    np.testing.assert_array_equal(t.keep_cells_occupied(np.array([5, 3, 4, 0])), [4, 0])
    # It reads the cached counts: after a removal the last firm of cell 0 cannot leave.
    t.remove(np.array([0, 1]))
    np.testing.assert_array_equal(t.keep_cells_occupied(np.array([2, 4])), [4])
    t.move(np.array([5]), np.array([0]))  # same province: cell 5 keeps slot 4 and 5
    np.testing.assert_array_equal(t.keep_cells_occupied(np.array([4])), [4])


class FirmTableMachine(RuleBasedStateMachine):
    """Random sequences of add / remove / move / set_log_a, checked after every step against
    a plain record of the alive firms (uid → province, sector) and plain recomputations."""

    @initialize(capacity=st.sampled_from([0, 1, 8, 13, 40]), n_provinces=st.integers(1, 5),
                seed=st.integers(0, 2**32 - 1))
    def start(self, capacity, n_provinces, seed):
        self.rng = np.random.default_rng(seed)
        self.t = FirmTable.empty(capacity, n_provinces, ALPHA)
        self.n_prov = n_provinces
        self.firms: dict[int, tuple[int, int]] = {}

    def _pick(self, share: float, dead: bool, as_mask: bool, dups: bool) -> np.ndarray:
        t = self.t
        pool = np.arange(t.capacity) if dead else np.flatnonzero(t.alive)
        idx = pool[self.rng.random(pool.size) < share]
        if as_mask:
            mask = np.zeros(t.capacity, dtype=bool)
            mask[idx] = True
            return mask
        if dups and idx.size:
            idx = np.concatenate([idx, self.rng.choice(idx, 3)])
        return self.rng.permutation(idx)

    @rule(n=st.integers(0, 40))
    def add(self, n):
        rng = self.rng
        prov = rng.integers(0, self.n_prov, n)
        sec = rng.integers(0, N_SECTORS, n)
        slots = self.t.add(prov, sec, rng.lognormal(0, 1, n), rng.normal(0, 0.3, n),
                           rng.uniform(0.1, 2.0, n))
        for s, p, k in zip(slots, prov, sec, strict=True):
            self.firms[int(self.t.uid[s])] = (int(p), int(k))

    @rule(share=st.floats(0.0, 1.0), dead=st.booleans(), as_mask=st.booleans(),
          dups=st.booleans())
    def remove(self, share, dead, as_mask, dups):
        slots = self._pick(share, dead, as_mask, dups)
        idx = np.flatnonzero(slots) if slots.dtype == bool else slots
        for s in np.unique(idx):
            if self.t.alive[s]:
                del self.firms[int(self.t.uid[s])]
        self.t.remove(slots)

    @rule(share=st.floats(0.0, 1.0), dead=st.booleans(), as_mask=st.booleans())
    def move(self, share, dead, as_mask):
        slots = self._pick(share, dead, as_mask, dups=False)
        idx = np.flatnonzero(slots) if slots.dtype == bool else slots
        dest = self.rng.integers(0, self.n_prov, idx.size)
        self.t.move(slots, dest)
        for s, d in zip(idx, dest, strict=True):
            if self.t.alive[s]:
                uid = int(self.t.uid[s])
                self.firms[uid] = (int(d), self.firms[uid][1])

    @rule(share=st.floats(0.0, 1.0))
    def set_log_a(self, share):
        slots = self._pick(share, dead=False, as_mask=False, dups=False)
        self.t.set_log_a(slots, self.rng.normal(0, 0.5, slots.size))

    @rule(share=st.floats(0.0, 1.0))
    def keep_cells_occupied(self, share):
        slots = np.sort(self._pick(share, dead=False, as_mask=False, dups=False))
        np.testing.assert_array_equal(self.t.keep_cells_occupied(slots),
                                      expected_kept(self.t, slots))

    @invariant()
    def consistent(self):
        t = self.t
        assert_table_consistent(t)
        record = {int(t.uid[s]): (int(t.province[s]), int(t.sector[s]))
                  for s in np.flatnonzero(t.alive)}
        assert record == self.firms
        counts = np.zeros(t.n_cells, dtype=np.int64)
        for p, k in self.firms.values():
            counts[p * N_SECTORS + k] += 1
        np.testing.assert_array_equal(t.cell_count().ravel(), counts)
        values = self.rng.normal(0.0, 1.0, t.capacity)
        np.testing.assert_allclose(t.cell_sum(values), plain_cell_sum(t, values), rtol=1e-12,
                                   atol=1e-12)


FirmTableMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_firm_table_operations = FirmTableMachine.TestCase


# ============================================================================ equilibrium solver
def reference_map(tfp, eff_capital, alpha, employment, varieties, shifter, exp_share, tau, sigma,
                  w0, external_demand=None):
    """The equilibrium map G(log p) written with ``solve_wages``, ``supply`` and
    ``sim.economy.trade`` (wages solved from the previous evaluation's)."""
    ces = CES_SECTORS
    tau_1ms = tau ** (1.0 - sigma)
    n_b = varieties[:, ces] * shifter
    ext_ces = None if external_demand is None else external_demand[:, ces]
    wages = [np.asarray(w0, dtype=float)]

    def g(log_p: np.ndarray) -> np.ndarray:
        p = np.exp(log_p)
        c = eff_capital * ((1.0 - alpha) * p * tfp) ** (1.0 / alpha)
        wages[0] = production.solve_wages(c, alpha, employment, wages[0])
        _, q = production.supply(tfp, eff_capital, alpha, p, wages[0])
        income = (p * q).sum(axis=1)
        p_new, expenditure = trade.update_prices(q, varieties, shifter, exp_share, income,
                                                 tau_1ms, sigma, external_demand)
        p_new[:, ces] = trade.ces_prices(p[:, ces], q[:, ces], n_b, expenditure[:, ces],
                                         tau_1ms, sigma, ext_ces)[0]
        p_new = np.where(q > 0, p_new, p)
        return np.log(p_new * (q.sum() / (p_new * q).sum()))

    return g


def anderson_prices(args: tuple, tol: float, external_demand=None) -> np.ndarray:
    """Equilibrium prices by ``anderson_fixed_point`` on :func:`reference_map` from (p0, w0)."""
    *core, p0, w0 = args
    g = reference_map(*core, w0, external_demand=external_demand)
    log_p, _ = production.anderson_fixed_point(g, np.log(p0), tol=tol, max_iter=3000)
    return np.exp(log_p)


@pytest.fixture(scope="module")
def solver_calls():
    """The arguments, the solver state handed in and the result of every equilibrium solve of
    ``RegionalModel(n_firms=2000, rng=1)`` from 2021 to 2026 (recorded around the model's call
    of ``solve_equilibrium``)."""
    calls = []
    real = production.solve_equilibrium

    def record(*args, **kwargs):
        before = copy.deepcopy(kwargs["state"])
        eq = real(*args, **kwargs)
        kw = {k: copy.deepcopy(v) for k, v in kwargs.items() if k != "state"}
        calls.append((copy.deepcopy(args), kw, before, eq))
        return eq

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim.model, "solve_equilibrium", record)
        model = RegionalModel(n_firms=2000, rng=1, end_year=2026)
        model.run()
    assert [c[3] for c in calls] and len(calls) == 6
    assert model.solver_state.fallbacks == 0
    return calls


def perturbed(args: tuple, seed: int, external: bool, empty: int) -> tuple[tuple, np.ndarray | None]:
    """The 2021 problem with TFP, effective capital, employment, trade costs and the starting
    prices and wages perturbed; optional external demand (1 % of 2021 CES output, some national
    demand) or ``empty`` cells without firms (CES and national sectors)."""
    rng = np.random.default_rng(seed)
    tfp, x, alpha, emp, var, shifter, exp_share, tau, sigma, p0, w0 = copy.deepcopy(args)
    n = x.shape[0]
    tfp = tfp * np.exp(rng.normal(0.0, 0.1, tfp.shape))
    x = x * np.exp(rng.normal(0.0, 0.3, x.shape))
    emp = emp * np.exp(rng.normal(0.0, 0.05, emp.shape))
    tau = tau ** rng.uniform(0.8, 1.2)  # τ ≥ 1 stays ≥ 1
    p0 = p0 * np.exp(rng.normal(0.0, 0.1, p0.shape))
    w0 = w0 * np.exp(rng.normal(0.0, 0.1, w0.shape))
    ext = None
    if external:
        ext = np.zeros_like(x)
        q = tfp * x  # of the order of output
        ext[:, CES_SECTORS] = 0.01 * rng.uniform(0.0, 2.0, (n, CES_SECTORS.size)) * q[:, CES_SECTORS]
        ext[:, NATIONAL_SECTORS] = 0.01 * rng.uniform(0.0, 2.0, (n, 2)) * q[:, NATIONAL_SECTORS]
    if empty:
        sectors = np.concatenate([NATIONAL_SECTORS, CES_SECTORS])
        for cell in rng.choice(n * sectors.size, empty, replace=False):
            i, s = divmod(int(cell), sectors.size)
            x[i, sectors[s]] = 0.0
            var[i, sectors[s]] = 0.0
    return (tfp, x, alpha, emp, var, shifter, exp_share, tau, sigma, p0, w0), ext


def test_price_map_is_the_reference_map(solver_calls):
    """The log-space map the solvers iterate equals the map written with supply / trade."""
    args, kw, _, _ = solver_calls[0]
    tfp, x, alpha, emp, var, shifter, exp_share, tau, sigma, p0, w0 = args
    rng = np.random.default_rng(0)
    for ext in (None, 0.01 * np.abs(rng.normal(0.0, 1.0, x.shape)) * tfp * x):
        g = production._PriceMap(tfp, x, alpha, emp, var[:, CES_SECTORS] * shifter, exp_share,
                                 tau ** (1.0 - sigma), sigma, np.log(w0), ext)
        ref = reference_map(tfp, x, alpha, emp, var, shifter, exp_share, tau, sigma, w0, ext)
        for _ in range(5):
            log_p = np.log(p0) + rng.normal(0.0, 0.2, p0.shape)
            np.testing.assert_allclose(g(log_p), ref(log_p), rtol=0, atol=1e-12)
            np.testing.assert_allclose(np.exp(g.u), production.solve_wages(
                x * ((1 - alpha) * np.exp(log_p) * tfp) ** (1 / alpha), alpha, emp, w0),
                rtol=1e-12)


def assert_same_equilibrium(a: production.Equilibrium, b: production.Equilibrium,
                            rtol: float = 1e-9) -> None:
    for name in ("prices", "wages", "quantity", "labour", "value_added", "ces_price_index",
                 "market_access"):
        assert rel_diff(getattr(a, name), getattr(b, name)) < rtol, name


def test_broyden_agrees_with_anderson_on_2021_problem(solver_calls, monkeypatch):
    """The model's 2021 solve (Broyden, model tolerance) agrees with the Anderson fixed point
    of the reference map, and with the solver's own Anderson fallback, to 1e-9."""
    args, kw, state, eq = solver_calls[0]
    assert state.inverse_jacobian is None  # 2021 starts cold
    assert eq.iterations > 0
    p_ref = anderson_prices(args, kw["tol"])
    assert rel_diff(eq.prices, p_ref) < 1e-9
    # The same problem solved by the Anderson fallback alone (Broyden gives up at once).
    broyden = production._broyden
    monkeypatch.setattr(production, "_broyden",
                        lambda g, x0, tol, max_iter, active, st: broyden(g, x0, tol, 1, active, st))
    fallback_state = copy.deepcopy(solver_calls[-1][2])  # a carried estimate is dropped
    eq_anderson = production.solve_equilibrium(*args, **kw, state=fallback_state)
    assert fallback_state.fallbacks == 1 and fallback_state.inverse_jacobian is None
    assert_same_equilibrium(eq, eq_anderson)
    # The equilibrium conditions themselves: labour markets clear, GDP deflator 1.
    employment = args[3]
    assert rel_diff(eq.labour.sum(axis=1), employment) < 1e-12
    assert abs(eq.value_added.sum() / eq.quantity.sum() - 1.0) < 1e-12


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), external=st.booleans(), empty=st.integers(0, 3))
def test_broyden_agrees_with_anderson_on_perturbed_problems(solver_calls, seed, external, empty):
    """On perturbed problems (external demand, or cells without firms) Broyden converges
    without the fallback and agrees with Anderson to 1e-9 in every producing cell."""
    if external and empty:
        empty = 0  # see test_external_demand_with_empty_cell_raises_runtime_error
    args, ext = perturbed(solver_calls[0][0], seed, external, empty)
    state = production.SolverState()
    eq = production.solve_equilibrium(*args, tol=1e-12, max_iter=500, external_demand=ext,
                                      state=state)
    assert state.fallbacks == 0 and state.inverse_jacobian is not None
    p_ref = anderson_prices(args, 1e-12, ext)
    producing = args[1] > 0
    assert rel_diff(eq.prices[producing], p_ref[producing]) < 1e-9
    assert rel_diff(eq.labour.sum(axis=1), args[3]) < 1e-12
    assert np.all(eq.quantity[~producing] == 0.0)


def test_warm_start_gives_the_cold_answer(solver_calls):
    """Every year the solve with the inverse-Jacobian estimate carried from the year before
    agrees with a cold start to 1e-9, and replaying it reproduces the model's result exactly;
    the carried estimate saves evaluations (so it is really carried)."""
    warm_its = cold_its = 0
    for year, (args, kw, state, eq) in enumerate(solver_calls, start=2021):
        if year > 2021:
            assert state.inverse_jacobian is not None, year
        cold = production.solve_equilibrium(*args, **kw)
        assert_same_equilibrium(eq, cold)
        replay = production.solve_equilibrium(*args, **kw, state=copy.deepcopy(state))
        np.testing.assert_array_equal(replay.prices, eq.prices)
        assert replay.iterations == eq.iterations
        warm_its += eq.iterations
        cold_its += cold.iterations
    assert warm_its < cold_its


def test_state_from_other_problem(solver_calls):
    """A carried estimate over other cells is dropped (the solve is then exactly the cold
    one); an estimate from a quite different problem over the same cells changes nothing
    beyond the tolerance."""
    args, kw, _, _ = solver_calls[0]
    late_state = copy.deepcopy(solver_calls[-1][2])
    other, _ = perturbed(args, 7, external=False, empty=2)
    cold = production.solve_equilibrium(*other, **kw)
    state = copy.deepcopy(late_state)
    warm = production.solve_equilibrium(*other, **kw, state=state)
    np.testing.assert_array_equal(warm.prices, cold.prices)
    assert np.array_equal(state.active, other[1].ravel() > 0)
    assert state.inverse_jacobian.shape == (state.active.sum(),) * 2
    far, _ = perturbed(args, 8, external=False, empty=0)
    state = copy.deepcopy(late_state)
    warm = production.solve_equilibrium(*far, **kw, state=state)
    assert state.fallbacks == 0
    assert_same_equilibrium(warm, production.solve_equilibrium(*far, **kw))


def test_non_convergence_raises_runtime_error(solver_calls):
    """Too few evaluations: RuntimeError naming the goods-market equilibrium; the carried
    estimate is dropped (the next year starts cold) and the fallback counted."""
    args, kw, _, _ = solver_calls[0]
    state = copy.deepcopy(solver_calls[-1][2])
    assert state.inverse_jacobian is not None and state.fallbacks == 0
    with pytest.raises(RuntimeError, match="goods-market equilibrium did not converge"):
        production.solve_equilibrium(*args, tol=1e-10, max_iter=10, state=state)
    assert state.fallbacks == 1 and state.inverse_jacobian is None and state.active is None


def test_non_convergence_message_names_the_limit(solver_calls):
    args, _, _, _ = solver_calls[0]
    with pytest.raises(RuntimeError, match=r"did not converge in 10 "):
        production.solve_equilibrium(*args, tol=1e-10, max_iter=10)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning",
                            "ignore:invalid value:RuntimeWarning")
def test_external_demand_with_empty_cell_raises_runtime_error(solver_calls):
    args, kw, _, eq = solver_calls[0]
    args = copy.deepcopy(args)
    args[1][0, CES_SECTORS[0]] = 0.0
    args[4][0, CES_SECTORS[0]] = 0.0
    ext = np.zeros_like(args[1])
    ext[:, CES_SECTORS] = 0.01 * eq.value_added[:, CES_SECTORS]
    with pytest.raises(RuntimeError, match="did not converge"):
        production.solve_equilibrium(*args, **{**kw, "external_demand": ext})


# ================================================================================ Brent's method
def recording(f):
    calls: list[float] = []

    def g(x: float) -> float:
        calls.append(x)
        return f(x)

    return g, calls


def both_brentq(f, a, b, **kw):
    """(outcome, evaluation points) of migration.brentq and scipy.optimize.brentq; the outcome
    is the root or the exception type."""
    out = []
    for solver in (migration.brentq, scipy.optimize.brentq):
        g, calls = recording(f)
        try:
            result: object = solver(g, a, b, **kw)
        except (ValueError, RuntimeError) as exc:
            result = type(exc)
        out.append((result, calls))
    return out


def make_function(kind: str, root: float, scale: float, power: int):
    match kind:
        case "linear":
            return lambda x: scale * (x - root)
        case "power":  # a root of odd multiplicity: slow, mostly bisection
            return lambda x: scale * (x - root) ** power
        case "tanh":
            return lambda x: np.tanh(scale * (x - root))
        case "exp":
            return lambda x: np.exp(x) - np.exp(root)
        case "cubic":
            return lambda x: (x - root) * ((x - root) ** 2 + scale)
        case "step":  # a jump through zero: converges onto the jump
            return lambda x: 1.0 if x > root else -scale
        case "log":
            return lambda x: np.log1p(abs(x)) * np.sign(x) - root
    raise AssertionError(kind)


kinds = st.sampled_from(["linear", "power", "tanh", "exp", "cubic", "step", "log"])
finite = st.floats(-50.0, 50.0, allow_nan=False)


@settings(deadline=None, max_examples=300)
@given(kind=kinds, a=finite, b=finite, root_at=st.floats(0.0, 1.0),
       scale=st.floats(1e-3, 1e3), power=st.sampled_from([1, 3, 5]),
       xtol=st.sampled_from([2e-12, 1e-13, 1e-8, 1e-3, 5e-324]),
       rtol=st.sampled_from([4 * np.finfo(float).eps, 1e-10, 1e-5]),
       maxiter=st.sampled_from([100, 50, 5]), negate=st.booleans())
def test_brentq_matches_scipy(kind, a, b, root_at, scale, power, xtol, rtol, maxiter, negate):
    """Same root to the last bit, same evaluation points, same failures (sign error,
    no convergence in ``maxiter``), with brackets in either order."""
    root = a + root_at * (b - a)
    f0 = make_function(kind, root, scale, power)
    f = (lambda x: -f0(x)) if negate else f0
    ours, ref = both_brentq(f, a, b, xtol=xtol, rtol=rtol, maxiter=maxiter)
    assert ours == ref


@pytest.mark.parametrize("f, a, b", [
    (lambda x: x - 1.0, 1.0, 3.0),  # root at a
    (lambda x: x - 3.0, 1.0, 3.0),  # root at b
    (lambda x: x * (x - 3.0), 0.0, 3.0),  # roots at both ends: a
    (lambda x: x, -0.0, 1.0),  # f(a) = −0.0
    (lambda x: x, 0.0, -1.0),  # reversed bracket, root at a
    (lambda x: x * x + 1.0, -1.0, 1.0),  # both positive: sign error
    (lambda x: -(x * x) - 1.0, -1.0, 1.0),  # both negative: sign error
    (lambda x: x * x - 1.0, -2.0, 2.0),  # two roots inside, no sign change: sign error
    (lambda x: x - 0.3, 1.0, 0.0),  # reversed bracket
    (lambda x: x**3 - 2.0, 0.0, 2.0),
])
def test_brentq_edge_cases(f, a, b):
    for maxiter in (100, 3, 1, 0):
        ours, ref = both_brentq(f, a, b, maxiter=maxiter)
        assert ours == ref
        if isinstance(ours[0], float):
            assert np.copysign(1.0, ours[0]) == np.copysign(1.0, ref[0])


def test_brentq_sign_error_message():
    with pytest.raises(ValueError, match="different signs"):
        migration.brentq(lambda x: x * x + 1.0, -1.0, 1.0)
    with pytest.raises(RuntimeError, match="did not converge in 3 iterations"):
        migration.brentq(lambda x: x**3 - 2.0, 0.0, 2.0, maxiter=3)


def test_brentq_nan_raises_like_scipy():
    def f(x: float) -> float:
        return np.sqrt(x) - 0.5 if x >= 0 else np.nan

    with pytest.raises(ValueError):
        scipy.optimize.brentq(f, -1.0, 1.0)
    with pytest.raises(ValueError):
        migration.brentq(f, -1.0, 1.0)


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 2**32 - 1), rate=st.floats(0.001, 0.5))
def test_move_cost_root_matches_scipy(seed, rate):
    """The moving cost the calibration solves for (``_bisect_cost``) is scipy's, to the bit."""
    rng = np.random.default_rng(seed)
    n = 8
    base = rng.normal(0.0, 2.0, (n, n))
    population = rng.uniform(1e5, 1e8, n)
    off = 1.0 - np.eye(n)
    expected = scipy.optimize.brentq(
        lambda c: migration.move_rate(base - c * off, population) - rate, -60.0, 60.0,
        xtol=1e-13)
    assert migration._bisect_cost(base, population, rate) == expected


# ========================================================================= threaded productivity
def productivity_run(table: FirmTable, seed: int, threaded: bool, monkeypatch) -> tuple:
    """``firm_productivity_update`` on a copy of ``table`` with the draw threaded or not;
    returns (the updated table, the generator, the names of the threads that drew)."""
    t = copy.deepcopy(table)
    rng = np.random.default_rng(seed)
    threads: list[str] = []
    shocks = technology._shocks

    def spy(*args):
        threads.append(threading.current_thread().name)
        return shocks(*args)

    with monkeypatch.context() as mp:
        mp.setattr(technology, "_shocks", spy)
        mp.setattr(technology, "THREADED_DRAW_MIN", 0 if threaded else 10**12)
        technology.firm_productivity_update(t, ALPHA, 0.9, 0.15, rng)
    return t, rng, threads


def assert_tables_identical(a: FirmTable, b: FirmTable) -> None:
    for name in ("province", "sector", "capital", "log_a", "weight", "age", "uid", "alive",
                 "cell_idx", "a_pow", "lane_cell", "alive_by_cell", "inv_alpha"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name


@pytest.mark.parametrize("full", [False, True])
def test_threaded_draw_is_bit_identical(full, monkeypatch):
    """Threading forced on and off (through the threshold): the same firm arrays and the same
    generator state afterwards, to the bit; with free slots and without."""
    rng = np.random.default_rng(11)
    if full:
        table = FirmTable.empty(4096, 31, ALPHA)
        table.add(rng.integers(0, 31, 4096), rng.integers(0, N_SECTORS, 4096),
                  rng.lognormal(0.0, 1.0, 4096), rng.normal(0.0, 0.3, 4096), np.ones(4096))
        assert table.n_alive == table.capacity
    else:
        table = random_table(rng, 5000, 3500, 31)
        assert table.n_alive < table.capacity
    t_on, rng_on, threads_on = productivity_run(table, 42, True, monkeypatch)
    t_off, rng_off, threads_off = productivity_run(table, 42, False, monkeypatch)
    assert threads_on == ["regsim-background"]
    assert threads_off == [threading.current_thread().name]
    assert_tables_identical(t_on, t_off)
    assert rng_on.bit_generator.state == rng_off.bit_generator.state
    assert not np.array_equal(t_on.log_a, table.log_a)  # the update did something
    assert_table_consistent(t_on)


@pytest.fixture(scope="module")
def big_model_tables():
    """National and province tables of 250 000-firm runs to 2022: twice as they come (the
    shock draw threaded, capacity ≥ THREADED_DRAW_MIN), once with threading off."""

    def run(threaded: bool) -> tuple[pd.DataFrame, pd.DataFrame, FirmTable, list[str]]:
        threads: list[str] = []
        shocks = technology._shocks

        def spy(*args):
            threads.append(threading.current_thread().name)
            return shocks(*args)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(technology, "_shocks", spy)
            if not threaded:
                mp.setattr(technology, "THREADED_DRAW_MIN", 10**12)
            model = RegionalModel(n_firms=250_000, rng=2024, end_year=2022)
            assert model.firms.capacity >= THREADED_DRAW_MIN
            model.run()
        assert model.year == 2022
        return model.national_table(), model.province_table(), model.firms, threads

    return run(True), run(True), run(False)


def test_big_model_threaded_draw_in_use(big_model_tables):
    (*_, threads_a), (*_, threads_b), (*_, threads_off) = big_model_tables
    # One draw at the start (2020 flows) and one per simulated year.
    assert threads_a == threads_b == ["regsim-background"] * 3
    assert threads_off == [threading.current_thread().name] * 3


def test_big_model_runs_are_reproducible(big_model_tables):
    """Same seed, same tables, to the bit; and the same with the draw unthreaded."""
    (nat_a, prov_a, firms_a, _), (nat_b, prov_b, firms_b, _), (nat_c, prov_c, firms_c, _) = \
        big_model_tables
    for nat, prov, firms in ((nat_b, prov_b, firms_b), (nat_c, prov_c, firms_c)):
        pd.testing.assert_frame_equal(nat_a, nat, check_exact=True)
        pd.testing.assert_frame_equal(prov_a, prov, check_exact=True)
        assert_tables_identical(firms_a, firms)
    assert list(nat_a["year"]) == [2020, 2021, 2022]


def test_in_background_returns_and_raises():
    for threaded in (True, False):
        assert technology.in_background(divmod, 17, 5, threaded=threaded)() == (3, 2)
    wait = technology.in_background(divmod, 1, 0, threaded=True)
    with pytest.raises(ZeroDivisionError):  # raised by the waiting caller
        wait()
    with pytest.raises(ZeroDivisionError):  # raised at once
        technology.in_background(divmod, 1, 0, threaded=False)


# ======================================================================================= the CLI
SUBCOMMAND_NAMES = ["run", "compare", "report", "sweep", "analyze", "calibrate", "validate",
                    "bench", "viz"]
BAD_ARGV = [
    [],  # no sub-command
    ["run"],  # CONFIG missing
    ["run", BASELINE, "--bogus"],  # unknown option
    ["run", BASELINE, "-x", "1"],
    ["--bogus", "run", BASELINE],  # unknown top-level option
    ["run", BASELINE, "--seed", "abc"],  # bad value
    ["run", BASELINE, "--out"],  # option without its value
    ["run", "--set"],
    ["run", BASELINE, "extra"],  # extra positional
    ["rnu", BASELINE],  # unknown sub-command
]


def full_parser_outcome(argv: list[str], capsys) -> tuple[int, str, str]:
    """What the parser with every sub-command (the parser before the cut-down one) does."""
    parser = build_parser()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.mark.parametrize("argv", BAD_ARGV, ids=lambda a: " ".join(a).replace(BASELINE, "CFG"))
def test_run_parser_errors_as_full_parser(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    expected = full_parser_outcome(argv, capsys)
    code = main(argv)
    out = capsys.readouterr()
    assert (code, out.out, out.err) == expected
    assert code == 2
    assert out.err.splitlines()[-1].startswith(("regsim: error:", "regsim run: error:"))
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("config", ["does_not_exist.yaml", "missing/dir/x.yaml"])
def test_missing_config_one_line_exit_2(config, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["run", config, "--out", str(tmp_path / "out"), "-q"])
    out = capsys.readouterr()
    assert code == 2
    assert out.out == ""
    lines = out.err.splitlines()
    assert len(lines) == 1 and config in lines[0] and "file not found" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_help_lists_all_subcommands(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    listed = {line.split()[0] for line in text.split("COMMAND\n", 1)[1].splitlines()
              if line.startswith("    ") and not line.startswith("     ")}
    assert listed == set(SUBCOMMAND_NAMES)


def test_help_lists_all_subcommands_in_own_process():
    """The ``regsim`` script path (``main()`` without argv)."""
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "--help"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    for name in SUBCOMMAND_NAMES:
        assert f"\n    {name} " in proc.stdout or f"\n    {name}\n" in proc.stdout, name


def test_run_help_is_the_full_parsers(capsys):
    expected = full_parser_outcome(["run", "--help"], capsys)
    assert expected[0] == 0
    assert main(["run", "--help"]) == 0
    assert capsys.readouterr().out == expected[1]


def test_help_before_run_lists_all_subcommands(capsys):
    expected = full_parser_outcome(["-h", "run"], capsys)
    assert main(["-h", "run"]) == 0
    assert capsys.readouterr().out == expected[1]

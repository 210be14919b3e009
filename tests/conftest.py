"""Shared fixtures for the model tests: the data pack, a per-year recorder of a run and the
accounting invariants every run must satisfy (used by test_model.py and test_properties.py)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# As in test_metrics.py: works with the package installed or from a plain checkout.
if importlib.util.find_spec("sim") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@dataclass
class YearRecord:
    """What a test needs of one model year, copied after the year's step (or construction)."""

    year: int
    ledger: Any  # the year's Ledger (a new object every year, never mutated afterwards)
    central_accounts: dict[str, float]
    capital_check: dict[str, float]
    firm_flows: Any
    n_alive: int
    firm_capital_alive: float
    migration_flows: np.ndarray
    net_migration: np.ndarray
    population: np.ndarray  # after the year's migration
    non_hukou: np.ndarray
    employment: np.ndarray
    labour: np.ndarray  # equilibrium labour (n, S)
    transfers_share: float


def snapshot(model: Any) -> YearRecord:
    f = model.firms
    return YearRecord(
        year=model.year, ledger=model.ledger, central_accounts=dict(model.central_accounts),
        capital_check=dict(model.capital_check), firm_flows=model.firm_flows,
        n_alive=f.n_alive, firm_capital_alive=float(f.capital[f.alive].sum()),
        migration_flows=model.migration_flows.copy(), net_migration=model.net_migration.copy(),
        population=model.population.copy(), non_hukou=model.non_hukou.copy(),
        employment=np.asarray(model.employment, dtype=float).copy(),
        labour=model.equilibrium.labour.copy(), transfers_share=float(model.transfers_share),
    )


def run_recorded(model: Any) -> list[YearRecord]:
    """Step ``model`` to its end year, recording every year (the start year included)."""
    recs = [snapshot(model)]
    while model.year < model.config.end_year:
        model.step()
        recs.append(snapshot(model))
    return recs


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


class Invariants:
    """Accounting identities of a run; each method raises AssertionError naming the year."""

    @staticmethod
    def population(model: Any, recs: list[YearRecord]) -> None:
        """pop_{t+1} = pop_t + natural_change_{t+1} + net_migration_t (whole persons); movers
        leave one province and enter another; non-hukou residents are a part of residents."""
        p = model.province_table()
        n = model.n
        years = sorted(p["year"].unique())
        assert years == [r.year for r in recs]
        pop = p["population"].to_numpy().reshape(len(years), n)
        nat = p["natural_change"].to_numpy().reshape(len(years), n)
        net = p["net_migration"].to_numpy().reshape(len(years), n)
        nh = p["non_hukou"].to_numpy().reshape(len(years), n)
        assert pop.dtype.kind == "i" and nat.dtype.kind == "i" and net.dtype.kind == "i"
        for t in range(len(years) - 1):
            expect = pop[t] + nat[t + 1] + net[t]
            assert np.array_equal(pop[t + 1], expect), f"population not conserved into {years[t + 1]}"
        for t, r in enumerate(recs):
            m = r.migration_flows
            assert m.dtype.kind == "i" and m.shape == (n, n)
            assert np.all(m >= 0), r.year
            assert np.all(np.diag(m) == 0), f"stayers counted as movers in {r.year}"
            assert np.array_equal(r.net_migration, m.sum(axis=0) - m.sum(axis=1)), r.year
            assert r.net_migration.sum() == 0, f"net migration does not sum to zero in {r.year}"
            assert np.array_equal(p.loc[p["year"] == r.year, "in_migration"].to_numpy(), m.sum(axis=0))
            assert np.array_equal(p.loc[p["year"] == r.year, "out_migration"].to_numpy(), m.sum(axis=1))
            assert np.array_equal(r.population, pop[t] + r.net_migration), r.year
            assert np.all(r.non_hukou >= 0) and np.all(r.non_hukou <= r.population), r.year
        assert np.all(nh >= 0) and np.all(nh <= pop), "non-hukou residents exceed residents"
        nat_tab = model.national_table()
        assert np.array_equal(nat_tab["migrants"].to_numpy(),
                              np.array([float(r.migration_flows.sum()) for r in recs]))
        assert np.array_equal(nat_tab["population"].to_numpy(), pop.sum(axis=1).astype(float))

    @staticmethod
    def ledger(recs: list[YearRecord], rel: float = 1e-9) -> None:
        """Every government account (provinces, central) pays out what it takes in; the central
        budget balances: revenue + borrowing = transfers + own spending."""
        for r in recs:
            led = r.ledger
            n = led.n_provinces
            inflow = sum(led.received(k) for k in set(led.kinds))
            outflow = sum(led.paid(k) for k in set(led.kinds))
            net = led.net()
            assert np.allclose(net, inflow - outflow, rtol=0, atol=1e-9 * inflow.max())
            gov = slice(0, n + 1)
            assert np.all(inflow[gov] > 0), r.year
            bad = np.abs(net[gov]) > rel * inflow[gov]
            assert not bad.any(), f"{r.year}: government accounts {np.flatnonzero(bad)} do not balance"
            # Money is only moved, never created: the private sector's net is minus the rest.
            assert abs(net.sum()) <= 1e-12 * inflow.sum(), r.year
            ca = r.central_accounts
            # Mechanism flows into or out of the central account (e.g. pension pooling, tax
            # relief) count on their side of the budget.
            core = {"central_tax", "central_borrowing", "central_transfer", "central_own_spending"}
            other_in = sum(led.received(k)[n] for k in set(led.kinds) - core)
            other_out = sum(led.paid(k)[n] for k in set(led.kinds) - core)
            lhs = ca["central_revenue"] + ca["central_borrowing"] + other_in
            rhs = ca["central_transfers"] + ca["central_own_spending"] + other_out
            assert _rel(lhs, rhs) < 1e-12, f"central budget does not balance in {r.year}"
            assert min(ca.values()) >= 0.0, r.year
            assert _rel(led.total("central_tax"), ca["central_revenue"]) < 1e-12
            assert _rel(led.total("central_transfer"), ca["central_transfers"]) < 1e-12
            assert _rel(led.total("central_borrowing"), ca["central_borrowing"]) < 1e-12
            assert _rel(led.total("central_own_spending"), ca["central_own_spending"]) < 1e-12
            assert _rel(ca["central_transfers"], r.transfers_share * ca["central_revenue"]) < 1e-12
            assert np.all(led.paid("local_spending")[:n] >= 0)

    @staticmethod
    def capital(recs: list[YearRecord], depreciation: float, rel: float = 1e-9) -> None:
        """after = (1 − δ)(before − relocation loss) + saving; the stock carries over between
        years; the record equals the firm table."""
        for r in recs:
            c = r.capital_check
            expect = (1.0 - depreciation) * (c["before"] - c["relocation_loss"]) + c["saving"]
            assert _rel(c["after"], expect) < rel, f"capital not conserved in {r.year}: {c}"
            assert c["relocation_loss"] >= 0.0 and c["saving"] >= 0.0
            assert _rel(c["after"], r.firm_capital_alive) < 1e-12
        for a, b in zip(recs, recs[1:], strict=False):
            assert _rel(b.capital_check["before"], a.capital_check["after"]) < 1e-12, b.year

    @staticmethod
    def firms(model: Any, recs: list[YearRecord]) -> None:
        """n_after = n_before − exits + entries; province counts follow entries, exits and moves."""
        for r in recs:
            c, fl = r.capital_check, r.firm_flows
            assert c["n_after"] == c["n_before"] - fl.exits + fl.entries, r.year
            assert c["n_after"] == r.n_alive, r.year
            assert fl.exit_by_province.sum() == fl.exits and fl.entry_by_province.sum() == fl.entries
            assert fl.moved_from.size == fl.moved_to.size
            assert np.all(fl.moved_from != fl.moved_to), r.year
        for a, b in zip(recs, recs[1:], strict=False):
            assert b.capital_check["n_before"] == a.capital_check["n_after"], b.year
        nat = model.national_table()
        assert np.array_equal(nat["firms_end_of_year"] - nat["firms"],
                              nat["firm_entries"] - nat["firm_exits"])
        assert np.array_equal(nat["firms"].to_numpy()[1:], nat["firms_end_of_year"].to_numpy()[:-1])

    @staticmethod
    def firm_counts_by_province(model: Any) -> None:
        """firms_{t+1} = firms_t + entries − exits + moved in − moved out, by province."""
        p = model.province_table()
        n = model.n
        cnt = p["firms"].to_numpy().reshape(-1, n)
        change = (p["firm_entries"] - p["firm_exits"] + p["firms_moved_in"]
                  - p["firms_moved_out"]).to_numpy().reshape(-1, n)
        assert np.array_equal(cnt[1:], cnt[:-1] + change[:-1]), "firm counts by province"

    @staticmethod
    def finite_and_nonnegative(model: Any) -> None:
        """No NaN/inf anywhere in the tables; no negative population, capital, GDP or spending."""
        p = model.province_table()
        num = p.select_dtypes("number")
        bad = ~np.isfinite(num.to_numpy(dtype=float))
        assert not bad.any(), f"non-finite values in {list(num.columns[bad.any(axis=0)])}"
        nat = model.national_table()
        bad = ~np.isfinite(nat.to_numpy(dtype=float))
        assert not bad.any(), f"non-finite values in {list(nat.columns[bad.any(axis=0)])}"
        for col in ("population", "employment", "capital_100m_yuan", "gdp_100m_yuan",
                    "gdp_real_100m_yuan", "local_spending_100m_yuan", "own_revenue_100m_yuan",
                    "central_transfers_100m_yuan", "consumption_per_capita_yuan",
                    "public_services_index", "wage_yuan", "firms"):
            assert (p[col] >= 0).all(), f"negative {col}"
        assert (p["population"] > 0).all()
        for col in ("central_own_spending", "central_transfers", "gdp", "gdp_real", "population"):
            assert (nat[col] >= 0).all(), f"negative {col}"
        f = model.firms
        assert np.all(f.capital[f.alive] >= 0), "negative firm capital"
        assert np.all(np.isfinite(f.capital)) and np.all(np.isfinite(f.log_a))

    @classmethod
    def all(cls, model: Any, recs: list[YearRecord]) -> None:
        cls.finite_and_nonnegative(model)
        cls.population(model, recs)
        cls.ledger(recs)
        cls.capital(recs, model.config.capital.depreciation)
        cls.firms(model, recs)


@pytest.fixture(scope="session")
def dataset():
    from sim.data.loader import load_dataset

    return load_dataset()


@pytest.fixture(scope="session")
def invariants() -> type[Invariants]:
    return Invariants


@pytest.fixture(scope="session")
def record_run():
    """``record_run(model)`` steps a model to its end year and returns its YearRecords."""
    return run_recorded

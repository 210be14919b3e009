"""Public services (§20–22), balanced transfers (§24), macro linkage (§25) and monitoring with
early warning (§26–27): each alone against ``configs/no_coordination.yaml``; money flows balance;
people and firms are conserved; a disabled mechanism changes nothing; the warnings table and the
summary of ``regsim run``.

Runs are small (2 000 firms, 2020–2030) and shared per module. Effect sizes are printed
(``pytest -s tests/test_mech_services.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mech_helpers import mech, year_rows

from sim.cli import main, warnings_summary
from sim.config import Scenario, load_config
from sim.data.loader import DataError
from sim.io.results import WARNINGS_FILE, warnings_frame
from sim.mechanisms.balanced_transfers import floor_transfers, load_eco_areas
from sim.mechanisms.monitoring import INDICATORS, WARNING_COLUMNS
from sim.mechanisms.public_services import load_old_age_shares
from sim.model import RegionalModel

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
N_FIRMS, END = 2000, 2030
SMALL = [f"n_firms={N_FIRMS}", f"end_year={END}"]
KEYS = ("public_services", "balanced_transfers", "macro_linkage", "monitoring")
NON_LEDGER = {"migrants", "relocated_firms", "relocated_capital"}
KINDS = {
    "public_services": {"public_service_equalisation", "pension_pool_contribution", "pension_pool_payout"},
    "balanced_transfers": {"balanced_transfer", "eco_function_transfer"},
    "macro_linkage": set(),
    "monitoring": set(),
}
PORTABILITY_ONLY = ("mechanisms.public_services.standard_share=0",
                    "mechanisms.public_services.equalising_intensity_increase=0",
                    "mechanisms.public_services.pension_contribution_rate=0")
LOOSE_VALUE = {"max": 10, "min": 0}  # population change is at least −1
LOOSE = tuple(f"mechanisms.monitoring.{name}_{d}={-1 if name == 'population_change' else LOOSE_VALUE[d]}"
              for name, (_, d) in INDICATORS.items())
TIGHT = ("mechanisms.monitoring.debt_to_gdp_max=0", "mechanisms.monitoring.theil_t_max=0")


def scenario(name: str, *extra: str) -> Scenario:
    return load_config(CONFIGS / f"{name}.yaml", overrides=[*SMALL, *extra])


def run(name: str, *extra: str) -> RegionalModel:
    return RegionalModel(scenario(name, *extra)).run()






@pytest.fixture(scope="module")
def runs() -> dict[str, RegionalModel]:
    out = {"no_coordination": run("no_coordination")}
    for key in KEYS:
        out[key] = run(f"mechanisms/{key}")
        out[f"{key}_off"] = run(f"mechanisms/{key}", f"mechanisms.{key}.enabled=false")
    out["portability"] = run("mechanisms/public_services", *PORTABILITY_ONLY)
    out["tight"] = run("no_coordination", *TIGHT)
    out["loose"] = run("no_coordination", *LOOSE)
    return out


# --- common checks ------------------------------------------------------------------------------


def test_configs_and_defaults():
    s = Scenario()
    for key in ("public_services", "balanced_transfers", "macro_linkage"):
        assert getattr(s.mechanisms, key).enabled is False
    assert s.mechanisms.monitoring.enabled is True  # monitoring runs in every scenario
    for key in KEYS:
        cfg = load_config(CONFIGS / "mechanisms" / f"{key}.yaml")
        assert getattr(cfg.mechanisms, key).enabled
        assert cfg.fiscal.equalising_intensity == 0.0  # extends no_coordination
        section = getattr(cfg.mechanisms, key)
        for name, info in type(section).model_fields.items():
            extra = info.json_schema_extra or {}
            assert extra.get("unit") and extra.get("source"), f"{key}.{name}"


@pytest.mark.parametrize("key", KEYS)
def test_ledger_balances_every_year(runs, key):
    m = runs[key]
    flows = m.flows_table()
    money = flows[~flows["kind"].isin(NON_LEDGER)]
    accounts = [*m.province_names, "central", "private"]
    others = set().union(*KINDS.values()) - KINDS[key]
    assert not set(money["kind"]) & others, "only the enabled mechanism creates its flows"
    for year, g in money.groupby("year"):
        inflow = g.groupby("to")["amount"].sum().reindex(accounts, fill_value=0.0)
        outflow = g.groupby("from")["amount"].sum().reindex(accounts, fill_value=0.0)
        np.testing.assert_allclose(inflow - outflow, 0.0, atol=1e-9 * g["amount"].sum(),
                                   err_msg=f"{key} {year}")
        sub = g[g["kind"].isin(KINDS[key])]
        assert (sub["amount"] > 0).all() and (sub["from"] != sub["to"]).all()


@pytest.mark.parametrize("key", KEYS)
def test_people_and_firms_are_conserved(runs, key):
    m, b = runs[key], runs["no_coordination"]
    nat, nb = m.national_table().set_index("year"), b.national_table().set_index("year")
    prov = m.province_table()
    pop = prov.groupby("year")["population"].sum()
    assert (prov.groupby("year")["net_migration"].sum() == 0).all()
    nat_change = prov.groupby("year")["natural_change"].sum()
    for year in range(2021, END + 1):
        assert pop[year] == pop[year - 1] + nat_change[year]
        assert nat.loc[year, "firms"] == nat.loc[year - 1, "firms_end_of_year"]
    assert (nat["firms"] == nb["firms"]).all()
    gap = (nat["population"] - nb["population"]).abs()
    assert (gap <= m.n * (gap.index - 2020)).all()  # natural change rounds per province


@pytest.mark.parametrize("key", KEYS)
def test_disabled_mechanism_changes_nothing(runs, key):
    off, b = runs[f"{key}_off"], runs["no_coordination"]
    drop = ["mon_warnings"] if key == "monitoring" else []
    pd.testing.assert_frame_equal(off.province_table().drop(columns=drop),
                                  b.province_table().drop(columns=drop))
    pd.testing.assert_frame_equal(off.national_table().drop(columns=drop),
                                  b.national_table().drop(columns=drop))
    pd.testing.assert_frame_equal(off.flows_table(), b.flows_table())
    if key == "monitoring":
        assert off.warnings == [] and b.warnings
    else:
        assert off.warnings == b.warnings


# --- §20–22 public services -----------------------------------------------------------------------


def test_public_services_equalisation_lowers_the_gap(runs):
    m, b = runs["public_services"], runs["no_coordination"]
    pm, pb = year_rows(m.province_table(), 2021), year_rows(b.province_table(), 2021)
    # 2021: the same production in both runs, so the difference is the mechanism's alone
    np.testing.assert_allclose(pm["gdp_100m_yuan"], pb["gdp_100m_yuan"], rtol=1e-12)
    lowest = year_rows(b.province_table(), 2020)["public_services_index"].nsmallest(5).index
    ratio = pm["public_services_index"] / pb["public_services_index"]
    assert (ratio[lowest] > 1).all()
    nm, nb = m.national_table().set_index("year"), b.national_table().set_index("year")
    diff = (nm["ps_cv"] - nb["ps_cv"]).loc[2021:]
    print(f"\npublic services: ps_cv 2021 {nb.loc[2021, 'ps_cv']:.3f} → {nm.loc[2021, 'ps_cv']:.3f}, "
          f"mean difference 2021–{END} {diff.mean():+.3f}; service index 2021 of the five lowest "
          f"provinces of 2020: { {m.province_names[i]: f'{(ratio[i] - 1):+.1%}' for i in lowest} }")
    assert diff.loc[2021] < 0 and diff.mean() < 0


def test_public_services_flows_follow_the_rules(runs):
    m = runs["public_services"]
    ps = mech(m, "public_services")
    c = m.config.mechanisms.public_services
    prov, flows = m.province_table(), m.flows_table()
    assert [h["year"] for h in ps.history] == list(range(2021, END + 1))
    for h in ps.history:
        year = h["year"]
        p = year_rows(prov, year)
        pop = p["population"].to_numpy(float)
        # projected spending is what the budget then spends (no later flows in this scenario)
        np.testing.assert_allclose(p["local_spending_100m_yuan"], h["spending_before"] + h["equalisation"],
                                   rtol=1e-10)
        mean = h["spending_before"].sum() / pop.sum()
        expect = min(1.0, c.gap_closure) * pop * np.maximum(
            0.0, c.standard_share * mean - h["spending_before"] / pop)
        np.testing.assert_allclose(h["equalisation"], expect, rtol=1e-12)
        g = flows[flows["year"] == year]
        paid_in = g.loc[g["kind"] == "pension_pool_contribution", "amount"].sum()
        paid_out = g.loc[g["kind"] == "pension_pool_payout", "amount"].sum()
        assert paid_in == pytest.approx(paid_out, rel=1e-12)  # the fund balances every year
        assert paid_in == pytest.approx(
            c.pension_contribution_rate * c.pension_base_share * h["wage_bill"].sum(), rel=1e-12)
        np.testing.assert_allclose(h["payout"] / h["payout"].sum(),
                                   h["retirees"] / h["retirees"].sum(), rtol=1e-12)
        assert set(g.loc[g["kind"] == "pension_pool_contribution", "to"]) == {"central"}
        eq = g.loc[g["kind"] == "public_service_equalisation"]
        assert eq["amount"].sum() == pytest.approx(h["equalisation"].sum(), rel=1e-12)
    first = ps.history[0]
    net = first["payout"] - first["contribution"]
    names = np.array(m.province_names, dtype=object)
    print(f"\npension pool 2021: fund {first['contribution'].sum():.0f} × 10⁸ yuan, redistributed "
          f"{net[net > 0].sum():.0f}; largest payers {list(names[np.argsort(net)[:3]])}, "
          f"receivers {list(names[np.argsort(net)[-3:]])}")
    assert ps.equalising_intensity(0.0) == pytest.approx(c.equalising_intensity_increase)


def test_portability_raises_gross_migration(runs):
    b = runs["no_coordination"].national_table().set_index("year")
    for key in ("portability", "public_services"):
        m = runs[key]
        assert m.migrant_access == pytest.approx(0.5 + 0.5 * m.config.mechanisms.public_services.access_increase)
        ratio = (m.national_table().set_index("year")["migrants"] / b["migrants"]).loc[2021:]
        print(f"\n{key}: gross interprovincial migrants vs no_coordination 2021 {ratio.iloc[0] - 1:+.1%}, "
              f"mean 2021–{END} {ratio.mean() - 1:+.1%}")
        assert (ratio > 1).all()
    cost = mech(runs["portability"], "public_services").migration_cost(np.zeros((31, 31)))
    assert np.all(np.diag(cost) == 0) and np.allclose(cost[~np.eye(31, dtype=bool)], -0.1)


def test_old_age_data_and_errors(tmp_path):
    names = load_dataset_names()
    share = load_old_age_shares(ROOT / "sim" / "data" / "public_services.csv", names)
    assert share.shape == (31,) and share.min() > 0.05 and share.max() < 0.2
    pop = load_dataset_pop()
    assert (share * pop).sum() / pop.sum() == pytest.approx(0.1350, abs=0.0005)  # census: 13.50%
    bad = tmp_path / "public_services.csv"
    text = (ROOT / "sim" / "data" / "public_services.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace("Tibet,5.67", "Tibet,abc"), encoding="utf-8")
    with pytest.raises(DataError, match=r"public_services\.csv: line 27, column 'old_age_share_65_2020_pct'"):
        load_old_age_shares(bad, names)
    bad.write_text(text.replace("\nXinjiang,", "\nXinjang,"), encoding="utf-8")
    with pytest.raises(DataError, match=r"line 32, column 'province'.*Xinjiang"):
        load_old_age_shares(bad, names)


def load_dataset_names() -> list[str]:
    from sim.data.loader import load_dataset

    return list(load_dataset().names)


def load_dataset_pop() -> np.ndarray:
    from sim.data.loader import load_dataset

    return load_dataset().provinces["pop_census2020"].to_numpy(float)


# --- §24 balanced transfers ---------------------------------------------------------------------


def test_floor_transfers_exact():
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(2, 40))
        pop = rng.lognormal(0, 1, n)
        s = pop * rng.lognormal(0, 0.6, n)
        floor = float(rng.uniform(0, 0.99))
        t = floor_transfers(s, pop, floor)
        after = (s + t) / pop
        mean = (s + t).sum() / pop.sum()
        assert (t >= 0).all() and (after >= floor * mean * (1 - 1e-10)).all()
        # smallest: every province that receives ends exactly at the floor
        assert np.allclose(after[t > 0], floor * mean, rtol=1e-10)


def test_balanced_transfers_bring_every_province_to_the_floor(runs):
    m, b = runs["balanced_transfers"], runs["no_coordination"]
    c = m.config.mechanisms.balanced_transfers
    prov, nat = m.province_table(), m.national_table().set_index("year")
    flows = m.flows_table()
    for year in range(2021, END + 1):
        p = year_rows(prov, year)
        spc = p["local_spending_100m_yuan"] / p["population"]
        mean = p["local_spending_100m_yuan"].sum() / p["population"].sum()
        assert (spc >= c.floor_share * mean * (1 - 1e-9)).all(), year
        assert np.isclose(spc.min(), c.floor_share * mean, rtol=1e-9)  # the floor binds
        # the central budget still balances: revenue + borrowing = all its payments
        g = flows[(flows["year"] == year) & ~flows["kind"].isin(NON_LEDGER)]
        into = g.loc[g["to"] == "central", "amount"].sum()
        out = g.loc[g["from"] == "central", "amount"].sum()
        assert into == pytest.approx(out, rel=1e-12)
        r = nat.loc[year]
        mech_out = g.loc[g["kind"].isin(KINDS["balanced_transfers"]), "amount"].sum()
        assert r["central_revenue"] + r["central_borrowing"] == pytest.approx(
            r["central_transfers"] + mech_out + r["central_own_spending"], rel=1e-12)
        assert mech_out == pytest.approx(r["balanced_transfer_100m_yuan"]
                                         + r["eco_function_transfer_100m_yuan"], rel=1e-12)
        eco = g[g["kind"] == "eco_function_transfer"]
        assert eco["amount"].sum() == pytest.approx(c.eco_transfer_share_of_gdp * r["gdp"], rel=1e-12)
        assert {"Tibet", "Qinghai"} <= set(eco["to"])
    nb = b.national_table().set_index("year")
    ratio = nat["spending_pc_max_min"].loc[2021:]
    print(f"\nbalanced transfers: highest/lowest spending per resident {END} {ratio.loc[END]:.2f} vs "
          f"{nb.loc[END, 'spending_pc_max_min']:.2f} without; CV {nat.loc[END, 'spending_pc_cv']:.3f} vs "
          f"{nb.loc[END, 'spending_pc_cv']:.3f}; transfer {END} {nat.loc[END, 'balanced_transfer_100m_yuan']:.0f} "
          f"× 10⁸ yuan, ecological areas {nat.loc[END, 'eco_function_transfer_100m_yuan']:.0f}; ps_cv mean "
          f"difference {(nat['ps_cv'] - nb['ps_cv']).loc[2021:].mean():+.3f}")
    assert (ratio < nb["spending_pc_max_min"].loc[2021:]).all()


def test_eco_area_data(tmp_path):
    names = load_dataset_names()
    areas, w = load_eco_areas(ROOT / "sim" / "data" / "balanced_transfers.csv", names)
    assert len(areas) == 25 and w.sum() == pytest.approx(1.0)
    assert w[names.index("Tibet")] == pytest.approx(2 / 25)
    assert w[names.index("Qinghai")] == pytest.approx(1.5 / 25)
    assert w[names.index("Shanghai")] == 0
    bad = tmp_path / "balanced_transfers.csv"
    text = (ROOT / "sim" / "data" / "balanced_transfers.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace("Gansu;Qinghai", "Gansu;Qinhai"), encoding="utf-8")
    with pytest.raises(DataError, match=r"balanced_transfers\.csv: line 8, column 'provinces'.*Qinghai"):
        load_eco_areas(bad, names)


# --- §25 macro linkage --------------------------------------------------------------------------


def test_credit_support_moves_investment_to_slow_growers(runs):
    m, b = runs["macro_linkage"], runs["no_coordination"]
    ml = mech(m, "macro_linkage")
    c = m.config.mechanisms.macro_linkage
    k = round(c.slow_growth_share * m.n)
    assert [h["year"] for h in ml.history] == list(range(2021, END + 1))
    counted = np.zeros(m.n)
    for h in ml.history:
        t = h["targets"]
        before, after = h["investment_before"], h["investment_after"]
        assert t.sum() == k
        assert np.sort(h["growth"])[k - 1] == pytest.approx(h["growth"][t].max())  # the slowest
        assert after.sum() == pytest.approx(before.sum(), rel=1e-12)  # national total unchanged
        assert (after[t] > before[t]).all() and (after[~t] <= before[~t]).all()
        assert (after - before)[t].sum() == pytest.approx(h["credit"].sum(), rel=1e-12)
        counted += t
    # first year: the state before the hook is that of no_coordination, so the supported provinces
    # of 2021 end the year with more capital (recorded with 2022)
    first = ml.history[0]["targets"]
    np.testing.assert_allclose(ml.history[0]["investment_before"].sum(),
                               ml.history[0]["investment_after"].sum(), rtol=1e-12)
    pm, pb = year_rows(m.province_table(), 2022), year_rows(b.province_table(), 2022)
    k1 = pm["capital_100m_yuan"][first].sum() / pb["capital_100m_yuan"][first].sum() - 1
    assert k1 > 0
    # over the run (printed only: lower returns in the supported provinces pull the endogenous
    # mobile pool away from them, and runs do not share random draws)
    often = counted >= len(ml.history) / 2
    pm, pb = year_rows(m.province_table(), END), year_rows(b.province_table(), END)
    cap = pm["capital_100m_yuan"][often].sum() / pb["capital_100m_yuan"][often].sum() - 1
    gdp = pm["gdp_100m_yuan"][often].sum() / pb["gdp_100m_yuan"][often].sum() - 1
    nat = m.national_table().set_index("year")
    nat_b = b.national_table().set_index("year")
    print(f"\nmacro linkage: 2021 supported {list(np.array(m.province_names, dtype=object)[first])}, their "
          f"capital at the end of 2021 {k1:+.1%}; supported in ≥ half the years "
          f"{list(np.array(m.province_names, dtype=object)[often])}: capital {END} {cap:+.1%}, GDP {gdp:+.1%}; "
          f"national GDP {END} {nat.loc[END, 'gdp'] / nat_b.loc[END, 'gdp'] - 1:+.2%}; credit {END} "
          f"{nat.loc[END, 'credit_support_100m_yuan']:.0f} × 10⁸ yuan")
    np.testing.assert_allclose(m.province_table()["leverage_debt_to_gdp"],
                               m.province_table()["local_debt_100m_yuan"] / m.province_table()["gdp_100m_yuan"])


def test_borrowing_cap_keeps_leverage_at_the_threshold():
    m = run("mechanisms/macro_linkage", "end_year=2026", "mechanisms.macro_linkage.cap_borrowing=true",
            "mechanisms.macro_linkage.leverage_threshold=0.29")
    ml = mech(m, "macro_linkage")
    c = m.config.mechanisms.macro_linkage
    prov = m.province_table()
    flows = m.flows_table()
    borrowing = m.config.fiscal.local_deficit_share_of_gdp
    for h in ml.history:
        p = year_rows(prov, h["year"])
        lev = p["local_debt_100m_yuan"] / p["gdp_100m_yuan"]
        capped = h["cap"] > 0
        full = h["cap"] >= borrowing * p["gdp_100m_yuan"].to_numpy() * (1 - 1e-12)
        np.testing.assert_allclose(lev[capped & ~full], c.leverage_threshold, rtol=1e-9)
        assert (lev[~capped] <= c.leverage_threshold * (1 + 1e-12)).all()
        # the cap lowers the year's local borrowing itself (hook local_borrowing)
        g = flows[(flows["year"] == h["year"]) & (flows["kind"] == "local_borrowing")]
        got = g.groupby("to")["amount"].sum().reindex(m.province_names, fill_value=0.0).to_numpy()
        np.testing.assert_allclose(got, borrowing * p["gdp_100m_yuan"].to_numpy() - h["cap"],
                                   rtol=1e-12, atol=1e-9)
    assert sum(h["cap"].sum() for h in ml.history) > 0


# --- §26–27 monitoring ---------------------------------------------------------------------------


def test_monitoring_indicators(runs):
    m = runs["no_coordination"]
    prov, nat = m.province_table(), m.national_table()
    np.testing.assert_allclose(prov["mon_debt_to_gdp"], prov["local_debt_100m_yuan"] / prov["gdp_100m_yuan"])
    np.testing.assert_allclose(nat["mon_theil_t"], nat["theil_t"], rtol=1e-12)
    np.testing.assert_allclose(nat["mon_gdp_pc_max_min"], nat["max_min"], rtol=1e-12)
    np.testing.assert_allclose(nat["mon_ps_max_min"], nat["ps_max_min"], rtol=1e-12)
    np.testing.assert_allclose(nat["mon_south_north"], nat["north_south"], rtol=1e-12)
    flows = m.flows_table()
    for year in (2020, 2025):
        p = year_rows(prov, year)
        g = flows[(flows["year"] == year) & ~flows["kind"].isin(NON_LEDGER)]
        into = g[g["from"] == "central"].groupby("to")["amount"].sum()
        back = g[g["to"] == "central"].groupby("from")["amount"].sum()
        net = (into.reindex(m.province_names, fill_value=0) - back.reindex(m.province_names, fill_value=0))
        np.testing.assert_allclose(p["mon_fiscal_dependence"], net.to_numpy() / p["local_spending_100m_yuan"],
                                   rtol=1e-10)
        cons = p["consumption_per_capita_yuan"] * p["population"]
        np.testing.assert_allclose(p["mon_consumption_pc_rel"], p["consumption_per_capita_yuan"]
                                   / (cons.sum() / p["population"].sum()), rtol=1e-10)
        assert (p["mon_market_access_rel"] > 0).all()
    change = prov.pivot(index="year", columns="province", values="population")
    rel = (change / change.shift(1) - 1).loc[2021:]
    got = prov.pivot(index="year", columns="province", values="mon_population_change").loc[2021:]
    np.testing.assert_allclose(got.to_numpy(), rel.to_numpy(), rtol=1e-12)


def test_tight_thresholds_warn_and_loose_ones_do_not(runs):
    tight, loose = runs["tight"], runs["loose"]
    w = warnings_frame(tight)
    assert list(w.columns) == list(WARNING_COLUMNS)
    debt = w[w["indicator"] == "debt_to_gdp"]
    assert len(debt) == 31 * (END - 2020)  # every province, every monitored year
    assert set(w.loc[w["indicator"] == "theil_t", "province"]) == {"national"}
    assert (w["year"] >= 2021).all()
    prov = tight.province_table().set_index(["year", "province"])
    np.testing.assert_allclose(debt["value"], prov.loc[list(zip(debt["year"], debt["province"], strict=True)),
                                                      "mon_debt_to_gdp"])
    counts = prov.groupby("year")["mon_warnings"].sum()
    nat = tight.national_table().set_index("year")
    assert (nat["mon_warnings"] >= counts).all()
    assert len(w) == nat["mon_warnings"].sum()
    assert loose.warnings == []
    assert len(warnings_frame(loose)) == 0 and list(warnings_frame(loose).columns) == list(WARNING_COLUMNS)
    # the economy is the same whatever the thresholds
    drop = ["mon_warnings"]
    pd.testing.assert_frame_equal(tight.province_table().drop(columns=drop),
                                  loose.province_table().drop(columns=drop))
    text = warnings_summary(tight.warnings)
    print(f"\nmonitoring (tight thresholds): {len(w)} warnings\n{text}")
    assert len(text.splitlines()) <= 10 and "debt_to_gdp 310" in text


def test_regsim_run_writes_the_warnings_table_and_prints_the_summary(tmp_path, capsys):
    base = ["run", str(CONFIGS / "no_coordination.yaml"), "-q", "--no-figures",
            "--set", "n_firms=1000", "--set", "end_year=2023"]
    out = tmp_path / "tight"
    assert main([*base, "--out", str(out), *[a for t in TIGHT for a in ("--set", t)]]) == 0
    text = capsys.readouterr().out
    table = pd.read_parquet(out / WARNINGS_FILE)
    assert list(table.columns) == list(WARNING_COLUMNS) and len(table) >= 31 * 3
    assert str(table["year"].dtype) == "int64"
    assert "early warnings: " in text and "debt_to_gdp" in text and "2023:" in text
    summary = text[text.index("early warnings"):].splitlines()
    assert len(summary[:summary.index(next(s for s in summary if "Theil T" in s))]) <= 10
    again = tmp_path / "again"
    assert main([*base, "--out", str(again), *[a for t in TIGHT for a in ("--set", t)]]) == 0
    capsys.readouterr()
    assert (again / WARNINGS_FILE).read_bytes() == (out / WARNINGS_FILE).read_bytes()
    loose = tmp_path / "loose"
    assert main([*base, "--out", str(loose), *[a for t in LOOSE for a in ("--set", t)]]) == 0
    assert "early warnings: none" in capsys.readouterr().out
    empty = pd.read_parquet(loose / WARNINGS_FILE)
    assert list(empty.columns) == list(WARNING_COLUMNS) and len(empty) == 0

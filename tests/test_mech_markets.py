"""Market mechanisms of the guideline: §7 unified negative list, §8 market integration
(``market_integration``), §7 hukou reform (``hukou_reform``), §7/§23 construction-land market and
preferential quotas (``land_market``), §23 differentiated policy (``differentiated_policy``).

Each mechanism alone (``configs/mechanisms/<key>.yaml``) against ``configs/no_coordination.yaml``:
direction and size of its effect (printed: ``pytest -s tests/test_mech_markets.py``), its money
flows, conservation of people and firms, and that a disabled mechanism changes nothing.

Runs of different scenarios do not share random draws once they differ, so province-level
comparisons over several years are noisy; where an effect is small against that noise the test
isolates it: the first simulated year (same state in both runs), or one year stepped from a copy
of the same model with and without the mechanism's multiplier.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mech_helpers import mech

from sim import metrics
from sim.config import Scenario, load_config
from sim.config.errors import ConfigError
from sim.config.schema import SECTORS
from sim.economy import relocation
from sim.economy.sectors import POLLUTING_SECTORS
from sim.mechanisms import differentiated_policy
from sim.model import RegionalModel

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
N_FIRMS, END = 20000, 2030
KEYS = ["market_integration", "hukou_reform", "land_market", "differentiated_policy"]
KINDS = {
    "market_integration": set(),
    "hukou_reform": set(),
    "land_market": {"land_quota", "land_quota_fee"},
    "differentiated_policy": {"talent_subsidy_transfer", "talent_subsidy"},
}
NON_LEDGER = {"migrants", "relocated_firms", "relocated_capital"}
CHOOSE, ENTER = relocation.choose_location, relocation.enter_firms


def scenario(name: str, *extra: str, n_firms: int = N_FIRMS, end: int = END) -> Scenario:
    return load_config(CONFIGS / f"{name}.yaml", overrides=[f"n_firms={n_firms}", f"end_year={end}", *extra])




def pivot(model: RegionalModel, column: str) -> np.ndarray:
    """(years × provinces) array of a province-table column, provinces in model order."""
    p = model.province_table()
    return p.pivot(index="year", columns="province", values=column)[model.province_names].to_numpy()


@dataclass
class Moves:
    """Records every location choice of relocating firms and of mobile entrants (wraps
    ``relocation.choose_location``; the random draws are the model's, unchanged)."""

    year: int = 0
    entering: bool = False
    entry: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)

    def choose_location(self, origin, sector, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        dest = CHOOSE(origin, sector, *args, **kwargs)
        if self.entering:
            self.entry.append((self.year, origin.copy(), dest.copy(), np.asarray(sector).copy()))
        return dest

    def enter_firms(self, *args, **kwargs):  # noqa: ANN002, ANN003
        self.entering = True
        try:
            return ENTER(*args, **kwargs)
        finally:
            self.entering = False

    def out_of_province_entries(self) -> int:
        return int(sum((o != d).sum() for _, o, d, _ in self.entry))


@dataclass
class Run:
    model: RegionalModel
    moves: Moves
    firm_flows: list[relocation.FirmFlows]


def run(config: Scenario) -> Run:
    """Run a scenario to its end year, recording firm flows and entrants' choices every year."""
    moves = Moves()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(relocation, "choose_location", moves.choose_location)
        mp.setattr(relocation, "enter_firms", moves.enter_firms)
        model = RegionalModel(config)
        flows = [model.firm_flows]
        while model.year < model.config.end_year:
            moves.year = model.year + 1
            model.step()
            flows.append(model.firm_flows)
    return Run(model, moves, flows)


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    out = {"no_coordination": run(scenario("no_coordination"))}
    for key in KEYS:
        out[key] = run(scenario(f"mechanisms/{key}"))
    return out


@pytest.fixture(scope="module")
def second_seed() -> dict[str, RegionalModel]:
    return {name: RegionalModel(scenario(name, "seed=1")).run()
            for name in ("no_coordination", "mechanisms/market_integration")}


# --- configuration ------------------------------------------------------------------------------


def test_sections_files_and_errors():
    s = Scenario()
    for key in KEYS:
        assert getattr(s.mechanisms, key).enabled is False
        on = load_config(CONFIGS / "mechanisms" / f"{key}.yaml")
        assert [k for k in KEYS if getattr(on.mechanisms, k).enabled] == [key]
        assert on.fiscal.equalising_intensity == 0.0  # extends no_coordination
    assert differentiated_policy.SECTORS is SECTORS  # one definition (sim.config.names)
    with pytest.raises(ConfigError, match="price_max_yuan_per_ha"):
        load_config(overrides=["mechanisms.land_market.price_max_yuan_per_ha=1"])
    with pytest.raises(ConfigError, match="unknown sector"):
        load_config(overrides=["mechanisms.differentiated_policy.ban_sectors=[steel]"])
    with pytest.raises(ConfigError, match="unknown plate"):
        load_config(overrides=["mechanisms.differentiated_policy.talent_plates=[South]"])
    with pytest.raises(ConfigError, match="hukou_reform.cost_share_removed"):
        load_config(overrides=["mechanisms.hukou_reform.cost_share_removed=1.5"])


@pytest.mark.parametrize("key", KEYS)
def test_disabled_or_zero_dose_changes_nothing(key):
    """Disabled (with other parameters changed): identical tables. Enabled at intensity 0: the
    same economy (the mechanism's own output columns aside)."""
    small = dict(n_firms=2000, end=2024)
    base = RegionalModel(scenario("no_coordination", **small)).run()
    off = RegionalModel(scenario(f"mechanisms/{key}", f"mechanisms.{key}.enabled=false",
                                 f"mechanisms.{key}.intensity=3", **small)).run()
    pd.testing.assert_frame_equal(off.province_table(), base.province_table())
    pd.testing.assert_frame_equal(off.national_table(), base.national_table())
    pd.testing.assert_frame_equal(off.flows_table(), base.flows_table())
    zero = RegionalModel(scenario(f"mechanisms/{key}", f"mechanisms.{key}.intensity=0", **small)).run()
    core = ["population", "non_hukou", "gdp_100m_yuan", "gdp_real_100m_yuan", "local_spending_100m_yuan",
            "public_services_index", "firms", "net_migration", "firm_entries", "firms_moved_in"]
    pd.testing.assert_frame_equal(zero.province_table()[core], base.province_table()[core])
    pd.testing.assert_frame_equal(zero.flows_table(), base.flows_table())


# --- money and conservation ---------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_ledger_balances_and_only_own_flows(runs, key):
    m = runs[key].model
    flows = m.flows_table()
    money = flows[~flows["kind"].isin(NON_LEDGER)]
    mine = KINDS[key]
    others = set().union(*KINDS.values()) - mine
    assert not set(money["kind"]) & others
    assert mine <= set(money["kind"]), (mine, set(money["kind"]))
    accounts = [*m.province_names, "central", "private"]
    gov = accounts[:-1]
    for year, g in money.groupby("year"):
        inflow = g.groupby("to")["amount"].sum().reindex(accounts, fill_value=0.0)
        outflow = g.groupby("from")["amount"].sum().reindex(accounts, fill_value=0.0)
        scale = g["amount"].sum()
        np.testing.assert_allclose((inflow - outflow)[gov], 0.0, atol=1e-9 * scale, err_msg=f"{key} {year}")
        sub = g[g["kind"].isin(mine)]
        assert (sub["amount"] > 0).all() and (sub["from"] != sub["to"]).all()


@pytest.mark.parametrize("key", KEYS)
def test_people_and_firms_conserved(runs, key):
    m, b = runs[key].model, runs["no_coordination"].model
    p = m.province_table()
    pop = p.groupby("year")["population"].sum()
    nat_change = p.groupby("year")["natural_change"].sum()
    assert (p.groupby("year")["net_migration"].sum() == 0).all()
    for year in range(2021, END + 1):
        assert pop[year] == pop[year - 1] + nat_change[year]
    nat, nb = m.national_table().set_index("year"), b.national_table().set_index("year")
    assert (nat["firms"] == nb["firms"]).all()
    assert (nat["firms_end_of_year"] == nat["firms"] + nat["firm_entries"] - nat["firm_exits"]).all()
    assert (p["non_hukou"] >= 0).all() and (p["non_hukou"] <= p["population"]).all()
    num = m.national_table().to_numpy(dtype=float)
    assert np.isfinite(num).all()


# --- §7 negative list and §8 market integration ------------------------------------------------------


def test_market_integration_hooks(runs):
    m = runs["market_integration"].model
    mi = mech(m, "market_integration")
    cfg = m.config.mechanisms.market_integration
    n = m.n
    cut = cfg.entry_share_removed * m.config.firms.entry_barrier
    assert mi.entry_cut(END) == pytest.approx(cut)
    cost = mi.relocation_cost(np.full((n, n), 0.75))
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(cost[off], 0.75 - cut)
    np.testing.assert_allclose(np.diag(cost), 0.75)
    assert mi.relocation_cost(np.full((n, n), 0.1))[off].min() == 0.0  # floored at zero
    np.testing.assert_allclose(mi.relocation_cost(np.full((6, n, n), 0.75))[:, off], 0.75 - cut)
    factor = mi.trade_factor(END)
    idx = m.data.province_index
    inside = [("Beijing", "Hebei"), ("Shanghai", "Sichuan"), ("Guangdong", "Guangxi"), ("Anhui", "Jiangsu")]
    outside = [("Beijing", "Shanghai"), ("Guangdong", "Hunan"), ("Tibet", "Xinjiang"), ("Hebei", "Shandong")]
    for a, b in inside:
        assert factor[idx(a), idx(b)] == pytest.approx(1 - cfg.trade_share_removed - cfg.strategic_extra_share)
    for a, b in outside:
        assert factor[idx(a), idx(b)] == pytest.approx(1 - cfg.trade_share_removed)
    assert mi.strategic_pair.sum() == 6 + 2 + 11 * 10  # JJJ, GBA with Guangxi, Yangtze belt
    nat = m.national_table().set_index("year")
    assert nat.loc[END, "market_access_barrier"] == pytest.approx(m.config.firms.entry_barrier - cut)
    b = runs["no_coordination"].model.national_table().set_index("year")
    assert nat.loc[END, "trade_barrier_mean"] < b.loc[END, "trade_barrier_mean"]


def test_negative_list_raises_relocation_and_out_of_province_entry(runs):
    m, b = runs["market_integration"], runs["no_coordination"]
    moved = m.model.national_table()["firms_relocated"].iloc[1:].sum()
    moved_b = b.model.national_table()["firms_relocated"].iloc[1:].sum()
    entry, entry_b = m.moves.out_of_province_entries(), b.moves.out_of_province_entries()
    print(f"\nnegative list (2021–{END}, {N_FIRMS} firms): inter-provincial relocations {moved:.0f} vs "
          f"{moved_b:.0f} ({moved / moved_b - 1:+.0%}); out-of-province entries {entry} vs {entry_b} "
          f"({entry / entry_b - 1:+.0%})")
    assert moved > moved_b
    assert entry > entry_b


def _real_income(model: RegionalModel) -> tuple[np.ndarray, np.ndarray]:
    """GDP deflated by each province's CPI (100 million yuan), and per resident, by year."""
    real = pivot(model, "gdp_100m_yuan") / pivot(model, "cpi")
    return real, real / pivot(model, "population")


def test_market_integration_first_year_gains_from_trade():
    """2021: the same firms, people and capital in both runs; only trade costs differ. Real income
    (GDP deflated by the local CPI) rises and its dispersion falls, as in Tombe & Zhu (2019);
    real output at 2020 prices hardly moves within the year (inputs are given; labour moves
    between sectors)."""
    b = RegionalModel(scenario("no_coordination", end=2021))
    m = RegionalModel(scenario("mechanisms/market_integration", end=2021))
    b.step()
    m.step()
    pop = b.population.astype(float)
    ri_b, ri_m = b.gdp / b.cpi(), m.gdp / m.cpi()
    gain = ri_m.sum() / ri_b.sum() - 1
    cv_b, cv_m = metrics.cv(ri_b / pop), metrics.cv(ri_m / pop)
    w_b, w_m = metrics.williamson(ri_b / pop, pop), metrics.williamson(ri_m / pop, pop)
    print(f"\nmarket integration, 2021 (static): real income {gain:+.2%}; CV of real income per capita "
          f"{cv_m / cv_b - 1:+.2%} (Williamson {w_m / w_b - 1:+.2%}); CV of nominal GDP per capita "
          f"{metrics.cv(m.gdp / pop) / metrics.cv(b.gdp / pop) - 1:+.2%}; real output "
          f"{m.equilibrium.quantity.sum() / b.equilibrium.quantity.sum() - 1:+.3%}")
    assert gain > 0
    assert cv_m < cv_b and w_m < w_b


def test_market_integration_over_the_decade(runs, second_seed):
    """National real income rises over 2022–END (mean over the years and two seeds), and in the
    first year of lower trade costs (same state and draws in both runs) real income per capita
    converges (Tombe & Zhu's direction). Over the decade the CV of real income per capita moves
    within ±0.5 % by seed and the CV of GDP per capita rises (printed, not asserted): cheaper
    trade also strengthens the home-market effect that concentrates manufacturing
    (Fujita–Krugman–Venables). Real output at 2020 prices barely moves: lower trade costs
    raise what output buys more than output itself."""
    pairs = [(runs["market_integration"].model, runs["no_coordination"].model),
             (second_seed["mechanisms/market_integration"], second_seed["no_coordination"])]
    rows = []
    for m, b in pairs:
        ri_m, pc_m = _real_income(m)
        ri_b, pc_b = _real_income(b)
        yrs = slice(2, None)
        cv_m = np.array([metrics.cv(x) for x in pc_m[yrs]])
        cv_b = np.array([metrics.cv(x) for x in pc_b[yrs]])
        nm, nb = m.national_table().iloc[yrs], b.national_table().iloc[yrs]
        rows.append({
            "real_income": (ri_m[yrs].sum(axis=1) / ri_b[yrs].sum(axis=1) - 1).mean(),
            "cv_real_income_pc": (cv_m / cv_b - 1).mean(),
            "cv_gdp_pc": (nm["cv"].to_numpy() / nb["cv"].to_numpy() - 1).mean(),
            "real_gdp": (nm["gdp_real"].to_numpy() / nb["gdp_real"].to_numpy() - 1).mean(),
            "real_gdp_end": nm["gdp_real"].iloc[-1] / nb["gdp_real"].iloc[-1] - 1,
            "cv_real_income_pc_first": metrics.cv(pc_m[1]) / metrics.cv(pc_b[1]) - 1,
        })
    eff = pd.DataFrame(rows)
    mean = eff.mean()
    print(f"\nmarket integration 2022–{END} (mean of years, 2 seeds): real income {mean.real_income:+.2%}, "
          f"CV of real income per capita {mean.cv_real_income_pc:+.2%}, CV of GDP per capita "
          f"{mean.cv_gdp_pc:+.2%}, real GDP {mean.real_gdp:+.2%} ({END}: {mean.real_gdp_end:+.2%}); "
          f"per seed:\n{eff.round(4).to_string()}")
    assert mean.real_income > 0
    assert (eff["cv_real_income_pc_first"] < 0).all()


# --- §7 hukou reform ------------------------------------------------------------------------------


def test_hukou_reform(runs):
    m, b = runs["hukou_reform"].model, runs["no_coordination"].model
    hr = mech(m, "hukou_reform")
    cfg = m.config.mechanisms.hukou_reform
    h = m.config.migration.hukou_cost
    cut = hr.cost_cut(END)
    bj, gd = m.data.province_index("Beijing"), m.data.province_index("Guangdong")
    assert cut[gd] == pytest.approx(cfg.cost_share_removed * h)
    assert cut[bj] == pytest.approx((1 - cfg.megacity_retained_share) * cfg.cost_share_removed * h)
    extra = hr.migration_cost(np.zeros((m.n, m.n)))
    assert np.isfinite(extra).all() and (np.diag(extra) == 0).all()
    np.testing.assert_allclose(extra[0, gd], -cut[gd])
    nat, nb = m.national_table().set_index("year"), b.national_table().set_index("year")
    access = 0.5 + cfg.access_share * 0.5
    assert m.migrant_access == pytest.approx(access) and b.migrant_access == pytest.approx(0.5)
    np.testing.assert_allclose(nat.loc[2021:, "migrant_access_hukou"], access)
    assert hr.hukou_conversion(0.02) == pytest.approx(0.02 + cfg.conversion_increase)
    # migrants' effective services: the resident average with access a
    pm = m.province_table()
    pm = pm[pm["year"] >= 2021]
    nh_share = (pm["non_hukou"] / pm["population"]).to_numpy()
    np.testing.assert_allclose(pm["effective_public_services"],
                               pm["public_services_index"] * (1 - nh_share * (1 - access)), rtol=1e-12)
    moves = nat.loc[2021:END, "migrants"] / nb.loc[2021:END, "migrants"] - 1
    nh = nat.loc[END, "non_hukou"] / nb.loc[END, "non_hukou"] - 1
    nh_mid = nat.loc[2025, "non_hukou"] / nb.loc[2025, "non_hukou"] - 1
    print(f"\nhukou reform: gross inter-provincial moves {moves.mean():+.0%} a year (2021 {moves.iloc[0]:+.0%}); "
          f"migrants' access {access:.2f} vs 0.50; non-hukou residents 2025 {nh_mid:+.1%}, {END} {nh:+.1%}; "
          f"real GDP {END} {nat.loc[END, 'gdp_real'] / nb.loc[END, 'gdp_real'] - 1:+.2%}")
    assert (moves > 0).all()
    assert nh < 0


# --- §7 land market and §23 land quotas ---------------------------------------------------------------


def test_land_quota_trades_and_money_balance(runs):
    m = runs["land_market"].model
    lm = mech(m, "land_market")
    cfg = m.config.mechanisms.land_market
    flows = m.flows_table()
    names = np.array(m.province_names)
    assert [h["year"] for h in lm.history] == list(range(2021, END + 1))
    first = lm.history[0]
    # the national quota in hectares reproduces the plan figure in the first year (+ preference)
    assert first["q0"].sum() * first["ell"] == pytest.approx(cfg.national_quota_ha)
    assert first["extra"].sum() == pytest.approx(cfg.preferential_share * first["demand_total"])
    assert (first["extra"][~lm.eligible] == 0).all()
    for h in lm.history:
        year, net, vol = h["year"], h["net"], h["volume"]
        assert abs(net.sum()) <= 1e-12 * max(vol, 1.0)  # sold = bought
        assert (h["sold"] <= h["spare"] * (1 + 1e-12)).all() and (h["bought"] <= h["short"] * (1 + 1e-12)).all()
        assert vol == pytest.approx(min(h["spare"].sum(), h["short"].sum()))
        value = h["price"] * h["ell"] * 1e-8
        g = flows[flows["year"] == year]
        paid = g[g["kind"] == "land_quota"].groupby("from")["amount"].sum().reindex(names, fill_value=0.0)
        recv = g[g["kind"] == "land_quota"].groupby("to")["amount"].sum().reindex(names, fill_value=0.0)
        fee = g[g["kind"] == "land_quota_fee"].groupby("to")["amount"].sum().reindex(names, fill_value=0.0)
        np.testing.assert_allclose(paid, value * h["bought"], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(recv, value * h["sold"], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(fee, paid, rtol=1e-12)
        assert (g.loc[g["kind"] == "land_quota_fee", "from"] == "private").all()
        assert cfg.price_min_yuan_per_ha <= h["price"] <= cfg.price_max_yuan_per_ha
    nat = m.national_table().set_index("year")
    last = lm.history[-1]
    print(f"\nland market: national quota {first['q'].sum() * first['ell']:,.0f} ha in 2021 "
          f"({nat.loc[END, 'land_quota_national_ha']:,.0f} in {END}); traded {nat.loc[2021, 'land_quota_traded_ha']:,.0f} "
          f"ha in 2021, {nat.loc[END, 'land_quota_traded_ha']:,.0f} in {END}; price "
          f"{nat.loc[2021, 'land_quota_price_yuan_per_ha'] / 1e6:.2f}–{nat.loc[END, 'land_quota_price_yuan_per_ha'] / 1e6:.2f} "
          f"million yuan/ha; money {END}: {last['payments'].sum():,.0f} ×10⁸ yuan; buyers {END}: "
          f"{ {m.province_names[i]: round(float(x * last['ell'])) for i, x in enumerate(last['net']) if x > 0} }")


def test_relaxed_quotas_raise_border_and_west_output(runs):
    """The channel, without run-to-run noise: one year stepped from a copy of the same model with
    and without the land relief. Where the reform relaxed a binding quota (border and western
    provinces short under the 2020 regime) real output rises by the relief exactly."""
    m = RegionalModel(scenario("mechanisms/land_market", end=2027))
    while m.year < 2026:
        m.step()
    without = copy.deepcopy(m)
    mech(without, "land_market").tfp_multiplier = lambda: None  # type: ignore[method-assign]
    lm = mech(m, "land_market")
    relief = lm.relief()
    m.step()
    without.step()
    q, q0 = m.equilibrium.quantity.sum(axis=1), without.equilibrium.quantity.sum(axis=1)
    eligible = lm.eligible
    np.testing.assert_allclose(q / q0, relief, rtol=1e-4)  # up to labour moving between sectors
    relaxed = eligible & (relief > 1 + 1e-9)
    assert relaxed.any()
    group = q[eligible].sum() / q0[eligible].sum() - 1
    print(f"\nland market, 2027 output from the same 2026 state: border and western provinces "
          f"{group:+.2%} ({ {m.province_names[i]: f'{relief[i] - 1:+.1%}' for i in np.flatnonzero(relaxed)} }), "
          f"national {q.sum() / q0.sum() - 1:+.2%}")
    assert group > 0
    # in the full run: border/western provinces' land constraint relaxed against the 2020 regime
    r = runs["land_market"].model
    c, c0 = pivot(r, "land_constraint"), pivot(r, "land_constraint_2020_regime")
    el = mech(r, "land_market").eligible
    short = (c0[:, el] < 1).any(axis=0)
    assert (c[-1, el][short] >= c0[-1, el][short]).all()
    b = runs["no_coordination"].model
    gdp, gdp_b = pivot(r, "gdp_real_100m_yuan"), pivot(b, "gdp_real_100m_yuan")
    print(f"  full runs (noisy: different random draws) real GDP {END}: border and western "
          f"{gdp[-1, el].sum() / gdp_b[-1, el].sum() - 1:+.2%}, others "
          f"{gdp[-1, ~el].sum() / gdp_b[-1, ~el].sum() - 1:+.2%}")


# --- §23 differentiated policy --------------------------------------------------------------------------


def test_talent_subsidies_raise_net_migration_and_are_financed(runs):
    m, b = runs["differentiated_policy"].model, runs["no_coordination"].model
    dp = mech(m, "differentiated_policy")
    cfg = m.config.mechanisms.differentiated_policy
    target = dp.talent_dest
    net, net_b = pivot(m, "net_migration"), pivot(b, "net_migration")
    gain = net[:, target].sum(axis=1) - net_b[:, target].sum(axis=1)
    # 2021's migration starts from the same state in both runs
    assert gain[1] > 0
    assert gain[1:].sum() > 0
    flows = m.flows_table()
    names = np.array(m.province_names)
    in_mig = pivot(m, "in_migration")
    wages = pivot(m, "wage_yuan") / 1e8
    years = [h["year"] for h in dp.history]
    assert years == list(range(2022, END + 1))
    for h in dp.history:
        t = h["year"] - 2020
        expected = dp.subsidy_years(h["year"] - 1) * wages[t - 1] * in_mig[t - 1]
        np.testing.assert_allclose(h["amount"], expected, rtol=1e-9)
        g = flows[flows["year"] == h["year"]]
        to_prov = g[g["kind"] == "talent_subsidy_transfer"]
        assert (to_prov["from"] == "central").all()
        recv = to_prov.groupby("to")["amount"].sum().reindex(names, fill_value=0.0).to_numpy()
        np.testing.assert_allclose(recv, cfg.central_financing_share * expected, rtol=1e-9)
        paid = g[g["kind"] == "talent_subsidy"]
        assert (paid["to"] == "private").all()
        np.testing.assert_allclose(paid.groupby("from")["amount"].sum().reindex(names, fill_value=0.0),
                                   expected, rtol=1e-9)
        assert set(paid["from"]) <= set(names[target])
    # the central budget still balances: revenue + borrowing = transfers + subsidies + own spending
    nat = m.national_table().set_index("year")
    sub = flows[flows["kind"] == "talent_subsidy_transfer"].groupby("year")["amount"].sum()
    sub = sub.reindex(nat.index, fill_value=0.0)
    np.testing.assert_allclose(nat["central_revenue"] + nat["central_borrowing"],
                               nat["central_transfers"] + sub + nat["central_own_spending"], rtol=1e-12)
    bonus = dp.talent_bonus(2025)
    cost = np.mean([h["amount"].sum() for h in dp.history])
    print(f"\ntalent subsidies: net migration to the centre, west and northeast {gain[1]:+,.0f} in 2021, "
          f"{gain[1:].mean():+,.0f} a year 2021–{END}; utility bonus {bonus[target].min():.3f} "
          f"({bonus.max():.3f} in {', '.join(cfg.priority_provinces)}); cost {cost:,.0f} ×10⁸ yuan a year, "
          f"{cfg.central_financing_share:.0%} central")


def test_ecological_ban_keeps_polluting_firms_out(runs):
    r, b = runs["differentiated_policy"], runs["no_coordination"]
    dp = mech(r.model, "differentiated_policy")
    ban, sectors = dp.ban_dest, dp.ban_sectors
    assert set(sectors) == set(POLLUTING_SECTORS)
    assert sorted(r.model.province_names[i] for i in ban) == ["Qinghai", "Tibet"]
    allowed = dp.allowed_locations(np.ones((6, r.model.n), dtype=bool))
    assert not allowed[np.ix_(sectors, ban)].any()
    assert allowed.sum() == 6 * r.model.n - sectors.size * ban.size
    for fl in r.firm_flows[1:]:
        assert not (np.isin(fl.moved_to, ban) & np.isin(fl.moved_sector, sectors)).any()
    for year, _origin, dest, sec in r.moves.entry:
        if year < 2021:
            continue
        bad = np.isin(dest, ban) & np.isin(sec, sectors)  # local start-ups included
        assert not bad.any()

    def polluting_firms(run_: Run) -> int:
        f = run_.model.firms
        return int((f.alive & np.isin(f.province, ban) & np.isin(f.sector, sectors)).sum())

    moved_in_b = sum(int((np.isin(fl.moved_to, ban) & np.isin(fl.moved_sector, sectors)).sum())
                     for fl in b.firm_flows[1:])
    print(f"\necological ban: polluting firms in Tibet and Qinghai {END} {polluting_firms(r)} vs "
          f"{polluting_firms(b)} without the ban (relocations in without it: {moved_in_b}; the ban "
          f"also keeps local start-ups out)")
    # The counts are printed, not compared: how many polluting firms would have moved into or
    # started up in the two small provinces without the ban depends on the draws.


def test_western_catalogue_cost_cut(runs):
    m = runs["differentiated_policy"].model
    dp = mech(m, "differentiated_policy")
    cfg = m.config.mechanisms.differentiated_policy
    n = m.n
    west = np.flatnonzero(m.plates == "West")
    assert sorted(dp.catalogue_dest) == sorted(west)
    cost3 = dp.relocation_cost(np.full((6, n, n), 0.75))
    east = m.data.province_index("Jiangsu")
    for s in range(6):
        expected = 0.75 - cfg.catalogue_cost_reduction if s in dp.catalogue_sectors else 0.75
        np.testing.assert_allclose(cost3[s, east, west], expected)
        np.testing.assert_allclose(cost3[s, west[0], east], 0.75)
    assert (cost3[:, west, west] == 0.75).all()  # diagonal: staying
    cost2 = dp.relocation_cost(np.full((n, n), 0.75))
    f = m.firms
    share = np.isin(f.sector[f.alive], dp.catalogue_sectors).mean()
    np.testing.assert_allclose(cost2[east, west], 0.75 - share * cfg.catalogue_cost_reduction)
    b = runs["no_coordination"].model
    into = pivot(m, "firms_moved_in")[1:, west].sum()
    into_b = pivot(b, "firms_moved_in")[1:, west].sum()
    print(f"\nwestern catalogue (cut {cfg.catalogue_cost_reduction:.3f} years of value added on the "
          f"catalogue sectors' moves into the West): firms moved into the West 2021–{END} "
          f"{into} vs {into_b} without")

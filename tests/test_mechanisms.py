"""The guideline's mechanisms (DESIGN §3): config, money flows, market clearing, conservation and
the direction of each mechanism's effect against the no_coordination scenario.

Runs are small (2 000 firms, 2020–2030) and shared per module. Effect sizes are printed
(``pytest -s tests/test_mechanisms.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mech_helpers import mech, net_receipts, year_rows

from sim.config import Scenario, load_config
from sim.config.errors import ConfigError
from sim.economy.sectors import POLLUTING_SECTORS
from sim.mechanisms import REGISTRY
from sim.mechanisms.base import Mechanism, MechanismSection
from sim.mechanisms.config import Mechanisms
from sim.mechanisms.counterpart_support import PROGRAMMES
from sim.mechanisms.rights_market import abatement_at, abatement_cost, clear_market
from sim.model import RegionalModel

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
N_FIRMS, END = 2000, 2030
SMALL = [f"n_firms={N_FIRMS}", f"end_year={END}"]
KEYS = [cls.key for cls in REGISTRY]
NON_LEDGER = {"migrants", "relocated_firms", "relocated_capital"}
MECHANISM_KINDS = {
    "counterpart_support": {"east_west_pairing", "counterpart_support"},
    "eco_compensation": {"eco_compensation", "eco_restoration"},
    "carbon_market": {"carbon_allowances"},
    "water_rights": {"water_rights"},
}


def scenario(name: str, *extra: str) -> Scenario:
    return load_config(CONFIGS / f"{name}.yaml", overrides=[*SMALL, *extra])


def run(name: str, *extra: str) -> RegionalModel:
    return RegionalModel(scenario(name, *extra)).run()






@pytest.fixture(scope="module")
def runs() -> dict[str, RegionalModel]:
    out = {"no_coordination": run("no_coordination")}
    for key in KEYS:
        out[key] = run(f"mechanisms/{key}")
    return out


# --- configuration ----------------------------------------------------------------------------


def test_registry_sections_and_defaults():
    fields = Mechanisms.model_fields
    assert [cls.key for cls in REGISTRY] == list(fields), "one section per registered mechanism"
    s = Scenario()
    for cls in REGISTRY:
        assert cls.clauses.startswith("§")
        section = getattr(s.mechanisms, cls.key)
        assert isinstance(section, MechanismSection)
        assert section.enabled is (cls.key == "monitoring")  # only monitoring runs by default
        for name, info in type(section).model_fields.items():  # units and sources everywhere
            extra = info.json_schema_extra or {}
            assert extra.get("unit") and extra.get("source"), f"{cls.key}.{name}"


def test_scenario_files():
    nc = load_config(CONFIGS / "no_coordination.yaml")
    assert nc.name == "no_coordination"
    assert nc.fiscal.equalising_intensity == 0.0
    # Every coordination mechanism is off; monitoring (§27) observes without acting.
    assert not any(getattr(nc.mechanisms, k).enabled for k in KEYS if k != "monitoring")
    base = load_config(CONFIGS / "baseline.yaml")
    for lever in ("hukou_cost",):
        assert getattr(nc.migration, lever) == getattr(base.migration, lever)
    assert nc.firms.entry_barrier == base.firms.entry_barrier
    assert nc.trade.interprovincial_barrier == base.trade.interprovincial_barrier
    for key in KEYS:
        s = load_config(CONFIGS / "mechanisms" / f"{key}.yaml")
        on = [k for k in KEYS if getattr(s.mechanisms, k).enabled and k != "monitoring"]
        assert on == ([key] if key != "monitoring" else []), (key, on)
        assert s.fiscal.equalising_intensity == 0.0  # extends no_coordination


def test_config_errors_are_one_line():
    with pytest.raises(ConfigError, match="mechanisms.carbon_market.gamma"):
        load_config(overrides=["mechanisms.carbon_market.gamma=-1"])
    with pytest.raises(ConfigError, match="end_year"):
        load_config(overrides=["mechanisms.eco_compensation.start_year=2030",
                               "mechanisms.eco_compensation.end_year=2025"])
    with pytest.raises(ConfigError, match="allocation"):
        load_config(overrides=["mechanisms.water_rights.allocation=auction"])


def test_dose_ramps_over_phase_in():
    cfg = scenario("mechanisms/counterpart_support").mechanisms.counterpart_support.model_copy(
        update={"intensity": 2.0, "start_year": 2022, "end_year": 2030, "phase_in_years": 4})
    m = Mechanism(None, cfg)  # type: ignore[arg-type]
    assert [m.dose(y) for y in (2021, 2022, 2023, 2025, 2026, 2030, 2031)] == [
        0.0, 0.5, 1.0, 2.0, 2.0, 2.0, 0.0]


# --- the market engine --------------------------------------------------------------------------


def test_clear_market_respects_the_cap_and_balances():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(2, 40))
        e = rng.lognormal(0.0, 1.0, n) * 1e8
        c = rng.lognormal(np.log(500.0), 1.0, n)
        gamma = float(rng.uniform(0.5, 3.0))
        cap = float(e.sum() * rng.uniform(0.05, 0.999))
        alloc = cap * rng.dirichlet(np.ones(n))
        price, a, net = clear_market(e, cap, c, gamma, alloc)
        after = e * (1.0 - a)
        assert after.sum() <= cap * (1 + 1e-12)
        assert after.sum() >= cap * (1 - 1e-9)
        assert abs(net.sum()) <= 1e-9 * cap
        assert np.all((a >= 0) & (a <= 1))
        interior = a < 1
        # one price: every province that does not abate everything abates until MAC = price
        np.testing.assert_allclose(c[interior] * a[interior] ** gamma, price, rtol=1e-9)
        np.testing.assert_allclose(net, after - alloc)
    # a non-binding cap: no price, no abatement, buyers served from the sellers' surplus
    e = np.array([1.0, 2.0, 3.0])
    price, a, net = clear_market(e, 10.0, np.ones(3), 2.0, np.array([5.0, 4.0, 1.0]))
    assert price == 0.0 and not a.any()
    np.testing.assert_allclose(net, [-2 * 4 / 6, -2 * 2 / 6, 2.0])
    assert abs(net.sum()) < 1e-12
    # a zero cap: everybody abates everything at the highest cost coefficient
    price, a, net = clear_market(e, 0.0, np.array([1.0, 2.0, 4.0]), 1.5)
    assert np.allclose(a, 1.0) and price == pytest.approx(4.0)
    # cost = area under the MAC curve
    np.testing.assert_allclose(abatement_cost(np.array([2.0]), np.array([0.5]), np.array([3.0]), 2.0),
                               2.0 * 3.0 * 0.5**3 / 3.0)
    assert abatement_at(0.0, np.ones(2), 2.0).sum() == 0.0
    with pytest.raises(ValueError, match="allocation"):
        clear_market(e, 3.0, np.ones(3), 2.0, np.full(3, 2.0))


# --- money: every flow has a payer and a receiver -------------------------------------------------


@pytest.mark.parametrize("key", ["no_coordination", *KEYS])
def test_ledger_balances_every_year(runs, key):
    m = runs[key]
    flows = m.flows_table()
    money = flows[~flows["kind"].isin(NON_LEDGER)]
    accounts = [*m.province_names, "central", "private"]
    mine = MECHANISM_KINDS.get(key, set())
    others = set().union(*MECHANISM_KINDS.values()) - mine
    assert not set(money["kind"]) & others, "only the enabled mechanism creates flows"
    if mine:
        assert mine <= set(money["kind"]), (mine, set(money["kind"]))
    for year, g in money.groupby("year"):
        inflow = g.groupby("to")["amount"].sum().reindex(accounts, fill_value=0.0)
        outflow = g.groupby("from")["amount"].sum().reindex(accounts, fill_value=0.0)
        scale = g["amount"].sum()
        np.testing.assert_allclose(inflow - outflow, 0.0, atol=1e-9 * scale, err_msg=f"{key} {year}")
        sub = g[g["kind"].isin(mine)]
        assert (sub["amount"] > 0).all() and (sub["from"] != sub["to"]).all()
        assert set(sub["from"]) | set(sub["to"]) <= set(m.province_names) | {"private"}


def test_donors_pay_their_share_of_last_years_revenue(runs):
    m = runs["counterpart_support"]
    cs = mech(m, "counterpart_support")
    shares = cs.shares()
    assert shares["counterpart_support_tibet"] == pytest.approx(0.001)
    assert shares["counterpart_support_xinjiang"] == pytest.approx(0.0045)
    links = m.data.links
    prov = m.province_table()
    flows = m.flows_table()
    names = np.array(m.province_names)
    for year in range(2021, END + 1):
        last = year_rows(prov, year - 1)["own_revenue_100m_yuan"].to_numpy()
        expected = {k: np.zeros(m.n) for k in ("east_west_pairing", "counterpart_support")}
        for kind, (ledger_kind, _) in PROGRAMMES.items():
            rows = links[(links["kind"] == kind) & (links["from_idx"] != links["to_idx"])]
            for d in np.unique(rows["from_idx"]):  # one share per donor and programme
                expected[ledger_kind][d] += shares[kind] * last[d]
        g = flows[flows["year"] == year]
        for ledger_kind, exp in expected.items():
            paid = g[g["kind"] == ledger_kind].groupby("from")["amount"].sum()
            paid = paid.reindex(names, fill_value=0.0).to_numpy()
            np.testing.assert_allclose(paid, exp, rtol=1e-12, err_msg=f"{ledger_kind} {year}")
    # a donor with several recipients splits its share equally among its rows
    g = flows[(flows["year"] == 2021) & (flows["kind"] == "east_west_pairing")
              & (flows["from"] == "Jiangsu")]
    assert sorted(g["to"]) == ["Guizhou", "Qinghai", "Shaanxi"]
    np.testing.assert_allclose(g["amount"], g["amount"].iloc[0])




def test_counterpart_flows_move_public_spending(runs):
    """2021: production is identical, so local spending differs by the net receipts exactly and
    public services rise in every net recipient and fall in every net donor."""
    m, b = runs["counterpart_support"], runs["no_coordination"]
    pm, pb = year_rows(m.province_table(), 2021), year_rows(b.province_table(), 2021)
    np.testing.assert_allclose(pm["gdp_100m_yuan"], pb["gdp_100m_yuan"], rtol=1e-12)
    net = net_receipts(m, 2021, MECHANISM_KINDS["counterpart_support"])
    cs = mech(m, "counterpart_support")
    np.testing.assert_allclose(net, cs.history[0]["received"] - cs.history[0]["paid"], atol=1e-9)
    np.testing.assert_allclose(pm["local_spending_100m_yuan"] - pb["local_spending_100m_yuan"], net,
                               atol=1e-7)
    ratio = (pm["public_services_index"] / pb["public_services_index"]).to_numpy()
    assert (ratio[net > 0] > 1).all() and (ratio[net < 0] < 1).all()
    big = {n: f"{(r - 1) * 100:+.1f}%" for n, r, x in zip(m.province_names, ratio, net, strict=True)
           if x > 0 and r > 1.01}
    print(f"\ncounterpart support 2021, public services of net recipients (> +1%): {big}")


def test_counterpart_raises_recipients_services_over_the_run(runs):
    m, b = runs["counterpart_support"], runs["no_coordination"]
    cs = mech(m, "counterpart_support")
    recv = net_receipts(m, 2021, MECHANISM_KINDS["counterpart_support"]) > 0
    effects = []
    for year in range(2021, END + 1):
        pm, pb = year_rows(m.province_table(), year), year_rows(b.province_table(), year)
        w_m, w_b = pm["population"][recv], pb["population"][recv]
        ps_m = (pm["public_services_index"][recv] * w_m).sum() / w_m.sum()
        ps_b = (pb["public_services_index"][recv] * w_b).sum() / w_b.sum()
        effects.append(ps_m / ps_b - 1)
    print(f"\ncounterpart support: net recipients' public-services index vs no_coordination "
          f"(population-weighted), 2021 {effects[0]:+.2%}, 2025 {effects[4]:+.2%}, "
          f"{END} {effects[-1]:+.2%}; recipients' catch-up links: "
          f"{ {n: int(k) for n, k in zip(m.province_names, cs.donors_per_recipient, strict=True) if k} }")
    assert all(e > 0 for e in effects)


def test_counterpart_enterprise_aid_and_diffusion_hooks(runs):
    m = runs["counterpart_support"]
    cs = mech(m, "counterpart_support")
    cost = np.full((m.n, m.n), 0.75)
    out = cs.relocation_cost(cost)
    d, r = cs.pair_donor, cs.pair_recipient
    np.testing.assert_allclose(out[d, r], 0.5)
    mask = np.ones_like(cost, dtype=bool)
    mask[d, r] = False
    assert (out[mask] == 0.75).all()
    assert cs.relocation_cost(np.full((m.n, m.n), 0.1))[d, r].max() == 0.0  # floored at zero
    three_d = cs.relocation_cost(np.full((6, m.n, m.n), 0.75))
    np.testing.assert_allclose(three_d[:, d, r], 0.5)
    links = cs.catch_up_links(np.zeros(m.n))
    xj, tibet = m.data.province_index("Xinjiang"), m.data.province_index("Tibet")
    assert links[xj] == 18 and links[tibet] == 17  # distinct donors (Guangdong, Jiangsu once)
    assert links[m.data.province_index("Shanghai")] == 0


# --- ecological compensation -----------------------------------------------------------------------


def test_eco_compensation_payments_and_first_year_restoration(runs):
    m = runs["eco_compensation"]
    ec = mech(m, "eco_compensation")
    cfg = m.config.mechanisms.eco_compensation
    flows = m.flows_table()
    prov = m.province_table()
    for h in ec.history:
        year = h["year"]
        gdp = year_rows(prov, year)["gdp_100m_yuan"].to_numpy()
        expected = cfg.payment_share_of_gdp * gdp[ec.down] * h["met"]
        np.testing.assert_allclose(h["amount"], expected, rtol=1e-12)
        g = flows[(flows["year"] == year) & (flows["kind"] == "eco_compensation")]
        assert g["amount"].sum() == pytest.approx(expected.sum(), rel=1e-12)
        assert set(g["from"]) <= {m.province_names[i] for i in ec.downstream}
        assert set(g["to"]) <= {m.province_names[i] for i in ec.upstream}
        r = flows[(flows["year"] == year) & (flows["kind"] == "eco_restoration")]
        assert r["amount"].sum() == pytest.approx(cfg.restoration_share * expected.sum(), rel=1e-12)
    assert ec.history[0]["met"].all()  # 2021: quality at its 2020 level meets the target
    # 2021: same production in both runs, so quality differs by the restoration term exactly
    base = RegionalModel(scenario("no_coordination", "end_year=2022"))
    eco = RegionalModel(scenario("mechanisms/eco_compensation", "end_year=2022"))
    assert (base.ecological_quality == 1.0).all()  # 2020 = 1 (2020 after_step: no change)
    base.step()
    eco.step()
    first = mech(eco, "eco_compensation").history[0]
    dq = eco.ecological_quality - base.ecological_quality
    np.testing.assert_allclose(dq, cfg.restoration_rate * first["restoration"] / eco.gdp, atol=1e-12)
    assert (dq[ec.upstream] > 0).all()
    assert (np.delete(dq, ec.upstream) == 0).all()


def test_eco_compensation_restricts_polluting_industry_upstream(runs):
    ec = mech(runs["eco_compensation"], "eco_compensation")
    n = runs["eco_compensation"].n
    allowed = ec.allowed_locations(np.ones((6, n), dtype=bool))
    assert not allowed[np.ix_(POLLUTING_SECTORS, ec.upstream)].any()
    assert allowed.sum() == 6 * n - POLLUTING_SECTORS.size * ec.upstream.size
    cost2d = np.full((n, n), 0.75)
    assert ec.relocation_cost(cost2d) is cost2d  # no sector dimension: unchanged
    cost3d = ec.relocation_cost(np.full((6, n, n), 0.75))
    np.testing.assert_allclose(cost3d[np.ix_(POLLUTING_SECTORS, ec.upstream, np.arange(n))], 0.5)
    assert (cost3d[0] == 0.75).all()
    # in the run: no polluting firm moved into an upstream province (last year's moves)
    m = runs["eco_compensation"]
    assert m.firm_flows is not None
    moved_in = np.isin(m.firm_flows.moved_to, ec.upstream) & np.isin(m.firm_flows.moved_sector,
                                                                     POLLUTING_SECTORS)
    assert not moved_in.any()


def _upstream_paths(model: RegionalModel) -> tuple[np.ndarray, np.ndarray]:
    """Upstream polluting real output and mean upstream quality by year (steps the model)."""
    up = mech(model, "eco_compensation").upstream
    out, q = [], []
    while model.year < model.config.end_year:
        model.step()
        out.append(model.equilibrium.quantity[np.ix_(up, POLLUTING_SECTORS)].sum())
        q.append(model.ecological_quality[up].mean())
    return np.array(out), np.array(q)


def _eco_effects(seeds: tuple[int, ...], *extra: str) -> np.ndarray:
    """Per seed: (upstream polluting real output summed over 2021–END, relative to
    no_coordination; mean difference of upstream ecological quality over the years)."""
    out = []
    for seed in seeds:
        ob, qb = _upstream_paths(RegionalModel(scenario("no_coordination", f"seed={seed}", *extra)))
        om, qm = _upstream_paths(
            RegionalModel(scenario("mechanisms/eco_compensation", f"seed={seed}", *extra))
        )
        out.append((om.sum() / ob.sum() - 1, (qm - qb).mean()))
    return np.array(out)


def test_eco_compensation_lowers_upstream_polluting_output_and_raises_quality():
    """At the default model size (20 000 firms; with 2 000 the ~90 polluting firms upstream make
    the comparison noisy, as runs of different scenarios do not share random draws), for two
    seeds. Also printed: every entrant choosing its location (firms.home_entry_share = 0), where
    the ban binds on all entry; by default 80% of entrants are local start-ups, placed at home
    unless their sector is banned there, in which case they choose another province
    (``relocation.enter_firms``)."""
    seeds = (20201101, 1)
    default = _eco_effects(seeds, "n_firms=20000")
    mobile = _eco_effects(seeds, "n_firms=20000", "firms.home_entry_share=0")
    for label, eff in (("default entry rule", default), ("all entrants mobile", mobile)):
        print(
            f"\neco compensation (20 000 firms, {label}, mean of {len(eff)} seeds): upstream "
            f"polluting real output 2021–{END} {eff[:, 0].mean():+.2%}, upstream ecological quality "
            f"{eff[:, 1].mean():+.4f} (per seed: {[f'{a:+.1%}/{b:+.3f}' for a, b in eff]})"
        )
    assert (default[:, 0] < 0).all() and (default[:, 1] > 0).all()


# --- rights markets -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["carbon_market", "water_rights"])
def test_rights_market_clears_under_its_cap(runs, key):
    m = runs[key]
    mk = mech(m, key)
    cfg = getattr(m.config.mechanisms, key)
    flows = m.flows_table()
    assert [h["year"] for h in mk.history] == list(range(2021, END + 1))
    for h in mk.history:
        cap, use, net = h["cap"], h["use"], h["net_trade"]
        full = mk.total_2020 * cfg.cap_start_share * (1 - cfg.cap_decline) ** (h["year"] - cfg.start_year)
        assert cap == pytest.approx(min(full, h["baseline"].sum()), rel=1e-12)
        assert use.sum() <= cap * (1 + 1e-9)
        assert abs(net.sum()) <= 1e-9 * cap
        np.testing.assert_allclose(h["allocation"].sum(), cap, rtol=1e-12)
        paid = flows[(flows["year"] == h["year"]) & (flows["kind"] == mk.ledger_kind)]["amount"].sum()
        assert paid == pytest.approx(h["price"] * np.maximum(net, 0).sum() * 1e-8, rel=1e-9)
    # the abatement cost lowers TFP the next year
    last = mk.history[-1]
    assert mk._penalty[END + 1] == pytest.approx(1 - last["cost_share"])


def test_carbon_market_lowers_national_co2(runs):
    m, b = runs["carbon_market"], runs["no_coordination"]
    cm = mech(m, "carbon_market")
    no_market = b.national_table().set_index("year")["co2_t"]
    gdp_m = m.national_table().set_index("year")["gdp_real"]
    gdp_b = b.national_table().set_index("year")["gdp_real"]
    for h in cm.history:
        assert h["use"].sum() < no_market[h["year"]]
    after = cm.history[-1]["use"].sum()
    print(f"\ncarbon market: national CO2 {END} {after / 1e9:.2f} Gt vs {no_market[END] / 1e9:.2f} Gt "
          f"without ({after / no_market[END] - 1:+.1%}); price 2021 {cm.history[0]['price']:.0f}, "
          f"{END} {cm.history[-1]['price']:.0f} yuan/t; real GDP {END} "
          f"{gdp_m[END] / gdp_b[END] - 1:+.2%}")
    # emissions after the market through the model's hook when the model applies it
    np.testing.assert_allclose(cm.emissions(cm.history[-1]["baseline"]), cm.history[-1]["use"])
    assert m.carbon_price == cm.history[-1]["price"] and m.carbon_trades is cm.net_trade


def test_water_rights_lower_national_water_use(runs):
    m, b = runs["water_rights"], runs["no_coordination"]
    wr, wb = mech(m, "water_rights"), mech(b, "water_rights")
    assert wb.use.sum() > wr.use.sum()
    # derived 2020 use reproduces the national total and its split
    assert wr.total_2020 == pytest.approx(581.29e9, rel=1e-12)
    print(f"\nwater rights: national water use {END} {wr.use.sum() / 1e9:.0f} bn m³ vs "
          f"{wb.use.sum() / 1e9:.0f} without ({wr.use.sum() / wb.use.sum() - 1:+.1%}); price {END} "
          f"{wr.history[-1]['price']:.2f} yuan/m³")


# --- conservation: no mechanism creates or destroys people or firms -----------------------------


@pytest.mark.parametrize("key", ["no_coordination", *KEYS])
def test_people_and_firms_are_conserved(runs, key):
    m, b = runs[key], runs["no_coordination"]
    nat = m.national_table().set_index("year")
    prov = m.province_table()
    pop = prov.groupby("year")["population"].sum()
    nat_change = prov.groupby("year")["natural_change"].sum()
    net_mig = prov.groupby("year")["net_migration"].sum()
    assert (net_mig == 0).all()
    for year in range(2021, END + 1):
        assert pop[year] == pop[year - 1] + nat_change[year]  # migration moves, never creates
        assert nat.loc[year, "firms"] == nat.loc[year - 1, "firms_end_of_year"]
        assert nat.loc[year, "firms_end_of_year"] == (
            nat.loc[year, "firms"] + nat.loc[year, "firm_entries"] - nat.loc[year, "firm_exits"])
    # the same firm count as no_coordination every year; population totals within rounding
    nb = b.national_table().set_index("year")
    assert (nat["firms"] == nb["firms"]).all()
    gap = (nat["population"] - nb["population"]).abs()
    assert (gap <= m.n * (gap.index - 2020)).all()


def test_model_mechanism_lookup(runs):
    m = runs["no_coordination"]
    assert m.mechanism("monitoring").key == "monitoring"
    assert m.mechanism("counterpart_support").key == "counterpart_support"
    with pytest.raises(KeyError, match="no mechanism 'hukou' .known: .*hukou_reform"):
        m.mechanism("hukou")

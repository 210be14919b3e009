"""RegionalModel: China's regional economy, 31 provinces, 19 city clusters and firms (DESIGN).

The model builds the calibrated start year (``sim.economy.calibration``), then each ``step()`` is
one year, composed of the parts of DESIGN §2 in this order:

1. demography — natural change;
2. production, labour market, market access and trade — one joint equilibrium;
3. fiscal — revenue, central transfers, mechanism flows, borrowing, spending;
4. public services — level per resident and migrants' access;
5. labour migration — logit over destinations, whole persons;
6. capital and industrial transfer — saving, investment, relocation, exit and entry;
7. technology — frontier growth, catch-up, firm productivity shocks;
8. mechanisms' end-of-year hooks (markets for rights, monitoring) and data collection.

Provincial state is held in numpy arrays (one row per province), firm state in
:class:`~sim.economy.firms.FirmTable`; Mesa agents are views onto them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.agentset import AgentSet

from sim import metrics
from sim.agents import CityCluster, Firm, Province
from sim.config import Scenario, from_flat, load_config
from sim.config.schema import SECTORS, path_value
from sim.data.loader import Dataset, load_dataset
from sim.economy import (
    capital as capital_mod,
)
from sim.economy import (
    demography,
    fiscal,
    migration,
    public_services,
    relocation,
    technology,
    trade,
)
from sim.economy.calibration import (
    calibrate,
    closable_output_gap,
    cluster_barrier_matrix,
    cluster_integration_2020,
    cluster_membership,
    persistent_tfp_gap,
)
from sim.economy.firms import LANES
from sim.economy.ledger import Ledger
from sim.economy.production import Equilibrium, SolverState, solve_equilibrium
from sim.economy.sectors import CARBON_INTENSITY, CES_SECTORS, N_SECTORS
from sim.mechanisms import build_mechanisms

LINK_KINDS = {
    "east_west_poverty_cooperation_2016": "pairing",
    "counterpart_support_tibet": "counterpart",
    "counterpart_support_xinjiang": "counterpart",
    "counterpart_support_qinghai": "counterpart",
    "northeast_east_counterpart_cooperation_2017": "cooperation",
    "eco_compensation_basin": "eco_compensation",
}


class RegionalModel(mesa.Model):
    """The regsim model.

    Args:
        config: a :class:`Scenario`, a path to a YAML scenario, or None for the defaults.
        rng: seed or generator for the model's random numbers (Mesa 3 ``rng=``); defaults to
            the scenario's ``seed``. All randomness comes from ``self.rng``.
        data: a :class:`Dataset` (defaults to the packaged data).
        **params: flat overrides of the scenario, ``section__key=value`` or ``n_firms=...``
            (so that ``mesa.batch_run`` can vary them).
    """

    def __init__(self, config: Scenario | str | Path | None = None, *, rng: Any = None,
                 data: Dataset | None = None, firm_sample: int = 0, **params: Any) -> None:
        if config is None or isinstance(config, (str, Path)):
            config = load_config(config)
        if params:
            config = from_flat(params, base=config)
        if rng is None:
            rng = config.seed
        super().__init__(rng=rng)
        self.config: Scenario = config
        self.data: Dataset = data if data is not None else load_dataset()
        self.year: int = config.start_year
        ds = self.data
        self.n = ds.n
        self.province_names: list[str] = list(ds.names)
        self.plates = ds.provinces["region_plate"].to_numpy(str)
        self.is_north = (ds.provinces["north_south"] == "North").to_numpy()

        cal = calibrate(ds, config, self.rng)
        self.calibration = cal
        self.alpha = cal.alpha
        self.firms = cal.firms
        self.population = cal.population.copy()
        self.population_start = cal.population.copy()
        self.employment_start = cal.employment.copy()
        self.tfp = cal.tfp_province.copy()
        self.persistent_tfp_gap = persistent_tfp_gap(
            self.tfp, closable_output_gap(ds, config, int(np.argmax(self.tfp)), cal.gdp,
                                          cal.employment),
            cal.value_added, cal.alpha, config.technology.closable_gap_share)
        self.tfp_relative = cal.tfp_sector_relative
        self.exp_share = cal.exp_share
        self.shifter = cal.shifter
        self.internal_distance_km = cal.internal_distance_km
        self.log_distance = np.log(np.where(np.eye(self.n, dtype=bool), 1.0, ds.distance_km))

        # Clusters.
        self.cluster_member = cluster_membership(ds)
        self.cluster_integration_start = cluster_integration_2020(ds, config)
        self.cluster_integration = self.cluster_integration_start.copy()

        # Hukou: residents without local hukou, split ∝ pop · (GDP pc ratio)^2 (documented rule).
        gdp_pc = cal.gdp / cal.population
        weight = cal.population * (gdp_pc / gdp_pc.mean()) ** 2
        nh = cal.migrant_stock * weight / weight.sum()  # migrant_stock_2020 in 2020
        self.non_hukou = np.minimum(np.rint(nh).astype(np.int64), self.population)

        # Fiscal constants (national.csv; fiscal module docstring): 2020 ratios to GDP.
        self.own_revenue_rate = cal.own_revenue_rate
        self.central_rate = cal.central_rate
        tr = config.fiscal.transfers_share_of_central_revenue
        self.transfers_share = tr if tr is not None else (
            ds.national_value("central_transfers_to_local", 2020)
            / ds.national_value("central_general_budget_revenue", 2020))
        self.debt = config.fiscal.local_debt_2020_share_of_gdp * cal.gdp

        # Carbon: sectoral intensities scaled to the 2020 national total (national.csv).
        co2 = ds.national_value("co2_fossil_emissions", 2020) * 1e9
        self.carbon_scale = co2 / float((cal.value_added * CARBON_INTENSITY).sum())

        # Demography path.
        r0 = cal.natural_growth  # natural_growth_2020 in 2020; the panel's growth in other years
        self.natural_r0, self.natural_r1 = demography.natural_rate_path(
            r0, float(self.population.sum()), config.demography.population_target_2050,
            config.start_year)

        # Agents and the link graph.
        pr = ds.provinces
        self.provinces: list[Province] = [
            Province(self, i, pr.loc[i, "name_en"], pr.loc[i, "abbr"], int(pr.loc[i, "adcode"]),
                     pr.loc[i, "region_plate"], bool(pr.loc[i, "coastal"]), bool(self.is_north[i]))
            for i in range(self.n)
        ]
        self.clusters: list[CityCluster] = [
            CityCluster(self, c, row.cluster, row.tier_14th_fyp, tuple(row.member_idx),
                        tuple(row.core_cities))
            for c, row in enumerate(ds.clusters.itertuples())
        ]
        self.graph = self._build_graph()
        self.firm_views: list[Firm] = []
        if firm_sample:
            self.firm_agents(firm_sample)

        # Mechanisms (one module per clause group; none in a scenario without them).
        self.mechanisms = build_mechanisms(self)

        # Start-year equilibrium: reproduces the data exactly.
        self.employment = cal.employment.copy()
        self.tau = self._trade_costs()
        self.equilibrium = Equilibrium(
            prices=np.ones((self.n, N_SECTORS)), wages=cal.wages, quantity=cal.value_added,
            labour=cal.labour, value_added=cal.value_added,
            ces_price_index=trade.ces_price_index(
                np.ones((self.n, 3)), cal.firms.cell_sum(cal.firms.weight)[:, CES_SECTORS] * self.shifter,
                self.tau ** (1.0 - config.trade.sigma), config.trade.sigma),
            market_access=np.zeros((self.n, 3)), iterations=0)
        self.gdp = cal.gdp.copy()
        self.profit_wedge = self._raw_profitability()
        self.investment_intensity = cal.investment_intensity
        self.relocating_sectors = np.isin(np.array(SECTORS), config.firms.relocating_sectors)
        self.return_wedge = (self.alpha * cal.value_added).sum(axis=1) / cal.capital
        self.ledger = Ledger(self.n)
        self._public_finance()
        # 2020 national mean spending per resident: the service index is 1 there.
        self.spending_reference = float(self.local_spending.sum() / self.population.sum())
        self._public_services()
        self.net_migration = np.zeros(self.n, dtype=np.int64)
        self.migration_flows = np.zeros((self.n, self.n), dtype=np.int64)
        self.move_cost, self.amenity = self._calibrate_migration()
        self.firm_flows: relocation.FirmFlows | None = None
        # The solver's quasi-Newton matrix, carried from year to year (sim.economy.production).
        self.solver_state = SolverState()
        self.natural_change = np.zeros(self.n, dtype=np.int64)
        for m in self.mechanisms:
            m.setup()

        # Records.
        self.province_records: list[dict[str, np.ndarray]] = []
        self.flow_records: list[dict[str, np.ndarray]] = []
        self.national_records: list[dict[str, float]] = []
        self.national: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "year": "year",
                "population": lambda m: m.national["population"],
                "gdp": lambda m: m.national["gdp"],
                "theil_t": lambda m: m.national["theil_t"],
                "theil_between": lambda m: m.national["theil_between"],
                "theil_within": lambda m: m.national["theil_within"],
                "cv": lambda m: m.national["cv"],
                "williamson": lambda m: m.national["williamson"],
            },
            agenttype_reporters={Province: {"gdp_per_capita": "gdp_per_capita",
                                            "population": "population",
                                            "public_services": "public_services"}},
        )
        self._collect_state()
        self._end_of_year()

    # ------------------------------------------------------------------ set-up helpers
    def _build_graph(self) -> nx.MultiDiGraph:
        """Links on provinces: border, trade (gravity weight), policy links, cluster co-membership."""
        ds = self.data
        g = nx.MultiDiGraph()
        for i, name in enumerate(self.province_names):
            g.add_node(i, name=name, plate=self.plates[i])
        for row in ds.adjacency.itertuples():
            for a, b in ((row.a_idx, row.b_idx), (row.b_idx, row.a_idx)):
                g.add_edge(a, b, kind="border", weight=float(row.shared_border_proxy_deg))
        gdp = self.calibration.gdp
        d = ds.distance_km
        for i in range(self.n):
            for j in range(self.n):
                if i != j:
                    g.add_edge(i, j, kind="trade", weight=float(gdp[i] * gdp[j] / d[i, j] / 1e6))
        for row in ds.links.itertuples():
            g.add_edge(int(row.from_idx), int(row.to_idx), kind=LINK_KINDS.get(row.kind, row.kind),
                       source_kind=row.kind, year=str(row.year))
        for c, cl in enumerate(self.clusters):
            for a in cl.members:
                for b in cl.members:
                    if a != b:
                        g.add_edge(a, b, kind="cluster", cluster=c)
        return g

    def mechanism(self, key: str) -> Any:
        """The model's mechanism of section ``key`` (e.g. ``"counterpart_support"``); KeyError
        naming the known sections otherwise."""
        for m in self.mechanisms:
            if m.key == key:
                return m
        raise KeyError(f"no mechanism {key!r} (known: {', '.join(m.key for m in self.mechanisms)})")

    def firm_agents(self, n: int) -> AgentSet:
        """Make Mesa ``Firm`` views for a random sample of ``n`` alive firms (model's generator)."""
        alive = np.flatnonzero(self.firms.alive)
        slots = self.rng.choice(alive, size=min(n, alive.size), replace=False)
        views = [Firm(self, int(s)) for s in np.sort(slots)]
        self.firm_views.extend(views)
        return AgentSet(views, random=self.random)

    def _trade_costs(self) -> np.ndarray:
        barrier = cluster_barrier_matrix(self.data, self.config, self.year,
                                         integration=self.cluster_integration)
        for m in self.mechanisms:
            barrier = m.trade_barrier(barrier)
        return trade.iceberg_costs(self.data.distance_km, self.internal_distance_km,
                                   self.config.trade.distance_elasticity, barrier)

    def _migration_kwargs(self) -> dict[str, Any]:
        cfg = self.config.migration
        access = path_value(self.config.public_services.migrant_access, self.year)
        for m in self.mechanisms:
            access = m.services_access(access)
        self.migrant_access = access
        extra = np.zeros((self.n, self.n))
        for m in self.mechanisms:
            extra = m.migration_cost(extra)
        newcomer = np.maximum(access * self.service_index, 1e-9)
        stayer = np.maximum(self.effective_services, 1e-9)
        return dict(
            log_real_wage=np.log(self.equilibrium.wages / self.cpi()), services_newcomer=newcomer,
            services_stayer=stayer, log_distance=self.log_distance, elasticity=cfg.elasticity,
            service_weight=cfg.public_service_weight, distance_cost=cfg.distance_cost,
            hukou_cost=path_value(cfg.hukou_cost, self.year), extra_cost=extra)

    def _calibrate_migration(self) -> tuple[float, np.ndarray]:
        """Moving cost and destination amenities that reproduce the start-year gross move rate and
        the net migration implied by population growth over the 5 years before the start year
        (NBS year-end series; 2015–2020 for 2020, see ``calibration.migration_window_years``).
        A gross move rate of 0 switches migration off (infinite moving cost, no amenities)."""
        pop_then, pop_now, years = self.calibration.migration_window
        target = migration.target_net_migration(self.population.astype(float), pop_then, pop_now,
                                                years)
        self.migration_target_2020 = target
        if self.config.migration.gross_move_rate_2020 == 0.0:
            return float("inf"), np.zeros(self.n)
        kwargs = self._migration_kwargs()
        kwargs.pop("extra_cost")
        kwargs["hukou_cost"] = self.config.migration.hukou_cost_2020
        return migration.calibrate_amenities(
            target, self.config.migration.gross_move_rate_2020, self.population.astype(float),
            **kwargs)

    # ------------------------------------------------------------------ derived quantities
    def cpi(self) -> np.ndarray:
        """Consumer price index by province: Π_s P_is^β_is (Cobb–Douglas over sectors)."""
        eq = self.equilibrium
        log_p = np.log(eq.prices).copy()
        log_p[:, CES_SECTORS] = np.log(eq.ces_price_index)
        return np.exp((self.exp_share * log_p).sum(axis=1))

    def tfp_effective(self) -> np.ndarray:
        """Ã_is = A_i · B_is · agglomeration · congestion · cluster bonus · mechanisms (province
        multipliers, hook ``tfp_multiplier``; relative sector TFP, hook ``sector_tfp``)."""
        prod = self.config.production
        emp_share = self.employment / self.employment.sum()
        emp_share0 = self.employment_start / self.employment_start.sum()
        pop_share = self.population / self.population.sum()
        pop_share0 = self.population_start / self.population_start.sum()
        mult = (emp_share / emp_share0) ** prod.agglomeration_elasticity
        mult *= (pop_share / pop_share0) ** (-prod.congestion_elasticity)
        gain = self.cluster_member.T * (self.cluster_integration - self.cluster_integration_start)
        mult *= 1.0 + self.config.clusters.agglomeration_bonus * gain.max(axis=1)
        for m in self.mechanisms:
            extra = m.tfp_multiplier()
            if extra is not None:
                mult = mult * extra
        relative = self.tfp_relative
        for m in self.mechanisms:
            relative = m.sector_tfp(relative)
        return (self.tfp * mult)[:, None] * relative

    def effective_capital(self) -> tuple[np.ndarray, np.ndarray]:
        """Firm effective capital k_f a_f^(1/α_s) and its province-sector sums X_is."""
        f = self.firms
        x_f = f.effective_capital()
        return x_f, f.cell_sum(x_f, masked=False)

    def _raw_profitability(self) -> np.ndarray:
        eq = self.equilibrium
        tfp = self.tfp_effective()
        ratio = (1.0 - self.alpha) * eq.prices * tfp / eq.wages[:, None]
        return eq.prices * tfp * ratio ** ((1.0 - self.alpha) / self.alpha)

    def profitability(self) -> np.ndarray:
        """Value added per unit of effective capital by province-sector, relative to its 2020
        level (defined for empty cells too). Measured 2020 differences in returns reflect
        unobserved wedges (land, risk, policy; Hsieh & Klenow 2009), so firms and capital
        respond to changes against the calibrated state, not to the 2020 levels."""
        return self._raw_profitability() / self.profit_wedge

    def toward_2050(self, value_start: float, value_2050: float) -> float:
        """A parameter that moves linearly from its start-year value to its 2050 value (flat
        outside): investment rate, employment rate, frontier growth."""
        span = 2050 - self.config.start_year
        x = min(max((self.year - self.config.start_year) / span, 0.0), 1.0)
        return value_start + (value_2050 - value_start) * x

    def investment_rate(self) -> float:
        c = self.config.capital
        return self.toward_2050(c.investment_rate_2020, c.investment_rate_2050)

    @property
    def capital(self) -> np.ndarray:
        """Capital stock by province, 100 million yuan (2020 prices)."""
        f = self.firms  # free slots hold zero capital; cell sums are the table's fast sums
        return f.cell_sum(f.capital, masked=False).sum(axis=1)

    # ------------------------------------------------------------------ the yearly step
    def step(self) -> None:
        """One year (DESIGN §2)."""
        self.year += 1
        self.ledger = Ledger(self.n)
        self._demography()
        self._produce()
        self._public_finance()
        self._public_services()
        self._collect_state()
        self._end_of_year()
        if self.year >= self.config.end_year:
            self.running = False

    def _end_of_year(self) -> None:
        """Flows that shape next year's state: migration, investment and industrial transfer,
        technology, the mechanisms' end-of-year hooks; then the year's flows are recorded."""
        self._migrate()
        self._invest_and_transfer_industry()
        self._technology()
        for m in self.mechanisms:
            moves = m.forced_relocations()
            if moves is not None:
                self._relocate_by_decision(*moves)
            self.cluster_integration = m.cluster_integration(self.cluster_integration)
            m.after_step()
        self._record_flows()

    def _relocate_by_decision(self, slots: np.ndarray, destination: np.ndarray) -> None:
        """Move alive firms ``slots`` to ``destination`` with all their capital (a mechanism's
        ``forced_relocations``) and add them to the year's relocations."""
        f = self.firms
        slots = np.asarray(slots, dtype=np.int64)
        destination = np.asarray(destination, dtype=np.int64)
        if slots.size == 0:
            return
        if slots.shape != destination.shape or not f.alive[slots].all():
            raise ValueError("forced relocations must name alive firm slots and one destination "
                             "province each")
        origin = f.province[slots].copy()
        capital = f.capital[slots].copy()
        f.move(slots, destination)
        fl = self.firm_flows
        assert fl is not None
        self.firm_flows = replace(
            fl, moved_from=np.concatenate([fl.moved_from, origin.astype(fl.moved_from.dtype)]),
            moved_to=np.concatenate([fl.moved_to, destination.astype(fl.moved_to.dtype)]),
            moved_sector=np.concatenate([fl.moved_sector,
                                         f.sector[slots].astype(fl.moved_sector.dtype)]),
            moved_capital=np.concatenate([fl.moved_capital, capital]))

    def _check_firm_table(self) -> None:
        """The cached firm columns must match the arrays (a mechanism that edits ``province``,
        ``alive`` or ``log_a`` directly instead of through FirmTable.move/add/remove/set_log_a
        breaks this). Checked on a fixed stride of slots (and the total count of alive firms)
        once a year: cheap, deterministic."""
        f = self.firms
        step = max(1, f.capacity // 1000)
        s = slice(0, None, step)
        cell = f.province[s].astype(np.int64) * N_SECTORS + f.sector[s]
        ok = f.cell_idx[s] == cell
        ok &= f.lane_cell[s] == cell + (np.arange(0, f.capacity, step) % LANES) * f.n_cells
        ok &= np.isclose(f.a_pow[s], np.exp(f.log_a[s] * f.inv_alpha[f.sector[s]]), rtol=1e-9)
        if not np.all(ok | ~f.alive[s]):
            raise RuntimeError("firm table edited without FirmTable.move / set_log_a: cached "
                               "cell or productivity columns are stale")
        if int(f.alive_by_cell.sum()) != f.n_alive:
            raise RuntimeError("firm table edited without FirmTable.add / remove: the count of "
                               "alive firms by cell is stale")

    def _record_flows(self) -> None:
        """Add the year's flows to its province and national records and the flows table."""
        self._check_firm_table()
        fl = self.firm_flows
        assert fl is not None
        prov = self.province_records[-1]
        prov["net_migration"] = self.net_migration
        prov["in_migration"] = self.migration_flows.sum(axis=0)
        prov["out_migration"] = self.migration_flows.sum(axis=1)
        prov["firm_entries"] = fl.entry_by_province
        prov["firm_exits"] = fl.exit_by_province
        prov["firms_moved_in"] = np.bincount(fl.moved_to, minlength=self.n)
        prov["firms_moved_out"] = np.bincount(fl.moved_from, minlength=self.n)
        prov["capital_inflow_100m_yuan"] = self.capital_inflow
        nat = self.national_records[-1]
        nat["migrants"] = float(self.migration_flows.sum())
        nat["firm_entries"] = float(fl.entries)
        nat["firm_exits"] = float(fl.exits)
        nat["firms_relocated"] = float(fl.moved_from.size)
        nat["firms_end_of_year"] = float(self.firms.n_alive)
        for m in self.mechanisms:
            p_out, n_out = m.flow_outputs()
            prov.update(p_out)
            nat.update(n_out)
        self.flow_records.append(self._flows_frame())

    def _demography(self) -> None:
        rate = demography.natural_rate(self.year, self.config.start_year, self.natural_r0,
                                       self.natural_r1)
        self.natural_change = demography.natural_change(self.population, rate)
        self.population = self.population + self.natural_change
        d = self.config.demography
        emp_rate = self.toward_2050(d.employment_rate_2020, d.employment_rate_2050)
        self.employment = emp_rate * self.population.astype(float)

    def _produce(self) -> None:
        self.tau = self._trade_costs()
        _, eff_cell = self.effective_capital()
        ext = np.zeros((self.n, N_SECTORS))
        for m in self.mechanisms:
            ext = m.external_demand(ext)
        tcfg = self.config.trade
        self.equilibrium = solve_equilibrium(
            self.tfp_effective(), eff_cell, self.alpha, self.employment,
            self.firms.cell_sum(self.firms.weight, masked=False), self.shifter, self.exp_share, self.tau,
            tcfg.sigma, self.equilibrium.prices, self.equilibrium.wages, tol=tcfg.solver_tolerance,
            max_iter=tcfg.solver_max_iter, external_demand=ext if ext.any() else None,
            state=self.solver_state)
        self.gdp = self.equilibrium.value_added.sum(axis=1)

    def _public_finance(self) -> None:
        cfg = self.config.fiscal
        led = self.ledger
        own, central = fiscal.collect_revenue(led, self.gdp, self.own_revenue_rate, self.central_rate)
        total_transfers = self.transfers_share * central.sum()
        intensity = path_value(cfg.equalising_intensity, self.year)
        for m in self.mechanisms:
            intensity = m.equalising_intensity(intensity)
        transfers = fiscal.equalising_split(total_transfers, self.population, own, intensity)
        fiscal.pay_transfers(led, transfers)
        for m in self.mechanisms:
            m.fiscal()
        self.central_accounts = fiscal.close_central_budget(
            led, float(central.sum()), float(self.gdp.sum()), cfg.central_deficit_share_of_gdp)
        borrowing = cfg.local_deficit_share_of_gdp * self.gdp
        for m in self.mechanisms:
            borrowing = m.local_borrowing(borrowing)
        self.local_spending, self.debt = fiscal.local_budget(
            led, self.debt, borrowing, cfg.debt_interest_rate)
        self.own_revenue = own
        self.transfers = transfers

    def _public_services(self) -> None:
        ps = self.config.public_services
        self.service_index = public_services.service_index(
            self.local_spending, self.population.astype(float), self.spending_reference,
            ps.spending_elasticity)
        access = path_value(ps.migrant_access, self.year)
        for m in self.mechanisms:
            access = m.services_access(access)
        self.effective_services = public_services.effective_services(
            self.service_index, self.population.astype(float), self.non_hukou.astype(float), access)

    def _migrate(self) -> None:
        cfg = self.config.migration
        v = migration.utilities(move_cost=self.move_cost, **self._migration_kwargs())
        v += self.amenity[None, :]
        probs = migration.choice_probabilities(v)
        flows = migration.draw_flows(self.population, probs, self.rng)
        np.fill_diagonal(flows, 0)
        out = flows.sum(axis=1)
        inflow = flows.sum(axis=0)
        # Who leaves: non-hukou residents first in proportion return_share; all arrive non-hukou.
        leave_nh = np.minimum(self.non_hukou, np.rint(cfg.return_share * out).astype(np.int64))
        self.non_hukou = self.non_hukou - leave_nh + inflow
        conv = path_value(self.config.public_services.hukou_conversion_rate, self.year)
        for m in self.mechanisms:
            conv = m.hukou_conversion(conv)
        self.non_hukou -= np.rint(conv * self.non_hukou).astype(np.int64)
        self.population = self.population - out + inflow
        self.non_hukou = np.minimum(self.non_hukou, self.population)
        self.migration_flows = flows
        self.net_migration = inflow - out

    def _invest_and_transfer_industry(self) -> None:
        cfg = self.config
        f = self.firms
        eq = self.equilibrium
        x_f = f.effective_capital()
        raw_profit = self._raw_profitability()
        profit = raw_profit / self.profit_wedge  # self.profitability(), without recomputing
        barrier = path_value(cfg.firms.entry_barrier, self.year)
        # Costs by sector × origin × destination, in years of value added.
        cost = np.full((N_SECTORS, self.n, self.n), cfg.firms.relocation_cost + barrier)
        entry_cost = np.full((N_SECTORS, self.n, self.n), barrier)
        for m in self.mechanisms:
            cost = m.relocation_cost(cost)
            entry_cost = m.relocation_cost(entry_cost)
        allowed = np.ones((N_SECTORS, self.n), dtype=bool)
        for m in self.mechanisms:
            allowed = m.allowed_locations(allowed)
        rng = self.rng
        fc = cfg.firms
        n_before = f.n_alive
        capital_before = float(f.capital.sum())  # free slots hold zero capital
        mv_from, mv_to, mv_sec, mv_cap, loss = relocation.relocate(
            f, profit, x_f, fc.relocation_review_share, cost, fc.relocation_horizon_years,
            fc.location_noise, rng, allowed, value_added_per_eff_capital=raw_profit,
            relocating=self.relocating_sectors, size=f.cell_sum(f.capital, masked=False))
        exited, liquidated = relocation.exit_firms(f, profit, fc.exit_rate,
                                                   cfg.capital.depreciation, rng)
        exit_by_province = np.bincount(f.province[exited], minlength=self.n)
        n_exit_by_sector = np.bincount(f.sector[exited], minlength=N_SECTORS)
        # Cell totals after relocation and exit (entrants and investment below use them).
        kcell = f.cell_sum(f.capital, masked=False)
        counts = f.cell_count()
        varieties = f.cell_sum(f.weight, masked=False)
        # Saving and investment.
        saving = self.investment_rate() * self.gdp
        capital_income_cell = self.alpha * eq.value_added
        k_prov = kcell.sum(axis=1)
        investment = capital_mod.allocate_investment(
            saving, np.maximum(k_prov, 1e-9), capital_income_cell.sum(axis=1),
            cfg.capital.mobile_share, cfg.capital.return_elasticity,
            self.return_wedge, self.investment_intensity)
        for m in self.mechanisms:
            investment = m.investment(investment)
        investment = investment + liquidated
        self.capital_inflow = investment - liquidated - saving
        # Incumbents depreciate and invest; entrants are financed from what is left.
        sector_capital = kcell.sum(axis=0)
        sector_count = np.maximum(counts.sum(axis=0), 1)
        entry_size = fc.entry_size * sector_capital / sector_count
        vpc_nat = varieties.sum(axis=0) / np.maximum(kcell.sum(axis=0), 1e-300)
        vpc = np.where(kcell > 0, varieties / np.maximum(kcell, 1e-300), vpc_nat[None, :])
        inv_left = investment.copy()
        rho = cfg.production.firm_productivity_persistence
        sd_stat = cfg.production.firm_productivity_shock_sd / np.sqrt(max(1.0 - rho**2, 1e-6))
        # entrants first take their capital out of the destination's investment
        entrant_slots = relocation.enter_firms(
            f, n_exit_by_sector, profit, fc.home_entry_share, entry_cost, fc.relocation_horizon_years,
            fc.location_noise, inv_left, entry_size, sd_stat, vpc, rng, allowed,
            relocating=self.relocating_sectors, counts=counts, size=kcell)
        entrant_capital = f.capital[entrant_slots].copy()
        f.capital[entrant_slots] = 0.0  # keeps entrants out of the incumbents' investment
        inv_cell = capital_mod.investment_by_cell(inv_left, capital_income_cell)
        for m in self.mechanisms:
            inv_cell = m.sector_investment(inv_cell)
        # entrants' slots hold zero capital now, so the cells' capital is still ``kcell``
        capital_mod.invest_in_firms(f, inv_cell, kcell, cfg.capital.depreciation)
        f.capital[entrant_slots] = entrant_capital
        f.age += f.alive
        self.firm_flows = relocation.FirmFlows(
            moved_from=mv_from, moved_to=mv_to, moved_sector=mv_sec, moved_capital=mv_cap,
            relocation_loss=loss, exits=int(exited.size), entries=int(entrant_slots.size),
            exit_by_province=exit_by_province,
            entry_by_province=np.bincount(f.province[entrant_slots], minlength=self.n),
            liquidated=liquidated)
        self.capital_check = {
            "before": capital_before, "after": float(f.capital.sum()),
            "saving": float(saving.sum()), "relocation_loss": loss,
            "n_before": n_before, "n_after": f.n_alive,
        }

    def _technology(self) -> None:
        tc = self.config.technology
        growth = self.toward_2050(tc.frontier_growth_2020, tc.frontier_growth_2050)
        links = np.zeros(self.n)
        for m in self.mechanisms:
            links = m.catch_up_links(links)
        speed = tc.catch_up_speed * (1.0 + tc.link_diffusion_bonus * links)
        self.tfp = technology.tfp_update(self.tfp, growth, speed, self.persistent_tfp_gap)
        p = self.config.production
        technology.firm_productivity_update(self.firms, self.alpha,
                                            p.firm_productivity_persistence,
                                            p.firm_productivity_shock_sd, self.rng)

    # ------------------------------------------------------------------ data collection
    def emissions(self, after_mechanisms: bool = True) -> np.ndarray:
        """CO2 by province, tonnes: sectoral intensity × output, scaled to 2020, falling with
        the carbon-intensity trend."""
        decline = self.config.production.carbon_intensity_decline
        trend = (1.0 - decline) ** (self.year - self.config.start_year)
        e = self.carbon_scale * trend * (self.equilibrium.quantity * CARBON_INTENSITY).sum(axis=1)
        if after_mechanisms:
            for m in self.mechanisms:
                e = m.emissions(e)
        return e

    def _collect_state(self) -> None:
        """Record the year's state (population at production time, GDP, fiscal, services)."""
        pop = self.population.astype(float)
        gdp = self.gdp
        eq = self.equilibrium
        consumption = (1.0 - self.investment_rate()) * gdp
        f = self.firms
        # By cell, summed over sectors: the firm table keeps its counts by cell, and its cell
        # sums are cheaper than a bincount by province at a million firms.
        firms_by_prov = f.cell_count().sum(axis=1)
        prov: dict[str, np.ndarray] = {
            "year": np.full(self.n, self.year, dtype=np.int64),
            "population": self.population,
            "natural_change": self.natural_change,
            "non_hukou": self.non_hukou,
            "employment": self.employment,
            "gdp_100m_yuan": gdp,
            "gdp_real_100m_yuan": eq.quantity.sum(axis=1),
            "gdp_per_capita_yuan": gdp * 1e8 / pop,
            "wage_yuan": eq.wages * 1e8,
            "cpi": self.cpi(),
            "capital_100m_yuan": self.capital,
            "tfp": self.tfp,
            "own_revenue_100m_yuan": self.own_revenue,
            "central_transfers_100m_yuan": self.transfers,
            "local_spending_100m_yuan": self.local_spending,
            "local_debt_100m_yuan": self.debt,
            "public_services_index": self.service_index,
            "effective_public_services": self.effective_services,
            "consumption_per_capita_yuan": consumption * 1e8 / pop,
            "co2_t": self.emissions(),
            "firms": firms_by_prov,
        }
        for s, name in enumerate(SECTORS):
            prov[f"va_{name}_100m_yuan"] = eq.value_added[:, s]
        for m in self.mechanisms:
            prov.update(m.province_outputs())
        self.province_records.append(prov)
        nat: dict[str, float] = {
            "year": self.year,
            "population": float(pop.sum()),
            "gdp": float(gdp.sum()),
            "gdp_real": float(eq.quantity.sum()),
            "gdp_per_capita_yuan": float(gdp.sum() * 1e8 / pop.sum()),
            "non_hukou": float(self.non_hukou.sum()),
            "firms": float(f.n_alive),
            "co2_t": float(self.emissions().sum()),
            "equilibrium_iterations": float(eq.iterations),
        }
        nat.update({k: float(v) for k, v in self.central_accounts.items()})
        nat.update(metrics.differentiation(gdp, pop, self.plates, self.is_north))
        nat.update(metrics.differentiation(self.service_index * pop, pop, self.plates,
                                           self.is_north, prefix="ps_"))
        nat.update(metrics.differentiation(consumption, pop, self.plates, self.is_north,
                                           prefix="cons_"))
        for m in self.mechanisms:
            nat.update(m.national_outputs())
        self.national = nat
        self.national_records.append(nat)
        self.datacollector.collect(self)

    def _flows_frame(self) -> dict[str, np.ndarray]:
        """The year's link flows as arrays (account indices; names are attached on output):
        migrants, every ledger money flow, relocated firms and their capital."""
        kinds: list[str] = []
        units: list[str] = []
        src: list[np.ndarray] = []
        dst: list[np.ndarray] = []
        amount: list[np.ndarray] = []

        def add(kind: str, f: np.ndarray, t: np.ndarray, a: np.ndarray, u: str) -> None:
            kinds.append(kind)
            units.append(u)
            src.append(f)
            dst.append(t)
            amount.append(a.astype(float))

        m = self.migration_flows
        i, j = np.nonzero(m)
        add("migrants", i, j, m[i, j], "persons")
        led = self.ledger
        for k, p, r, a in zip(led.kinds, led.payers, led.receivers, led.amounts, strict=True):
            keep = a > 0
            add(k, p[keep], r[keep], a[keep], "100m yuan")
        fl = self.firm_flows
        if fl is not None and fl.moved_from.size:
            key = fl.moved_from * self.n + fl.moved_to
            cnt = np.bincount(key, minlength=self.n * self.n)
            cap = np.bincount(key, weights=fl.moved_capital, minlength=self.n * self.n)
            nz = np.flatnonzero(cnt)
            add("relocated_firms", nz // self.n, nz % self.n, cnt[nz], "firms")
            add("relocated_capital", nz // self.n, nz % self.n, cap[nz], "100m yuan")
        sizes = [a.size for a in amount]
        return {"year": np.full(sum(sizes), self.year, dtype=np.int64),
                "kind": np.repeat(np.array(kinds, dtype=object), sizes),
                "from": np.concatenate(src).astype(np.int64),
                "to": np.concatenate(dst).astype(np.int64), "amount": np.concatenate(amount),
                "unit": np.repeat(np.array(units, dtype=object), sizes)}

    # ------------------------------------------------------------------ results
    def province_table(self) -> pd.DataFrame:
        """Province-year table (one row per province and year)."""
        recs = self.province_records
        cols = {k: np.concatenate([r[k] for r in recs]) for k in recs[0]}
        out = pd.DataFrame({"year": cols.pop("year"),
                            "province": np.tile(np.array(self.province_names, dtype=object), len(recs)),
                            "plate": np.tile(self.plates.astype(object), len(recs))})
        return pd.concat([out, pd.DataFrame(cols)], axis=1)

    def national_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.national_records)

    def flows_table(self) -> pd.DataFrame:
        """Link flows by year: kind, from, to, amount, unit (accounts: provinces, central,
        private)."""
        labels = np.array([*self.province_names, "central", "private"], dtype=object)
        recs = self.flow_records
        cols = {k: np.concatenate([r[k] for r in recs]) for k in recs[0]}
        cols["from"] = labels[cols["from"]]
        cols["to"] = labels[cols["to"]]
        return pd.DataFrame(cols)

    def plate_table(self) -> pd.DataFrame:
        p = self.province_table()
        g = p.groupby(["year", "plate"], sort=True)[["population", "gdp_100m_yuan"]].sum().reset_index()
        tot = g.groupby("year")[["population", "gdp_100m_yuan"]].transform("sum")
        g["population_share"] = g["population"] / tot["population"]
        g["gdp_share"] = g["gdp_100m_yuan"] / tot["gdp_100m_yuan"]
        g["gdp_per_capita_yuan"] = g["gdp_100m_yuan"] * 1e8 / g["population"]
        return g

    def run(self) -> RegionalModel:
        """Step until ``end_year``."""
        while self.year < self.config.end_year:
            self.step()
        return self

"""The common interface of the guideline's mechanisms (DESIGN §3).

A mechanism is one module under ``sim/mechanisms`` with one config section (``enabled``,
``intensity``, ``start_year``, ``end_year`` and its own parameters). The model calls the hooks
below at fixed points of the yearly step; each hook receives the model and changes only what its
clause acts on. The defaults leave the economy unchanged, so a mechanism implements just the hooks
it needs. Money moves only through ``model.ledger`` (payer → receiver), so every flow balances.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import model_validator

from sim.config.params import Section, param

if TYPE_CHECKING:
    from sim.model import RegionalModel


class MechanismSection(Section):
    """Settings every mechanism shares: the switch, the dose and the years it acts.

    A mechanism's own section subclasses this one and adds its parameters. ``intensity`` scales
    what the mechanism does (its shares, payments or required abatement; 1 = the defaults of its
    parameters); ``phase_in_years`` ramps the dose linearly from the start year.
    """

    enabled: bool = param(False, unit="switch", source="scenario choice",
                          description="Whether the mechanism acts at all.")
    intensity: float = param(
        1.0, unit="multiple of the mechanism's default dose", ge=0.0, le=10.0,
        source="scenario choice (1 = the parameters below as documented)",
        description="Scales the mechanism's payments, shares or required abatement.",
    )
    start_year: int = param(2021, unit="year", ge=2021, le=2100, source="scenario choice",
                            description="First year the mechanism acts (2021 is the first simulated "
                            "year; the 2020 state is the data).")
    end_year: int = param(2100, unit="year", ge=2021, le=2100, source="scenario choice",
                          description="Last year the mechanism acts.")
    phase_in_years: int = param(0, unit="years", ge=0, le=50, source="scenario choice",
                                description="The dose rises linearly to ``intensity`` over these years "
                                "from the start year (0 = full dose at once).")

    @model_validator(mode="after")
    def _years(self) -> MechanismSection:
        if self.end_year < self.start_year:
            raise ValueError(f"end_year {self.end_year} must not be before start_year {self.start_year}")
        return self


class Mechanism:
    """Base class: hooks of the yearly step, in the order the model calls them."""

    #: config key under ``mechanisms`` and the guideline clauses the module implements
    key: ClassVar[str] = ""
    clauses: ClassVar[str] = ""
    #: the mechanism's config section and its one-line description (used by the schema)
    config_class: ClassVar[type[MechanismSection]] = MechanismSection
    description: ClassVar[str] = ""

    def __init__(self, model: RegionalModel, config: object) -> None:
        self.model = model
        self.config = config

    # --- dosage -----------------------------------------------------------------------------
    def active(self, year: int) -> bool:
        c = self.config
        return bool(getattr(c, "enabled", False)) and c.start_year <= year <= c.end_year  # type: ignore[attr-defined]

    def dose(self, year: int) -> float:
        """Intensity in ``year``: ramps linearly over ``phase_in_years`` from the start year."""
        if not self.active(year):
            return 0.0
        c = self.config
        phase = max(getattr(c, "phase_in_years", 0), 0)
        ramp = 1.0 if phase == 0 else min(1.0, (year - c.start_year + 1) / phase)  # type: ignore[attr-defined]
        return float(c.intensity) * ramp  # type: ignore[attr-defined]

    # --- hooks (defaults change nothing) -----------------------------------------------------
    def setup(self) -> None:
        """Once, after the model is calibrated."""

    def trade_barrier(self, barrier: np.ndarray) -> np.ndarray:
        """Ad-valorem trade barrier matrix (§8 market integration, §4 clusters)."""
        return barrier

    def tfp_multiplier(self) -> np.ndarray | None:
        """Multiplier on province TFP this year (e.g. cluster integration, marine economy)."""
        return None

    def sector_tfp(self, tfp_relative: np.ndarray) -> np.ndarray:
        """Relative sector TFP ``B_is`` (province × sector) this year, before it multiplies the
        province TFP (§18 grain-floor support of agricultural productivity). Return a new array
        to change it; never write into the one passed in."""
        return tfp_relative

    def external_demand(self, demand: np.ndarray) -> np.ndarray:
        """Demand from outside China by province and sector (§4 Belt and Road, §6, §13)."""
        return demand

    def fiscal(self) -> None:
        """Record money flows in ``model.ledger`` (pairings, compensation, transfers)."""

    def local_borrowing(self, borrowing: np.ndarray) -> np.ndarray:
        """New local government borrowing by province this year (100 million yuan), after the
        year's revenue, transfers and mechanism flows and before the local budget closes (§25
        borrowing cap)."""
        return borrowing

    def equalising_intensity(self, intensity: float) -> float:
        """Share of central transfers allocated by the equalising formula (§24)."""
        return intensity

    def hukou_conversion(self, rate: float) -> float:
        """Share of non-hukou residents who obtain local hukou this year (§7 settlement reform)."""
        return rate

    def investment(self, investment: np.ndarray) -> np.ndarray:
        """Investment by province before it reaches firms (§25 credit support). Must keep the
        national total unless the difference is financed through ``model.ledger``."""
        return investment

    def sector_investment(self, investment_cell: np.ndarray) -> np.ndarray:
        """Investment by province × sector (100 million yuan) before it reaches the firms of each
        cell; by default a province's investment is split over its sectors by capital income.
        Must keep every province's total (redirect between sectors, e.g. §19 successor
        industries); province totals are changed through :meth:`investment`."""
        return investment_cell

    def services_access(self, access: float) -> float:
        """Migrants' access to public services (§7 hukou reform, §21–22 portability)."""
        return access

    def migration_cost(self, cost: np.ndarray) -> np.ndarray:
        """Extra moving cost, origin × destination, in utility units."""
        return cost

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        """Firm relocation and entry cost in years of value added: sector × origin × destination
        (the model passes (S, n, n); a hook must also accept an origin × destination matrix)."""
        return cost

    def allowed_locations(self, allowed: np.ndarray) -> np.ndarray:
        """Sector × destination mask of where firms may move or enter (§17, §23 bans)."""
        return allowed

    def catch_up_links(self, links: np.ndarray) -> np.ndarray:
        """Number of technology-diffusion links of each province (§14–16)."""
        return links

    def forced_relocations(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Firms moved by decision at the end of this year (§4: Beijing's non-capital functions
        to Xiong'an), as (firm slots, destination province of each), drawn with ``model.rng``;
        ``None`` for none. The model moves them with all their capital (no relocation loss) and
        adds them to the year's relocations (``firm_flows``: the flows table and
        ``firms_moved_in``/``firms_moved_out``). Called just before this mechanism's
        :meth:`after_step`."""
        return None

    def cluster_integration(self, integration: np.ndarray) -> np.ndarray:
        """Integration of each city cluster (index in [0, 1]) for next year, set at the end of
        this year (§4 cluster strategies, §10–12 cooperation alliances). Called after
        :meth:`forced_relocations` and before :meth:`after_step`."""
        return integration

    def after_step(self) -> None:
        """After capital and technology: markets for rights (§9), monitoring (§27)."""

    def flow_outputs(self) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """Extra province and national columns about the year's end-of-year flows (recorded with
        the flows after every :meth:`after_step`, like ``firm_entries``; same keys every
        year). :meth:`province_outputs` and :meth:`national_outputs` are recorded before them,
        with the year's state."""
        return {}, {}

    # --- further hooks (the model calls all of them; the defaults change nothing) -------------
    def emissions(self, emissions: np.ndarray) -> np.ndarray:
        """CO2 by province after the mechanism's abatement (cap-and-trade, §9), tonnes."""
        return emissions

    def province_outputs(self) -> dict[str, np.ndarray]:
        """Extra columns of the province-year table (same keys every year)."""
        return {}

    def national_outputs(self) -> dict[str, float]:
        """Extra columns of the national table (same keys every year)."""
        return {}

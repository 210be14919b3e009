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

if TYPE_CHECKING:
    from sim.model import RegionalModel


class Mechanism:
    """Base class: hooks of the yearly step, in the order the model calls them."""

    #: config key under ``mechanisms`` and the guideline clauses the module implements
    key: ClassVar[str] = ""
    clauses: ClassVar[str] = ""

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

    def external_demand(self, demand: np.ndarray) -> np.ndarray:
        """Demand from outside China by province and sector (§4 Belt and Road, §6, §13)."""
        return demand

    def fiscal(self) -> None:
        """Record money flows in ``model.ledger`` (pairings, compensation, transfers)."""

    def services_access(self, access: float) -> float:
        """Migrants' access to public services (§7 hukou reform, §21–22 portability)."""
        return access

    def migration_cost(self, cost: np.ndarray) -> np.ndarray:
        """Extra moving cost, origin × destination, in utility units."""
        return cost

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        """Firm relocation and entry cost, origin × destination, in years of value added."""
        return cost

    def allowed_locations(self, allowed: np.ndarray) -> np.ndarray:
        """Sector × destination mask of where firms may move or enter (§17, §23 bans)."""
        return allowed

    def catch_up_links(self, links: np.ndarray) -> np.ndarray:
        """Number of technology-diffusion links of each province (§14–16)."""
        return links

    def after_step(self) -> None:
        """After capital and technology: markets for rights (§9), monitoring (§27)."""

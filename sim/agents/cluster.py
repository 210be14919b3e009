"""The CityCluster agent: one of the 19 national urban agglomerations (DESIGN §1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import RegionalModel


class CityCluster(mesa.Agent):
    """A city cluster: member provinces, core cities, integration level in [0, 1]."""

    def __init__(self, model: RegionalModel, idx: int, name: str, tier: str,
                 members: tuple[int, ...], core_cities: tuple[str, ...]) -> None:
        super().__init__(model)
        self.idx = idx
        self.name = name
        self.tier = tier
        self.members = members
        self.core_cities = core_cities

    @property
    def integration(self) -> float:
        """Integration level in [0, 1] (raised by §4/§8/§10 mechanisms)."""
        return float(self.model.cluster_integration[self.idx])

    @property
    def congestion(self) -> float:
        """Congestion index of its megacities: member population relative to 2020."""
        m = list(self.members)
        return float(self.model.population[m].sum() / self.model.population_start[m].sum())

    @property
    def gdp(self) -> float:
        """GDP of member provinces, 100 million yuan (whole provinces)."""
        return float(np.sum(self.model.gdp[list(self.members)]))

    def __repr__(self) -> str:
        return f"CityCluster({self.name})"

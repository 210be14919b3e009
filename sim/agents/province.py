"""The Province agent: a named view onto the model's provincial arrays (DESIGN §1).

Provincial state lives in the model's numpy arrays (vectorised yearly step); a ``Province``
reads its row, so AgentSet queries, the DataCollector and the browser app see live values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model import RegionalModel


class Province(mesa.Agent):
    """One of the 31 mainland provincial-level divisions."""

    def __init__(self, model: RegionalModel, idx: int, name: str, abbr: str, adcode: int,
                 plate: str, coastal: bool, north: bool) -> None:
        super().__init__(model)
        self.idx = idx
        self.name = name
        self.abbr = abbr
        self.adcode = adcode
        self.plate = plate
        self.coastal = coastal
        self.north = north

    @property
    def population(self) -> int:
        """Resident population, persons."""
        return int(self.model.population[self.idx])

    @property
    def non_hukou(self) -> int:
        """Residents without local hukou, persons."""
        return int(self.model.non_hukou[self.idx])

    @property
    def gdp(self) -> float:
        """GDP, 100 million yuan (national 2020 price level)."""
        return float(self.model.gdp[self.idx])

    @property
    def gdp_per_capita(self) -> float:
        """GDP per resident, yuan."""
        return self.gdp * 1e8 / self.population

    @property
    def capital(self) -> float:
        """Capital stock, 100 million yuan (2020 prices)."""
        return float(self.model.capital[self.idx])

    @property
    def tfp(self) -> float:
        """Province TFP A_i (2020 calibration units)."""
        return float(self.model.tfp[self.idx])

    @property
    def public_services(self) -> float:
        """Public-service index, 1 = 2020 national mean."""
        return float(self.model.service_index[self.idx])

    @property
    def net_migration(self) -> int:
        """Net inflow of migrants in the last year, persons."""
        return int(self.model.net_migration[self.idx])

    @property
    def wage(self) -> float:
        """Wage per worker, yuan per year."""
        return float(self.model.equilibrium.wages[self.idx] * 1e8)

    def __repr__(self) -> str:
        return f"Province({self.name})"

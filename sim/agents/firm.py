"""The Firm agent: a thin view onto one row of the firm arrays (DESIGN §1).

Creating a Mesa agent costs microseconds, so a million would cost more than the whole
simulation; firm state therefore lives in :class:`sim.economy.firms.FirmTable` and ``Firm``
agents are made on demand (``RegionalModel.firm_agents``) for a sample. A view remembers the
firm's ``uid``; if that firm has exited (its slot reused), ``alive`` is False.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.config.schema import SECTORS

if TYPE_CHECKING:
    from sim.model import RegionalModel


class Firm(mesa.Agent):
    """A representative firm (economic mass ``weight``)."""

    def __init__(self, model: RegionalModel, slot: int) -> None:
        super().__init__(model)
        self.slot = slot
        self.uid = int(model.firms.uid[slot])

    @property
    def alive(self) -> bool:
        t = self.model.firms
        return bool(t.alive[self.slot] and t.uid[self.slot] == self.uid)

    @property
    def province(self) -> str:
        return self.model.province_names[int(self.model.firms.province[self.slot])]

    @property
    def sector(self) -> str:
        return SECTORS[int(self.model.firms.sector[self.slot])]

    @property
    def capital(self) -> float:
        """Capital, 100 million yuan (2020 prices)."""
        return float(self.model.firms.capital[self.slot])

    @property
    def productivity(self) -> float:
        """Firm productivity a_f relative to its province-sector."""
        import math

        return math.exp(float(self.model.firms.log_a[self.slot]))

    @property
    def weight(self) -> float:
        """Mass of varieties (economic mass) the firm stands for."""
        return float(self.model.firms.weight[self.slot])

    @property
    def age(self) -> int:
        return int(self.model.firms.age[self.slot])

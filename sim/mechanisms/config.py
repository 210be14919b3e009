"""The ``mechanisms`` section of a scenario: one sub-section per mechanism (DESIGN §3).

Each mechanism module defines its own section (a :class:`~sim.mechanisms.base.MechanismSection`
with ``enabled``, ``intensity``, ``start_year``, ``end_year``, ``phase_in_years`` and its own
parameters); this class collects them under the mechanism's ``key``. All are off by default.

Import discipline (no cycles): this module and the mechanism modules import only
``sim.config.params`` from the config package, and ``sim.economy`` only inside functions, because
``sim.config.schema`` imports this module while it is being built.
"""

from __future__ import annotations

from pydantic import Field

from sim.config.params import Section
from sim.mechanisms.carbon_market import CarbonMarketConfig
from sim.mechanisms.counterpart_support import CounterpartSupportConfig
from sim.mechanisms.eco_compensation import EcoCompensationConfig
from sim.mechanisms.water_rights import WaterRightsConfig


class Mechanisms(Section):
    """The guideline's coordination mechanisms, each switched and dosed on its own (DESIGN §3).
    All are off by default; see docs/mechanisms.md."""

    counterpart_support: CounterpartSupportConfig = Field(
        default_factory=CounterpartSupportConfig,
        description="§14–15 east–west pairing and counterpart support: fiscal aid, enterprise aid and "
        "technology diffusion along the real pairings.")
    eco_compensation: EcoCompensationConfig = Field(
        default_factory=EcoCompensationConfig,
        description="§17 horizontal ecological compensation: downstream pays upstream; polluting "
        "industry restricted upstream.")
    carbon_market: CarbonMarketConfig = Field(
        default_factory=CarbonMarketConfig,
        description="§9 carbon emissions trading among provinces (cap-and-trade).")
    water_rights: WaterRightsConfig = Field(
        default_factory=WaterRightsConfig,
        description="§9 water-rights trading among provinces (cap-and-trade).")

"""Unified negative list for market access and regional market integration (guideline §7 "implement
a nationwide unified negative list system for market access … deeply implement the fair
competition review system, remove regional market barriers"; §8 "promote the construction of
regional markets in Beijing, Tianjin, Hebei, the Yangtze River Economic Belt, Guangdong, Hong
Kong and Macao … promote the formation of a unified national market").

Two levers of the core model are lowered, each by a share that the dose scales:

* **Negative list and fair-competition review** (§7). The market-access barrier that firms pay to
  relocate into or enter (as out-of-province entrants) another province, ``b_t =
  path_value(firms.entry_barrier, t)`` years of value added, falls by

      cut_t = min(1, dose_t · entry_share_removed) · b_t

  on every off-diagonal element of the relocation and of the entry cost matrices (hook
  ``relocation_cost``; the diagonal, staying or starting at home, carries no barrier). The cut
  never exceeds the barrier itself, and no cost falls below zero (another mechanism may already
  have lowered it). Works on origin × destination and on sector × origin × destination arrays.
* **Market integration** (§8). The ad-valorem interprovincial trade barrier matrix ``B_ij`` (the
  core barrier, already reduced inside city clusters by their integration) is multiplied by

      1 − min(1, dose_t · (trade_share_removed + strategic_extra_share · S_ij))

  where ``S_ij = 1`` when provinces i and j both belong to one of the three regional markets the
  clause names, else 0 (hook ``trade_barrier``):

  - Beijing–Tianjin–Hebei (``jjj_provinces``);
  - the Yangtze River Economic Belt (the 11 provinces with ``yangtze_economic_belt = 1`` in
    provinces.csv, which include the three provinces and one city of the Yangtze River Delta);
  - the Greater Bay Area: Hong Kong and Macao are not in the model and the GBA's nine mainland
    cities are all in Guangdong, so there is no interprovincial pair inside it; the GBA market is
    taken with the Pearl River–Xijiang Economic Belt that §4 says it drives (Guangdong and Guangxi,
    ``gba_provinces``).

Outputs: national ``market_access_barrier`` (the barrier after the cut, years of value added)
and ``trade_barrier_mean`` (mean off-diagonal trade barrier after the mechanism).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel


class MarketIntegrationConfig(MechanismSection):
    """Unified negative list (§7) and regional market integration (§8)."""

    entry_share_removed: float = param(
        0.5, unit="share of the market-access barrier firms.entry_barrier", ge=0.0, le=1.0,
        source="assumption: the Negative List for Market Access shrank from 151 items (2018 edition) "
        "to 117 (2022 edition) (NDRC/MOFCOM, RECALLED), −23%; the fair-competition review (2016) "
        "targets the hidden local barriers outside the list, so half of the barrier is taken as "
        "removable",
        description="Share of the barrier to out-of-province relocation and entry removed at dose 1.",
    )
    trade_share_removed: float = param(
        0.3, unit="share of the interprovincial trade barrier", ge=0.0, le=1.0,
        source="assumption informed by Tombe & Zhu 2019 (AER 109(5)): falling internal trade and "
        "migration costs explain 36% of China's labour-productivity growth 2000–2005, and internal "
        "costs remain high; Li, Yu, Zeng & Holst 2012 (China Economic Review 23(4)): about half of "
        "interregional trade barriers are non-transport (policy) costs",
        description="Share of the interprovincial trade barrier removed everywhere at dose 1 "
        "(unified national market).",
    )
    strategic_extra_share: float = param(
        0.2, unit="share of the interprovincial trade barrier", ge=0.0, le=1.0,
        source="assumption (§8 names the three regional markets to be built first)",
        description="Extra share removed between two provinces of the same regional market "
        "(Beijing–Tianjin–Hebei, Yangtze River Economic Belt, Greater Bay Area).",
    )
    jjj_provinces: list[str] = param(
        ["Beijing", "Tianjin", "Hebei"], unit="province names",
        source="guideline §4, §8 (Beijing–Tianjin–Hebei coordinated development)",
        description="Provinces of the Beijing–Tianjin–Hebei regional market.",
    )
    gba_provinces: list[str] = param(
        ["Guangdong", "Guangxi"], unit="province names",
        source="guideline §4 (the GBA drives the Pearl River–Xijiang Economic Belt; its development "
        "plan, State Council 2014, covers Guangdong and Guangxi, RECALLED)",
        description="Provinces of the Greater Bay Area regional market (Hong Kong and Macao are not "
        "modelled; all nine mainland GBA cities are in Guangdong).",
    )
    include_yangtze_belt: bool = param(
        True, unit="switch", source="guideline §8; provinces.csv column yangtze_economic_belt",
        description="Treat the Yangtze River Economic Belt (11 provinces) as a regional market.",
    )


class MarketIntegration(Mechanism):
    """Lower market-access and interprovincial trade barriers (§7 negative list, §8)."""

    key: ClassVar[str] = "market_integration"
    clauses: ClassVar[str] = "§7, §8"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        ds = model.data
        n = model.n
        c = self.config
        regions: list[np.ndarray] = []
        for names in (c.jjj_provinces, c.gba_provinces):  # type: ignore[attr-defined]
            regions.append(np.array(sorted({ds.province_index(x) for x in names}), dtype=np.int64))
        if c.include_yangtze_belt:  # type: ignore[attr-defined]
            belt = ds.provinces["yangtze_economic_belt"].to_numpy(int) == 1
            regions.append(np.flatnonzero(belt))
        same = np.zeros((n, n), dtype=bool)
        for r in regions:
            same[np.ix_(r, r)] = True
        np.fill_diagonal(same, False)
        #: both provinces in one of the three regional markets of §8
        self.strategic_pair = same
        self.regions = regions
        self._barrier_mean = float("nan")

    # --- the rules ---------------------------------------------------------------------------
    def entry_cut(self, year: int) -> float:
        """Fall of the market-access barrier in ``year``, years of value added."""
        if not self.active(year):
            return 0.0
        from sim.config.schema import path_value

        barrier = path_value(self.model.config.firms.entry_barrier, year)
        return min(1.0, self.dose(year) * self.config.entry_share_removed) * barrier  # type: ignore[attr-defined]

    def trade_factor(self, year: int) -> np.ndarray:
        """Multiplier on the trade barrier matrix in ``year`` (origin × destination)."""
        n = self.model.n
        if not self.active(year):
            return np.ones((n, n))
        c = self.config
        removed = self.dose(year) * (c.trade_share_removed  # type: ignore[attr-defined]
                                     + c.strategic_extra_share * self.strategic_pair)  # type: ignore[attr-defined]
        return 1.0 - np.minimum(removed, 1.0)

    # --- hooks -------------------------------------------------------------------------------
    def trade_barrier(self, barrier: np.ndarray) -> np.ndarray:
        year = self.model.year
        out = barrier if not self.active(year) else np.asarray(barrier, dtype=float) * self.trade_factor(year)
        b = np.asarray(out, dtype=float)
        if b.ndim == 2:
            self._barrier_mean = float(b[~np.eye(b.shape[0], dtype=bool)].mean())
        return out

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        year = self.model.year
        cut = self.entry_cut(year)
        if cut <= 0.0:
            return cost
        out = np.array(cost, dtype=float, copy=True)
        off = ~np.eye(out.shape[-1], dtype=bool)
        out[..., off] = np.maximum(out[..., off] - cut, 0.0)
        return out

    def national_outputs(self) -> dict[str, float]:
        from sim.config.schema import path_value

        year = self.model.year
        barrier = path_value(self.model.config.firms.entry_barrier, year)
        return {"market_access_barrier": barrier - self.entry_cut(year),
                "trade_barrier_mean": self._barrier_mean}


MarketIntegration.config_class = MarketIntegrationConfig
MarketIntegration.description = ("§7–8 unified negative list and regional market integration: lower "
                                 "market-access (entry/relocation) and interprovincial trade barriers, "
                                 "more inside Beijing–Tianjin–Hebei, the Yangtze River Economic Belt and "
                                 "the Greater Bay Area.")
MECHANISM = MarketIntegration

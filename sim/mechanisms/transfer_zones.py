"""Industrial-transfer demonstration zones and cross-provincial cooperation parks (guideline §5:
"support the joint construction of industrial cooperation bases … through the platform of
undertaking industrial transfer demonstration zones and trans-provincial cooperation parks").

The zones and parks are listed in ``sim/data/transfer_zones.csv`` (one row each: ``kind``,
``province`` = the host, ``partner`` = the co-building province of a park, ``name``, ``year`` of
approval, ``source``, ``verified``):

* ``demonstration_zone``: the national demonstration zones for undertaking industrial transfer
  (Wanjiang City Belt 2010, Guidong 2010, Chongqing riverside 2011, Xiangnan 2011, Jingzhou 2011,
  the Jin–Shaan–Yu Yellow River Golden Triangle 2012 over three provinces, Lanzhou–Baiyin,
  Guang'an and Gannan 2013, Yinchuan–Shizuishan 2014);
* ``cooperation_park``: cross-provincial co-built parks (partner → host, e.g. Guangdong → Heilongjiang
  for the Shenzhen (Harbin) park, Beijing → Hebei, Shanghai → Jiangsu). Intra-provincial parks
  (Shenzhen–Shanwei, Suzhou–Suqian) are out of scope: the model has no sub-provincial geography.

A zone or park acts from its approval year on (all are approved by 2020). Zones cover part of a
province; the model applies their terms to the whole host province.

**Relocation and entry costs** (hook ``relocation_cost``, years of value added, floored at 0):

    x_ij,s ← max(0, x_ij,s − dose_t · w_s · (zone_reduction · Z_j + park_reduction · P_ij))

where ``Z_j = 1`` if j hosts a demonstration zone, ``P_ij = 1`` if i co-builds a park in j, and
``w_s`` the sector weight: 1 for every sector and ``labour_intensive_weight`` for labour-intensive
manufacturing (the zones' main target: processing trade, textiles, light industry). The model
passes one origin × destination matrix for every sector, so ``w_s`` applies only when it passes a
sector × origin × destination array; with the matrix, the cut is the base one (``w = 1``).

The mechanism moves no money. Output: ``transfer_zone`` (1 for a province hosting a demonstration
zone; the model's own ``firms_moved_in`` counts the firms it attracts).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel

DATA_FILE = "transfer_zones.csv"
KINDS: tuple[str, ...] = ("demonstration_zone", "cooperation_park")


class TransferZonesConfig(MechanismSection):
    """Demonstration zones and cross-provincial parks lower relocation and entry costs (§5)."""

    zone_reduction: float = param(
        0.25, unit="years of value added", ge=0.0, le=5.0,
        source="assumption (equal to the base relocation cost firms.relocation_cost; the zones' "
        "land, tax and approval preferences under State Council Guo Fa [2010] 28 on central and "
        "western regions undertaking industrial transfer)",
        description="Fall in the cost of relocating to or entering a province that hosts a "
        "national demonstration zone, from any other province.",
    )
    park_reduction: float = param(
        0.25, unit="years of value added", ge=0.0, le=5.0,
        source="assumption (as counterpart_support.enterprise_cost_reduction: a co-built park "
        "carries its partner's firms, planning and services)",
        description="Further fall of that cost from a park's partner province into its host.",
    )
    labour_intensive_weight: float = param(
        2.0, unit="multiple of the cut", ge=0.0, le=10.0,
        source="assumption (the zones target labour-intensive processing industries first; "
        "used only when the model passes sector-specific costs)",
        description="Weight of the cut for labour-intensive manufacturing (other sectors 1).",
    )


def load_transfer_zones(path: Path, names: list[str]) -> pd.DataFrame:
    """Read and validate ``transfer_zones.csv``; adds ``province_idx`` and ``partner_idx``
    (−1 for a zone). Raises :class:`sim.data.loader.DataError` with file, line and column."""
    from sim.data import loader

    raw = loader._read_csv(path, ["kind", "province", "partner", "name", "year", "source", "verified"])
    loader._parse_choice(raw, "kind", KINDS, required=True)
    lookup = {name: i for i, name in enumerate(names)}
    host = loader._province_refs(raw, "province", lookup, names)
    loader._require_text(raw, "name")
    loader.check_provenance(raw)
    loader._parse_numeric(raw, "year", required=True, integer=True,
                          rule=(lambda v: (v >= 1980) & (v <= 2100), "a year 1980–2100"))
    partner = np.full(len(raw), -1, dtype=np.int64)
    for row, (kind, value) in enumerate(zip(raw.cells["kind"], raw.cells["partner"], strict=True)):
        if kind == "demonstration_zone":
            if value is not None:
                raise raw.error(row, "partner", "a demonstration zone has no partner", "empty")
            continue
        if value is None:
            raise raw.error(row, "partner", "missing value", "the co-building province of the park")
        if value not in lookup:
            raise raw.error(row, "partner", f"unknown province '{value}'",
                            loader._allowed_provinces(value, names))
        partner[row] = lookup[value]
        if partner[row] == host[row]:
            raise raw.error(row, "partner", f"park of '{value}' in itself (intra-provincial parks are "
                            "out of scope)", "another province")
    raw.out["province_idx"], raw.out["partner_idx"] = host, partner
    return raw.frame()


class TransferZones(Mechanism):
    """Lower relocation and entry costs into demonstration zones and along co-built parks."""

    key: ClassVar[str] = "transfer_zones"
    clauses: ClassVar[str] = "§5"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        self.table = load_transfer_zones(model.data.file(DATA_FILE), list(model.province_names))
        t = self.table
        zone = (t["kind"] == "demonstration_zone").to_numpy(bool)
        park = (t["kind"] == "cooperation_park").to_numpy(bool)
        year = t["year"].to_numpy()
        # The table as arrays, once (``_sets`` runs every year): approval years and hosts of the
        # zones, approval years and (partner, host) pairs of the parks.
        self.zone_year, self.zone_host = year[zone], t.loc[zone, "province_idx"].to_numpy(np.int64)
        self.park_year = year[park]
        self.park_pairs = t.loc[park, ["partner_idx", "province_idx"]].to_numpy(np.int64).reshape(-1, 2)

    def _sets(self, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Zone hosts, park partners and park hosts approved by ``year`` (pairs unique)."""
        zones = np.unique(self.zone_host[self.zone_year <= year])
        parks = np.unique(self.park_pairs[self.park_year <= year], axis=0)
        return zones, parks[:, 0], parks[:, 1]

    @property
    def zone_provinces(self) -> np.ndarray:
        return self._sets(self.model.year)[0]

    def cut(self, year: int) -> np.ndarray:
        """Origin × destination cost cut (years of value added) at weight 1, before the floor."""
        n = self.model.n
        c = self.config
        out = np.zeros((n, n))
        dose = self.dose(year)
        if dose == 0.0:
            return out
        zones, partner, host = self._sets(year)
        out[:, zones] += c.zone_reduction  # type: ignore[attr-defined]
        np.add.at(out, (partner, host), c.park_reduction)  # type: ignore[attr-defined]
        np.fill_diagonal(out, 0.0)
        return dose * out

    # --- hooks -------------------------------------------------------------------------------
    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        year = self.model.year
        if not self.active(year):
            return cost
        cut = self.cut(year)
        out = np.array(cost, dtype=float, copy=True)
        if out.ndim == 3:
            from sim.economy.sectors import LMF

            w = np.ones(out.shape[0])
            w[LMF] = self.config.labour_intensive_weight  # type: ignore[attr-defined]
            return np.maximum(out - w[:, None, None] * cut[None], 0.0)
        return np.maximum(out - cut, 0.0)

    def province_outputs(self) -> dict[str, np.ndarray]:
        flag = np.zeros(self.model.n)
        flag[self.zone_provinces] = 1.0
        return {"transfer_zone": flag}


TransferZones.config_class = TransferZonesConfig
TransferZones.description = ('§5 industrial-transfer demonstration zones and cross-provincial '
                             'cooperation parks: lower relocation and entry costs into them.')
MECHANISM = TransferZones

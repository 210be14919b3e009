"""Regional cooperation (guideline §10 cooperation and interaction, city alliances; §11 upstream–
downstream basin cooperation; §12 cooperation of interprovincial border areas; §13 international
and regional cooperation) and §16 counterpart cooperation. Five components, each with its own
switch; all scale with the dose ``d_t`` (``intensity`` × phase-in ramp; 0 when off).

* **§10 city alliances.** Every city cluster's integration index ``I_c``
  (``model.cluster_integration``: lower trade barriers inside the cluster, TFP bonus
  ``clusters.agglomeration_bonus``) moves toward 1 at ``alliance_rate``:
  ``I_c,t = I_c,t−1 + min(1, d_t · alliance_rate) · (1 − I_c,t−1)`` (set at the end of year t−1,
  used from year t on; stacks with the §4 rates of ``regional_strategies`` when both are on).
* **§11 basin cooperation.** Along the cross-provincial basin links of ``links.csv`` (kind
  ``eco_compensation_basin``; planning docking, basin infrastructure) the trade barrier falls in
  both directions: ``barrier_ij ← barrier_ij · max(0, 1 − d_t · basin_discount)``.
* **§12 interprovincial border areas.** The clause is about areas where provinces meet
  (Shanxi–Shaanxi–Henan Yellow River Golden Triangle, Guangdong–Guangxi–Hunan–Jiangxi,
  Sichuan–Chongqing "and other provincial border areas"): between every pair of neighbouring
  provinces (``adjacency.csv``) ``barrier_ij ← barrier_ij · max(0, 1 − d_t · border_area_discount)``.
* **§13 international cooperation.** Foreign demand, only its increment over 2020 (the calibrated
  model has no foreign demand), worth at 2020 prices and varieties
  ``X_is,t = d_t · share · VA_is,2020 · ((1 + g)^(t − t0 + 1) − 1)``:
  (i) the high-tech sector of every province (``hightech_export_share``,
  ``hightech_excess_growth``: SCO, RCEP, China–ASEAN, overseas capacity-cooperation zones);
  (ii) the tradable (CES) sectors of the land-border provinces (``land_border = 1``;
  ``border_export_share``, ``border_excess_growth``: border and cross-border economic cooperation
  zones, Lancang–Mekong, Tumen River, China–Russia north-east cooperation). Converted to the
  model's units of CES market access as in ``regional_strategies`` (÷ b_is n_is,2020).
* **§16 counterpart cooperation.** Pairs: the 2017 north-east–east pairs of ``links.csv``
  (kind ``northeast_east_counterpart_cooperation_2017``; between equals), the Three Gorges
  reservoir area (1992) and the South-to-North Water Diversion middle-route water-source areas
  (2013) of ``sim/data/cooperation_pairs.csv``. No fiscal aid. *Enterprise links*: the relocation
  and entry cost between the partners falls by ``d_t · enterprise_cost_reduction · w_pair`` years
  of value added (floored at 0) — both directions for the north-east–east pairs, partner →
  recipient for the support-type pairings. *Technology links*: each province gets
  ``d_t · Σ_partners w_pair`` catch-up links (``technology.link_diffusion_bonus`` per link) — both
  sides for north-east–east, the recipient side only for the others. ``w_pair`` sums the
  programmes' weights over the pair's programmes, capped at 1: ``diffusion_links_per_partner``
  for north-east–east (provinces and their capitals), ``area_links_per_partner`` for the Three
  Gorges and water-source pairings (whose recipients are a few counties of a province).

Outputs: province columns ``cooperation_links`` and ``cooperation_external_demand_100m_yuan``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from pydantic import field_validator

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection
from sim.mechanisms.regional_strategies import (
    ces_demand_units,
    ces_demand_value,
    excess_growth_factor,
    integration_step,
)

if TYPE_CHECKING:
    from sim.data.loader import Dataset
    from sim.model import RegionalModel

PAIRS_FILE = Path(__file__).resolve().parents[1] / "data" / "cooperation_pairs.csv"
NE_EAST = "northeast_east_counterpart_cooperation_2017"
#: §16 programmes: name → (symmetric (between equals), config field of its pair weight)
PROGRAMMES: dict[str, tuple[bool, str]] = {
    NE_EAST: (True, "diffusion_links_per_partner"),
    "three_gorges_counterpart_support": (False, "area_links_per_partner"),
    "south_north_water_source_cooperation": (False, "area_links_per_partner"),
}
PAIRS_VERIFIED: tuple[str, ...] = ("verified", "verified-anon", "derived", "RECALLED")


def load_cooperation_pairs(ds: Dataset, path: Path | str = PAIRS_FILE) -> pd.DataFrame:
    """Read ``cooperation_pairs.csv``: programme, from, to (province ``name_en``), year, source,
    verified; adds ``from_idx`` and ``to_idx``. Problems raise ``DataError`` naming file, line and
    column."""
    from sim.data.loader import (
        _parse_choice,
        _province_refs,
        _read_csv,
        _require_text,
        check_provenance,
    )

    raw = _read_csv(Path(path), ["programme", "from", "to", "year", "source", "verified"])
    allowed = [p for p in PROGRAMMES if p != NE_EAST]
    _parse_choice(raw, "programme", allowed, required=True)
    lookup = {name: i for i, name in enumerate(ds.names)}
    from_idx = _province_refs(raw, "from", lookup, ds.names)
    to_idx = _province_refs(raw, "to", lookup, ds.names)
    for row, value in enumerate(_require_text(raw, "year")):
        if not (value.isdigit() and len(value) == 4):
            raise raw.error(row, "year", f"'{value}' is not a year", "YYYY")
        if from_idx[row] == to_idx[row]:
            raise raw.error(row, "to", f"pair from '{ds.names[from_idx[row]]}' to itself", "another province")
    check_provenance(raw, PAIRS_VERIFIED)
    frame = pd.DataFrame({"programme": raw.cells["programme"], "from": raw.cells["from"],
                          "to": raw.cells["to"], "year": [int(y) for y in raw.cells["year"]],  # type: ignore[arg-type]
                          "source": raw.cells["source"], "verified": raw.cells["verified"]})
    frame["from_idx"], frame["to_idx"] = from_idx, to_idx
    return frame


class CooperationConfig(MechanismSection):
    """City alliances, basin, border-area and international cooperation, counterpart cooperation
    (guideline §10–13, §16)."""

    alliances: bool = param(True, unit="switch", source="guideline §10",
                            description="Component §10: city alliances raise every cluster's integration.")
    alliance_rate: float = param(
        0.02, unit="share of the remaining gap to full integration closed per year", ge=0.0, le=1.0,
        source="assumption (a quarter of regional_strategies.strategic_rate)",
        description="Integration speed of every cluster through alliances.",
    )
    basin: bool = param(True, unit="switch", source="guideline §11",
                        description="Component §11: trade barriers fall along the basin links.")
    basin_discount: float = param(
        0.1, unit="share of the trade barrier removed", ge=0.0, le=1.0, source="assumption",
        description="Barrier cut between upstream and downstream provinces of a basin link (both ways).",
    )
    border_areas: bool = param(True, unit="switch", source="guideline §12",
                               description="Component §12: trade barriers fall between neighbouring "
                               "provinces (interprovincial border areas).")
    border_area_discount: float = param(
        0.05, unit="share of the trade barrier removed", ge=0.0, le=1.0, source="assumption",
        description="Barrier cut between neighbouring provinces.",
    )
    international: bool = param(True, unit="switch", source="guideline §13",
                                description="Component §13: foreign demand for high-tech everywhere and "
                                "for the tradable sectors of the land-border provinces.")
    hightech_export_share: float = param(
        0.5, unit="domestic value added in high-tech exports / high-tech value added", ge=0.0, le=2.0,
        source="high-tech product exports ≈ 5.4 trillion yuan in 2020 (MOFCOM, RECALLED) × domestic "
        "value-added content ≈ 0.5 (processing trade; OECD TiVA, RECALLED) / high-tech manufacturing "
        "value added ≈ 5 trillion yuan (15% of industrial value added, NBS 2020, RECALLED), rounded",
        description="Foreign demand for high-tech as a share of its 2020 value added.",
    )
    hightech_excess_growth: float = param(
        0.01, unit="per year", ge=0.0, le=0.2, source="assumption",
        description="Growth of that demand due to international cooperation (only the increment enters).",
    )
    border_export_share: float = param(
        0.1, unit="share of 2020 tradable value added", ge=0.0, le=2.0, source="assumption",
        description="Cross-border demand for the land-border provinces' tradable sectors.",
    )
    border_excess_growth: float = param(
        0.02, unit="per year", ge=0.0, le=0.2, source="assumption",
        description="Growth of that demand due to border and cross-border cooperation zones.",
    )
    counterpart_cooperation: bool = param(True, unit="switch", source="guideline §16",
                                          description="Component §16: enterprise and technology links "
                                          "along the counterpart-cooperation pairs (no fiscal aid).")
    programmes: tuple[str, ...] = param(
        tuple(PROGRAMMES), unit="programme names",
        source="links.csv (north-east–east 2017) and sim/data/cooperation_pairs.csv (Three Gorges 1992, "
        "South-to-North water source 2013)",
        description="§16 programmes whose pairs cooperate.",
    )
    enterprise_cost_reduction: float = param(
        0.25, unit="share of a year's value added", ge=0.0, le=5.0,
        source="assumption (equal to the base relocation cost firms.relocation_cost; as in "
        "counterpart_support)",
        description="Fall in the relocation and entry cost between partners (cooperation parks).",
    )
    diffusion_links_per_partner: float = param(
        1.0, unit="catch-up links per partner", ge=0.0, le=5.0, source="assumption",
        description="Pair weight of the north-east–east pairs (cadre exchange and training).",
    )
    area_links_per_partner: float = param(
        0.25, unit="catch-up links per partner", ge=0.0, le=5.0,
        source="assumption (the recipients are a few counties: the Three Gorges reservoir area and the "
        "Danjiangkou water-source area are a small part of their provinces)",
        description="Pair weight of the Three Gorges and water-source pairings.",
    )

    @field_validator("programmes")
    @classmethod
    def _programmes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for p in v:
            if p not in PROGRAMMES:
                raise ValueError(f"unknown programme {p!r} (allowed: {', '.join(PROGRAMMES)})")
        return tuple(dict.fromkeys(v))


class Cooperation(Mechanism):
    """City alliances, basin and border-area cooperation, international demand, §16 pairs."""

    key: ClassVar[str] = "cooperation"
    clauses: ClassVar[str] = "§10–13, §16"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        c = self.config
        ds = model.data
        n = model.n
        links = ds.links
        basin = links.loc[links["kind"] == "eco_compensation_basin", ["from_idx", "to_idx"]].to_numpy(np.int64)
        self.basin_pairs = np.zeros((n, n), dtype=bool)
        self.basin_pairs[basin[:, 0], basin[:, 1]] = True
        self.basin_pairs |= self.basin_pairs.T
        adj = ds.adjacency[["a_idx", "b_idx"]].to_numpy(np.int64)
        self.neighbours = np.zeros((n, n), dtype=bool)
        self.neighbours[adj[:, 0], adj[:, 1]] = True
        self.neighbours |= self.neighbours.T
        np.fill_diagonal(self.basin_pairs, False)
        np.fill_diagonal(self.neighbours, False)
        self.land_border = ds.provinces["land_border"].to_numpy(int) == 1
        # §16 pairs: (programme, from, to).
        rows = [(NE_EAST, int(a), int(b)) for a, b in
                links.loc[links["kind"] == NE_EAST, ["from_idx", "to_idx"]].to_numpy(np.int64)]
        pairs = load_cooperation_pairs(ds)
        rows += [(p, int(a), int(b)) for p, a, b in
                 zip(pairs["programme"], pairs["from_idx"], pairs["to_idx"], strict=True)]
        self.pair_table = pd.DataFrame(rows, columns=["programme", "from_idx", "to_idx"])
        #: enterprise weight (origin × destination) and link weight (partner → province gaining)
        self.enterprise_weight = np.zeros((n, n))
        link_weight = np.zeros((n, n))
        for prog in c.programmes:  # type: ignore[attr-defined]
            symmetric, field = PROGRAMMES[prog]
            w = float(getattr(c, field))
            sub = self.pair_table[self.pair_table["programme"] == prog]
            pw = np.zeros((n, n))
            pw[sub["from_idx"].to_numpy(), sub["to_idx"].to_numpy()] = w  # a pair counts once a programme
            if symmetric:
                pw = np.maximum(pw, pw.T)
            self.enterprise_weight += pw
            link_weight += pw
        self.enterprise_weight = np.minimum(self.enterprise_weight, 1.0)
        link_weight = np.minimum(link_weight, 1.0)
        np.fill_diagonal(self.enterprise_weight, 0.0)
        np.fill_diagonal(link_weight, 0.0)
        #: links each province gains (sum over its partners of the pair weight)
        self.links_per_province = link_weight.sum(axis=0)
        self.ext_ces = np.zeros((n, 3))
        self.unit = np.zeros((n, 3))
        self.hightech_base = np.zeros((n, 3))
        self.border_base = np.zeros((n, 3))
        self.links_now = np.zeros(n)

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        from sim.economy.sectors import CES_SECTORS, HTM

        m = self.model
        self.unit = ces_demand_units(m)
        va = m.equilibrium.value_added[:, CES_SECTORS]
        self.hightech_base = np.zeros_like(va)
        col = int(np.flatnonzero(CES_SECTORS == HTM)[0])
        self.hightech_base[:, col] = va[:, col]
        self.border_base = np.where(self.land_border[:, None], va, 0.0)

    def trade_barrier(self, barrier: np.ndarray) -> np.ndarray:
        dose = self.dose(self.model.year)
        c = self.config
        if dose <= 0.0:
            return barrier
        factor = np.ones_like(np.asarray(barrier, dtype=float))
        if c.basin:  # type: ignore[attr-defined]
            factor[self.basin_pairs] *= max(0.0, 1.0 - dose * c.basin_discount)  # type: ignore[attr-defined]
        if c.border_areas:  # type: ignore[attr-defined]
            factor[self.neighbours] *= max(0.0, 1.0 - dose * c.border_area_discount)  # type: ignore[attr-defined]
        return np.asarray(barrier, dtype=float) * factor

    def external_demand(self, demand: np.ndarray) -> np.ndarray:
        from sim.economy.sectors import CES_SECTORS

        m = self.model
        c = self.config
        self.ext_ces = np.zeros_like(self.unit)
        dose = self.dose(m.year)
        if dose <= 0.0 or not c.international:  # type: ignore[attr-defined]
            return demand
        years = m.year - c.start_year + 1  # type: ignore[attr-defined]
        x = (c.hightech_export_share * excess_growth_factor(c.hightech_excess_growth, years)  # type: ignore[attr-defined]
             * self.hightech_base
             + c.border_export_share * excess_growth_factor(c.border_excess_growth, years)  # type: ignore[attr-defined]
             * self.border_base)
        self.ext_ces = dose * x * self.unit
        out = np.array(demand, dtype=float, copy=True)
        out[:, CES_SECTORS] += self.ext_ces
        return out

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        dose = self.dose(self.model.year)
        if dose <= 0.0 or not self.config.counterpart_cooperation:  # type: ignore[attr-defined]
            return cost
        cut = dose * self.config.enterprise_cost_reduction * self.enterprise_weight  # type: ignore[attr-defined]
        return np.maximum(np.asarray(cost, dtype=float) - cut, np.minimum(cost, 0.0))

    def catch_up_links(self, links: np.ndarray) -> np.ndarray:
        dose = self.dose(self.model.year)
        self.links_now = np.zeros(self.model.n)
        if dose <= 0.0 or not self.config.counterpart_cooperation:  # type: ignore[attr-defined]
            return links
        self.links_now = dose * self.links_per_province
        return links + self.links_now

    def cluster_integration(self, integration: np.ndarray) -> np.ndarray:
        """Cooperation alliances raise every cluster's integration for next year (its dose)."""
        m = self.model
        if m.year >= m.config.end_year or not self.config.alliances:  # type: ignore[attr-defined]
            return integration
        dose = self.dose(m.year + 1)
        if dose <= 0.0:
            return integration
        rate = np.full(integration.size, dose * self.config.alliance_rate)  # type: ignore[attr-defined]
        return integration_step(integration, rate)

    def province_outputs(self) -> dict[str, np.ndarray]:
        dose = self.dose(self.model.year)
        on = dose > 0.0 and self.config.counterpart_cooperation  # type: ignore[attr-defined]
        links = dose * self.links_per_province if on else np.zeros(self.model.n)
        return {"cooperation_links": links,
                "cooperation_external_demand_100m_yuan": ces_demand_value(self.model, self.ext_ces)}


Cooperation.config_class = CooperationConfig
Cooperation.description = ("§10–13 and §16 cooperation: city alliances, basin and border-area trade "
                           "integration, international demand, counterpart cooperation links.")
MECHANISM = Cooperation

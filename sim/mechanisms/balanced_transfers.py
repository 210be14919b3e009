"""The regional balanced transfer system (guideline §24: "increase the intensity of balanced
transfer payments, and control the per capita financial expenditure difference of permanent
residents within a reasonable range … increase transfer payments from the central government to
key ecological functional areas").

Each year, in the fiscal step, after the central transfers and the earlier mechanisms' flows:

1. **Key ecological function areas.** The central government pays

       G_t = dose_t · eco_transfer_share_of_gdp · Σ_i GDP_i,t

   (ledger kind ``eco_function_transfer``, CENTRAL → province), split over the 25 national key
   ecological function areas of the Main Functional Area Plan (``sim/data/balanced_transfers.csv``):
   each area gets an equal part, shared equally among its provinces. Tibet (2 areas), Qinghai
   (1½), Xinjiang (3), Inner Mongolia (3½) and the other members of the list receive it.
2. **Balancing transfer to a floor.** With projected local spending ``S_i`` (the provinces' net
   ledger inflow so far plus borrowing minus interest, exactly what their budgets will spend;
   ``public_services.projected_local_spending``), the floor is a share ``φ`` (``floor_share``) of the
   national mean spending per resident *after* the transfer. The needed transfer ``X`` solves

       X = Σ_i pop_i · max(0, φ (S + X)/P − S_i/pop_i),   S = Σ S_i, P = Σ pop_i,

   a contraction (slope ≤ φ < 1) solved exactly over the set ``B`` of provinces below the floor:
   ``X = (φ S P_B/P − S_B) / (1 − φ P_B/P)``, enlarging ``B`` until it no longer changes. Each
   province below the floor receives ``min(1, dose_t) · (φ (S+X)/P · pop_i − S_i)`` (ledger kind
   ``balanced_transfer``, CENTRAL → province); at full dose every province then spends at least
   ``φ`` times the national mean per resident. Intensity above 1 adds nothing to this part.

The central budget closes after the mechanism flows (``sim.economy.fiscal.close_central_budget``):
it borrows more if needed and its own spending absorbs the rest, so it still balances. Mechanisms
hooked after this one (rights markets with payments between provinces, the §25 borrowing cap)
can move a province slightly off the floor in a full package.

Outputs: province columns ``balanced_transfer_received_100m_yuan``,
``eco_function_transfer_received_100m_yuan``, ``spending_per_resident_rel`` (local spending per
resident / national mean); national ``balanced_transfer_100m_yuan``,
``eco_function_transfer_100m_yuan``, ``spending_pc_max_min`` (highest / lowest spending per resident)
and ``spending_pc_cv`` (population-weighted coefficient of variation).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection
from sim.mechanisms.public_services import projected_local_spending

if TYPE_CHECKING:
    from sim.model import RegionalModel

DATA_FILE = "balanced_transfers.csv"


class BalancedTransfersConfig(MechanismSection):
    """A floor on local spending per resident; transfers to key ecological function areas (§24)."""

    floor_share: float = param(
        0.8, unit="share of the national mean local spending per resident", ge=0.0, le=0.99,
        source="assumption (the guideline's 'reasonable range' is not quantified; in 2020 the lowest "
        "provinces spent ≈ 0.7 of the mean per resident)",
        description="Every province's spending per resident is lifted to at least this share of the "
        "national mean (after the transfer).",
    )
    eco_transfer_share_of_gdp: float = param(
        7.8e-5, unit="share of national GDP", ge=0.0, le=0.01,
        source="MoF: transfers to key ecological function areas 79.45 billion yuan in 2020 (RECALLED) "
        "/ GDP 2020 101.6 trillion yuan",
        description="Central transfers to the key ecological function areas (0 = none).",
    )


def load_eco_areas(path: Path, names: list[str]) -> tuple[list[str], np.ndarray]:
    """The key ecological function areas: (area names, weight of every province, summing to 1:
    an equal part per area, shared equally by its provinces). Raises
    :class:`sim.data.loader.DataError` naming file, line and column."""
    from sim.data import loader

    raw = loader._read_csv(path, ["zone", "provinces", "source", "verified"])
    zones = loader._require_text(raw, "zone")
    loader._check_unique(raw, "zone")
    loader.check_provenance(raw)
    lookup = {name: i for i, name in enumerate(names)}
    weight = np.zeros(len(names))
    for row, cell in enumerate(loader._require_text(raw, "provinces")):
        members = [p.strip() for p in cell.split(";")]
        if any(not p for p in members) or len(set(members)) != len(members):
            raise raw.error(row, "provinces", f"bad list '{cell}'",
                            "distinct province names separated by ';'")
        for p in members:
            if p not in lookup:
                raise raw.error(row, "provinces", f"unknown province '{p}'",
                                loader._allowed_provinces(p, names))
            weight[lookup[p]] += 1.0 / len(members)
    if not zones:
        raise raw.error(None, "zone", "no areas listed", "at least one row")
    return list(zones), weight / weight.sum()


def floor_transfers(spending: np.ndarray, population: np.ndarray, floor: float) -> np.ndarray:
    """Smallest transfers that bring every province's spending per resident to at least
    ``floor`` × the national mean after the transfers (exact; see the module docstring)."""
    pop = np.asarray(population, dtype=float)
    s = np.asarray(spending, dtype=float)
    total_s, total_p = s.sum(), pop.sum()
    spc = s / pop
    below = np.zeros(s.size, dtype=bool)
    x = 0.0
    for step in range(s.size + 1):
        new = below | (spc < floor * (total_s + x) / total_p)
        if step and np.array_equal(new, below):
            break
        below = new
        share = pop[below].sum() / total_p
        x = max(0.0, (floor * total_s * share - s[below].sum()) / (1.0 - floor * share))
    target = floor * (total_s + x) / total_p
    return np.where(below, np.maximum(target * pop - s, 0.0), 0.0)


class BalancedTransfers(Mechanism):
    """Balancing transfers to a floor of spending per resident; ecological-area transfers."""

    key: ClassVar[str] = "balanced_transfers"
    clauses: ClassVar[str] = "§24"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        n = model.n
        self.eco_areas, self.eco_weight = load_eco_areas(model.data.file(DATA_FILE),
                                                         list(model.province_names))
        self.balancing = np.zeros(n)
        self.eco = np.zeros(n)
        self.history: list[dict[str, object]] = []

    # --- hooks -------------------------------------------------------------------------------
    def fiscal(self) -> None:
        m = self.model
        n = m.n
        self.balancing, self.eco = np.zeros(n), np.zeros(n)
        dose = self.dose(m.year)
        if dose == 0.0:
            return
        c = self.config
        led = m.ledger
        idx = np.arange(n)
        eco_total = dose * c.eco_transfer_share_of_gdp * float(m.gdp.sum())  # type: ignore[attr-defined]
        self.eco = eco_total * self.eco_weight
        led.pay("eco_function_transfer", led.CENTRAL, idx, self.eco)
        pop = m.population.astype(float)
        spending = projected_local_spending(m)
        need = floor_transfers(spending, pop, c.floor_share)  # type: ignore[attr-defined]
        self.balancing = min(1.0, dose) * need
        led.pay("balanced_transfer", led.CENTRAL, idx, self.balancing)
        self.history.append({"year": m.year, "dose": dose, "spending_before": spending,
                             "need": need, "balancing": self.balancing.copy(),
                             "eco": self.eco.copy()})

    def province_outputs(self) -> dict[str, np.ndarray]:
        m = self.model
        pop = m.population.astype(float)
        spc = m.local_spending / pop
        return {"balanced_transfer_received_100m_yuan": self.balancing,
                "eco_function_transfer_received_100m_yuan": self.eco,
                "spending_per_resident_rel": spc / (m.local_spending.sum() / pop.sum())}

    def national_outputs(self) -> dict[str, float]:
        m = self.model
        pop = m.population.astype(float)
        spc = m.local_spending / pop
        mean = float((spc * pop).sum() / pop.sum())
        cv = float(np.sqrt((pop * (spc - mean) ** 2).sum() / pop.sum()) / mean)
        return {"balanced_transfer_100m_yuan": float(self.balancing.sum()),
                "eco_function_transfer_100m_yuan": float(self.eco.sum()),
                "spending_pc_max_min": float(spc.max() / spc.min()),
                "spending_pc_cv": cv}


BalancedTransfers.config_class = BalancedTransfersConfig
BalancedTransfers.description = ("§24 balanced transfers: a floor on local spending per resident "
                                 "(share of the national mean) and transfers to key ecological "
                                 "function areas, financed by the central budget.")
MECHANISM = BalancedTransfers

__all__ = ["MECHANISM", "BalancedTransfers", "BalancedTransfersConfig", "floor_transfers",
           "load_eco_areas"]

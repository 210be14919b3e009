"""Helpers shared by the mechanism test modules (tests/test_mech*.py, tests/test_mechanisms.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model import RegionalModel

#: ``mech(model, key)``: the model's mechanism of section ``key``.
mech = RegionalModel.mechanism


def year_rows(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of ``table`` (a province or national table) for ``year``, renumbered."""
    return table[table["year"] == year].reset_index(drop=True)


def net_receipts(model: RegionalModel, year: int, kinds: set[str]) -> np.ndarray:
    """Money received minus paid by each province in ``year`` over the ledger kinds ``kinds``."""
    flows = model.flows_table()
    g = flows[(flows["year"] == year) & flows["kind"].isin(kinds)]
    names = model.province_names
    inflow = g.groupby("to")["amount"].sum().reindex(names, fill_value=0.0)
    outflow = g.groupby("from")["amount"].sum().reindex(names, fill_value=0.0)
    return (inflow - outflow).to_numpy()

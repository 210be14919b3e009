"""Columnar firm state: every firm is a row of numpy arrays (DESIGN §1).

Rows are slots. A firm that exits frees its slot (``alive`` False) and a later entrant reuses it
with a new ``uid``; arrays grow by doubling only when every slot is taken, so the yearly update
allocates no large arrays in the common case. All per-firm work is vectorised; the Mesa ``Firm``
agents (``sim.agents.firm``) are thin views onto these rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.economy.sectors import N_SECTORS


@dataclass
class FirmTable:
    """State of all firms. Units: capital in 100 million yuan (2020 prices); ``log_a`` is log
    firm productivity relative to its province-sector; ``weight`` is the mass of Dixit–Stiglitz
    varieties (economic mass) a representative firm stands for."""

    province: np.ndarray
    sector: np.ndarray
    capital: np.ndarray
    log_a: np.ndarray
    weight: np.ndarray
    age: np.ndarray
    uid: np.ndarray
    alive: np.ndarray
    next_uid: int = 0
    n_provinces: int = 31

    @classmethod
    def empty(cls, capacity: int, n_provinces: int) -> FirmTable:
        return cls(
            province=np.zeros(capacity, dtype=np.int16),
            sector=np.zeros(capacity, dtype=np.int8),
            capital=np.zeros(capacity),
            log_a=np.zeros(capacity),
            weight=np.zeros(capacity),
            age=np.zeros(capacity, dtype=np.int32),
            uid=np.full(capacity, -1, dtype=np.int64),
            alive=np.zeros(capacity, dtype=bool),
            n_provinces=n_provinces,
        )

    @property
    def capacity(self) -> int:
        return self.alive.size

    @property
    def n_alive(self) -> int:
        return int(np.count_nonzero(self.alive))

    @property
    def cell(self) -> np.ndarray:
        """Province-sector cell of each slot: province · N_SECTORS + sector."""
        return self.province.astype(np.int64) * N_SECTORS + self.sector

    def cell_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over alive firms by (province, sector): shape (n_provinces, N_SECTORS)."""
        w = np.where(self.alive, values, 0.0)
        out = np.bincount(self.cell, weights=w, minlength=self.n_provinces * N_SECTORS)
        return out.reshape(self.n_provinces, N_SECTORS)

    def cell_count(self) -> np.ndarray:
        """Number of alive firms by (province, sector)."""
        out = np.bincount(self.cell[self.alive], minlength=self.n_provinces * N_SECTORS)
        return out.reshape(self.n_provinces, N_SECTORS)

    def _grow(self, needed: int) -> None:
        new_cap = max(self.capacity * 2, self.capacity + needed)
        extra = new_cap - self.capacity
        for name, fill in (("province", 0), ("sector", 0), ("capital", 0.0), ("log_a", 0.0),
                           ("weight", 0.0), ("age", 0), ("uid", -1), ("alive", False)):
            arr = getattr(self, name)
            setattr(self, name, np.concatenate([arr, np.full(extra, fill, dtype=arr.dtype)]))

    def add(
        self,
        province: np.ndarray,
        sector: np.ndarray,
        capital: np.ndarray,
        log_a: np.ndarray,
        weight: np.ndarray,
    ) -> np.ndarray:
        """Add firms in free slots (growing the arrays if needed); return their slot indices."""
        n = int(np.size(province))
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        free = np.flatnonzero(~self.alive)
        if free.size < n:
            self._grow(n - free.size)
            free = np.flatnonzero(~self.alive)
        slots = free[:n]
        self.province[slots] = province
        self.sector[slots] = sector
        self.capital[slots] = capital
        self.log_a[slots] = log_a
        self.weight[slots] = weight
        self.age[slots] = 0
        self.uid[slots] = np.arange(self.next_uid, self.next_uid + n)
        self.next_uid += n
        self.alive[slots] = True
        return slots

    def keep_cells_occupied(self, slots: np.ndarray) -> np.ndarray:
        """Subset of ``slots`` that may leave their cell without emptying it: in every
        province-sector cell whose alive firms would all leave, the first of them stays."""
        if slots.size == 0:
            return slots
        cell = self.cell[slots]
        left = self.cell_count().ravel() - np.bincount(cell, minlength=self.n_provinces * N_SECTORS)
        emptied = left[cell] <= 0
        if not emptied.any():
            return slots
        _, first = np.unique(cell[emptied], return_index=True)
        spare = np.zeros(slots.size, dtype=bool)
        spare[np.flatnonzero(emptied)[first]] = True
        return slots[~spare]

    def remove(self, slots: np.ndarray) -> None:
        """Mark firms as exited; their slots become free."""
        self.alive[slots] = False
        self.capital[slots] = 0.0
        self.weight[slots] = 0.0

"""Columnar firm state: every firm is a row of numpy arrays (DESIGN §1).

Rows are slots. A firm that exits frees its slot (``alive`` False) and a later entrant reuses it
with a new ``uid``; arrays grow by doubling only when every slot is taken, so the yearly update
allocates no large arrays in the common case. Two derived columns are cached because the yearly
step needs them many times: ``cell`` (province · 6 + sector) and ``a_pow`` = a_f^(1/α_s), the
factor that turns capital into effective capital. Change a firm's province only through
:meth:`FirmTable.move` and its productivity through :meth:`FirmTable.set_log_a` (or call
:meth:`FirmTable.refresh` after editing the arrays directly). All per-firm work is vectorised; the Mesa ``Firm``
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
    cell_idx: np.ndarray
    a_pow: np.ndarray
    inv_alpha: np.ndarray  # 1/α_s by sector
    next_uid: int = 0
    n_provinces: int = 31

    @classmethod
    def empty(cls, capacity: int, n_provinces: int,
              alpha: np.ndarray | None = None) -> FirmTable:
        inv_alpha = 1.0 / (np.asarray(alpha, dtype=float) if alpha is not None
                           else np.full(N_SECTORS, 0.5))
        return cls(
            province=np.zeros(capacity, dtype=np.int16),
            sector=np.zeros(capacity, dtype=np.int8),
            capital=np.zeros(capacity),
            log_a=np.zeros(capacity),
            weight=np.zeros(capacity),
            age=np.zeros(capacity, dtype=np.int32),
            uid=np.full(capacity, -1, dtype=np.int64),
            alive=np.zeros(capacity, dtype=bool),
            cell_idx=np.zeros(capacity, dtype=np.int64),
            a_pow=np.zeros(capacity),
            inv_alpha=inv_alpha,
            n_provinces=n_provinces,
        )

    def refresh(self) -> None:
        """Recompute the cached columns from province, sector and log_a (one pass)."""
        np.multiply(self.province, N_SECTORS, out=self.cell_idx, dtype=np.int64, casting="unsafe")
        self.cell_idx += self.sector
        np.multiply(self.log_a, self.inv_alpha[self.sector], out=self.a_pow)
        np.exp(self.a_pow, out=self.a_pow)

    def move(self, slots: np.ndarray, dest: np.ndarray) -> None:
        """Move firms to other provinces (keeping everything else)."""
        self.province[slots] = dest
        self.cell_idx[slots] = np.asarray(dest, dtype=np.int64) * N_SECTORS + self.sector[slots]

    def set_log_a(self, slots: np.ndarray, log_a: np.ndarray) -> None:
        """Set log productivity of some firms (keeps ``a_pow`` in step)."""
        self.log_a[slots] = log_a
        self.a_pow[slots] = np.exp(log_a * self.inv_alpha[self.sector[slots]])

    def effective_capital(self) -> np.ndarray:
        """k_f · a_f^(1/α_s) (zero for free slots, whose capital is zero)."""
        return self.capital * self.a_pow

    @property
    def capacity(self) -> int:
        return self.alive.size

    @property
    def n_alive(self) -> int:
        return int(np.count_nonzero(self.alive))

    @property
    def cell(self) -> np.ndarray:
        """Province-sector cell of each slot: province · N_SECTORS + sector (cached)."""
        return self.cell_idx

    def cell_sum(self, values: np.ndarray, masked: bool = True) -> np.ndarray:
        """Sum of ``values`` over alive firms by (province, sector): shape (n_provinces, N_SECTORS).
        ``masked=False`` skips masking free slots, for values that are zero there (capital,
        weight, effective capital)."""
        w = np.where(self.alive, values, 0.0) if masked else values
        out = np.bincount(self.cell_idx, weights=w, minlength=self.n_provinces * N_SECTORS)
        return out.reshape(self.n_provinces, N_SECTORS)

    def cell_count(self) -> np.ndarray:
        """Number of alive firms by (province, sector)."""
        out = np.bincount(self.cell_idx, weights=self.alive, minlength=self.n_provinces * N_SECTORS)
        return out.astype(np.int64).reshape(self.n_provinces, N_SECTORS)

    def _grow(self, needed: int) -> None:
        new_cap = max(self.capacity * 2, self.capacity + needed)
        extra = new_cap - self.capacity
        for name, fill in (("province", 0), ("sector", 0), ("capital", 0.0), ("log_a", 0.0),
                           ("weight", 0.0), ("age", 0), ("uid", -1), ("alive", False),
                           ("cell_idx", 0), ("a_pow", 0.0)):
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
        self.cell_idx[slots] = self.province[slots].astype(np.int64) * N_SECTORS + self.sector[slots]
        self.a_pow[slots] = np.exp(self.log_a[slots] * self.inv_alpha[self.sector[slots]])
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

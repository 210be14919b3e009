"""Columnar firm state: every firm is a row of numpy arrays (DESIGN §1).

Rows are slots. A firm that exits frees its slot (``alive`` False) and a later entrant reuses it
with a new ``uid``; arrays grow by doubling only when every slot is taken, so the yearly update
allocates no large arrays in the common case. Three derived columns are cached because the yearly
step needs them many times: ``cell`` (province · 6 + sector), ``lane_cell`` (the cell plus
``n_cells · (slot mod LANES)``, the bin of the slot in :meth:`FirmTable.cell_sum`) and ``a_pow`` =
a_f^(1/α_s), the factor that turns capital into effective capital; and the number of alive firms
by cell (``alive_by_cell``, :meth:`FirmTable.cell_count`) is kept up to date by the methods that
change it, from the few slots they touch. Change a firm's province only through
:meth:`FirmTable.move`, its productivity through :meth:`FirmTable.set_log_a`, and which slots are
alive only through :meth:`FirmTable.add` and :meth:`FirmTable.remove` (or call
:meth:`FirmTable.refresh` after editing the arrays directly). All per-firm work is vectorised; the
Mesa ``Firm`` agents (``sim.agents.firm``) are thin views onto these rows.

Cell sums are one ``np.bincount`` over the slots. Firms of a cell sit next to each other (they are
built cell by cell), and a bincount whose consecutive items add into the same bin waits for each
addition to finish before the next (a store-to-load dependency): it runs about 2.5 times slower
than on shuffled cells. Consecutive slots are therefore spread over ``LANES`` copies of the cell
bins (``lane_cell``) and the copies summed afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.economy.sectors import N_SECTORS

LANES = 8
"""Copies of the cell bins that consecutive slots are spread over in cell sums (see above)."""


def lane_offsets(start: int, stop: int, n_cells: int) -> np.ndarray:
    """``n_cells · (slot mod LANES)`` for the slots ``start … stop − 1``."""
    return (np.arange(start, stop, dtype=np.int64) % LANES) * n_cells


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
    lane_cell: np.ndarray | None = None  # cell + n_cells · (slot mod LANES); made if None
    alive_by_cell: np.ndarray | None = None  # alive firms by flat cell; counted if None

    def __post_init__(self) -> None:
        if self.lane_cell is None or self.lane_cell.shape != self.cell_idx.shape:
            self.lane_cell = self.cell_idx + lane_offsets(0, self.cell_idx.size, self.n_cells)
        if self.alive_by_cell is None:
            self.alive_by_cell = self._count_alive()

    def _count_alive(self) -> np.ndarray:
        """Alive firms by flat cell, counted over all slots."""
        return self._lane_sum(self.alive).ravel().astype(np.int64)

    def _alive_by_cell_of(self, slots: np.ndarray) -> np.ndarray:
        """Alive firms among ``slots`` (distinct) by flat cell."""
        live = slots[self.alive[slots]]
        return np.bincount(self.cell_idx[live], minlength=self.n_cells)

    @property
    def n_cells(self) -> int:
        """Number of province-sector cells."""
        return self.n_provinces * N_SECTORS

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
        self.lane_cell = self.cell_idx + lane_offsets(0, self.capacity, self.n_cells)
        self.alive_by_cell = self._count_alive()
        np.multiply(self.log_a, self.inv_alpha[self.sector], out=self.a_pow)
        np.exp(self.a_pow, out=self.a_pow)

    def move(self, slots: np.ndarray, dest: np.ndarray) -> None:
        """Move firms to other provinces (keeping everything else)."""
        idx = np.asarray(slots)
        idx = np.flatnonzero(idx) if idx.dtype == bool else idx.astype(np.int64, copy=False)
        touched = _distinct(idx)
        self.alive_by_cell -= self._alive_by_cell_of(touched)
        self.province[idx] = dest
        cell = np.asarray(dest, dtype=np.int64) * N_SECTORS + self.sector[idx]
        self.cell_idx[idx] = cell
        self.lane_cell[idx] = cell + (idx % LANES) * self.n_cells
        self.alive_by_cell += self._alive_by_cell_of(touched)

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

    def _lane_sum(self, weights: np.ndarray) -> np.ndarray:
        """Sum of ``weights`` (one per slot) by cell, (n_provinces, N_SECTORS), via the lanes."""
        n_cells = self.n_cells
        lanes = np.bincount(self.lane_cell, weights=weights, minlength=LANES * n_cells)
        return lanes.reshape(LANES, n_cells).sum(axis=0).reshape(self.n_provinces, N_SECTORS)

    def cell_sum(self, values: np.ndarray, masked: bool = True) -> np.ndarray:
        """Sum of ``values`` over alive firms by (province, sector): shape (n_provinces, N_SECTORS).
        ``masked=False`` skips masking free slots, for values that are zero there (capital,
        weight, effective capital)."""
        return self._lane_sum(np.where(self.alive, values, 0.0) if masked else values)

    def cell_count(self) -> np.ndarray:
        """Number of alive firms by (province, sector) (kept up to date, not counted)."""
        return self.alive_by_cell.reshape(self.n_provinces, N_SECTORS).copy()

    def _grow(self, needed: int) -> None:
        new_cap = max(self.capacity * 2, self.capacity + needed)
        extra = new_cap - self.capacity
        for name, fill in (("province", 0), ("sector", 0), ("capital", 0.0), ("log_a", 0.0),
                           ("weight", 0.0), ("age", 0), ("uid", -1), ("alive", False),
                           ("cell_idx", 0), ("a_pow", 0.0)):
            arr = getattr(self, name)
            setattr(self, name, np.concatenate([arr, np.full(extra, fill, dtype=arr.dtype)]))
        self.lane_cell = np.concatenate(
            [self.lane_cell, lane_offsets(new_cap - extra, new_cap, self.n_cells)])

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
        cell = self.province[slots].astype(np.int64) * N_SECTORS + self.sector[slots]
        self.cell_idx[slots] = cell
        self.lane_cell[slots] = cell + (slots % LANES) * self.n_cells
        self.a_pow[slots] = np.exp(self.log_a[slots] * self.inv_alpha[self.sector[slots]])
        self.weight[slots] = weight
        self.age[slots] = 0
        self.uid[slots] = np.arange(self.next_uid, self.next_uid + n)
        self.next_uid += n
        self.alive[slots] = True
        self.alive_by_cell += np.bincount(cell, minlength=self.n_cells)
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
        self.alive_by_cell -= self._alive_by_cell_of(_distinct(slots))
        self.alive[slots] = False
        self.capital[slots] = 0.0
        self.weight[slots] = 0.0


def _distinct(slots: np.ndarray) -> np.ndarray:
    """``slots`` (indices or a boolean mask) as distinct slot indices; index arrays that are
    already increasing (``np.flatnonzero`` gives such) are not sorted again."""
    idx = np.asarray(slots)
    if idx.dtype == bool:
        return np.flatnonzero(idx)
    idx = idx.astype(np.int64, copy=False).ravel()
    if idx.size > 1 and not np.all(idx[1:] > idx[:-1]):
        idx = np.unique(idx)
    return idx

"""The money ledger: every flow has a payer and a receiver (DESIGN §2.4; Engineering standards).

Accounts are the provinces' governments (0 … n−1), the central government (``CENTRAL``) and the
private sector outside government (``PRIVATE``: households and firms as tax payers, bond holders
and recipients of public spending). A flow is recorded once, from payer to receiver; balances are
derived, so money cannot be created or lost by bookkeeping. Amounts in 100 million yuan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Ledger:
    """Flows of one year."""

    n_provinces: int
    kinds: list[str] = field(default_factory=list)
    payers: list[np.ndarray] = field(default_factory=list)
    receivers: list[np.ndarray] = field(default_factory=list)
    amounts: list[np.ndarray] = field(default_factory=list)

    @property
    def CENTRAL(self) -> int:  # noqa: N802 - account constant
        return self.n_provinces

    @property
    def PRIVATE(self) -> int:  # noqa: N802 - account constant
        return self.n_provinces + 1

    def pay(self, kind: str, payer: np.ndarray | int, receiver: np.ndarray | int,
            amount: np.ndarray | float) -> None:
        """Record flows ``payer → receiver`` (broadcast); negative amounts are not allowed."""
        amount = np.atleast_1d(np.asarray(amount, dtype=float))
        payer = np.broadcast_to(np.asarray(payer, dtype=np.int64), amount.shape).copy()
        receiver = np.broadcast_to(np.asarray(receiver, dtype=np.int64), amount.shape).copy()
        if np.any(amount < 0) or not np.all(np.isfinite(amount)):
            raise ValueError(f"ledger flow {kind!r} has a negative or non-finite amount")
        self.kinds.append(kind)
        self.payers.append(payer)
        self.receivers.append(receiver)
        self.amounts.append(amount)

    def net(self, kinds: set[str] | None = None) -> np.ndarray:
        """Net inflow of every account (n + 2), optionally over some kinds only."""
        out = np.zeros(self.n_provinces + 2)
        for k, p, r, a in zip(self.kinds, self.payers, self.receivers, self.amounts, strict=True):
            if kinds is not None and k not in kinds:
                continue
            out += np.bincount(r, weights=a, minlength=out.size)
            out -= np.bincount(p, weights=a, minlength=out.size)
        return out

    def received(self, kind: str) -> np.ndarray:
        """What each account received through flows of ``kind``."""
        out = np.zeros(self.n_provinces + 2)
        for k, r, a in zip(self.kinds, self.receivers, self.amounts, strict=True):
            if k == kind:
                out += np.bincount(r, weights=a, minlength=out.size)
        return out

    def paid(self, kind: str) -> np.ndarray:
        """What each account paid through flows of ``kind``."""
        out = np.zeros(self.n_provinces + 2)
        for k, p, a in zip(self.kinds, self.payers, self.amounts, strict=True):
            if k == kind:
                out += np.bincount(p, weights=a, minlength=out.size)
        return out

    def total(self, kind: str) -> float:
        return float(sum(a.sum() for k, a in zip(self.kinds, self.amounts, strict=True) if k == kind))

    def frame(self, year: int, names: list[str]) -> pd.DataFrame:
        """Tidy table of the year's flows between named accounts (zero flows dropped)."""
        labels = np.array([*names, "central", "private"])
        if not self.amounts:
            return pd.DataFrame(columns=["year", "kind", "from", "to", "amount_100m_yuan"])
        kinds = np.concatenate([np.full(a.size, k) for k, a in zip(self.kinds, self.amounts, strict=True)])
        p = np.concatenate(self.payers)
        r = np.concatenate(self.receivers)
        a = np.concatenate(self.amounts)
        keep = a > 0
        return pd.DataFrame({
            "year": year, "kind": kinds[keep], "from": labels[p[keep]], "to": labels[r[keep]],
            "amount_100m_yuan": a[keep],
        })

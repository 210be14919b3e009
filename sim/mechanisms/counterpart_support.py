"""East–west pairing and counterpart support (guideline §14 east–west poverty-alleviation
cooperation, §15 counterpart support to Tibet, Xinjiang and Qinghai).

Along the real pairings of ``sim/data/links.csv`` (from = donor, to = recipient):

* **Fiscal aid.** Every donor gives, in each programme it belongs to, a share of its *previous
  year's* own (local general budget) revenue ``R_{d,t−1}``:

      paid_d,t = dose_t · share_programme · R_{d,t−1}

  split equally among the donor's rows of that programme (a donor paired with three recipients
  gives one share, a third to each; a donor on two rows towards the same recipient gives that
  recipient the whole share). Shares: Tibet ≥ 1‰ (the published floor,
  ``counterpart_support_tibet_floor`` in national.csv), Xinjiang 3–6‰ (midpoint 4.5‰,
  ``counterpart_support_xinjiang_share``), Qinghai 1‰ (assumption: the Tibet floor by analogy),
  east–west pairing 4‰ (the eastern provinces' fiscal aid of ≈ 22.9 billion yuan in 2019 over
  their own revenue of ≈ 5.6 trillion yuan). Flows are ledger payments donor → recipient of kinds
  ``east_west_pairing`` and ``counterpart_support``; since local spending balances each budget,
  they lower the donor's and raise the recipient's public spending and services.
* **Enterprise aid** (§14 "enterprise cooperation", §15): the cost for a firm to relocate or enter
  from a donor into its recipient falls by ``dose · enterprise_cost_reduction`` years of value
  added (floored at zero).
* **Technology diffusion** (§14 exchange of cadres and technical personnel): every recipient gets
  ``dose · diffusion_links_per_donor`` catch-up links per distinct donor (all programmes
  together; optionally capped at ``max_links_per_recipient``), raising its TFP catch-up speed by
  ``technology.link_diffusion_bonus`` per link.

The dose is ``intensity`` (× the phase-in ramp); it multiplies the shares. The previous year's
revenue is tracked every year (also while the mechanism is off), starting from the 2020 data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config.params import param
from sim.mechanisms.base import Mechanism, MechanismSection

if TYPE_CHECKING:
    from sim.model import RegionalModel

#: links.csv kind → (ledger kind, config field with the share)
PROGRAMMES: dict[str, tuple[str, str]] = {
    "east_west_poverty_cooperation_2016": ("east_west_pairing", "pairing_share"),
    "counterpart_support_tibet": ("counterpart_support", "tibet_share"),
    "counterpart_support_xinjiang": ("counterpart_support", "xinjiang_share"),
    "counterpart_support_qinghai": ("counterpart_support", "qinghai_share"),
}
SHARE_UNIT = "share of the donor's previous-year own revenue"


class CounterpartSupportConfig(MechanismSection):
    """East–west pairing and counterpart support along the real pairings (guideline §14–15)."""

    tibet_share: float | None = param(
        None, unit=SHARE_UNIT, ge=0.0, le=0.05,
        source="national.csv counterpart_support_tibet_floor: at least 1‰ (published rule, RECALLED); "
        "empty = that floor",
        description="Each donor's aid to Tibet.",
    )
    xinjiang_share: float | None = param(
        None, unit=SHARE_UNIT, ge=0.0, le=0.05,
        source="national.csv counterpart_support_xinjiang_share: 3–6‰ (2010 work conference, "
        "RECALLED); empty = the midpoint 4.5‰",
        description="Each donor's aid to Xinjiang.",
    )
    qinghai_share: float = param(
        0.001, unit=SHARE_UNIT, ge=0.0, le=0.05,
        source="assumption (no published share; the Tibet floor of 1‰ by analogy)",
        description="Each donor's aid to the Tibetan prefectures of Qinghai.",
    )
    pairing_share: float = param(
        0.004, unit=SHARE_UNIT, ge=0.0, le=0.05,
        source="assumption ≈ 4‰: eastern fiscal aid 22.9 billion yuan in 2019 (State Council Leading "
        "Group Office of Poverty Alleviation via CCTV, 2019-12-22) / the 9 eastern donors' own revenue "
        "≈ 5.6 trillion yuan",
        description="Each donor's aid under east–west poverty-alleviation cooperation (2016 pairings).",
    )
    enterprise_cost_reduction: float = param(
        0.25, unit="share of a year's value added", ge=0.0, le=5.0,
        source="assumption (equal to the base relocation cost firms.relocation_cost)",
        description="Fall in the relocation and entry cost from a donor into its recipient "
        "(enterprise cooperation, parks).",
    )
    diffusion_links_per_donor: float = param(
        1.0, unit="catch-up links per distinct donor", ge=0.0, le=5.0, source="assumption",
        description="Technology-diffusion links each recipient gets per donor.",
    )
    max_links_per_recipient: float | None = param(
        None, unit="catch-up links", ge=0.0, le=100.0, source="assumption",
        description="Cap on a recipient's diffusion links (Xinjiang has 18 distinct donors, Tibet 17); empty "
        "= no cap.",
    )


class CounterpartSupport(Mechanism):
    """Fiscal, enterprise and technology flows along the east–west and counterpart pairings."""

    key: ClassVar[str] = "counterpart_support"
    clauses: ClassVar[str] = "§14, §15"

    def __init__(self, model: RegionalModel, config: object) -> None:
        super().__init__(model, config)
        ds = model.data
        n = model.n
        self.last_revenue = ds.provinces["fiscal_revenue2020_100m_yuan"].to_numpy(float).copy()
        # One entry per (programme, donor, recipient): weight = rows of the pair / rows of the donor.
        self.programmes: list[tuple[str, str, float, np.ndarray, np.ndarray, np.ndarray]] = []
        links = ds.links
        pairs: set[tuple[int, int]] = set()
        for kind, (ledger_kind, field) in PROGRAMMES.items():
            rows = links.loc[links["kind"] == kind, ["from_idx", "to_idx"]].to_numpy(np.int64)
            rows = rows[rows[:, 0] != rows[:, 1]]
            if rows.size == 0:
                continue
            per_donor = np.bincount(rows[:, 0], minlength=n)
            key = rows[:, 0] * n + rows[:, 1]
            uniq, count = np.unique(key, return_counts=True)
            donor, recipient = uniq // n, uniq % n
            weight = count / per_donor[donor]
            self.programmes.append((kind, ledger_kind, self._share(field), donor, recipient, weight))
            pairs.update(zip(donor.tolist(), recipient.tolist(), strict=True))
        pair_arr = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        self.pair_donor, self.pair_recipient = pair_arr[:, 0], pair_arr[:, 1]
        #: distinct donors of each province (all programmes together)
        self.donors_per_recipient = np.bincount(self.pair_recipient, minlength=n).astype(float)
        self.paid = np.zeros(n)
        self.received = np.zeros(n)
        self.history: list[dict[str, object]] = []

    def _share(self, field: str) -> float:
        value = getattr(self.config, field)
        if value is not None:
            return float(value)
        ds = self.model.data
        if field == "tibet_share":
            return ds.national_value("counterpart_support_tibet_floor")
        if field == "xinjiang_share":
            lo, hi = ds.national_range("counterpart_support_xinjiang_share")
            return 0.5 * (lo + hi)
        raise ValueError(f"no data default for {field}")  # pragma: no cover

    def shares(self) -> dict[str, float]:
        """Resolved share of each programme (before the dose)."""
        return {kind: share for kind, _, share, *_ in self.programmes}

    # --- hooks -------------------------------------------------------------------------------
    def setup(self) -> None:
        self.last_revenue = self.model.data.provinces["fiscal_revenue2020_100m_yuan"].to_numpy(float).copy()

    def fiscal(self) -> None:
        m = self.model
        n = m.n
        self.paid, self.received = np.zeros(n), np.zeros(n)
        if not self.active(m.year):
            return
        dose = self.dose(m.year)
        record: dict[str, object] = {"year": m.year, "dose": dose,
                                     "last_revenue": self.last_revenue.copy(), "flows": []}
        for kind, ledger_kind, share, donor, recipient, weight in self.programmes:
            amount = dose * share * self.last_revenue[donor] * weight
            m.ledger.pay(ledger_kind, donor, recipient, amount)
            self.paid += np.bincount(donor, weights=amount, minlength=n)
            self.received += np.bincount(recipient, weights=amount, minlength=n)
            record["flows"].append((kind, ledger_kind, donor, recipient, amount))  # type: ignore[union-attr]
        record["paid"], record["received"] = self.paid.copy(), self.received.copy()
        self.history.append(record)

    def relocation_cost(self, cost: np.ndarray) -> np.ndarray:
        year = self.model.year
        if not self.active(year) or self.pair_donor.size == 0:
            return cost
        cut = self.dose(year) * self.config.enterprise_cost_reduction  # type: ignore[attr-defined]
        out = np.array(cost, dtype=float, copy=True)
        d, r = self.pair_donor, self.pair_recipient
        out[..., d, r] = np.maximum(out[..., d, r] - cut, 0.0)
        return out

    def catch_up_links(self, links: np.ndarray) -> np.ndarray:
        year = self.model.year
        if not self.active(year):
            return links
        c = self.config
        extra = c.diffusion_links_per_donor * self.donors_per_recipient  # type: ignore[attr-defined]
        if c.max_links_per_recipient is not None:  # type: ignore[attr-defined]
            extra = np.minimum(extra, c.max_links_per_recipient)  # type: ignore[attr-defined]
        return links + self.dose(year) * extra

    def after_step(self) -> None:
        own = getattr(self.model, "own_revenue", None)
        if own is not None:
            self.last_revenue = np.asarray(own, dtype=float).copy()

    def province_outputs(self) -> dict[str, np.ndarray]:
        return {"counterpart_paid_100m_yuan": self.paid, "counterpart_received_100m_yuan": self.received}


CounterpartSupport.config_class = CounterpartSupportConfig
CounterpartSupport.description = '§14–15 east–west pairing and counterpart support: fiscal aid, enterprise aid and technology diffusion along the real pairings.'
MECHANISM = CounterpartSupport

"""Regional differentiation (inequality) measures over provinces.

All functions are pure and vectorised over 1-D numpy arrays indexed by province.

Conventions
-----------
* ``x`` is a per-capita value (e.g. GDP per capita); it must be finite and >= 0.
* ``total`` is a regional aggregate (e.g. GDP, public-service spending, consumption);
  it must be finite and >= 0. The per-capita value is ``x = total / pop``.
* ``pop`` holds population weights. They need not be normalised (only the shares
  ``p_i = pop_i / sum(pop)`` matter) but must be finite and strictly positive.
* Shares of the aggregate are ``s_i = total_i / sum(total)``, so ``s_i / p_i = x_i / x_bar``
  with ``x_bar = sum(p_i x_i)`` the population-weighted mean.

Edge cases (handled explicitly, never by a numpy warning)
---------------------------------------------------------
* Mismatched lengths, empty arrays, non-1-D input, NaN/inf, negative values or
  non-positive populations raise :class:`ValueError` with a message naming the argument.
* A region with zero total (``s_i = 0``) contributes ``0`` to Theil T
  (limit ``s ln s -> 0``), but makes Theil L ``+inf`` (``p_i ln(p_i / 0)``) and
  ``max_min_ratio`` ``+inf``.
* All-equal per-capita values, *including all zeros*, mean no inequality: every
  inequality measure returns ``0.0`` and the ratios return ``1.0``. (With all-zero values
  the measures are 0/0 mathematically; we define them by this "all equal" convention so
  that a model year with a zero aggregate does not crash.)
* ``north_south_ratio`` returns ``+inf`` if the North's per-capita level is 0 but the
  South's is positive (both zero -> ``1.0``), and raises if either side has no province.

References
----------
* Williamson, J. G. (1965). Regional inequality and the process of national development:
  a description of the patterns. *Economic Development and Cultural Change* 13(4), 1-84.
* Theil, H. (1967). *Economics and Information Theory*. North-Holland.
* Shorrocks, A. F. (1980). The class of additively decomposable inequality measures.
  *Econometrica* 48(3), 613-625.
* Akita, T. (2003). Decomposing regional income inequality in China and Indonesia using
  two-stage nested Theil decomposition method. *Annals of Regional Science* 37, 55-77.
* Lerman, R. I. & Yitzhaki, S. (1989). Improving the accuracy of estimates of Gini
  coefficients. *Journal of Econometrics* 42(1), 43-47 (weighted Gini by sorting).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "TheilSplit",
    "cv",
    "differentiation",
    "gini",
    "max_min_ratio",
    "north_south_ratio",
    "theil_l",
    "theil_t",
    "theil_t_decomposition",
    "williamson",
]

FloatArray = NDArray[np.float64]


class TheilSplit(NamedTuple):
    """Between/within decomposition of the Theil T index: ``total == between + within``."""

    total: float
    between: float
    within: float


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------


def _values(a: ArrayLike, name: str) -> FloatArray:
    """Return ``a`` as a finite, non-negative, non-empty 1-D float array."""
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array over provinces, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (got min {arr.min()!r})")
    return arr


def _weights(pop: ArrayLike, n: int, name: str = "pop") -> FloatArray:
    """Return population *shares* ``p`` (summing to 1) after validating ``pop``."""
    arr = np.asarray(pop, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array over provinces, got shape {arr.shape}")
    if arr.size != n:
        raise ValueError(f"length mismatch: {name} has {arr.size} entries but expected {n}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be strictly positive (got min {arr.min()!r})")
    return arr / arr.sum()


def _labels(a: ArrayLike, n: int, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array over provinces, got shape {arr.shape}")
    if arr.size != n:
        raise ValueError(f"length mismatch: {name} has {arr.size} entries but expected {n}")
    return arr


def _mask(a: ArrayLike, n: int, name: str) -> NDArray[np.bool_]:
    """Validate a boolean mask (bool dtype, or numbers that are all 0/1)."""
    arr = _labels(a, n, name)
    if arr.dtype == np.bool_:
        return arr
    if np.issubdtype(arr.dtype, np.number) and np.all((arr == 0) | (arr == 1)):
        return arr.astype(bool)
    raise ValueError(f"{name} must be a boolean mask (True/False or 0/1), got dtype {arr.dtype}")


def _all_equal(x: FloatArray) -> bool:
    return bool(x.max() == x.min())


def _theil_t_shares(s: FloatArray, p: FloatArray) -> float:
    """``sum s_i ln(s_i / p_i)`` with ``0 ln 0 = 0``; ``s``, ``p`` each sum to 1, ``p > 0``."""
    pos = s > 0
    return float(np.sum(s[pos] * np.log(s[pos] / p[pos])))


def _shares(total: FloatArray, p: FloatArray) -> FloatArray | None:
    """Shares of the aggregate, or ``None`` if per-capita values are all equal.

    ``None`` covers an aggregate that is zero everywhere as well as ``total`` exactly
    proportional to ``p`` (all measures are then 0 by definition, returned exactly rather
    than as a rounding residue such as 1e-17).
    """
    t = total.sum()
    if t == 0:
        return None
    s = total / t
    if _all_equal(s / p):
        return None
    return s


# ---------------------------------------------------------------------------
# the measures on validated arrays (``xa``/``ta`` from _values, ``p`` population shares)
# ---------------------------------------------------------------------------


def _cv(xa: FloatArray) -> float:
    if _all_equal(xa):
        return 0.0
    return float(xa.std(ddof=0) / xa.mean())


def _williamson(xa: FloatArray, p: FloatArray) -> float:
    if _all_equal(xa):
        return 0.0
    xbar = float(np.dot(p, xa))
    return float(np.sqrt(np.dot(p, (xa - xbar) ** 2)) / xbar)


def _gini(xa: FloatArray, p: FloatArray) -> float:
    if _all_equal(xa):
        return 0.0
    order = np.argsort(xa, kind="stable")
    xs, ps = xa[order], p[order]
    cum = np.cumsum(ps)
    before = cum - ps  # P_<i
    after = 1.0 - cum  # P_>i
    xbar = float(np.dot(ps, xs))
    return float(np.dot(ps * xs, before - after) / xbar)


def _max_min(xa: FloatArray) -> float:
    if _all_equal(xa):
        return 1.0
    lo = xa.min()
    if lo == 0:
        return float("inf")
    return float(xa.max() / lo)


def _theil_t(s: FloatArray | None, p: FloatArray) -> float:
    if s is None:
        return 0.0
    return max(_theil_t_shares(s, p), 0.0)


def _theil_l(s: FloatArray | None, p: FloatArray) -> float:
    if s is None:
        return 0.0
    if np.any(s == 0):
        return float("inf")
    return max(float(np.sum(p * np.log(p / s))), 0.0)


def _theil_split(s: FloatArray | None, p: FloatArray, inv: np.ndarray) -> TheilSplit:
    """Theil T decomposition from shares; ``inv`` numbers the groups 0, 1, … by region."""
    if s is None:
        return TheilSplit(0.0, 0.0, 0.0)
    n_groups = int(inv.max()) + 1
    S = np.bincount(inv, weights=s, minlength=n_groups)
    P = np.bincount(inv, weights=p, minlength=n_groups)
    between = _theil_t_shares(S, P)
    # sum_g S_g T_g = sum_i s_i ln((s_i/S_g)/(p_i/P_g)), over regions with s_i > 0
    pos = s > 0
    within = float(np.sum(s[pos] * np.log((s[pos] / S[inv][pos]) / (p[pos] / P[inv][pos]))))
    between = max(between, 0.0)
    within = max(within, 0.0)
    return TheilSplit(between + within, between, within)


def _north_south(ta: FloatArray, pa: FloatArray, north: NDArray[np.bool_]) -> float:
    if north.all() or not north.any():
        raise ValueError("is_north must mark at least one northern and one southern province")
    south = ~north
    north_pc = ta[north].sum() / pa[north].sum()
    south_pc = ta[south].sum() / pa[south].sum()
    if north_pc == 0:
        return 1.0 if south_pc == 0 else float("inf")
    return float(south_pc / north_pc)


def _group_index(groups: np.ndarray) -> np.ndarray:
    _, inv = np.unique(groups, return_inverse=True)
    return inv.ravel()


# ---------------------------------------------------------------------------
# measures on per-capita values
# ---------------------------------------------------------------------------


def cv(x: ArrayLike) -> float:
    """Unweighted coefficient of variation.

    ``CV = sigma / mu`` with ``mu = (1/n) sum x_i`` and the *population* standard deviation
    ``sigma = sqrt((1/n) sum (x_i - mu)^2)`` (ddof = 0). Each province counts once.
    All-equal values (including all zeros) give 0.
    """
    return _cv(_values(x, "x"))


def williamson(x: ArrayLike, pop: ArrayLike) -> float:
    """Population-weighted coefficient of variation (Williamson 1965).

    ``V_w = sqrt(sum_i p_i (x_i - x_bar)^2) / x_bar`` with population shares
    ``p_i = pop_i / sum(pop)`` and weighted mean ``x_bar = sum_i p_i x_i``.
    All-equal values (including all zeros) give 0.
    """
    xa = _values(x, "x")
    return _williamson(xa, _weights(pop, xa.size))


def gini(x: ArrayLike, pop: ArrayLike) -> float:
    """Population-weighted Gini coefficient of per-capita values ``x``.

    Definition: ``G = sum_i sum_j p_i p_j |x_i - x_j| / (2 x_bar)``, with population shares
    ``p`` and ``x_bar = sum_i p_i x_i``. Computed exactly in O(n log n) by sorting ``x``
    ascending: ``sum_i sum_j p_i p_j |x_i - x_j| = 2 sum_i p_i x_i (P_<i - P_>i)``, where
    ``P_<i`` / ``P_>i`` is the population share strictly before / after position ``i``
    (exact also with ties, since tied pairs contribute 0 either way); hence
    ``G = sum_i p_i x_i (P_<i - P_>i) / x_bar``. Lies in ``[0, 1 - min p_i]``.
    All-equal values (including all zeros) give 0.
    """
    xa = _values(x, "x")
    return _gini(xa, _weights(pop, xa.size))


def max_min_ratio(x: ArrayLike) -> float:
    """Range ratio ``max_i x_i / min_i x_i``.

    Returns 1.0 if all values are equal (including all zeros) and ``+inf`` if the minimum
    is 0 while the maximum is positive.
    """
    return _max_min(_values(x, "x"))


# ---------------------------------------------------------------------------
# measures on aggregates + populations
# ---------------------------------------------------------------------------


def theil_t(total: ArrayLike, pop: ArrayLike) -> float:
    """Population-weighted Theil T index (GE(1); Theil 1967).

    ``T = sum_i s_i ln(s_i / p_i)`` with ``s_i = total_i / sum(total)`` (e.g. GDP share) and
    ``p_i = pop_i / sum(pop)``; equivalently ``sum_i s_i ln(x_i / x_bar)`` for per-capita
    ``x = total / pop``. A region with ``total_i = 0`` contributes 0 (``s ln s -> 0``).
    All-zero totals are treated as all-equal per-capita values: 0.
    """
    ta = _values(total, "total")
    p = _weights(pop, ta.size)
    return _theil_t(_shares(ta, p), p)


def theil_l(total: ArrayLike, pop: ArrayLike) -> float:
    """Population-weighted Theil L index (mean log deviation, GE(0); Theil 1967).

    ``L = sum_i p_i ln(p_i / s_i)`` with ``s``, ``p`` as in :func:`theil_t`; equivalently
    ``sum_i p_i ln(x_bar / x_i)``. If some region has ``total_i = 0`` while others are
    positive, ``L = +inf`` (the log deviation of a zero income is unbounded).
    All-zero totals are treated as all-equal per-capita values: 0.
    """
    ta = _values(total, "total")
    p = _weights(pop, ta.size)
    return _theil_l(_shares(ta, p), p)


def theil_t_decomposition(total: ArrayLike, pop: ArrayLike, groups: ArrayLike) -> TheilSplit:
    """Between/within-group decomposition of Theil T (Shorrocks 1980; Akita 2003).

    For groups ``g`` (e.g. the four plates East/Central/West/Northeast) with aggregate share
    ``S_g = sum_{i in g} s_i`` and population share ``P_g = sum_{i in g} p_i``:

    * ``between = sum_g S_g ln(S_g / P_g)`` (Theil T of the group aggregates),
    * ``within  = sum_g S_g T_g`` with ``T_g = sum_{i in g} (s_i/S_g) ln((s_i/S_g)/(p_i/P_g))``
      the Theil T inside group ``g``,

    and ``total = between + within`` exactly in real arithmetic (to floating precision here;
    ``total`` is returned as ``between + within``). Groups with ``S_g = 0`` contribute 0.
    ``groups`` is any 1-D array of hashable labels, aligned with ``total``.
    """
    ta = _values(total, "total")
    p = _weights(pop, ta.size)
    g = _labels(groups, ta.size, "groups")
    s = _shares(ta, p)
    if s is None:
        return TheilSplit(0.0, 0.0, 0.0)
    return _theil_split(s, p, _group_index(g))


def north_south_ratio(total: ArrayLike, pop: ArrayLike, is_north: ArrayLike) -> float:
    """Per-capita level of the South relative to the North.

    ``R = (sum_{south} total_i / sum_{south} pop_i) / (sum_{north} total_i / sum_{north} pop_i)``.
    ``R < 1`` means the South is poorer per head. ``is_north`` is a boolean mask (or 0/1).
    Raises if North or South is empty; returns ``+inf`` if the North's level is 0 and the
    South's positive, and 1.0 if both are 0.
    """
    ta = _values(total, "total")
    _weights(pop, ta.size)  # validation only
    pa = np.asarray(pop, dtype=np.float64)
    return _north_south(ta, pa, _mask(is_north, ta.size, "is_north"))


def differentiation(
    total: ArrayLike,
    pop: ArrayLike,
    plates: ArrayLike,
    is_north: ArrayLike,
    prefix: str = "",
) -> dict[str, float]:
    """All differentiation measures of the per-capita value ``x = total / pop``.

    Returns a dict with keys (each prefixed by ``prefix``, e.g. ``"ps_"``):
    ``cv`` (:func:`cv` of x), ``williamson``, ``theil_t``, ``theil_between`` and
    ``theil_within`` (decomposition over ``plates``), ``theil_l``, ``gini``, ``max_min``
    (:func:`max_min_ratio` of x) and ``north_south`` (:func:`north_south_ratio`).
    The model calls this every year for GDP, public services and consumption, so the inputs
    are validated once and the shares computed once (same values as the single functions).
    """
    ta = _values(total, "total")
    pa = np.asarray(pop, dtype=np.float64)
    p = _weights(pa, ta.size)  # validates shape, length, positivity
    groups = _labels(plates, ta.size, "plates")
    north = _mask(is_north, ta.size, "is_north")
    x = _values(ta / pa, "x")
    s = _shares(ta, p)
    split = _theil_split(s, p, _group_index(groups))
    out = {
        "cv": _cv(x),
        "williamson": _williamson(x, p),
        "theil_t": split.total,
        "theil_between": split.between,
        "theil_within": split.within,
        "theil_l": _theil_l(s, p),
        "gini": _gini(x, p),
        "max_min": _max_min(x),
        "north_south": _north_south(ta, pa, north),
    }
    return {f"{prefix}{k}": float(v) for k, v in out.items()}

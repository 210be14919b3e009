"""Tests for sim.metrics: hand-computed fixtures, identities, invariances, 2020 data."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# `make install` installs the package (editable); a venv with the dependencies only does not,
# and pytest's default import mode puts tests/, not the checkout, on sys.path.
if importlib.util.find_spec("sim") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim import metrics as m  # noqa: E402
from sim.metrics import (  # noqa: E402
    TheilSplit,
    cv,
    differentiation,
    gini,
    max_min_ratio,
    north_south_ratio,
    theil_l,
    theil_t,
    theil_t_decomposition,
    williamson,
)

KEYS = [
    "cv",
    "williamson",
    "theil_t",
    "theil_between",
    "theil_within",
    "theil_l",
    "gini",
    "max_min",
    "north_south",
]

# ---------------------------------------------------------------------------
# hand-computed fixtures
# ---------------------------------------------------------------------------


class TestTwoEqualPopulations:
    # pop = [1, 1] (p = [1/2, 1/2]), total = [1, 3]  ->  x = [1, 3]
    total = np.array([1.0, 3.0])
    pop = np.array([1.0, 1.0])

    def test_cv_and_williamson(self) -> None:
        # mean 2, deviations -1, +1, population sd = 1  ->  CV = 1/2
        assert cv(self.total / self.pop) == pytest.approx(0.5, abs=1e-15)
        # equal weights: Williamson = unweighted CV = 0.5
        assert williamson(self.total / self.pop, self.pop) == pytest.approx(0.5, abs=1e-15)

    def test_theil(self) -> None:
        # s = [1/4, 3/4], p = [1/2, 1/2]
        # T = 1/4 ln(1/2) + 3/4 ln(3/2) = 3/4 ln 3 - ln 2 = 0.8239592 - 0.6931472 = 0.1308120
        assert theil_t(self.total, self.pop) == pytest.approx(0.75 * math.log(3) - math.log(2))
        assert theil_t(self.total, self.pop) == pytest.approx(0.1308120, abs=1e-7)
        # L = 1/2 ln(2) + 1/2 ln(2/3) = ln 2 - 1/2 ln 3 = 0.6931472 - 0.5493061 = 0.1438410
        assert theil_l(self.total, self.pop) == pytest.approx(math.log(2) - 0.5 * math.log(3))
        assert theil_l(self.total, self.pop) == pytest.approx(0.1438410, abs=1e-7)

    def test_gini_ratio_north_south(self) -> None:
        # double sum: 2 * (1/2)(1/2)|1-3| = 1; G = 1 / (2 * 2) = 0.25
        assert gini(self.total / self.pop, self.pop) == pytest.approx(0.25)
        assert max_min_ratio(self.total / self.pop) == pytest.approx(3.0)
        # north = region 0 (x = 1), south = region 1 (x = 3): 3 / 1
        assert north_south_ratio(self.total, self.pop, [True, False]) == pytest.approx(3.0)
        assert north_south_ratio(self.total, self.pop, [False, True]) == pytest.approx(1 / 3)


class TestThreeUnequalPopulations:
    # pop = [1, 2, 1] -> p = [1/4, 1/2, 1/4]; x = [2, 4, 8] -> total = [2, 8, 8] (sum 18)
    x = np.array([2.0, 4.0, 8.0])
    pop = np.array([1.0, 2.0, 1.0])
    total = x * pop

    def test_cv(self) -> None:
        # unweighted mean 14/3; deviations -8/3, -2/3, 10/3; squares sum 168/9; /3 = 56/9
        # sd = sqrt(56)/3  ->  CV = (sqrt(56)/3) / (14/3) = sqrt(56)/14 = 0.5345225
        assert cv(self.x) == pytest.approx(math.sqrt(56) / 14)
        assert cv(self.x) == pytest.approx(0.5345225, abs=1e-7)

    def test_williamson(self) -> None:
        # x_bar = 2/4 + 4/2 + 8/4 = 4.5; deviations -2.5, -0.5, 3.5
        # sum p d^2 = 6.25/4 + 0.25/2 + 12.25/4 = 1.5625 + 0.125 + 3.0625 = 4.75
        # V_w = sqrt(4.75) / 4.5 = 2.1794495 / 4.5 = 0.4843221
        assert williamson(self.x, self.pop) == pytest.approx(math.sqrt(4.75) / 4.5)
        assert williamson(self.x, self.pop) == pytest.approx(0.4843221, abs=1e-7)
        # weights need not be normalised
        assert williamson(self.x, 1000 * self.pop) == pytest.approx(math.sqrt(4.75) / 4.5)

    def test_gini(self) -> None:
        # unordered pairs: p1p2|2-4| = 1/8*2 = 0.25; p1p3|2-8| = 1/16*6 = 0.375;
        # p2p3|4-8| = 1/8*4 = 0.5  ->  double sum = 2 * 1.125 = 2.25; G = 2.25 / (2*4.5) = 0.25
        assert gini(self.x, self.pop) == pytest.approx(0.25)
        # same values, unweighted (equal pops): pairs |2-4|+|2-8|+|4-8| = 12 over 9 cells,
        # double sum = 24/9; mean 14/3; G = (24/9) / (28/3) = 2/7
        assert gini(self.x, np.ones(3)) == pytest.approx(2 / 7)

    def test_theil(self) -> None:
        # s = [1/9, 4/9, 4/9]; s/p = x/x_bar = [4/9, 8/9, 16/9]
        # T = 1/9 ln(4/9) + 4/9 ln(8/9) + 4/9 ln(16/9)
        #   = -0.0901034 - 0.0523480 + 0.2557174 = 0.1132660
        expected_t = math.log(4 / 9) / 9 + 4 * math.log(8 / 9) / 9 + 4 * math.log(16 / 9) / 9
        assert theil_t(self.total, self.pop) == pytest.approx(expected_t)
        assert theil_t(self.total, self.pop) == pytest.approx(0.1132660, abs=1e-7)
        # L = sum p ln(x_bar / x) = 1/4 ln(9/4) + 1/2 ln(9/8) + 1/4 ln(9/16)
        #   with 1/4 [ln(9/4) + ln(9/16)] = 1/4 ln(81/64) = 1/2 ln(9/8):  L = ln(9/8) = 0.1177830
        assert theil_l(self.total, self.pop) == pytest.approx(math.log(9 / 8))

    def test_max_min(self) -> None:
        assert max_min_ratio(self.x) == pytest.approx(4.0)


class TestDecompositionFixtures:
    pop = np.ones(4)

    def test_all_between(self) -> None:
        # total = [1,1,3,3], groups a,a,b,b: each group is internally equal -> within 0;
        # S = [1/4, 3/4], P = [1/2, 1/2] -> between = 3/4 ln 3 - ln 2 = total
        split = theil_t_decomposition([1, 1, 3, 3], self.pop, ["a", "a", "b", "b"])
        expected = 0.75 * math.log(3) - math.log(2)
        assert split.between == pytest.approx(expected)
        assert split.within == pytest.approx(0.0, abs=1e-15)
        assert split.total == pytest.approx(expected)

    def test_all_within(self) -> None:
        # total = [1,3,1,3], groups a,b... rearranged so S_g = P_g = 1/2: between 0
        # groups a,b,b,a: group a = {1, 3}, group b = {3, 1}; T_a = T_b = 3/4 ln 3 - ln 2
        # within = 1/2 T_a + 1/2 T_b = 3/4 ln 3 - ln 2
        split = theil_t_decomposition([1, 3, 3, 1], self.pop, ["a", "a", "b", "b"])
        expected = 0.75 * math.log(3) - math.log(2)
        assert split.between == pytest.approx(0.0, abs=1e-15)
        assert split.within == pytest.approx(expected)
        assert split.total == pytest.approx(expected)

    def test_mixed(self) -> None:
        # total = [1,3,4,4] (sum 12), groups a,a,b,b, equal pops
        # S_a = 4/12 = 1/3, S_b = 2/3, P = 1/2 each
        # between = 1/3 ln(2/3) + 2/3 ln(4/3) = -0.1351550 + 0.1917880 = 0.0566330
        # T_a = 3/4 ln 3 - ln 2 = 0.1308120, T_b = 0
        # within = 1/3 * 0.1308120 = 0.0436040
        # direct: s/p = [1/3, 1, 4/3, 4/3]; T = 1/12 ln(1/3) + 2/3 ln(4/3)
        #   = -0.0915510 + 0.1917880 = 0.1002370 = between + within
        split = theil_t_decomposition([1, 3, 4, 4], self.pop, np.array([0, 0, 1, 1]))
        between = math.log(2 / 3) / 3 + 2 * math.log(4 / 3) / 3
        within = (0.75 * math.log(3) - math.log(2)) / 3
        direct = math.log(1 / 3) / 12 + 2 * math.log(4 / 3) / 3
        assert isinstance(split, TheilSplit)
        assert split.between == pytest.approx(between)
        assert split.within == pytest.approx(within)
        assert split.total == pytest.approx(direct)
        assert split.total == pytest.approx(0.1002370, abs=1e-7)
        assert theil_t([1, 3, 4, 4], self.pop) == pytest.approx(direct)

    def test_single_group_is_all_within(self) -> None:
        split = theil_t_decomposition([1, 3], [1, 1], ["x", "x"])
        assert split.between == 0.0
        assert split.within == pytest.approx(theil_t([1, 3], [1, 1]))

    def test_one_region_per_group_is_all_between(self) -> None:
        split = theil_t_decomposition([2, 8, 8], [1, 2, 1], ["a", "b", "c"])
        assert split.within == pytest.approx(0.0, abs=1e-15)
        assert split.between == pytest.approx(theil_t([2, 8, 8], [1, 2, 1]))


def test_north_south_unequal_pops() -> None:
    # north = regions 0,1: 30 / 2 = 15 per head; south = regions 2,3: 70 / 6 per head
    # ratio = (70/6) / 15 = 7/9
    total = [10.0, 20.0, 30.0, 40.0]
    pop = [1.0, 1.0, 2.0, 4.0]
    assert north_south_ratio(total, pop, [True, True, False, False]) == pytest.approx(7 / 9)
    assert north_south_ratio(total, pop, np.array([1, 1, 0, 0])) == pytest.approx(7 / 9)


def test_differentiation_fixture() -> None:
    # the three-region fixture above, plates = ["E", "W", "W"], north = region 0
    # theil between: S = [1/9, 8/9], P = [1/4, 3/4]:
    #   1/9 ln(4/9) + 8/9 ln(32/27) = -0.0901033 + 0.1510264 = 0.0609231
    # north_south: north x = 2, south = 16/3 -> 8/3
    total = np.array([2.0, 8.0, 8.0])
    pop = np.array([1.0, 2.0, 1.0])
    d = differentiation(total, pop, ["E", "W", "W"], [True, False, False], prefix="ps_")
    assert list(d) == [f"ps_{k}" for k in KEYS]
    assert all(isinstance(v, float) for v in d.values())
    assert d["ps_cv"] == pytest.approx(math.sqrt(56) / 14)
    assert d["ps_williamson"] == pytest.approx(math.sqrt(4.75) / 4.5)
    assert d["ps_theil_t"] == pytest.approx(theil_t(total, pop))
    between = math.log(4 / 9) / 9 + 8 * math.log(32 / 27) / 9
    assert d["ps_theil_between"] == pytest.approx(between)
    assert d["ps_theil_within"] == pytest.approx(d["ps_theil_t"] - between)
    assert d["ps_theil_l"] == pytest.approx(math.log(9 / 8))
    assert d["ps_gini"] == pytest.approx(0.25)
    assert d["ps_max_min"] == pytest.approx(4.0)
    assert d["ps_north_south"] == pytest.approx(8 / 3)
    assert list(differentiation(total, pop, ["E", "W", "W"], [1, 0, 0])) == KEYS


# ---------------------------------------------------------------------------
# edge cases
# ---------------------------------------------------------------------------


def test_zero_total_region() -> None:
    # total = [0, 2], pop = [1, 1]: s = [0, 1], p = [1/2, 1/2]
    # T = 0 (0 ln 0 := 0) + 1 ln(1 / (1/2)) = ln 2; L = 1/2 ln(1/2 / 0) = +inf
    total, pop = np.array([0.0, 2.0]), np.array([1.0, 1.0])
    assert theil_t(total, pop) == pytest.approx(math.log(2))
    assert theil_l(total, pop) == math.inf
    assert max_min_ratio(total / pop) == math.inf
    # x = [0, 2]: mean 1, sd 1 -> CV 1; Gini = 2 * 1/4 * 2 / (2 * 1) = 1/2
    assert cv(total / pop) == pytest.approx(1.0)
    assert gini(total / pop, pop) == pytest.approx(0.5)
    split = theil_t_decomposition([0.0, 2.0, 1.0, 1.0], np.ones(4), ["a", "a", "b", "b"])
    assert split.total == pytest.approx(split.between + split.within)
    assert split.total == pytest.approx(theil_t([0.0, 2.0, 1.0, 1.0], np.ones(4)))
    # a whole group with zero total: S_g = 0 contributes 0 to between and within
    split = theil_t_decomposition([0.0, 0.0, 1.0, 3.0], np.ones(4), ["a", "a", "b", "b"])
    assert split.between == pytest.approx(math.log(2))  # S = [0, 1], P = [1/2, 1/2]
    assert split.within == pytest.approx(0.75 * math.log(3) - math.log(2))
    # North with zero output
    assert north_south_ratio([0.0, 1.0], [1.0, 1.0], [True, False]) == math.inf
    assert north_south_ratio([1.0, 0.0], [1.0, 1.0], [True, False]) == 0.0


@pytest.mark.parametrize("level", [0.0, 1.0, 7.3e4])
def test_all_equal_is_zero_inequality(level: float) -> None:
    pop = np.array([3.0, 1.0, 2.0, 5.0])
    total = level * pop
    d = differentiation(total, pop, ["E", "C", "W", "E"], [True, False, True, False])
    for k in ["cv", "williamson", "theil_t", "theil_between", "theil_within", "theil_l", "gini"]:
        assert d[k] == 0.0, k
    assert d["max_min"] == 1.0
    assert d["north_south"] == 1.0


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="length mismatch: pop"):
        williamson([1.0, 2.0, 3.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="length mismatch: pop"):
        theil_t([1.0, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="length mismatch: groups"):
        theil_t_decomposition([1.0, 2.0], [1.0, 1.0], ["a"])
    with pytest.raises(ValueError, match="length mismatch: is_north"):
        north_south_ratio([1.0, 2.0], [1.0, 1.0], [True])
    with pytest.raises(ValueError, match="length mismatch: plates"):
        differentiation([1.0, 2.0], [1.0, 1.0], ["a", "b", "c"], [True, False])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: cv([]), "empty"),
        (lambda: cv([[1.0, 2.0]]), "1-D"),
        (lambda: cv([1.0, np.nan]), "NaN"),
        (lambda: cv([1.0, -1.0]), ">= 0"),
        (lambda: theil_t([1.0, 2.0], [1.0, 0.0]), "strictly positive"),
        (lambda: north_south_ratio([1.0, 2.0], [1.0, 1.0], [True, True]), "one northern"),
        (lambda: north_south_ratio([1.0, 2.0], [1.0, 1.0], ["North", "South"]), "boolean"),
    ],
)
def test_invalid_inputs_raise(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------
# properties (hypothesis)
# ---------------------------------------------------------------------------

positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def regions(draw, min_size: int = 2, max_size: int = 40):
    n = draw(st.integers(min_size, max_size))
    total = np.array(draw(st.lists(positive, min_size=n, max_size=n)))
    pop = np.array(draw(st.lists(positive, min_size=n, max_size=n)))
    groups = np.array(draw(st.lists(st.sampled_from("ECWN"), min_size=n, max_size=n)))
    north = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    # at least one northern and one southern region
    north[0], north[-1] = True, False
    return total, pop, groups, north


def _brute_gini(x: np.ndarray, pop: np.ndarray) -> float:
    p = pop / pop.sum()
    xbar = np.dot(p, x)
    return float(np.sum(np.outer(p, p) * np.abs(x[:, None] - x[None, :])) / (2 * xbar))


@settings(max_examples=300, deadline=None)
@given(regions())
def test_theil_between_plus_within_equals_total(data) -> None:
    total, pop, groups, _ = data
    split = theil_t_decomposition(total, pop, groups)
    direct = theil_t(total, pop)
    assert split.between + split.within == pytest.approx(direct, rel=1e-9, abs=1e-12)
    assert split.total == pytest.approx(direct, rel=1e-9, abs=1e-12)
    assert split.between >= 0.0
    assert split.within >= 0.0
    # independent recomputation of within = sum_g S_g T_g with a per-group Theil T
    s = total / total.sum()
    within = sum(
        s[groups == g].sum() * theil_t(total[groups == g], pop[groups == g])
        for g in np.unique(groups)
    )
    assert split.within == pytest.approx(within, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    regions(), st.floats(min_value=1e-3, max_value=1e3), st.floats(min_value=1e-3, max_value=1e3)
)
def test_scale_invariance(data, a: float, b: float) -> None:
    total, pop, groups, north = data
    base = differentiation(total, pop, groups, north)
    scaled_total = differentiation(a * total, pop, groups, north)
    scaled_both = differentiation(a * total, b * pop, groups, north)
    for k in KEYS:
        assert scaled_total[k] == pytest.approx(base[k], rel=1e-9, abs=1e-12), k
        assert scaled_both[k] == pytest.approx(base[k], rel=1e-9, abs=1e-12), k


@settings(max_examples=200, deadline=None)
@given(regions(), st.randoms(use_true_random=False))
def test_permutation_invariance(data, rnd) -> None:
    total, pop, groups, north = data
    perm = np.array(rnd.sample(range(total.size), total.size))
    base = differentiation(total, pop, groups, north)
    permuted = differentiation(total[perm], pop[perm], groups[perm], north[perm])
    for k in KEYS:
        assert permuted[k] == pytest.approx(base[k], rel=1e-9, abs=1e-12), k


@settings(max_examples=200, deadline=None)
@given(regions(), positive)
def test_equal_per_capita_is_zero(data, level: float) -> None:
    _, pop, groups, north = data
    d = differentiation(level * pop, pop, groups, north)
    for k in ["cv", "williamson", "theil_t", "theil_between", "theil_within", "theil_l", "gini"]:
        assert d[k] == pytest.approx(0.0, abs=1e-12), k
    assert d["max_min"] == pytest.approx(1.0, rel=1e-12)
    assert d["north_south"] == pytest.approx(1.0, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(regions())
def test_gini_matches_double_sum_and_bounds(data) -> None:
    total, pop, _, _ = data
    x = total / pop
    g = gini(x, pop)
    assert g == pytest.approx(_brute_gini(x, pop), rel=1e-9, abs=1e-12)
    p = pop / pop.sum()
    assert -1e-12 <= g <= 1 - p.min() + 1e-12
    # with ties: duplicate every region (same x, split population) leaves G unchanged
    x2, pop2 = np.concatenate([x, x]), np.concatenate([pop / 2, pop / 2])
    assert gini(x2, pop2) == pytest.approx(g, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(regions())
def test_williamson_and_theil_match_definitions(data) -> None:
    total, pop, _, _ = data
    x = total / pop
    p = pop / pop.sum()
    s = total / total.sum()
    xbar = np.dot(p, x)
    assert williamson(x, pop) == pytest.approx(
        np.sqrt(np.dot(p, (x - xbar) ** 2)) / xbar, rel=1e-9, abs=1e-12
    )
    assert cv(x) == pytest.approx(np.std(x) / np.mean(x), rel=1e-9, abs=1e-12)
    assert theil_t(total, pop) == pytest.approx(np.sum(s * np.log(s / p)), rel=1e-9, abs=1e-12)
    assert theil_l(total, pop) == pytest.approx(np.sum(p * np.log(p / s)), rel=1e-9, abs=1e-12)
    # equal populations: Williamson reduces to the unweighted CV
    assert williamson(x, np.ones_like(x)) == pytest.approx(cv(x), rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------------------
# 2020 provincial data
# ---------------------------------------------------------------------------

_REPO = Path(__file__).resolve().parents[1]
_CANDIDATES = [_REPO / "sim" / "data" / "provinces.csv", Path("/work/shared/data/provinces.csv")]


@pytest.fixture(scope="module")
def provinces() -> pd.DataFrame:
    for path in _CANDIDATES:
        if path.exists():
            return pd.read_csv(path)
    pytest.skip("provinces.csv not found in sim/data or /work/shared/data")


def test_2020_gdp_per_capita(provinces: pd.DataFrame) -> None:
    df = provinces
    assert len(df) == 31
    gdp = df["gdp2020_100m_yuan"].to_numpy(float)  # CSY 2021 vintage, 100 M yuan
    pop = df["pop_census2020"].to_numpy(float)  # 7th census residents
    north = (df["north_south"] == "North").to_numpy()
    d = differentiation(gdp, pop, df["region_plate"].to_numpy(), north)
    assert d["cv"] == pytest.approx(0.435, abs=5e-4)
    assert d["theil_t"] == pytest.approx(0.062, abs=5e-4)
    assert d["theil_t"] == pytest.approx(d["theil_between"] + d["theil_within"], rel=1e-12)
    # other measures, pinned to their computed 2020 values (regression guard)
    assert d["williamson"] == pytest.approx(0.3732, abs=5e-4)
    assert d["theil_between"] == pytest.approx(0.0298, abs=5e-4)  # four plates
    assert d["theil_within"] == pytest.approx(0.0324, abs=5e-4)
    assert d["theil_l"] == pytest.approx(0.0584, abs=5e-4)
    assert d["gini"] == pytest.approx(0.1933, abs=5e-4)
    # Beijing 164,904 / Gansu 36,038 yuan per head
    assert d["max_min"] == pytest.approx(4.576, abs=5e-3)
    # the South is 25.7 % richer per head than the North in 2020
    assert d["north_south"] == pytest.approx(1.2568, abs=5e-4)
    assert m.cv(gdp / pop) == d["cv"]

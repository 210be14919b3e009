"""Validation checks (issue 7; docs/validation.md): the core–periphery reduction, Solow
β-convergence, the calibration and its config, the backcasts and the literature directions.
Tolerances are the documented ones (sim/validation/report.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config import load_config
from sim.validation import backcast, convergence, core_periphery, literature, report
from sim.validation.calibrate import FIT_PARAMETERS, calibrate, write_outputs

ROOT = Path(__file__).resolve().parents[1]
CALIBRATED = ROOT / "configs" / "calibrated.yaml"


# ------------------------------------------------------------------ 3 core–periphery
def test_fkv_closed_forms():
    """σ = 5, μ = 0.4: T(B) = 7^(1/4) = 1.627 and T(S) = 1.807 (FKV 1999, ch. 5)."""
    assert core_periphery.break_point_analytic(5.0, 0.4) == pytest.approx(7 ** 0.25, rel=1e-12)
    assert round(core_periphery.break_point_analytic(5.0, 0.4), 3) == 1.627
    ts = core_periphery.sustain_point_analytic(5.0, 0.4)
    assert round(ts, 3) == 1.807
    assert abs(core_periphery.sustain_condition(5.0, 0.4, ts)) < 1e-10


def test_reduction_is_the_fkv_wage_equation():
    """Through the model's price rules: the symmetric equilibrium has w = 1 and Y = ½ in each
    region (FKV's normalisation), and with all industry in region 1 the periphery's wage is
    FKV's w₂ = [(1+μ)/2 T^(1−σ) + (1−μ)/2 T^(σ−1)]^(1/σ)."""
    sigma, mu, t = 5.0, 0.4, 1.7
    econ = core_periphery.build_two_region(sigma, mu, t)
    sym = core_periphery.equilibrium(econ, 0.5)
    assert np.allclose(sym.wage, 1.0, atol=1e-12)
    assert np.allclose(sym.income, 0.5, atol=1e-12)
    core = core_periphery.equilibrium(econ, 1.0)
    assert core.wage[0] == pytest.approx(1.0, abs=1e-12)
    assert core.income.tolist() == pytest.approx([(1 + mu) / 2, (1 - mu) / 2], abs=1e-12)
    w2 = ((1 + mu) / 2 * t ** (1 - sigma) + (1 - mu) / 2 * t ** (sigma - 1)) ** (1 / sigma)
    assert core.wage[1] == pytest.approx(w2, rel=1e-10)
    # the real-wage ratio is FKV eq. 5.19
    ratio = core.real_wage[1] / core.real_wage[0]
    assert ratio ** sigma - 1 == pytest.approx(core_periphery.sustain_condition(sigma, mu, t),
                                               abs=1e-10)
    with pytest.raises(ValueError, match="black-hole"):
        core_periphery.build_two_region(5.0, 0.85, 1.5)


def test_core_periphery_points_fkv():
    """The model's break and sustain points within 1 % of 1.627 and 1.807."""
    c = core_periphery.check(5.0, 0.4)
    assert abs(c["break_model"] / 1.627 - 1) <= report.TOL_CP_REL
    assert abs(c["sustain_model"] / 1.807 - 1) <= report.TOL_CP_REL
    assert abs(c["break_rel_error"]) <= report.TOL_CP_REL
    assert abs(c["sustain_rel_error"]) <= report.TOL_CP_REL


@pytest.mark.parametrize(("sigma", "mu"), core_periphery.OTHER_CASES)
def test_core_periphery_points_other_parameters(sigma, mu):
    assert (sigma - 1) / sigma > mu
    c = core_periphery.check(sigma, mu)
    assert abs(c["break_rel_error"]) <= report.TOL_CP_REL
    assert abs(c["sustain_rel_error"]) <= report.TOL_CP_REL
    assert c["break_model"] < c["sustain_model"]  # the hysteresis band exists


def test_core_periphery_hysteresis():
    """Between T(B) and T(S) a symmetric start stays symmetric and an agglomerated start stays
    agglomerated; below T(B) the symmetric start agglomerates, above T(S) agglomeration breaks."""
    h = core_periphery.hysteresis(5.0, 0.4, years=200)
    assert 1.627 < h["T_mid"] < 1.807
    assert abs(h["T_mid_from_symmetric"] - 0.5) < 0.01
    assert h["T_mid_from_agglomerated"] > 0.99
    assert h["T_low_from_symmetric"] > 0.99
    assert abs(h["T_high_from_agglomerated"] - 0.5) < 0.01


# ------------------------------------------------------------------ 4 β-convergence
def test_solow_speed_without_factor_flows():
    """Identical provinces, no factor flows: β within 10 % of (1−α)(n + g/(1−α) + δ)."""
    res = convergence.check(horizon=10, n_firms=500)
    ana = convergence.analytic_beta()
    assert ana["discrete"] == pytest.approx(ana["continuous"], rel=0.01)
    assert res["migrants_share"] == 0.0
    assert res["r2"] > 0.95
    assert abs(res["rel_error"]) <= report.TOL_BETA_REL


def test_factor_mobility_speeds_convergence():
    b = convergence.mobility_betas(horizon=10, n_firms=500).set_index("mobility")["beta"]
    assert b["capital"] > b["none"]
    assert b["migration"] > b["none"]
    assert b["capital+migration"] > max(b["capital"], b["migration"])


def test_solow_setup_has_no_factor_flows():
    m = convergence.solow_model(end_year=2023, n_firms=500)
    k0 = m.capital.copy()
    m.step()
    nat = m.national_table()
    assert nat["migrants"].sum() == 0
    assert nat["firms_relocated"].sum() == 0 and nat["firm_exits"].sum() == 0
    # no capital crosses provinces: K' = (1 − δ) K + s Y, province by province
    gdp = m.province_records[-1]["gdp_100m_yuan"]  # the year just produced
    assert np.allclose(m.capital, (1 - 0.096) * k0 + convergence.SAVING_RATE * gdp, rtol=1e-9)


# ------------------------------------------------------------------ 2 backcast machinery
@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::scipy.stats.ConstantInputWarning")
def test_loss_is_zero_for_the_data_and_four_for_persistence(dataset):
    obs = backcast.observed(dataset, range(2005, 2011))
    exact = backcast.Simulation(frames=[obs], config=load_config(None), seeds=(0,))
    fit = backcast.fit_statistics(exact, obs, 2005, 2010)
    assert fit["loss"] == pytest.approx(0.0, abs=1e-20)
    assert fit["pop_growth_rank_corr"] == pytest.approx(1.0)
    still = obs.copy()
    for y in range(2006, 2011):
        still.loc[still["year"] == y, ["gdp", "population"]] = \
            obs.loc[obs["year"] == 2005, ["gdp", "population"]].to_numpy()
    fit = backcast.fit_statistics(
        backcast.Simulation(frames=[still], config=load_config(None), seeds=(0,)), obs, 2005, 2010)
    assert fit["loss"] == pytest.approx(4.0)


def test_observed_sigma_convergence_targets(dataset):
    """The data targets of check 2, computed as in the core (ddof 0, population-weighted
    Theil T): CV 0.496 → 0.433, Theil T 0.083 → 0.063."""
    st = backcast.yearly_statistics(backcast.observed(dataset, (2010, 2015))).set_index("year")
    assert round(st.loc[2010, "cv"], 3) == 0.496 and round(st.loc[2015, "cv"], 3) == 0.433
    assert round(st.loc[2010, "theil_t"], 3) == 0.083 and round(st.loc[2015, "theil_t"], 3) == 0.063


# ------------------------------------------------------------------ calibration
def test_calibrate_writes_a_loadable_config(tmp_path):
    res = calibrate(seeds=(1,), n_firms=300, n_design=1, n_local=0)
    assert set(res.fitted) == set(FIT_PARAMETERS)
    for k, v in res.fitted.items():
        lo, hi, _ = FIT_PARAMETERS[k]
        assert lo <= v <= hi
    assert len(res.evaluations) == 2  # the defaults and one design point
    out = tmp_path / "cal.yaml"
    js = write_outputs(res, out, extends=str(ROOT / "configs" / "baseline.yaml"))
    cfg = load_config(out)
    assert cfg.name == "calibrated"
    assert cfg.technology.catch_up_speed == res.fitted["technology.catch_up_speed"]
    rec = json.loads(js.read_text())
    assert rec["fitted"] == res.fitted and rec["window"] == [2005, 2010]
    assert "loss at the defaults" in out.read_text()


def test_committed_calibrated_config():
    """configs/calibrated.yaml extends the baseline with the fitted values of the JSON next to
    it, and the fit beats the defaults in sample."""
    text = CALIBRATED.read_text()
    assert "extends: baseline.yaml" in text
    rec = json.loads(CALIBRATED.with_suffix(".json").read_text())
    cfg = load_config(CALIBRATED)
    base = load_config(ROOT / "configs" / "baseline.yaml")
    for key, value in rec["fitted"].items():
        section, name = key.split(".")
        assert getattr(getattr(cfg, section), name) == value
    assert cfg.start_year == 2020
    assert cfg.trade == base.trade and cfg.fiscal == base.fiscal
    assert rec["fit"]["loss"] < rec["fit_defaults"]["loss"]


# ------------------------------------------------------------------ command line
def test_cli_help_and_bad_input(tmp_path, capsys):
    from sim.cli import main

    for cmd in ("calibrate", "validate"):
        assert main([cmd, "--help"]) == 0
    assert "--quick" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("trade:\n  sigma: -1\n")
    assert main(["validate", "--config", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists()


# ------------------------------------------------------------------ slow: full checks
@pytest.fixture(scope="module")
def backcasts(dataset):
    return report.backcast_tables(load_config(CALIBRATED), dataset, report.FULL)


def _sigma_ok(fit, col):
    by = fit["by_year"]
    dd = by[f"{col}_data"].iloc[-1] - by[f"{col}_data"].iloc[0]
    dm = by[f"{col}_model"].iloc[-1] - by[f"{col}_data"].iloc[0]
    return np.sign(dd) == np.sign(dm) and abs(dm / dd - 1) <= report.TOL_SIGMA_CHANGE


@pytest.mark.slow
def test_out_of_sample_sigma_convergence_theil(backcasts):
    assert _sigma_ok(backcasts["fits"]["out-of-sample 2010-2015"], "theil")


@pytest.mark.slow
def test_out_of_sample_sigma_convergence_cv(backcasts):
    fit = backcasts["fits"]["out-of-sample 2010-2015"]
    by = fit["by_year"]
    assert by["cv_model"].iloc[-1] < by["cv_data"].iloc[0]  # the direction holds regardless
    assert _sigma_ok(fit, "cv")


@pytest.mark.slow
def test_out_of_sample_population_growth(backcasts):
    fit = backcasts["fits"]["out-of-sample 2010-2015"]
    assert fit["pop_growth_rank_corr"] >= report.MIN_RANK_CORR


@pytest.mark.slow
def test_out_of_sample_plate_shares(backcasts):
    ps = backcasts["fits"]["out-of-sample 2010-2015"]["plate_gdp_share"]
    err = np.array([ps["model"][p] - ps["data"][p] for p in backcast.PLATES])
    naive = np.array([ps["base"][p] - ps["data"][p] for p in backcast.PLATES])
    assert np.abs(err).max() <= report.TOL_PLATE_PP
    assert np.sqrt((err**2).mean()) <= np.sqrt((naive**2).mean())


@pytest.mark.slow
def test_in_sample_fit(backcasts):
    fit = backcasts["fits"]["in-sample 2005-2010"]
    assert _sigma_ok(fit, "cv") and _sigma_ok(fit, "theil")
    assert fit["pop_growth_rank_corr"] >= report.MIN_RANK_CORR


@pytest.fixture(scope="module")
def directions():
    return literature.run_experiments(load_config(ROOT / "configs" / "baseline.yaml"),
                                      seeds=report.FULL.lit_seeds,
                                      n_firms=report.FULL.lit_n_firms)


def _row(df: pd.DataFrame, exp: str, outcome: str) -> pd.Series:
    return df.loc[(df["experiment"] == exp) & (df["outcome"] == outcome)].iloc[0]


@pytest.mark.slow
def test_lower_migration_costs(directions):
    assert _row(directions, "migration_costs", "output")["change"] > 0
    assert _row(directions, "migration_costs", "cv")["change"] < 0
    assert _row(directions, "migration_costs", "hhi")["change"] > 0


@pytest.mark.slow
def test_lower_trade_costs_raise_real_income(directions):
    assert _row(directions, "trade_costs", "real_income")["change"] > 0


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="known: at 300 000 firms lower trade costs leave the CV "
                   "unchanged (+0.14 %, t 0.2; Theil T -0.2 %); cheaper trade also strengthens "
                   "the home-market effect; docs/validation.md §5")
def test_lower_trade_costs_lower_dispersion(directions):
    assert _row(directions, "trade_costs", "cv")["change"] < 0


@pytest.mark.slow
def test_equalising_transfers_lower_public_service_dispersion(directions):
    assert _row(directions, "equalising_transfers", "ps_cv")["change"] < 0
    out = _row(directions, "equalising_transfers", "output")
    assert out["relative_change"] >= -0.05 and out["t"] < 2.0  # no significant gain, cost ≤ 5 %


@pytest.mark.slow
def test_equalising_transfers_cost_a_little_output(directions):
    """The report's check 5.equalising_transfers.output: a small output cost (Henkel, Seidel &
    Suedekum 2021)."""
    out = _row(directions, "equalising_transfers", "output")
    assert -0.05 <= out["relative_change"] < 0


@pytest.mark.slow
def test_validate_quick_writes_the_report(tmp_path):
    from sim.cli import main

    out = tmp_path / "val"
    assert main(["validate", "--quick", "--quiet", "--out", str(out)]) == 0
    checks = pd.read_csv(out / "checks.csv")
    assert {"id", "target", "result", "tolerance", "pass"} <= set(checks.columns)
    assert checks.loc[checks["id"].str.startswith(("1.", "3.", "4.solow")), "pass"].all()
    for name in ("summary.md", "report.json", "sigma_by_year.parquet", "literature.csv"):
        assert (out / name).exists()
    assert len(list((out / "figures").glob("*.png"))) == 6

"""`regsim compare` and `regsim report`: milestone table, atomic outputs, self-contained HTML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

SMALL = ["--set", "n_firms=600", "--set", "end_year=2036", "--quiet"]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "cmp"
    rc = main(["compare", "configs/baseline.yaml", "configs/no_coordination.yaml", "--out",
               str(out), *SMALL])
    assert rc == 0
    return out


def test_compare_writes_milestones_and_scenarios(comparison: Path) -> None:
    table = pd.read_parquet(comparison / "milestones.parquet")
    assert set(table["scenario"]) == {"baseline", "no_coordination"}
    assert sorted(set(table["year"])) == [2020, 2035]  # 2050 is outside the short run
    for col in ("gdp", "cv", "theil_t", "theil_between", "theil_within", "ps_cv", "warnings"):
        assert col in table.columns
    # 2020 is the data in every scenario.
    first = table[table["year"] == 2020]
    assert first["cv"].round(3).tolist() == [0.435, 0.435]
    for name in ("baseline", "no_coordination"):
        assert (comparison / name / "national_year.parquet").exists()
        nat = pd.read_parquet(comparison / name / "national_year.parquet")
        row = table[(table["scenario"] == name) & (table["year"] == 2035)].iloc[0]
        assert row["theil_t"] == pytest.approx(float(nat.set_index("year").loc[2035, "theil_t"]))
    assert (comparison / "figures" / "comparison.png").stat().st_size > 1000
    assert not list(comparison.parent.glob(".cmp.tmp-*"))


def test_compare_bad_config_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "bad"
    rc = main(["compare", "configs/baseline.yaml", "--out", str(out), "--set", "trade.sigmaa=4"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert any("trade.sigmaa" in line and "did you mean 'sigma'" in line for line in err)
    assert not out.exists()


def test_report_is_self_contained(comparison: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(comparison), "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("<!doctype html>")
    assert "Milestones" in text and "Resolved config" in text and "Early warnings" in text
    # Figures are embedded, nothing is fetched from elsewhere.
    assert text.count("data:image/png;base64,") >= 4
    assert "http://" not in text.split("<body>")[1].split("<pre>")[0]
    assert "src=\"http" not in text


def test_report_rejects_other_folders(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "not a regsim run or comparison folder" in capsys.readouterr().err

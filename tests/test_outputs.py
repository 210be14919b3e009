"""Run outputs: byte-identical Parquet for the same config and seed, the manifest, the resolved
config round trip, the figures and the contents of the tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.config import config_hash, load_config
from sim.data.loader import load_dataset
from sim.io import TABLES, build_manifest, write_results
from sim.io.figures import FIGURES, population_shares
from sim.io.manifest import MANIFEST_KEYS, PACKAGES
from sim.io.results import WARNINGS_FILE
from sim.model import RegionalModel

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "configs" / "baseline.yaml")
OVERRIDES = ["n_firms=500", "end_year=2023"]
SET = [a for o in OVERRIDES for a in ("--set", o)]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Three runs: a and b with the same config and seed (a with figures), c with another seed."""
    root = tmp_path_factory.mktemp("runs")
    out = {"a": root / "a", "b": root / "b", "c": root / "c"}
    base = ["run", BASELINE, "-q", "--firm-tables", *SET]
    assert main([*base, "--out", str(out["a"])]) == 0
    assert main([*base, "--out", str(out["b"]), "--no-figures"]) == 0
    assert main([*base, "--out", str(out["c"]), "--no-figures", "--seed", "12345"]) == 0
    return out


def parquet_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.parquet"))


def test_same_seed_gives_byte_identical_parquet(runs):
    names = parquet_files(runs["a"])
    assert names == sorted([*TABLES, WARNINGS_FILE, "firms_final.parquet"])
    assert parquet_files(runs["b"]) == names
    for name in names:
        assert (runs["a"] / name).read_bytes() == (runs["b"] / name).read_bytes(), name
    # the resolved config is the same text too
    assert (runs["a"] / "config.yaml").read_bytes() == (runs["b"] / "config.yaml").read_bytes()


def test_different_seed_changes_the_firms(runs):
    a = runs["a"] / "firms_final.parquet"
    c = runs["c"] / "firms_final.parquet"
    assert a.read_bytes() != c.read_bytes()
    fa, fc = pd.read_parquet(a), pd.read_parquet(c)
    assert list(fa.columns) == list(fc.columns)
    assert not (fa.shape == fc.shape and np.allclose(fa["productivity"], fc["productivity"]))


def test_firm_table_contents(runs):
    firms = pd.read_parquet(runs["a"] / "firms_final.parquet")
    assert list(firms.columns) == ["uid", "province", "sector", "capital_100m_yuan",
                                   "productivity", "weight", "age"]
    manifest = json.loads((runs["a"] / "manifest.json").read_text(encoding="utf-8"))
    assert len(firms) == manifest["n_firms_final"]
    assert firms["uid"].is_unique and firms["uid"].is_monotonic_increasing
    assert set(firms["province"]) <= set(load_dataset().names)
    assert set(firms["sector"]) <= {"agriculture", "resources", "labour_manufacturing",
                                    "capital_manufacturing", "high_tech", "services"}
    assert (firms["productivity"] > 0).all() and (firms["capital_100m_yuan"] >= 0).all()


def test_parquet_has_no_pandas_metadata_and_no_index(runs):
    for name in TABLES:
        path = runs["a"] / name
        assert pq.read_schema(path).metadata is None
        kv = pq.read_metadata(path).metadata or {}
        assert b"pandas" not in kv
        frame = pd.read_parquet(path)
        assert isinstance(frame.index, pd.RangeIndex)
        assert not any(str(c).startswith("__index") for c in frame.columns)


def test_manifest(runs):
    manifest = json.loads((runs["a"] / "manifest.json").read_text(encoding="utf-8"))
    assert set(MANIFEST_KEYS) <= set(manifest)
    cfg = load_config(BASELINE, overrides=OVERRIDES)
    assert manifest["scenario"] == "baseline"
    assert manifest["config_hash"] == config_hash(cfg)
    assert manifest["seed"] == cfg.seed
    assert (manifest["start_year"], manifest["end_year"]) == (2020, 2023)
    assert manifest["n_firms"] == 500
    assert set(manifest["versions"]) == set(PACKAGES)
    assert manifest["versions"]["numpy"] == np.__version__
    assert manifest["git_commit"] is None or len(manifest["git_commit"]) >= 7
    assert isinstance(manifest["wall_time_s"], float) and manifest["wall_time_s"] >= 0
    assert "--firm-tables" in manifest["command"]
    written = sorted(p.relative_to(runs["a"]).as_posix() for p in runs["a"].rglob("*")
                     if p.is_file())
    assert manifest["files"] == written
    other = json.loads((runs["c"] / "manifest.json").read_text(encoding="utf-8"))
    assert other["seed"] == 12345 and other["config_hash"] != manifest["config_hash"]


def test_resolved_config_loads_back_equal(runs):
    expected = load_config(BASELINE, overrides=OVERRIDES)
    loaded = load_config(runs["a"] / "config.yaml")
    assert loaded == expected
    assert config_hash(loaded) == config_hash(expected)
    assert load_config(runs["c"] / "config.yaml") == load_config(BASELINE, overrides=OVERRIDES,
                                                                 seed=12345)


def test_figures_are_pngs(runs):
    for name in FIGURES:
        path = runs["a"] / "figures" / name
        data = path.read_bytes()
        assert len(data) > 5000, name
        assert data.startswith(PNG_MAGIC), name
    assert not (runs["b"] / "figures").exists()


def test_figures_are_deterministic(runs, tmp_path):
    plate = pd.read_parquet(runs["a"] / "plate_year.parquet")
    again = population_shares(plate, tmp_path / "population_shares.png")
    assert again.read_bytes() == (runs["a"] / "figures" / "population_shares.png").read_bytes()


def test_province_year(runs):
    prov = pd.read_parquet(runs["a"] / "province_year.parquet")
    counts = prov.groupby("year").size()
    assert list(counts.index) == [2020, 2021, 2022, 2023]
    assert (counts == 31).all()
    ds = load_dataset()
    start = prov[prov["year"] == 2020].set_index("province")["gdp_100m_yuan"]
    data = ds.provinces.set_index("name_en")["gdp2020_100m_yuan"]
    assert set(start.index) == set(data.index)
    np.testing.assert_allclose(start.loc[data.index].to_numpy(), data.to_numpy(), rtol=1e-9)


def test_other_tables(runs):
    plate = pd.read_parquet(runs["a"] / "plate_year.parquet")
    assert set(plate["plate"]) == {"East", "Central", "West", "Northeast"}
    sums = plate.groupby("year")[["population_share", "gdp_share"]].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    nat = pd.read_parquet(runs["a"] / "national_year.parquet")
    assert list(nat["year"]) == [2020, 2021, 2022, 2023]
    for col in ("theil_t", "theil_between", "theil_within", "cv", "williamson", "gdp"):
        assert col in nat.columns
    np.testing.assert_allclose(nat["theil_between"] + nat["theil_within"], nat["theil_t"],
                               rtol=1e-9)
    flows = pd.read_parquet(runs["a"] / "flows.parquet")
    assert list(flows.columns[:6]) == ["year", "kind", "from", "to", "amount", "unit"]


def test_write_results_api_and_wall_time_not_in_parquet(tmp_path):
    cfg = load_config(BASELINE, overrides=["n_firms=300", "end_year=2021"])
    model = RegionalModel(cfg).run()
    one = write_results(model, tmp_path / "one", figures=False, wall_time_s=1.0,
                        command=["x"])
    two = write_results(model, tmp_path / "two", figures=False, wall_time_s=99.0,
                        command=["y"])
    assert one == (tmp_path / "one").absolute()
    for name in TABLES:
        assert (one / name).read_bytes() == (two / name).read_bytes()
    m1 = json.loads((one / "manifest.json").read_text(encoding="utf-8"))
    assert m1["wall_time_s"] == 1.0 and m1["command"] == "x"
    assert not (one / "firms_final.parquet").exists()
    manifest = build_manifest(model, ["a.parquet"])
    assert manifest["files"] == ["a.parquet"] and manifest["wall_time_s"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]

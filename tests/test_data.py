"""Tests of the packaged data layer (:mod:`sim.data`): loading, lookups, distances, validation.

Validation tests copy the packaged data folder into ``tmp_path``, corrupt one cell or line and
check that :class:`~sim.data.DataError` names the file, the physical line and the column.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# `make install` installs the package (editable); a venv with the dependencies only does not,
# and pytest's default import mode puts tests/, not the checkout, on sys.path.
if importlib.util.find_spec("sim") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.data import (  # noqa: E402
    DATA_DIR,
    MAINLAND_ADCODES,
    REQUIRED_FILES,
    DataError,
    Dataset,
    load_dataset,
)

# --------------------------------------------------------------------------------------------
# helpers


@pytest.fixture(scope="module")
def ds() -> Dataset:
    """The packaged dataset (cached load)."""
    return load_dataset()


def copy_data(tmp_path: Path) -> Path:
    """Copy the packaged data folder into *tmp_path* and return the copy."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def read_rows(path: Path) -> list[list[str]]:
    """All CSV records of *path* (the packaged CSVs have one record per physical line)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    """Write CSV records with ``\\n`` line ends."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, file: str, line: int, column: str, value: str) -> None:
    """Set the cell at physical *line* (header = 1) and *column* of a CSV."""
    path = folder / file
    rows = read_rows(path)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def drop_line(folder: Path, file: str, line: int) -> None:
    """Delete physical *line* of a file."""
    path = folder / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[line - 1]
    path.write_text("".join(lines), encoding="utf-8")


def drop_column(folder: Path, file: str, column: str) -> None:
    """Remove *column* from a CSV."""
    path = folder / file
    rows = read_rows(path)
    k = rows[0].index(column)
    write_rows(path, [row[:k] + row[k + 1 :] for row in rows])


def line_of(folder: Path, file: str, column: str, value: str) -> int:
    """Physical line of the first record whose *column* equals *value*."""
    rows = read_rows(folder / file)
    k = rows[0].index(column)
    return next(i + 1 for i, row in enumerate(rows) if i and row[k] == value)


def assert_error(folder: Path, *fragments: str) -> str:
    """Loading *folder* raises a one-line DataError containing every fragment."""
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# --------------------------------------------------------------------------------------------
# the packaged data


def test_packaged_files_present() -> None:
    for name in (*REQUIRED_FILES, "SOURCES.md", "LICENSES.md"):
        assert (DATA_DIR / name).is_file(), name


def test_packaged_dataset_loads(ds: Dataset) -> None:
    assert ds.n == 31
    provinces = ds.provinces
    assert len(provinces) == 31
    assert isinstance(provinces.index, pd.RangeIndex)
    assert provinces["adcode"].tolist() == sorted(MAINLAND_ADCODES)
    assert provinces["idx"].tolist() == list(range(31))
    assert ds.names[:3] == ["Beijing", "Tianjin", "Hebei"]
    assert ds.abbrs[0] == "BJ" and ds.abbrs[-1] == "XJ"
    assert isinstance(ds.plates, np.ndarray) and set(ds.plates) == {
        "East",
        "Central",
        "West",
        "Northeast",
    }
    assert len(ds.adjacency) == 68 and len(ds.links) == 90 and len(ds.clusters) == 19
    assert len(ds.panel) == 31 * 16 and len(ds.national) == 14
    assert len(ds.geojson["features"]) == 31
    # documented gaps load as NaN, the partial coal column keeps its four values
    assert provinces["fiscal_expenditure2020_100m_yuan"].isna().all()
    assert provinces["central_transfers2020_100m_yuan"].isna().all()
    assert provinces["coal_output2020_100m_t"].notna().sum() == 4


def test_cached_default_load(ds: Dataset) -> None:
    assert load_dataset() is ds
    assert load_dataset(DATA_DIR) is ds


def test_index_columns(ds: Dataset) -> None:
    adj = ds.adjacency
    assert adj["a_idx"].dtype == np.int64 and adj["b_idx"].dtype == np.int64
    assert (adj["a_idx"] != adj["b_idx"]).all()
    hainan = ds.province_index("Hainan")
    assert hainan not in set(adj["a_idx"]) | set(adj["b_idx"])
    links = ds.links
    assert links["from_idx"].dtype == np.int64 and links["to_idx"].dtype == np.int64
    assert links.loc[links["year"] == "2015/2016", "year_start"].eq(2015).all()
    jjj = ds.clusters.iloc[0]
    assert jjj["member_idx"] == (0, 1, 2)
    assert jjj["core_cities"] == ("Beijing", "Tianjin", "Shijiazhuang")
    panel = ds.panel
    assert (panel["idx"].to_numpy() == np.repeat(np.arange(31), 16)).all()
    assert panel.loc[panel["year"] >= 2005, "population_10k"].notna().all()


def test_distances(ds: Dataset) -> None:
    d = ds.distance_km
    assert d.shape == (31, 31)
    assert np.array_equal(d, d.T)
    assert np.all(np.diag(d) == 0)
    assert np.all(d[~np.eye(31, dtype=bool)] > 0)
    assert not d.flags.writeable
    bj, sh, tj = (ds.province_index(k) for k in ("Beijing", "Shanghai", "Tianjin"))
    assert 950 < d[bj, sh] < 1250
    assert d[bj, tj] < 200
    assert d.max() < 4500  # nothing further apart than Xinjiang–Heilongjiang scale


def test_province_index(ds: Dataset) -> None:
    assert ds.province_index("Beijing") == 0
    assert ds.province_index("beijing") == 0
    assert ds.province_index("SH") == ds.province_index("Shanghai") == 8
    assert ds.province_index(650000) == ds.province_index("650000") == 30
    assert ds.province_index(np.int64(110000)) == 0
    assert ds.province_index("Inner Mongolia") == ds.province_index("IM") == 4


def test_province_index_error_suggests(ds: Dataset) -> None:
    with pytest.raises(DataError) as info:
        ds.province_index("Hebie")
    message = str(info.value)
    assert message.startswith("unknown province 'Hebie'")
    assert "31 names such as Beijing, Tianjin" in message
    assert "did you mean 'Hebei'?" in message
    with pytest.raises(DataError, match="unknown province '999999'"):
        ds.province_index(999999)


def test_national_values(ds: Dataset) -> None:
    assert ds.national_value("grain_output_total") == pytest.approx(66949.2)
    assert ds.national_value("population_census_total", 2020) == 1411778724
    assert ds.national_range("counterpart_support_xinjiang_share") == (0.003, 0.006)
    assert ds.national_value("counterpart_support_xinjiang_share") == pytest.approx(0.0045)
    with pytest.raises(DataError, match="did you mean 'grain_output_total'"):
        ds.national_value("grain_output_totl")
    with pytest.raises(DataError, match="no value"):
        ds.national_value("grain_output_total", 1999)


# --------------------------------------------------------------------------------------------
# validation: each rule on a corrupted copy

P = "provinces.csv"
Edit = Callable[[Path], None]

CELL_CASES: list[tuple[str, str, int, str, str, tuple[str, ...]]] = [
    # (id, file, line, column, new value, extra fragments expected in the message)
    ("adcode-unknown", P, 32, "adcode", "710000", ("not a mainland province code",)),
    ("adcode-duplicate", P, 3, "adcode", "110000", ("duplicate", "line 2")),
    ("adcode-not-int", P, 5, "adcode", "15x000", ("not a number",)),
    ("name-duplicate", P, 4, "name_en", "Beijing", ("duplicate",)),
    ("abbr-duplicate", P, 6, "abbr", "BJ", ("duplicate",)),
    ("abbr-missing", P, 6, "abbr", "", ("missing value",)),
    ("gdp-not-number", P, 7, "gdp2020_100m_yuan", "12,3", ("not a number",)),
    ("gdp-missing", P, 7, "gdp2020_100m_yuan", "", ("missing value",)),
    ("gdp-nonpositive", P, 8, "gdp2020_100m_yuan", "-5", ("out of range", "> 0")),
    ("pop-zero", P, 9, "pop_census2020", "0", ("out of range",)),
    ("capital-missing", P, 10, "capital_stock2020_100m_yuan_2020prices", "", ("missing",)),
    ("fiscal-text", P, 11, "fiscal_revenue2020_100m_yuan", "n/a", ("not a number",)),
    ("grain-negative", P, 12, "grain_output2020_10k_t", "-1", ("out of range",)),
    ("urban-over-100", P, 13, "urbanization_rate2020_pct", "120", ("[0, 100]",)),
    ("land-missing", P, 14, "land_area_km2_official", "", ("missing",)),
    ("va-share-range", P, 15, "va_share_primary_2020", "1.5", ("[0, 1]",)),
    ("coastal-flag", P, 16, "coastal", "2", ("0 or 1",)),
    ("land-border-flag", P, 17, "land_border", "yes", ("not a number",)),
    ("yangtze-flag", P, 18, "yangtze_economic_belt", "", ("missing",)),
    ("plate", P, 19, "region_plate", "Eastt", ("did you mean 'East'", "Northeast")),
    ("north-south", P, 20, "north_south", "Middle", ("North, South",)),
    ("grain-zone", P, 21, "grain_zone", "surplus", ("main_producing",)),
    ("optional-numeric", P, 22, "coal_output2020_100m_t", "lots", ("not a number",)),
    ("adjacency-name", "adjacency.csv", 5, "b", "Hebie", ("did you mean 'Hebei'",)),
    ("adjacency-adcode", "adjacency.csv", 5, "a_adcode", "110000", ("does not match",)),
    ("adjacency-self", "adjacency.csv", 2, "b", "Beijing", ("itself",)),
    ("link-from", "links.csv", 3, "from", "Bejing", ("did you mean 'Beijing'",)),
    ("link-to", "links.csv", 40, "to", "Tibett", ("did you mean 'Tibet'",)),
    ("link-year", "links.csv", 6, "year", "soon", ("YYYY",)),
    ("link-verified", "links.csv", 6, "verified", "maybe", ("yes, partial, recalled",)),
    ("cluster-member", "city_clusters.csv", 2, "provinces", "Beijing;Tianjn", ("'Tianjin'",)),
    ("cluster-tier", "city_clusters.csv", 4, "tier_14th_fyp", "best", ("optimize",)),
    ("panel-province", "panel_2000_2015.csv", 40, "province", "Shanxii", ("'Shanxi'",)),
    ("panel-year", "panel_2000_2015.csv", 10, "year", "1999", ("outside the panel",)),
    ("panel-gdp", "panel_2000_2015.csv", 11, "gdp_100m_yuan", "-3", ("out of range",)),
    ("panel-gdp-text", "panel_2000_2015.csv", 11, "gdp_100m_yuan", "x", ("not a number",)),
    ("panel-pop-2010", "panel_2000_2015.csv", 12, "population_10k", "", ("missing population",)),
    ("panel-adcode", "panel_2000_2015.csv", 12, "adcode", "120000", ("does not match",)),
    ("national-value", "national.csv", 7, "value", "a few", ("not a number or range",)),
    ("national-year", "national.csv", 3, "year", "", ("missing value",)),
]


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "fragments"),
    [case[1:] for case in CELL_CASES],
    ids=[case[0] for case in CELL_CASES],
)
def test_corrupted_cell(
    tmp_path: Path, file: str, line: int, column: str, value: str, fragments: tuple[str, ...]
) -> None:
    folder = copy_data(tmp_path)
    set_cell(folder, file, line, column, value)
    assert_error(folder, f"{file}: line {line}, column '{column}'", *fragments)


def test_unknown_province_message_format(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    set_cell(folder, "adjacency.csv", 5, "b", "Hebie")
    message = assert_error(folder)
    assert message == (
        "adjacency.csv: line 5, column 'b': unknown province 'Hebie' "
        "(allowed: 31 names such as Beijing, Tianjin, Hebei, ...; did you mean 'Hebei'?)"
    )


def test_va_shares_must_sum_to_one(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    set_cell(folder, P, 9, "va_share_tertiary_2020", "0.9")
    assert_error(folder, "provinces.csv: line 9, column 'va_share_*'", "sum to", "1 ± 0.01")


def test_missing_province_row(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    drop_line(folder, P, 32)
    assert_error(folder, "provinces.csv: line 1, column 'adcode'", "30 provinces", "650000")


def test_missing_required_column(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    drop_column(folder, P, "grain_output2020_10k_t")
    assert_error(folder, "provinces.csv: line 1, column 'grain_output2020_10k_t'", "missing")


def test_gap_columns_not_required(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    for column in (
        "fiscal_expenditure2020_100m_yuan",
        "central_transfers2020_100m_yuan",
        "coal_output2020_100m_t",
    ):
        drop_column(folder, P, column)
    data = load_dataset(folder)
    assert data.n == 31
    assert "coal_output2020_100m_t" not in data.provinces.columns


def test_line_numbers_are_physical(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    path = folder / "adjacency.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(1, "\n")  # a blank line after the header shifts every record by one
    path.write_text("".join(lines), encoding="utf-8")
    set_cell(folder, "adjacency.csv", 6, "a", "Tianjn")  # was line 5 before the blank line
    assert_error(folder, "adjacency.csv: line 6, column 'a'", "did you mean 'Tianjin'")


def test_malformed_csv_row(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    path = folder / "national.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].rstrip("\n") + ",extra\n"
    path.write_text("".join(lines), encoding="utf-8")
    assert_error(folder, "national.csv: line 5, column 'verified'", "7 fields", "header has 6")


def test_duplicate_adjacency_pair(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    set_cell(folder, "adjacency.csv", 3, "a", "Tianjin")
    set_cell(folder, "adjacency.csv", 3, "b", "Beijing")
    set_cell(folder, "adjacency.csv", 3, "a_adcode", "120000")
    set_cell(folder, "adjacency.csv", 3, "b_adcode", "110000")
    assert_error(folder, "adjacency.csv: line 3, column 'b'", "duplicate pair", "line 2")


def test_panel_missing_year(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    line = line_of(folder, "panel_2000_2015.csv", "province", "Tianjin")
    drop_line(folder, "panel_2000_2015.csv", line + 7)  # Tianjin 2007
    assert_error(folder, f"panel_2000_2015.csv: line {line}, column 'year'", "Tianjin in 2007")


def test_panel_missing_province(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    path = folder / "panel_2000_2015.csv"
    rows = [r for r in read_rows(path) if r[0] != "Xinjiang"]
    write_rows(path, rows)
    assert_error(folder, "panel_2000_2015.csv: line 1, column 'province'", "'Xinjiang'")


def test_panel_duplicate_row(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    set_cell(folder, "panel_2000_2015.csv", 3, "year", "2000")
    assert_error(folder, "panel_2000_2015.csv: line 3, column 'year'", "duplicate", "line 2")


def _edit_geojson(folder: Path, edit: Callable[[dict], None]) -> None:
    path = folder / "china_provinces.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_geojson_unknown_adcode(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)

    def edit(data: dict) -> None:
        data["features"][5]["properties"]["adcode"] = "710000"

    _edit_geojson(folder, edit)
    assert_error(
        folder,
        "china_provinces.geojson: line 1, column 'features[5].properties.adcode'",
        "710000",
    )


def test_geojson_missing_feature(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    _edit_geojson(folder, lambda data: data["features"].pop())
    assert_error(folder, "china_provinces.geojson: line 1, column", "30 features", "650000")


def test_geojson_line_of_feature(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    path = folder / "china_provinces.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][2]["geometry"]["coordinates"] = "nonsense"
    text = '{"type": "FeatureCollection", "features": [\n'
    text += ",\n".join(json.dumps(f, ensure_ascii=False) for f in data["features"]) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    assert_error(
        folder,
        "china_provinces.geojson: line 4, column 'features[2].geometry.coordinates'",
        "malformed geometry",
    )


def test_malformed_json(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    path = folder / "china_provinces.geojson"
    path.write_text(path.read_text(encoding="utf-8")[:1000], encoding="utf-8")
    assert_error(folder, "china_provinces.geojson: line 1, column", "malformed JSON")


def test_missing_file(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    (folder / "links.csv").unlink()
    assert_error(folder, f"{folder / 'links.csv'}: file not found", "must contain provinces.csv")

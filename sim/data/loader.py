"""Load and validate the packaged provincial data pack (``sim/data``).

:func:`load_dataset` reads the seven files of the data folder, checks them and returns a frozen
:class:`Dataset`. Every problem found raises :class:`DataError` with a one-line message that
names the file, the physical line (the CSV header is line 1) and the column, for example::

    adjacency.csv: line 5, column 'b': unknown province 'Hebie' (allowed: 31 names such as
    Beijing, Tianjin, Hebei, ...; did you mean 'Hebei'?)

(printed here on two lines; the real message is one line).

Conventions of the returned tables
----------------------------------
* Provinces are ordered by ``adcode``; ``provinces.idx`` is the row position 0..30 and every other
  table refers to provinces by that position (``a_idx``, ``from_idx``, ``member_idx``, ``idx``).
* Empty numeric cells are ``NaN``; empty text cells are ``""``.
* The documented gaps of ``provinces.csv`` (``fiscal_expenditure2020_100m_yuan``,
  ``central_transfers2020_100m_yuan``: empty; ``coal_output2020_100m_t``: 4 provinces only) are
  optional: they are parsed as numbers where filled, never required.

Distance rule
-------------
``Dataset.distance_km[i, j]`` is the great-circle (haversine, R = 6371 km) distance between the
centroids of provinces *i* and *j*. The centroid of a province is the area-weighted (shoelace)
centroid, computed in plain lon/lat degrees, of the largest exterior ring of its GeoJSON feature
(largest by absolute shoelace area in square degrees). Using only the largest ring keeps exclaves
and islands (e.g. Hebei's Sanhe–Dachang–Xianghe exclave) from pulling the centroid. Because an
affine rescaling of longitude does not move a planar centroid, this equals the centroid in a
local equirectangular projection. The diagonal is zero and the matrix is exactly symmetric.

The dataset loaded from the package folder is cached (``functools.lru_cache`` keyed on the
resolved path) and shared between callers: treat its tables as read-only and ``.copy()`` them
before editing. ``distance_km`` is a read-only array.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.names import PLATES

__all__ = [
    "DATA_DIR",
    "EARTH_RADIUS_KM",
    "MAINLAND_ADCODES",
    "REQUIRED_FILES",
    "DataError",
    "Dataset",
    "clear_cache",
    "distance_matrix_km",
    "feature_centroid",
    "haversine_km",
    "load_dataset",
    "ring_centroid",
]

#: The package data folder (default of :func:`load_dataset`).
DATA_DIR: Path = Path(__file__).resolve().parent

#: Earth radius used by the haversine distances, km.
EARTH_RADIUS_KM: float = 6371.0

#: The 31 mainland province-level GB/T 2260 codes (Taiwan, Hong Kong and Macau excluded).
MAINLAND_ADCODES: tuple[int, ...] = (
    110000, 120000, 130000, 140000, 150000,
    210000, 220000, 230000,
    310000, 320000, 330000, 340000, 350000, 360000, 370000,
    410000, 420000, 430000, 440000, 450000, 460000,
    500000, 510000, 520000, 530000, 540000,
    610000, 620000, 630000, 640000, 650000,
)  # fmt: skip

PROVINCES_FILE = "provinces.csv"
ADJACENCY_FILE = "adjacency.csv"
LINKS_FILE = "links.csv"
CLUSTERS_FILE = "city_clusters.csv"
PANEL_FILE = "panel_2000_2015.csv"
NATIONAL_FILE = "national.csv"
GEOJSON_FILE = "china_provinces.geojson"

#: Files the data folder must contain.
REQUIRED_FILES: tuple[str, ...] = (
    PROVINCES_FILE,
    ADJACENCY_FILE,
    LINKS_FILE,
    CLUSTERS_FILE,
    PANEL_FILE,
    NATIONAL_FILE,
    GEOJSON_FILE,
)

PANEL_YEARS: range = range(2000, 2016)
"""Years the panel must cover for every province."""
PANEL_POPULATION_YEARS: range = range(2005, 2016)
"""Years for which the panel population must be present (2001–2004 are empty in the pack)."""

NORTH_SOUTH: tuple[str, ...] = ("North", "South")
GRAIN_ZONES: tuple[str, ...] = ("main_producing", "main_selling", "balanced")
CLUSTER_TIERS: tuple[str, ...] = ("optimize", "grow", "cultivate")
LINK_VERIFIED: tuple[str, ...] = ("yes", "partial", "recalled")
VA_SHARE_COLUMNS: tuple[str, ...] = (
    "va_share_primary_2020",
    "va_share_industry_2020",
    "va_share_construction_2020",
    "va_share_tertiary_2020",
)
VA_SHARE_TOLERANCE: float = 0.01
"""Allowed deviation of the four value-added shares' row sum from 1."""

_Rule = tuple[Callable[[np.ndarray], np.ndarray], str]
_POSITIVE: _Rule = (lambda v: v > 0, "a number > 0")
_NON_NEGATIVE: _Rule = (lambda v: v >= 0, "a number >= 0")
_UNIT_INTERVAL: _Rule = (lambda v: (v >= 0) & (v <= 1), "a number in [0, 1]")
_PERCENT: _Rule = (lambda v: (v >= 0) & (v <= 100), "a number in [0, 100]")
_FLAG: _Rule = (lambda v: (v == 0) | (v == 1), "0 or 1")

# provinces.csv: numeric columns that must be filled, with their rule.
_PROVINCE_REQUIRED_NUMERIC: dict[str, _Rule] = {
    "pop_census2020": _POSITIVE,
    "gdp2020_100m_yuan": _POSITIVE,
    "capital_stock2020_100m_yuan_2020prices": _POSITIVE,
    "fiscal_revenue2020_100m_yuan": _NON_NEGATIVE,
    "grain_output2020_10k_t": _NON_NEGATIVE,
    "urbanization_rate2020_pct": _PERCENT,
    "land_area_km2_official": _POSITIVE,
    **{c: _UNIT_INTERVAL for c in VA_SHARE_COLUMNS},
}
# provinces.csv: numeric where filled, may be empty or absent (documented gaps included).
_PROVINCE_OPTIONAL_NUMERIC: dict[str, _Rule] = {
    "land_area_km2_geojson": _POSITIVE,
    "pop_yearend2020_10k": _POSITIVE,
    "gdp2020_100m_yuan_revised": _POSITIVE,
    "gdp_per_capita2020_yuan_revised": _POSITIVE,
    "capital_stock2020_100m_yuan_1952prices": _POSITIVE,
    "fiscal_expenditure2020_100m_yuan": _NON_NEGATIVE,  # GAP: empty in the pack
    "central_transfers2020_100m_yuan": _NON_NEGATIVE,  # GAP: empty in the pack
    "coal_output2020_100m_t": _NON_NEGATIVE,  # GAP except SX, IM, SN, XJ
}
_PROVINCE_FLAGS: tuple[str, ...] = ("coastal", "land_border", "yangtze_economic_belt")
_PROVINCE_CHOICES: dict[str, tuple[str, ...]] = {
    "region_plate": PLATES,
    "north_south": NORTH_SOUTH,
    "grain_zone": GRAIN_ZONES,
}
_PROVINCE_REQUIRED_TEXT: tuple[str, ...] = ("abbr", "name_en")


class DataError(ValueError):
    """A data file is missing, malformed or fails validation.

    The message is a single line, normally
    ``"<file name>: line <n>, column '<col>': <what is wrong> (allowed: ...)"`` where ``<n>`` is
    the physical line of the file (the CSV header is line 1).
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


# --------------------------------------------------------------------------------------------
# message helpers


def _show(value: Any, limit: int = 60) -> str:
    """Quote a cell value for an error message (single line, truncated)."""
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{text}'"


def _error(file: str, line: int, column: str, what: str, allowed: str | None = None) -> DataError:
    """Build the standard ``file: line n, column 'c': what (allowed: ...)`` error."""
    message = f"{file}: line {line}, column '{column}': {what}"
    if allowed:
        message += f" (allowed: {allowed})"
    return DataError(message)


def _suggest(value: str, choices: Iterable[str]) -> str | None:
    """Closest choice to *value* (case-insensitive) by :func:`difflib.get_close_matches`."""
    by_lower: dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(choice.lower(), choice)
    hits = difflib.get_close_matches(str(value).strip().lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[hits[0]] if hits else None


def _allowed_provinces(value: Any, names: Sequence[str]) -> str:
    """The ``allowed: ...`` text of an unknown-province error, with a suggestion if any."""
    text = f"{len(names)} names such as {', '.join(names[:3])}, ..."
    hint = _suggest(str(value), names)
    if hint is not None:
        text += f"; did you mean '{hint}'?"
    return text


def _unknown_province_message(value: Any, names: Sequence[str]) -> str:
    """``unknown province 'X' (allowed: 31 names such as ...; did you mean 'Y'?)``."""
    return f"unknown province {_show(value)} (allowed: {_allowed_provinces(value, names)})"


def _allowed_adcodes() -> str:
    codes = MAINLAND_ADCODES
    return (
        f"the {len(codes)} mainland GB/T 2260 province codes "
        f"{codes[0]}, {codes[1]}, {codes[2]}, ..., {codes[-1]}"
    )


# --------------------------------------------------------------------------------------------
# reading files


def _check_file(path: Path) -> None:
    """Raise :class:`DataError` if *path* is not an existing file."""
    if not path.is_file():
        raise DataError(
            f"{path}: file not found (the data folder must contain {', '.join(REQUIRED_FILES)})"
        )


def _read_text(path: Path) -> str:
    """Read a UTF-8 file (a BOM is tolerated); undecodable bytes give a one-line error."""
    _check_file(path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"{path.name}: line {line}: not valid UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_INTEGER_RE = re.compile(r"[+-]?\d+")


class _Raw:
    """A CSV file read as text cells, plus the columns converted so far.

    ``cells[column][row]`` is the stripped text of a cell (``None`` when empty) and
    ``lines[row]`` the physical line on which the record starts. Validators store converted
    columns in ``out``; :meth:`frame` assembles the final table once.
    """

    def __init__(
        self,
        file: str,
        header: list[str],
        records: list[list[str | None]],
        lines: list[int],
        header_line: int = 1,
    ) -> None:
        self.file = file
        self.header = header
        self.header_line = header_line
        self.cells: dict[str, list[str | None]] = {
            column: [record[k] for record in records] for k, column in enumerate(header)
        }
        self.lines = lines
        self.out: dict[str, Any] = {}

    def __len__(self) -> int:
        """Number of records (header and blank lines excluded)."""
        return len(self.lines)

    def error(
        self, row: int | None, column: str, what: str, allowed: str | None = None
    ) -> DataError:
        """Error located at *row* (``None`` = the header line) and *column*."""
        line = self.header_line if row is None else self.lines[row]
        return _error(self.file, line, column, what, allowed)

    def frame(self) -> pd.DataFrame:
        """The table: header columns (converted, inferred numeric, or text) then added ones.

        Unconverted columns whose filled cells are all numbers become ``int64`` (all filled,
        written as integers) or ``float64``; all-empty columns become ``NaN``; other columns
        are text with empty cells as ``""``.
        """
        data: dict[str, Any] = {}
        for column in self.header:
            if column in self.out:
                data[column] = self.out[column]
                continue
            cells = self.cells[column]
            filled = [c for c in cells if c is not None]
            if not filled:
                data[column] = np.full(len(cells), np.nan)
            elif all(_NUMBER_RE.fullmatch(c) for c in filled):
                integral = len(filled) == len(cells) and all(
                    _INTEGER_RE.fullmatch(c) for c in filled
                )
                data[column] = (
                    np.array([int(c) for c in filled], dtype=np.int64)
                    if integral
                    else np.array([np.nan if c is None else float(c) for c in cells])
                )
            else:
                data[column] = pd.Series(["" if c is None else c for c in cells], dtype=str)
        for column, values in self.out.items():
            if column not in data:
                data[column] = values
        return pd.DataFrame(data)


def _read_csv(path: Path, required: Sequence[str]) -> _Raw:
    """Read a CSV into a :class:`_Raw` table of stripped text cells.

    Blank lines are skipped but counted, so line numbers are physical (header = line 1 unless
    preceded by blank lines). The header must contain the *required* columns, have no empty or
    duplicate names, and every record must have as many fields as the header.
    """
    name = path.name
    reader = csv.reader(io.StringIO(_read_text(path), newline=""), strict=True)
    header: list[str] | None = None
    header_line = 1
    records: list[list[str | None]] = []
    lines: list[int] = []
    previous_end = 0
    try:
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            cells = [cell.strip() for cell in row]
            if header is None:
                header, header_line = cells, start
                continue
            if len(cells) != len(header):
                column = header[-1] if len(cells) > len(header) else header[len(cells)]
                raise _error(
                    name,
                    start,
                    column,
                    f"record has {len(cells)} fields but the header has {len(header)} "
                    "(malformed CSV: check commas and quotes)",
                )
            records.append([cell if cell != "" else None for cell in cells])
            lines.append(start)
    except csv.Error as exc:
        # report the line on which the broken record starts (e.g. an unterminated quote)
        raise DataError(f"{name}: line {previous_end + 1}: malformed CSV ({exc})") from None
    if header is None:
        raise _error(name, 1, required[0] if required else "", "empty file, no header row")
    seen: set[str] = set()
    for column in header:
        if column == "" or column in seen:
            what = "empty column name in header" if column == "" else "duplicate column in header"
            raise _error(name, header_line, column, what)
        seen.add(column)
    for column in required:
        if column not in seen:
            raise _error(
                name,
                header_line,
                column,
                "required column missing from the header",
                f"a header containing {', '.join(required)}",
            )
    return _Raw(name, header, records, lines, header_line)


# --------------------------------------------------------------------------------------------
# column validators (store converted columns in ``raw.out``)


def _require_text(raw: _Raw, column: str) -> list[str]:
    """Every cell of *column* must be filled; returns the cells."""
    cells = raw.cells[column]
    for row, cell in enumerate(cells):
        if cell is None:
            raise raw.error(row, column, "missing value", "non-empty text")
    return cells  # type: ignore[return-value]


def _parse_numeric(
    raw: _Raw,
    column: str,
    *,
    required: bool,
    rule: _Rule | None = None,
    integer: bool = False,
) -> np.ndarray | None:
    """Convert *column* to numbers, raising on the first bad cell; returns the values.

    Missing cells are an error when *required*; otherwise they become ``NaN`` (an absent
    optional column is skipped and gives ``None``). Filled cells must be finite numbers,
    integral if *integer*, and satisfy *rule*. The result is ``int64`` when every cell is filled
    with an integer written without a decimal point, else ``float64``.
    """
    if column not in raw.cells:
        if required:
            raise raw.error(None, column, "required column missing from the header")
        return None
    allowed = rule[1] if rule else ("an integer" if integer else "a number")
    cells = raw.cells[column]
    values = np.empty(len(cells))
    all_integral = True
    for row, cell in enumerate(cells):
        if cell is None:
            if required:
                raise raw.error(row, column, "missing value", allowed)
            values[row] = np.nan
            all_integral = False
            continue
        if not _NUMBER_RE.fullmatch(cell):
            raise raw.error(row, column, f"{_show(cell)} is not a number", allowed)
        values[row] = float(cell)
        if not _INTEGER_RE.fullmatch(cell):
            all_integral = False
            if integer and not values[row].is_integer():
                raise raw.error(row, column, f"{_show(cell)} is not an integer", allowed)
        if not math.isfinite(values[row]):
            raise raw.error(row, column, f"{_show(cell)} is not a finite number", allowed)
    if rule is not None:
        present = ~np.isnan(values)
        bad = present.copy()
        bad[present] = ~rule[0](values[present])
        if bad.any():
            row = int(np.argmax(bad))
            raise raw.error(row, column, f"{_show(cells[row])} is out of range", allowed)
    result = (
        values.astype(np.int64)
        if (all_integral or integer) and len(cells) and not np.isnan(values).any()
        else values
    )
    raw.out[column] = result
    return result


def _parse_choice(raw: _Raw, column: str, choices: Sequence[str], *, required: bool) -> None:
    """Cells of *column* must be one of *choices* (empty allowed unless *required*)."""
    if column not in raw.cells:
        if required:
            raise raw.error(None, column, "required column missing from the header")
        return
    for row, value in enumerate(raw.cells[column]):
        if value is None:
            if required:
                raise raw.error(row, column, "missing value", ", ".join(choices))
            continue
        if value not in choices:
            hint = _suggest(value, choices)
            what = f"{_show(value)} is not a recognised value"
            if hint is not None:
                what += f" (did you mean '{hint}'?)"
            raise raw.error(row, column, what, ", ".join(choices))



#: Allowed ``verified`` values of the extra data files' provenance columns (SOURCES.md).
SOURCE_VERIFIED: tuple[str, ...] = ("verified", "verified-anon", "RECALLED")


def check_provenance(raw: _Raw, verified: Sequence[str] = SOURCE_VERIFIED) -> None:
    """Every row names its ``source`` and a ``verified`` status from ``verified``."""
    _require_text(raw, "source")
    _parse_choice(raw, "verified", verified, required=True)

def _check_unique(raw: _Raw, column: str, values: Sequence[Any] | None = None) -> None:
    """Values of *column* must be unique; the second occurrence is reported."""
    first: dict[Any, int] = {}
    for row, value in enumerate(raw.cells[column] if values is None else values):
        if value in first:
            raise raw.error(
                row,
                column,
                f"duplicate value {_show(value)} (first on line {raw.lines[first[value]]})",
                "each value once",
            )
        first[value] = row


def _province_refs(
    raw: _Raw, column: str, lookup: dict[str, int], names: Sequence[str]
) -> np.ndarray:
    """Map the province names (``name_en``) of *column* to row positions."""
    out = np.empty(len(raw), dtype=np.int64)
    for row, value in enumerate(_require_text(raw, column)):
        if value not in lookup:
            raise raw.error(
                row, column, f"unknown province {_show(value)}", _allowed_provinces(value, names)
            )
        out[row] = lookup[value]
    return out


def _check_adcode_matches(
    raw: _Raw, column: str, idx: np.ndarray, adcodes: np.ndarray, names: Sequence[str]
) -> None:
    """An optional adcode column must agree with the province named on the same row."""
    values = _parse_numeric(raw, column, required=False, integer=True)
    if values is None:
        return
    expected = adcodes[idx]
    for row in range(len(raw)):
        if values.dtype.kind == "f" and np.isnan(values[row]):
            raise raw.error(row, column, "missing value", str(int(expected[row])))
        if int(values[row]) != int(expected[row]):
            raise raw.error(
                row,
                column,
                f"adcode {int(values[row])} does not match province '{names[idx[row]]}'",
                str(int(expected[row])),
            )


# --------------------------------------------------------------------------------------------
# geometry


def ring_centroid(ring: np.ndarray) -> tuple[float, float, float]:
    """Shoelace area and centroid of a lon/lat ring, in plain degrees.

    Parameters
    ----------
    ring:
        Array of shape ``(k, >=2)``; longitude first. It may be closed (first point repeated
        at the end) or open.

    Returns
    -------
    (area, lon, lat):
        The signed planar area in square degrees and the area-weighted centroid. A degenerate
        ring (zero area) returns the mean of its vertices and area 0.
    """
    pts = np.asarray(ring, dtype=float)[:, :2]
    if len(pts) > 1 and np.array_equal(pts[0], pts[-1]):
        pts = pts[:-1]
    origin = pts.mean(axis=0)
    x, y = (pts - origin).T  # shift for numerical stability
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    cross = x * yn - xn * y
    area = float(cross.sum() / 2.0)
    if abs(area) < 1e-12:
        return 0.0, float(origin[0]), float(origin[1])
    cx = float(((x + xn) * cross).sum() / (6.0 * area)) + float(origin[0])
    cy = float(((y + yn) * cross).sum() / (6.0 * area)) + float(origin[1])
    return area, cx, cy


def _exterior_rings(geometry: dict[str, Any]) -> list[np.ndarray]:
    """Exterior rings of a GeoJSON Polygon or MultiPolygon as float arrays.

    Every ring must have at least 3 finite positions within lon [-180, 180] / lat [-90, 90].
    (Strict GeoJSON asks for 4; the echarts outline has 25 closed two-point slivers, which are
    accepted and, having zero area, never chosen as the largest ring.)
    """
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"geometry type {_show(kind)} is not supported")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        raise ValueError("coordinates must be a list")
    polygons = [coords] if kind == "Polygon" else coords
    rings: list[np.ndarray] = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValueError("a polygon without rings")
        for k, ring in enumerate(polygon):
            arr = np.asarray(ring, dtype=float)
            if arr.ndim != 2 or arr.shape[1] < 2 or arr.shape[0] < 3:
                raise ValueError("a ring must be a list of at least 3 [lon, lat] positions")
            if not np.isfinite(arr).all():
                raise ValueError("non-finite coordinates")
            if (np.abs(arr[:, 0]) > 180).any() or (np.abs(arr[:, 1]) > 90).any():
                raise ValueError("coordinates outside lon [-180, 180] / lat [-90, 90]")
            if k == 0:
                rings.append(arr)
    return rings


def feature_centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    """``(lon, lat)`` centroid of the largest exterior ring of a GeoJSON (Multi)Polygon.

    "Largest" is by absolute shoelace area in square degrees; the centroid is area-weighted
    (see :func:`ring_centroid`). Raises ``ValueError`` on malformed geometry.
    """
    best: tuple[float, float, float] | None = None
    for ring in _exterior_rings(geometry):
        area, lon, lat = ring_centroid(ring)
        if best is None or abs(area) > best[0]:
            best = (abs(area), lon, lat)
    if best is None:
        raise ValueError("geometry without polygons")
    return best[1], best[2]


def haversine_km(
    lon1: np.ndarray | float,
    lat1: np.ndarray | float,
    lon2: np.ndarray | float,
    lat2: np.ndarray | float,
    radius_km: float = EARTH_RADIUS_KM,
) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasting)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2.0) ** 2
    return 2.0 * radius_km * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def distance_matrix_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Symmetric ``(n, n)`` haversine distance matrix with a zero diagonal."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dist = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    dist = (dist + dist.T) / 2.0
    np.fill_diagonal(dist, 0.0)
    return dist


# --------------------------------------------------------------------------------------------
# per-file loaders


def _load_provinces(path: Path) -> pd.DataFrame:
    """Read and validate ``provinces.csv``; return it sorted by adcode with ``idx``."""
    required = [
        "adcode",
        *_PROVINCE_REQUIRED_TEXT,
        *_PROVINCE_REQUIRED_NUMERIC,
        *_PROVINCE_FLAGS,
        *_PROVINCE_CHOICES,
    ]
    raw = _read_csv(path, required)

    adcodes = _parse_numeric(raw, "adcode", required=True, integer=True)
    assert adcodes is not None
    known = set(MAINLAND_ADCODES)
    for row, code in enumerate(adcodes.tolist()):
        if code not in known:
            raise raw.error(
                row, "adcode", f"{code} is not a mainland province code", _allowed_adcodes()
            )
    _check_unique(raw, "adcode", adcodes.tolist())
    missing = sorted(known - set(adcodes.tolist()))
    if missing:
        raise raw.error(
            None,
            "adcode",
            f"{len(raw)} provinces found, {len(known)} required; missing adcode(s) "
            + ", ".join(str(c) for c in missing),
            _allowed_adcodes(),
        )

    for column in _PROVINCE_REQUIRED_TEXT:
        _require_text(raw, column)
        _check_unique(raw, column)
    for column, rule in _PROVINCE_REQUIRED_NUMERIC.items():
        _parse_numeric(raw, column, required=True, rule=rule)
    for column, rule in _PROVINCE_OPTIONAL_NUMERIC.items():
        _parse_numeric(raw, column, required=False, rule=rule)
    for column in _PROVINCE_FLAGS:
        _parse_numeric(raw, column, required=True, rule=_FLAG, integer=True)
    for column, choices in _PROVINCE_CHOICES.items():
        _parse_choice(raw, column, choices, required=True)

    sums = np.sum([raw.out[c] for c in VA_SHARE_COLUMNS], axis=0)
    bad = np.abs(sums - 1.0) > VA_SHARE_TOLERANCE
    if bad.any():
        row = int(np.argmax(bad))
        raise raw.error(
            row,
            "va_share_*",
            f"the four value-added shares sum to {sums[row]:.4f}",
            f"a sum of 1 ± {VA_SHARE_TOLERANCE}",
        )

    frame = raw.frame().sort_values("adcode", kind="stable").reset_index(drop=True)
    frame.insert(0, "idx", np.arange(len(frame), dtype=np.int64))
    return frame


def _feature_lines(text: str) -> list[int]:
    """Physical line on which each element of the top-level ``features`` array starts."""
    match = re.search(r'"features"\s*:\s*\[', text)
    if match is None:
        return []
    decoder = json.JSONDecoder()
    separators = re.compile(r"[\s,]*")
    pos, out = match.end(), []
    try:
        while True:
            pos = separators.match(text, pos).end()  # type: ignore[union-attr]
            if pos >= len(text) or text[pos] == "]":
                return out
            out.append(text.count("\n", 0, pos) + 1)
            _, pos = decoder.raw_decode(text, pos)
    except json.JSONDecodeError:
        return out


def _load_geojson(path: Path, adcodes: Sequence[int]) -> tuple[dict[str, Any], np.ndarray]:
    """Read and validate the GeoJSON; return it and the lon/lat centroids in *adcodes* order.

    Errors name the line of the offending feature and a JSON path such as
    ``features[3].properties.adcode`` as the column.
    """
    file = path.name
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{file}: line {exc.lineno}, column {exc.colno}: malformed JSON ({exc.msg})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise _error(
            file, 1, "features", "not a GeoJSON FeatureCollection", "an object with a features list"
        )

    feature_lines: list[int] | None = None

    def fail(i: int, column: str, what: str, allowed: str | None = None) -> DataError:
        nonlocal feature_lines
        if feature_lines is None:
            feature_lines = _feature_lines(text)
        line = feature_lines[i] if i < len(feature_lines) else 1
        return _error(file, line, f"features[{i}].{column}", what, allowed)

    position = {int(c): i for i, c in enumerate(adcodes)}
    centroids = np.full((len(position), 2), np.nan)
    seen: dict[int, int] = {}
    for i, feature in enumerate(data["features"]):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict) or "adcode" not in props:
            raise fail(i, "properties.adcode", "missing adcode property", _allowed_adcodes())
        value = props["adcode"]
        try:
            code = int(str(value).strip())
        except ValueError:
            raise fail(
                i, "properties.adcode", f"{_show(value)} is not an integer code", _allowed_adcodes()
            ) from None
        if code not in position:
            raise fail(
                i,
                "properties.adcode",
                f"{code} is not a province of {PROVINCES_FILE}",
                _allowed_adcodes(),
            )
        if code in seen:
            raise fail(
                i, "properties.adcode", f"duplicate adcode {code} (also features[{seen[code]}])"
            )
        seen[code] = i
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict):
            raise fail(i, "geometry", "missing geometry", "a Polygon or MultiPolygon")
        try:
            centroids[position[code]] = feature_centroid(geometry)
        except (ValueError, TypeError) as exc:
            raise fail(
                i,
                "geometry.coordinates",
                f"malformed geometry: {exc}",
                "a Polygon or MultiPolygon of [lon, lat] rings",
            ) from None
    missing = [c for c in position if c not in seen]
    if missing:
        raise _error(
            file,
            1,
            "features[].properties.adcode",
            f"{len(seen)} features found, {len(position)} required; no feature for adcode(s) "
            + ", ".join(str(c) for c in missing),
            f"one feature per province of {PROVINCES_FILE}",
        )
    return data, centroids


def _load_adjacency(path: Path, lookup: dict[str, int], provinces: pd.DataFrame) -> pd.DataFrame:
    """Read ``adjacency.csv``: known, distinct, non-repeated pairs; adds ``a_idx``/``b_idx``."""
    names = provinces["name_en"].tolist()
    raw = _read_csv(path, ["a", "b"])
    a_idx = _province_refs(raw, "a", lookup, names)
    b_idx = _province_refs(raw, "b", lookup, names)
    seen: dict[tuple[int, int], int] = {}
    for row in range(len(raw)):
        a, b = int(a_idx[row]), int(b_idx[row])
        if a == b:
            raise raw.error(
                row, "b", f"province '{names[a]}' paired with itself", "a neighbouring province"
            )
        key = (min(a, b), max(a, b))
        if key in seen:
            raise raw.error(
                row, "b", f"duplicate pair {names[a]}–{names[b]} (first on line {seen[key]})"
            )
        seen[key] = raw.lines[row]
    adcodes = provinces["adcode"].to_numpy()
    _check_adcode_matches(raw, "a_adcode", a_idx, adcodes, names)
    _check_adcode_matches(raw, "b_adcode", b_idx, adcodes, names)
    _parse_numeric(raw, "shared_border_proxy_deg", required=False, rule=_NON_NEGATIVE)
    raw.out["a_idx"], raw.out["b_idx"] = a_idx, b_idx
    return raw.frame()


def _load_links(path: Path, lookup: dict[str, int], names: list[str]) -> pd.DataFrame:
    """Read ``links.csv``; adds ``from_idx``, ``to_idx`` and ``year_start`` (first year)."""
    raw = _read_csv(path, ["kind", "from", "to", "year"])
    _require_text(raw, "kind")
    from_idx = _province_refs(raw, "from", lookup, names)
    to_idx = _province_refs(raw, "to", lookup, names)
    start = np.empty(len(raw), dtype=np.int64)
    for row, value in enumerate(_require_text(raw, "year")):
        match = re.fullmatch(r"(\d{4})(?:/(\d{4}))?", value)
        if match is None:
            raise raw.error(row, "year", f"{_show(value)} is not a year", "YYYY or YYYY/YYYY")
        start[row] = int(match.group(1))
        if from_idx[row] == to_idx[row]:
            raise raw.error(
                row, "to", f"link from '{names[from_idx[row]]}' to itself", "another province"
            )
    _parse_choice(raw, "verified", LINK_VERIFIED, required=False)
    raw.out["year"] = pd.Series(raw.cells["year"], dtype=str)
    raw.out["from_idx"], raw.out["to_idx"], raw.out["year_start"] = from_idx, to_idx, start
    return raw.frame()


def _split_list(value: str | None) -> tuple[str, ...]:
    """Split a ``;``-separated cell into stripped, non-empty items."""
    if value is None:
        return ()
    return tuple(item.strip() for item in value.split(";") if item.strip())


def _load_clusters(path: Path, lookup: dict[str, int], names: list[str]) -> pd.DataFrame:
    """Read ``city_clusters.csv``; adds ``members``, ``member_idx``; splits ``core_cities``."""
    raw = _read_csv(path, ["cluster", "provinces"])
    _require_text(raw, "cluster")
    _check_unique(raw, "cluster")
    _parse_choice(raw, "tier_14th_fyp", CLUSTER_TIERS, required=False)
    members: list[tuple[str, ...]] = []
    member_idx: list[tuple[int, ...]] = []
    for row, value in enumerate(_require_text(raw, "provinces")):
        items = _split_list(value)
        if not items:
            raise raw.error(
                row, "provinces", "no province listed", "province names separated by ';'"
            )
        for item in items:
            if item not in lookup:
                raise raw.error(
                    row,
                    "provinces",
                    f"unknown province {_show(item)}",
                    _allowed_provinces(item, names),
                )
        if len(set(items)) != len(items):
            raise raw.error(row, "provinces", "a province is listed twice", "each province once")
        members.append(items)
        member_idx.append(tuple(lookup[item] for item in items))
    if "core_cities" in raw.cells:
        raw.out["core_cities"] = _object_series([_split_list(v) for v in raw.cells["core_cities"]])
    raw.out["members"] = _object_series(members)
    raw.out["member_idx"] = _object_series(member_idx)
    return raw.frame()


def _object_series(items: list[Any]) -> pd.Series:
    """A Series of arbitrary Python objects (e.g. tuples), one per row."""
    values = np.empty(len(items), dtype=object)
    values[:] = items
    return pd.Series(values, dtype=object)


def _load_panel(path: Path, lookup: dict[str, int], provinces: pd.DataFrame) -> pd.DataFrame:
    """Read the 2000–2015 panel: full province × year coverage, positive GDP, population 2005+."""
    names = provinces["name_en"].tolist()
    raw = _read_csv(path, ["province", "year", "gdp_100m_yuan", "population_10k"])
    idx = _province_refs(raw, "province", lookup, names)
    _check_adcode_matches(raw, "adcode", idx, provinces["adcode"].to_numpy(), names)
    years = _parse_numeric(raw, "year", required=True, integer=True)
    assert years is not None
    first_year, last_year = PANEL_YEARS[0], PANEL_YEARS[-1]
    period = f"years {first_year}–{last_year}, one row per province and year"
    seen: dict[tuple[int, int], int] = {}
    for row, year in enumerate(years.tolist()):
        if year not in PANEL_YEARS:
            raise raw.error(row, "year", f"{year} is outside the panel", period)
        key = (int(idx[row]), year)
        if key in seen:
            raise raw.error(
                row,
                "year",
                f"duplicate row for {names[key[0]]} {year} (first on line {seen[key]})",
                period,
            )
        seen[key] = raw.lines[row]
    _parse_numeric(raw, "gdp_100m_yuan", required=False, rule=_POSITIVE)
    population = _parse_numeric(raw, "population_10k", required=False, rule=_POSITIVE)
    assert population is not None
    for column in ("capital_stock_zj_100m_yuan_2020prices", "gfcf_100m_yuan_current"):
        _parse_numeric(raw, column, required=False, rule=_NON_NEGATIVE)
    pop_years = PANEL_POPULATION_YEARS
    for row, year in enumerate(years.tolist()):
        if year in pop_years and np.isnan(population[row]):
            raise raw.error(
                row,
                "population_10k",
                f"missing population for {names[idx[row]]} {year}",
                f"a number > 0 for {pop_years[0]}–{pop_years[-1]}",
            )
    for p, name in enumerate(names):
        have = [y for y in PANEL_YEARS if (p, y) in seen]
        if not have:
            raise raw.error(None, "province", f"no rows for province '{name}'", period)
        if len(have) < len(PANEL_YEARS):
            absent = ", ".join(str(y) for y in PANEL_YEARS if y not in have)
            first_line = min(seen[(p, y)] for y in have)
            raise _error(raw.file, first_line, "year", f"no row for {name} in {absent}", period)
    frame = raw.frame()
    frame.insert(0, "idx", idx)
    return frame.sort_values(["idx", "year"], kind="stable").reset_index(drop=True)


_RANGE_RE = re.compile(rf"\s*({_NUMBER})\s*(?:[-–]\s*({_NUMBER})\s*)?")


def _parse_value_range(text: str) -> tuple[float, float] | None:
    """``"0.5"`` -> (0.5, 0.5); ``"0.003-0.006"`` -> (0.003, 0.006); else ``None``."""
    match = _RANGE_RE.fullmatch(text)
    if match is None:
        return None
    lo = float(match.group(1))
    hi = float(match.group(2)) if match.group(2) is not None else lo
    return (lo, hi) if lo <= hi and math.isfinite(lo) and math.isfinite(hi) else None


def _load_national(path: Path) -> pd.DataFrame:
    """Read ``national.csv``; ``value`` stays text, ``value_lo``/``value_hi`` are its bounds."""
    raw = _read_csv(path, ["indicator", "year", "value"])
    indicators = _require_text(raw, "indicator")
    years = _parse_numeric(raw, "year", required=True, integer=True)
    assert years is not None
    values = _require_text(raw, "value")
    lo = np.empty(len(raw))
    hi = np.empty(len(raw))
    seen: dict[tuple[str, int], int] = {}
    for row, (name, year, value) in enumerate(zip(indicators, years.tolist(), values, strict=True)):
        bounds = _parse_value_range(value)
        if bounds is None:
            raise raw.error(
                row,
                "value",
                f"{_show(value)} is not a number or range",
                "a number such as 63.89 or a range lo-hi such as 0.003-0.006",
            )
        lo[row], hi[row] = bounds
        if (name, year) in seen:
            raise raw.error(
                row,
                "indicator",
                f"duplicate {_show(name)} for {year} (first on line {seen[(name, year)]})",
            )
        seen[(name, year)] = raw.lines[row]
    raw.out["value"] = pd.Series(values, dtype=str)
    raw.out["value_lo"], raw.out["value_hi"] = lo, hi
    return raw.frame()


# --------------------------------------------------------------------------------------------
# the dataset


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """The validated data pack. Provinces are indexed 0..30 in adcode order.

    Attributes
    ----------
    provinces:
        31 rows sorted by ``adcode`` with a ``RangeIndex``; ``idx`` equals the row position.
        Also carries ``centroid_lon``/``centroid_lat`` (degrees) used for ``distance_km``.
    adjacency:
        Land-border pairs plus integer ``a_idx``, ``b_idx``.
    links:
        Policy links plus integer ``from_idx``, ``to_idx`` and ``year_start`` (the first year
        of ``year``, which may read ``2015/2016``).
    clusters:
        The 19 urban agglomerations; ``core_cities`` and ``members`` are tuples of str,
        ``member_idx`` a tuple of province positions.
    panel:
        Province × year 2000–2015, sorted by (``idx``, ``year``), plus ``idx``.
    national:
        National totals and rules; ``value`` is the text of the file, ``value_lo``/``value_hi``
        its bounds (equal unless the value is a range). Use :meth:`national_value`.
    geojson:
        The parsed GeoJSON FeatureCollection.
    distance_km:
        ``(31, 31)`` read-only haversine distances between province centroids (see the module
        docstring for the centroid rule); zeros on the diagonal.
    data_dir:
        The folder the data were read from.
    """

    provinces: pd.DataFrame
    adjacency: pd.DataFrame
    links: pd.DataFrame
    clusters: pd.DataFrame
    panel: pd.DataFrame
    national: pd.DataFrame
    geojson: dict[str, Any]
    distance_km: np.ndarray
    data_dir: Path | None = None
    _lookup: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Build the case-insensitive province lookup (name_en, abbr, Chinese names, adcode)."""
        lookup: dict[str, int] = {}
        for column in ("adcode", "name_en", "abbr", "name_zh", "name_zh_short"):
            if column in self.provinces.columns:
                for i, value in enumerate(self.provinces[column].tolist()):
                    lookup.setdefault(str(value).strip().lower(), i)
        object.__setattr__(self, "_lookup", lookup)

    def __repr__(self) -> str:
        """Short summary (the default would print every table)."""
        return (
            f"Dataset({self.n} provinces, {len(self.adjacency)} adjacency pairs, "
            f"{len(self.links)} links, {len(self.clusters)} clusters, {len(self.panel)} panel rows, "
            f"{len(self.national)} national rows, data_dir={str(self.data_dir)!r})"
        )

    def file(self, name: str) -> Path:
        """Path of the extra data file ``name`` (mechanisms' tables): in :attr:`data_dir` when it
        holds one, else the packaged copy."""
        if self.data_dir is not None and (Path(self.data_dir) / name).is_file():
            return Path(self.data_dir) / name
        return DATA_DIR / name

    @property
    def n(self) -> int:
        """Number of provinces (31)."""
        return len(self.provinces)

    @property
    def names(self) -> list[str]:
        """``name_en`` in index order."""
        return self.provinces["name_en"].tolist()

    @property
    def abbrs(self) -> list[str]:
        """Two-letter codes (``BJ``, ``TJ``, ...) in index order."""
        return self.provinces["abbr"].tolist()

    @property
    def plates(self) -> np.ndarray:
        """``region_plate`` (East / Central / West / Northeast) as an array of str."""
        return self.provinces["region_plate"].to_numpy(dtype=str)

    def province_index(self, name_or_abbr_or_adcode: str | int) -> int:
        """Row position of a province given its ``name_en``, ``abbr`` or ``adcode``.

        Matching is case-insensitive; adcodes may be int or str (``110000`` / ``"110000"``).
        The Chinese full and short names are accepted too. Unknown keys raise
        :class:`DataError` with a close-match suggestion.
        """
        key = name_or_abbr_or_adcode
        if isinstance(key, bool) or not isinstance(key, str | int | np.integer):
            raise DataError(
                f"province key {_show(key)} must be a name, abbreviation or adcode "
                f"(allowed: {_allowed_provinces(str(key), self.names)})"
            )
        text = str(int(key)) if isinstance(key, int | np.integer) else key.strip().lower()
        if text in self._lookup:
            return self._lookup[text]
        raise DataError(_unknown_province_message(key, self.names))

    def _national_row(self, indicator: str, year: int | None) -> pd.Series:
        """The ``national`` row of *indicator* (and *year*, required if several exist)."""
        table = self.national
        rows = table[table["indicator"] == indicator]
        if rows.empty:
            known = table["indicator"].tolist()
            hint = _suggest(indicator, known)
            message = f"{NATIONAL_FILE}: unknown indicator {_show(indicator)} (allowed: {', '.join(known)}"
            raise DataError(message + (f"; did you mean '{hint}'?)" if hint else ")"))
        years = [int(y) for y in rows["year"]]
        if year is None:
            if len(rows) > 1:
                raise DataError(
                    f"{NATIONAL_FILE}: indicator {_show(indicator)} has several years; pass year= "
                    f"(allowed: {', '.join(map(str, years))})"
                )
            return rows.iloc[0]
        match = rows[rows["year"] == int(year)]
        if match.empty:
            raise DataError(
                f"{NATIONAL_FILE}: no value of {_show(indicator)} for {year} "
                f"(allowed: {', '.join(map(str, years))})"
            )
        return match.iloc[0]

    def national_range(self, indicator: str, year: int | None = None) -> tuple[float, float]:
        """``(lo, hi)`` of a national indicator; ``lo == hi`` unless the value is a range."""
        row = self._national_row(indicator, year)
        return float(row["value_lo"]), float(row["value_hi"])

    def national_value(self, indicator: str, year: int | None = None) -> float:
        """A national indicator as a number; a range such as ``0.003-0.006`` gives its midpoint."""
        lo, hi = self.national_range(indicator, year)
        return (lo + hi) / 2.0


def _load(data_dir: Path) -> Dataset:
    """Read and validate every file of *data_dir* (uncached)."""
    if not data_dir.is_dir():
        raise DataError(
            f"{data_dir}: data folder not found (the data folder must contain "
            f"{', '.join(REQUIRED_FILES)})"
        )
    for name in REQUIRED_FILES:
        _check_file(data_dir / name)
    provinces = _load_provinces(data_dir / PROVINCES_FILE)
    names = provinces["name_en"].tolist()
    lookup = {name: i for i, name in enumerate(names)}
    adjacency = _load_adjacency(data_dir / ADJACENCY_FILE, lookup, provinces)
    links = _load_links(data_dir / LINKS_FILE, lookup, names)
    clusters = _load_clusters(data_dir / CLUSTERS_FILE, lookup, names)
    panel = _load_panel(data_dir / PANEL_FILE, lookup, provinces)
    national = _load_national(data_dir / NATIONAL_FILE)
    geojson, centroids = _load_geojson(data_dir / GEOJSON_FILE, provinces["adcode"].tolist())
    provinces["centroid_lon"] = centroids[:, 0]
    provinces["centroid_lat"] = centroids[:, 1]
    distance = distance_matrix_km(centroids[:, 0], centroids[:, 1])
    distance.flags.writeable = False
    return Dataset(
        provinces=provinces,
        adjacency=adjacency,
        links=links,
        clusters=clusters,
        panel=panel,
        national=national,
        geojson=geojson,
        distance_km=distance,
        data_dir=data_dir,
    )


@functools.lru_cache(maxsize=4)
def _load_cached(resolved: Path) -> Dataset:
    """Cached :func:`_load` for the package folder."""
    return _load(resolved)


def load_dataset(data_dir: str | Path | None = None) -> Dataset:
    """Load and validate the data pack.

    Parameters
    ----------
    data_dir:
        Folder holding the seven files (``provinces.csv``, ``adjacency.csv``, ``links.csv``,
        ``city_clusters.csv``, ``panel_2000_2015.csv``, ``national.csv``,
        ``china_provinces.geojson``). ``None`` means the package folder ``sim/data``, whose load
        is cached (keyed on the resolved path) and shared; other folders are read afresh.

    Raises
    ------
    DataError
        On a missing file or the first validation failure, with a one-line message naming the
        file, line and column.
    """
    path = DATA_DIR if data_dir is None else Path(data_dir).expanduser()
    resolved = path.resolve()
    if resolved == DATA_DIR:
        return _load_cached(resolved)
    return _load(resolved)


def clear_cache() -> None:
    """Forget the cached package dataset (e.g. after editing the packaged files)."""
    _load_cached.cache_clear()

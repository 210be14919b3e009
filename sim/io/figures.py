"""The standard figures of a run (PNG, 120 dpi), drawn from the output tables.

Every function takes the tables (pandas DataFrames as written to Parquet) and, for the map, the
GeoJSON of the provinces; it writes one PNG and returns its path. Figures are built on a bare
:class:`matplotlib.figure.Figure` with the Agg canvas (no pyplot, no global state, the pyplot
backend of the session is left alone), so they are
safe to draw from worker processes and are reproducible for the same inputs and matplotlib version.
Margins are fixed in inches (:func:`_new_figure`) rather than found by a layout engine: the
labels are the same every run, and a layout engine measures all text again on every draw, which
doubles the time a figure takes.

* :func:`gdp_map` — ``gdp_map.png``: GDP per capita by province, first year vs last year.
* :func:`theil_decomposition` — ``theil_decomposition.png``: Theil T between/within plates, CV and
  Williamson index over the years.
* :func:`population_shares` — ``population_shares.png``: population (solid) and GDP (dashed) shares
  of the four plates.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PolyCollection
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from sim.config.names import PLATES

__all__ = [
    "DPI",
    "FIGURES",
    "gdp_map",
    "population_shares",
    "theil_decomposition",
    "write_figures",
]

DPI = 120
MAP_YEAR = 2020
MAP_ASPECT = 1.2  # ≈ 1 / cos(35°N): degrees of latitude vs longitude in mid-China
PLATE_COLOURS = {"East": "#1f77b4", "Central": "#ff7f0e", "West": "#2ca02c", "Northeast": "#d62728"}
FIGURES: tuple[str, ...] = ("gdp_map.png", "theil_decomposition.png", "population_shares.png")
_NICE_TICKS = [m * 10.0**e for e in range(0, 5) for m in (1, 1.5, 2, 3, 5, 7)]
_METADATA = {"Software": None}  # no version string in the PNG: same pixels, same bytes


def _new_figure(width: float, height: float, *, left: float, right: float, bottom: float,
                top: float, wspace: float = 0.2, hspace: float = 0.2) -> Figure:
    """A bare Agg figure of ``width`` × ``height`` inches whose subplots leave the given margins
    (inches) for tick labels, axis labels, titles, legends and colour bars; ``wspace`` and
    ``hspace`` are the gaps between subplots as fractions of their mean width and height."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=left / width, right=1.0 - right / width, bottom=bottom / height,
                        top=1.0 - top / height, wspace=wspace, hspace=hspace)
    return fig


def _save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, format="png", metadata=_METADATA)
    return out


# ------------------------------------------------------------------------------------ the map


def _rings(geometry: Mapping[str, Any]) -> list[np.ndarray]:
    """Exterior rings of a Polygon / MultiPolygon as (n, 2) lon/lat arrays."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    return [np.asarray(p[0], dtype=float)[:, :2] for p in polygons if p and len(p[0]) >= 3]


def _ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def province_shapes(geojson: Mapping[str, Any]) -> list[tuple[str, str, np.ndarray]]:
    """``(name_en, adcode, ring)`` for every exterior ring, largest first (so that provinces
    lying inside another's outline are drawn on top of it)."""
    shapes = []
    for feature in geojson.get("features", []):
        props = feature.get("properties") or {}
        name = str(props.get("name_en", ""))
        adcode = str(props.get("adcode", ""))
        for ring in _rings(feature.get("geometry") or {}):
            shapes.append((name, adcode, ring))
    shapes.sort(key=lambda s: (-_ring_area(s[2]), s[0]))
    return shapes


def _map_years(years: np.ndarray) -> tuple[int, int]:
    first = MAP_YEAR if MAP_YEAR in years else int(years.min())
    return first, int(years.max())


def gdp_map(
    province_year: pd.DataFrame, geojson: Mapping[str, Any], path: str | os.PathLike[str]
) -> Path:
    """Choropleth of GDP per capita by province: 2020 (or the first year) and the last year side by
    side, one shared colour scale and colour bar.

    ``province_year`` needs ``year``, ``province`` (English name, as ``name_en`` in the GeoJSON)
    and ``gdp_per_capita_yuan``.
    """
    years = province_year["year"].to_numpy()
    first, last = _map_years(years)
    panels = [first] if first == last else [first, last]
    values = {
        y: dict(zip(frame["province"].astype(str), frame["gdp_per_capita_yuan"].astype(float),
                    strict=True))
        for y, frame in province_year[province_year["year"].isin(panels)].groupby("year")
    }
    all_values = np.array([v for y in panels for v in values[y].values()], dtype=float) / 1e3
    finite = all_values[np.isfinite(all_values) & (all_values > 0)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (1.0, 10.0)
    if hi <= lo:
        hi = lo * 1.1
    # GDP per capita spans a factor of ~5 and grows: a log scale keeps both panels readable.
    norm: Normalize = LogNorm(vmin=lo, vmax=hi)
    cmap = matplotlib.colormaps["viridis"]
    shapes = province_shapes(geojson)
    lon = np.concatenate([s[2][:, 0] for s in shapes]) if shapes else np.array([70.0, 136.0])
    lat = np.concatenate([s[2][:, 1] for s in shapes]) if shapes else np.array([17.0, 54.0])

    width, height = 5.6 * len(panels) + 1.0, 4.3
    fig = _new_figure(width, height, left=0.6, right=1.15, bottom=0.5, top=0.35, wspace=0.15)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, year in zip(axes, panels, strict=True):
        v = values[year]
        vals = np.array([v.get(name, np.nan) for name, _, _ in shapes], dtype=float) / 1e3
        known = np.isfinite(vals) & (vals > 0)
        colours = np.tile([0.85, 0.85, 0.85, 1.0], (len(shapes), 1))  # grey: no value
        if known.any():
            colours[known] = cmap(norm(vals[known]))
        coll = PolyCollection([s[2] for s in shapes], facecolors=colours, edgecolors="white",
                              linewidths=0.4)
        ax.add_collection(coll)
        ax.set_xlim(float(lon.min()) - 1.0, float(lon.max()) + 1.0)
        ax.set_ylim(float(lat.min()) - 1.0, float(lat.max()) + 1.0)
        ax.set_aspect(MAP_ASPECT)
        ax.set_title(f"GDP per capita by province, {year}")
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        ax.tick_params(labelsize=8)
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    # Colour bar in the right margin: 0.15 in wide, 0.2 in right of the panels.
    cax = fig.add_axes((1.0 - 0.95 / width, 0.6 / height, 0.15 / width, 1.0 - 1.05 / height))
    bar = fig.colorbar(mappable, cax=cax)
    bar.set_label("GDP per capita, thousand yuan (log scale)")
    ticks = [t for t in _NICE_TICKS if lo <= t <= hi] or [lo, hi]
    bar.set_ticks(ticks)
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:g}"))
    bar.ax.yaxis.set_minor_formatter(NullFormatter())
    return _save(fig, path)


# ------------------------------------------------------------------------- inequality indices


def theil_decomposition(national_year: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Top: Theil T of GDP per capita split into between-plate and within-plate parts (stacked
    areas) with the total as a line. Bottom: coefficient of variation and Williamson index."""
    nat = national_year.sort_values("year")
    years = nat["year"].to_numpy()
    fig = _new_figure(8.0, 7.0, left=0.75, right=0.2, bottom=0.55, top=0.35, hspace=0.14)
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.stackplot(years, nat["theil_between"].to_numpy(float), nat["theil_within"].to_numpy(float),
                  labels=["between plates", "within plates"], colors=["#4c72b0", "#a6c8e0"],
                  alpha=0.9)
    top.plot(years, nat["theil_t"].to_numpy(float), color="black", lw=1.6, label="Theil T (total)")
    top.set_ylabel("Theil T index")
    top.set_title("Regional inequality of GDP per capita: Theil T decomposition")
    peak = float(np.nanmax(nat["theil_t"].to_numpy(float))) if len(nat) else 0.0
    top.set_ylim(0.0, 1.3 * peak if np.isfinite(peak) and peak > 0 else None)  # room for the legend
    top.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)
    top.grid(alpha=0.3)
    bottom.plot(years, nat["cv"].to_numpy(float), color="#dd8452", lw=1.6,
                label="coefficient of variation")
    bottom.plot(years, nat["williamson"].to_numpy(float), color="#55a868", lw=1.6,
                label="Williamson index (population-weighted CV)")
    bottom.set_ylabel("index")
    bottom.set_xlabel("year")
    bottom.set_title("Dispersion of provincial GDP per capita")
    bottom.legend(loc="best", fontsize=8, frameon=False)
    bottom.grid(alpha=0.3)
    if years.size > 1:
        bottom.set_xlim(float(years.min()), float(years.max()))
    return _save(fig, path)


# ------------------------------------------------------------------------------ plate shares


def population_shares(plate_year: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Population share (solid) and GDP share (dashed) of each plate over the years."""
    fig = _new_figure(8.0, 5.0, left=0.6, right=1.8, bottom=0.55, top=0.35)
    ax = fig.subplots()
    present = [str(p) for p in pd.unique(plate_year["plate"])]
    plates = [p for p in PLATES if p in present] + sorted(p for p in present if p not in PLATES)
    fallback = iter(matplotlib.colormaps["tab10"].colors[4:])
    for plate in plates:
        rows = plate_year[plate_year["plate"] == plate].sort_values("year")
        colour = PLATE_COLOURS.get(plate) or next(fallback, "grey")
        years = rows["year"].to_numpy()
        ax.plot(years, rows["population_share"].to_numpy(float) * 100.0, color=colour, lw=1.8,
                label=f"{plate}: population")
        ax.plot(years, rows["gdp_share"].to_numpy(float) * 100.0, color=colour, lw=1.4, ls="--",
                label=f"{plate}: GDP")
    ax.set_ylabel("share of the national total, %")
    ax.set_xlabel("year")
    ax.set_title("Population (solid) and GDP (dashed) shares of the four plates")
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return _save(fig, path)


def write_figures(
    province_year: pd.DataFrame,
    national_year: pd.DataFrame,
    plate_year: pd.DataFrame,
    geojson: Mapping[str, Any],
    out_dir: str | os.PathLike[str],
) -> list[Path]:
    """All standard figures into ``out_dir``; returns their paths."""
    folder = Path(out_dir)
    return [
        gdp_map(province_year, geojson, folder / "gdp_map.png"),
        theil_decomposition(national_year, folder / "theil_decomposition.png"),
        population_shares(plate_year, folder / "population_shares.png"),
    ]

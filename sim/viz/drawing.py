"""Matplotlib drawing for the app: the province map and the time-series charts.

Everything is drawn on :class:`matplotlib.figure.Figure` objects (no pyplot state, safe in the
server's threads) from the model's arrays; nothing is fetched. The map is an Albers equal-area
projection of the packaged GeoJSON (standard parallels 25°N and 47°N, central meridian 105°E), one
compound path per province in a single :class:`~matplotlib.collections.PolyCollection`; link
overlays are drawn between the provinces' centroids (``data.provinces.centroid_lon/lat``).

Optional model attributes are read when present: ``ecological_quality`` (array by province) and,
in :mod:`sim.viz.components`, ``warnings``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
from matplotlib import colormaps
from matplotlib import patheffects as pe
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path as MplPath

__all__ = [
    "INDICATORS",
    "OVERLAYS",
    "PLATE_COLOURS",
    "Indicator",
    "MapDrawing",
    "albers",
    "disparity_figure",
    "draw_map",
    "map_figure",
    "plate_figure",
]

DPI = 100
NO_DATA = "#d9d9d9"
EDGE = "#ffffff"
PLATE_COLOURS = {"East": "#1f77b4", "Central": "#ff7f0e", "West": "#2ca02c",
                 "Northeast": "#9467bd"}
PLATE_ORDER = ("East", "Central", "West", "Northeast")


# ---------------------------------------------------------------------------- indicators
@dataclass(frozen=True)
class Indicator:
    """A map colouring: label, unit, colormap and how to read it from the model (None when the
    model does not have it)."""

    label: str
    unit: str
    cmap: str
    values: Callable[[Any], np.ndarray | None]
    diverging: bool = False
    fmt: str = "{:,.1f}"


def _optional(name: str, scale: float = 1.0) -> Callable[[Any], np.ndarray | None]:
    def get(model: Any) -> np.ndarray | None:
        value = getattr(model, name, None)
        return None if value is None else np.asarray(value, dtype=float) * scale
    return get


INDICATORS: dict[str, Indicator] = {
    "gdp_per_capita": Indicator(
        "GDP per capita", "thousand yuan per person", "viridis",
        lambda m: np.asarray(m.gdp, float) * 1e5 / np.asarray(m.population, float)),
    "population": Indicator(
        "Population", "million residents", "YlOrBr",
        lambda m: np.asarray(m.population, float) / 1e6),
    "public_services": Indicator(
        "Public services", "index, 2020 national mean = 1", "PuBuGn",
        _optional("service_index"), fmt="{:.2f}"),
    "ecological_quality": Indicator(
        "Ecological quality", "index", "Greens", _optional("ecological_quality"), fmt="{:.2f}"),
    "net_migration": Indicator(
        "Net migration", "thousand persons, last year", "RdBu",
        _optional("net_migration", 1e-3), diverging=True, fmt="{:+,.0f}"),
}

#: Link overlays: key -> (label, graph edge kinds or None for the migration flows, colour, style).
OVERLAYS: dict[str, tuple[str, tuple[str, ...] | None, str, str]] = {
    "migration": ("Top migration flows (last year)", None, "#202020", "-"),
    "pairing": ("Pairing & counterpart support", ("pairing", "counterpart", "cooperation"),
                "#d6604d", "-"),
    "eco": ("Ecological compensation", ("eco_compensation",), "#1b7837", "--"),
}
TOP_FLOWS = 12


# ---------------------------------------------------------------------------- geometry
def albers(lon: np.ndarray, lat: np.ndarray, lon0: float = 105.0, lat0: float = 35.0,
           lat1: float = 25.0, lat2: float = 47.0) -> tuple[np.ndarray, np.ndarray]:
    """Albers equal-area conic projection (unit sphere), the usual one for maps of China."""
    p0, p1, p2 = np.radians([lat0, lat1, lat2])
    n = (np.sin(p1) + np.sin(p2)) / 2.0
    c = np.cos(p1) ** 2 + 2.0 * n * np.sin(p1)
    rho0 = np.sqrt(c - 2.0 * n * np.sin(p0)) / n
    rho = np.sqrt(c - 2.0 * n * np.sin(np.radians(lat))) / n
    theta = n * np.radians(np.asarray(lon, float) - lon0)
    return rho * np.sin(theta), rho0 - rho * np.cos(theta)


def _ring_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


@dataclass(frozen=True)
class _Geometry:
    verts: list[np.ndarray]      # per province (index order), projected, all rings concatenated
    codes: list[np.ndarray]
    area: np.ndarray             # projected area per province
    centroids: np.ndarray        # (n, 2) projected centroids
    extent: tuple[float, float, float, float]


_GEOMETRY: dict[int, _Geometry] = {}


def _geometry(data: Any) -> _Geometry:
    """Projected province outlines in province-index order, cached per dataset."""
    key = id(data.geojson)
    geo = _GEOMETRY.get(key)
    if geo is not None:
        return geo
    provinces = data.provinces
    index = {int(a): i for i, a in enumerate(provinces["adcode"].tolist())}
    n = len(provinces)
    verts: list[list[np.ndarray]] = [[] for _ in range(n)]
    codes: list[list[np.ndarray]] = [[] for _ in range(n)]
    area = np.zeros(n)
    for feature in data.geojson["features"]:
        i = index[int(feature["properties"]["adcode"])]
        geom = feature["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for polygon in polygons:
            for r, ring in enumerate(polygon):
                lonlat = np.asarray(ring, float)[:, :2]
                x, y = albers(lonlat[:, 0], lonlat[:, 1])
                xy = np.column_stack([x, y])
                a = _ring_area(xy)
                # exterior rings counter-clockwise, holes clockwise (non-zero fill rule)
                if (r == 0) != (a > 0):
                    xy = xy[::-1]
                if r == 0:
                    area[i] += abs(a)
                c = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
                c[0] = MplPath.MOVETO
                c[-1] = MplPath.CLOSEPOLY
                verts[i].append(xy)
                codes[i].append(c)
    cx, cy = albers(provinces["centroid_lon"].to_numpy(float),
                    provinces["centroid_lat"].to_numpy(float))
    all_xy = np.concatenate([v for vs in verts for v in vs])
    (x0, y0), (x1, y1) = all_xy.min(axis=0), all_xy.max(axis=0)
    pad = 0.02 * (x1 - x0)
    geo = _Geometry(
        verts=[np.concatenate(v) for v in verts], codes=[np.concatenate(c) for c in codes],
        area=area, centroids=np.column_stack([cx, cy]),
        extent=(x0 - pad, x1 + pad, y0 - pad, y1 + pad))
    _GEOMETRY[key] = geo
    return geo


# ---------------------------------------------------------------------------- the map
@dataclass
class MapDrawing:
    """What :func:`draw_map` drew."""

    polygons: PolyCollection
    n_provinces: int
    indicator: str
    modelled: bool               # False when the model does not have the indicator
    values: np.ndarray | None
    links: dict[str, int]        # overlay key -> number of links drawn


def _norm(values: np.ndarray, diverging: bool) -> mcolors.Normalize:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return mcolors.Normalize(0.0, 1.0)
    if diverging:
        m = float(np.abs(finite).max()) or 1.0
        return mcolors.Normalize(-m, m)
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        hi = lo + (abs(lo) * 0.01 or 1.0)
    return mcolors.Normalize(lo, hi)


def _edges(model: Any, kinds: Iterable[str]) -> list[tuple[int, int]]:
    """Distinct (from, to) pairs of the model graph's edges of the given kinds."""
    kinds = set(kinds)
    seen: set[tuple[int, int]] = set()
    out = []
    for a, b, kind in model.graph.edges(data="kind"):
        if kind in kinds and a != b and (a, b) not in seen and (b, a) not in seen:
            seen.add((a, b))
            out.append((int(a), int(b)))
    return out


def _top_flows(model: Any, k: int = TOP_FLOWS) -> list[tuple[int, int, float]]:
    flows = getattr(model, "migration_flows", None)
    if flows is None:
        return []
    m = np.array(flows, dtype=float)
    np.fill_diagonal(m, 0.0)
    flat = m.ravel()
    k = min(k, int((flat > 0).sum()))
    if k == 0:
        return []
    top = np.argpartition(flat, -k)[-k:]
    top = top[np.argsort(flat[top])[::-1]]
    n = m.shape[0]
    return [(int(t // n), int(t % n), float(flat[t])) for t in top]


def draw_map(ax: Any, model: Any, indicator: str = "gdp_per_capita",
             overlays: Iterable[str] = (), cax: Any = None, labels: bool = True) -> MapDrawing:
    """Draw the 31 provinces coloured by ``indicator`` (a key of :data:`INDICATORS`) on ``ax``,
    with the ``overlays`` (keys of :data:`OVERLAYS`) and, if ``cax`` is given, the colour bar."""
    spec = INDICATORS[indicator]
    geo = _geometry(model.data)
    n = len(geo.verts)
    values = spec.values(model)
    modelled = values is not None
    order = np.argsort(-geo.area)          # large provinces first: Beijing, Tianjin on top of Hebei
    cmap = colormaps[spec.cmap]
    norm = _norm(values, spec.diverging) if modelled else mcolors.Normalize(0.0, 1.0)
    if modelled:
        vals = np.asarray(values, float)
        colours = np.where(np.isfinite(vals)[:, None], cmap(norm(np.nan_to_num(vals))),
                           mcolors.to_rgba(NO_DATA))
    else:
        vals = None
        colours = np.tile(mcolors.to_rgba(NO_DATA), (n, 1))
    poly = PolyCollection([], facecolors=colours[order], edgecolors=EDGE, linewidths=0.4,
                          zorder=1)
    poly.set_verts_and_codes([geo.verts[i] for i in order], [geo.codes[i] for i in order])
    ax.add_collection(poly)
    x0, x1, y0, y1 = geo.extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()

    cen = geo.centroids
    if labels:
        abbrs = model.data.provinces["abbr"].tolist()
        halo = [pe.withStroke(linewidth=1.6, foreground="white", alpha=0.8)]
        for i in range(n):
            ax.text(cen[i, 0], cen[i, 1], abbrs[i], fontsize=5.5, ha="center", va="center",
                    color="#222222", zorder=4, path_effects=halo)

    drawn: dict[str, int] = {}
    handles = []
    for key in overlays:
        label, kinds, colour, style = OVERLAYS[key]
        if kinds is None:
            flows = _top_flows(model)
            if flows:
                top = flows[0][2]
                for a, b, amount in flows:
                    ax.add_patch(FancyArrowPatch(
                        tuple(cen[a]), tuple(cen[b]), connectionstyle="arc3,rad=0.22",
                        arrowstyle="-|>", mutation_scale=6 + 4 * amount / top,
                        linewidth=0.6 + 2.4 * amount / top, color=colour, alpha=0.85,
                        shrinkA=2, shrinkB=2, zorder=3))
            drawn[key] = len(flows)
        else:
            pairs = _edges(model, kinds)
            if pairs:
                segs = [[tuple(cen[a]), tuple(cen[b])] for a, b in pairs]
                ax.add_collection(LineCollection(segs, colors=colour, linewidths=0.9,
                                                 linestyles=style, alpha=0.9, zorder=2))
            drawn[key] = len(pairs)
        handles.append(Line2D([], [], color=colour, linestyle=style, lw=1.5,
                              label=f"{label} ({drawn[key]})"))
    if handles:
        ax.legend(handles=handles, loc="lower left", fontsize=6, frameon=True, framealpha=0.85,
                  borderpad=0.4, handlelength=1.8)

    if not modelled:
        ax.text(0.5, 0.5, f"{spec.label}:\nnot modelled in this scenario", transform=ax.transAxes,
                ha="center", va="center", fontsize=10, color="#444444", zorder=5,
                bbox=dict(boxstyle="round,pad=0.5", fc="white", ec="#bbbbbb", alpha=0.95))
    if cax is not None:
        if modelled:
            cb = ax.figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax)
            cb.ax.tick_params(labelsize=7)
            cb.set_label(spec.unit, fontsize=7)
            cb.outline.set_linewidth(0.4)
        else:
            cax.set_axis_off()
    return MapDrawing(polygons=poly, n_provinces=len(poly.get_paths()), indicator=indicator,
                      modelled=modelled, values=vals, links=drawn)


def map_figure(model: Any, indicator: str = "gdp_per_capita", overlays: Iterable[str] = (),
               size: tuple[float, float] = (6.4, 3.9)) -> tuple[Figure, MapDrawing]:
    """The map with its colour bar and title, as a new figure."""
    fig = Figure(figsize=size, dpi=DPI)
    ax = fig.add_axes((0.0, 0.0, 0.88, 0.90))
    cax = fig.add_axes((0.89, 0.10, 0.022, 0.72))
    drawing = draw_map(ax, model, indicator, overlays, cax=cax)
    spec = INDICATORS[indicator]
    fig.text(0.01, 0.955, f"{spec.label}, {model.year}", fontsize=10, fontweight="bold",
             va="center")
    if drawing.modelled and drawing.values is not None:
        v = drawing.values
        lo, hi = int(np.nanargmin(v)), int(np.nanargmax(v))
        names = model.province_names
        fig.text(0.99, 0.955, f"max {names[hi]} {spec.fmt.format(v[hi])}  ·  "
                 f"min {names[lo]} {spec.fmt.format(v[lo])}", fontsize=7, ha="right",
                 va="center", color="#555555")
    return fig, drawing


# ---------------------------------------------------------------------------- time series
def _years(model: Any) -> np.ndarray:
    return np.array([r["year"] for r in model.national_records], dtype=float)


def _style_axis(ax: Any, model: Any, title: str) -> None:
    cfg = model.config
    ax.set_xlim(cfg.start_year, cfg.end_year)
    ax.set_title(title, fontsize=9, loc="left", fontweight="bold")
    ax.tick_params(labelsize=7)
    ax.grid(True, lw=0.4, alpha=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.axvline(model.year, color="#888888", lw=0.6, ls=":")


def disparity_figure(model: Any, size: tuple[float, float] = (6.4, 3.5)) -> Figure:
    """Theil T of GDP per capita split into between- and within-plate parts; CV and Williamson."""
    recs = model.national_records
    years = _years(model)
    fig = Figure(figsize=size, dpi=DPI)
    ax1, ax2 = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.2, wspace=0.28)
    between = np.array([r["theil_between"] for r in recs])
    within = np.array([r["theil_within"] for r in recs])
    total = np.array([r["theil_t"] for r in recs])
    ax1.stackplot(years, between, within, colors=["#4c72b0", "#a6bddb"], alpha=0.9,
                  labels=["between plates", "within plates"])
    ax1.plot(years, total, color="#1a1a1a", lw=1.2, marker="o" if len(years) < 3 else None,
             ms=3, label="Theil T")
    _style_axis(ax1, model, "Theil T of GDP per capita")
    ax1.set_ylim(0, max(float(total.max()) * 1.15, 1e-6))
    ax1.legend(fontsize=6.5, loc="lower left", frameon=True, framealpha=0.85)
    for key, colour, label in (("cv", "#dd8452", "CV"), ("williamson", "#55a868", "Williamson")):
        series = np.array([r[key] for r in recs])
        ax2.plot(years, series, color=colour, lw=1.4, label=label,
                 marker="o" if len(years) < 3 else None, ms=3)
    _style_axis(ax2, model, "Dispersion of GDP per capita")
    lo = min(min(r["cv"], r["williamson"]) for r in recs)
    hi = max(max(r["cv"], r["williamson"]) for r in recs)
    ax2.set_ylim(max(0.0, lo - 0.1 * (hi - lo + 0.05)), hi + 0.1 * (hi - lo + 0.05))
    ax2.legend(fontsize=6.5, loc="lower left", frameon=True, framealpha=0.85)
    return fig


def plate_figure(model: Any, size: tuple[float, float] = (6.4, 3.5)) -> Figure:
    """Shares of the four plates in national GDP and population."""
    table = model.plate_table()
    fig = Figure(figsize=size, dpi=DPI)
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.2, wspace=0.08)
    single = table["year"].nunique() < 3
    for plate in PLATE_ORDER:
        rows = table[table["plate"] == plate]
        if rows.empty:
            continue
        colour = PLATE_COLOURS[plate]
        for ax, col in ((ax1, "gdp_share"), (ax2, "population_share")):
            ax.plot(rows["year"], rows[col] * 100, color=colour, lw=1.5, label=plate,
                    marker="o" if single else None, ms=3)
    _style_axis(ax1, model, "Share of GDP, %")
    _style_axis(ax2, model, "Share of population, %")
    ax1.set_ylim(0, 60)
    ax1.legend(fontsize=6.5, loc="upper right", ncols=2, frameon=True, framealpha=0.85)
    return fig

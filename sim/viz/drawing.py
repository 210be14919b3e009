"""Matplotlib drawing for the app: the province map and the time-series charts.

Everything is drawn on :class:`matplotlib.figure.Figure` objects (no pyplot state, safe in the
server's threads) from the model's arrays; nothing is fetched. The map is an Albers equal-area
projection of the packaged GeoJSON (standard parallels 25°N and 47°N, central meridian 105°E), one
compound path per province in a single :class:`~matplotlib.collections.PolyCollection`; link
overlays are drawn between the provinces' centroids (``data.provinces.centroid_lon/lat``).

The app keeps its figures between steps (:class:`MapPlot`, :class:`DisparityPlot`,
:class:`PlatePlot`: axes, ticks, labels and colour bar are made once, each ``update`` changes data
and colours only), which halves the redraw time; :func:`map_figure`, :func:`disparity_figure` and
:func:`plate_figure` make one-off figures. :func:`to_png` / :func:`to_svg` give the bytes shown.

Optional model attributes are read when present: ``ecological_quality`` (array by province) and,
in :mod:`sim.viz.components`, ``warnings``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FixedLocator, MaxNLocator

from sim.config.names import PLATES

__all__ = [
    "INDICATORS",
    "OVERLAYS",
    "PLATE_COLOURS",
    "DisparityPlot",
    "Indicator",
    "MapDrawing",
    "MapPlot",
    "PlatePlot",
    "albers",
    "disparity_figure",
    "draw_map",
    "map_figure",
    "plate_figure",
    "to_png",
    "to_svg",
]

DPI = 100
NO_DATA = "#d9d9d9"
EDGE = "#ffffff"
PLATE_COLOURS = {"East": "#1f77b4", "Central": "#ff7f0e", "West": "#2ca02c",
                 "Northeast": "#9467bd"}


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
        "GDP per capita", "thousand yuan per person", "YlGnBu",
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
    "migration": ("Top migration flows (last year)", None, "#e6550d", "-"),
    "pairing": ("Pairing & counterpart support", ("pairing", "counterpart", "cooperation"),
                "#7a0177", "-"),
    "eco": ("Ecological compensation", ("eco_compensation",), "#00441b", "--"),
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


def _draw_arrows(ax: Any, cen: np.ndarray, flows: list[tuple[int, int, float]],
                 colour: str, bend: float = 0.22, samples: int = 16) -> list[Any]:
    """Curved arrows from province to province, width by amount: quadratic Bézier curves
    sampled into one LineCollection and the heads in one PolyCollection (much faster to
    render than one FancyArrowPatch per flow)."""
    top = max(f[2] for f in flows)
    p0 = np.array([cen[a] for a, _, _ in flows])
    p2 = np.array([cen[b] for _, b, _ in flows])
    w = np.array([f[2] for f in flows]) / top
    d = p2 - p0
    normal = np.column_stack([-d[:, 1], d[:, 0]])
    p1 = (p0 + p2) / 2 + bend * normal
    # heads: ~6% of the map width at the largest flow, ending at the destination centroid
    head = (0.011 + 0.012 * w)[:, None]
    t = np.linspace(0.0, 1.0, samples)[None, :, None]
    curve = ((1 - t) ** 2 * p0[:, None] + 2 * (1 - t) * t * p1[:, None]
             + t**2 * p2[:, None])
    tangent = p2 - p1
    tangent = tangent / np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    side = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    base = p2 - tangent * head
    # stop the shaft where the head begins
    shaft = [c[np.hypot(*(c - p2[i]).T) >= head[i, 0] * 0.8] for i, c in enumerate(curve)]
    heads = np.stack([p2, base + side * head * 0.45, base - side * head * 0.45], axis=1)
    return [
        ax.add_collection(LineCollection(shaft, colors="white", linewidths=2.2 + 2.4 * w,
                                         alpha=0.7, capstyle="round", zorder=3)),
        ax.add_collection(LineCollection(shaft, colors=colour, linewidths=0.8 + 2.4 * w,
                                         alpha=0.95, capstyle="round", zorder=3)),
        ax.add_collection(PolyCollection(heads, facecolors=colour, edgecolors="white",
                                         linewidths=0.6, alpha=0.95, zorder=3)),
    ]


def _colours(model: Any, indicator: str, n: int) -> tuple[np.ndarray, mcolors.Normalize,
                                                          np.ndarray | None]:
    """Face colours (RGBA by province), the colour scale and the values (None: not modelled)."""
    spec = INDICATORS[indicator]
    values = spec.values(model)
    cmap = colormaps[spec.cmap]
    if values is None:
        return np.tile(mcolors.to_rgba(NO_DATA), (n, 1)), mcolors.Normalize(0.0, 1.0), None
    vals = np.asarray(values, float)
    norm = _norm(vals, spec.diverging)
    colours = np.where(np.isfinite(vals)[:, None], cmap(norm(np.nan_to_num(vals))),
                       mcolors.to_rgba(NO_DATA))
    return colours, norm, vals


def _draw_overlays(ax: Any, model: Any, cen: np.ndarray,
                   overlays: Iterable[str]) -> tuple[list[Any], dict[str, int]]:
    """The link overlays and their legend; the artists drawn and the links per overlay."""
    artists: list[Any] = []
    drawn: dict[str, int] = {}
    handles = []
    for key in overlays:
        label, kinds, colour, style = OVERLAYS[key]
        if kinds is None:
            flows = _top_flows(model)
            if flows:
                artists += _draw_arrows(ax, cen, flows, colour)
            drawn[key] = len(flows)
        else:
            pairs = _edges(model, kinds)
            if pairs:
                segs = [[tuple(cen[a]), tuple(cen[b])] for a, b in pairs]
                artists.append(ax.add_collection(LineCollection(
                    segs, colors=colour, linewidths=1.3 if style != "-" else 0.7,
                    linestyles=style, alpha=0.9 if style != "-" else 0.5, zorder=2)))
            drawn[key] = len(pairs)
        handles.append(Line2D([], [], color=colour, linestyle=style, lw=1.5,
                              label=f"{label} ({drawn[key]})"))
    if handles:
        artists.append(ax.legend(handles=handles, loc="lower left", fontsize=6, frameon=True,
                                 framealpha=0.85, borderpad=0.4, handlelength=1.8))
    return artists, drawn


def _not_modelled(ax: Any, label: str) -> Any:
    return ax.text(0.5, 0.5, f"{label}:\nnot modelled in this scenario", transform=ax.transAxes,
                   ha="center", va="center", fontsize=10, color="#444444", zorder=5,
                   bbox=dict(boxstyle="round,pad=0.5", fc="white", ec="#bbbbbb", alpha=0.95))


def _base_map(ax: Any, data: Any, labels: bool = True) -> tuple[PolyCollection, np.ndarray,
                                                                 list[Any]]:
    """The province polygons (one compound path each, large ones first so that Beijing and
    Tianjin lie on top of Hebei) and their labels; returns the collection, the draw order and
    the labels."""
    geo = _geometry(data)
    order = np.argsort(-geo.area)
    poly = PolyCollection([], facecolors=NO_DATA, edgecolors=EDGE, linewidths=0.4, zorder=1)
    poly.set_verts_and_codes([geo.verts[i] for i in order], [geo.codes[i] for i in order])
    ax.add_collection(poly)
    x0, x1, y0, y1 = geo.extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    texts = []
    if labels:
        cen = geo.centroids
        for i, abbr in enumerate(data.provinces["abbr"].tolist()):
            texts.append(ax.text(cen[i, 0], cen[i, 1], abbr, fontsize=6.5, ha="center",
                                 va="center", color="#222222", zorder=4))
    return poly, order, texts


def _label_colours(texts: list[Any], colours: np.ndarray) -> None:
    """Dark labels on light provinces, white ones on dark provinces (cheaper than halos)."""
    if not texts:
        return
    lum = colours[:, :3] @ np.array([0.299, 0.587, 0.114])
    for text, dark in zip(texts, lum < 0.5, strict=True):
        text.set_color("white" if dark else "#222222")


def draw_map(ax: Any, model: Any, indicator: str = "gdp_per_capita",
             overlays: Iterable[str] = (), cax: Any = None, labels: bool = True) -> MapDrawing:
    """Draw the 31 provinces coloured by ``indicator`` (a key of :data:`INDICATORS`) on ``ax``,
    with the ``overlays`` (keys of :data:`OVERLAYS`) and, if ``cax`` is given, the colour bar."""
    spec = INDICATORS[indicator]
    poly, order, texts = _base_map(ax, model.data, labels)
    colours, norm, vals = _colours(model, indicator, len(order))
    poly.set_facecolor(colours[order])
    _label_colours(texts, colours)
    _, drawn = _draw_overlays(ax, model, _geometry(model.data).centroids, overlays)
    if vals is None:
        _not_modelled(ax, spec.label)
    if cax is not None:
        if vals is not None:
            cb = ax.figure.colorbar(ScalarMappable(norm=norm, cmap=colormaps[spec.cmap]), cax=cax)
            cb.ax.tick_params(labelsize=7)
            cb.set_label(spec.unit, fontsize=7)
            cb.outline.set_linewidth(0.4)
        else:
            cax.set_axis_off()
    return MapDrawing(polygons=poly, n_provinces=len(poly.get_paths()), indicator=indicator,
                      modelled=vals is not None, values=vals, links=drawn)


class MapPlot:
    """The map figure, kept between redraws: the polygons, labels, colour bar and tick objects
    are made once, each :meth:`update` recolours them and redraws only the overlays and texts.

    ``MapPlot(model.data).update(model, indicator, overlays)`` returns a :class:`MapDrawing`;
    :attr:`figure` is the figure to save."""

    def __init__(self, data: Any, size: tuple[float, float] = (5.8, 3.9)) -> None:
        self.data = data
        self.figure = fig = Figure(figsize=size, dpi=DPI)
        self.ax = fig.add_axes((0.0, 0.0, 0.88, 0.90))
        self.cax = fig.add_axes((0.89, 0.10, 0.022, 0.72))
        self.poly, self.order, self.labels = _base_map(self.ax, data)
        self.mappable = ScalarMappable(norm=mcolors.Normalize(0.0, 1.0), cmap="viridis")
        self.colorbar = fig.colorbar(self.mappable, cax=self.cax)
        self.colorbar.ax.tick_params(labelsize=7)
        self.colorbar.outline.set_linewidth(0.4)
        self.title = fig.text(0.01, 0.955, "", fontsize=10, fontweight="bold", va="center")
        self.extremes = fig.text(0.99, 0.955, "", fontsize=7, ha="right", va="center",
                                 color="#555555")
        self._dynamic: list[Any] = []

    def update(self, model: Any, indicator: str = "gdp_per_capita",
               overlays: Iterable[str] = ()) -> MapDrawing:
        for artist in self._dynamic:
            artist.remove()
        spec = INDICATORS[indicator]
        colours, norm, vals = _colours(model, indicator, len(self.order))
        self.poly.set_facecolor(colours[self.order])
        _label_colours(self.labels, colours)
        artists, drawn = _draw_overlays(self.ax, model, _geometry(self.data).centroids, overlays)
        self.title.set_text(f"{spec.label}, {model.year}")
        if vals is not None:
            self.cax.set_visible(True)
            self.mappable.set_cmap(spec.cmap)
            self.mappable.set_clim(norm.vmin, norm.vmax)
            self.colorbar.set_label(spec.unit, fontsize=7)
            lo, hi = int(np.nanargmin(vals)), int(np.nanargmax(vals))
            names = model.province_names
            self.extremes.set_text(f"max {names[hi]} {spec.fmt.format(vals[hi])}  ·  "
                                   f"min {names[lo]} {spec.fmt.format(vals[lo])}")
        else:
            self.cax.set_visible(False)
            self.extremes.set_text("")
            artists.append(_not_modelled(self.ax, spec.label))
        self._dynamic = artists
        return MapDrawing(polygons=self.poly, n_provinces=len(self.poly.get_paths()),
                          indicator=indicator, modelled=vals is not None, values=vals,
                          links=drawn)


def map_figure(model: Any, indicator: str = "gdp_per_capita", overlays: Iterable[str] = (),
               size: tuple[float, float] = (5.8, 3.9)) -> tuple[Figure, MapDrawing]:
    """The map with its colour bar and title, as a new figure."""
    plot = MapPlot(model.data, size)
    return plot.figure, plot.update(model, indicator, overlays)


# ---------------------------------------------------------------------------- time series
def _style_axis(ax: Any, start: int, end: int, title: str) -> Any:
    """Fixed year axis (start to end), title, light grid; returns the marker of the current
    year (a vertical line moved by the plots' updates)."""
    ax.set_xlim(start, end)
    span = end - start
    step = 10 if span > 20 else 5 if span > 8 else 1
    ax.xaxis.set_major_locator(FixedLocator(np.arange(start, end + 1, step)))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.set_title(title, fontsize=9, loc="left", fontweight="bold")
    ax.tick_params(labelsize=7)
    ax.grid(True, lw=0.4, alpha=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax.axvline(start, color="#888888", lw=0.6, ls=":")


def _legend_below(ax: Any, handles: list[Any], ncols: int) -> None:
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncols=ncols, frameon=False, handlelength=1.5, columnspacing=1.0)


def _padded(lo: float, hi: float, floor: float | None = 0.0) -> tuple[float, float]:
    pad = 0.1 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1e-6)
    lo, hi = lo - pad, hi + pad
    return (max(floor, lo) if floor is not None else lo), hi


class DisparityPlot:
    """Theil T of GDP per capita split into between- and within-plate parts (stacked), and the
    CV and Williamson index, by year; the figure is kept and updated in place."""

    COLOURS = {"between": "#4c72b0", "within": "#a6bddb", "theil": "#1a1a1a", "cv": "#dd8452",
               "williamson": "#55a868"}

    def __init__(self, start: int, end: int, size: tuple[float, float] = (6.4, 4.2)) -> None:
        self.figure = fig = Figure(figsize=size, dpi=DPI)
        self.ax1, self.ax2 = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.91, bottom=0.2, wspace=0.28)
        c = self.COLOURS
        self.now = [_style_axis(self.ax1, start, end, "Theil T of GDP per capita"),
                    _style_axis(self.ax2, start, end, "Dispersion of GDP per capita")]
        (self.theil,) = self.ax1.plot([], [], color=c["theil"], lw=1.2, ms=3, label="Theil T",
                                      zorder=3)
        self.stack: list[Any] = []
        (self.cv,) = self.ax2.plot([], [], color=c["cv"], lw=1.4, ms=3, label="CV")
        (self.williamson,) = self.ax2.plot([], [], color=c["williamson"], lw=1.4, ms=3,
                                           label="Williamson")
        _legend_below(self.ax1, [Patch(color=c["between"], label="between plates"),
                                 Patch(color=c["within"], label="within plates"), self.theil], 3)
        _legend_below(self.ax2, [self.cv, self.williamson], 2)

    def update(self, model: Any) -> Figure:
        recs = model.national_records
        years = np.array([r["year"] for r in recs], dtype=float)
        get = {k: np.array([r[k] for r in recs], dtype=float)
               for k in ("theil_between", "theil_within", "theil_t", "cv", "williamson")}
        for artist in self.stack:
            artist.remove()
        self.stack = self.ax1.stackplot(
            years, get["theil_between"], get["theil_within"], alpha=0.9, zorder=2,
            colors=[self.COLOURS["between"], self.COLOURS["within"]],
            labels=["between plates", "within plates"])
        marker = "o" if len(years) < 3 else "None"
        for line, key in ((self.theil, "theil_t"), (self.cv, "cv"),
                          (self.williamson, "williamson")):
            line.set_data(years, get[key])
            line.set_marker(marker)
        self.ax1.set_ylim(0.0, max(float(get["theil_t"].max()) * 1.15, 1e-6))
        both = np.concatenate([get["cv"], get["williamson"]])
        self.ax2.set_ylim(*_padded(float(both.min()), float(both.max())))
        for line in self.now:
            line.set_xdata([model.year, model.year])
        return self.figure


class PlatePlot:
    """Shares of the four plates (East, Central, West, Northeast) in national GDP and in
    population, %, by year; the figure is kept and updated in place."""

    def __init__(self, start: int, end: int, size: tuple[float, float] = (6.4, 4.2)) -> None:
        self.figure = fig = Figure(figsize=size, dpi=DPI)
        self.ax1, self.ax2 = fig.subplots(1, 2, sharey=True)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.91, bottom=0.2, wspace=0.2)
        self.now = [_style_axis(self.ax1, start, end, "Share of GDP, %"),
                    _style_axis(self.ax2, start, end, "Share of population, %")]
        self.lines: dict[tuple[str, str], Any] = {}
        for plate in PLATES:
            for ax, col in ((self.ax1, "gdp_share"), (self.ax2, "population_share")):
                (self.lines[plate, col],) = ax.plot([], [], color=PLATE_COLOURS[plate], lw=1.5,
                                                    ms=3, label=plate)
        fig.legend([self.lines[p, "gdp_share"] for p in PLATES], PLATES,
                   loc="lower center", ncols=4, fontsize=7.5, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))

    def update(self, model: Any) -> Figure:
        table = model.plate_table()
        marker = "o" if table["year"].nunique() < 3 else "None"
        top = 0.0
        for (plate, col), line in self.lines.items():
            rows = table[table["plate"] == plate]
            share = rows[col].to_numpy(float) * 100
            line.set_data(rows["year"].to_numpy(float), share)
            line.set_marker(marker)
            top = max(top, float(share.max()) if share.size else 0.0)
        self.ax1.set_ylim(0.0, max(60.0, top * 1.1))
        for line in self.now:
            line.set_xdata([model.year, model.year])
        return self.figure


def disparity_figure(model: Any, size: tuple[float, float] = (6.4, 4.2)) -> Figure:
    """Theil T (between/within plates), CV and Williamson by year, as a new figure."""
    cfg = model.config
    return DisparityPlot(cfg.start_year, cfg.end_year, size).update(model)


def plate_figure(model: Any, size: tuple[float, float] = (6.4, 4.2)) -> Figure:
    """Plate shares of GDP and population by year, as a new figure."""
    cfg = model.config
    return PlatePlot(cfg.start_year, cfg.end_year, size).update(model)


# ---------------------------------------------------------------------------- output
def to_png(fig: Figure) -> bytes:
    """PNG bytes (fast zlib level: the image goes to a browser on this machine)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def to_svg(fig: Figure) -> bytes:
    """SVG bytes with the text kept as text (smaller and faster than PNG for line charts)."""
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "regsim"}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()

"""Solara components of the app. Each takes the model (Mesa's convention for ``SolaraViz``
components) and redraws when Mesa steps it (``update_counter``) or replaces it (Reset).

* :func:`MapView` — choropleth of the 31 provinces with an indicator picker, a colour bar and
  switchable link overlays (PNG through ``solara.FigureMatplotlib``);
* :func:`DisparityChart` — Theil T split between/within plates, CV and Williamson;
* :func:`PlateChart` — plate shares of GDP and population;
* :func:`OverviewPanel` — the year, national totals, the levers in effect and
  :func:`WarningsPanel` (this year's early warnings).

Elements the browser test reads carry a class and data attributes: ``regsim-year``
(``data-year``), ``regsim-map-count`` (``data-provinces``), ``regsim-lever`` (``data-key``,
``data-value``, ``data-source``), ``regsim-warnings`` (``data-count``).
"""

from __future__ import annotations

import html
from typing import Any

import reacton.ipywidgets as rw
import solara
from mesa.visualization.utils import update_counter

from sim.viz import drawing
from sim.viz.params import LEVERS, lever_value, lookup

__all__ = [
    "CSS",
    "DisparityChart",
    "MapView",
    "OverviewPanel",
    "PlateChart",
    "WarningsPanel",
    "current_warnings",
]

CSS = """
.regsim-panel { padding: 4px 8px 0 8px; width: 100%; }
.regsim-fig img { max-width: 100%; width: auto; height: auto; display: block; margin: 0 auto; }
.regsim-map img { max-height: 318px; }
.regsim-disparity img, .regsim-plates img { max-height: 370px; }
.regsim-overlays .v-btn { font-size: 11px; text-transform: none; letter-spacing: 0; }
.regsim-controls .regsim-caption { margin: 0 4px 0 6px; }
nav.v-navigation-drawer .v-select__selections { max-width: 300px; flex-wrap: nowrap; }
nav.v-navigation-drawer .v-select__selections input { width: 0; min-width: 0; padding: 0; }
nav.v-navigation-drawer .v-select__selection { overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; max-width: 300px; }
.v-slider__thumb-container::after {
  content: attr(aria-valuenow); position: absolute; top: -19px; left: 0;
  transform: translateX(-50%); font-size: 11px; line-height: 1; color: #1565c0;
  white-space: nowrap; pointer-events: none; }
.regsim-caption { font-size: 12px; color: #666; margin: 0 0 0 4px; }
.regsim-controls { align-items: center; flex-wrap: wrap; gap: 0 14px; }
.regsim-controls .v-input { margin-top: 0; padding-top: 0; flex: 0 0 auto; }
.regsim-controls .v-input--selection-controls { margin-top: 0; }
.regsim-controls .v-input--selection-controls .v-input__slot { margin-bottom: 0; }
.regsim-controls .v-messages { display: none; }
.regsim-controls label { font-size: 13px; }
.regsim-overview { font-size: 13px; line-height: 1.3; max-height: 380px; overflow-y: auto; }
.regsim-overview h3 { font-size: 13px; margin: 8px 0 2px 0; font-weight: 600; }
.regsim-year { font-size: 26px; font-weight: 600; }
.regsim-scenario { color: #555; margin-left: 8px; }
.regsim-kpis { display: flex; gap: 2px 14px; flex-wrap: wrap; margin-top: 2px; }
.regsim-kpis b { font-size: 14px; }
.regsim-overview table { border-collapse: collapse; width: 100%; }
.regsim-overview td, .regsim-overview th { padding: 0 6px 0 0; text-align: left; }
.regsim-overview th { font-weight: 600; color: #555; border-bottom: 1px solid #ddd; }
.regsim-overview td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.regsim-src-slider td { color: #b35806; font-weight: 600; }
tr.regsim-src-scenario td:last-child { color: #777; }
.regsim-chips { display: flex; flex-wrap: wrap; gap: 3px 5px; margin: 4px 0 2px 0; }
.regsim-chip { border: 1px solid #ccc; border-radius: 10px; padding: 0 6px; font-size: 11.5px;
  white-space: nowrap; }
.regsim-chip.regsim-src-slider { border-color: #b35806; color: #b35806; }
.regsim-none { color: #2e7d32; }
.regsim-warn td { color: #b71c1c; }
"""


def _style() -> None:
    solara.Style(CSS)


@solara.component
def ChartView(plot: Any, model: Any, name: str, tick: int):
    """A chart (a :class:`~sim.viz.drawing.DisparityPlot` or
    :class:`~sim.viz.drawing.PlatePlot`) updated and shown as SVG when the model steps
    (``tick``: Mesa's update counter, read by the parent — every reader of the counter costs
    a render pass of the page on each step)."""
    deps = [plot, model, tick, len(model.national_records)]
    data = solara.use_memo(lambda: drawing.to_svg(plot.update(model)), deps)
    with solara.Column(classes=["regsim-fig", f"regsim-{name}"], gap="0px"):
        rw.Image(value=data, format="svg+xml")


# ---------------------------------------------------------------------------- map
_INDICATOR_BY_LABEL = {spec.label: key for key, spec in drawing.INDICATORS.items()}
#: Overlay toggle buttons: key -> (tooltip, button text).
_OVERLAY_BUTTONS = {"migration": ("top migration flows of the last year", "Migration"),
                    "pairing": ("pairing, counterpart support and cooperation", "Pairing"),
                    "eco": ("ecological compensation", "Eco-comp.")}


@solara.component
def MapView(model: Any):
    """Choropleth of the provinces coloured by a selectable indicator, with link overlays."""
    update_counter.get()
    indicator, set_indicator = solara.use_state("gdp_per_capita")
    overlays, set_overlays = solara.use_state(("migration",))
    _style()

    plot = solara.use_memo(lambda: drawing.MapPlot(model.data), [model.data])
    deps = [plot, model, update_counter.value, indicator, tuple(sorted(overlays))]
    drawn = solara.use_memo(lambda: plot.update(model, indicator, sorted(overlays)), deps)
    short = {key: spec[1] for key, spec in _OVERLAY_BUTTONS.items()}

    with solara.Column(classes=["regsim-panel"], gap="2px"):
        with solara.Row(classes=["regsim-controls"], gap="0px"):
            solara.Select(
                "Colour provinces by", values=list(_INDICATOR_BY_LABEL),
                value=drawing.INDICATORS[indicator].label, dense=True,
                on_value=lambda label: set_indicator(_INDICATOR_BY_LABEL[label]),
                classes=["regsim-indicator"], style={"max-width": "200px"})
            solara.Text("Links:", classes=["regsim-caption"])
            solara.ToggleButtonsMultiple(
                value=[short[k] for k in _OVERLAY_BUTTONS if k in overlays],
                values=list(short.values()), dense=True, classes=["regsim-overlays"],
                on_value=lambda chosen: set_overlays(
                    tuple(k for k in _OVERLAY_BUTTONS if short[k] in chosen)))
        with solara.Column(classes=["regsim-fig", "regsim-map"], gap="0px"):
            solara.FigureMatplotlib(plot.figure, dependencies=deps, format="png",
                                    pil_kwargs={"compress_level": 1})
        spec = drawing.INDICATORS[indicator]
        note = "" if drawn.modelled else f" · {spec.label}: not modelled in this scenario"
        solara.HTML(
            tag="div", classes=["regsim-caption", "regsim-map-count"],
            attributes={"data-provinces": str(drawn.n_provinces), "data-year": str(model.year),
                        "data-indicator": indicator},
            unsafe_innerHTML=html.escape(
                f"{drawn.n_provinces} provinces · {spec.label} ({spec.unit}), {model.year}"
                + note))


# ---------------------------------------------------------------------------- charts
@solara.component
def DisparityChart(model: Any):
    """Theil T (between/within plates), CV and Williamson, by year."""
    update_counter.get()
    _style()
    cfg = model.config
    plot = solara.use_memo(lambda: drawing.DisparityPlot(cfg.start_year, cfg.end_year),
                           [cfg.start_year, cfg.end_year])
    with solara.Column(classes=["regsim-panel"], gap="0px"):
        ChartView(plot, model, "disparity", update_counter.value)


@solara.component
def PlateChart(model: Any):
    """Shares of the four plates in GDP and population, by year."""
    update_counter.get()
    _style()
    cfg = model.config
    plot = solara.use_memo(lambda: drawing.PlatePlot(cfg.start_year, cfg.end_year),
                           [cfg.start_year, cfg.end_year])
    with solara.Column(classes=["regsim-panel"], gap="0px"):
        ChartView(plot, model, "plates", update_counter.value)


# ---------------------------------------------------------------------------- overview
def current_warnings(model: Any) -> list[dict[str, Any]] | None:
    """This year's early warnings, or None when the model does not produce any."""
    warnings = getattr(model, "warnings", None)
    if warnings is None:
        return None
    return [w for w in warnings if int(w.get("year", model.year)) == int(model.year)]


def _num(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return html.escape(str(x))
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


@solara.component
def WarningsPanel(model: Any, follow_steps: bool = True):
    """This year's early warnings (province, indicator, value, threshold). ``follow_steps``:
    redraw on Mesa's steps by itself (off when the parent already does)."""
    if follow_steps:
        update_counter.get()
        _style()
    items = current_warnings(model)
    if not items:
        text = ("No warnings this year." if items is not None
                else "No warnings: early warnings are not modelled in this scenario.")
        solara.HTML(tag="div", classes=["regsim-warnings", "regsim-none"],
                    attributes={"data-count": "0"}, unsafe_innerHTML=html.escape(text))
        return
    rows = "".join(
        f"<tr><td>{html.escape(str(w.get('province', '')))}</td>"
        f"<td>{html.escape(str(w.get('indicator', '')))}</td>"
        f"<td class='num'>{_num(w.get('value'))}</td>"
        f"<td class='num'>{_num(w.get('threshold'))}</td></tr>"
        for w in items)
    solara.HTML(
        tag="div", classes=["regsim-warnings", "regsim-warn"],
        attributes={"data-count": str(len(items))},
        unsafe_innerHTML="<table><tr><th>Province</th><th>Indicator</th><th>Value</th>"
        f"<th>Threshold</th></tr>{rows}</table>")


def _levers_html(model: Any) -> str:
    """The levers in effect: a table of the core levers, chips for the mechanisms' switches and
    doses, and the other mechanisms the scenario turns on. Each lever carries ``data-key``,
    ``data-value`` and ``data-source`` (``scenario`` or ``slider``: set in the app)."""
    sources = getattr(model, "lever_sources", {})
    rows, chips = [], []
    switched: set[str] = set()
    for lever in LEVERS:
        try:
            value = lever_value(model.config, lever.key, model.year)
            raw = lookup(model.config, lever.key)
        except KeyError:
            continue
        source = sources.get(lever.key, "scenario")
        shown = ("switch" if lever.kind == "switch" else "slider") if source == "slider" else (
            "scenario path" if isinstance(raw, dict) else "scenario")
        attrs = (f"class='regsim-lever{' regsim-chip' if _is_mechanism(lever.key) else ''} "
                 f"regsim-src-{html.escape(source)}' data-key='{html.escape(lever.key)}' "
                 f"data-value='{lever.format(value)}' data-source='{html.escape(source)}'")
        if _is_mechanism(lever.key):
            if lever.kind == "switch":
                switched.add(lever.key.split("__")[1])
            chips.append(f"<span {attrs} title='{html.escape(shown)}'>"
                         f"{html.escape(lever.label)}: <b>{lever.format(value)}</b></span>")
        else:
            rows.append(f"<tr {attrs}><td>{html.escape(lever.label)}</td>"
                        f"<td class='num'>{lever.format(value)}</td><td>{html.escape(shown)}</td>"
                        "</tr>")
    out = ("<table><tr><th>Lever</th><th>Value</th><th>From</th></tr>" + "".join(rows)
           + "</table>")
    mech = getattr(model.config, "mechanisms", None)
    others = []
    if mech is not None:
        for name in type(mech).model_fields:
            if name not in switched and getattr(getattr(mech, name), "enabled", False):
                others.append(name.replace("_", " "))
    if chips or others:
        extra = (f"<span class='regsim-chip'>also on: <b>{html.escape(', '.join(others))}</b>"
                 "</span>") if others else ""
        out += f"<div class='regsim-chips'>{''.join(chips)}{extra}</div>"
    return out


def _is_mechanism(key: str) -> bool:
    return key.startswith("mechanisms__")


@solara.component
def OverviewPanel(model: Any):
    """Year, scenario, national totals, the levers in effect and this year's early warnings."""
    update_counter.get()
    _style()
    nat = model.national
    cfg = model.config
    label = getattr(model, "config_label", cfg.name)
    with solara.Column(classes=["regsim-panel", "regsim-overview"], gap="0px"):
        solara.HTML(
            tag="div", attributes={"data-year": str(model.year)},
            unsafe_innerHTML=(
                f"<span class='regsim-year' data-year='{model.year}'>{model.year}</span>"
                f"<span class='regsim-scenario'>{html.escape(cfg.name)} · "
                f"{html.escape(str(label))} · seed {getattr(model, '_seed', cfg.seed)} · "
                f"{cfg.start_year}–{cfg.end_year}</span>"),
            classes=["regsim-yearline"])
        solara.HTML(
            tag="div", classes=["regsim-kpis"],
            unsafe_innerHTML=(
                f"<span>Population <b>{nat['population'] / 1e9:,.3f}</b> bn</span>"
                f"<span>GDP <b>{nat['gdp'] / 1e4:,.1f}</b> trn yuan</span>"
                f"<span>Theil T <b>{nat['theil_t']:.4f}</b></span>"
                f"<span>Migrants <b>{nat.get('migrants', 0) / 1e6:,.2f}</b> m</span>"
                f"<span>Firms <b>{model.firms.n_alive:,}</b></span>"))
        solara.HTML(tag="h3", unsafe_innerHTML="Levers in effect")
        solara.HTML(tag="div", classes=["regsim-levers"], unsafe_innerHTML=_levers_html(model))
        solara.HTML(tag="div", classes=["regsim-caption"], unsafe_innerHTML=html.escape(
            "Controls left at their start values keep the scenario's settings; moved ones "
            "apply on Reset."))
        solara.HTML(tag="h3", unsafe_innerHTML=f"Early warnings, {model.year}")
        WarningsPanel(model, follow_steps=False)

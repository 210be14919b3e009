"""Headless tests of the browser app (sim.viz): drawing, Solara components rendered with
``solara.render`` (as Mesa's own visualization tests do), the levers and the launcher."""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import time
from pathlib import Path

import numpy as np
import pytest

if importlib.util.find_spec("sim") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

solara = pytest.importorskip("solara")
pytest.importorskip("mesa.visualization")
v = pytest.importorskip("ipyvuetify")

from matplotlib.figure import Figure  # noqa: E402

from sim.viz import drawing, launch  # noqa: E402
from sim.viz.components import (  # noqa: E402
    DisparityChart,
    MapView,
    OverviewPanel,
    PlateChart,
    WarningsPanel,
    current_warnings,
)
from sim.viz.params import (  # noqa: E402
    LEVERS,
    Lever,
    VizModel,
    available_levers,
    build_model_params,
    initial_kwargs,
    resolve_config,
    scenario_choices,
)

N_FIRMS = 1000


@pytest.fixture(scope="module")
def params():
    return build_model_params(config="configs/baseline.yaml", n_firms=N_FIRMS)


@pytest.fixture()
def model(params):
    m = VizModel(**initial_kwargs(params))
    m.step()
    return m


class _View:
    """The model with some attributes replaced (to test optional attributes whatever the
    scenario's mechanisms provide)."""

    def __init__(self, model, **attrs):
        self._model = model
        self._attrs = attrs

    def __getattr__(self, name):
        if name in self._attrs:
            return self._attrs[name]
        return getattr(self._model, name)


def _walk(widget) -> list:
    """A widget and all its descendants."""
    out = [widget]
    for child in getattr(widget, "children", None) or []:
        if hasattr(child, "keys"):
            out.extend(_walk(child))
    return out


def _html(rc, cls: str) -> list:
    """The solara.HTML widgets carrying CSS class ``cls``."""
    return [w for w in rc.find(solara.widgets.HTML).widgets
            if cls in w.attributes.get("class", "").split()]


def _images(rc) -> list:
    import ipywidgets

    return rc.find(ipywidgets.Image).widgets


# ---------------------------------------------------------------------------- parameters
def test_model_params_structure(params):
    assert params["config"]["type"] == "Select"
    assert "configs/baseline.yaml" in params["config"]["values"]
    assert params["config"]["value"] == "configs/baseline.yaml"
    assert params["rng"]["type"] == "InputText"
    assert params["n_firms"] == N_FIRMS
    levers = available_levers()
    assert {lv.key for lv in levers} >= {
        "migration__hukou_cost", "firms__entry_barrier", "fiscal__equalising_intensity",
        "public_services__migrant_access", "trade__interprovincial_barrier"}
    for lever in levers:
        entry = params[lever.key]
        assert params["slider_defaults"][lever.key] == entry["value"]
        if lever.kind == "switch":
            assert entry["type"] == "Checkbox" and isinstance(entry["value"], bool)
        else:
            assert entry["type"] == "SliderFloat"
            assert entry["min"] <= entry["value"] <= entry["max"]
    assert params["migration__hukou_cost"]["value"] == 2.0


def test_scenario_choices_list_configs():
    choices = scenario_choices()
    assert "configs/baseline.yaml" in choices
    mech = sorted(Path(__file__).resolve().parents[1].glob("configs/mechanisms/*.yaml"))
    for p in mech:
        assert f"configs/mechanisms/{p.name}" in choices
    assert resolve_config("configs/baseline.yaml").is_file()
    assert resolve_config(None) is None
    assert scenario_choices("/tmp/x.yaml")[0] == "/tmp/x.yaml"


def test_every_scenario_choice_loads():
    from sim.config import load_config

    for choice in scenario_choices():
        cfg = load_config(resolve_config(choice))
        assert cfg.start_year < cfg.end_year


def test_levers_list_skips_unknown_keys_and_supports_switches():
    fake = (*LEVERS, Lever("mechanisms__not_a_section__share", "Future lever"))
    import sim.viz.params as vp

    old = vp.LEVERS
    try:
        vp.LEVERS = fake
        keys = [lv.key for lv in vp.available_levers()]
    finally:
        vp.LEVERS = old
    assert "mechanisms__not_a_section__share" not in keys
    sw = Lever("output__figures", "Figures", kind="switch").param(True)
    assert sw == {"type": "Checkbox", "value": True, "label": "Figures"}
    assert Lever("a__b", "x", 0, 10, 1, kind="int").param(3.2)["type"] == "SliderInt"


def test_untouched_levers_keep_the_scenario_and_moved_ones_apply(params):
    kwargs = initial_kwargs(params)
    kwargs["config"] = "configs/example_custom.yaml"
    m = VizModel(**kwargs)
    # example_custom gives the hukou cost as a path: the untouched slider leaves it so
    assert isinstance(m.config.migration.hukou_cost, dict)
    assert m.lever_sources["migration__hukou_cost"] == "scenario"
    assert m.config.n_firms == N_FIRMS
    assert m._seed == m.config.seed
    kwargs["migration__hukou_cost"] = 0.7
    kwargs["rng"] = "123"
    m2 = VizModel(**kwargs, scenario=object())
    assert m2.config.migration.hukou_cost == pytest.approx(0.7)
    assert m2.lever_sources["migration__hukou_cost"] == "slider"
    assert m2._seed == 123


# ---------------------------------------------------------------------------- drawing
def test_map_draws_31_polygons(model):
    for key in drawing.INDICATORS:
        fig = Figure()
        ax = fig.add_subplot()
        d = drawing.draw_map(ax, model, key, overlays=list(drawing.OVERLAYS))
        assert d.n_provinces == 31
        assert len(d.polygons.get_paths()) == 31
        assert d.indicator == key
    fig, d = drawing.map_figure(model, "gdp_per_capita", ["migration", "pairing", "eco"])
    assert d.links["migration"] == drawing.TOP_FLOWS
    assert d.links["pairing"] > 20 and d.links["eco"] > 0
    # colour bar present, figure renders
    assert len(fig.axes) == 2
    fig.savefig(io.BytesIO(), format="png")


def test_map_ecological_quality_optional(model):
    fig, d = drawing.map_figure(_View(model, ecological_quality=None), "ecological_quality")
    assert not d.modelled and d.n_provinces == 31
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("not modelled in this scenario" in t for t in texts)
    quality = np.linspace(0.2, 0.9, 31)
    fig, d = drawing.map_figure(_View(model, ecological_quality=quality), "ecological_quality")
    assert d.modelled and d.n_provinces == 31
    assert np.allclose(d.values, quality)


def test_plots_update_in_place(model):
    cfg = model.config
    plot = drawing.MapPlot(model.data)
    d1 = plot.update(model, "gdp_per_capita", ["migration", "pairing"])
    n_artists = len(plot.ax.collections)
    d2 = plot.update(model, "net_migration", ["migration", "pairing"])
    assert len(plot.ax.collections) == n_artists          # overlays replaced, not stacked
    assert d1.n_provinces == d2.n_provinces == 31
    assert plot.title.get_text() == f"Net migration, {model.year}"
    assert drawing.to_png(plot.figure)[:4] == b"\x89PNG"
    dp = drawing.DisparityPlot(cfg.start_year, cfg.end_year)
    dp.update(model)
    model_years = len(model.national_records)
    assert len(dp.theil.get_xdata()) == model_years
    assert len(dp.ax1.collections) == 2
    dp.update(model)
    assert len(dp.ax1.collections) == 2
    assert b"<svg" in drawing.to_svg(dp.figure)


def test_charts_have_the_series(model):
    fig = drawing.disparity_figure(model)
    ax1, ax2 = fig.axes
    labels1 = [c.get_label() for c in ax1.collections] + [ln.get_label() for ln in ax1.lines]
    assert {"between plates", "within plates", "Theil T"} <= set(labels1)
    theil = next(ln for ln in ax1.lines if ln.get_label() == "Theil T")
    assert len(theil.get_xdata()) == len(model.national_records) == 2
    assert np.allclose(theil.get_ydata(), [r["theil_t"] for r in model.national_records])
    assert {"CV", "Williamson"} <= {ln.get_label() for ln in ax2.lines}
    fig = drawing.plate_figure(model)
    for ax in fig.axes:
        assert {ln.get_label() for ln in ax.lines} >= set(drawing.PLATES)
    gdp_share = sum(ln.get_ydata()[-1] for ln in fig.axes[0].lines
                    if ln.get_label() in drawing.PLATES)
    assert gdp_share == pytest.approx(100.0)


# ---------------------------------------------------------------------------- components
def test_map_component_renders(model):
    box, rc = solara.render(MapView(model), handle_error=False)
    imgs = _images(rc)
    assert len(imgs) == 1 and imgs[0].format == "png" and bytes(imgs[0].value)[:4] == b"\x89PNG"
    (cap,) = _html(rc, "regsim-map-count")
    assert cap.attributes["data-provinces"] == "31"
    assert cap.attributes["data-year"] == str(model.year)
    # pick another indicator: the caption follows
    select = rc.find(v.Select, label="Colour provinces by").widget
    select.v_model = drawing.INDICATORS["net_migration"].label
    (cap,) = _html(rc, "regsim-map-count")
    assert cap.attributes["data-indicator"] == "net_migration"
    # ecological quality absent from the model: said so under the map
    box, rc = solara.render(MapView(_View(model, ecological_quality=None)), handle_error=False)
    rc.find(v.Select, label="Colour provinces by").widget.v_model = \
        drawing.INDICATORS["ecological_quality"].label
    (cap,) = _html(rc, "regsim-map-count")
    assert cap.attributes["data-provinces"] == "31"
    assert "not modelled in this scenario" in cap.unsafe_innerHTML


@pytest.mark.parametrize("component, name", [(DisparityChart, "regsim-disparity"),
                                             (PlateChart, "regsim-plates")])
def test_chart_components_render(model, component, name):
    box, rc = solara.render(component(model), handle_error=False)
    imgs = _images(rc)
    assert len(imgs) == 1 and imgs[0].format == "svg+xml"
    svg = bytes(imgs[0].value).decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert [w for w in _walk(box) if name in (getattr(w, "class_", None) or "").split()]


def test_warnings_panel(model):
    box, rc = solara.render(WarningsPanel(model), handle_error=False)
    (w,) = _html(rc, "regsim-warnings")
    if current_warnings(model) is None or not current_warnings(model):
        assert "no warnings" in w.unsafe_innerHTML.lower()
        assert w.attributes["data-count"] == "0"
    absent = _View(model, warnings=None)
    assert current_warnings(absent) is None
    box, rc = solara.render(WarningsPanel(absent), handle_error=False)
    (w,) = _html(rc, "regsim-warnings")
    assert "no warnings" in w.unsafe_innerHTML.lower() and "not modelled" in w.unsafe_innerHTML
    warned = _View(model, warnings=[
        {"year": model.year, "province": "Gansu", "indicator": "debt_ratio", "value": 0.9,
         "threshold": 0.8},
        {"year": model.year - 1, "province": "Jilin", "indicator": "debt_ratio", "value": 0.85,
         "threshold": 0.8},
    ])
    box, rc = solara.render(WarningsPanel(warned), handle_error=False)
    (w,) = _html(rc, "regsim-warnings")
    assert w.attributes["data-count"] == "1"
    assert "Gansu" in w.unsafe_innerHTML and "Jilin" not in w.unsafe_innerHTML
    box, rc = solara.render(WarningsPanel(_View(model, warnings=[])), handle_error=False)
    assert "no warnings this year" in _html(rc, "regsim-warnings")[0].unsafe_innerHTML.lower()


def test_overview_panel_shows_year_and_levers(model):
    box, rc = solara.render(OverviewPanel(model), handle_error=False)
    (line,) = _html(rc, "regsim-yearline")
    assert line.attributes["data-year"] == str(model.year)
    (levers,) = _html(rc, "regsim-levers")
    assert "data-key='migration__hukou_cost' data-value='2.00' data-source='scenario'" in \
        levers.unsafe_innerHTML
    assert _html(rc, "regsim-warnings")


def test_page_step_and_lever_change_rebuilds_model(params):
    from sim.viz.app import make_page

    reactive = solara.reactive(VizModel(**initial_kwargs(params)))

    @solara.component
    def Page():
        with solara.AppLayout():        # the sidebar (Mesa's controls) needs an app layout
            make_page(reactive, params)

    box, rc = solara.render(Page(), handle_error=False)
    labels = {w.label for w in rc.find(v.Slider).widgets} | {
        w.label for w in rc.find(v.Checkbox).widgets}
    assert {lv.label for lv in available_levers()} <= labels
    assert rc.find(v.Select, label="Scenario").widget.v_model == "configs/baseline.yaml"

    year0 = reactive.value.year
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert reactive.value.year == year0 + 1
    assert _html(rc, "regsim-yearline")[0].attributes["data-year"] == str(year0 + 1)

    rc.find(v.Slider, label="Hukou cost (§7)").widget.v_model = 1.0
    rc.find(v.Btn, children=["Reset"]).widget.click()
    m = reactive.value
    assert m.year == m.config.start_year
    assert m.config.migration.hukou_cost == pytest.approx(1.0)
    assert m.lever_sources["migration__hukou_cost"] == "slider"
    assert m.config.firms.entry_barrier == pytest.approx(0.5)
    assert m.config.n_firms == N_FIRMS
    levers = _html(rc, "regsim-levers")[0].unsafe_innerHTML
    assert "data-key='migration__hukou_cost' data-value='1.00' data-source='slider'" in levers

    # a switch: turn a mechanism on
    switch = next((lv for lv in available_levers() if lv.kind == "switch"), None)
    if switch is not None:
        box_widget = rc.find(v.Checkbox, label=switch.label).widget
        start = bool(box_widget.v_model)  # the baseline switches some mechanisms on
        box_widget.v_model = not start
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert reactive.value.lever_sources[switch.key] == "slider"
        enabled = reactive.value.config.mechanisms.model_dump()[switch.key.split("__")[1]]["enabled"]
        assert enabled is (not start)
        rc.find(v.Checkbox, label=switch.label).widget.v_model = start

    # the scenario picker loads another config
    rc.find(v.Select, label="Scenario").widget.v_model = "configs/example_custom.yaml"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert reactive.value.config.name == "hukou_reform_example"


def test_redraw_after_a_step_is_fast_at_default_firm_count():
    """A step at the default 20,000 firms, then what the app redraws: the map (PNG) and both
    charts (SVG), with the figures kept between steps as the components keep them."""
    m = VizModel("configs/baseline.yaml")
    assert m.config.n_firms == 20000
    cfg = m.config
    plots = (drawing.MapPlot(m.data), drawing.DisparityPlot(cfg.start_year, cfg.end_year),
             drawing.PlatePlot(cfg.start_year, cfg.end_year))

    def redraw() -> None:
        plots[0].update(m, "gdp_per_capita", ["migration"])
        drawing.to_png(plots[0].figure)
        drawing.to_svg(plots[1].update(m))
        drawing.to_svg(plots[2].update(m))

    redraw()  # first draw: font cache, tick objects
    wall, cpu = [], []
    for _ in range(4):
        t0, c0 = time.perf_counter(), time.process_time()
        m.step()
        t1, c1 = time.perf_counter(), time.process_time()
        redraw()
        wall.append((t1 - t0, time.perf_counter() - t1))
        cpu.append((c1 - c0, time.process_time() - c1))
    print(f"step, redraw at 20,000 firms, wall (s): {[(round(a, 3), round(b, 3)) for a, b in wall]};"
          f" CPU (s): {[(round(a, 3), round(b, 3)) for a, b in cpu]}")
    # CPU time: robust to a loaded test machine
    assert min(a + b for a, b in cpu) < 1.0


# ---------------------------------------------------------------------------- launcher
def test_launch_parser_and_offline_env(tmp_path):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    launch.add_parser(sub)
    args = parser.parse_args(["viz", "configs/baseline.yaml", "--port", "9001"])
    assert args.handler is launch.run_viz
    assert (args.config, args.port, args.host, args.n_firms) == (
        "configs/baseline.yaml", 9001, "127.0.0.1", None)
    env = launch.offline_env({}, config="configs/baseline.yaml", n_firms=500)
    assert env["SOLARA_ASSETS_PROXY"] == "True"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    assert Path(env["REGSIM_VIZ_CONFIG"]).is_absolute() and env["REGSIM_VIZ_N_FIRMS"] == "500"
    cmd = launch.solara_command(9001)
    assert cmd[1:4] == ["-m", "solara", "run"] and Path(cmd[4]) == launch.APP
    assert {"--production", "--no-open", "--no-check-version"} <= set(cmd)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    missing = argparse.Namespace(config=str(tmp_path / "nope.yaml"), port=0, host="127.0.0.1",
                                 n_firms=None)
    assert launch.run_viz(missing) == 2

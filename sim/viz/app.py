"""The regsim browser app: ``solara run sim/viz/app.py`` (or ``regsim viz [CONFIG]``).

A Mesa :class:`~mesa.visualization.SolaraViz` page: Mesa's own Step / Play-Pause / Reset controls,
the scenario picker, seed and lever sliders (:mod:`sim.viz.params`) in the sidebar, and four
panels — the province map, the overview (year, levers in effect, early warnings), the disparity
chart and the plate shares (:mod:`sim.viz.components`).

The scenario to start with and the number of firms come from ``REGSIM_VIZ_CONFIG`` and
``REGSIM_VIZ_N_FIRMS``. Everything the page loads is served by the local Solara server (see
:func:`sim.viz.launch.offline_env` for the settings that keep it so).
"""

from __future__ import annotations

from typing import Any

from mesa.visualization import SolaraViz

from sim.viz.components import DisparityChart, MapView, OverviewPanel, PlateChart
from sim.viz.params import VizModel, build_model_params, initial_kwargs

__all__ = ["COMPONENTS", "make_page", "model", "model_params", "page"]

TITLE = "regsim · China's regional economy, 31 provinces"

#: The panels, in Mesa's two-column grid order: map | overview, disparity | plate shares.
COMPONENTS = [(MapView, 0), (OverviewPanel, 0), (DisparityChart, 0), (PlateChart, 0)]


def make_page(model: Any = None, params: dict[str, Any] | None = None) -> Any:
    """A SolaraViz element for ``model`` (default: built from ``params``, default
    :func:`build_model_params`)."""
    params = build_model_params() if params is None else params
    if model is None:
        model = VizModel(**initial_kwargs(params))
    return SolaraViz(model, components=list(COMPONENTS), model_params=params, name=TITLE,
                     play_interval=150)


model_params = build_model_params()
model = VizModel(**initial_kwargs(model_params))
page = make_page(model, model_params)
page  # noqa: B018

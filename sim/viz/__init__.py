"""The browser app (Mesa SolaraViz): a map of the 31 provinces, disparity charts, plate shares,
early warnings, and the policy levers as sliders.

* :mod:`sim.viz.params` — the levers (one list), the scenario picker, the model the app builds;
* :mod:`sim.viz.drawing` — matplotlib drawing of the map and the charts (no Solara needed);
* :mod:`sim.viz.components` — the Solara components that show them;
* :mod:`sim.viz.app` — the page (``solara run sim/viz/app.py``);
* :mod:`sim.viz.launch` — ``regsim viz [CONFIG]``: starts that server, offline.

Only :mod:`sim.viz.launch` is light to import; the others need the ``viz`` extra (Solara).
"""

"""regsim: an agent-based simulator of China's regional economy (31 provinces, 19 city clusters,
representative firms) and of the guideline on a new mechanism for regional coordinated development.

Public API (imported on first use, so ``import sim`` stays cheap)::

    import sim
    cfg = sim.load_config("configs/baseline.yaml", overrides=["n_firms=2000"])
    model = sim.RegionalModel(cfg).run()
    model = sim.run_scenario("configs/baseline.yaml", "results/baseline", seed=1)

Command line: ``regsim run CONFIG`` (``sim.cli``).
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Sequence
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sim.config import Scenario, load_config
    from sim.data.loader import Dataset
    from sim.model import RegionalModel

try:
    __version__: str = metadata.version("regsim")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["RegionalModel", "__version__", "load_config", "run_scenario"]

_LAZY: dict[str, tuple[str, str]] = {
    "RegionalModel": ("sim.model", "RegionalModel"),
    "load_config": ("sim.config", "load_config"),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def run_scenario(
    config: Scenario | str | os.PathLike[str] | None,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    overrides: Sequence[str] = (),
    seed: int | None = None,
    figures: bool | None = None,
    firm_tables: bool | None = None,
    data: Dataset | None = None,
    **params: Any,
) -> RegionalModel:
    """Load a scenario, run it to its ``end_year`` and optionally write its outputs.

    Args:
        config: a :class:`~sim.config.Scenario`, a path to a YAML scenario, or None (defaults).
        out_dir: write the outputs there (:func:`sim.io.write_results`); None writes nothing.
        overrides: ``"key.path=value"`` strings, as ``regsim run --set`` (paths only).
        seed: replaces the scenario's seed.
        figures, firm_tables: what to write; None takes the scenario's ``output`` section.
        data: a :class:`~sim.data.loader.Dataset` (default: the packaged data).
        **params: flat overrides (``n_firms=500``, ``migration__hukou_cost=1.0``).

    Returns the run model (``model.wall_time_s`` holds the seconds the simulation took). Raises
    :class:`~sim.config.ConfigError` or :class:`~sim.data.loader.DataError` on bad input and
    :class:`~sim.io.OutputError` if ``out_dir`` exists and is not a previous output folder.
    """
    from sim.config import Scenario, from_flat, load_config
    from sim.model import RegionalModel

    if isinstance(config, Scenario):
        scenario = _apply_overrides(config, overrides) if overrides else config
        if seed is not None:
            scenario = from_flat({"seed": seed}, base=scenario)
    else:
        scenario = load_config(config, overrides=list(overrides), seed=seed)
    if params:
        scenario = from_flat(params, base=scenario)
    if out_dir is not None:  # refuse an unusable output folder before the run, not after
        from sim.io.results import check_out_dir

        check_out_dir(out_dir)
    start = time.perf_counter()
    model = RegionalModel(scenario, data=data)
    model.run()
    model.wall_time_s = time.perf_counter() - start
    if out_dir is not None:
        from sim.io.results import write_results

        write_results(
            model,
            out_dir,
            figures=scenario.output.figures if figures is None else figures,
            firm_tables=scenario.output.firm_tables if firm_tables is None else firm_tables,
            wall_time_s=model.wall_time_s,
            command=["sim.run_scenario", str(config) if not isinstance(config, Scenario)
                     else scenario.name],
        )
    return model


def _apply_overrides(scenario: Any, overrides: Sequence[str]) -> Any:
    """``key=value`` overrides on an already built scenario."""
    from sim.config import from_flat
    from sim.config.loader import _parse_override

    params: dict[str, Any] = {}
    for text in overrides:
        parts, value = _parse_override(str(text), type(scenario))
        params[".".join(str(p) for p in parts)] = value
    return from_flat(params, base=scenario)

"""What the app lets the user set: the scenario, the seed and the policy levers.

The levers are one list, :data:`LEVERS`; :func:`build_model_params` turns it into Mesa's
``model_params`` (a slider, or a switch for an on/off lever, per entry). A lever whose key is not
(yet) in the scenario schema is left out, so the levers of later mechanisms can be listed ahead.

Scenario and sliders work together: the sliders start at the values of the scenario the app was
started with (in its first year). On Reset, a slider still at its starting value leaves the lever to
the chosen scenario (which may give it as a path over the years); a slider that was moved replaces
the lever by that constant. The seed box follows the same rule. :class:`VizModel` is the
:class:`~sim.model.RegionalModel` the app (re)builds from these values; it records which lever came
from where in :attr:`VizModel.lever_sources`.

Environment (read by the app at start): ``REGSIM_VIZ_CONFIG`` the scenario to start with (a YAML
path; default ``configs/baseline.yaml``), ``REGSIM_VIZ_N_FIRMS`` the number of firms (default:
the scenario's).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sim.config import Scenario, load_config, path_value
from sim.model import RegionalModel

__all__ = [
    "ENV_CONFIG",
    "ENV_N_FIRMS",
    "LEVERS",
    "Lever",
    "VizModel",
    "available_levers",
    "build_model_params",
    "config_root",
    "initial_kwargs",
    "lever_value",
    "resolve_config",
    "scenario_choices",
]

ENV_CONFIG = "REGSIM_VIZ_CONFIG"
ENV_N_FIRMS = "REGSIM_VIZ_N_FIRMS"
DEFAULTS_LABEL = "(schema defaults)"


@dataclass(frozen=True)
class Lever:
    """A policy lever shown in the app.

    ``key`` is the flat scenario key (``section__name``, as :class:`RegionalModel` takes it);
    ``kind`` is ``"float"`` or ``"int"`` (a slider from ``min`` to ``max`` by ``step``) or
    ``"switch"`` (a checkbox for an on/off setting)."""

    key: str
    label: str
    min: float = 0.0
    max: float = 1.0
    step: float = 0.05
    kind: Literal["float", "int", "switch"] = "float"
    fmt: str = "{:.2f}"

    def param(self, value: Any) -> dict[str, Any]:
        """The Mesa ``model_params`` entry, starting at ``value``."""
        if self.kind == "switch":
            return {"type": "Checkbox", "value": bool(value), "label": self.label}
        if self.kind == "int":
            return {"type": "SliderInt", "value": int(round(value)), "label": self.label,
                    "min": int(self.min), "max": int(self.max), "step": int(self.step)}
        v = min(max(float(value), self.min), self.max)
        return {"type": "SliderFloat", "value": v, "label": self.label,
                "min": self.min, "max": self.max, "step": self.step}

    def format(self, value: Any) -> str:
        if self.kind == "switch":
            return "on" if value else "off"
        return self.fmt.format(value)


#: The levers of the app, in display order: the core levers, then the mechanisms' switches and
#: doses. Add an entry to add a lever; keys the scenario schema does not have are skipped.
LEVERS: tuple[Lever, ...] = (
    Lever("migration__hukou_cost", "Hukou cost (§7)", 0.0, 6.0, 0.1),
    Lever("firms__entry_barrier", "Negative-list entry barrier (§7)", 0.0, 2.0, 0.05),
    Lever("fiscal__equalising_intensity", "Equalising transfer intensity (§24)", 0.0, 1.0, 0.05),
    Lever("public_services__migrant_access", "Migrants' access to services (§21)", 0.0, 1.0, 0.05),
    Lever("trade__interprovincial_barrier", "Interprovincial trade barrier (§8)", 0.0, 1.5, 0.05),
    Lever("public_services__hukou_conversion_rate", "Hukou conversion rate (§7)", 0.0, 0.2, 0.005,
          fmt="{:.3f}"),
    Lever("mechanisms__counterpart_support__enabled", "Counterpart support (§14–15)",
          kind="switch"),
    Lever("mechanisms__counterpart_support__intensity", "Counterpart aid (× default)",
          0.0, 5.0, 0.1),
    Lever("mechanisms__eco_compensation__enabled", "Eco-compensation (§17)", kind="switch"),
    Lever("mechanisms__eco_compensation__intensity", "Eco-compensation (× default)",
          0.0, 5.0, 0.1),
    Lever("mechanisms__carbon_market__enabled", "Carbon market (§9)", kind="switch"),
    Lever("mechanisms__carbon_market__cap_decline", "Carbon cap decline (per year)",
          0.0, 0.1, 0.005, fmt="{:.3f}"),
)


def lookup(obj: Any, key: str) -> Any:
    """The value at flat ``key`` (``a__b__c``) of a scenario; KeyError when absent."""
    cur = obj
    for part in key.split("__"):
        if isinstance(cur, Mapping):
            if part not in cur:
                raise KeyError(key)
            cur = cur[part]
        elif hasattr(cur, part):
            cur = getattr(cur, part)
        else:
            raise KeyError(key)
    return cur


def lever_value(config: Scenario, key: str, year: int | None = None) -> Any:
    """The value of lever ``key`` in ``year`` (default: the start year); paths are evaluated."""
    value = lookup(config, key)
    if isinstance(value, bool):
        return value
    return path_value(value, config.start_year if year is None else year)


def available_levers(config: Scenario | None = None) -> list[Lever]:
    """The entries of :data:`LEVERS` the scenario schema has."""
    config = config if config is not None else Scenario()
    out = []
    for lever in LEVERS:
        try:
            lookup(config, lever.key)
        except KeyError:
            continue
        out.append(lever)
    return out


# ---------------------------------------------------------------------------- scenario files
def config_root() -> Path:
    """The folder holding ``configs/``: the repository of this package, else the working dir."""
    repo = Path(__file__).resolve().parents[2]
    return repo if (repo / "configs").is_dir() else Path.cwd()


def _label(path: Path) -> str:
    root = config_root()
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def scenario_choices(extra: str | None = None) -> list[str]:
    """``configs/*.yaml`` and ``configs/mechanisms/*.yaml`` (paths relative to
    :func:`config_root`), plus ``extra`` if it is not among them."""
    root = config_root() / "configs"
    files = sorted(root.glob("*.yaml")) + sorted((root / "mechanisms").glob("*.yaml"))
    labels = [_label(p) for p in files]
    if extra and extra not in labels:
        labels.insert(0, extra)
    return labels or [DEFAULTS_LABEL]


def resolve_config(value: str | os.PathLike[str] | None) -> Path | None:
    """The YAML path of a picker value (relative paths: to the working dir, else the root)."""
    if value is None or str(value) in ("", DEFAULTS_LABEL):
        return None
    path = Path(value).expanduser()
    if path.is_absolute() or path.exists():
        return path
    candidate = config_root() / path
    return candidate if candidate.exists() else path


def startup_config() -> str:
    """The picker value to start with: ``$REGSIM_VIZ_CONFIG`` or ``configs/baseline.yaml``."""
    env = os.environ.get(ENV_CONFIG, "").strip()
    if env:
        return _label(Path(env).expanduser())
    baseline = config_root() / "configs" / "baseline.yaml"
    return _label(baseline) if baseline.exists() else DEFAULTS_LABEL


def startup_n_firms() -> int | None:
    env = os.environ.get(ENV_N_FIRMS, "").strip()
    return int(env) if env else None


# ---------------------------------------------------------------------------- the model
def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    except (TypeError, ValueError):
        return a == b


def _seed(value: Any) -> int | None:
    """The seed typed in the box (None when empty or not an integer)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


class VizModel(RegionalModel):
    """The model the app builds: a :class:`RegionalModel` from the picker's scenario, with the
    levers the user moved (see the module docstring).

    Args:
        config: the picker value (a YAML path, relative to the repository or working dir).
        rng: the seed box (text or int); at its starting value the scenario's own seed is used.
        scenario: Mesa's scenario object, passed by Mesa's Reset; not used (the regsim scenario
            is ``config``).
        n_firms: firms at the start (None: the scenario's).
        slider_defaults: the starting values of the sliders and the seed box.
        **levers: flat lever values (``migration__hukou_cost=...``).
    """

    def __init__(self, config: Any = None, *, rng: Any = None, scenario: Any = None,
                 n_firms: int | None = None, slider_defaults: Mapping[str, Any] | None = None,
                 data: Any = None, **levers: Any) -> None:
        del scenario
        path = resolve_config(config)
        base = load_config(path)
        defaults = dict(slider_defaults or {})
        overrides: dict[str, Any] = {}
        self.lever_sources: dict[str, str] = {}
        for key, value in levers.items():
            if value is None:
                continue
            if key in defaults and _same(value, defaults[key]):
                self.lever_sources[key] = "scenario"
                continue
            overrides[key] = value
            self.lever_sources[key] = "slider"
        if n_firms not in (None, ""):
            overrides["n_firms"] = int(n_firms)
        seed = _seed(rng)
        if seed is not None and "rng" in defaults and seed == _seed(defaults["rng"]):
            seed = None
        self.config_label = str(config) if config not in (None, "") else DEFAULTS_LABEL
        super().__init__(base, rng=seed, data=data, **overrides)
        for lever in available_levers(self.config):
            self.lever_sources.setdefault(lever.key, "scenario")


def build_model_params(config: str | None = None, n_firms: int | None = None) -> dict[str, Any]:
    """Mesa ``model_params``: scenario picker, seed, one control per available lever, and the
    fixed ``n_firms`` and ``slider_defaults``. Defaults: :func:`startup_config` and
    :func:`startup_n_firms` (the environment)."""
    label = startup_config() if config is None else config
    n_firms = startup_n_firms() if n_firms is None else n_firms
    cfg = load_config(resolve_config(label))
    params: dict[str, Any] = {
        "config": {"type": "Select", "value": label, "values": scenario_choices(label),
                   "label": "Scenario"},
        "rng": {"type": "InputText", "value": str(cfg.seed), "label": "Seed"},
    }
    defaults: dict[str, Any] = {"rng": cfg.seed}
    for lever in available_levers(cfg):
        entry = lever.param(lever_value(cfg, lever.key))
        params[lever.key] = entry
        defaults[lever.key] = entry["value"]
    params["n_firms"] = n_firms
    params["slider_defaults"] = defaults
    return params


def initial_kwargs(model_params: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :class:`VizModel` for the controls at their starting values."""
    return {k: (v["value"] if isinstance(v, dict) and "type" in v else v)
            for k, v in model_params.items()}

"""The ``mechanisms`` section of a scenario: one sub-section per mechanism (DESIGN §3).

Each mechanism module under ``sim/mechanisms`` defines its own section (a
:class:`~sim.mechanisms.base.MechanismSection` with ``enabled``, ``intensity``, ``start_year``,
``end_year``, ``phase_in_years`` and its own parameters) and a module attribute ``MECHANISM``, the
:class:`~sim.mechanisms.base.Mechanism` subclass, whose ``key``, ``config_class`` and
``description`` are read here. :data:`MODULES` lists the modules in the order their hooks run
(money flows first, markets and monitoring last); this class collects their sections under their
keys. All mechanisms are off by default.

Import discipline (no cycles): this module and the mechanism modules import only
``sim.config.params`` from the config package, and ``sim.economy`` only inside functions, because
``sim.config.schema`` imports this module while it is being built.
"""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import Field, create_model

from sim.config.params import Section

#: Mechanism modules, in hook order. A module not present yet is skipped.
MODULES: tuple[str, ...] = (
    "regional_strategies",   # §4
    "transfer_zones",        # §5
    "land_sea",              # §6
    "market_integration",    # §7 negative list, §8 market integration
    "hukou_reform",          # §7 hukou, §21–22 portability
    "land_market",           # §7 construction land, §23 land quotas
    "cooperation",           # §10–13, §16
    "counterpart_support",   # §14–15
    "eco_compensation",      # §17
    "grain_compensation",    # §18
    "resource_compensation",  # §19
    "public_services",       # §20–22
    "differentiated_policy",  # §23
    "balanced_transfers",    # §24
    "macro_linkage",         # §25
    "carbon_market",         # §9
    "water_rights",          # §9
    "monitoring",            # §26–27
)


def mechanism_classes() -> list[Any]:
    """The ``MECHANISM`` class of every present module, in :data:`MODULES` order."""
    out = []
    for name in MODULES:
        full = f"sim.mechanisms.{name}"
        try:
            module = importlib.import_module(full)
        except ModuleNotFoundError as exc:
            if exc.name == full:
                continue
            raise
        out.append(module.MECHANISM)
    return out


def _build() -> type[Section]:
    fields: dict[str, Any] = {}
    for cls in mechanism_classes():
        cfg = cls.config_class
        fields[cls.key] = (cfg, Field(default_factory=cfg, description=cls.description))
    model = create_model("Mechanisms", __base__=Section, **fields)
    model.__doc__ = ("The guideline's coordination mechanisms, each switched and dosed on its own "
                     "(DESIGN §3). All are off by default; see docs/mechanisms.md.")
    return model


Mechanisms = _build()

"""The guideline's mechanisms, one module per clause group (DESIGN §3).

``build_mechanisms(model)`` instantiates, in a fixed order, every mechanism whose config section
exists in the scenario; each decides from its own ``enabled``/year settings when it acts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# The scenario schema imports sim.mechanisms.config, which imports the mechanism modules: load the
# config package first so that importing this package first cannot enter the cycle half-way.
import sim.config  # noqa: F401
from sim.mechanisms.base import Mechanism
from sim.mechanisms.config import mechanism_classes

if TYPE_CHECKING:
    from sim.model import RegionalModel

#: Registered mechanism classes, in the order their hooks run (``sim.mechanisms.config.MODULES``).
REGISTRY: list[type[Mechanism]] = mechanism_classes()


def build_mechanisms(model: RegionalModel) -> list[Mechanism]:
    """Mechanism objects for the model's scenario (those with a config section)."""
    section = getattr(model.config, "mechanisms", None)
    if section is None:
        return []
    return [cls(model, getattr(section, cls.key)) for cls in REGISTRY if hasattr(section, cls.key)]


__all__ = ["REGISTRY", "Mechanism", "build_mechanisms"]

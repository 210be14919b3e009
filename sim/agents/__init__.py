"""Mesa agents: provinces, city clusters and firm views (DESIGN §1)."""

from sim.agents.cluster import CityCluster
from sim.agents.firm import Firm
from sim.agents.province import Province

__all__ = ["CityCluster", "Firm", "Province"]

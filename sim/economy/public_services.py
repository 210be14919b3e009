"""Public services per resident and migrants' access (DESIGN §2.5; guideline §20–22).

The service index of province i is ``(S_i / pop_i ÷ s_ref)^η`` with local spending ``S_i``, the
2020 national mean spending per resident ``s_ref`` and ``η = public_services.spending_elasticity``.
Residents without local hukou use a share ``a`` (``public_services.migrant_access``) of it; the
effective level a province offers its residents averages the two groups.
"""

from __future__ import annotations

import numpy as np


def service_index(spending: np.ndarray, population: np.ndarray, reference: float,
                  elasticity: float) -> np.ndarray:
    """Public-service level per resident, 1 = the 2020 national mean."""
    return (spending / population / reference) ** elasticity


def effective_services(index: np.ndarray, population: np.ndarray, non_hukou: np.ndarray,
                       access: float) -> np.ndarray:
    """Resident-average service level when non-hukou residents get ``access`` of it."""
    share = non_hukou / population
    return index * (1.0 - share * (1.0 - access))

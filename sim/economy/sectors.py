"""Sector indices and how each sector is traded (DESIGN §1)."""

from __future__ import annotations

import numpy as np

from sim.config.schema import SECTORS

N_SECTORS: int = len(SECTORS)
AGR, RES, LMF, KMF, HTM, SRV = range(N_SECTORS)

#: Homogeneous goods traded freely at one national price (agriculture, resources & energy).
NATIONAL_SECTORS: np.ndarray = np.array([AGR, RES])
#: Dixit–Stiglitz varieties traded with iceberg costs (monopolistic competition).
CES_SECTORS: np.ndarray = np.array([LMF, KMF, HTM])
#: Non-traded local services (incl. construction).
LOCAL_SECTORS: np.ndarray = np.array([SRV])
#: Sectors with pollution (restricted upstream by ecological compensation, §17).
POLLUTING_SECTORS: np.ndarray = np.array([RES, KMF])

#: Relative pollution and carbon intensity by sector (index, services = 1); an assumption ordered
#: by the sectoral CO2 intensities of China's input–output tables (CEADs), documented in docs/.
CARBON_INTENSITY: np.ndarray = np.array([0.8, 12.0, 1.5, 5.0, 0.8, 1.0])
POLLUTION_INTENSITY: np.ndarray = np.array([1.5, 6.0, 2.0, 4.0, 0.7, 0.5])


def capital_share_vector(capital_share: dict[str, float]) -> np.ndarray:
    """α_s as an array in sector order."""
    return np.array([capital_share[s] for s in SECTORS], dtype=float)

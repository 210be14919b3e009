"""The packaged data pack of regsim: 31 mainland provinces, their links and a 2000–2015 panel.

Use :func:`load_dataset` (cached for the package folder) to get a validated :class:`Dataset`.
See ``SOURCES.md`` (provenance) and ``LICENSES.md`` (licences) in this folder.
"""

from sim.data.loader import (
    DATA_DIR,
    EARTH_RADIUS_KM,
    MAINLAND_ADCODES,
    REQUIRED_FILES,
    DataError,
    Dataset,
    clear_cache,
    distance_matrix_km,
    feature_centroid,
    haversine_km,
    load_dataset,
    ring_centroid,
)

__all__ = [
    "DATA_DIR",
    "EARTH_RADIUS_KM",
    "MAINLAND_ADCODES",
    "REQUIRED_FILES",
    "DataError",
    "Dataset",
    "clear_cache",
    "distance_matrix_km",
    "feature_centroid",
    "haversine_km",
    "load_dataset",
    "ring_centroid",
]

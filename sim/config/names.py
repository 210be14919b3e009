"""Names shared by the schema, the mechanisms' sections and the data layer (no imports, so any
module may use them without an import cycle)."""

from __future__ import annotations

from collections.abc import Iterable

#: Model sectors, in array order (sim.economy.sectors indexes them). Agriculture (grain) and
#: resources & energy are homogeneous goods traded freely at one national price; the three
#: manufacturing sectors are Dixit–Stiglitz varieties traded with iceberg costs; services (incl.
#: construction) are not traded between provinces.
SECTORS: tuple[str, ...] = (
    "agriculture",
    "resources",
    "labour_manufacturing",
    "capital_manufacturing",
    "high_tech",
    "services",
)

#: The four regional plates of provinces.csv (``region_plate``), in reporting order.
PLATES: tuple[str, ...] = ("East", "Central", "West", "Northeast")


def check_names(values: Iterable[str], allowed: tuple[str, ...], what: str,
                field: str | None = None) -> None:
    """Raise ValueError naming the first of ``values`` not in ``allowed`` (``what``: "sector",
    "plate"; ``field``: the config field, when the message should name it)."""
    for v in values:
        if v not in allowed:
            where = f" in {field}" if field else ""
            raise ValueError(f"unknown {what} {v!r}{where} (allowed: {', '.join(allowed)})")

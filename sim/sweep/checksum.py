"""Content checksum of a table: independent of the file format and of the writer's version.

``content_checksum(frame)`` is the sha256 (hex) of a canonical CSV text of the table:

1. columns sorted by name; the header is the column names joined by ``,``;
2. every value written canonically: numbers (integers and floats alike) rounded to 12 significant
   digits and printed with ``%.12g`` (``-0`` as ``0``; NaN, None and missing as an empty field;
   ±inf as ``inf``/``-inf``), booleans as ``true``/``false``, text as is (CSV-quoted when it holds
   ``,``, ``"`` or a line break);
3. rows sorted by the values of all columns in column order (numbers numerically, then text,
   missing values last);
4. lines joined by ``\\n`` with a final ``\\n``, encoded as UTF-8.

So the same table content gives the same checksum whether it was read from Parquet or CSV, in
whatever row order, and tiny floating-point noise below 12 significant digits does not count.

``python -m sim.sweep.checksum TABLE.parquet|TABLE.csv`` prints the checksum of a file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import sys
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["canonical_csv", "content_checksum"]


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float | np.floating) and math.isnan(float(v))


def _norm(v: Any) -> Any:
    """Canonical Python value: None, bool, float rounded to 12 significant digits, or text."""
    if _is_missing(v):
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, Integral):
        return float(f"{int(v):.12g}") if abs(int(v)) >= 10**12 else int(v)
    if isinstance(v, Real):
        x = float(v)
        if math.isinf(x):
            return x
        x = float(f"{x:.12g}")
        return 0.0 if x == 0 else x
    return str(v)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        text = f"{v:.12g}"
        return "0" if text == "-0" else text
    if any(c in v for c in ',"\n\r'):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow([v])
        return buf.getvalue()
    return v


def _key(v: Any) -> tuple[int, float, str]:
    if v is None:
        return (2, 0.0, "")
    if isinstance(v, bool | int | float):
        return (0, float(v), "")
    return (1, 0.0, v)


def canonical_csv(frame: pd.DataFrame) -> str:
    """The canonical CSV text of ``frame`` (see the module docstring)."""
    cols = sorted(str(c) for c in frame.columns)
    df = frame.copy()
    df.columns = [str(c) for c in df.columns]
    rows = [tuple(_norm(v) for v in row) for row in df[cols].itertuples(index=False, name=None)]
    rows.sort(key=lambda r: tuple(_key(v) for v in r))
    lines = [",".join(_cell(c) for c in cols)]
    lines.extend(",".join(_cell(v) for v in row) for row in rows)
    return "\n".join(lines) + "\n"


def content_checksum(frame: pd.DataFrame) -> str:
    """sha256 (hex) of :func:`canonical_csv` of ``frame``."""
    return hashlib.sha256(canonical_csv(frame).encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m sim.sweep.checksum TABLE.parquet|TABLE.csv ...", file=sys.stderr)
        return 2
    for path in args:
        frame = pd.read_csv(path) if path.endswith(".csv") else pd.read_parquet(path)
        print(f"{content_checksum(frame)}  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

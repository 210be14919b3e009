"""``regsim report``: one self-contained HTML report of a run or a comparison.

The report embeds everything (figures as base64 PNG, tables as HTML, the resolved config as
text), so it can be mailed or opened offline. For a run folder (``regsim run``) it shows the
national milestones, the figures of the run, a map of the flows along links in the last year
(migrants, fiscal flows between provinces such as counterpart support and compensation, relocated
firms), the early warnings and the resolved config. For a comparison folder
(``regsim compare``) it shows the milestone table and the comparison figure, then one section
per scenario.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MILESTONES = (2020, 2035, 2050)
PROVINCE_FLOW_KINDS_EXCLUDED = {"local_revenue", "central_tax", "central_transfer",
                                "central_borrowing", "central_own_spending", "local_borrowing",
                                "debt_interest", "local_spending"}
CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
color:#222;line-height:1.45}h1{font-size:1.7em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;
margin-top:2em}table{border-collapse:collapse;font-size:.85em;margin:.6em 0}td,th{border:1px solid
#ddd;padding:3px 7px;text-align:right}th{background:#f3f5f7}td:first-child,th:first-child{text-align:
left}img{max-width:100%;border:1px solid #eee;margin:.5em 0}pre{background:#f7f7f7;padding:1em;
overflow:auto;font-size:.8em;max-height:30em}.muted{color:#777}
"""


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame, max_rows: int = 200) -> str:
    if df.empty:
        return '<p class="muted">none</p>'
    return df.head(max_rows).to_html(index=False, float_format=lambda x: f"{x:.4g}", border=0)


def flows_map(run_dir: Path, path: Path, top: int = 25) -> Path | None:
    """Map of the last year's flows between provinces: migrants (net, top pairs), fiscal flows
    between provinces (e.g. counterpart support, compensation) and relocated firms."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    from sim.data.loader import load_dataset
    from sim.io.figures import province_shapes

    flows_file = run_dir / "flows.parquet"
    if not flows_file.exists():
        return None
    flows = pd.read_parquet(flows_file)
    if flows.empty:
        return None
    ds = load_dataset()
    names = list(ds.names)
    xy = ds.provinces[["centroid_lon", "centroid_lat"]].to_numpy(float)
    idx = {n: i for i, n in enumerate(names)}
    year = int(flows["year"].max())
    f = flows[(flows["year"] == year) & flows["from"].isin(idx) & flows["to"].isin(idx)]
    fig = Figure(figsize=(11, 7.5), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    polys = [ring for _, _, ring in province_shapes(ds.geojson)]
    ax.add_collection(PolyCollection(polys, facecolors="#eef1f4", edgecolors="white", lw=0.6))
    layers = [
        (f[f["kind"] == "migrants"], "#1f77b4", "migrants (net, top pairs)"),
        (f[~f["kind"].isin(PROVINCE_FLOW_KINDS_EXCLUDED | {"migrants", "relocated_firms",
                                                          "relocated_capital"})],
         "#d62728", "fiscal flows between provinces"),
        (f[f["kind"] == "relocated_capital"], "#2ca02c", "relocated firms' capital"),
    ]
    for frame, colour, label in layers:
        if frame.empty:
            continue
        a = frame.groupby(["from", "to"])["amount"].sum()
        if label.startswith("migrants"):
            net = {}
            for (o, d), v in a.items():
                key = (o, d) if idx[o] < idx[d] else (d, o)
                sign = 1.0 if idx[o] < idx[d] else -1.0
                net[key] = net.get(key, 0.0) + sign * v
            a = pd.Series({(o, d) if v > 0 else (d, o): abs(v) for (o, d), v in net.items()})
        a = a.sort_values(ascending=False).head(top)
        if a.empty:
            continue
        width = 0.6 + 3.4 * a / a.max()
        first = True
        for (o, d), w in width.items():
            (x0, y0), (x1, y1) = xy[idx[o]], xy[idx[d]]
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": float(w),
                                    "alpha": 0.7, "shrinkA": 2, "shrinkB": 2})
            if first:
                ax.plot([], [], color=colour, lw=2.5, label=label)
                first = False
    ax.set_xlim(72, 136)
    ax.set_ylim(17, 55)
    ax.set_aspect(1.2)
    ax.set_title(f"Flows along links, {year} (arrow width ∝ amount within each kind)")
    ax.legend(loc="lower left", fontsize=9, frameon=False)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path)
    return path


def _run_section(run_dir: Path, level: int = 2) -> str:
    h = f"h{level}"
    parts = []
    manifest = json.loads((run_dir / "manifest.json").read_text())
    parts.append(f"<{h}>Scenario {html.escape(str(manifest.get('scenario', run_dir.name)))}</{h}>")
    parts.append('<p class="muted">' + html.escape(
        f"config hash {manifest.get('config_hash')}, seed {manifest.get('seed')}, "
        f"{manifest.get('start_year')}–{manifest.get('end_year')}, "
        f"{manifest.get('n_firms')} firms, git {manifest.get('git_commit')}") + "</p>")
    nat = pd.read_parquet(run_dir / "national_year.parquet")
    cols = [c for c in ("year", "population", "gdp", "gdp_per_capita_yuan", "cv", "williamson",
                        "theil_t", "theil_between", "theil_within", "gini", "max_min",
                        "north_south", "ps_cv", "co2_t") if c in nat.columns]
    parts.append("<p>National milestones:</p>")
    parts.append(_table(nat[nat["year"].isin(MILESTONES)][cols]))
    figs = sorted((run_dir / "figures").glob("*.png")) if (run_dir / "figures").exists() else []
    parts.extend(_img(p) for p in figs)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        fm = flows_map(run_dir, Path(tmp) / "flows_map.png")
        if fm is not None:
            parts.append(_img(fm))
    warn_file = run_dir / "warnings.parquet"
    parts.append(f"<h{level + 1}>Early warnings</h{level + 1}>")
    if warn_file.exists():
        w = pd.read_parquet(warn_file)
        parts.append(f"<p>{len(w)} warnings in all.</p>")
        parts.append(_table(w.sort_values(["year", "indicator"]).tail(100)))
    else:
        parts.append('<p class="muted">no warnings table in this run</p>')
    cfg = run_dir / "config.yaml"
    if cfg.exists():
        parts.append(f"<h{level + 1}>Resolved config</h{level + 1}>")
        parts.append(f"<pre>{html.escape(cfg.read_text())}</pre>")
    return "\n".join(parts)


def build_report(results_dir: Path) -> str:
    """The HTML text of the report for a run or comparison folder."""
    results_dir = Path(results_dir)
    if (results_dir / "compare.json").exists():
        meta = json.loads((results_dir / "compare.json").read_text())
        body = ["<h1>regsim comparison</h1>",
                f"<p>Scenarios: {html.escape(', '.join(meta['scenarios']))}</p>",
                "<h2>Milestones</h2>", _table(pd.read_parquet(results_dir / "milestones.parquet"))]
        fig = results_dir / "figures" / "comparison.png"
        if fig.exists():
            body.append(_img(fig))
        for name in meta["scenarios"]:
            body.append(_run_section(results_dir / name))
        title = "regsim comparison"
    elif (results_dir / "national_year.parquet").exists():
        body = ["<h1>regsim run</h1>", _run_section(results_dir)]
        title = "regsim run"
    else:
        raise FileNotFoundError(f"{results_dir}: not a regsim run or comparison folder "
                                "(allowed: a folder written by `regsim run` or `regsim compare`)")
    np.seterr(all="ignore")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")


def cmd_report(args: argparse.Namespace) -> int:
    from sim.cli import EXIT_OK, EXIT_USAGE

    src = Path(args.results_dir)
    out = Path(args.out) if args.out else src / "report.html"
    try:
        text = build_report(src)
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(f"report: {out}")
    return EXIT_OK


def add_parser(subparsers: Any) -> None:
    """Register ``regsim report``."""
    p = subparsers.add_parser(
        "report", help="write one self-contained HTML report of a run or comparison",
        description="Write one self-contained HTML report (tables, figures, flows along links, "
        "warnings, resolved config) of a `regsim run` or `regsim compare` folder.")
    p.add_argument("results_dir", metavar="RESULTS_DIR")
    p.add_argument("--out", default=None, help="HTML file (default RESULTS_DIR/report.html)")
    p.set_defaults(handler=cmd_report)

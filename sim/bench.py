"""``regsim bench``: how fast and how big regsim runs on this machine (issue 3).

    regsim bench [--quick] [--sizes 10k,100k,1M] [--json PATH] [--markdown PATH]
                 [--profile PATH] [--skip-process] [--repeat N]

Measured in one command, each measurement in a fresh interpreter (``python -c``) so that peak
memory (``ru_maxrss`` of that child) belongs to one size only and no run warms another's caches:

1. the baseline scenario at each firm count (default 10k, 100k and 1M; ``--quick`` 2k, 10k, 50k)
   over its years (2020 build, then one ``step()`` a year to 2050): data loading, build and run
   wall times, ns per firm-year (run time / (firms × years stepped)), peak RSS, tracemalloc peak
   (Python objects and numpy buffers) of build + 3 years, and the exponent of time against firm
   count (least squares of log time on log firms, over all sizes and between the two largest);
2. the reference: Mesa's bundled ``BoltzmannWealth`` example (10,000 agents on a 100 × 100 grid,
   100 steps; ``--quick`` 2,000 agents on 45 × 45, 50 steps) in µs per agent-step, and the ratio
   of it to regsim's cost per firm-year at the largest size;
3. the cost of one step by part, from the timed run itself: the model's yearly methods are wrapped
   with ``time.perf_counter`` on the instance (model code is unchanged) and reported as mean ms
   per step, grouped into the province level (demography, trade/production equilibrium, fiscal,
   public services, migration), the firm level (relocation/exit/entry/investment, productivity
   update, and the firm aggregation inside the equilibrium step) and records (data collection);
4. the default simulation (build + 31 years at the scenario's firm count, data loading and imports
   timed apart) and the whole default process ``regsim run configs/baseline.yaml --out <tmp>`` as
   a subprocess (interpreter start, outputs and figures included; skipped with a note when
   ``sim.cli`` has no ``run`` sub-command).

Targets are printed with PASS/FAIL (``n/a`` when the size they name was not measured); the
command exits 0 whatever they say. Memory is in MiB (``ru_maxrss`` is KiB on Linux).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "fit_exponent", "format_table", "markdown_report", "run_bench"]

SCHEMA_VERSION = 1
FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 10_000, 50_000)
FULL_BOLTZMANN = (10_000, 100, 100)  # agents, steps, grid side (density 1 agent per cell)
QUICK_BOLTZMANN = (2_000, 50, 45)
TRACEMALLOC_YEARS = 3
_MARK = "REGSIM_BENCH_RESULT:"

# Yearly methods of RegionalModel, by part (see module docstring).
PROVINCE_METHODS = ("_demography", "_produce", "_public_finance", "_public_services", "_migrate")
FIRM_METHODS = ("_invest_and_transfer_industry", "_technology")
RECORD_METHODS = ("_collect_state", "_record_flows")
FIRM_AGGREGATION = "firm_aggregation_in_produce"

TARGETS = {
    "ratio_vs_boltzmann": 50.0,  # regsim cost per firm-year ≥ 50× lower (at 1M firms)
    "time_1m_s": 30.0,
    "memory_1m_mib": 4096.0,
    "exponent_100k_1m": 1.1,
    "default_process_s": 5.0,
    "default_simulation_s": 1.0,
}


# ------------------------------------------------------------------------------------- parser


def _parse_size(text: str) -> int:
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    value = int(float(t) * mult)
    if value < 186:
        raise argparse.ArgumentTypeError(f"firm count {text!r} below 186 (31 provinces × 6 sectors)")
    return value


def _parse_sizes(text: str) -> list[int]:
    try:
        sizes = sorted({_parse_size(s) for s in text.split(",") if s.strip()})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad --sizes {text!r}: {exc}") from exc
    if len(sizes) < 2:
        raise argparse.ArgumentTypeError("--sizes needs at least two firm counts")
    return sizes


def _parse_boltzmann(text: str) -> tuple[int, int, int]:
    try:
        agents, steps = (_parse_count(t) for t in text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad --boltzmann {text!r}: want AGENTS,STEPS") from exc
    return agents, steps, max(1, round(math.sqrt(agents)))


def _parse_count(text: str) -> int:
    value = int(text.strip().replace("_", ""))
    if value < 1:
        raise ValueError("must be positive")
    return value


def add_parser(subparsers: Any) -> None:
    """Add the ``bench`` sub-command (``handler=run_bench``)."""
    p = subparsers.add_parser(
        "bench",
        help="measure speed and memory (baseline at 10k/100k/1M firms, Mesa reference)",
        description="Benchmark regsim on this machine: the baseline scenario at several firm "
        "counts (time, ns per firm-year, peak memory, scaling exponent), Mesa's BoltzmannWealth "
        "example as a reference, the cost of one step by part, and the default `regsim run` "
        "process. Prints a JSON report and a table; exits 0 whatever the targets say.",
    )
    p.add_argument("--quick", action="store_true",
                   help="small sizes (2k, 10k, 50k firms; Boltzmann 2,000 agents × 50 steps)")
    p.add_argument("--sizes", type=_parse_sizes, default=None, metavar="N,N,...",
                   help="firm counts to measure, e.g. 10k,100k,1M (default: 10k,100k,1M; "
                   "with --quick 2k,10k,50k)")
    p.add_argument("--boltzmann", type=_parse_boltzmann, default=None, metavar="AGENTS,STEPS",
                   help="size of the Mesa reference run (default 10000,100; with --quick "
                   "2000,50); the grid is square with about one agent per cell")
    p.add_argument("--json", metavar="PATH", default=None, dest="json_path",
                   help="write the JSON report to PATH instead of printing it")
    p.add_argument("--markdown", metavar="PATH", default=None,
                   help="also write the report as a markdown page (e.g. benchmarks/README.md)")
    p.add_argument("--profile", metavar="PATH", default=None,
                   help="also profile the largest size (cProfile, in its own process) and write "
                   "the top functions by tottime to PATH")
    p.add_argument("--config", metavar="CONFIG", default=None,
                   help="scenario to measure (default: configs/baseline.yaml)")
    p.add_argument("--end-year", type=int, default=None, metavar="YEAR",
                   help="simulate to YEAR instead of the scenario's end year (quick checks)")
    p.add_argument("--in-process", action="store_true",
                   help="measure in this process instead of a fresh one per measurement "
                   "(faster; peak memory is then this process's peak so far)")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="measure each size N times in fresh processes and keep the fastest")
    p.add_argument("--skip-process", action="store_true",
                   help="do not time the whole `regsim run` process")
    p.set_defaults(handler=run_bench)


# ------------------------------------------------------------------------------ child processes


def _maxrss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _wrap_parts(model: Any) -> dict[str, list[float]]:
    """Wrap the model's yearly methods on the instance with perf_counter timers; returns the
    per-call times (s) by name. Firm aggregation inside ``_produce`` (effective capital and
    cell sums over all firms) is timed apart and later moved from the province to the firm part."""
    times: dict[str, list[float]] = {}
    state = {"in_produce": False, "depth": 0, "agg": 0.0}
    perf = time.perf_counter

    def timed(name: str, func: Any) -> Any:
        store = times.setdefault(name, [])

        def wrapper(*a: Any, **k: Any) -> Any:
            t = perf()
            try:
                return func(*a, **k)
            finally:
                store.append(perf() - t)

        return wrapper

    def produce_wrapper(func: Any) -> Any:
        store = times.setdefault("_produce", [])
        agg = times.setdefault(FIRM_AGGREGATION, [])

        def wrapper(*a: Any, **k: Any) -> Any:
            state["in_produce"], state["agg"] = True, 0.0
            t = perf()
            try:
                return func(*a, **k)
            finally:
                store.append(perf() - t)
                agg.append(state["agg"])
                state["in_produce"] = False

        return wrapper

    def aggregation(func: Any) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            if not state["in_produce"] or state["depth"]:
                return func(*a, **k)
            state["depth"] += 1
            t = perf()
            try:
                return func(*a, **k)
            finally:
                state["agg"] += perf() - t
                state["depth"] -= 1

        return wrapper

    for name in (*PROVINCE_METHODS, *FIRM_METHODS, *RECORD_METHODS):
        if not hasattr(model, name):  # a renamed method is simply not reported
            continue
        wrap = produce_wrapper if name == "_produce" else (lambda f, n=name: timed(n, f))
        setattr(model, name, wrap(getattr(model, name)))
    for owner, name in ((model, "effective_capital"), (model.firms, "cell_sum")):
        with contextlib.suppress(AttributeError):  # slotted class: stays in _produce
            setattr(owner, name, aggregation(getattr(owner, name)))
    for i, m in enumerate(getattr(model, "mechanisms", [])):
        m.after_step = timed(f"mechanism_{i}_{type(m).__name__}", m.after_step)
    return times


def _part_summary(times: dict[str, list[float]], step_times: list[float]) -> dict[str, Any]:
    """Mean ms per step by method and by part."""
    n = max(len(step_times), 1)
    per = {k: 1e3 * sum(v) / n for k, v in times.items()}
    agg = per.get(FIRM_AGGREGATION, 0.0)
    province = sum(per.get(k, 0.0) for k in PROVINCE_METHODS) - agg
    firm = sum(per.get(k, 0.0) for k in FIRM_METHODS) + agg
    records = sum(per.get(k, 0.0) for k in RECORD_METHODS)
    mech = sum(v for k, v in per.items() if k.startswith("mechanism_"))
    step = 1e3 * sum(step_times) / n
    return {
        "step_ms": step,
        "province_ms": province,
        "firm_ms": firm,
        "records_ms": records,
        "mechanisms_ms": mech,
        "other_ms": step - province - firm - records - mech,
        "methods_ms": per,
    }


def _child_regsim(spec: dict[str, Any]) -> dict[str, Any]:
    """One measurement of the regsim model in this (fresh) process."""
    import gc

    t0 = time.perf_counter()
    import numpy as np

    from sim.config import load_config
    from sim.data.loader import load_dataset
    from sim.model import RegionalModel

    t_import = time.perf_counter() - t0
    rss_import = _maxrss_mib()
    config = load_config(spec["config"])
    t0 = time.perf_counter()
    data = load_dataset()
    t_data = time.perf_counter() - t0
    kw: dict[str, Any] = {"n_firms": spec["n_firms"]} if spec.get("n_firms") else {}
    if spec.get("end_year"):
        kw["end_year"] = int(spec["end_year"])
    n_firms = int(spec.get("n_firms") or config.n_firms)

    c0, t0 = time.process_time(), time.perf_counter()
    model = RegionalModel(config, data=data, **kw)
    t_build, c_build = time.perf_counter() - t0, time.process_time() - c0
    times = _wrap_parts(model) if spec.get("parts", True) else {}
    step_times: list[float] = []
    perf = time.perf_counter
    c0, t0 = time.process_time(), perf()
    end_year = model.config.end_year
    while model.year < end_year:  # RegionalModel.run(), one step at a time
        t = perf()
        model.step()
        step_times.append(perf() - t)
    t_run, c_run = perf() - t0, time.process_time() - c0
    years = len(step_times)
    out: dict[str, Any] = {
        "n_firms": n_firms,
        "firms_alive_end": int(model.firms.n_alive),
        "firm_capacity_end": int(model.firms.capacity),
        "start_year": int(model.config.start_year),
        "end_year": int(model.year),
        "years_stepped": years,
        "import_s": t_import,
        "data_s": t_data,
        "build_s": t_build,
        "run_s": t_run,
        "total_s": t_build + t_run,
        "build_cpu_s": c_build,
        "run_cpu_s": c_run,
        "ns_per_firm_year": 1e9 * t_run / (n_firms * max(years, 1)),
        "step_ms_max": 1e3 * max(step_times, default=0.0),
        "rss_after_import_mb": rss_import,
        "peak_rss_mb": _maxrss_mib(),
    }
    if spec.get("parts", True):
        out["parts"] = _part_summary(times, step_times)
    if spec.get("warm_repeat"):
        # Same simulation again in the same process (caches and allocator warm).
        t0 = perf()
        warm = RegionalModel(config, data=data, **kw)
        t_b = perf() - t0
        warm.run()
        out["warm_build_s"], out["warm_run_s"] = t_b, perf() - t0 - t_b
        del warm
    if spec.get("tracemalloc"):
        import tracemalloc

        del model
        gc.collect()
        tracemalloc.start()
        t0 = perf()
        m2 = RegionalModel(config, data=data,
                           **{**kw, "end_year": min(end_year,
                                                    config.start_year + TRACEMALLOC_YEARS)})
        m2.run()
        _, peak = tracemalloc.get_traced_memory()
        snap = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)])
        numpy_now = sum(s.size for s in snap.statistics("filename"))
        tracemalloc.stop()
        out["tracemalloc"] = {
            "years": m2.year - config.start_year,
            "peak_mb": peak / 2**20,
            "numpy_current_mb": numpy_now / 2**20,
            "seconds": perf() - t0,
        }
    return out


def _child_boltzmann(spec: dict[str, Any]) -> dict[str, Any]:
    """Mesa's bundled BoltzmannWealth example, timed over ``steps`` calls of ``step()``."""
    import warnings

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    import mesa
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    t_import = time.perf_counter() - t0
    n, steps, side = int(spec["agents"]), int(spec["steps"]), int(spec["side"])
    t0 = time.perf_counter()
    model = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=spec.get("seed", 42)))
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t_run = time.perf_counter() - t0
    return {
        "model": "mesa.examples.basic.boltzmann_wealth_model.model.BoltzmannWealth",
        "mesa": mesa.__version__,
        "agents": n,
        "steps": steps,
        "width": side,
        "height": side,
        "import_s": t_import,
        "build_s": t_build,
        "run_s": t_run,
        "us_per_agent_step": 1e6 * t_run / (n * steps),
        "peak_rss_mb": _maxrss_mib(),
    }


def _child_profile(spec: dict[str, Any]) -> dict[str, Any]:
    """cProfile of build + run at one size; writes the top functions to ``spec['path']``."""
    import cProfile
    import io
    import pstats

    from sim.config import load_config
    from sim.data.loader import load_dataset
    from sim.model import RegionalModel

    config = load_config(spec["config"])
    data = load_dataset()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    model = RegionalModel(config, data=data, n_firms=spec["n_firms"])
    model.run()
    prof.disable()
    wall = time.perf_counter() - t0
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(40)
    by_tottime = buf.getvalue()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
    header = (f"# cProfile of RegionalModel build + run, {spec['config']}, "
              f"{spec['n_firms']:,} firms, {config.start_year}–{config.end_year}\n"
              f"# wall time under the profiler: {wall:.2f} s\n"
              f"# produced by: regsim bench --profile (sim/bench.py)\n\n"
              "## top 40 by tottime\n")
    Path(spec["path"]).parent.mkdir(parents=True, exist_ok=True)
    Path(spec["path"]).write_text(header + by_tottime + "\n## top 30 by cumulative time\n"
                                  + buf.getvalue())
    top = [{"function": name if fn == "~" else f"{Path(fn).name}:{line}({name})",
            "tottime_s": tt, "cumtime_s": ct,
            "calls": nc}
           for (fn, line, name), (_cc, nc, tt, ct, _callers) in
           sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:10]]
    return {"n_firms": spec["n_firms"], "wall_s": wall, "path": str(spec["path"]), "top": top}


_CHILDREN = {"regsim": _child_regsim, "boltzmann": _child_boltzmann, "profile": _child_profile}


def _child_main(spec_json: str) -> None:
    """Entry point of a measuring child: run the measurement, print the result as one line."""
    spec = json.loads(spec_json)
    result = _CHILDREN[spec["kind"]](spec)
    sys.stdout.flush()
    print(_MARK + json.dumps(result), flush=True)


def _run_child(spec: dict[str, Any], timeout: float | None = 3600) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its result."""
    code = "import sys; from sim.bench import _child_main; _child_main(sys.argv[1])"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(spec)], capture_output=True,
                          text=True, timeout=timeout, env=env)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    raise RuntimeError(f"benchmark child {spec['kind']} failed (exit {proc.returncode}): "
                       + " | ".join(tail))


def _measure(spec: dict[str, Any], in_process: bool = False) -> dict[str, Any]:
    """One measurement: in a fresh interpreter, or here with ``in_process``."""
    if not in_process:
        return _run_child(spec)
    result = _CHILDREN[spec["kind"]](json.loads(json.dumps(spec)))
    result["in_process"] = True
    return result


def _best_of(spec: dict[str, Any], repeat: int, in_process: bool = False) -> dict[str, Any]:
    runs = [_measure(spec, in_process) for _ in range(max(repeat, 1))]
    best = min(runs, key=lambda r: r.get("total_s", r.get("run_s", 0.0)))
    if len(runs) > 1:
        best["repeats"] = len(runs)
        best["total_s_all"] = [r.get("total_s", r.get("run_s")) for r in runs]
    return best


# ------------------------------------------------------------------------------ the process row


def _regsim_command() -> list[str] | None:
    """How to start ``regsim`` (its console script, else ``python -m sim.cli``); None when the
    CLI has no ``run`` sub-command."""
    try:
        import sim.cli as cli
    except ImportError:
        return None
    subs = getattr(cli, "SUBCOMMANDS", None)
    if subs is not None and "run" not in subs:
        return None
    if subs is None and not hasattr(cli, "cmd_run"):
        return None
    script = Path(sys.executable).with_name("regsim")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "sim.cli"]


def _time_process(config: Path, repeat: int) -> dict[str, Any]:
    base = _regsim_command()
    shown = f"regsim run {_show_path(config)} --out <tmp>"
    if base is None:
        return {"skipped": True, "command": shown,
                "note": "sim.cli has no `run` sub-command; default process not timed"}
    walls: list[float] = []
    note = ""
    for _ in range(max(repeat, 1)):
        tmp = Path(tempfile.mkdtemp(prefix="regsim-bench-"))
        try:
            cmd = [*base, "run", str(config), "--out", str(tmp / "out")]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800,
                                  cwd=config.parent.parent if config.parent.name == "configs"
                                  else None)
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                return {"skipped": True, "command": shown,
                        "note": f"`regsim run` exited {proc.returncode}: " + " | ".join(tail)}
            walls.append(wall)
            n_files = sum(1 for p in (tmp / "out").rglob("*") if p.is_file())
            note = f"{n_files} output files"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"skipped": False, "command": shown, "wall_s": min(walls), "wall_s_all": walls,
            "note": note}


# ------------------------------------------------------------------------------------ analysis


def fit_exponent(firms: Sequence[float], seconds: Sequence[float]) -> float:
    """Slope of the least-squares line of log(seconds) on log(firms)."""
    x = [math.log(f) for f in firms]
    y = [math.log(s) for s in seconds]
    if len(x) < 2:
        return float("nan")
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxx = sum((a - mx) ** 2 for a in x)
    if sxx == 0:
        return float("nan")
    return sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / sxx


def _scaling(sizes: list[dict[str, Any]]) -> dict[str, Any]:
    n = [s["n_firms"] for s in sizes]
    top = sizes[-2:]
    return {
        "time": "total_s (build + run); run_s exponents alongside",
        "exponent_all": fit_exponent(n, [s["total_s"] for s in sizes]),
        "exponent_all_run": fit_exponent(n, [s["run_s"] for s in sizes]),
        "exponent_top": fit_exponent([s["n_firms"] for s in top], [s["total_s"] for s in top]),
        "exponent_top_run": fit_exponent([s["n_firms"] for s in top], [s["run_s"] for s in top]),
        "top_sizes": [s["n_firms"] for s in top],
    }


def _target(name: str, text: str, value: float | None, limit: float, ok: bool | None,
            unit: str, note: str = "") -> dict[str, Any]:
    return {"name": name, "target": text, "value": value, "limit": limit, "unit": unit,
            "status": "n/a" if ok is None else ("PASS" if ok else "FAIL"), "note": note}


def _targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    sizes = {s["n_firms"]: s for s in report["sizes"]}
    largest = report["sizes"][-1]
    at_1m = sizes.get(1_000_000)
    out = []
    ratio = report["ratio"]["boltzmann_over_regsim"]
    out.append(_target(
        "ratio_vs_boltzmann", "regsim ns/firm-year ≥ 50× below Boltzmann ns/agent-step (1M)",
        ratio, TARGETS["ratio_vs_boltzmann"], None if at_1m is None else ratio >= 50.0, "×",
        "" if at_1m else f"1M not measured (largest {largest['n_firms']:,})"))
    t = at_1m["total_s"] if at_1m else None
    out.append(_target("time_1m_s", "1M firms, build + run < 30 s", t, TARGETS["time_1m_s"],
                       None if t is None else t < TARGETS["time_1m_s"], "s",
                       "" if at_1m else "1M not measured"))
    mem = at_1m["peak_rss_mb"] if at_1m else None
    out.append(_target("memory_1m_mib", "1M firms, peak RSS < 4 GiB", mem,
                       TARGETS["memory_1m_mib"],
                       None if mem is None else mem < TARGETS["memory_1m_mib"], "MiB",
                       "" if at_1m else "1M not measured"))
    sc = report["scaling"]
    named = sc["top_sizes"] == [100_000, 1_000_000]
    out.append(_target("exponent_100k_1m", "time exponent 100k→1M ≤ 1.1", sc["exponent_top"],
                       TARGETS["exponent_100k_1m"],
                       (sc["exponent_top"] <= TARGETS["exponent_100k_1m"]) if named else None, "",
                       "" if named else "between {:,} and {:,}".format(*sc["top_sizes"])))
    proc = report["default_process"]
    w = None if proc.get("skipped") else proc["wall_s"]
    out.append(_target("default_process_s", "default `regsim run` process < 5 s", w,
                       TARGETS["default_process_s"],
                       None if w is None else w < TARGETS["default_process_s"], "s",
                       proc.get("note", "") if w is None else ""))
    ds = report["default_simulation"]
    out.append(_target("default_simulation_s",
                       f"default simulation (build + {ds['years_stepped'] + 1} years, "
                       f"{ds['n_firms']:,} firms) < 1 s", ds["total_s"],
                       TARGETS["default_simulation_s"],
                       ds["total_s"] < TARGETS["default_simulation_s"], "s",
                       "first model in a fresh process; data loading and imports excluded"))
    if report["scenario"].get("end_year_override"):
        for t in out:
            if t["name"] in ("time_1m_s", "default_simulation_s"):
                t["status"], t["note"] = "n/a", "--end-year shortens the run"
    if report.get("in_process"):
        for t in out:
            if t["name"] in ("memory_1m_mib", "default_simulation_s"):
                t["status"], t["note"] = "n/a", "--in-process (no fresh process)"
    return out


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy as np

    try:
        from importlib import metadata

        mesa_v = metadata.version("mesa")
    except Exception:  # pragma: no cover - mesa is a dependency
        mesa_v = "?"
    try:
        mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        mem_gib = None
    import sim

    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa_v,
        "regsim": getattr(sim, "__version__", "?"),
        "platform": platform.platform(),
        "loadavg_start": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _show_path(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def _default_config() -> Path:
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        cand = base / "configs" / "baseline.yaml"
        if cand.exists():
            return cand
    raise FileNotFoundError("configs/baseline.yaml not found; pass --config")


# ------------------------------------------------------------------------------------ output


def _load_text(m: dict[str, Any]) -> str:
    """1-minute load average at start and end, with a warning when others share the CPUs."""
    loads = [x[0] for x in (m.get("loadavg_start"), m.get("loadavg_end")) if x]
    if not loads:
        return "unknown"
    text = " → ".join(f"{x:.2f}" for x in loads)
    if max(loads) > 0.5 * (m.get("nproc") or 1):
        text += " (busy machine: wall times include contention; see run_cpu_s in the JSON)"
    return text


def _f(x: Any, fmt: str = ".2f") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return format(x, fmt)


def format_table(report: dict[str, Any]) -> str:
    """The report as a readable text table."""
    m = report["machine"]
    sc = report["scenario"]
    lines = [
        f"regsim bench{' --quick' if report['quick'] else ''}: {sc['config']}, "
        f"{sc['start_year']}–{sc['end_year']} ({sc['years_stepped']} steps after the "
        f"{sc['start_year']} build)",
        f"machine: {m['nproc']} CPU {m['cpu_model']}, Python {m['python']}, numpy {m['numpy']}, "
        f"Mesa {m['mesa']}; load average {_load_text(m)}",
        "",
        f"{'firms':>10} {'build s':>8} {'run s':>8} {'run CPU s':>9} {'total s':>8} "
        f"{'ns/firm-yr':>11} "
        f"{'peak RSS MiB':>13} {'tracemalloc MiB':>16} {'province ms/step':>17} "
        f"{'firm ms/step':>13}",
    ]
    for s in report["sizes"]:
        tm = s.get("tracemalloc", {}).get("peak_mb")
        p = s.get("parts", {})
        lines.append(
            f"{s['n_firms']:>10,} {s['build_s']:>8.2f} {s['run_s']:>8.2f} "
            f"{_f(s.get('run_cpu_s'), '.2f'):>9} {s['total_s']:>8.2f} {s['ns_per_firm_year']:>11.0f} {s['peak_rss_mb']:>13.0f} {_f(tm, '.0f'):>16} "
            f"{_f(p.get('province_ms'), '.1f'):>17} {_f(p.get('firm_ms'), '.1f'):>13}")
    scl = report["scaling"]
    lines += [
        "",
        f"time exponent (log total time on log firms): all sizes {scl['exponent_all']:.3f}, "
        "{:,}→{:,}: {:.3f}".format(*scl["top_sizes"], scl["exponent_top"])
        + f"  (run only: {scl['exponent_all_run']:.3f}, {scl['exponent_top_run']:.3f})",
    ]
    b = report["boltzmann"]
    r = report["ratio"]
    lines += [
        f"Mesa BoltzmannWealth {b['agents']:,} agents × {b['steps']} steps "
        f"({b['width']}×{b['height']} grid): {b['us_per_agent_step']:.2f} µs/agent-step "
        f"(build {b['build_s']:.2f} s, run {b['run_s']:.2f} s)",
        f"ratio Boltzmann per agent-step / regsim per firm-year at {r['n_firms']:,} firms: "
        f"{r['boltzmann_over_regsim']:.1f}×",
        "",
        "one step by part, mean ms per step (firm aggregation = effective capital and cell sums "
        "inside _produce):",
    ]
    names = [*PROVINCE_METHODS, FIRM_AGGREGATION, *FIRM_METHODS, *RECORD_METHODS]
    extra = sorted({k for s in report["sizes"] for k in s.get("parts", {}).get("methods_ms", {})
                    if k not in names})
    header = f"{'':>34}" + "".join(f"{s['n_firms']:>12,}" for s in report["sizes"])
    lines.append(header)
    for label, key in [*((n, n) for n in (*names, *extra)), ("= province level", "province_ms"),
                       ("= firm level", "firm_ms"), ("= records", "records_ms"),
                       ("= other (Mesa, ledger)", "other_ms"), ("= whole step", "step_ms")]:
        row = f"{label:>34}"
        for s in report["sizes"]:
            p = s.get("parts", {})
            v = p.get(key) if key in p else p.get("methods_ms", {}).get(key)
            row += f"{_f(v, '.2f'):>12}"
        lines.append(row)
    ds = report["default_simulation"]
    lines += [
        "",
        f"default simulation ({ds['n_firms']:,} firms, "
        f"{'in this process' if ds.get('in_process') else 'fresh process'}): imports {ds['import_s']:.2f} s, "
        f"data {ds['data_s']:.2f} s, build {ds['build_s']:.2f} s, run {ds['run_s']:.2f} s "
        f"(build + run {ds['total_s']:.2f} s"
        + (f"; again warm {ds['warm_build_s'] + ds['warm_run_s']:.2f} s" if "warm_run_s" in ds
           else "") + ")",
    ]
    proc = report["default_process"]
    if proc.get("skipped"):
        lines.append(f"default process `{proc['command']}`: skipped ({proc['note']})")
    else:
        lines.append(f"default process `{proc['command']}`: {proc['wall_s']:.2f} s wall "
                     f"({proc['note']})")
    if report.get("profile"):
        pf = report["profile"]
        lines.append(f"profile of {pf['n_firms']:,} firms written to {pf['path']}; top by tottime: "
                     + ", ".join(f"{t['function']} {t['tottime_s']:.2f} s" for t in pf["top"][:4]))
    lines += ["", "targets (the command exits 0 either way):"]
    for t in report["targets"]:
        val = _f(t["value"], ".3g") if t["value"] is not None else "–"
        note = f"  [{t['note']}]" if t["note"] else ""
        lines.append(f"  {t['status']:>4}  {t['target']:<66} {val} {t['unit']}{note}")
    return "\n".join(lines)


def _profile_md(report: dict[str, Any]) -> list[str]:
    pf = report.get("profile")
    if not pf:
        return []
    out = [f"## Profile at {pf['n_firms']:,} firms (cProfile, top by tottime)", "",
           f"Wall time under the profiler {pf['wall_s']:.1f} s; full listing in "
           f"[`{Path(pf['path']).name}`]({Path(pf['path']).name}).", "",
           "| function | tottime s | cumtime s | calls |", "|---|---:|---:|---:|"]
    out += [f"| `{t['function']}` | {t['tottime_s']:.2f} | {t['cumtime_s']:.2f} | {t['calls']} |"
            for t in pf["top"]]
    return [*out, ""]


def markdown_report(report: dict[str, Any]) -> str:
    """The report as a markdown page (for benchmarks/README.md)."""
    m = report["machine"]
    sc = report["scenario"]
    out = [
        "# regsim benchmarks",
        "",
        f"Latest results ({report['created']}), produced by",
        "",
        "```",
        report["command"],
        "```",
        "",
        f"Machine: {m['nproc']} CPUs, {m['cpu_model']}"
        + (f", {m['memory_gib']:.0f} GiB RAM" if m.get("memory_gib") else "")
        + f"; Python {m['python']}, numpy {m['numpy']}, Mesa {m['mesa']}; {m['platform']}. "
        f"Load average (1 min) during the run: {_load_text(m)}.",
        "",
        f"Scenario `{sc['config']}`, {sc['start_year']}–{sc['end_year']}: the {sc['start_year']} "
        f"build, then {sc['years_stepped']} yearly steps. Each size runs in a fresh process; "
        "peak RSS is that process's `ru_maxrss` (imports included); ns/firm-year = run time / "
        "(firms × steps); tracemalloc peak covers the build and "
        f"{TRACEMALLOC_YEARS} years (Python objects and numpy buffers). Raw numbers: "
        "[`latest.json`](latest.json); profile: [`profile_1m.txt`](profile_1m.txt).",
        "",
        "| firms | build s | run s | run CPU s | total s | ns/firm-year | peak RSS MiB | "
        "tracemalloc MiB | province ms/step | firm ms/step |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report["sizes"]:
        p = s.get("parts", {})
        out.append(
            f"| {s['n_firms']:,} | {s['build_s']:.2f} | {s['run_s']:.2f} | "
            f"{_f(s.get('run_cpu_s'), '.2f')} | {s['total_s']:.2f} | "
            f"{s['ns_per_firm_year']:.0f} | {s['peak_rss_mb']:.0f} | "
            f"{_f(s.get('tracemalloc', {}).get('peak_mb'), '.0f')} | "
            f"{_f(p.get('province_ms'), '.1f')} | {_f(p.get('firm_ms'), '.1f')} |")
    scl = report["scaling"]
    b = report["boltzmann"]
    r = report["ratio"]
    ds = report["default_simulation"]
    proc = report["default_process"]
    out += [
        "",
        f"- Time exponent (least squares of log(build + run) on log firms): "
        f"{scl['exponent_all']:.3f} over all sizes, "
        "{:.3f} between {:,} and {:,} firms".format(scl["exponent_top"], *scl["top_sizes"])
        + f" (run time only: {scl['exponent_all_run']:.3f} and {scl['exponent_top_run']:.3f}).",
        f"- Mesa `BoltzmannWealth` example, {b['agents']:,} agents on {b['width']}×{b['height']}, "
        f"{b['steps']} steps: {b['us_per_agent_step']:.2f} µs per agent-step; regsim at "
        f"{r['n_firms']:,} firms costs {r['regsim_ns_per_firm_year']:.0f} ns per firm-year, "
        f"{r['boltzmann_over_regsim']:.1f}× less.",
        f"- Default simulation ({ds['n_firms']:,} firms, fresh process): build "
        f"{ds['build_s']:.2f} s + run {ds['run_s']:.2f} s = {ds['total_s']:.2f} s (imports "
        f"{ds['import_s']:.2f} s and data loading {ds['data_s']:.2f} s apart).",
        f"- Default process `{proc['command']}`: "
        + (f"skipped ({proc['note']})." if proc.get("skipped")
           else f"{proc['wall_s']:.2f} s wall (interpreter start, outputs and figures)."),
        "",
        "## One step by part (mean ms per step)",
        "",
        "| part | " + " | ".join(f"{s['n_firms']:,}" for s in report["sizes"]) + " |",
        "|---|" + "---:|" * len(report["sizes"]),
    ]
    names = [*PROVINCE_METHODS, FIRM_AGGREGATION, *FIRM_METHODS, *RECORD_METHODS]
    for label, key in [*((f"`{n}`", n) for n in names),
                       ("**province level**", "province_ms"), ("**firm level**", "firm_ms"),
                       ("records", "records_ms"),
                       ("mechanisms (`after_step`)", "mechanisms_ms"),
                       ("other (Mesa, ledger)", "other_ms"), ("**whole step**", "step_ms")]:
        cells = []
        for s in report["sizes"]:
            p = s.get("parts", {})
            v = p.get(key) if key in p else p.get("methods_ms", {}).get(key)
            cells.append(_f(v, ".2f"))
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out += [
        "",
        "Province level: `_demography`, `_produce` (trade and production equilibrium) less the "
        "firm aggregation inside it, `_public_finance`, `_public_services`, `_migrate`. Firm "
        "level: `_invest_and_transfer_industry` (relocation, exit, entry, investment), "
        "`_technology` (productivity update) and the firm aggregation in `_produce`.",
        "",
        *_profile_md(report),
        "## Targets",
        "",
        "| target | value | status |",
        "|---|---:|---|",
    ]
    for t in report["targets"]:
        val = _f(t["value"], ".3g") if t["value"] is not None else "–"
        note = f" ({t['note']})" if t["note"] else ""
        out.append(f"| {t['target']} | {val} {t['unit']} | {t['status']}{note} |")
    out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------------------------ command


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run_bench(args: argparse.Namespace) -> int:
    """``regsim bench``: measure, print the JSON report and the table; always returns 0."""
    quick = bool(getattr(args, "quick", False))
    sizes = list(getattr(args, "sizes", None) or (QUICK_SIZES if quick else FULL_SIZES))
    agents, steps, side = (getattr(args, "boltzmann", None)
                           or (QUICK_BOLTZMANN if quick else FULL_BOLTZMANN))
    repeat = int(getattr(args, "repeat", 1) or 1)
    in_process = bool(getattr(args, "in_process", False))
    end_year = getattr(args, "end_year", None)
    cfg_arg = getattr(args, "config", None)
    config = Path(cfg_arg) if cfg_arg else _default_config()
    config_s = str(config.resolve())
    argv = getattr(args, "argv", None)
    command = "regsim " + " ".join(argv) if argv else "regsim bench" + (" --quick" if quick else "")

    report: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "in_process": in_process,
        "machine": _machine(),
    }
    results = []
    for n in sizes:
        _log(f"baseline at {n:,} firms ...")
        r = _best_of({"kind": "regsim", "config": config_s, "n_firms": n, "tracemalloc": True,
                      "end_year": end_year}, repeat, in_process)
        _log(f"  build {r['build_s']:.2f} s, run {r['run_s']:.2f} s, "
             f"peak {r['peak_rss_mb']:.0f} MiB")
        results.append(r)
    report["scenario"] = {"config": _show_path(config), "start_year": results[0]["start_year"],
                          "end_year": results[0]["end_year"],
                          "years_stepped": results[0]["years_stepped"],
                          "end_year_override": end_year}
    report["sizes"] = results
    report["scaling"] = _scaling(results)

    _log(f"Mesa BoltzmannWealth {agents:,} agents × {steps} steps ...")
    report["boltzmann"] = _best_of({"kind": "boltzmann", "agents": agents, "steps": steps,
                                    "side": side}, repeat, in_process)
    ref = results[-1]
    report["ratio"] = {
        "n_firms": ref["n_firms"],
        "regsim_ns_per_firm_year": ref["ns_per_firm_year"],
        "boltzmann_ns_per_agent_step": 1e3 * report["boltzmann"]["us_per_agent_step"],
        "boltzmann_over_regsim": 1e3 * report["boltzmann"]["us_per_agent_step"]
        / ref["ns_per_firm_year"],
    }

    _log("default simulation ...")
    report["default_simulation"] = _best_of(
        {"kind": "regsim", "config": config_s, "n_firms": None, "warm_repeat": True,
         "end_year": end_year}, repeat, in_process)
    if getattr(args, "skip_process", False):
        report["default_process"] = {"skipped": True,
                                     "command": f"regsim run {_show_path(config)} --out <tmp>",
                                     "note": "--skip-process"}
    else:
        _log("default process (regsim run) ...")
        report["default_process"] = _time_process(config, repeat)
    prof_path = getattr(args, "profile", None)
    if prof_path:
        _log(f"profiling {sizes[-1]:,} firms ...")
        report["profile"] = _run_child({"kind": "profile", "config": config_s,
                                        "n_firms": sizes[-1], "path": str(Path(prof_path))})
    report["targets"] = _targets(report)
    report["machine"]["loadavg_end"] = _loadavg()

    text = json.dumps(report, indent=2, default=float)
    json_path = getattr(args, "json_path", None)
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(text + "\n")
    else:
        print(text)
    md = getattr(args, "markdown", None)
    if md:
        Path(md).parent.mkdir(parents=True, exist_ok=True)
        Path(md).write_text(markdown_report(report))
    print(format_table(report))
    if json_path:
        print(f"JSON report: {json_path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.bench [options]`` (same options as ``regsim bench``)."""
    parser = argparse.ArgumentParser(prog="regsim")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    argv = ["bench", *(sys.argv[1:] if argv is None else argv)]
    args = parser.parse_args(argv)
    args.argv = argv
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())

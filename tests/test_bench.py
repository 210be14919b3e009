"""`regsim bench` (sim.bench): the report's structure in quick mode; no timing thresholds."""

from __future__ import annotations

import argparse
import json
import math

import pytest

from sim import bench


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regsim")
    bench.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def test_parser_options():
    args = _parser().parse_args(["bench", "--quick", "--json", "x.json", "--sizes", "2k,500,1M"])
    assert args.handler is bench.run_bench
    assert args.quick and args.json_path == "x.json"
    assert args.sizes == [500, 2_000, 1_000_000]
    assert _parser().parse_args(["bench"]).sizes is None
    with pytest.raises(SystemExit):
        _parser().parse_args(["bench", "--sizes", "100,200"])  # below 186 firms


def test_fit_exponent():
    firms = [1e3, 1e4, 1e5]
    assert bench.fit_exponent(firms, [2e-3 * f**0.8 for f in firms]) == pytest.approx(0.8)
    assert bench.fit_exponent(firms[:2], [1.0, 10.0]) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    args = _parser().parse_args([
        "bench", "--quick", "--sizes", "400,800,1600", "--boltzmann", "400,10", "--end-year",
        "2024", "--in-process", "--skip-process", "--json", str(out / "latest.json"), "--markdown", str(out / "README.md"),
    ])
    assert bench.run_bench(args) == 0
    return json.loads((out / "latest.json").read_text()), (out / "README.md").read_text()


def _positive(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def test_report_structure(quick_report, capsys):
    report, markdown = quick_report
    for key in ("schema", "command", "created", "quick", "machine", "scenario", "sizes",
                "scaling", "boltzmann", "ratio", "default_simulation", "default_process",
                "targets"):
        assert key in report, key
    assert report["quick"] is True and report["in_process"] is True
    assert report["machine"]["nproc"] >= 1 and report["machine"]["numpy"]
    assert [s["n_firms"] for s in report["sizes"]] == [400, 800, 1600]
    years = report["scenario"]["years_stepped"]
    assert years == report["scenario"]["end_year"] - report["scenario"]["start_year"] == 4
    for s in report["sizes"]:
        for key in ("build_s", "run_s", "total_s", "ns_per_firm_year", "peak_rss_mb",
                    "rss_after_import_mb"):
            assert _positive(s[key]), (s["n_firms"], key, s[key])
        assert s["years_stepped"] == years
        assert s["total_s"] == pytest.approx(s["build_s"] + s["run_s"])
        assert _positive(s["tracemalloc"]["peak_mb"])
        parts = s["parts"]
        for key in ("step_ms", "province_ms", "firm_ms", "records_ms"):
            assert _positive(parts[key]), key
        for name in (*bench.PROVINCE_METHODS, *bench.FIRM_METHODS, bench.FIRM_AGGREGATION):
            assert name in parts["methods_ms"]
        assert parts["province_ms"] + parts["firm_ms"] <= parts["step_ms"] * 1.01
    sc = report["scaling"]
    for key in ("exponent_all", "exponent_top", "exponent_all_run", "exponent_top_run"):
        assert math.isfinite(sc[key]), key
    assert sc["top_sizes"] == [800, 1600]
    b = report["boltzmann"]
    assert (b["agents"], b["steps"]) == (400, 10) and _positive(b["us_per_agent_step"])
    assert _positive(report["ratio"]["boltzmann_over_regsim"])
    ds = report["default_simulation"]
    assert _positive(ds["total_s"]) and ds["n_firms"] >= 186
    assert report["default_process"]["skipped"] is True
    statuses = {t["name"]: t["status"] for t in report["targets"]}
    assert set(statuses) == set(bench.TARGETS)
    assert all(v in {"PASS", "FAIL", "n/a"} for v in statuses.values())
    assert statuses["time_1m_s"] == "n/a"  # 1M firms not measured in quick mode
    assert "| firms |" in markdown and report["command"] in markdown


def test_table_printed(quick_report):
    report, _ = quick_report
    text = bench.format_table(report)
    assert "ns/firm-yr" in text and "targets" in text and "BoltzmannWealth" in text


def test_fresh_process_measurement():
    """The default path: one measurement in a fresh interpreter, peak RSS of that child."""
    r = bench._run_child({"kind": "regsim", "config": str(bench._default_config()), "n_firms": 300,
                          "end_year": 2022, "tracemalloc": True})
    assert r["n_firms"] == 300 and r["years_stepped"] == 2 and "in_process" not in r
    for key in ("import_s", "build_s", "run_s", "ns_per_firm_year", "peak_rss_mb"):
        assert _positive(r[key]), key
    assert r["peak_rss_mb"] >= r["rss_after_import_mb"]
    assert set(r["parts"]["methods_ms"]) >= set(bench.PROVINCE_METHODS)

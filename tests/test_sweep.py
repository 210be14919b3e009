"""Sweeps (``regsim sweep`` / ``regsim analyze``, ``sim.sweep``): sweep-file errors before any run,
seeds, the per-run outputs and the runs table, failed runs, resume after a real kill, identical
results whatever the executor, ensemble bands and Sobol/Morris indices, ``mesa.batch_run``.

Fast tests run tiny sweeps in this process (200 firms, a year or two); the executor, kill and
experiment tests are marked slow (and the Dask ones dask), as they start processes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "configs" / "baseline.yaml")
TINY = {"n_firms": 200, "end_year": 2022}


def write_sweep(folder: Path, name: str = "tiny", **over: Any) -> Path:
    """A small grid sweep file (2 points × 2 replicates, 200 firms, 2020–2022) with overrides."""
    spec: dict[str, Any] = {
        "name": name,
        "base": BASELINE,
        "set": dict(TINY),
        "seed": 11,
        "replicates": 2,
        "design": {"type": "grid", "parameters": {"migration.hukou_cost": [0.5, 2.0]}},
        "analysis": {"indicators": ["theil_t", "gdp"], "years": [2022]},
    }
    spec.update(over)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def sweep(path: Path, out: Path, *extra: str) -> int:
    return main(["sweep", str(path), "--out", str(out), "--quiet", *extra])


def run_files(out: Path) -> dict[str, bytes]:
    """Every stored table of every run, by relative path → bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted((out / "runs").glob("run=*/*.parquet"))}


# ------------------------------------------------------------------------ sweep file errors

BAD_SWEEPS = {
    "unknown top-level key": ({"replicatess": 3}, "replicatess: unknown key; did you mean 'replicates'?"),
    "unknown design key": ({"design": {"type": "grid", "parameters": {"trade.sigma": [4]},
                                        "step": 1}}, "design.step: unknown key"),
    "unknown design type": ({"design": {"type": "factorial", "parameters": {}}}, "design.type"),
    "empty grid": ({"design": {"type": "grid", "parameters": {}}}, "empty design"),
    "empty values": ({"design": {"type": "grid", "parameters": {"trade.sigma": []}}},
                     "empty design"),
    "empty list": ({"design": {"type": "list", "points": []}}, "empty design"),
    "grid from > to": ({"design": {"type": "grid", "parameters": {
        "trade.sigma": {"from": 5, "to": 3, "num": 3}}}}, "bad range"),
    "grid step 0": ({"design": {"type": "grid", "parameters": {
        "trade.sigma": {"from": 3, "to": 5, "step": 0}}}}, "bad range"),
    "sobol low >= high": ({"design": {"type": "sobol", "n": 4, "parameters": {
        "trade.sigma": [5, 5]}}}, "bad range"),
    "sobol n not power of 2": ({"design": {"type": "sobol", "n": 6, "parameters": {
        "trade.sigma": [3, 5]}}}, "power of 2"),
    "bounds not numbers": ({"design": {"type": "lhs", "n": 4, "parameters": {
        "trade.sigma": ["a", 5]}}}, "expected a number"),
    "unknown config key in design": ({"design": {"type": "grid", "parameters": {
        "migration.hukou_kost": [1.0]}}}, "migration.hukou_kost: unknown key"),
    "config value out of range": ({"design": {"type": "grid", "parameters": {
        "migration.hukou_cost": [1.0, -1.0]}}}, "out of range"),
    "sampled bound out of range": ({"design": {"type": "random", "n": 3, "parameters": {
        "firms.entry_barrier": [0.0, 9.0]}}}, "firms.entry_barrier"),
    "unknown config key in set": ({"set": {"n_firmz": 300}}, "n_firmz: unknown key"),
    "wildcard matching nothing": ({"design": {"type": "sobol", "n": 4, "parameters": {
        "mechanisms.*.dose": [0, 1]}}}, "matches no config key"),
    "missing seed": ({"seed": None}, "seed"),
    "bad replicates": ({"replicates": 0}, "replicates"),
    "missing base file": ({"base": "no/such/file.yaml"}, "not found"),
}


@pytest.mark.parametrize("case", list(BAD_SWEEPS), ids=list(BAD_SWEEPS))
def test_malformed_sweep_is_one_line_error_before_any_run(tmp_path, capsys, case):
    over, expected = BAD_SWEEPS[case]
    path = write_sweep(tmp_path, **over)
    if over.get("seed", 0) is None:  # drop the key altogether
        raw = yaml.safe_load(path.read_text())
        raw.pop("seed")
        path.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out"
    code = sweep(path, out)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and "unavailable" not in line]
    assert code == 2
    assert len(lines) == 1, err
    assert lines[0].startswith("sweep error: "), lines[0]
    assert str(path) in lines[0]
    assert expected in lines[0], lines[0]
    assert not out.exists()  # nothing started, nothing written


def test_unreadable_sweep_files(tmp_path, capsys):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("name: x\ndesign: [unclosed\n")
    dup = tmp_path / "dup.yaml"
    dup.write_text("name: x\nseed: 1\nseed: 2\n")
    for path, text in [(tmp_path / "missing.yaml", "file not found"), (bad_yaml, "invalid YAML"),
                       (dup, "duplicate key"), (tmp_path, "is a directory")]:
        assert sweep(path, tmp_path / "out") == 2
        err = [x for x in capsys.readouterr().err.splitlines() if "unavailable" not in x]
        assert len(err) == 1 and text in err[0], err


def test_output_folder_of_another_sweep_or_not_a_sweep_is_refused(tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    path = write_sweep(tmp_path, replicates=1, set={"n_firms": 200, "end_year": 2021})
    assert sweep(path, other) == 2
    assert "not a regsim sweep" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "mine"


def test_subcommands_registered():
    parser = build_parser()
    args = parser.parse_args(["sweep", "x.yaml", "--workers", "3", "--smoke"])
    assert args.workers == 3 and args.smoke and callable(args.handler)
    args = parser.parse_args(["analyze", "d", "--output", "theil_t@2050"])
    assert args.output == ["theil_t@2050"] and callable(args.handler)
    with pytest.raises(SystemExit):
        parser.parse_args(["sweep", "x.yaml", "--workers", "2", "--dask-local", "2"])


# ------------------------------------------------------------------------ plans and seeds


def test_seeds_are_spawned_independent_and_stable(tmp_path):
    from sim.sweep.plan import load_sweep, run_seeds

    path = write_sweep(tmp_path, replicates=5)
    plan = load_sweep(path)
    seeds = [r.seed for r in plan.runs]
    assert len(plan.runs) == 10 and len(set(seeds)) == 10
    _, runs_ss = np.random.SeedSequence(11).spawn(2)
    expected = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in runs_ss.spawn(10)]
    assert seeds == expected == run_seeds(11, 10)
    assert all(0 <= s < 2**63 for s in seeds)
    # A run's seed depends on the sweep seed and its index only.
    assert run_seeds(11, 3) == seeds[:3]
    assert run_seeds(12, 10) != seeds
    # Each run's scenario carries its seed; points differ only by their parameters.
    cfg = plan.run_config(plan.runs[3])
    assert cfg.seed == seeds[3] and cfg.migration.hukou_cost == 0.5 and plan.runs[3].point == 0
    assert plan.run_config(plan.runs[7]).migration.hukou_cost == 2.0


def test_designs_and_wildcards(tmp_path):
    from sim.mechanisms import REGISTRY
    from sim.sweep.plan import load_sweep

    keys = [cls.key for cls in REGISTRY]
    grid = load_sweep(write_sweep(tmp_path, "g", design={"type": "grid", "parameters": {
        "migration.hukou_cost": {"from": 0, "to": 1, "num": 3},
        "firms.entry_barrier": {"from": 0, "to": 0.5, "step": 0.25}}}))
    assert len(grid.points) == 9
    assert grid.points[1].params == {"migration.hukou_cost": 0.0, "firms.entry_barrier": 0.25}
    lhs = load_sweep(write_sweep(tmp_path, "l", design={"type": "lhs", "n": 6, "parameters": {
        "migration.hukou_cost": [0, 3], "n_firms": [200, 400]}}))
    values = np.array([p.params["migration.hukou_cost"] for p in lhs.points])
    assert len(lhs.points) == 6 and values.min() >= 0 and values.max() <= 3
    assert all(isinstance(p.params["n_firms"], int) for p in lhs.points)  # integer keys rounded
    assert sorted(np.floor(values / 0.5).astype(int)) == list(range(6))  # one per stratum
    sob = load_sweep(write_sweep(tmp_path, "s", design={"type": "sobol", "n": 4, "parameters": {
        "mechanisms.*.intensity": [0, 2]}}))
    assert sob.param_names == [f"mechanisms.{k}.intensity" for k in keys]
    assert len(sob.points) == 4 * (len(keys) + 2)
    assert sob.problem["names"] == sob.param_names
    mor = load_sweep(write_sweep(tmp_path, "m", design={"type": "morris", "trajectories": 3,
                                                        "parameters": {
                                                            "migration.hukou_cost": [0, 2],
                                                            "trade.sigma": [3, 6]}}))
    assert len(mor.points) == 3 * 3
    lst = load_sweep(write_sweep(tmp_path, "p", base=str(ROOT / "configs" / "no_coordination.yaml"),
                                 design={"type": "list", "points": [
                                     {"label": "baseline", "scenario": BASELINE},
                                     {"label": "none"},
                                     {"label": "alone: {mechanism}",
                                      "mechanisms.{mechanism}.enabled": True},
                                     {"label": "all", "mechanisms.*.enabled": True}]}))
    assert [p.label for p in lst.points] == ["baseline", "none", *[f"alone: {k}" for k in keys],
                                             "all"]
    assert lst.point_configs[0].name == "baseline" and lst.point_configs[0].n_firms == 200
    alone = lst.point_configs[2]
    assert getattr(alone.mechanisms, keys[0]).enabled
    assert all(getattr(lst.point_configs[-1].mechanisms, k).enabled for k in keys)
    # The same file gives the same plan; the smoke section gives another.
    assert load_sweep(write_sweep(tmp_path, "s", design={"type": "sobol", "n": 4, "parameters": {
        "mechanisms.*.intensity": [0, 2]}})).plan_hash() == sob.plan_hash()


def test_content_checksum_is_canonical():
    from sim.sweep.checksum import canonical_csv, content_checksum

    a = pd.DataFrame({"year": [2050, 2035], "x": [0.1 + 0.2, 1.0], "label": ["a,b", "c"]})
    b = pd.DataFrame({"label": ["c", "a,b"], "x": [1.0, 0.3], "year": [2035.0, 2050.0]})
    assert content_checksum(a) == content_checksum(b)
    assert canonical_csv(a) == 'label,x,year\n"a,b",0.3,2050\nc,1,2035\n'
    c = b.assign(x=[1.0, 0.3 + 1e-9])
    assert content_checksum(c) != content_checksum(a)
    assert content_checksum(a.assign(x=[np.nan, -0.0])) == content_checksum(
        a.assign(x=[None, 0.0]))


# ------------------------------------------------------------------------ runs and outputs


def test_sweep_outputs_runs_table_resume_and_bands(tmp_path, capsys):
    from sim.config import config_hash
    from sim.model import RegionalModel
    from sim.sweep import read_table
    from sim.sweep.plan import load_sweep

    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    assert sweep(path, out, "--workers", "1") == 0
    printed = capsys.readouterr().out
    assert "4 runs done, 0 failed, 0 already finished, of 4" in printed

    # Layout: one folder per run with its tables and record; no temporary leftovers.
    assert sorted(p.name for p in (out / "runs").iterdir()) == [f"run={i:06d}" for i in range(4)]
    assert sorted(p.name for p in out.iterdir()) == [
        "base_config.yaml", "manifest.json", "runs", "runs.parquet", "sweep.yaml"]
    for d in (out / "runs").iterdir():
        assert sorted(p.name for p in d.iterdir()) == [
            "national_year.parquet", "province_year.parquet", "run.json"]

    # The runs table records run id, point, replicate, parameters, seed and status.
    plan = load_sweep(path)
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["run_id"]) == ["000000", "000001", "000002", "000003"]
    assert list(runs["seed"]) == [r.seed for r in plan.runs]
    assert list(runs["migration.hukou_cost"]) == [0.5, 0.5, 2.0, 2.0]
    assert list(runs["replicate"]) == [0, 1, 0, 1] and set(runs["status"]) == {"done"}
    assert list(runs["config_hash"]) == [config_hash(plan.run_config(r)) for r in plan.runs]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "regsim-sweep" and manifest["n_runs"] == 4
    assert manifest["plan_hash"] == plan.plan_hash()
    assert manifest["versions"]["numpy"] and manifest["base_config_hash"]
    assert manifest["status"] == {"done": 4, "failed": 0, "pending": 0}

    # Tables of every run: partitioned by run, each run exactly once.
    nat = read_table(out, "national_year")
    assert nat.groupby("run")["year"].apply(list).tolist() == [[2020, 2021, 2022]] * 4
    prov = read_table(out, "province_year")
    assert len(prov) == 4 * 3 * 31
    # Independent seeds: replicates of one point differ; a run alone reproduces its tables.
    y = nat[nat["year"] == 2022].set_index("run")["theil_t"]
    assert y[0] != y[1] and y[2] != y[3]
    alone = RegionalModel(plan.run_config(plan.runs[1])).run().national_table()
    stored = pd.read_parquet(out / "runs" / "run=000001" / "national_year.parquet")
    pd.testing.assert_frame_equal(alone.reset_index(drop=True), stored, check_exact=True)

    # Rerunning resumes: nothing is left to do.
    before = {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*/run.json")}
    assert sweep(path, out, "--workers", "1") == 0
    assert "0 runs done, 0 failed, 4 already finished" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*/run.json")} == before
    assert len(json.loads((out / "manifest.json").read_text())["sessions"]) == 2

    # Analysis: median and 5–95% bands by point and year; the main table and its checksum.
    assert main(["analyze", str(out), "--no-figures"]) == 0
    printed = capsys.readouterr().out
    ens = pd.read_parquet(out / "tables" / "ensemble_national.parquet")
    assert set(ens["indicator"]) == {"theil_t", "gdp"} and set(ens["point"]) == {0, 1}
    assert (ens["n"] == 2).all()
    assert ((ens["q05"] <= ens["median"]) & (ens["median"] <= ens["q95"])).all()
    row = ens[(ens["point"] == 0) & (ens["indicator"] == "theil_t") & (ens["year"] == 2022)]
    assert row["median"].item() == pytest.approx(np.median([y[0], y[1]]))
    assert row["q05"].item() == pytest.approx(np.quantile([y[0], y[1]], 0.05))
    outcomes = pd.read_parquet(out / "tables" / "outcomes.parquet")
    assert set(outcomes["year"]) == {2022}
    sums = json.loads((out / "tables" / "checksums.json").read_text())
    assert sums["main_table"] == "outcomes"
    assert f"main table outcomes: content sha256 {sums['tables']['outcomes']}" in printed
    from sim.sweep.checksum import content_checksum

    assert content_checksum(pd.read_csv(out / "tables" / "outcomes.csv")) == \
        sums["tables"]["outcomes"]


def test_failing_run_is_recorded_and_does_not_stop_the_sweep(tmp_path, capsys, monkeypatch):
    from sim.model import RegionalModel
    from sim.sweep.plan import load_sweep

    path = write_sweep(tmp_path, set={"n_firms": 200, "end_year": 2021})
    bad_seed = load_sweep(path).runs[1].seed
    original = RegionalModel.run

    def flaky(self):
        if self.config.seed == bad_seed:
            raise FloatingPointError("solver diverged (injected)")
        return original(self)

    monkeypatch.setattr(RegionalModel, "run", flaky)
    out = tmp_path / "out"
    assert sweep(path, out, "--workers", "1") == 1
    err = capsys.readouterr().err
    assert "run 000001 failed: FloatingPointError: solver diverged (injected)" in err
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["status"]) == ["done", "failed", "done", "done"]
    assert runs.loc[1, "error"] == "FloatingPointError: solver diverged (injected)"
    record = json.loads((out / "runs" / "run=000001" / "run.json").read_text())
    assert record["status"] == "failed" and "Traceback" in record["traceback"]
    assert sorted(p.name for p in (out / "runs" / "run=000001").iterdir()) == ["run.json"]
    # The analysis leaves the failed run out and says so.
    assert main(["analyze", str(out), "--no-figures", "-q"]) == 0
    assert "1 failed runs left out" in capsys.readouterr().err
    # Resuming keeps the failure; --retry-failed runs it again.
    assert sweep(path, out, "--workers", "1") == 0
    assert "0 runs done, 0 failed, 4 already finished" in capsys.readouterr().out
    monkeypatch.setattr(RegionalModel, "run", original)
    assert sweep(path, out, "--workers", "1", "--retry-failed") == 0
    assert "1 runs done, 0 failed, 3 already finished" in capsys.readouterr().out
    assert set(pd.read_parquet(out / "runs.parquet")["status"]) == {"done"}


TINY_1Y = {"n_firms": 200, "end_year": 2021}
PARAMS_2 = {"migration.hukou_cost": [0.0, 2.0], "firms.entry_barrier": [0.0, 0.5]}


def test_sobol_indices_on_a_smoke_sweep(tmp_path):
    tiny, params = TINY_1Y, PARAMS_2
    sob = write_sweep(tmp_path, "sob", set=tiny, replicates=1,
                      design={"type": "sobol", "n": 2, "parameters": params},
                      analysis={"indicators": ["theil_t"], "outputs": ["theil_t@2021"],
                                "num_resamples": 20})
    out = tmp_path / "sob_out"
    assert sweep(sob, out, "--workers", "1") == 0
    args = ["analyze", str(out), "--output", "theil_t@2021", "--output", "gdp@2021", "-q",
            "--no-figures"]
    assert main(args) == 0
    idx = pd.read_parquet(out / "tables" / "sobol_indices.parquet")
    assert list(idx.columns) == ["output", "indicator", "year", "parameter", "S1", "S1_conf",
                                 "ST", "ST_conf"]
    assert sorted(idx["output"].unique()) == ["gdp@2021", "theil_t@2021"]
    assert set(idx["parameter"]) == set(params)
    assert np.isfinite(idx[["S1", "ST"]].to_numpy()).all()
    assert (idx[["S1_conf", "ST_conf"]].to_numpy() >= 0).all()
    first = (out / "tables" / "checksums.json").read_text()
    assert main(args) == 0
    assert (out / "tables" / "checksums.json").read_text() == first  # seeded bootstrap


@pytest.mark.slow
def test_morris_indices_and_figures(tmp_path, capsys):
    tiny, params = TINY_1Y, PARAMS_2
    mor = write_sweep(tmp_path, "mor", set=tiny, replicates=1,
                      design={"type": "morris", "trajectories": 2, "parameters": params},
                      analysis={"indicators": ["theil_t"], "outputs": ["theil_t@2021"],
                                "num_resamples": 20})
    out = tmp_path / "mor_out"
    assert sweep(mor, out, "--workers", "1") == 0
    assert main(["analyze", str(out)]) == 0
    idx = pd.read_parquet(out / "tables" / "morris_indices.parquet")
    assert set(idx["parameter"]) == set(params)
    assert {"mu", "mu_star", "mu_star_conf", "sigma"} <= set(idx.columns)
    printed = capsys.readouterr().out
    assert "main table morris_indices" in printed
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "morris_theil_t_2021.png", "paths_theil_t.png"]
    assert "figures/morris_theil_t_2021.png" in printed


def test_mesa_batch_run_works_on_regional_model():
    import mesa

    from sim.model import RegionalModel

    method = multiprocessing.get_start_method(allow_none=True)
    try:
        rows = mesa.batch_run(
            RegionalModel,
            parameters={"config": BASELINE, "migration__hukou_cost": [0.5, 2.0],
                        "n_firms": 200, "end_year": 2022},
            rng=[1, 2], max_steps=10, data_collection_period=1, number_processes=1,
            display_progress=False)
    finally:  # batch_run forces the 'spawn' start method process-wide
        multiprocessing.set_start_method(method, force=True)
    df = pd.DataFrame(rows)
    assert set(df["RunId"]) == {0, 1, 2, 3}
    assert set(df["rng"]) == {1, 2} and set(df["migration__hukou_cost"]) == {0.5, 2.0}
    assert sorted(df["year"].unique()) == [2020, 2021, 2022]
    assert len(df) == 4 * 3 * 31  # model reporters × province agent reporters
    m = RegionalModel(BASELINE, rng=2, migration__hukou_cost=0.5, n_firms=200, end_year=2022).run()
    got = df[(df["rng"] == 2) & (df["migration__hukou_cost"] == 0.5) & (df["Step"] == 2)]
    assert got["theil_t"].iloc[0] == m.national_table()["theil_t"].iloc[-1]


# ------------------------------------------------------------------------ executors (slow)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A 6-run sweep run in this process: the reference for the other executors."""
    folder = tmp_path_factory.mktemp("reference")
    path = write_sweep(folder, "exec", replicates=3, set={"n_firms": 200, "end_year": 2023})
    out = folder / "serial"
    assert sweep(path, out, "--workers", "1") == 0
    return path, out


def same_results(a: Path, b: Path) -> None:
    from sim.sweep import read_table
    from sim.sweep.checksum import content_checksum

    fa, fb = run_files(a), run_files(b)
    assert sorted(fa) == sorted(fb) and len(fa) == 12
    assert fa == fb  # byte-identical Parquet, run by run
    for t in ("national_year", "province_year"):
        assert content_checksum(read_table(a, t)) == content_checksum(read_table(b, t))
    ra, rb = pd.read_parquet(a / "runs.parquet"), pd.read_parquet(b / "runs.parquet")
    cols = ["run_id", "point", "replicate", "seed", "config_hash", "status"]
    pd.testing.assert_frame_equal(ra[cols], rb[cols])


@pytest.mark.slow
def test_two_workers_give_identical_results(reference, tmp_path, capsys):
    path, serial = reference
    out = tmp_path / "pool"
    assert sweep(path, out, "--workers", "2") == 0
    assert "(process-pool, 2 workers)" in capsys.readouterr().out
    same_results(serial, out)


@pytest.mark.slow
@pytest.mark.dask
def test_dask_local_cluster_gives_identical_results(reference, tmp_path, capsys):
    import logging

    from dask.distributed import LocalCluster

    path, serial = reference
    # A real scheduler and two worker processes, started here, reached over TCP.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        out = tmp_path / "dask"
        assert sweep(path, out, "--scheduler", address) == 0
        assert "(dask, 2 workers)" in capsys.readouterr().out
        workers = {json.loads(p.read_text())["worker"]
                   for p in (out / "runs").glob("*/run.json")}
        assert not any(w.endswith(f":{os.getpid()}") for w in workers)  # ran in the workers
    same_results(serial, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sessions"][-1]["scheduler"] == address
    # --dask-local starts (and stops) its own LocalCluster.
    out2 = tmp_path / "dask_local"
    assert sweep(path, out2, "--dask-local", "2") == 0
    same_results(serial, out2)


@pytest.mark.slow
def test_killed_sweep_resumes_with_every_run_exactly_once(tmp_path):
    psutil = pytest.importorskip("psutil")  # installed with dask[distributed]
    from sim.sweep import read_table

    n_runs = 12
    path = write_sweep(tmp_path, "killme", replicates=6,
                       set={"n_firms": 200, "end_year": 2024})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--out", str(out), "--quiet",
           "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while len(list(out.glob("runs/run=*/run.json"))) < 3:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no run finished in time"
            time.sleep(0.05)
        children = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)  # a real, abrupt kill of the sweep
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    _, alive = psutil.wait_procs(children, timeout=15)  # workers notice and exit
    assert not alive
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("runs/run=*/run.json")}
    assert 3 <= len(finished) < n_runs, "the kill came too late to test a resume"

    code = subprocess.run([*cmd[:-2], "--workers", "1"], capture_output=True, text=True,
                          timeout=300)
    assert code.returncode == 0, code.stderr
    assert f"{n_runs - len(finished)} runs done, 0 failed, {len(finished)} already finished" \
        in code.stdout
    # Every run exactly once, the ones finished before the kill untouched, nothing temporary.
    dirs = sorted(p.name for p in (out / "runs").iterdir())
    assert dirs == [f"run={i:06d}" for i in range(n_runs)]
    assert {k: v for k, v in ((p.parent.name, p.stat().st_mtime_ns)
                              for p in out.glob("runs/run=*/run.json"))
            if k in finished} == finished
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["run_id"].is_unique and len(runs) == n_runs and set(runs["status"]) == {"done"}
    nat = read_table(out, "national_year")
    assert (nat.groupby("run").size() == 5).all() and nat["run"].nunique() == n_runs
    assert not nat.duplicated(["run", "year"]).any()
    # The resumed sweep equals an uninterrupted one.
    fresh = tmp_path / "fresh"
    assert sweep(path, fresh, "--workers", "1") == 0
    assert run_files(out) == run_files(fresh)


def test_response_axis_is_logarithmic_for_values_spanning_orders_of_magnitude():
    from sim.sweep.analyze import axis_scale

    assert axis_scale([20_000, 50_000, 1_000_000]) == "log"  # firm counts
    assert axis_scale([0.0, 0.5, 1.0, 2.0]) == "linear"  # a dose from zero
    assert axis_scale([1.0, 29.0]) == "linear"
    assert axis_scale([-1.0, 100.0]) == "linear"
    assert axis_scale([]) == "linear"

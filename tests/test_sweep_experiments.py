"""The experiments under ``experiments/``: each folder has its sweep file, README and one command
(``run.sh``); the reduced version (``--smoke``) runs end to end and writes its tables, figures and
the content checksum of its main table. Slow: these start real ``regsim`` processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = {
    "hukou_negative_list": ("outcomes", "grid_theil_t_2023.png"),
    "mechanism_sensitivity": ("sobol_indices", "sobol_theil_t_2022.png"),
    "policy_packages": ("outcomes", "paths_theil_t.png"),
    "firm_resolution": ("outcomes", "response_theil_t_2023.png"),
}
#: Runs of each full experiment, as its README states (policy_packages: 22 points with the 18
#: mechanisms registered on 2026-11-29).
FULL_RUNS = {"hukou_negative_list": 500, "mechanism_sensitivity": 1280, "policy_packages": 440,
             "firm_resolution": 80,
}


def test_every_experiment_has_its_files():
    from sim.sweep.plan import load_sweep
    from sim.sweep.spec import read_sweep_file, validate_spec

    for name in EXPERIMENTS:
        folder = ROOT / "experiments" / name
        assert os.access(folder / "run.sh", os.X_OK)
        readme = (folder / "README.md").read_text(encoding="utf-8")
        for heading in ("## Question", "## Design", "## Result", "## Runtime", "## Checksum",
                        "## Reproduce"):
            assert heading in readme, (name, heading)
        assert re.search(r"\b[0-9a-f]{64}\b", readme), f"{name}: no checksum in the README"
        path = folder / "sweep.yaml"
        assert validate_spec(read_sweep_file(path), str(path)).name == name
        assert load_sweep(path, smoke=True).name == name  # every smoke point validated


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_full_experiment_plans_validate(name):
    from sim.sweep.plan import load_sweep

    plan = load_sweep(ROOT / "experiments" / name / "sweep.yaml")  # every point's scenario built
    assert plan.name == name and len(plan.runs) == FULL_RUNS[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_experiment_smoke_runs(name, tmp_path):
    main_table, figure = EXPERIMENTS[name]
    env = {**os.environ, "REGSIM_RESULTS": str(tmp_path),
           "REGSIM": str(Path(sys.executable).with_name("regsim"))}
    proc = subprocess.run([str(ROOT / "experiments" / name / "run.sh"), "--smoke", "--quiet"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tmp_path / f"{name}-smoke"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["smoke"] and manifest["status"]["pending"] == 0
    assert manifest["status"]["failed"] == 0
    sums = json.loads((out / "tables" / "checksums.json").read_text())
    assert sums["main_table"] == main_table
    assert f"main table {main_table}: content sha256 {sums['tables'][main_table]}" in proc.stdout
    # The smoke run reproduces the checksum its README records (any change of the model, its
    # data or the experiment must be rerun and recorded there).
    readme = (ROOT / "experiments" / name / "README.md").read_text(encoding="utf-8")
    recorded = re.search(r"`--smoke`: `([0-9a-f]{64})`", readme)
    assert recorded, f"{name}: no --smoke checksum in the README"
    assert sums["tables"][main_table] == recorded.group(1)
    assert (out / "tables" / f"{main_table}.parquet").is_file()
    assert (out / "figures" / figure).is_file()

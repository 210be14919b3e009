"""``regsim run``: the files it writes, one-line errors with exit code 2 for bad input, exit code 1
and nothing left behind when the run fails, and the lazy public API of ``sim``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import SUBCOMMANDS, build_parser, main, subcommand
from sim.model import RegionalModel

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "configs" / "baseline.yaml")
SMALL = ["--set", "n_firms=500", "--set", "end_year=2023"]
TABLE_FILES = {
    "province_year.parquet",
    "plate_year.parquet",
    "national_year.parquet",
    "flows.parquet",
    "warnings.parquet",
    "config.yaml",
    "manifest.json",
}
FIGURE_FILES = {"figures/gdp_map.png", "figures/theil_decomposition.png",
                "figures/population_shares.png"}


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    """Temporary or moved-aside folders of a write (names start with a dot)."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_run_writes_all_files(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", BASELINE, "--out", str(out), "--quiet", "--firm-tables", *SMALL])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert files_in(out) == TABLE_FILES | FIGURE_FILES | {"firms_final.parquet"}
    assert leftovers(tmp_path) == []
    assert str(out) in captured.out
    lines = captured.out.splitlines()
    header = next(i for i, line in enumerate(lines) if "Theil T" in line)
    years = [line.split()[0] for line in lines[header + 1:]]
    assert years == ["2020", "2023"]  # 2035 is not simulated here
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"].startswith("regsim run ")
    assert sorted(manifest["files"]) == sorted(files_in(out))


def test_summary_shows_2035_when_simulated(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", BASELINE, "--out", str(out), "-q", "--no-figures",
                 "--set", "n_firms=300", "--set", "end_year=2036"])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if "Theil T" in line)
    assert [line.split()[0] for line in lines[header + 1:]] == ["2020", "2035", "2036"]
    assert not (out / "figures").exists()


def test_run_via_subprocess(tmp_path):
    out = tmp_path / "sub"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", BASELINE, "--out", str(out), "--no-figures",
         *SMALL],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert files_in(out) == TABLE_FILES
    assert "GDP" in proc.stdout


def test_default_out_dir_and_seed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["run", BASELINE, "-q", "--no-figures", "--seed", "7", "--set", "name=smoke run",
                 *SMALL])
    assert code == 0, capsys.readouterr().err
    out = tmp_path / "results" / "smoke_run"
    assert files_in(out) == TABLE_FILES
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7
    assert manifest["scenario"] == "smoke run"


def test_rerun_replaces_previous_output(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["run", BASELINE, "--out", str(out), "-q", *SMALL]
    assert main([*args, "--firm-tables", "--no-figures"]) == 0
    (out / "stray.txt").write_text("old", encoding="utf-8")
    assert main([*args, "--no-figures"]) == 0
    assert files_in(out) == TABLE_FILES  # the old firm table and stray file are gone
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------- bad input


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


BAD_CASES = {
    "unknown key": ("migraton:\n  hukou_cost: 1.0\n", [], ["migraton", "did you mean 'migration'"]),
    "wrong type": ("n_firms: many\n", [], ["n_firms", "wrong type"]),
    "out of range": ("n_firms: 5\n", [], ["n_firms", "out of range"]),
    "malformed yaml": ("name: [unclosed\nseed: 1\n", [], ["invalid YAML"]),
    "set unknown key": (None, ["--set", "trade.sigmaa=4"], ["trade.sigmaa", "unknown key",
                                                            "did you mean 'sigma'"]),
    "set bad value": (None, ["--set", "end_year=1999"], ["end_year", "out of range"]),
    "missing file": ("", [], ["does_not_exist.yaml", "file not found"]),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_exit_2_one_line(case, tmp_path, capsys):
    text, extra, needles = BAD_CASES[case]
    if case == "missing file":
        config = str(tmp_path / "does_not_exist.yaml")
    elif text is None:
        config = BASELINE
    else:
        config = write(tmp_path / "bad.yaml", text)
    out = tmp_path / "out"
    code = main(["run", config, "--out", str(out), "-q", *extra])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    for needle in needles:
        assert needle in lines[0]
    assert lines[0].startswith("config error: ")
    assert captured.out == ""
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_refuses_to_replace_a_folder_that_is_not_an_output(tmp_path, capsys):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("keep me", encoding="utf-8")
    code = main(["run", BASELINE, "--out", str(out), "-q", *SMALL])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert len(err) == 1 and "not a regsim output" in err[0]
    assert files_in(out) == {"thesis.tex"}


def test_usage_error_exit_2(capsys):
    assert main(["run"]) == 2
    assert main(["frobnicate"]) == 2
    assert main([]) == 2
    capsys.readouterr()


# ------------------------------------------------------------------------- failures in a run


def test_failure_during_run_leaves_nothing(tmp_path, monkeypatch, capsys):
    def boom(self):
        raise RuntimeError("solver diverged")

    monkeypatch.setattr(RegionalModel, "step", boom)
    out = tmp_path / "out"
    code = main(["run", BASELINE, "--out", str(out), "-q", *SMALL])
    err = capsys.readouterr().err
    assert code == 1
    assert "RuntimeError: solver diverged" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_keeps_previous_output(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["run", BASELINE, "--out", str(out), "-q", "--no-figures", *SMALL]) == 0
    before = {name: (out / name).read_bytes() for name in files_in(out)}

    import sim.io.figures

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sim.io.figures, "write_figures", boom)
    code = main(["run", BASELINE, "--out", str(out), "-q", "--seed", "3", *SMALL])
    assert code == 1
    assert "disk full" in capsys.readouterr().err
    assert {name: (out / name).read_bytes() for name in files_in(out)} == before
    assert leftovers(tmp_path) == []

    fresh = tmp_path / "fresh"
    assert main(["run", BASELINE, "--out", str(fresh), "-q", *SMALL]) == 1
    assert not fresh.exists()
    assert leftovers(tmp_path) == []


# ----------------------------------------------------------------------------- hooks and API


def test_subcommand_registry(capsys):
    assert "run" in SUBCOMMANDS

    @subcommand("hello")
    def _register(subparsers):
        p = subparsers.add_parser("hello", help="say hello")
        p.add_argument("--who", default="world")
        p.set_defaults(handler=lambda args: print(f"hello {args.who}") or 0)

    try:
        assert "hello" in build_parser().format_help()
        assert main(["hello", "--who", "regsim"]) == 0
        assert capsys.readouterr().out == "hello regsim\n"
    finally:
        del SUBCOMMANDS["hello"]


def test_import_sim_is_lazy():
    code = (
        "import sys, sim; heavy = [m for m in ('sim.model', 'pandas', 'mesa', 'matplotlib') "
        "if m in sys.modules]; print(heavy, sim.__version__)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    heavy, version = proc.stdout.split(" ", 1) if proc.stdout.startswith("[]") else (proc.stdout, "")
    assert heavy == "[]", proc.stdout
    assert version.strip()


def test_public_api(tmp_path):
    assert sim.RegionalModel is RegionalModel
    from sim.config import load_config

    assert sim.load_config is load_config
    with pytest.raises(AttributeError):
        _ = sim.no_such_thing
    out = tmp_path / "api"
    model = sim.run_scenario(BASELINE, out, overrides=["end_year=2022"], seed=5, n_firms=400,
                             figures=False)
    assert model.year == 2022
    assert model.config.seed == 5 and model.config.n_firms == 400
    assert model.wall_time_s > 0
    assert files_in(out) == TABLE_FILES
    again = sim.run_scenario(model.config, None, overrides=["end_year=2021"])
    assert again.year == 2021 and again.config.n_firms == 400

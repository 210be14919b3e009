#!/usr/bin/env bash
# Reproduce an experiment: run its sweep, then analyse it, into results/<experiment>/
# (results/<experiment>-smoke/ with --smoke). Extra options go to `regsim sweep`, e.g.
#   experiments/<experiment>/run.sh --workers 2          (default: all cores)
#   experiments/<experiment>/run.sh --dask-local 4       (or --scheduler tcp://HOST:8786)
#   experiments/<experiment>/run.sh --smoke              (the reduced version the tests run)
# An interrupted run resumes where it stopped when started again. REGSIM (the regsim command)
# and REGSIM_RESULTS (the results folder) may be set in the environment.
set -euo pipefail
# Called by experiments/<experiment>/run.sh with the experiment's folder as first argument.
here="$(cd "$1" && pwd)"; shift
root="$(cd "$here/../.." && pwd)"
name="$(basename "$here")"
regsim="${REGSIM:-$root/.venv/bin/regsim}"
[[ -x "$regsim" ]] || regsim="regsim"
out="${REGSIM_RESULTS:-$root/results}/$name"
for arg in "$@"; do
  if [[ "$arg" == "--smoke" ]]; then out="$out-smoke"; fi
done
status=0
"$regsim" sweep "$here/sweep.yaml" --out "$out" "$@" || status=$?
# 1 = some runs failed (recorded in runs.parquet): analyse the others all the same.
if [[ $status -ne 0 && $status -ne 1 ]]; then exit "$status"; fi
"$regsim" analyze "$out"
exit "$status"

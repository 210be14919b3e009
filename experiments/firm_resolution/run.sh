#!/usr/bin/env bash
# Reproduce this experiment (sweep + analysis into results/<experiment>/); options as in
# ../run_experiment.sh, e.g. --smoke, --workers 2, --dask-local 4.
exec "$(dirname "${BASH_SOURCE[0]}")/../run_experiment.sh" "$(dirname "${BASH_SOURCE[0]}")" "$@"

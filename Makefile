# regsim: set-up and main jobs. Finds a Python >= 3.12 itself (PATH, then pyenv).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON_BOOT := $(shell scripts/find_python.sh)

.PHONY: install install-dev install-all run test test-all lint bench clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON_BOOT)" || { echo "error: no Python >= 3.12 found (PATH or pyenv)"; exit 1; }
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e ".[dev,sweep,viz]"
	touch $@

install: $(VENV)/.installed

run: install            ## run the baseline scenario into results/baseline
	$(VENV)/bin/regsim run configs/baseline.yaml --out results/baseline

test: install           ## fast default suite
	$(VENV)/bin/pytest -q -m "not slow and not browser"

test-all: install       ## everything, as CI runs it
	$(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(VENV)/bin/regsim bench

clean:
	rm -rf $(VENV) .pytest_cache

# Loss Lab: `make lab` to learn, `make test` to prove it works. Both build .venv/ from exact pins first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Jupyter refuses to run as root unless told; add the flag only when we are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
# One thread gives the same last bits on every machine; an exported backend would hide kernel figures.
export OMP_NUM_THREADS := 1
unexport MPLBACKEND
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg

.PHONY: lab test lint unit execute bench clean

$(STAMP): constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable '.[dev]'
	@touch $@

lab: $(STAMP) ## JupyterLab on the lessons, on 127.0.0.1, token authentication on
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(ALLOW_ROOT)

test: lint unit ## lint, then the unit tests and strict nbval over every notebook

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL)

execute: $(STAMP) ## re-execute every notebook in place, deterministically, to refresh stored outputs
	$(BIN)/python scripts/execute_notebooks.py notebooks/*.ipynb

bench: $(STAMP) ## time every explorer update (and its naive form), each lesson under nbval, a slider in Chromium
	$(BIN)/python -m benchmarks.bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

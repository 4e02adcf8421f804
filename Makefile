# Loss Lab: `make lab` to learn, `make demo` to teach, `make test` to prove it all works. Each builds .venv/ first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Jupyter refuses to run as root unless told; add the flag only when we are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
# One thread gives the same last bits on every machine; an exported backend would hide kernel figures.
export OMP_NUM_THREADS := 1
# Jupyter reads jupyter-config/ first: TCP_NODELAY on kernel websockets (lesson_utils/kernel_websocket.py).
export JUPYTER_CONFIG_PATH := $(CURDIR)/jupyter-config$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))
unexport MPLBACKEND
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg
# make demo LESSON=02_cross_entropy shows one lesson; without LESSON, all of notebooks/.
# make test LESSON=05_l1_loss (or 05_l1_loss.ipynb, or its key l1_loss) tests that lesson only: lint, then its
# tests/test_<key>_*.py, its notebook under strict nbval, its anatomy and solutions, its explorers in the browser.
LESSON ?=
LESSON_KEY := $(shell echo '$(basename $(notdir $(LESSON)))' | sed -E 's/^[0-9]+_//')
LESSON_NOTEBOOK := $(wildcard notebooks/[0-9][0-9]_$(LESSON_KEY).ipynb)
ifneq ($(LESSON),)
UNIT_PATHS := $(wildcard tests/test_$(LESSON_KEY)_*.py) tests/test_lessons.py tests/test_solutions.py $(LESSON_NOTEBOOK)
# tests/lessons.py reads it: the tests that run per lesson or per explorer take only this lesson's.
export LOSS_LAB_LESSON := $(LESSON_KEY)
endif
DEMO_PORT ?= 8866
DEMO_NOTEBOOK := notebooks/$(LESSON:.ipynb=)$(if $(LESSON),.ipynb)

.PHONY: lab demo site test lint unit browser execute bench clean lesson

# voila.json names the template `loss-lab` (Voila's lab template asking no other host for anything); Voila finds
# templates under <prefix>/share/jupyter, so the venv gets a link to ours (an editable install skips data files).
VOILA_TEMPLATE := share/jupyter/voila/templates/loss-lab

$(STAMP): constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable '.[dev]'
	@mkdir -p $(VENV)/$(dir $(VOILA_TEMPLATE)) && ln -sfn $(CURDIR)/$(VOILA_TEMPLATE) $(VENV)/$(VOILA_TEMPLATE)
	@touch $@

lab: $(STAMP) ## JupyterLab on the lessons, on 127.0.0.1, token authentication on
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(ALLOW_ROOT)

# Voila reads voila.json from this folder: 127.0.0.1, a token, code hidden, tracebacks shown, prose shown while the
# cells run, idle kernels culled, TCP_NODELAY on kernel websockets.
demo: $(STAMP) ## the lessons as a classroom app in Voila: code hidden, widgets live; open the URL it prints
	@test -e $(DEMO_NOTEBOOK) || { echo "No $(DEMO_NOTEBOOK). The lessons:"; ls notebooks; exit 2; }
	$(BIN)/voila --port=$(DEMO_PORT) $(DEMO_NOTEBOOK)

# Sphinx + MyST-NB render the stored outputs (nothing runs): one page per lesson, the start page as index.html.
site: $(STAMP) ## the lessons as a static site in build/site/, readable without Python; open build/site/index.html
	$(BIN)/python scripts/build_site.py --out build/site

test: lint unit browser ## lint, the unit tests and strict nbval over every notebook, then the browser tests

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Without LESSON, pytest's testpaths: tests/ and notebooks/. The slowest tests are listed: that is where time goes.
unit: $(STAMP) lesson
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not browser" $(NBVAL) --durations=10 $(UNIT_PATHS)

# Every explorer on one Voila page, one lesson run whole in JupyterLab (with tests/browser/sample_lesson.ipynb) and
# one in Voila, every stored notebook opened unrun in JupyterLab; driven by Debian's Chromium. Skipped, and the
# summary says so, when there is no chromium; .ci/run sets LOSS_LAB_REQUIRE_BROWSER=1 to make that a failure instead.
browser: $(STAMP) lesson ## the browser tests; screenshots, timings and server logs land in artifacts/
	$(BIN)/python -m pytest -m browser --durations=10 tests/browser

lesson:
	@test -z "$(LESSON)" || test -n "$(LESSON_NOTEBOOK)" || { echo "No lesson '$(LESSON)' in notebooks/:"; ls notebooks; exit 2; }

execute: $(STAMP) ## re-execute every notebook in place, deterministically, to refresh stored outputs
	$(BIN)/python scripts/execute_notebooks.py notebooks/*.ipynb

bench: $(STAMP) ## time every explorer update (and its naive form), each lesson under nbval, a slider in Chromium
	$(BIN)/python -m benchmarks.bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis artifacts build

# The README's commands. Each target installs what it needs by itself: `run` what the app needs
# (requirements.txt), `test`, `bench` and `lint` also the tools (requirements-dev.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A stamp per content of the requirement files, so editing one reinstalls on the next make.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | md5sum | cut -c1-8)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-8)

.PHONY: run test bench lint setup dev-setup system-deps browser-deps test-deps clean

# --no-compile: Python compiles a module the first time it is imported, so the install does not
# compile the thousands of TensorFlow modules nothing imports (8 s of a 60 s install).
$(STAMP): requirements.txt
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --no-compile -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	$(BIN)/python -m pip install -q --no-compile -r requirements-dev.txt
	touch $(DEV_STAMP)

setup: $(STAMP) system-deps

dev-setup: $(DEV_STAMP) system-deps

system-deps:
	scripts/install-system-deps.sh

browser-deps:
	scripts/install-system-deps.sh --browser

# The browser for the browser tests, and PostgreSQL's binaries for the sweep tests.
test-deps:
	scripts/install-system-deps.sh --browser --postgres

run: setup
	$(BIN)/streamlit run app.py

# Both cores (pytest-xdist): each worker takes the next test when it is free; the browser journeys
# are spread among the other tests (tests/conftest.py orders them), so a journey mostly runs beside
# a library test.
test: dev-setup test-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --durations=15

bench: dev-setup browser-deps
	$(BIN)/python bench/run.py
	$(BIN)/python bench/sweeps_bench.py
	$(BIN)/python -m bench.features_bench
	$(BIN)/python bench/map_bench.py
	$(BIN)/python -m bench.label_review_bench
	$(BIN)/python -m bench.layers_bench
	$(BIN)/python -m bench.draw_bench
	$(BIN)/python -m bench.recipes_bench
	$(BIN)/python -m bench.report_bench
	$(BIN)/python -m bench.export_bench

lint: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache

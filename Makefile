# The README's commands. Each target installs what it needs by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | md5sum | cut -c1-8)

.PHONY: run test bench lint setup system-deps browser-deps clean

$(STAMP): requirements.txt
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $(STAMP)

setup: $(STAMP) system-deps

system-deps:
	scripts/install-system-deps.sh

browser-deps:
	scripts/install-system-deps.sh --browser

run: setup
	$(BIN)/streamlit run app.py

test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: setup browser-deps
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache

# One command to run the portal, one to run the tests; both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format clean

$(BIN)/.installed-run: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(BIN)/.installed-run

## run: the portal on the embedded default (SQLite + in-process Redis), http://127.0.0.1:5000
run: $(BIN)/.installed-run
	$(BIN)/flask --app wsgi db upgrade
	@$(BIN)/flask --app wsgi welcome --url http://$(HOST):$(PORT)/login
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT) --no-reload

## test: the whole suite against PostgreSQL and Redis on 127.0.0.1 (and headless Chromium)
test: $(BIN)/.installed-dev
	bash scripts/ensure-chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff, the import rules (import-linter + tests/test_import_rules.py), mypy on portal/
lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider --noconftest tests/test_import_rules.py
	$(BIN)/mypy

format: $(BIN)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .import_linter_cache

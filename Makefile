# Two commands: `make run` serves the app, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export QUIZAPP_DEVELOPMENT ?= true

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/flask --app quizapp db upgrade
	$(BIN)/flask --app quizapp bank import questions/
	@echo "quizapp is running at http://$(HOST):$(PORT) (press Ctrl+C to stop)"
	$(BIN)/flask --app quizapp run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive quizapp
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bank_import.py
	$(BIN)/python benchmarks/convert_import.py
	$(BIN)/python benchmarks/answer_load.py
	$(BIN)/python benchmarks/pages.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

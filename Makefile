# Two commands: `make run` serves the app (with its background worker), `make test` runs every test. Both set
# themselves up.
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

# The background worker (large uploads) runs beside the web server and stops with it: on Ctrl+C, or when the
# server exits for any other reason, the EXIT trap stops the worker (SIGTERM: it finishes the job under way).
run: $(VENV)/.installed-run
	$(BIN)/flask --app quizapp db upgrade
	$(BIN)/flask --app quizapp bank import questions/
	@echo "quizapp is running at http://$(HOST):$(PORT) with its background worker (press Ctrl+C to stop both)"
	@$(BIN)/flask --app quizapp jobs run & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
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

# Two commands for a fresh machine: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo serve worker test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Watchfloor needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP) ## migrate, seed a realistic day, serve on http://127.0.0.1:8000 with a worker
	$(BIN)/watchfloor demo

serve: $(STAMP)
	$(BIN)/watchfloor serve

worker: $(STAMP)
	$(BIN)/watchfloor worker

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit ## what CI runs

bench: $(STAMP)
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/claim.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache watchfloor.db watchfloor.db-*

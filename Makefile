# Two commands for a fresh machine: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo serve worker test lint typecheck unit chromium screenshots bench eval model second-stage clean

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

# The console's browser tests drive Debian's Chromium (never a downloaded browser).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the console's browser tests"; \
	    $(SUDO) apt-get install -y --no-install-recommends chromium >/dev/null \
	      || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y --no-install-recommends chromium >/dev/null; }; \
	  else echo "no apt-get: install Chromium at $(CHROMIUM) for the browser tests (they skip without it)"; fi; \
	fi

unit: $(STAMP) chromium
	$(BIN)/pytest

screenshots: $(STAMP) chromium ## the README's console screenshots, taken by the browser test from demo data
	$(BIN)/pytest -q tests/web/test_browser.py -k "screenshots and sqlite"
	mkdir -p docs/screenshots && cp artifacts/floor.png artifacts/case.png docs/screenshots/

test: lint typecheck unit ## what CI runs

bench: $(STAMP)
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/claim.py
	$(BIN)/python bench/triage.py
	$(BIN)/python bench/sla.py sweep
	$(BIN)/python bench/next.py
	$(BIN)/python bench/console.py

DATA ?= ../shared/data
EVAL_SETS = hatecheck/normalized.jsonl multilingual_hatecheck/normalized.jsonl xstest/normalized.jsonl \
	davidson_hate_offensive/normalized.jsonl toxigen/normalized.jsonl ailuminate_en/normalized.jsonl \
	sms_spam_collection/normalized.jsonl smishing_mishra_soni/normalized.jsonl \
	do_not_answer/normalized.jsonl toxicchat_train/normalized_train.jsonl

# Evaluation signs nothing: without this, the refusal of the built-in secret outside demo and
# tests stops it on a developer machine that has no WATCHFLOOR_SECRET_KEY.
eval: export WATCHFLOOR_ENVIRONMENT ?= test
eval: $(STAMP) ## triage quality on every labelled set in $(DATA) (see config/datasets/)
	$(BIN)/watchfloor triage demo-set /tmp/demo_reports.jsonl
	$(BIN)/watchfloor triage eval /tmp/demo_reports.jsonl --mapping config/datasets/demo.yaml --all-rows
	@echo
	@# Each set on its sealed part (config/datasets/sealed/), then a summary table.
	$(BIN)/watchfloor triage seal --data-dir $(DATA) --check
	$(BIN)/watchfloor triage eval $(wildcard $(addprefix $(DATA)/,$(EVAL_SETS)))

model: export WATCHFLOOR_ENVIRONMENT ?= test
model: $(STAMP) ## rebuild the shipped classifier from the project's data and $(DATA)'s trainable sets
	$(BIN)/watchfloor triage train --base --data-dir $(DATA)

second-stage: export WATCHFLOOR_ENVIRONMENT ?= test
second-stage: $(STAMP) ## rebuild the shipped second stage (embedder + a head per harm area) offline from the same data
	HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/watchfloor triage second-stage --data-dir $(DATA)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache watchfloor.db watchfloor.db-*

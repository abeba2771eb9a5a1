# OwnerBot — the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit install services bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Run OwnerBot on embedded defaults (SQLite, in-process state, DEMO data) with the local Telegram playground.
demo: $(STAMP)
	$(BIN)/ownerbot playground

## Install into .venv, then lint, type-check and run the whole suite.
test: $(STAMP)
	$(BIN)/ruff check ownerbot tests bench
	$(BIN)/ruff format --check ownerbot tests bench
	$(BIN)/mypy ownerbot tests bench
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check ownerbot tests bench
	$(BIN)/ruff format --check ownerbot tests bench
	$(BIN)/mypy ownerbot tests bench

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

## Seed 1,000,000 demo orders into a throwaway PostgreSQL database; time every read tool and report;
## then time-to-answer with SIS down (small SQLite shops, under a minute).
bench: $(STAMP)
	$(BIN)/python -m bench.read_tools
	$(BIN)/python -m bench.reports
	$(BIN)/python -m bench.sis_down

## Install (Debian) and start PostgreSQL, Redis and Chromium when they are missing or stopped.
services:
	./scripts/services.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info

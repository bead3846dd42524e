# Practica: `make run` serves the site, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= --durations=25
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | md5sum | cut -c1-12)

.PHONY: run test lint fmt bench setup install services db demo chromium gettext translations pg-tools clean lock

run: setup demo ## Serve web, Celery worker and beat on http://127.0.0.1:8000
	@echo "Practica on http://127.0.0.1:8000  (Ctrl-C stops web, worker and beat)"
	@echo "Health: /healthz /readyz   metrics: /metrics   (manage.py healthcheck)"
	@rm -rf .run/metrics && mkdir -p .run/metrics
	$(BIN)/honcho start -f Procfile

test: setup chromium gettext pg-tools ## Lint, check migrations and translations, run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit --quiet -c pyproject.toml -r .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python scripts/check_translations.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit --quiet -c pyproject.toml -r .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup ## Served pages under wrk, digests; never part of the tests (README: Benchmarks)
	@bash scripts/wrk.sh
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

setup: install services db

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 ($(PYTHON)) is missing: install it (e.g. apt-get install python3.11 python3.11-venv)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@test -f .env || cp .env.example .env
	@rm -f $(VENV)/.installed-*
	@touch $@

services:
	@bash scripts/services.sh

db: install services
	$(BIN)/python scripts/ensure_database.py
	$(BIN)/python manage.py migrate --noinput

demo: db
	$(BIN)/python manage.py seed_demo

chromium:
	@bash scripts/chromium.sh

gettext:
	@bash scripts/gettext.sh

translations: install gettext ## Is the German catalogue complete and current? (part of make test)
	$(BIN)/python scripts/check_translations.py

pg-tools:
	@bash scripts/pg_tools.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

lock: ## Resolve pyproject.toml's dependencies into requirements.lock, keeping locked versions that still fit (UPGRADE=1: newest of all)
	@UPGRADE=$(UPGRADE) bash scripts/lock.sh

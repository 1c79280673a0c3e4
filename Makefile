## consensus-dx: Byzantine-fault-tolerant diagnostic panel. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The first Python >= 3.12 found: $PYTHON, then python3.13/3.12 on PATH, then pyenv's versions.
PYTHON ?= $(shell for c in python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	  && { command -v $$c; break; }; done)

.PHONY: help install install-test run run-scaleout worker test test-postgres e2e lint fmt typecheck migrations-check bench bench-evaluate calibrate-demo ci clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

# Bytecode compiled once, on every core, after each install (pip's own compiling is serial):
# where PYTHONDONTWRITEBYTECODE is set, as on these machines, Python never writes it, and
# every process (each test worker, server and benchmark) would compile its imports anew.
COMPILE = $(PY) -m compileall -q -j 0 $(VENV)/lib > /dev/null || true

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python 3.12 or newer found (tried python3.13, python3.12, python3 and pyenv versions). Install one or set PYTHON=/path/to/python3.12." >&2; exit 1; }
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-compile -e .
	$(COMPILE)
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q --no-compile --group test --group dev
	$(COMPILE)
	touch $@

install: $(VENV)/.installed ## Create .venv and install the project

install-test: $(VENV)/.installed-test ## Install the test and dev tools too

run: install ## Migrate, load demo users and panels, serve http://127.0.0.1:8000 (embedded mode)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py demo_2fa
	$(PY) manage.py recover_deliberations
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) consensus_site.asgi:application

run-scaleout: install ## Serve with Celery + Redis (needs REDIS_URL; run `make worker` beside it)
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) and DATABASE_URL first." >&2; exit 1; }
	DELIBERATION_RUNNER=celery $(PY) manage.py migrate --noinput
	DELIBERATION_RUNNER=celery $(PY) manage.py collectstatic --noinput -v0
	DELIBERATION_RUNNER=celery $(PY) manage.py seed_demo
	DELIBERATION_RUNNER=celery $(PY) manage.py demo_2fa
	DELIBERATION_RUNNER=celery $(PY) manage.py recover_deliberations
	DELIBERATION_RUNNER=celery $(VENV)/bin/daphne -b $(HOST) -p $(PORT) consensus_site.asgi:application

worker: install ## Start a Celery worker, with beat running the deliberation sweeper, for the scale-out mode
	mkdir -p var
	DELIBERATION_RUNNER=celery $(VENV)/bin/celery -A consensus_site worker -B -s var/celerybeat-schedule -l info --concurrency 2

test: install-test ## Run the whole suite (unit, integration, websocket, then browser tests)
	$(PY) -m pytest -m "not e2e" -n 2 --dist loadscope --durations=20
	$(PY) -m pytest -m e2e -p no:xdist

test-postgres: install-test ## The tests that use the database, again on DATABASE_URL=postgres://... (after make test)
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
	  *) echo "Set DATABASE_URL=postgres://... (make test runs everything on SQLite)." >&2; exit 1;; esac
	$(PY) -m pytest -m "not e2e" -n 2 --dist loadscope --database-tests-only --durations=20

e2e: install-test ## Browser tests only (Playwright on /usr/bin/chromium)
	$(PY) -m pytest -m e2e -p no:xdist

lint: install-test ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

fmt: install-test ## Format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: install-test ## mypy only
	$(VENV)/bin/mypy .

migrations-check: install ## Fail when models changed without a migration
	$(PY) manage.py makemigrations --check --dry-run

bench: install-test ## Benchmarks: print figures (no assertions)
	$(PY) -m bench.orchestrator
	$(PY) -m bench.providers
	$(PY) -m bench.streaming
	$(PY) -m bench.audit
	$(PY) -m bench.evaluate --only "1,000 patients" --cold --note
	$(PY) -m bench.ddxplus_limits

calibrate-demo: install-test ## Recalibrate the demo offline panel: rewrite panels/offline/data/demo_calibration.json
	$(PY) -m bench.calibrate_demo

bench-evaluate: install-test ## Every figure of docs/evaluation.md (several full evaluation runs)
	$(PY) -m bench.evaluate

ci: lint migrations-check test ## What CI runs (see .ci/run)

clean: ## Remove the virtual environment and local state
	rm -rf $(VENV) var db.sqlite3 artifacts

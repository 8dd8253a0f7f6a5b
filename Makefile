# Guide des acteurs de l'orientation — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Local runs are development runs; production sets DEBUG=0 and SECRET_KEY itself.
export DEBUG ?= 1
DEMO_COUNT ?= 300

.PHONY: run setup test e2e chromium venv lint format bench bench-search bench-analytics load pg-bench-db clean backup restore

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## Migrate, load the real quartiers and the taxonomy, add example data (idempotent).
setup: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_neighbourhoods
	$(PY) manage.py loaddata needs publics languages kind_defaults
	@if [ "$(DEMO_COUNT)" != "0" ]; then $(PY) manage.py seed_demo --count $(DEMO_COUNT); fi
	@# A fictional tram and bus around the Breil, labelled as such (fixtures/gtfs-exemple).
	@if [ "$(DEMO_COUNT)" != "0" ]; then $(PY) manage.py import_gtfs fixtures/gtfs-exemple \
	  --network exemple --name "Réseau fictif de démonstration" --example; fi

## Set everything up and serve http://127.0.0.1:8000 (SQLite by default), with the task
## worker that runs the admin's imports.
run: setup
	@# The task worker (admin imports) runs beside the server and stops with it.
	trap 'kill 0' EXIT; \
	$(PY) manage.py db_worker --no-reload & \
	$(PY) manage.py runserver 127.0.0.1:8000

## The whole test suite (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL),
## without the browser tests, on every core (PYTEST_WORKERS=0: in one process).
## Bytecode is cached even where the machine says not to (PYTHONDONTWRITEBYTECODE): each
## worker would otherwise compile and rewrite the assertions of ~350 modules again (4 s).
PYTEST_WORKERS ?= auto
test: venv
	PYTHONDONTWRITEBYTECODE= $(VENV)/bin/pytest -m "not e2e" -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

CHROMIUM := /usr/bin/chromium
# Wait (up to 10 minutes) for another apt or dpkg run to release its lock instead of failing.
APT_WAIT := -o DPkg::Lock::Timeout=600

## Debian's Chromium for the browser tests (never `playwright install`: no downloads here).
chromium:
	@test -x $(CHROMIUM) || { apt-get $(APT_WAIT) update && apt-get $(APT_WAIT) install -y chromium; }

## The browser tests (tests/e2e/): journeys and accessibility in Chromium, on a live server.
e2e: venv chromium
	PYTHONDONTWRITEBYTECODE= $(VENV)/bin/pytest -m e2e tests/e2e $(PYTEST_ARGS)

## A consistent backup of the database into backups/ (pg_dump or SQLite's online backup).
backup: venv
	$(PY) manage.py backup_data

## Replace the database with a backup: make restore FILE=backups/guide-….dump
restore: venv
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/guide-…"; exit 2; }
	$(PY) manage.py restore_data "$(FILE)" --yes

BENCH_SQLITE ?= sqlite:////tmp/guide-bench.sqlite3
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/guide_bench

pg-bench-db:
	psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'guide_bench'" | grep -q 1 \
	  || createdb -h 127.0.0.1 -U postgres guide_bench

## Benchmarks at 100,000 structures (medians; figures in BENCHMARKS.md): search on SQLite
## and PostgreSQL, the guide PDF, open data import/export, search statistics.
bench: bench-search bench-opendata bench-analytics

bench-search: venv pg-bench-db
	cd bench && DATABASE_URL=$(BENCH_SQLITE) ../$(PY) bench_search.py
	cd bench && DATABASE_URL=$(BENCH_PG) ../$(PY) bench_search.py
	cd bench && DATABASE_URL=$(BENCH_SQLITE) ../$(PY) bench_guide_pdf.py

bench-analytics: venv pg-bench-db
	cd bench && DATABASE_URL=$(BENCH_SQLITE) ../$(PY) bench_analytics.py
	cd bench && DATABASE_URL=$(BENCH_PG) ../$(PY) bench_analytics.py

## Load and faults: gunicorn + PostgreSQL, driven by wrk (installed if missing).
load: venv pg-bench-db
	command -v wrk >/dev/null || apt-get $(APT_WAIT) install -y wrk
	DATABASE_URL=$(BENCH_PG) $(PY) bench/load_test.py load
	DATABASE_URL=$(BENCH_PG) $(PY) bench/load_test.py fresh
	DATABASE_URL=$(BENCH_PG) $(PY) bench/load_test.py geocoder
	DATABASE_URL=$(BENCH_PG) $(PY) bench/load_test.py restart

lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal staticfiles .pytest_cache .ruff_cache

## Open data benchmark: 100,000 structures exported (peak RSS) and imported (time), SQLite and PostgreSQL.
.PHONY: bench-opendata
bench-opendata: venv
	$(PY) bench/bench_import_export.py

## The JSON API against its own OpenAPI schema: schemathesis on a live server (as CI runs it).
.PHONY: api-schema
api-schema: venv
	bash .ci/api-schema

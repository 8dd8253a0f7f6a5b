# Guide des acteurs de l'orientation — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Local runs are development runs; production sets DEBUG=0 and SECRET_KEY itself.
export DEBUG ?= 1
DEMO_COUNT ?= 300

.PHONY: run setup test venv lint format bench clean backup restore

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## Migrate, load the real quartiers and the taxonomy, add example data (idempotent).
setup: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_neighbourhoods
	$(PY) manage.py loaddata needs publics languages
	$(PY) manage.py seed_demo --count $(DEMO_COUNT)

## Set everything up and serve http://127.0.0.1:8000 (SQLite by default).
run: setup
	$(PY) manage.py runserver 127.0.0.1:8000

## The whole test suite (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL).
test: venv
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## A consistent backup of the database into backups/ (pg_dump or SQLite's online backup).
backup: venv
	$(PY) manage.py backup_data

## Replace the database with a backup: make restore FILE=backups/guide-….dump
restore: venv
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/guide-…"; exit 2; }
	$(PY) manage.py restore_data "$(FILE)" --yes

lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal staticfiles .pytest_cache .ruff_cache

# The two commands a fresh machine needs: `make run` and `make test`.
SHELL := /bin/bash
# Python 3.13 (see .python-version; pyenv honours it).
PYTHON ?= $(shell command -v python3.13 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/releasemgmt

.PHONY: install run test lint check-deploy services lock audit bench bench-postgres-restart messages

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v == (3, 13) else f"Python 3.13 is needed (see .python-version), found {sys.version.split()[0]} at {sys.executable}")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

install: $(VENV)/.installed

## Serve the portal on an embedded SQLite database, seeded with the default states and a demo.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving at http://127.0.0.1:$(PORT)/ (log in with an account above)"
	@# The background worker (notification mails) runs beside the server and stops with it.
	$(PY) manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## Install, start PostgreSQL / install Chromium where missing, lint, then the whole suite.
test: install services lint check-deploy
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest

services:
	bash scripts/test-services.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) manage.py makemigrations --check --dry-run

# The production settings must pass Django's deployment checklist with nothing to report.
check-deploy: install
	DEBUG=false SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(60))') \
	ALLOWED_HOSTS=releases.example.com DATABASE_URL=$(TEST_DATABASE_URL) \
	$(PY) manage.py check --deploy --fail-level WARNING

## After marking strings: refresh locale/de/LC_MESSAGES/django.po (translate what is new in it,
## then run this again) and compile it. The compiled .mo is committed: `make run` needs no gettext.
messages: install
	$(PY) manage.py makemessages --locale de --no-location --no-wrap --ignore node_modules --ignore staticfiles --ignore tests --ignore bench --ignore scripts
	$(PY) manage.py compilemessages --locale de --ignore .venv --ignore node_modules

## Re-resolve the locked dependency set from pyproject.toml (needs the network).
lock:
	rm -rf /tmp/releasemgmt-lock && $(PYTHON) -m venv /tmp/releasemgmt-lock
	/tmp/releasemgmt-lock/bin/pip install --quiet ".[dev]"
	/tmp/releasemgmt-lock/bin/pip freeze --exclude releasemgmt > requirements.lock

## Audit the locked dependencies for known vulnerabilities. Needs PyPI's JSON API or OSV
## (`PIP_AUDIT_SERVICE=osv`); --strict fails when any package cannot be checked.
PIP_AUDIT_SERVICE ?= pypi
audit: install
	$(VENV)/bin/pip install --quiet --disable-pip-version-check pip-audit
	$(VENV)/bin/pip-audit --requirement requirements.lock --disable-pip --no-deps --strict \
		--vulnerability-service $(PIP_AUDIT_SERVICE) --progress-spinner off

## Benchmarks, load and fault runs on PostgreSQL (loopback only); results in bench/results/,
## written up in docs/PERFORMANCE.md. About 10 minutes.
bench: install
	bash bench/run.sh

## The same, plus PostgreSQL stopped for 5 s under load: it stops the shared server, run it last.
bench-postgres-restart: install
	BENCH_POSTGRES_RESTART=1 bash bench/run.sh

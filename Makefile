# Standards Portal — `make run` serves the demo, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Passed on to Django: in development, links in emails and certificates follow them
# (SITE_URL, when set, wins; see README.md).
export HOST PORT

# Python 3.13: an explicit PYTHON, then python3.13 on PATH, then pyenv's copy.
PYTHON ?= $(shell command -v python3.13 2>/dev/null || ls -d $$HOME/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | tail -n 1)

.PHONY: help venv setup run serve worker test lint check unit browser bench clean

help:
	@echo "make run    set everything up and serve the demo at http://$(HOST):$(PORT)"
	@echo "make test   lint, checks, unit/integration tests and browser tests"
	@echo "make serve  production server (gunicorn + whitenoise; set SECRET_KEY, DEBUG=false, ...)"
	@echo "make bench  measure performance into benchmarks/RESULTS.md"
	@echo "make messages  refresh and compile the Spanish translation (docs/i18n.md)"

$(VENV)/.installed: requirements.lock pyproject.toml
	@if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then \
	  echo "Python 3.13 is needed and was not found."; \
	  echo "Install it (e.g. 'pyenv install 3.13' or your system's python3.13 package with venv),"; \
	  echo "or point to it: make run PYTHON=/path/to/python3.13"; \
	  exit 1; \
	fi
	@[ -x $(PY) ] || "$(PYTHON)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

venv: $(VENV)/.installed

setup: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo

run: setup
	@echo "Serving the demo at http://$(HOST):$(PORT) — demo accounts are listed in README.md."
	@echo "Development email: http://$(HOST):$(PORT)/dev/outbox/ — Ctrl-C stops the server, its worker"
	@echo "and the demo identity provider (\"Sign in with Riverside County (demo IdP)\"; docs/sso.md)."
	@trap 'kill 0' EXIT; \
	  $(PY) manage.py db_worker --queue-name '*' & \
	  $(PY) manage.py run_demo_idp & \
	  $(PY) manage.py runserver $(HOST):$(PORT)

worker: venv
	$(PY) manage.py db_worker --queue-name '*'

serve: venv
	DEBUG=false $(PY) manage.py collectstatic --noinput
	DEBUG=false $(PY) manage.py migrate --noinput
	DEBUG=false $(PY) manage.py createcachetable
	DEBUG=false $(VENV)/bin/gunicorn standards_portal.wsgi:application \
	  --bind $${BIND:-$(HOST):$(PORT)} --workers $${WEB_CONCURRENCY:-2} \
	  --access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

check: venv
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	DEBUG=false SECRET_KEY=check-deploy-only-$$(printf 'x%.0s' {1..60}) ALLOWED_HOSTS=portal.example.org \
	  SEAL_DEVELOPMENT=true LOG_SIGNING_KEY_DEVELOPMENT=true $(PY) manage.py check --deploy --fail-level WARNING

unit: venv
	$(PY) -m pytest -m "not browser" -n 2 -q

browser: venv
	$(PY) -m pytest -m browser -q

test: lint check unit browser

# Full scale by default (PostgreSQL on 127.0.0.1, ~10 min); BENCH_SCALE=small for a quick run.
bench: setup
	@command -v wrk >/dev/null || { echo "wrk is missing; trying: apt-get install -y wrk"; \
	  apt-get install -y wrk >/dev/null 2>&1 || echo "Could not install wrk (apt-get install -y wrk):" \
	  "gunicorn throughput will be reported as not measured."; }
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Refresh the Spanish catalogue from the code and templates, then compile it (needs GNU
# gettext). Translate the new or emptied entries in locale/es/LC_MESSAGES/django.po and run
# it again; commit the .po and the .mo. See docs/i18n.md.
.PHONY: messages
messages: venv
	$(PY) manage.py makemessages -l es --no-obsolete --add-location file \
	  --ignore=.venv --ignore=staticfiles --ignore=node_modules --ignore=tests --ignore=benchmarks
	$(PY) manage.py compilemessages -l es --ignore=.venv --ignore=node_modules

# Load and fault checks against gunicorn + PostgreSQL on 127.0.0.1 (not part of `make test`).
# `make load` runs Locust in growing steps (about an hour); `make load LOAD_ARGS="--quick"`
# is a short smoke run (see benchmarks/load.py --help). `make faults` stops a PostgreSQL of
# its own for 20 s (never the shared one; see benchmarks/faults.py --help).
.PHONY: load faults
load: venv
	$(PY) benchmarks/load.py $(LOAD_ARGS)

faults: venv
	$(PY) benchmarks/faults.py $(FAULTS_ARGS)

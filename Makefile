# Covenant: `make demo` starts the app with the demo covenants; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/covenant
DEV_ENV := DEBUG=true

.PHONY: install demo test test-sqlite test-postgres lint browser messages totp bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Covenant needs Python 3.11 or newer" or 0)'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: $(VENV)/.installed
	$(PY) -m covenant.lib.compile_messages

## install: the virtual environment with everything the app, its tests and benchmarks need
install: $(VENV)/.installed node_modules/.installed messages

## demo: create the SQLite database, load the demo covenants, print the logins, serve on :8000
demo: install
	mkdir -p var
	$(DEV_ENV) $(PY) manage.py migrate --no-input -v 0
	$(DEV_ENV) $(PY) manage.py load_demo
	@$(DEV_ENV) $(PY) manage.py demo_logins
	@echo "Covenant runs at http://127.0.0.1:8000/  (stop with Ctrl+C)"
	@# The task worker (PDF builds, e-mails) runs beside the web server and stops with it.
	trap 'kill 0' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py db_worker --interval 1 >var/worker.log 2>&1 & \
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## totp: the demo secretariat's current two-factor code
totp: install
	@$(DEV_ENV) $(PY) manage.py demo_logins | tail -1

## browser: Debian's Chromium for the end-to-end tests, when it is missing
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(VENV)/bin/ruff check .

test-sqlite: install browser
	$(VENV)/bin/pytest -q

test-postgres: install browser
	@if $(PY) -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== PostgreSQL run ($(PG_URL)), browser tests on SQLite only (decision 0008) =="; \
	  DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -m "not e2e"; \
	else \
	  echo "SKIPPED: the PostgreSQL run: no server answers on 127.0.0.1:5432"; \
	fi

## test: ruff, then the whole suite on SQLite, then again without the browser tests on PostgreSQL
## when a server answers
test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) node_modules staticfiles var

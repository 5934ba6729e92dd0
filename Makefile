# DevThread: `make run` to use it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
SERVE_PORT ?= 8000
export FLASK_APP := wsgi

# The PostgreSQL + Redis test run (databases are created by the tests when missing).
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/devthread_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# `make serve` defaults: production-like, on the local PostgreSQL and Redis.
SERVE_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/devthread
SERVE_REDIS_URL ?= redis://127.0.0.1:6379/0
# gunicorn workers share their metrics through *.db files here. They are wiped before each start,
# and again by gunicorn.conf.py, since the flask commands run before gunicorn write some too.
METRICS_DIR ?= instance/prometheus


.PHONY: messages translations
.PHONY: help run serve test test-python test-sqlite test-postgres test-fuzz lint format install install-dev \
        assets chromium pgclient rum sentinel seed clean backup check-deploy check-wheel lock lock-check cluster cluster-test

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Exact versions and hashes from the locks (make lock), then the app itself without its
# dependencies (they are all in the lock). The image and CI install the same way.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	@touch $@

install: $(VENV)/.installed ## Make the virtual environment and install the app

install-dev: $(VENV)/.installed-dev ## Install the app with the test tools

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/vendor/.stamp: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-ws/dist/ws.min.js static/vendor/
	@touch $@

assets: static/vendor/.stamp ## Copy the pinned front-end libraries (htmx) into static/vendor

chromium: ## Install Debian's Chromium for the browser tests when it is missing
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium package for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

pgclient: ## Install Debian's PostgreSQL client (pg_dump, pg_restore) when it is missing
	@command -v pg_restore >/dev/null 2>&1 || { \
	  echo "Installing Debian's postgresql-client for the backup tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; }

sentinel: ## Install Debian's redis-sentinel for the Sentinel tests when it is missing
	@command -v redis-sentinel >/dev/null 2>&1 || { \
	  echo "Installing Debian's redis-sentinel for the Sentinel tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-sentinel >/dev/null; \
	  service redis-sentinel stop >/dev/null 2>&1 || true; }

# Search ranks every match with PostgreSQL's RUM extension (docs/search.md): Debian packages it
# per server version. A server elsewhere (a container) needs it there; without it the migration
# keeps the GIN index and search ranks only the newest matches.
rum: ## Install Debian's RUM extension for each local PostgreSQL server missing it
	@found=0; for bin in /usr/lib/postgresql/*/bin/postgres; do \
	  [ -x "$$bin" ] || continue; found=1; version=$$(basename $$(dirname $$(dirname "$$bin"))); \
	  [ -f /usr/share/postgresql/$$version/extension/rum.control ] && continue; \
	  echo "Installing Debian's postgresql-$$version-rum for search..."; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-$$version-rum >/dev/null; } \
	    || { echo "Could not install postgresql-$$version-rum: search will rank only the newest matches." >&2; exit 1; }; \
	done; \
	if [ $$found = 0 ]; then echo "No local PostgreSQL server: install the RUM extension where it runs (docs/search.md)."; fi

run: install assets spa translations ## Serve the app on http://127.0.0.1:5000 (SQLite, demo data on first run)
	$(BIN)/python scripts/ensure_database.py
	$(BIN)/flask db upgrade
	$(BIN)/flask seed --if-empty
	@if [ -n "$$DATABASE_URL$$REDIS_URL" ]; then \
	  echo "Production settings: serving with gunicorn on http://127.0.0.1:$(PORT)"; \
	  export PROMETHEUS_MULTIPROC_DIR="$${PROMETHEUS_MULTIPROC_DIR:-$(METRICS_DIR)}"; \
	  mkdir -p "$$PROMETHEUS_MULTIPROC_DIR" && rm -f "$$PROMETHEUS_MULTIPROC_DIR"/*.db; \
	  if [ -z "$$REDIS_URL" ]; then exec $(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT) wsgi:app; fi; \
	  echo "Jobs queue in Redis: a job worker (flask worker) runs beside gunicorn"; \
	  env -u PROMETHEUS_MULTIPROC_DIR $(BIN)/flask worker & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	  $(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT) wsgi:app; \
	else \
	  echo; echo "  DevThread: http://127.0.0.1:$(PORT)   demo login: ada / devthread-demo"; echo; \
	  exec $(BIN)/flask run --host 127.0.0.1 --port $(PORT) --with-threads; \
	fi

# The job worker (`flask worker`) runs beside gunicorn and stops with it; it serves its own
# metrics, so it must not share gunicorn's PROMETHEUS_MULTIPROC_DIR (docs/jobs.md).
serve: install assets rum spa translations ## Production-like: gunicorn + gevent workers and a job worker on PostgreSQL and Redis
	@export DATABASE_URL="$${DATABASE_URL:-$(SERVE_DATABASE_URL)}" \
	        REDIS_URL="$${REDIS_URL:-$(SERVE_REDIS_URL)}" \
	        SECRET_KEY="$${SECRET_KEY:-$$(scripts/dev_secret.sh)}" \
	        PROMETHEUS_MULTIPROC_DIR="$${PROMETHEUS_MULTIPROC_DIR:-$(METRICS_DIR)}" && \
	mkdir -p "$$PROMETHEUS_MULTIPROC_DIR" && rm -f "$$PROMETHEUS_MULTIPROC_DIR"/*.db && \
	$(BIN)/python scripts/ensure_database.py && \
	$(BIN)/flask db upgrade && \
	$(BIN)/flask seed --if-empty && \
	echo "DevThread (gunicorn, $${WEB_CONCURRENCY:-2} gevent workers): http://127.0.0.1:$(SERVE_PORT)" && \
	echo "Job worker: flask worker (metrics on 127.0.0.1:$${WORKER_METRICS_PORT:-9191})" && \
	{ env -u PROMETHEUS_MULTIPROC_DIR $(BIN)/flask worker & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	  $(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(SERVE_PORT) wsgi:app; }

seed: install ## Seed generated data: make seed USERS=1000
	$(BIN)/flask db upgrade
	$(BIN)/flask seed --users $${USERS:-1000}

backup: ## Back up the database DATABASE_URL names (default: the embedded SQLite file)
	@scripts/backup.sh

# The locks: requirements.lock (the app and its tracing extra: what the image, `make install`
# and `make run` install) and requirements-dev.lock (every extra: tests, benchmarks), resolved
# for every platform by uv, pinned with hashes. Both agree: the app's lock is resolved within
# the dev lock. `make lock` keeps every pin that still fits pyproject.toml; UPGRADE=1 moves
# everything to the newest versions allowed; UPGRADE=flask moves one package.
LOCK_ARGS = --python-version 3.11 --universal --generate-hashes --quiet \
            --custom-compile-command "make lock"
lock: install-dev ## Re-resolve the dependency locks from pyproject.toml (UPGRADE=1 or UPGRADE=name to update)
	@upgrade=""; case "$(UPGRADE)" in "") ;; 1) upgrade="--upgrade";; *) upgrade="--upgrade-package $(UPGRADE)";; esac; \
	$(BIN)/uv pip compile pyproject.toml --extra otel --extra dev --extra bench $(LOCK_ARGS) $$upgrade \
	  -o requirements-dev.lock && \
	$(BIN)/uv pip compile pyproject.toml --extra otel $(LOCK_ARGS) -c requirements-dev.lock \
	  -o requirements.lock && echo "requirements.lock and requirements-dev.lock are up to date"

lock-check: install-dev ## Fail when the locks do not match pyproject.toml (run make lock)
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && cp requirements.lock requirements-dev.lock $$tmp/ && \
	$(BIN)/uv pip compile pyproject.toml --extra otel --extra dev --extra bench $(LOCK_ARGS) \
	  -o $$tmp/requirements-dev.lock && \
	$(BIN)/uv pip compile pyproject.toml --extra otel $(LOCK_ARGS) -c requirements-dev.lock \
	  -o $$tmp/requirements.lock && \
	diff -u requirements-dev.lock $$tmp/requirements-dev.lock && diff -u requirements.lock $$tmp/requirements.lock \
	  || { echo "The locks do not match pyproject.toml: run make lock and commit both." >&2; exit 1; }

# A cluster of hosts on this machine (deploy/cluster/cluster.py; root, for network namespaces):
# HAProxy, three app hosts, PostgreSQL + a streaming replica + PgBouncer, Redis + Sentinel.
cluster: install-dev assets pgclient rum ## Bring up a 3-host cluster in network namespaces, check it through the balancer, take it down
	$(BIN)/python deploy/cluster/cluster.py smoke

cluster-test: install-dev assets pgclient rum ## The cluster under load with faults (a host killed, PgBouncer restarted, the replica stopped); fails on any loss
	$(BIN)/python deploy/cluster/cluster.py drill

check-wheel: install assets spa translations ## Build the wheel, install it in a fresh venv, migrate, serve and fetch pages
	PYTHON=$(BIN)/python scripts/check_wheel.sh

check-deploy: ## Check the alert rules, dashboard queries and nginx.conf with promtool and nginx
	scripts/check_deploy.sh

lint: install-dev lock-check ## Check style (ruff), the import contracts (import-linter, pyproject.toml) and the locks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install-dev ## Fix style (ruff)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Both Python runs build the SPA first: tests/test_spa_e2e.py drives its production build.
# The SQLite run stays on SQLite even where TEST_DATABASE_URL is set for the other one (CI sets it).
test-sqlite: install-dev assets chromium spa translations ## Python tests on SQLite
	TEST_DATABASE_URL= TEST_REDIS_URL= $(BIN)/pytest -q -p no:cacheprovider

test-postgres: install-dev assets chromium pgclient rum sentinel spa translations ## Python tests on PostgreSQL + Redis (required in CI)
	@$(BIN)/python scripts/check_services.py; status=$$?; \
	if [ $$status -eq 0 ]; then \
	  TEST_DATABASE_URL="$(TEST_DATABASE_URL)" TEST_REDIS_URL="$(TEST_REDIS_URL)" \
	    $(BIN)/pytest -q -p no:cacheprovider; \
	elif [ $$status -eq 3 ]; then \
	  echo "PostgreSQL or Redis does not answer: the PostgreSQL + Redis run is SKIPPED (outside CI)."; \
	else exit $$status; fi

test-python: test-sqlite test-postgres

# Thousands of generated API requests against the OpenAPI document (tests/test_api_fuzz.py).
# About 5 minutes, so it is its own run (on SQLite: the document, not the database, is tested);
# the default runs keep a quick version of it.
test-fuzz: install-dev translations ## Fuzz the API from its OpenAPI document (5,000+ requests, every check)
	TEST_DATABASE_URL= TEST_REDIS_URL= $(BIN)/pytest -q -p no:cacheprovider -m fuzz tests/test_api_fuzz.py

# spa-types-check comes before the Python runs: they build the SPA, which regenerates its types.
test: lint spa-types-check test-python test-fuzz test-spa ## Run every test: lint, the SPA's generated types, Python on SQLite and on PostgreSQL + Redis (SPA end to end included), the API fuzz, SPA unit tests

# The pages' and mails' catalogs: app/translations/<locale>/LC_MESSAGES/messages.po (committed);
# the compiled .mo files are generated (git-ignored) and shipped inside the package (the wheel).
TRANSLATIONS := app/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

messages: install-dev ## Extract every translatable string into messages.pot and merge it into each catalog
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	  --add-comments=TRANSLATORS: --sort-by-file --no-wrap \
	  --project=DevThread --copyright-holder=DevThread --msgid-bugs-address=i18n@devthread.example \
	  -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d $(TRANSLATIONS) --no-wrap --ignore-obsolete

translations: $(MO_FILES) ## Compile the catalogs (.po -> .mo) the app reads

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | install
	$(BIN)/pybabel compile --statistics -i $< -o $@

clean: ## Remove the virtual environment, node_modules and built assets
	rm -rf $(VENV) node_modules static/vendor

# ---------------------------------------------------------------------------
# Angular SPA (frontend-angular/, served by Flask at /app/). See frontend-angular/README.md.
# `make spa` regenerates the SPA's API types from the app (spa-types), then rebuilds only when a
# source or config file changed (stamp file in dist/).
# ---------------------------------------------------------------------------
SPA := frontend-angular
SPA_SOURCES := $(shell find $(SPA)/src $(SPA)/public -type f 2>/dev/null)
# The SPA's bundle carries the pages' code highlighting (angular.json lists static/css/code.css).
SPA_CONFIG := $(SPA)/package.json $(SPA)/package-lock.json $(SPA)/angular.json \
              $(SPA)/tsconfig.json $(SPA)/tsconfig.app.json static/css/code.css
SPA_STAMP := $(SPA)/dist/.build-stamp

.PHONY: spa spa-types spa-types-check spa-mock test-spa clean-spa

$(SPA)/node_modules/.package-lock.json: $(SPA)/package.json $(SPA)/package-lock.json
	cd $(SPA) && npm ci --no-audit --no-fund --loglevel=error

$(SPA_STAMP): $(SPA)/node_modules/.package-lock.json $(SPA_SOURCES) $(SPA_CONFIG)
	cd $(SPA) && npm run build
	@touch $@

# The SPA's copy of the API's OpenAPI document (`flask openapi`); scripts/api-types.mjs writes the
# SPA's types (openapi-typescript) and limits from it, each file only when its text changes.
SPA_DOCUMENT := $(SPA)/openapi.json
SPA_GENERATED := $(SPA)/src/app/core/api.generated.ts $(SPA)/src/app/core/limits.json

# A second make reads the sources' times after spa-types has (maybe) rewritten some.
spa: spa-types ## Regenerate the SPA's API types, then build it for production into frontend-angular/dist/browser (when changed)
	@$(MAKE) --no-print-directory $(SPA_STAMP)

spa-types: install $(SPA)/node_modules/.package-lock.json ## Write the API's OpenAPI document into the SPA, then its types and limits from it
	@set -e; tmp=$$(mktemp); trap 'rm -f "$$tmp"' EXIT; \
	$(BIN)/flask openapi --output "$$tmp"; \
	if ! cmp -s "$$tmp" $(SPA_DOCUMENT); then cp "$$tmp" $(SPA_DOCUMENT); echo "wrote $(SPA_DOCUMENT)"; fi
	cd $(SPA) && node scripts/api-types.mjs

# The document the app serves, and the types and limits made from the committed one, each compared
# with what is committed.
spa-types-check: install $(SPA)/node_modules/.package-lock.json ## Fail when the SPA's committed document, types or limits are not what the app and openapi-typescript make
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(BIN)/flask openapi --output "$$tmp/openapi.json"; \
	(cd $(SPA) && node scripts/api-types.mjs --out "$$tmp" >/dev/null); \
	stale=0; diff -u $(SPA_DOCUMENT) "$$tmp/openapi.json" || stale=1; \
	for file in $(SPA_GENERATED); do diff -u "$$file" "$$tmp/$$(basename $$file)" || stale=1; done; \
	if [ $$stale = 1 ]; then \
	  echo "The SPA's copy of the API is stale: run 'make spa-types' and commit what it writes." >&2; exit 1; fi
	@echo "The SPA's document, types and limits are what the app serves."

spa-mock: $(SPA)/node_modules/.package-lock.json ## Serve the SPA on in-memory mock data: http://localhost:4200/app/
	cd $(SPA) && npm run start:mock

test-spa: $(SPA)/node_modules/.package-lock.json ## SPA lint (ESLint + angular-eslint) and unit tests (Vitest + jsdom, no browser)
	cd $(SPA) && npm run lint
	cd $(SPA) && npm test

clean-spa: ## Remove the SPA's node_modules, build output and caches
	rm -rf $(SPA)/node_modules $(SPA)/dist $(SPA)/.angular

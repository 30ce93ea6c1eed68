# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app
# Python keeps each module it compiles (.pyc, in __pycache__): a machine
# that turns this off (PYTHONDONTWRITEBYTECODE=1) makes every process the
# suite starts (workers, test servers, CLI commands) compile Flask and its
# stack again: 1.5 s of CPU a start here instead of 0.55 s. Empty is off.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test setup db translations check-css screenshots slow-3g bench bench-scale clean

$(BIN)/flask: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	# --no-compile: Python compiles the modules it imports when first used,
	# and the install takes 7 s less (10.6 s against 17.3 s here).
	$(BIN)/pip install --quiet --no-compile --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations: $(BIN)/flask
	$(BIN)/flask translate compile > /dev/null

setup: $(BIN)/flask translations

# Development scans no uploads: a new machine has no ClamAV daemon, and
# the demo documents are imported through the same scan. Production's
# default is VIRUS_SCAN=required (README, docs/DEPLOY.md); with a local
# clamd, `KEYFOB_VIRUS_SCAN=required make run` scans here too.
db run: export KEYFOB_VIRUS_SCAN ?= off

db: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty

run: db
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# The stylesheet against the browsers we support (README, Browsers; the
# list is package.json's "browserslist"): stylelint with doiuse's caniuse
# data, and every var() after a plain value (tools/). npm installs the
# locked versions again only when package-lock.json changes, like .venv.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

check-css: node_modules/.installed
	node_modules/.bin/stylelint static/css/site.css

# The suite in one process per core, at most 4 (pytest-xdist: each with its
# own databases, clamd and browser server; PYTEST_WORKERS=0 runs it in this
# process), each taking the next test when it is free (worksteal), then the
# 15 slowest tests. One process more than cores was slower here: the whole
# suite took 352 s and 651 CPU seconds with 3 workers, 299 s and 547 with 2
# (Chromium, the test servers and the workers fight for the same cores).
# PYTEST_ARGS adds pytest options, e.g. PYTEST_ARGS="--ignore=tests/browser",
# or "-p randomly --randomly-seed=N" for a random order (the same N, the
# same order).
PYTEST_WORKERS ?= $(shell nproc)
test: db check-css
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --maxprocesses=4 --dist worksteal --durations=15 $(PYTEST_ARGS)

# Every page in every variant at phone and desktop width, for reviewers.
screenshots: setup
	rm -rf docs/screenshots
	$(BIN)/python -m pytest -q tests/browser/test_crawl.py -k with_javascript --screenshots docs/screenshots
	@echo "Screenshots in docs/screenshots/"

# Every page of the crawl over an emulated slow 3G link (400 kbit/s, 400 ms
# round trip) into docs/SLOW_NETWORK.md: the test `make test` runs, which
# fails on a page usable after more than 3 s, here in one process that
# writes what it measured.
slow-3g: setup
	$(BIN)/python -m pytest -q tests/browser/test_slow_network.py --slow-3g-table docs/SLOW_NETWORK.md
	@echo "The table is in docs/SLOW_NETWORK.md"

# Load on loopback: the portal and a bare Flask app under gunicorn, measured
# with wrk (Debian's package, installed here when missing); the results go
# to docs/BENCHMARKS.md, two tables: the pages as customers arrive (new
# visitors, 5,000 signed-in customers and 50 agents in turn: bench/arrivals.py
# and bench/arrivals.lua) and repeat views (one customer, the same URL).
# BENCH_SECONDS sets each run's length (default 10), BENCH_WARMUP_SECONDS
# each warm-up's (default 2).
bench: setup
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; \
		apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; }
	$(BIN)/python bench/run.py

# Cost at scale: the customer's pages, help search and the agents' queue at
# 1,000 and at 100,000 generated customers, in process, on SQLite and on a
# throwaway PostgreSQL (.ci/postgres); the section `Cost at scale` of
# docs/BENCHMARKS.md. SCALE_ARGS replaces the databases and size, e.g.
# SCALE_ARGS="--sqlite --big 20000".
SCALE_ARGS ?= --sqlite --postgres-start --big 100000
bench-scale: setup
	$(BIN)/python bench/scale_costs.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache node_modules

# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app

.PHONY: run test setup db translations screenshots bench clean

$(BIN)/flask: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations: $(BIN)/flask
	$(BIN)/flask translate compile > /dev/null

setup: $(BIN)/flask translations

db: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty

run: db
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: db
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Every page in every variant at phone and desktop width, for reviewers.
screenshots: setup
	rm -rf docs/screenshots
	$(BIN)/python -m pytest -q tests/browser/test_crawl.py -k with_javascript --screenshots docs/screenshots
	@echo "Screenshots in docs/screenshots/"

clean:
	rm -rf $(VENV) .pytest_cache

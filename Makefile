# Two entry points for a fresh machine (see README): `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
DEV := PARTNERSHIPS_ENV=development FLASK_APP=wsgi
# `make demo PORT=5050` serves the demo elsewhere when port 5000 is taken.
PORT ?= 5000

.PHONY: demo test lint translations benchmark

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(DEV) $(BIN)/flask db upgrade
	$(DEV) $(BIN)/flask regions import
	$(DEV) $(BIN)/flask demo load
	$(DEV) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The browser tests inject axe-core (package.json, pinned) into Chromium.
node_modules/.installed: package.json package-lock.json
	npm ci --silent
	touch $@

# pytest runs in parallel (pytest-xdist): `auto` is one worker per core, at most 4 (see
# tests/conftest.py); `make test WORKERS=0` runs in one process. worksteal hands the tests of a
# worker still busy (the long browser journeys) to one that has finished.
WORKERS ?= auto

test: $(VENV)/.installed node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(WORKERS) --dist worksteal

lint: $(VENV)/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o partnerships/translations/messages.pot .
	$(BIN)/pybabel update -i partnerships/translations/messages.pot -d partnerships/translations
	$(BIN)/pybabel compile -d partnerships/translations

benchmark: $(VENV)/.installed
	$(BIN)/python scripts/benchmark.py

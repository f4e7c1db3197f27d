# Two commands for people: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
PYTEST_ARGS ?=

.PHONY: run test test-postgres install uno load load-quick bench-quick bench-search crash-test locales-extract locales-update locales-compile bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)

# `registry run` alone serves production; a developer's machine gets tracebacks and plain-HTTP cookies
run: $(STAMP_RUN) uno
	REGISTRY_ENVIRONMENT=$${REGISTRY_ENVIRONMENT:-development} $(BIN)/registry run

test: $(STAMP_TEST) uno
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# PDF: unoserver runs under the Python that has LibreOffice's uno module (Debian: python3-uno),
# in .venv-uno. Without LibreOffice this does nothing and PDF requests answer 503.
UNO_PYTHON ?= /usr/bin/python3
uno:
	@if command -v soffice >/dev/null && $(UNO_PYTHON) -c 'import uno' 2>/dev/null; then \
		[ -x .venv-uno/bin/unoserver ] || { $(UNO_PYTHON) -m venv --system-site-packages .venv-uno && \
		.venv-uno/bin/pip install --quiet 'unoserver>=3.1,<4'; }; \
	else echo "LibreOffice or python3-uno missing: PDF disabled (apt-get install libreoffice-writer-nogui python3-uno)"; fi

# The database tests again, against the PostgreSQL server named by REGISTRY_TEST_POSTGRES_URL
test-postgres: $(STAMP_TEST)
	$(BIN)/python -m pytest -n auto -m postgres $(PYTEST_ARGS)

# Catalogs: `make locales-update` (it prefills English from the msgids), fill the new French
# msgstr in locales/fr/LC_MESSAGES/messages.po, run
# the tests (tests/test_i18n_catalogs.py). The app compiles the .po files in memory at start;
# locales-compile writes .mo files for tools that want them (git-ignored).
BABEL_KEYWORDS := -k mark -k _ -k ngettext:1,2 -k pgettext:1c,2 -k npgettext:1c,2,3 -k BadParameter:3

locales-extract: $(STAMP_RUN)
	$(BIN)/pybabel extract -F locales/babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
		--project liaison-registry -o locales/messages.pot .

# Keeps each catalog's Plural-Forms header (French: 2 forms, a decision; see README)
locales-update: locales-extract
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -c 'from registry.i18n import prefill_from_msgids as p; print(p("locales/en/LC_MESSAGES/messages.po"), "English messages prefilled from their msgids")'

locales-compile: $(STAMP_RUN)
	$(BIN)/pybabel compile -d locales --statistics

# Benchmarks print ratios against the bare libraries, measured here in the same run (not tests)
bench: $(STAMP_TEST) uno
	@for b in bench/bench_*.py; do $(BIN)/python "$$b" || exit 1; done

# search on 10,000 and 100,000 synthetic documents against bare tantivy, over HTTP, and the judged
# queries (PostgreSQL too when REGISTRY_TEST_POSTGRES_URL is set); CI runs the 2,000-document --quick
bench-search: $(STAMP_TEST)
	$(BIN)/python bench/bench_search.py

bench-quick: $(STAMP_TEST) uno
	@for b in bench/bench_*.py; do $(BIN)/python "$$b" --quick || exit 1; done

# Load harness (bench/load.py): `registry run` on 127.0.0.1:8100 under 8-512 connections; exits 1
# when a target is missed. LOAD_ARGS=--database postgres uses REGISTRY_TEST_POSTGRES_URL's server.
LOAD_ARGS ?=
load: $(STAMP_TEST) uno
	$(BIN)/python bench/load.py $(LOAD_ARGS)

load-quick: $(STAMP_TEST) uno
	$(BIN)/python bench/load.py --quick $(LOAD_ARGS)

# SIGKILL `registry run` N times during writes of every kind; then 0 acknowledged writes lost and
# 0 committed changes missing from search (bench/crash_test.py; 127.0.0.1 only, bounded by MINUTES)
N ?= 100
MINUTES ?= 90
crash-test: $(STAMP_TEST)
	$(BIN)/python bench/crash_test.py --kills $(N) --max-minutes $(MINUTES)

clean:
	rm -rf $(VENV) .venv-uno var .pytest_cache

# Two commands from a fresh clone: `make demo` and `make test`.
# Each creates .venv and installs the project on first use (and again when
# pyproject.toml changes).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-fast browser ui lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/analytics-pipeline demo

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The dashboard tests open the HTML in headless Chromium: Debian's `chromium`
# driven by playwright (never `playwright install`, no browser download).
# Installed here when missing and we are root; otherwise say what to run.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; \
	  else \
	    echo "make test: the dashboard tests need Debian's chromium;" \
	      "install it with: sudo apt-get install -y chromium" >&2; \
	    exit 1; \
	  fi; \
	}

ui: $(STAMP)
	$(BIN)/analytics-pipeline ui

# ruff, then the dbt project: dbt-score (metadata, >= 9.5 for every item) and
# sqlfluff (the models' SQL; starts the warehouse: dbt renders the models).
lint: $(STAMP)
	$(BIN)/ruff check analytics_pipeline tests
	$(BIN)/ruff format --check analytics_pipeline tests
	$(BIN)/analytics-pipeline lint

format: $(STAMP)
	$(BIN)/ruff format analytics_pipeline tests
	$(BIN)/ruff check --fix analytics_pipeline tests

bench: $(STAMP)
	$(BIN)/analytics-pipeline bench ingest --rows 1000000

clean:
	-$(BIN)/analytics-pipeline warehouse stop
	rm -rf $(VENV) .analytics dbt_project/target dbt_project/logs

# Two commands from a fresh clone: `make demo` and `make test`.
# Each creates .venv and installs the project on first use (and again when
# pyproject.toml changes).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-fast ui lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/analytics-pipeline demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

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

# Two commands for a newcomer: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
UV_VERSION := 0.13.9
VENV := .venv
DEMO_MARKET_POPULATION := 25000

.PHONY: run test lint unit install install-dev uv demo-data clean

run: install ## Build the pyramid from the bundled demo data and print it
	$(VENV)/bin/pyramid run --market-population $(DEMO_MARKET_POPULATION)

test: install-dev lint unit ## Lint everything and run the whole test suite

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYRAMID_DUCKDB_PATH=:memory: $(VENV)/bin/sqlfluff lint dbt_project

unit: install-dev
	$(VENV)/bin/pytest

install: uv
	$(UV) sync --frozen --inexact --no-dev --quiet

install-dev: uv
	$(UV) sync --frozen --quiet

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

demo-data: install ## Regenerate seeds/ (deterministic: the same bytes every time)
	$(VENV)/bin/pyramid generate --out seeds

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs .pytest_cache .ruff_cache

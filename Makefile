# Two commands for a newcomer: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
UV_VERSION := 0.13.9
VENV := .venv
DEMO_MARKET_POPULATION := 25000
DOCS_ASSETS := expectations/data_docs_assets
DAGSTER_HOME := $(CURDIR)/.dagster_home
# Every environment uv installs is compiled to bytecode once: without it, a machine that sets
# PYTHONDONTWRITEBYTECODE (this one does) compiles Dagster, dbt and GX from source on every start.
export UV_COMPILE_BYTECODE := 1

.PHONY: run run-spark dev docs test test-pure test-fast lint unit settings-docs bench bench-demo bench-outlook install install-dev install-spark uv docs-assets duckdb-lts manifest chromium java gx-project demo-data clean

run: install ## Build the pyramid from the bundled demo data, validate it, print it
	$(VENV)/bin/pyramid run --market-population $(DEMO_MARKET_POPULATION)

run-spark: install-spark java ## The same pipeline with dbt on a local Apache Spark session (needs Java 17)
	$(VENV)/bin/pyramid run --target spark --market-population $(DEMO_MARKET_POPULATION)

dev: install ## Start the Dagster UI (http://127.0.0.1:3000) on the demo data, with the daily schedule
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	DAGSTER_HOME=$(DAGSTER_HOME) PYRAMID_MARKET_POPULATION=$${PYRAMID_MARKET_POPULATION:-$(DEMO_MARKET_POPULATION)} \
		$(VENV)/bin/dagster dev

test: install-dev chromium java duckdb-lts lint test-pure unit ## Lint, the pure tier, then every other test (Spark too)

# The pure tier (tests/unit): settings, rules in Python, manifest reading, messages, the lock; no dbt build,
# no Dagster run. Seconds; first, so a broken rule shows before the slow tiers start.
test-pure: install-dev
	$(VENV)/bin/pytest -p no:xdist -o addopts=-ra -q tests/unit

# The fast tier: everything that needs neither Spark nor several builds of one dataset (no lint, no Java).
test-fast: install-dev chromium duckdb-lts test-pure
	$(VENV)/bin/pytest -n 2 -m "not slow and not spark" --ignore=tests/unit

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYRAMID_DUCKDB_PATH=:memory: $(VENV)/bin/sqlfluff lint dbt_project
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/dg check defs

# Every test but the pure tier (make test runs that first).
unit: install-dev
	$(VENV)/bin/pytest -n 2 --ignore=tests/unit --durations=15

# dbt's documentation site with the exposures, one HTML file that opens offline (from the published warehouse),
# the asset graph's picture in docs/dagster.md (a `dagster dev` of its own, headless Chromium) and the project's
# counts (models, tests, suites) printed from dbt's manifest and the suite list.
docs: install-dev chromium
	$(VENV)/bin/python -m orchestration.build.docs
	$(VENV)/bin/python docs/screenshot_asset_graph.py
	$(VENV)/bin/python docs/screenshot_report.py
	$(VENV)/bin/python -m orchestration.report.project_counts

# Pipeline vs a bare DuckDB SQL script, pandas and polars on generated data; writes docs/benchmarks.md.
# BENCH_SIZES=1000000,10000000,100000000 for the 100M run too (about 20 GB of disk in /tmp, 45 minutes; the
# pipeline runs under 2 GB, SIZE:LIMIT gives one size a limit of its own).
# Each size is built on a Spark cluster too (a standalone one started on this machine; the spark extra and
# Java 17); BENCH_FLAGS= leaves it out.
BENCH_SIZES ?= 1000000,10000000
BENCH_FLAGS ?= --cluster
bench: bench-demo java
	$(UV) sync --frozen --inexact --extra spark --group bench --quiet
	$(VENV)/bin/python bench/run.py --sizes $(BENCH_SIZES) $(BENCH_FLAGS)

# One demo run phase by phase (median of 3), the "after" column of the profile in docs/benchmarks.md.
bench-demo: uv docs-assets
	$(UV) sync --frozen --inexact --group bench --quiet
	@$(MAKE) --no-print-directory manifest
	$(VENV)/bin/python bench/profile_demo.py

# The customer outlook on CDNOW (public data, inside a bench dependency's wheel) beside the classic recipe.
bench-outlook: uv docs-assets
	$(UV) sync --frozen --inexact --group bench --quiet
	$(VENV)/bin/python bench/outlook_cdnow.py
	$(VENV)/bin/python bench/outlook_candidates.py
	$(VENV)/bin/python bench/outlook_choice_cost.py

install: uv docs-assets
	$(UV) sync --frozen --inexact --no-dev --quiet
	@$(MAKE) --no-print-directory manifest

# The dev environment includes the optional Spark extra: the tests build the pyramid on Spark too.
install-dev: uv docs-assets
	$(UV) sync --frozen --extra spark --quiet
	@$(MAKE) --no-print-directory manifest

# dbt's manifest, parsed once here so that loading the Dagster code location never has to.
install-spark: uv docs-assets
	$(UV) sync --frozen --inexact --no-dev --extra spark --quiet
	@$(MAKE) --no-print-directory manifest

# DuckDB 1.4 LTS in an environment of its own: the tests open the published warehouse with it, as BI drivers
# that lag DuckDB releases do (the version is pinned in tests/duckdb_lts.txt).
DUCKDB_LTS := .venv-duckdb-lts
duckdb-lts: uv
	@test -x $(DUCKDB_LTS)/bin/python || $(UV) venv --quiet $(DUCKDB_LTS)
	$(UV) pip install --quiet --python $(DUCKDB_LTS)/bin/python -r tests/duckdb_lts.txt

manifest:
	$(VENV)/bin/python -m orchestration.build.project

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Scripts and styles for offline Data Docs, pinned in package-lock.json (see orchestration/validate/offline_docs.py).
docs-assets: $(DOCS_ASSETS)/node_modules/.package-lock.json

$(DOCS_ASSETS)/node_modules/.package-lock.json: $(DOCS_ASSETS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix $(DOCS_ASSETS) --silent; \
	else echo "note: npm not found; Data Docs will load their styles from the web"; fi

# Headless Chromium renders Data Docs in the tests (Debian's package; installed when running as root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "note: install Debian's chromium package for the Data Docs tests"; fi; }

# Java 17 for the local Spark session of `--target spark` (Debian's headless JRE; installed when running as root).
java:
	@command -v java >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
		else echo "note: install Java 17 (Debian: openjdk-17-jre-headless) for the Spark tests"; fi; }

settings-docs: install ## Rewrite .env.example and docs/dagster.md's settings table from the settings
	$(VENV)/bin/python -m orchestration.settings_docs

gx-project: install ## Rewrite expectations/gx from orchestration/validate/suites.py
	$(VENV)/bin/python -m orchestration.validate.gx_project

demo-data: install ## Regenerate seeds/ (deterministic: the same bytes every time)
	$(VENV)/bin/pyramid generate --out seeds --force

clean:
	rm -rf warehouse .venv-duckdb-lts dbt_project/target dbt_project/logs .pytest_cache .ruff_cache $(DOCS_ASSETS)/node_modules

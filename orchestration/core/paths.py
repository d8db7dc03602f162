"""Where the project's parts live, resolved from this file so every entry point agrees."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The Dagster instance `pyramid run` and `make dev` share (unless DAGSTER_HOME names another), so the UI shows
# the command line's runs; its settings are the project's dagster.yaml.
DAGSTER_HOME_DIR = PROJECT_ROOT / ".dagster_home"
DAGSTER_YAML = PROJECT_ROOT / "dagster.yaml"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEMO_INPUT_DIR = PROJECT_ROOT / "seeds"
DEFAULT_WAREHOUSE_DIR = PROJECT_ROOT / "warehouse"
WAREHOUSE_FILE_NAME = "pyramid.duckdb"
MARTS_SCHEMA = "marts"
RAW_SCHEMA = "raw"
# The customers list's own columns (email, phone, ...): personal data, landed apart as text (land/loading.py)
# and read only by the action lists' CSV files (publish/warehouse.py).
CONTACTS_TABLE = f"{RAW_SCHEMA}.customer_contacts"
GX_PROJECT_DIR = PROJECT_ROOT / "expectations"

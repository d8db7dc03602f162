"""The pyramid's settings as a Dagster resource: defaults from the environment, overridden per run.

The UI and the schedule use the defaults (PYRAMID_* environment variables, or the bundled demo); `pyramid run`
sets every field from its flags through run config. `settings()` turns them into the validated
PyramidSettings that the steps use.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from dagster import ConfigurableResource

from orchestration.paths import DEFAULT_WAREHOUSE_DIR, DEMO_INPUT_DIR
from orchestration.settings import PyramidSettings, parse_tier_shares
from orchestration.warehouse import STORAGE_VERSION


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


class PyramidResource(ConfigurableResource):
    input_dir: str = os.environ.get("PYRAMID_INPUT_DIR", str(DEMO_INPUT_DIR))
    warehouse_dir: str = os.environ.get("PYRAMID_WAREHOUSE_DIR", str(DEFAULT_WAREHOUSE_DIR))
    window_days: int = int(os.environ.get("PYRAMID_WINDOW_DAYS", "365"))
    market_population: int | None = _env_int("PYRAMID_MARKET_POPULATION")
    tier_shares: str = os.environ.get("PYRAMID_TIER_SHARES", "1,4,15,80")
    keep_duplicates: bool = False
    history_period: str = os.environ.get("PYRAMID_HISTORY_PERIOD", "month")
    """Period of the tier history and migration: week, month or quarter."""
    target: str = os.environ.get("PYRAMID_TARGET", "duckdb")
    """dbt target that builds the models: duckdb, or spark (`pip install .[spark]`, Java 17)."""
    report_language: str = os.environ.get("PYRAMID_REPORT_LANGUAGE", "en")
    """Language of the labels of the HTML/PNG report: en, ar or pl."""
    as_of_date: str | None = None
    """Overrides the as-of date that the run's partition gives."""
    memory_limit: str = os.environ.get("PYRAMID_DUCKDB_MEMORY_LIMIT", "4GB")
    """DuckDB's memory_limit for loading and dbt; beyond it DuckDB spills to the build folder."""
    duckdb_threads: int = int(os.environ.get("PYRAMID_DUCKDB_THREADS", "2"))
    """DuckDB's threads (this machine has 2 cores)."""
    echo_dbt: bool = True
    """Print dbt's own log lines (the CLI's --quiet turns them off)."""
    publish_older: bool = False
    """Publish even when the warehouse already holds a later pyramid (the CLI does; backfills do not)."""

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_dir)

    def duckdb_config(self, temp_directory: Path) -> dict[str, str]:
        """The DuckDB settings of every connection that builds (the loader's and dbt's)."""
        return {
            "memory_limit": self.memory_limit,
            "threads": str(self.duckdb_threads),
            "temp_directory": str(temp_directory),
            # Applies when the connection creates the file (a build from scratch); a copy keeps its format.
            "storage_compatibility_version": STORAGE_VERSION,
        }

    def export_duckdb_config(self, temp_directory: Path) -> None:
        """Hand the settings to dbt's profile (profiles.yml reads them from the environment)."""
        config = self.duckdb_config(temp_directory)  # the file exists by then: no storage version for dbt
        os.environ["PYRAMID_DUCKDB_MEMORY_LIMIT"] = config["memory_limit"]
        os.environ["PYRAMID_DUCKDB_THREADS"] = config["threads"]
        os.environ["PYRAMID_DUCKDB_TEMP_DIR"] = config["temp_directory"]

    def settings(self, as_of_date: dt.date | None) -> PyramidSettings:
        return PyramidSettings(
            input_dir=Path(self.input_dir),
            warehouse_dir=self.warehouse,
            as_of_date=as_of_date,
            window_days=self.window_days,
            market_population=self.market_population,
            tier_shares=parse_tier_shares(self.tier_shares),
            keep_duplicates=self.keep_duplicates,
            history_period=self.history_period,
            target=self.target,
        )

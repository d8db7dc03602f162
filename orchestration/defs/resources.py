"""The pyramid's settings as a Dagster resource: what the Launchpad shows, resolved to one PyramidSettings.

Every field left unset (None) takes its PYRAMID_* environment variable or the default of
orchestration/core/settings.py, so the UI, the schedule and `pyramid run` (which hands its resolved
PyramidSettings in as run config, `config_of`) resolve settings the same way. `settings()` is the object
every step uses.
"""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from orchestration.core.settings import PyramidSettings


class PyramidResource(ConfigurableResource):
    input_dir: str | None = None
    """Input folder (PYRAMID_INPUT_DIR; default: the bundled demo)."""
    warehouse_dir: str | None = None
    """Warehouse folder (PYRAMID_WAREHOUSE_DIR; default: warehouse/ in the project)."""
    as_of_date: str | None = None
    """YYYY-MM-DD; overrides the run's tag and partition."""
    window_days: int | None = None
    """Activity window in days (PYRAMID_WINDOW_DAYS; default 365)."""
    market_population: int | None = None
    """Size of the whole market (PYRAMID_MARKET_POPULATION; default: unknown)."""
    tier_shares: list[float] | None = None
    """Percent of active customers in top, big, medium, small (PYRAMID_TIER_SHARES; default 1,4,15,80)."""
    keep_duplicates: bool | None = None
    """Keep repeated sales lines (PYRAMID_KEEP_DUPLICATES; default false)."""
    history_period: str | None = None
    """week, month or quarter (PYRAMID_HISTORY_PERIOD; default month)."""
    target: str | None = None
    """duckdb, or spark (PYRAMID_TARGET; `pip install .[spark]`, Java 17)."""
    report_language: str | None = None
    """en, ar or pl (PYRAMID_REPORT_LANGUAGE; default en)."""
    memory_limit: str | None = None
    """DuckDB memory limit, like 4GB (PYRAMID_MEMORY_LIMIT)."""
    threads: int | None = None
    """DuckDB threads (PYRAMID_THREADS; default 2)."""
    freshness_warn_after_days: int | None = None
    """The sales feed is late beyond this many days (PYRAMID_FRESHNESS_WARN_AFTER_DAYS; default 3)."""
    freshness_error_after_days: int | None = None
    """... and stale beyond this many (PYRAMID_FRESHNESS_ERROR_AFTER_DAYS; default 7)."""
    outlook_days: int | None = None
    """Horizon of the customer outlook in days (PYRAMID_OUTLOOK_DAYS; default: the activity window)."""
    echo_dbt: bool = True
    """Print dbt's own log lines (the CLI's --quiet turns them off)."""
    publish_older: bool = False
    """Publish even when the warehouse already holds a later pyramid (the CLI does; backfills do not)."""

    @staticmethod
    def config_of(settings: PyramidSettings, **options: bool) -> dict[str, object]:
        """The resource's run config for resolved settings (`pyramid run`): each field in its own type."""
        return dict(
            input_dir=str(settings.input_dir),
            warehouse_dir=str(settings.warehouse_dir),
            as_of_date=settings.as_of_date.isoformat() if settings.as_of_date else None,
            window_days=settings.window_days,
            market_population=settings.market_population,
            tier_shares=[float(share) for share in settings.tier_shares],
            keep_duplicates=settings.keep_duplicates,
            history_period=settings.history_period,
            target=settings.target,
            report_language=settings.report_language,
            memory_limit=settings.memory_limit,
            threads=settings.threads,
            freshness_warn_after_days=settings.freshness_warn_after_days,
            freshness_error_after_days=settings.freshness_error_after_days,
            outlook_days=settings.outlook_days,
            **options,
        )

    def settings(self, as_of_date=None) -> PyramidSettings:
        given = {name: getattr(self, name) for name in PyramidSettings.__dataclass_fields__}
        return PyramidSettings.resolve(**{**given, "as_of_date": as_of_date})

    @property
    def warehouse(self) -> Path:
        return self.settings().warehouse_dir

"""The settings of one pyramid build: every default stated here, once, and read the same way by every entry.

`pyramid run` (its flags), the Dagster resource (Launchpad config), the schedule and `dagster dev` all call
`PyramidSettings.resolve(**given)`: what was given wins, then the `PYRAMID_<NAME>` environment variable
(Dagster reads `.env`; see `.env.example`), then the default below. The object is handed down as it is;
dbt gets it as vars of the same names (`dbt_vars`), the only copies being the fallbacks dbt needs when run
by hand (dbt_project.yml and profiles.yml; a test holds them equal to these defaults).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orchestration.core.paths import DEFAULT_WAREHOUSE_DIR, DEMO_INPUT_DIR

# The active tiers, highest first: the one list every layer reads (dbt gets it with the shares).
TIER_NAMES = ("top", "big", "medium", "small")
# Every level of the pyramid, top first (dbt: macro pyramid_levels).
LEVELS = (*TIER_NAMES, "inactive", "prospect", "suspect", "rest")
DEFAULT_TIER_SHARES = (Decimal(1), Decimal(4), Decimal(15), Decimal(80))
TARGETS = ("duckdb", "spark")
# The report's languages: orchestration/report/labels.py holds one table of words for each.
REPORT_LANGUAGES = ("en", "ar", "pl")
HISTORY_PERIODS = ("week", "month", "quarter")
ENVIRONMENT_PREFIX = "PYRAMID_"
# Names these settings had before they had one name each; still read, after the current ones.
FORMER_ENVIRONMENT_NAMES = {
    "memory_limit": "PYRAMID_DUCKDB_MEMORY_LIMIT",
    "threads": "PYRAMID_DUCKDB_THREADS",
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class PyramidSettings:
    input_dir: Path = DEMO_INPUT_DIR
    """Folder with sales.csv|parquet (or a sales/ folder) and the optional customers, market, feedback and
    complaints files."""
    warehouse_dir: Path = DEFAULT_WAREHOUSE_DIR
    """Folder of the published DuckDB file (pyramid.duckdb), its Parquet copy, reports and history."""
    as_of_date: dt.date | None = None
    """The day the pyramid is taken on; None: the latest order_date of the sales."""
    window_days: int = 365
    """Activity window in days, ending on and including the as-of date."""
    market_population: int | None = None
    """Size of the whole addressable market; None: the `rest` level is unknown."""
    tier_shares: tuple[Decimal, ...] = field(default=DEFAULT_TIER_SHARES)
    """Percent of active customers in each of TIER_NAMES; sums to 100."""
    keep_duplicates: bool = False
    """Keep sales lines repeated with the same order_id and every other column equal."""
    history_period: str = "month"
    """Period of the tier history, migration and retention: one of HISTORY_PERIODS."""
    target: str = "duckdb"
    """dbt target that builds the models: one of TARGETS."""
    report_language: str = "en"
    """Language of the HTML and PNG report: one of REPORT_LANGUAGES."""
    memory_limit: str = "4GB"
    """DuckDB's memory limit for every connection of a build (beyond it DuckDB spills to the build folder)."""
    threads: int = 2
    """DuckDB's threads per query."""
    freshness_warn_after_days: int = 3
    """The sales feed is late (a warning) when its newest order_date is more than this many days old, counted
    from the end of that day in UTC; the default lets a weekend pass."""
    freshness_error_after_days: int = 7
    """... and stale (an error in `dbt source freshness` and Dagster's check) beyond this many days."""
    outlook_days: int | None = None
    """Horizon of each customer's outlook in days (marts.customer_outlook); None: the activity window."""

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise SettingsError(f"--window-days must be at least 1; got {self.window_days}")
        if self.market_population is not None and self.market_population < 0:
            raise SettingsError(f"--market-population must not be negative; got {self.market_population}")
        if len(self.tier_shares) != len(TIER_NAMES) or any(s < 0 for s in self.tier_shares):
            raise SettingsError("--tier-shares needs four non-negative numbers: top,big,medium,small")
        if sum(self.tier_shares) != 100:
            shares = ",".join(str(s) for s in self.tier_shares)
            raise SettingsError(f"--tier-shares must sum to 100; got {shares}")
        for name, flag, allowed in (
            ("history_period", "--period", HISTORY_PERIODS),
            ("target", "--target", TARGETS),
            ("report_language", "--lang", REPORT_LANGUAGES),
        ):
            if getattr(self, name) not in allowed:
                raise SettingsError(f"{flag} must be one of {', '.join(allowed)}; got {getattr(self, name)}")
        if self.outlook_days is not None and self.outlook_days < 1:
            raise SettingsError(f"--outlook-days must be at least 1; got {self.outlook_days}")
        if self.threads < 1:
            raise SettingsError(f"--threads must be at least 1; got {self.threads}")
        _check_memory_limit(self.memory_limit)
        if not 0 <= self.freshness_warn_after_days <= self.freshness_error_after_days:
            raise SettingsError(
                "--freshness-warn-days and --freshness-error-days must be 0 or more, the warning no later"
                f" than the error; got {self.freshness_warn_after_days} and {self.freshness_error_after_days}"
            )

    @classmethod
    def resolve(cls, environ: Mapping[str, str] | None = None, **given: object) -> PyramidSettings:
        """The settings from what was given (None: not given), else PYRAMID_<NAME>, else the default."""
        environ = os.environ if environ is None else environ
        values = {}
        for setting in fields(cls):
            value = given.get(setting.name)
            if value is None and setting.name != "as_of_date":  # the as-of date is asked for per run
                value = _from_environment(setting.name, environ)
            if value is not None:
                values[setting.name] = _typed(setting.name, value)
        return cls(**values)

    def dbt_vars(self) -> dict[str, object]:
        """The vars of dbt_project.yml that decide the pyramid, under the settings' own names."""
        return {
            "as_of_date": self.as_of_date.isoformat() if self.as_of_date else None,
            "window_days": self.window_days,
            "market_population": self.market_population,
            "history_period": self.history_period,
            "tier_shares": {
                name: str(share) for name, share in zip(TIER_NAMES, self.tier_shares, strict=True)
            },
            "freshness_warn_after_days": self.freshness_warn_after_days,
            "freshness_error_after_days": self.freshness_error_after_days,
            "outlook_days": self.outlook_days,
        }

    def duckdb_vars(self, database: Path, temp_directory: Path) -> dict[str, object]:
        """The vars profiles.yml reads for the DuckDB connection of one build."""
        return {
            "duckdb_path": str(database),
            "memory_limit": self.memory_limit,
            "threads": self.threads,
            "temp_directory": str(temp_directory),
        }


def environment_name(setting: str) -> str:
    return ENVIRONMENT_PREFIX + setting.upper()


def _from_environment(setting: str, environ: Mapping[str, str]) -> str | None:
    for name in (environment_name(setting), FORMER_ENVIRONMENT_NAMES.get(setting)):
        if name and environ.get(name, "").strip():
            return environ[name].strip()
    return None


def _check_memory_limit(value: str) -> None:
    """DuckDB itself reads the limit (in a throwaway in-memory database): refused here, before anything is
    built, rather than by the first connection of the build."""
    import duckdb

    try:
        with duckdb.connect() as con:
            quoted = str(value).replace("'", "''")
            con.execute(f"set memory_limit = '{quoted}'")
    except duckdb.Error:
        raise SettingsError(
            f"--memory-limit must be a size DuckDB reads, like 2GB, 512MB or 80%; got {value!r}"
        ) from None


def _typed(setting: str, value: object) -> object:
    """A setting given as text (a flag, an environment variable) or as a value, in the field's type."""
    try:
        if setting in {"input_dir", "warehouse_dir"}:
            return Path(value)
        if setting == "as_of_date":
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if setting in {
            "window_days",
            "market_population",
            "threads",
            "freshness_warn_after_days",
            "freshness_error_after_days",
            "outlook_days",
        }:
            return int(value)
        if setting == "keep_duplicates":
            return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}
        if setting == "tier_shares":
            return value if isinstance(value, tuple) else parse_tier_shares(value)
    except SettingsError:
        raise
    except ValueError as error:
        raise SettingsError(f"{setting}: cannot read {value!r} ({error})") from None
    return value


def parse_tier_shares(value: object) -> tuple[Decimal, ...]:
    """'1,4,15,80' or [1, 4.0, 15, 80] → (1, 4, 15, 80) as exact decimals, each written one way (1E+1 and
    10.0 are 10), so that a build records the same shares however they were given."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    refused = SettingsError(
        f"--tier-shares must be numbers separated by commas, like 1,4,15,80; got {value!r}"
    )
    try:
        shares = tuple(Decimal(str(part).strip()) for part in parts)
    except InvalidOperation:
        raise refused from None
    if not all(share.is_finite() for share in shares):
        raise refused
    return tuple(Decimal(format(share.normalize(), "f")) for share in shares)

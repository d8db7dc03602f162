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
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from orchestration.core.paths import DBT_PROJECT_DIR, DEFAULT_WAREHOUSE_DIR, DEMO_INPUT_DIR, PROJECT_ROOT

PROJECT_VARS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
"""dbt_project.yml's vars: the defaults of every setting dbt reads, and the tier names, written there once
(dbt run by hand reads them too)."""
# The active tiers, highest first: the names of var `tier_shares`, in its order.
TIER_NAMES = tuple(PROJECT_VARS["tier_shares"])
# Every level of the pyramid, top first (dbt: macro pyramid_levels).
LEVELS = (*TIER_NAMES, "inactive", "prospect", "suspect", "rest")
TARGETS = ("duckdb", "spark", "spark_cluster")
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


def setting(default: object, doc: str, *, per_run: bool = False):
    """One setting: its default and what it means, written once. The Launchpad field, the flag's help, the
    record kept with each build and .env.example are made from these. `per_run`: asked for by each run
    (the as-of date), never read from the environment or the resource."""
    return field(default=default, metadata={"doc": doc, "per_run": per_run})


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


DEFAULT_TIER_SHARES = parse_tier_shares(list(PROJECT_VARS["tier_shares"].values()))


@dataclass(frozen=True)
class PyramidSettings:
    input_dir: Path = setting(
        DEMO_INPUT_DIR,
        "Folder with sales.csv|parquet (or a sales/ folder of files) and the optional customers, market,"
        " feedback and complaints files.",
    )
    warehouse_dir: Path = setting(
        DEFAULT_WAREHOUSE_DIR,
        "Folder of the published warehouse (pyramid.duckdb), its Parquet copy, reports and history.",
    )
    as_of_date: dt.date | None = setting(
        None, "The day the pyramid is taken on; unset: the latest order_date of the sales.", per_run=True
    )
    window_days: int = setting(
        PROJECT_VARS["window_days"], "Activity window in days, ending on and including the as-of date."
    )
    market_population: int | None = setting(
        PROJECT_VARS["market_population"],
        "Size of the whole addressable market (unset: the `rest` level is unknown).",
    )
    tier_shares: tuple[Decimal, ...] = setting(
        DEFAULT_TIER_SHARES, "Percent of active customers in top,big,medium,small; must sum to 100."
    )
    keep_duplicates: bool = setting(
        False, "Keep sales lines repeated with the same order_id and every other column equal."
    )
    column_map: Path | None = setting(
        None,
        "YAML file naming, per input, the file's own header of each column, e.g. `sales: {customer_id:"
        " Customer ID, order_date: Invoice Date, amount: Total}` (unset: the headers are the column names).",
    )
    decimal_comma: bool = setting(
        False,
        "Text numbers have a decimal comma (1234,50 or 1.234,50 or 1 234,50) instead of a decimal point.",
    )
    day_first: bool = setting(
        False, "Text dates are day first (31.12.2025, 31/12/2025 or 31-12-2025, optionally with a time)."
    )
    history_period: str = setting(
        PROJECT_VARS["history_period"],
        "Period of the tier history, migration and retention: week, month or quarter.",
    )
    target: str = setting(
        "duckdb",
        "Engine of the dbt build: duckdb; spark (a local Spark session: pip install '.[spark]', Java 17);"
        " or spark_cluster (a Spark cluster's Thrift and Connect servers; the cluster's variables are in"
        " docs/spark.md).",
    )
    report_language: str = setting(
        PROJECT_VARS["report_language"],
        "Language of the HTML and PNG report and of the action lists' reasons: en, ar or pl.",
    )
    memory_limit: str = setting(
        "4GB",
        "DuckDB memory limit of every connection of a build; DuckDB spills to the build folder beyond it.",
    )
    threads: int = setting(2, "DuckDB threads per query.")
    freshness_warn_after_days: int = setting(
        PROJECT_VARS["freshness_warn_after_days"],
        "The sales feed is late (a warning line, dbt source freshness warns) when its newest order_date is"
        " more than this many days old, counted from the end of that day in UTC; the default lets a weekend"
        " pass.",
    )
    freshness_error_after_days: int = setting(
        PROJECT_VARS["freshness_error_after_days"],
        "The sales feed is stale (an error in dbt source freshness and Dagster's check) when its newest"
        " order_date is more than this many days old.",
    )
    outlook_days: int | None = setting(
        PROJECT_VARS["outlook_days"],
        "Horizon of each customer's outlook (marts.customer_outlook) in days (unset: the activity window).",
    )

    currency: str | None = setting(
        PROJECT_VARS["currency"],
        "Currency of the sales, written with the amounts in the action lists' reasons, e.g. EUR, $ or zł"
        " (unset: amounts without a currency).",
    )

    def __post_init__(self) -> None:
        # Absolute: dbt resolves a relative folder against its project, Spark against its working directory.
        for name in ("input_dir", "warehouse_dir", "column_map"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, Path(getattr(self, name)).absolute())
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
            if value is None and not setting.metadata["per_run"]:
                value = _from_environment(setting.name, environ)
            if value is not None:
                values[setting.name] = _typed(setting.name, value)
        return cls(**values)

    def plain(self) -> dict[str, object]:
        """Every setting as text, a number, a boolean or None, under its own name: the run config of a
        `pyramid run`, the record kept with the build, the environment's form. `resolve` reads it back."""
        return {setting.name: plain_value(getattr(self, setting.name)) for setting in fields(self)}

    def dbt_vars(self) -> dict[str, object]:
        """The settings dbt reads, as the vars of dbt_project.yml with the same names."""
        given = {name: value for name, value in self.plain().items() if name in PROJECT_VARS}
        given["tier_shares"] = {
            name: str(share) for name, share in zip(TIER_NAMES, self.tier_shares, strict=True)
        }
        return given

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
    """A setting given as text (a flag, an environment variable, a record) or as a value, in its type."""
    kind = SETTING_TYPES[setting]
    try:
        if isinstance(value, kind):
            return value
        if kind is Path:
            return Path(value)
        if kind is dt.date:
            return dt.date.fromisoformat(str(value))
        if kind is bool:
            return str(value).lower() in {"1", "true", "yes"}
        if kind is int:
            return int(value)
        if kind is tuple:
            return parse_tier_shares(value)
    except SettingsError:
        raise
    except ValueError as error:
        raise SettingsError(f"{setting}: cannot read {value!r} ({error})") from None
    return str(value)


def plain_value(value: object) -> object:
    """A setting's value as text, a number, a boolean or None (tier shares: `1,4,15,80`)."""
    if isinstance(value, Path | dt.date):
        return str(value)
    if isinstance(value, tuple):
        return ",".join(str(part) for part in value)
    return value


def shown_value(value: object) -> str:
    """A default as a user writes it: a path inside the project relative to it, `false`, empty for unset."""
    if isinstance(value, Path) and value.is_relative_to(PROJECT_ROOT):
        return value.relative_to(PROJECT_ROOT).as_posix()
    value = plain_value(value)
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _field_type(hint: object) -> type:
    """A field's type without `| None` (tuple for the shares)."""
    kinds = [kind for kind in typing.get_args(hint) or (hint,) if kind is not type(None)]
    if typing.get_origin(hint) is tuple:
        return tuple
    return typing.get_origin(kinds[0]) or kinds[0]


SETTING_TYPES = {name: _field_type(hint) for name, hint in typing.get_type_hints(PyramidSettings).items()}
"""Each setting's type (Path, dt.date, int, bool, str or tuple), read from PyramidSettings."""

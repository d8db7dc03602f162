"""One pyramid build: load and check the raw inputs, dbt build, check the marts, publish.

The CLI (and later Dagster) call this. Every step works on a new build file; only when all passed does it
replace the published warehouse, so a failure anywhere leaves what BI reads untouched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.dbt_runner import run_dbt_build
from orchestration.loading import LoadedInput, load_inputs
from orchestration.paths import RAW_SCHEMA
from orchestration.settings import PyramidSettings
from orchestration.validation.runner import (
    ValidationFailedError,
    ValidationReport,
    run_validation,
    validation_dir,
)
from orchestration.warehouse import exclusive_build, publish


@dataclass(frozen=True)
class BuildResult:
    warehouse: Path
    inputs: list[LoadedInput]
    validations: list[ValidationReport]
    seconds: float


def build_pyramid(settings: PyramidSettings, *, echo: bool = True) -> BuildResult:
    """Build the pyramid into a new file and publish it; on any error the published file is untouched."""
    started = time.monotonic()
    reports_dir = validation_dir(settings.warehouse_dir)
    with exclusive_build(settings.warehouse_dir) as build_file:
        with duckdb.connect(str(build_file)) as con:
            inputs = load_inputs(con, settings.input_dir, keep_duplicates=settings.keep_duplicates)
            record_settings(con, settings)
        input_report = _validated(run_validation(build_file, "input", reports_dir))
        run_dbt_build(
            build_file,
            settings.dbt_vars(),
            settings.warehouse_dir / "dbt",
            target=settings.target,
            echo=echo,
        )
        output_report = _validated(run_validation(build_file, "output", reports_dir))
        published = publish(build_file, settings.warehouse_dir)
    return BuildResult(
        warehouse=published,
        inputs=inputs,
        validations=[input_report, output_report],
        seconds=time.monotonic() - started,
    )


def record_settings(con: duckdb.DuckDBPyConnection, settings: PyramidSettings) -> None:
    """Keep the build's settings beside its raw data, so a later `pyramid validate` checks the same rules."""
    con.execute(
        f"""
        create or replace table {RAW_SCHEMA}.build_settings as
        select
            cast(? as date) as as_of_date,
            cast(? as integer) as window_days,
            cast(? as bigint) as market_population,
            cast(? as varchar) as tier_shares,
            cast(? as boolean) as keep_duplicates,
            current_timestamp as built_at
        """,
        [
            settings.as_of_date,
            settings.window_days,
            settings.market_population,
            ",".join(str(share) for share in settings.tier_shares),
            settings.keep_duplicates,
        ],
    )


def _validated(report: ValidationReport) -> ValidationReport:
    if not report.success:
        raise ValidationFailedError(report)
    return report

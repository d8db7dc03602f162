"""One pyramid build from Python or the command line: the Dagster job, executed in this process.

The CLI, the tests, the schedule and the UI all run the same job (orchestration/jobs.py). This module picks
the run's partition and settings, runs it, and turns a failed run back into the error that explains it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, ExecuteInProcessResult

from orchestration.assets.run_settings import AS_OF_TAG, LATEST_SALE
from orchestration.build_record import read_newest_order_date
from orchestration.dbt_failures import DbtBuildError
from orchestration.freshness import FeedFreshness, feed_freshness
from orchestration.loading import InputError
from orchestration.partitions import as_of_months, current_partition, partition_for
from orchestration.resources import PyramidResource
from orchestration.settings import PyramidSettings, SettingsError
from orchestration.spark_build import SPARK_TARGET, check_spark_available
from orchestration.validation.runner import ValidationFailedError, verdict_line
from orchestration.warehouse import published_path, validation_dir
from orchestration.warehouse_lock import WarehouseBusyError, WarehouseUnavailableError, warehouse_lock

# Errors raised inside a step, by class name, re-raised here with their message.
_KNOWN_ERRORS = {
    cls.__name__: cls
    for cls in (InputError, SettingsError, DbtBuildError, WarehouseBusyError, WarehouseUnavailableError)
}
_KNOWN_ERRORS["InputFilesError"] = InputError  # an ambiguous input folder is bad input too


@dataclass(frozen=True)
class BuildResult:
    warehouse: Path
    validation_lines: list[str]
    data_docs_index: Path
    seconds: float
    feed_freshness: FeedFreshness | None


def build_pyramid(settings: PyramidSettings, *, echo: bool = True) -> BuildResult:
    """Run the pyramid job for `settings`; the published warehouse changes only if everything passed."""
    from orchestration.definitions import defs  # loads dbt's manifest: only when a build is asked for

    started = time.monotonic()
    if settings.target == SPARK_TARGET:
        check_spark_available()  # before loading anything
    as_of = settings.as_of_date  # None: the landing step takes the latest order_date of all the sales
    partition_key = _partition_key(as_of) if as_of else current_partition()
    with (
        warehouse_lock(settings.warehouse_dir, "pyramid run"),
        warnings.catch_warnings(),
        # Disposed when the run ends: a throwaway instance's database connections would otherwise be closed
        # by the garbage collector of whichever thread runs it, which SQLite refuses (with a traceback).
        _instance() as instance,
    ):
        # dbt assets and the raw/serving assets differ in backfill policy; Dagster runs one partition per run,
        # which is what the pipeline wants, and says so on every run.
        warnings.filterwarnings("ignore", message=".*varying BackfillPolicies")
        result = defs.resolve_job_def("pyramid_job").execute_in_process(
            run_config={
                # The resolved settings, field by field in their own types (no text to parse back). Run
                # config rather than a resource instance: Dagster would re-validate the whole job for one.
                "resources": {
                    "pyramid": {
                        "config": PyramidResource.config_of(settings, echo_dbt=echo, publish_older=True)
                    }
                },
                # dbt prints its own progress; Dagster's event log would repeat failures as stack traces.
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
            },
            partition_key=partition_key,
            tags={AS_OF_TAG: as_of.isoformat() if as_of else LATEST_SALE},
            instance=instance,
            raise_on_error=False,
        )
    docs = validation_dir(settings.warehouse_dir).resolve() / "data_docs" / "index.html"
    _raise_failure(result, docs)
    warehouse = published_path(settings.warehouse_dir)
    newest_sale = read_newest_order_date(warehouse)
    return BuildResult(
        warehouse=warehouse,
        validation_lines=_validation_lines(result, passed=True),
        data_docs_index=docs,
        seconds=time.monotonic() - started,
        feed_freshness=feed_freshness(newest_sale, settings) if newest_sale else None,
    )


def _partition_key(as_of: dt.date) -> str:
    """The month of an as-of date asked for."""
    keys = as_of_months.get_partition_keys()
    if partition_for(as_of) in keys:
        return partition_for(as_of)
    if partition_for(as_of) > keys[-1]:
        raise SettingsError(f"--as-of {as_of} is in the future (after the current month, {keys[-1][:7]})")
    raise SettingsError(
        f"--as-of {as_of} is outside the months the pipeline covers ({keys[0][:7]} to {keys[-1][:7]});"
        f" set PYRAMID_PARTITIONS_START for older data"
    )


def _instance() -> DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set (runs show in the UI), else a throwaway one."""
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def _raise_failure(result: ExecuteInProcessResult, docs: Path) -> None:
    """Raise the error that explains a failed run: bad input, a dbt failure, or failed validation."""
    unexplained = []
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            cause = error.cause if error and error.cause else error
            known = _KNOWN_ERRORS.get(cause.cls_name) if cause else None
            if known:
                raise known(cause.message.split(": ", 1)[-1].strip())
            unexplained.append(f"step {event.step_key} failed: {cause.message if cause else 'unknown error'}")
    if _validation_lines(result, passed=False):
        lines = ["Validation (Great Expectations):", *_validation_lines(result, passed=None)]
        raise ValidationFailedError("\n".join([*lines, f"Data Docs: {docs}"]))
    if unexplained or not result.success:
        raise RuntimeError("; ".join(unexplained) or "the pyramid job failed")


def _validation_lines(result: ExecuteInProcessResult, *, passed: bool | None) -> list[str]:
    """PASS/FAIL lines of the GX checks (only the passed or failed ones, or all when passed is None)."""
    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.check_name.startswith("gx_"):
            continue
        if passed is not None and evaluation.passed != passed:
            continue
        suite = evaluation.check_name.removeprefix("gx_")
        lines.append(verdict_line(suite, evaluation.passed, evaluation.description))
    return lines

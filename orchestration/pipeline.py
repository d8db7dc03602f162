"""One pyramid build from Python or the command line: the Dagster job, executed in this process.

The CLI, the tests, the schedule and the UI all run the same job (orchestration/defs/jobs.py). This module
picks the run's partition and settings, runs it, and turns a failed run back into the error that explains it.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance, Definitions, ExecuteInProcessResult

from orchestration.build.failures import DbtBuildError
from orchestration.build.spark import SPARK_TARGETS, check_spark_available
from orchestration.core.paths import DAGSTER_HOME_DIR, DAGSTER_YAML
from orchestration.core.settings import PyramidSettings, SettingsError
from orchestration.core.warehouse_files import published_path, validation_dir
from orchestration.core.warehouse_lock import WarehouseBusyError, WarehouseUnavailableError, warehouse_lock
from orchestration.defs.assets.validation_checks import WARNINGS_METADATA
from orchestration.defs.partitions import as_of_months, covers, current_partition, monthly_from, partition_for
from orchestration.defs.resources import PyramidResource
from orchestration.defs.run_settings import AS_OF_TAG, LATEST_SALE
from orchestration.land.build_record import read_newest_order_date
from orchestration.land.freshness import FeedFreshness, feed_freshness
from orchestration.land.loading import InputError
from orchestration.validate.runner import FAIL, PASS, WARN, ValidationFailedError, verdict_line

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
    warnings: list[str]  # failed warning expectations (a model's quality): published anyway


def build_pyramid(settings: PyramidSettings, *, echo: bool = True) -> BuildResult:
    """Run the pyramid job for `settings`; the published warehouse changes only if everything passed."""
    from orchestration.defs.definitions import defs  # loads dbt's manifest: only when a build is asked for

    started = time.monotonic()
    if settings.target in SPARK_TARGETS:
        check_spark_available(settings.target)  # before loading anything
    as_of = settings.as_of_date  # None: the landing step takes the latest order_date of all the sales
    if as_of and partition_for(as_of) > current_partition():
        raise SettingsError(
            f"--as-of {as_of} is in the future (after the current month, {current_partition()[:7]})"
        )
    partition_key = partition_for(as_of) if as_of else current_partition()
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
        result = _job_covering(defs, as_of).execute_in_process(
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
    _raise_failure(result, docs, settings.warehouse_dir)
    warehouse = published_path(settings.warehouse_dir)
    newest_sale = read_newest_order_date(warehouse)
    return BuildResult(
        warehouse=warehouse,
        validation_lines=_validation_lines(result, states=None),
        data_docs_index=docs,
        seconds=time.monotonic() - started,
        feed_freshness=feed_freshness(newest_sale, settings) if newest_sale else None,
        warnings=_warnings(result),
    )


def _job_covering(defs, as_of: dt.date | None):
    """The pyramid job, its partitions reaching back to the month of `as_of` when the code location's range
    starts later: the partition follows the date asked for, never the other way round."""
    if as_of is None or covers(as_of_months, as_of):
        return defs.resolve_job_def("pyramid_job")
    return _definitions_from(as_of.replace(day=1)).resolve_job_def("pyramid_job")


@functools.cache
def _definitions_from(start: dt.date) -> Definitions:
    from orchestration.defs.definitions import defs

    partitions = monthly_from(start)
    return Definitions(
        assets=[
            asset.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=partitions))
            for asset in defs.assets
        ],
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        resources=defs.resources,
    )


def _instance() -> DagsterInstance:
    """The persistent instance the UI reads: DAGSTER_HOME when set, else the project's `.dagster_home` (the
    one `make dev` uses), so every `pyramid run` shows in `dagster dev`. A throwaway instance only where that
    folder cannot be written (an installed copy of the project, a read-only checkout)."""
    home = dagster_home()
    if home is None:
        return DagsterInstance.ephemeral()
    return DagsterInstance.from_config(str(home))


def dagster_home() -> Path | None:
    """DAGSTER_HOME, else the project's `.dagster_home` with the project's dagster.yaml (written when missing
    or changed); None when that cannot be written."""
    if os.environ.get("DAGSTER_HOME"):
        return Path(os.environ["DAGSTER_HOME"])
    try:
        DAGSTER_HOME_DIR.mkdir(exist_ok=True)
        settings = DAGSTER_HOME_DIR / "dagster.yaml"
        if not settings.exists() or settings.read_bytes() != DAGSTER_YAML.read_bytes():
            settings.write_bytes(DAGSTER_YAML.read_bytes())
    except OSError:
        return None
    return DAGSTER_HOME_DIR


# Faults of the machine, recognised in a step's error (DuckDB's, dbt's or Python's words): (marker, cause).
_ENVIRONMENT_FAULTS = (
    ("No space left on device", "no space left on device"),
    ("Disk quota exceeded", "disk quota exceeded"),
    ("Permission denied", "permission denied"),
    ("Read-only file system", "read-only file system"),
)
# A folder with less free space than this when a step failed: the disk is the likely cause.
_NEARLY_FULL_BYTES = 1 << 20


def environment_fault(message: str, folder: Path) -> str | None:
    """One line naming a fault of the machine and where, or None: a full disk (said by the error, or a dbt
    failure on a folder left with less than 1 MiB free), a permission refused, a read-only file system."""
    for marker, cause in _ENVIRONMENT_FAULTS:
        if marker in message:
            path = re.search(r"""['"](/[^'"]+)['"]""", message)
            return f"{cause}: {path.group(1) if path else folder}"
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free < _NEARLY_FULL_BYTES and "dbt" in message:
        return f"no space left on device: {folder} ({free:,} bytes free)"
    return None


def _raise_failure(result: ExecuteInProcessResult, docs: Path, warehouse_dir: Path) -> None:
    """Raise the error that explains a failed run: bad input, a dbt failure, or failed validation."""
    unexplained = []
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            cause = error.cause if error and error.cause else error
            fault = environment_fault(cause.message if cause else "", warehouse_dir)
            if fault:
                raise WarehouseUnavailableError(fault)
            known = _KNOWN_ERRORS.get(cause.cls_name) if cause else None
            if known:
                raise known(cause.message.split(": ", 1)[-1].strip())
            unexplained.append(f"step {event.step_key} failed: {cause.message if cause else 'unknown error'}")
    if _validation_lines(result, states={FAIL}):
        lines = ["Validation (Great Expectations):", *_validation_lines(result, states=None)]
        raise ValidationFailedError("\n".join([*lines, f"Data Docs: {docs}"]))
    if unexplained or not result.success:
        raise RuntimeError("; ".join(unexplained) or "the pyramid job failed")


def _validation_lines(result: ExecuteInProcessResult, *, states: set[str] | None) -> list[str]:
    """PASS/WARN/FAIL lines of the GX checks (only those in `states`, or all when None)."""
    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.check_name.startswith("gx_"):
            continue
        state = _state(evaluation)
        if states is not None and state not in states:
            continue
        lines.append(verdict_line(evaluation.check_name.removeprefix("gx_"), state, evaluation.description))
    return lines


def _state(evaluation) -> str:
    if evaluation.passed:
        return PASS
    return WARN if evaluation.severity == AssetCheckSeverity.WARN else FAIL


def _warnings(result: ExecuteInProcessResult) -> list[str]:
    """The failed warning expectations of every GX check, as validation_checks.py listed them."""
    return [
        line
        for evaluation in result.get_asset_check_evaluations()
        if WARNINGS_METADATA in evaluation.metadata
        for line in evaluation.metadata[WARNINGS_METADATA].value
    ]

"""A new or changed sales file starts a run, instead of waiting for the 06:00 schedule.

The sensor compares the sales input (`sales.csv`, `sales.parquet` or the files of `sales/`) with the files
the published warehouse has landed (`raw.input_files`: path, size, modification time; input_files.py).
Files it has not landed, or landed with another size or time, make one run request whose run key names
exactly them, so Dagster never starts two runs for the same files, and the sensor's cursor skips asking again.
A run that fails on such a file does not start again for it either: fix the file (its time changes) or run by
hand. The run builds the pyramid as of the latest sale, like `pyramid run`, through the one-run queue.

Off by default: a warehouse fed by a scheduled drop needs only the schedule; turn it on in the UI (Automation)
where files arrive at any time of day.
"""

from __future__ import annotations

import hashlib

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from orchestration.core.warehouse_files import published_path
from orchestration.defs.jobs import pyramid_job
from orchestration.defs.partitions import current_partition
from orchestration.defs.resources import PyramidResource
from orchestration.defs.run_settings import AS_OF_TAG, LATEST_SALE
from orchestration.land.input_files import InputFile, InputFilesError, input_files, landed_files

SENSOR_INTERVAL_SECONDS = 60


def unlanded_sales_files(pyramid: PyramidResource) -> list[InputFile]:
    """The sales files the published warehouse has not landed as they are now (all of them before a first
    build)."""
    settings = pyramid.settings()
    current = [InputFile.of(path) for path in input_files(settings.input_dir, "sales")]
    landed = set(landed_files(published_path(settings.warehouse_dir)).get("sales", []))
    return [file for file in current if file not in landed]


def run_key(files: list[InputFile]) -> str:
    """The same files (name, size, modification time) give the same key: Dagster starts one run per key."""
    identity = "\n".join(f"{file.path}|{file.size}|{file.modified_ns}" for file in files)
    return "sales-" + hashlib.sha256(identity.encode()).hexdigest()[:16]


@sensor(
    job=pyramid_job,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.STOPPED,
    description=(
        "Starts a run when a sales file appears or changes (compared with the files the published warehouse"
        " landed: name, size, modification time); one run per set of files. Off by default."
    ),
)
def new_sales_file(context: SensorEvaluationContext, pyramid: PyramidResource):
    try:
        files = unlanded_sales_files(pyramid)
    except InputFilesError as error:
        return SkipReason(str(error))
    if not files:
        return SkipReason("every sales file is landed in the published warehouse")
    key = run_key(files)
    if context.cursor == key:
        return SkipReason(f"a run was already requested for {len(files)} new sales file(s)")
    names = ", ".join(file.path.name for file in files[:3]) + (" …" if len(files) > 3 else "")
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=key,
                partition_key=current_partition(),
                tags={AS_OF_TAG: LATEST_SALE, "pyramid/new_sales_files": names},
            )
        ],
        cursor=key,
    )

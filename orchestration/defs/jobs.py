"""The one job that builds the pyramid, its daily schedule, and the sensor that explains failed runs."""

import datetime as dt

from dagster import (
    AssetCheckSeverity,
    AssetSelection,
    DagsterEventType,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    HookContext,
    RunFailureSensorContext,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    failure_hook,
    in_process_executor,
    run_failure_sensor,
    schedule,
)

from orchestration.core.warehouse_files import keep_only_this_failed_build
from orchestration.defs.partitions import SCHEDULE_TIMEZONE, partition_for
from orchestration.defs.resources import PyramidResource
from orchestration.defs.run_settings import AS_OF_TAG, release_warehouse

SCHEDULE_CRON = "0 6 * * *"


@failure_hook(required_resource_keys={"pyramid"})
def release_warehouse_on_failure(context: HookContext) -> None:
    """A failed step ends the run's build: its folder is the one kept for inspection; the lock goes."""
    keep_only_this_failed_build(context.resources.pyramid.warehouse, context.run_id)
    release_warehouse(context, context.resources.pyramid)


pyramid_job = define_asset_job(
    "pyramid_job",
    selection=AssetSelection.all(),
    # The steps run one after another anyway; one process saves each step importing dbt, GX and Dagster.
    executor_def=in_process_executor,
    hooks={release_warehouse_on_failure},
    description="Load → validate raw → dbt build → validate marts → publish → report.",
)


@schedule(
    job=pyramid_job,
    cron_schedule=SCHEDULE_CRON,
    execution_timezone=SCHEDULE_TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every day at 06:00 (PYRAMID_SCHEDULE_TIMEZONE), the pyramid as of the previous day.",
)
def daily_pyramid(context: ScheduleEvaluationContext) -> RunRequest:
    yesterday = context.scheduled_execution_time.date() - dt.timedelta(days=1)
    return RunRequest(
        partition_key=partition_for(yesterday),
        tags={AS_OF_TAG: yesterday.isoformat()},
    )


def failure_reason(context: RunFailureSensorContext) -> str:
    """One line: the failed check and its failing expectations, or the failed step and its error."""
    run = f"run {context.dagster_run.run_id[:8]}"
    for record in context.instance.all_logs(
        context.dagster_run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ):
        evaluation = record.dagster_event.event_specific_data
        # A late sales feed, or a model's quality (WARN), does not fail a run.
        if not evaluation.passed and evaluation.blocking and evaluation.severity == AssetCheckSeverity.ERROR:
            check = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            return f"{run} failed: check {check} did not pass: {evaluation.description}"
    step_failures = context.get_step_failure_events()
    if step_failures:
        event = step_failures[0]
        error = event.step_failure_data.error
        cause = error.cause if error and error.cause else error
        message = (cause.message if cause else "unknown error").strip().splitlines()[0]
        return f"{run} failed in step {event.step_key}: {message}"
    return f"{run} failed: {context.failure_event.message}"


@run_failure_sensor(
    description="Writes why a pyramid run failed to warehouse/last_failure.txt and the log.",
    default_status=DefaultSensorStatus.RUNNING,
)
def explain_failure(context: RunFailureSensorContext, pyramid: PyramidResource) -> None:
    reason = failure_reason(context)
    context.log.error(reason)
    pyramid.warehouse.mkdir(parents=True, exist_ok=True)
    (pyramid.warehouse / "last_failure.txt").write_text(reason + "\n")

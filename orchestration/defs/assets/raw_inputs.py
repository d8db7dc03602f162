"""The raw inputs: the input files checked and landed in this run's build file (only new files, when the
published warehouse already holds the others)."""

import datetime as dt

import duckdb
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset

from orchestration.build.history import carry_history
from orchestration.build.in_process import parse_in_background
from orchestration.build.spark import SPARK_TARGETS, check_spark_available
from orchestration.core import progress
from orchestration.core.settings import PyramidSettings, SettingsError
from orchestration.core.warehouse_files import (
    build_config,
    check_published_readable,
    finish_build,
    published_path,
    start_build,
)
from orchestration.defs.partitions import as_of_months, partition_for
from orchestration.defs.resources import PyramidResource
from orchestration.defs.run_settings import hold_warehouse, requested_settings
from orchestration.land.build_record import record_settings, recorded_newest_order_date
from orchestration.land.input_files import plan_landing
from orchestration.land.loading import INPUT_NAMES, InputError, input_format_of, load_inputs
from orchestration.publish.warehouse import recover_publishing
from orchestration.validate import worker as validation_worker

# The raw_sales metadata entry the freshness check reads (assets/freshness_check.py).
NEWEST_SALE_METADATA = "newest_order_date"
RAW_ASSETS = {
    "sales": "Sales lines (required): customer_id, order_date, amount; refunds are negative.",
    "customers": "Everyone with a relationship (optional input).",
    "market": "The addressable market list (optional input).",
    "feedback": "Survey scores per customer and date (optional input).",
    "complaints": "Complaints with opened and resolved times (optional input).",
}


@multi_asset(
    specs=[
        AssetSpec(f"raw_{name}", description=text, group_name="raw", kinds={"duckdb"})
        for name, text in RAW_ASSETS.items()
    ],
    partitions_def=as_of_months,
    can_subset=False,
)
def raw_inputs(context: AssetExecutionContext, pyramid: PyramidResource):
    """Validate the input files and land them in schema raw of this run's build file."""
    _check_partition(context)
    hold_warehouse(context, pyramid)
    progress.phase("landing the inputs")
    run = requested_settings(context, pyramid)
    if run.settings.target in SPARK_TARGETS:
        check_spark_available(run.settings.target)  # before any work: the cluster's tables are read below
    validation_worker.start()  # GX imports in its own process while this one lands the inputs
    if run.settings.target not in SPARK_TARGETS:
        parse_in_background()  # and dbt parses in a thread of this one
    recovered = recover_publishing(pyramid.warehouse)
    if recovered:
        context.log.warning(recovered)
    published = published_path(pyramid.warehouse)
    check_published_readable(pyramid.warehouse)
    input_format = input_format_of(run.settings)
    plan = plan_landing(
        published,
        run.settings.input_dir,
        INPUT_NAMES,
        keep_duplicates=run.settings.keep_duplicates,
        input_format=input_format.signature,
    )
    build_file = start_build(pyramid.warehouse, context.run.run_id, from_published=plan.reuses_published)
    try:
        with duckdb.connect(str(build_file), config=build_config(run.settings, build_file)) as con:
            loaded = load_inputs(
                con,
                run.settings.input_dir,
                keep_duplicates=run.settings.keep_duplicates,
                plan=plan,
                input_format=input_format,
            )
            settings = record_settings(con, run.settings, as_of_requested=run.settings.as_of_date)
            _check_market_population(con, settings)
            newest_sale = recorded_newest_order_date(con)
            history = carry_history(con, published, settings, settings.as_of_date, loaded)
    except (InputError, SettingsError):
        finish_build(pyramid.warehouse, context.run.run_id)  # refused input: the message is the whole result
        raise
    context.log.info(f"tier history: {history.describe()}")
    for item in loaded:
        progress.detail(f"{item.name}: {item.action}, {item.new_rows:,} new rows, {item.rows:,} in all")
        yield MaterializeResult(
            asset_key=f"raw_{item.name}",
            metadata={
                "dagster/row_count": item.rows,
                "source_file": item.source,
                "landing": f"{item.action} ({item.new_rows:,} new rows)",
                "as_of_date": str(settings.as_of_date),
                "as_of_source": "requested" if run.settings.as_of_date else "latest order_date",
                **(
                    {"tier_history": history.describe(), NEWEST_SALE_METADATA: str(newest_sale)}
                    if item.name == "sales"
                    else {}
                ),
            },
        )


def _check_partition(context: AssetExecutionContext) -> None:
    """Every asset of the job is partitioned by month: a run without a month (or with a key that is not one)
    is refused here, before anything is landed, rather than by Dagster in the step after."""
    key = context.partition_key if context.has_partition_key else None
    if key is None or not _is_month(key):
        given = f"partition {key!r}" if key else "no partition"
        raise SettingsError(
            f"pyramid_job builds one month and was given {given}: launch it for a month such as"
            f" {partition_for(dt.date.today())} (Materialize in the UI, a backfill, or `dagster job execute"
            f' --tags \'{{"dagster/partition": "{partition_for(dt.date.today())}"}}\'`); `pyramid run`'
            " picks one itself"
        )


def _is_month(key: str) -> bool:
    try:
        return dt.date.fromisoformat(key).day == 1
    except ValueError:
        return False


def _check_market_population(con: duckdb.DuckDBPyConnection, settings: PyramidSettings) -> None:
    """A market smaller than the people the inputs already name cannot be right: refused now, not by a dbt
    test after the whole build."""
    if settings.market_population is None:
        return
    from orchestration.validate.independent import people_named

    named = people_named(con)
    if settings.market_population < named:
        people = f"{named:,} {'person' if named == 1 else 'people'}"
        raise SettingsError(
            f"--market-population {settings.market_population:,} is smaller than the {people} the inputs"
            f" already name by {settings.as_of_date} (customers, prospects and the market list); give at"
            f" least {named:,}, or leave it out to keep `rest` unknown"
        )

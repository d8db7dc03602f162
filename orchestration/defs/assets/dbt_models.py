"""Every dbt model as an asset (dagster-dbt), built with `dbt build` into the run's build file.

dbt's tests become asset checks. After dbt finishes (DuckDB allows one writer, so not while it runs) each
model's materialization gets its row count, and the tier asset the pyramid as a Markdown table. With
`--target spark` dbt builds on Spark and the tables Spark wrote are first copied into the build file
(orchestration/build/spark.py), so every step after this one is the same for both engines. The dbt unit
tests run when the code they test changed since they last passed (orchestration/build/unit_tests.py).
"""

import json
from collections.abc import Mapping
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, MetadataValue, Output
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from orchestration.build.failures import DbtBuildError, failure_message
from orchestration.build.history import checked_from_vars
from orchestration.build.in_process import DEFAULT_TARGET as DUCKDB_TARGET
from orchestration.build.in_process import DbtInvocationError, dbt_build, parsed_manifest
from orchestration.build.lineage import load_manifest, unit_test_signature
from orchestration.build.project import prepare_manifest, pyramid_dbt_project
from orchestration.build.spark import (
    DUCKDB_PASS,
    SPARK_TARGET,
    SPARK_TARGETS,
    built_tables,
    check_spark_available,
    copy_spark_tables,
    prepare_spark_build,
)
from orchestration.build.unit_tests import all_passed, record_passed, skip_args
from orchestration.core.duckdb_reader import connect_read_only
from orchestration.core.warehouse_files import build_temp_dir
from orchestration.defs.partitions import as_of_months
from orchestration.defs.resources import PyramidResource
from orchestration.defs.run_settings import hold_warehouse, run_settings
from orchestration.report.text import (
    format_action_summary_markdown,
    format_backtest_markdown,
    format_candidates_markdown,
    format_forecast_markdown,
    format_outlook_pyramid_markdown,
    format_pyramid_markdown,
    read_action_summary,
    read_backtest,
    read_candidates,
    read_forecast,
    read_outlook_pyramid,
    read_pyramid,
)

OWNER = "team:analytics-engineering"
# Asset → (metadata key, reader, Markdown table) shown on its materialization (orchestration/report/text.py).
TABLE_METADATA = {
    "customer_tiers": ("pyramid", read_pyramid, lambda pyramid: format_pyramid_markdown(*pyramid)),
    "pyramid_forecast": ("pyramid_ahead", read_forecast, format_forecast_markdown),
    "customer_outlook": ("pyramid_at_horizon", read_outlook_pyramid, format_outlook_pyramid_markdown),
    "outlook_backtest": ("backtest", read_backtest, format_backtest_markdown),
    "outlook_candidates": ("candidates", read_candidates, format_candidates_markdown),
    "customer_actions": ("actions", read_action_summary, format_action_summary_markdown),
}


class PyramidTranslator(DagsterDbtTranslator):
    """Keys are model names (sources: raw_<table>), groups are the dbt folders, owners from the dbt YAML.

    The per-attribute methods, not `get_asset_spec`: dagster-dbt 0.29 still calls `get_asset_key` directly
    where it maps dbt's events and upstream nodes to assets (dbt_cli_event.py, asset_utils.py), so a key set
    only in `get_asset_spec` would name the assets one way and their test results another. Its
    `get_asset_spec` builds every spec from these methods.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(f"raw_{dbt_resource_props['name']}")
        return AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        folders = dbt_resource_props.get("fqn", [])[1:-1]
        return folders[0] if folders else "dbt"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        owner = (dbt_resource_props.get("meta") or {}).get("owner")
        return [owner or OWNER]


@dbt_assets(
    manifest=prepare_manifest(),
    project=pyramid_dbt_project,
    dagster_dbt_translator=PyramidTranslator(DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    partitions_def=as_of_months,
)
def pyramid_dbt_models(context: AssetExecutionContext, pyramid: PyramidResource):
    hold_warehouse(context, pyramid)
    run = run_settings(context, pyramid)
    with connect_read_only(run.build_file) as con:
        checked_from = checked_from_vars(con)
    dbt_vars = {
        **run.settings.dbt_vars(),
        **run.settings.duckdb_vars(run.build_file, build_temp_dir(run.build_file)),
        **checked_from,
    }
    target_path = run.build_file.parent / "dbt"
    spark = None
    target = run.settings.target
    if target in SPARK_TARGETS:
        check_spark_available(target)
        spark = prepare_spark_build(run.build_file, target)
    unit_tests = unit_test_signature(load_manifest(), run.settings.target, run.settings.dbt_vars())
    args = ["--vars", json.dumps(dbt_vars), *skip_args(unit_tests)]
    passes = [(target_path, run.settings.target, {})]
    if spark is not None:
        passes = [
            (target_path, target, {"exclude": DUCKDB_PASS}),
            (target_path / "duckdb_pass", DUCKDB_TARGET, {"within": DUCKDB_PASS}),
        ]
    events = []
    for pass_path, target, selection in passes:
        # The local session may hold an earlier build's tables (it lives as long as the process): every
        # table is built whole.
        pass_args = [*args, "--full-refresh"] if target == SPARK_TARGET else args
        if pass_path != target_path:  # after the Spark pass
            built = built_tables(target_path / "run_results.json", parsed_manifest(target))
            copied = copy_spark_tables(spark, run.build_file, built)
            context.log.info(f"copied from Spark: {', '.join(copied)}")
        try:
            build = dbt_build(
                context, pass_args, target_path=pass_path, echo=pyramid.echo_dbt, target=target, **selection
            )
            events += build
        except DbtInvocationError as error:
            raise DbtBuildError(failure_message(pass_path)) from error
    # On Spark, the unit tests are split between the two passes.
    if all_passed([path / "run_results.json" for path, _, _ in passes], load_manifest()):
        record_passed(unit_tests)
    counts = _row_counts(run.build_file)
    for event in events:
        if isinstance(event, Output) and event.output_name in counts:
            metadata = {"dagster/row_count": counts[event.output_name]}
            if event.output_name in TABLE_METADATA:
                key, read, show = TABLE_METADATA[event.output_name]
                metadata[key] = MetadataValue.md(show(read(run.build_file)))
            event = event.with_metadata({**event.metadata, **metadata})
        yield event


def _row_counts(build_file) -> dict[str, int]:
    with duckdb.connect(str(build_file), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in ('intermediate', 'marts')"
        ).fetchall()
        return {
            table: con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in tables
        }

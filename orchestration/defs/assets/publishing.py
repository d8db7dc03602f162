"""Publish the validated build for BI, and keep a copy of it in the history; then report the pyramid."""

from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.build.lineage import load_manifest, mart_models, serving_csv_per, serving_file_per
from orchestration.build.spark import CLUSTER_TARGET
from orchestration.core import progress
from orchestration.core.duckdb_reader import connect_read_only
from orchestration.core.paths import MARTS_SCHEMA
from orchestration.core.warehouse_files import finish_build, published_path, report_dir, serving_dir
from orchestration.defs.partitions import as_of_months
from orchestration.defs.resources import PyramidResource
from orchestration.defs.run_settings import hold_warehouse, release_warehouse, run_settings
from orchestration.publish.cluster import publish_on_cluster
from orchestration.publish.warehouse import (
    export_parquet,
    keep_copy,
    keep_dbt_artifacts,
    publish_with_parquet,
)
from orchestration.report.text import format_pyramid, format_pyramid_markdown, read_pyramid

# The tables BI reads: every model of schema marts in dbt's manifest.
MARTS = tuple(mart_models(load_manifest()))
# The marts served as one Parquet file per period (the tier history): mart → column.
SERVING_FILE_PER = serving_file_per(load_manifest())
SERVING_CSV_PER = serving_csv_per(load_manifest())


def _as_of(duckdb_path: Path):
    with connect_read_only(duckdb_path) as con:
        return con.execute(f"select max(as_of_date) from {MARTS_SCHEMA}.pyramid_summary").fetchone()[0]


def history_path(warehouse_dir: Path, as_of) -> Path:
    return warehouse_dir / "history" / f"as_of={as_of}" / "pyramid.duckdb"


@asset(
    deps=list(MARTS),
    group_name="serving",
    partitions_def=as_of_months,
    kinds={"duckdb"},
    description=(
        "The validated warehouse, moved into place for BI (warehouse/pyramid.duckdb, schema marts, and"
        " Parquet files in warehouse/serving/current/) when it is the latest pyramid; every validated build"
        " is also kept in warehouse/history/as_of=<date>/."
    ),
)
def published(context: AssetExecutionContext, pyramid: PyramidResource) -> MaterializeResult:
    hold_warehouse(context, pyramid)
    run = run_settings(context, pyramid)
    as_of = _as_of(run.build_file)
    current = published_path(pyramid.warehouse)
    replaces = pyramid.publish_older or not current.exists() or _as_of(current) <= as_of
    progress.phase(
        "publishing the warehouse and its Parquet copies" if replaces else "keeping the history copy"
    )
    parquet = {}
    if replaces:
        version = export_parquet(
            run.build_file, pyramid.warehouse, context.run.run_id, MARTS, SERVING_FILE_PER, SERVING_CSV_PER
        )
        files = list(version.rglob("*.parquet"))
        # A file linked from the previous version has a second name there.
        parquet = {
            "parquet_files": len(files),
            "parquet_files_reused": sum(f.stat().st_nlink > 1 for f in files),
            "csv_files": len(list(version.rglob("*.csv"))),
        }
        if run.settings.target == CLUSTER_TARGET:
            # First: when it fails, the DuckDB file and Parquet copies stay on the previous build too.
            progress.phase("publishing on the Spark cluster")
            switched = publish_on_cluster(run.build_file, MARTS)
            context.log.info(f"published on the cluster: {', '.join(switched)}")
            parquet["cluster_views"] = len(switched)
        publish_with_parquet(run.build_file, pyramid.warehouse, version)
    else:
        context.log.info(f"{current} holds a later pyramid; as of {as_of} is kept in the history only")
    # Only once published: a build killed before this point has changed no history either.
    kept = keep_copy(current if replaces else run.build_file, history_path(pyramid.warehouse, as_of))
    dbt_artifacts = keep_dbt_artifacts(pyramid.warehouse, context.run.run_id)
    finish_build(pyramid.warehouse, context.run.run_id)
    return MaterializeResult(
        metadata={
            "as_of_date": str(as_of),
            "published": replaces,
            "warehouse": MetadataValue.path(str(current)),
            "parquet": MetadataValue.path(str(serving_dir(pyramid.warehouse) / "current")),
            "history_copy": MetadataValue.path(str(kept)),
            "dbt_run_results": MetadataValue.path(str(dbt_artifacts / "run_results.json")),
            **parquet,
        }
    )


@asset(
    deps=[published],
    group_name="serving",
    partitions_def=as_of_months,
    description=(
        "The pyramid for people who would rather look than read: a self-contained HTML page and a PNG"
        " (pyramid, migration heatmap, tier trend, revenue concentration) in the language of"
        " PYRAMID_REPORT_LANGUAGE (en, ar, pl), plus Markdown and text tables, in warehouse/report/."
    ),
)
def pyramid_report(context: AssetExecutionContext, pyramid: PyramidResource) -> MaterializeResult:
    from orchestration.report.writer import (
        write_picture_report,  # matplotlib: only when a report is drawn
    )

    hold_warehouse(context, pyramid)
    progress.phase("drawing the report")
    try:
        return _write_report(pyramid, write_picture_report)
    finally:
        release_warehouse(context, pyramid)  # the run's last step


def _write_report(pyramid: PyramidResource, write_picture_report) -> MaterializeResult:
    warehouse = published_path(pyramid.warehouse)
    as_of, levels = read_pyramid(warehouse)
    folder = report_dir(pyramid.warehouse)
    folder.mkdir(parents=True, exist_ok=True)
    markdown = format_pyramid_markdown(as_of, levels)
    (folder / "pyramid.md").write_text(markdown + "\n")
    (folder / "pyramid.txt").write_text(format_pyramid(as_of, levels) + "\n")
    language = pyramid.settings().report_language
    files = write_picture_report(warehouse, folder, language)
    return MaterializeResult(
        metadata={
            "pyramid": MetadataValue.md(markdown),
            "report": MetadataValue.path(str(files.html)),
            "picture": MetadataValue.path(str(files.png)),
            "language": language,
        }
    )

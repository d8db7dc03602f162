"""Publishing on the cluster (`--target spark_cluster`): readers there see validated marts only.

dbt builds the marts into the cluster's schema `marts`, a work area that readers are not pointed at: a table
there is replaced as dbt builds it, before anything is validated. Once the build has passed every check,
each mart is copied into a version of its own in the published schema (`PYRAMID_SPARK_PUBLISHED_SCHEMA`,
default `pyramid`), `<mart>__v<stamp>`, and only then is the reader's name, the view `pyramid.<mart>`,
switched to the new version: `create or replace view` is one metastore operation, so a reader sees the old
table or the new one, never a half-written or an unvalidated one. The marts dbt built on the cluster are
copied there by the cluster (`create table … as select`); the ones built in the DuckDB pass (the outlook's,
after the Python models) are sent from the validated build file through Spark Connect, as Arrow: one row per
customer at most per period, never per sales line. The version before the current one is kept, for a reader
whose query started before the switch; older ones are dropped.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import duckdb

from orchestration.build.failures import DbtBuildError
from orchestration.build.lineage import contracted_columns, load_manifest
from orchestration.build.spark import connect_session, first_line
from orchestration.core.paths import MARTS_SCHEMA

DEFAULT_PUBLISHED_SCHEMA = "pyramid"
VERSION_SEPARATOR = "__v"
KEPT_VERSIONS = 2


def published_schema() -> str:
    return os.environ.get("PYRAMID_SPARK_PUBLISHED_SCHEMA", DEFAULT_PUBLISHED_SCHEMA)


def built_in_duckdb(build_folder: Path) -> set[str]:
    """The models the build's DuckDB pass built (its run_results.json): they exist only in the build file."""
    results = build_folder / "dbt" / "duckdb_pass" / "run_results.json"
    if not results.exists():
        return set()
    return {
        result["unique_id"].split(".")[-1]
        for result in json.loads(results.read_text())["results"]
        if result["unique_id"].startswith("model.")
    }


def publish_on_cluster(build_file: Path, marts: tuple[str, ...]) -> list[str]:
    """Copy every mart into a new version in the published schema, then switch each reader's view to it;
    returns the views switched. A failure before the switches leaves every view on the previous build."""
    try:
        return _publish(build_file, marts)
    except Exception as error:  # the cluster's own errors (Spark Connect, gRPC): one line, no traceback
        raise DbtBuildError(f"publishing on the Spark cluster failed: {first_line(error)}") from error


def _publish(build_file: Path, marts: tuple[str, ...]) -> list[str]:
    from pyspark.sql.pandas.types import from_arrow_schema

    session = connect_session()
    schema = published_schema()
    session.sql(f"create schema if not exists `{schema}`")
    version = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + f"{time.time_ns() % 10**6:06d}"
    from_duckdb = built_in_duckdb(build_file.parent)
    contracts = contracted_columns(load_manifest())
    with duckdb.connect(str(build_file), read_only=True) as con:
        for mart in marts:
            table = f"`{schema}`.`{mart}{VERSION_SEPARATOR}{version}`"
            if mart in from_duckdb:
                arrow = con.sql(f'select * from {MARTS_SCHEMA}."{mart}"').to_arrow_table()
                # The schema from Arrow's: Spark cannot infer one from an empty mart (no action today).
                frame = session.createDataFrame(arrow, schema=from_arrow_schema(arrow.schema))
                frame.write.format("parquet").saveAsTable(table)
            else:
                session.catalog.refreshTable(f"{MARTS_SCHEMA}.`{mart}`")  # rebuilt by dbt through Thrift
                # The contract's column order (a partitioned table keeps its partition column last).
                columns = ", ".join(f"`{column}`" for column, _ in contracts.get(mart, [])) or "*"
                session.sql(
                    f"create table {table} using parquet as select {columns} from {MARTS_SCHEMA}.`{mart}`"
                )
    for mart in marts:
        session.sql(
            f"create or replace view `{schema}`.`{mart}` as"
            f" select * from `{schema}`.`{mart}{VERSION_SEPARATOR}{version}`"
        )
    _drop_old_versions(session, schema, marts)
    return [f"{schema}.{mart}" for mart in marts]


def _drop_old_versions(session, schema: str, marts: tuple[str, ...]) -> None:
    names = [row.tableName for row in session.sql(f"show tables in `{schema}`").collect()]
    for mart in marts:
        versions = sorted(name for name in names if name.startswith(f"{mart}{VERSION_SEPARATOR}"))
        for old in versions[:-KEPT_VERSIONS]:
            session.sql(f"drop table if exists `{schema}`.`{old}`")

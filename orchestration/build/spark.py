"""The dbt build on Apache Spark: the same models, another engine, the same checks after.

Two targets. `--target spark`: a local Spark session in this process (development). `--target spark_cluster`:
a Spark cluster, dbt through its Thrift server and the pipeline's own Spark work through Spark Connect (see
`ClusterEndpoints`; orchestration/build/local_cluster.py starts one on this machine).

The local session:

Spark reads no DuckDB file, so the raw tables the loader checked and landed are exported as Parquet folders
(`<build folder>/spark/raw/<table>/`), which the project's on-run-start hook registers as Spark tables of
schema `raw` (macro `register_raw_tables`). dbt then builds every model, in this process, in a local Spark
session whose warehouse (Parquet tables) and Derby metastore live in a temporary folder of this process (see
profiles.yml), so nothing lands in the working directory. The session, its JVM and that folder live as long
as the process: the JVM starts once however many Spark builds the process runs, and each build replaces every
table it builds (`--full-refresh`). Afterwards the tables Spark wrote are read through the session and copied
into the run's DuckDB build file, where the Great Expectations suites validate them and from where they are
published, exactly as after a DuckDB build.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shutil
import socket
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import duckdb

from orchestration.build.failures import DbtBuildError
from orchestration.build.lineage import contracted_columns, load_manifest, python_pass_inputs
from orchestration.core.paths import CONTACTS_TABLE, MARTS_SCHEMA, RAW_SCHEMA
from orchestration.core.raw_sql import sql_string

SPARK_TARGET = "spark"
CLUSTER_TARGET = "spark_cluster"
SPARK_TARGETS = (SPARK_TARGET, CLUSTER_TARGET)
# dbt runs Python models on Spark only on Databricks: on the Spark target, the Python models and every node
# after them are built on DuckDB, in the build file, once Spark's tables are copied into it (a second pass).
DUCKDB_PASS = "tag:python+"
# Schemas whose tables dbt builds (staging models are views: nothing to copy back).
BUILT_SCHEMAS = ("intermediate", "marts")
# PySpark 4.3 warns on import that it does not fully support pandas 3; dbt-spark's session uses no pandas.
PYSPARK_PANDAS_WARNING = "PySpark does not yet fully support pandas"
LOG_CONFIG = Path(__file__).parent / "spark_conf" / "log4j2.properties"
# Rows per fetch of a table from a cluster (PYRAMID_SPARK_FETCH_ROWS; see _in_parts).
FETCH_ROWS = 500_000


@cache
def session_dir() -> Path:
    """The folder of this process's Spark session (warehouse, metastore, scratch), removed when it ends.

    Spark fixes these locations when the session starts, so they belong to the process, not to a build.
    """
    folder = Path(tempfile.mkdtemp(prefix="pyramid-spark-"))
    atexit.register(remove_session_dir)
    return folder


def remove_session_dir() -> None:
    """Remove the session folder, if this process made one (also called by the CLI, which skips atexit)."""
    if session_dir.cache_info().currsize:
        shutil.rmtree(session_dir(), ignore_errors=True)


@dataclass(frozen=True)
class SparkBuild:
    """The folders of one Spark build: the raw tables inside the run's build folder, the tables Spark
    writes in the session's warehouse."""

    root: Path
    target: str = SPARK_TARGET

    @property
    def raw_dir(self) -> Path:
        """Where the raw tables are exported: the build folder for the local session, the cluster's landing
        folder (one every node reads) for a cluster."""
        if self.target == CLUSTER_TARGET:
            return ClusterEndpoints.from_environment().landing_dir / "raw"
        return self.root / "raw"

    def environment(self) -> dict[str, str]:
        """What profiles.yml and the on-run-start hook read."""
        return {
            "PYRAMID_SPARK_DIR": str(session_dir()),
            "PYRAMID_SPARK_RAW_DIR": str(self.raw_dir),
            "PYRAMID_SPARK_LOG_CONFIG": str(LOG_CONFIG),
            # Plain Parquet: tables are read back from their folders (a Delta folder holds old versions too).
            "PYRAMID_SPARK_FILE_FORMAT": "parquet",
        }


@dataclass(frozen=True)
class ClusterEndpoints:
    """Where `--target spark_cluster` finds its cluster: environment variables, read here and (the Thrift
    server's) by profiles.yml's `spark_cluster` output, with the same defaults."""

    thrift_host: str
    thrift_port: int
    connect_url: str
    landing_dir: Path

    @classmethod
    def from_environment(cls) -> ClusterEndpoints:
        landing = os.environ.get("PYRAMID_SPARK_LANDING_DIR", "")
        if not landing:
            raise DbtBuildError(
                "--target spark_cluster needs PYRAMID_SPARK_LANDING_DIR: a folder this machine writes and"
                " every node of the cluster reads (the raw tables are landed there)"
            )
        try:
            port = int(os.environ.get("PYRAMID_SPARK_PORT", "10000"))
        except ValueError:
            raise DbtBuildError(
                f"PYRAMID_SPARK_PORT must be a port number; got {os.environ['PYRAMID_SPARK_PORT']!r}"
            ) from None
        return cls(
            thrift_host=os.environ.get("PYRAMID_SPARK_HOST", "localhost"),
            thrift_port=port,
            connect_url=os.environ.get("PYRAMID_SPARK_CONNECT_URL", "sc://localhost:15002"),
            landing_dir=Path(landing).absolute(),
        )

    def check_answering(self) -> None:
        """Fail at once, naming the setting, when the Thrift or the Connect server does not answer."""
        connect = urlparse(self.connect_url)
        servers = (
            ("Thrift", self.thrift_host, self.thrift_port, "PYRAMID_SPARK_HOST, PYRAMID_SPARK_PORT"),
            ("Spark Connect", connect.hostname or "", connect.port or 15002, "PYRAMID_SPARK_CONNECT_URL"),
        )
        for name, host, port, variables in servers:
            try:
                socket.create_connection((host, port), timeout=5).close()
            except OSError as error:
                raise DbtBuildError(
                    f"--target spark_cluster: no {name} server answers at {host}:{port} ({variables}):"
                    f" {error}"
                ) from None


def check_spark_available(target: str = SPARK_TARGET) -> None:
    """Fail before any work when the optional Spark dependencies, Java (a local session) or the cluster's
    servers (a cluster) are missing."""
    modules = ("pyspark", "dbt.adapters.spark")
    if target == CLUSTER_TARGET:
        modules += ("pyhive", "grpc")
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise DbtBuildError(
            f"--target {target} needs the optional Spark dependencies ({', '.join(missing)} not installed):"
            " pip install '.[spark]' (or uv sync --extra spark)"
        )
    if target == CLUSTER_TARGET:
        ClusterEndpoints.from_environment().check_answering()
        return
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and (Path(java_home) / "bin" / "java").exists()):
        raise DbtBuildError("--target spark needs Java 17 or later (java on PATH, or JAVA_HOME)")


def prepare_spark_build(build_file: Path, target: str = SPARK_TARGET) -> SparkBuild:
    """Export the build file's raw tables as Parquet folders for Spark and point profiles.yml and the hook at
    them; returns the build's folders."""
    warnings.filterwarnings("ignore", message=PYSPARK_PANDAS_WARNING, category=FutureWarning)
    # Absolute: Spark resolves a relative folder against its own working directory (`--warehouse wh`).
    build = SparkBuild(build_file.parent.absolute() / "spark", target)
    shutil.rmtree(build.root, ignore_errors=True)
    shutil.rmtree(build.raw_dir, ignore_errors=True)  # the cluster's landing folder: this build's tables only
    build.raw_dir.mkdir(parents=True)
    with duckdb.connect(str(build_file), read_only=True) as con:
        tables = _tables(con, (RAW_SCHEMA,))
        for _, table in tables:
            if f"{RAW_SCHEMA}.{table}" == CONTACTS_TABLE:  # personal data dbt never reads stays here
                continue
            folder = build.raw_dir / table
            folder.mkdir()
            con.execute(
                f'copy {RAW_SCHEMA}."{table}" to {sql_string(folder / "part-0.parquet")} (format parquet)'
            )
    environment = build.environment()
    if target == CLUSTER_TARGET:  # the cluster has its own warehouse and metastore
        environment = {"PYRAMID_SPARK_RAW_DIR": str(build.raw_dir)}
    os.environ.update(environment)
    return build


def copy_spark_tables(build: SparkBuild, build_file: Path, built: list[tuple[str, str]]) -> list[str]:
    """Make the build file's dbt schemas hold exactly the tables Spark wrote; returns their names.

    `built`: the (schema, table) of every model the Spark pass materialized as a table. Models that are views
    on Spark (staging, int_customer_history_next) are read by nothing downstream of dbt and are not copied.
    From a cluster only the marts and what the DuckDB pass reads come back: tables of customers, at most one
    row per customer and period, never of sales lines.
    """
    with duckdb.connect(str(build_file)) as con:
        for schema in ("staging", *BUILT_SCHEMAS):
            con.execute(f"drop schema if exists {schema} cascade")
        contracts = contracted_columns(load_manifest())
        if build.target == CLUSTER_TARGET:
            needed = python_pass_inputs(load_manifest())
            wanted = [(schema, name) for schema, name in built if schema == MARTS_SCHEMA or name in needed]
            return _copy_from_cluster(con, wanted, contracts)
        # Through the session, not from its folders: a partitioned table (an incremental model) keeps its
        # files in `<column>=<value>/` folders, and an empty one has none.
        return _copy_tables(con, local_session(), built, contracts)


def local_session():
    """The local Spark session dbt-spark's `method: session` started in this process."""
    from pyspark.sql import SparkSession

    return SparkSession.builder.getOrCreate()


def _copy_from_cluster(
    con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]], contracts: dict[str, list]
) -> list[str]:
    """Copy the cluster's tables through Spark Connect, as Arrow batches, into the build file's schemas, the
    marts' columns in their contract's order (Spark keeps a partitioned table's partition column last)."""
    try:
        session = connect_session()
        return _copy_tables(con, session, tables, contracts)
    except duckdb.Error:
        raise
    except Exception as error:  # the cluster's own errors (Spark Connect, gRPC): one line, no traceback
        message = f"reading the built tables from the Spark cluster failed: {first_line(error)}"
        raise DbtBuildError(message) from error


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _copy_tables(
    con: duckdb.DuckDBPyConnection, session, tables: list[tuple[str, str]], contracts: dict[str, list]
) -> list[str]:
    copied = []
    for schema in sorted({schema for schema, _ in tables}):
        con.execute(f"create schema {schema}")
    rows_per_fetch = int(os.environ.get("PYRAMID_SPARK_FETCH_ROWS", FETCH_ROWS))
    for schema, table in tables:
        # dbt replaced the table through the Thrift server, another application: this one may still hold
        # the old table's file list.
        session.catalog.refreshTable(f"{schema}.`{table}`")
        whole = session.table(f"{schema}.`{table}`")
        if schema == MARTS_SCHEMA and table in contracts:
            whole = whole.select(*[f"`{column}`" for column, _ in contracts[table]])
        for part, frame in _in_parts(whole, rows_per_fetch):
            con.register("spark_table", frame.toArrow())
            try:
                select = _duckdb_columns(con, "select * from spark_table")
                if part == 0:
                    con.execute(f'create table {schema}."{table}" as select {select} from spark_table')
                else:
                    con.execute(f'insert into {schema}."{table}" select {select} from spark_table')
            finally:
                con.unregister("spark_table")
        copied.append(f"{schema}.{table}")
    return copied


def _in_parts(frame, rows_per_fetch: int):
    """The table in parts of about `rows_per_fetch` rows, by a hash of every column: a whole large table in
    one fetch is one task result per file, held whole by an executor (at 10M sales lines the tier history's
    killed a 768 MB executor), and whole in this process."""
    parts = max(1, -(-frame.count() // rows_per_fetch))
    if parts == 1:
        yield 0, frame
        return
    # SQL text, not pyspark.sql.functions: those take a Connect session's frame for a local one.
    columns = ", ".join(f"`{name}`" for name in frame.columns)
    for part in range(parts):
        yield part, frame.where(f"pmod(hash({columns}), {parts}) = {part}")


def built_tables(run_results: Path, manifest) -> list[tuple[str, str]]:
    """The (schema, table) of every model a Spark pass built as a table: its run_results.json's successful
    models, looked up in the target's parsed manifest."""
    results = json.loads(run_results.read_text())["results"]
    tables = []
    for result in results:
        node = manifest.nodes.get(result["unique_id"])
        if node is None or node.resource_type != "model" or result["status"] != "success":
            continue
        if node.config.materialized in ("table", "incremental"):
            tables.append((node.schema, node.alias))
    return tables


def connect_session():
    """This process's Spark Connect session on the cluster (PYRAMID_SPARK_CONNECT_URL), in UTC."""
    warnings.filterwarnings("ignore", message=PYSPARK_PANDAS_WARNING, category=FutureWarning)
    # Spark Connect's own session class: the generic builder refuses a remote session in a process that runs
    # a local one too (a test process, a long-lived worker that built with --target spark).
    from pyspark.sql.connect.session import SparkSession

    session = SparkSession.builder.remote(ClusterEndpoints.from_environment().connect_url).getOrCreate()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return session


def _duckdb_columns(con: duckdb.DuckDBPyConnection, paths: list[str] | str) -> str:
    """The select list that gives Spark's columns DuckDB's types: Spark timestamps are instants (written
    with the session time zone, UTC), DuckDB's models use timestamps without a zone. `paths`: Parquet files,
    or a query."""
    query = paths if isinstance(paths, str) else "select * from read_parquet(?)"
    columns = con.execute(
        f"select column_name, column_type from (describe {query})", [] if isinstance(paths, str) else [paths]
    )
    return ", ".join(
        f'timezone(\'UTC\', "{name}") as "{name}"' if kind == "TIMESTAMP WITH TIME ZONE" else f'"{name}"'
        for name, kind in columns.fetchall()
    )


def _tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in schemas)
    return con.execute(
        "select schema_name, table_name from duckdb_tables()"
        f" where schema_name in ({placeholders}) order by all",
        list(schemas),
    ).fetchall()

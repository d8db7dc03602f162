"""The dbt build on Apache Spark (`--target spark`): the same models, another engine, the same checks after.

Spark reads no DuckDB file, so the raw tables the loader checked and landed are exported as Parquet folders
(`<build folder>/spark/raw/<table>/`), which the project's on-run-start hook registers as Spark tables of
schema `raw` (macro `register_raw_tables`). dbt then builds every model, in this process, in a local Spark
session whose warehouse (Parquet tables) and Derby metastore live in a temporary folder of this process (see
profiles.yml), so nothing lands in the working directory. The session, its JVM and that folder live as long
as the process: the JVM starts once however many Spark builds the process runs, and each build replaces every
table it builds. Afterwards the Parquet tables Spark wrote are copied into the run's DuckDB build file, where
the Great Expectations suites validate them and from where they are published, exactly as after a DuckDB
build.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from orchestration.build.failures import DbtBuildError
from orchestration.core.paths import RAW_SCHEMA
from orchestration.core.raw_sql import sql_string

SPARK_TARGET = "spark"
# dbt runs Python models on Spark only on Databricks: on the Spark target, the Python models and every node
# after them are built on DuckDB, in the build file, once Spark's tables are copied into it (a second pass).
DUCKDB_PASS = "tag:python+"
# Schemas whose tables dbt builds (staging models are views: nothing to copy back).
BUILT_SCHEMAS = ("intermediate", "marts")
# PySpark 4.3 warns on import that it does not fully support pandas 3; dbt-spark's session uses no pandas.
PYSPARK_PANDAS_WARNING = "PySpark does not yet fully support pandas"
LOG_CONFIG = Path(__file__).parent / "spark_conf" / "log4j2.properties"


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

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def tables_dir(self) -> Path:
        """spark.sql.warehouse.dir: a folder `<schema>.db/<table>/` of Parquet files per table."""
        return session_dir() / "tables"

    def environment(self) -> dict[str, str]:
        """What profiles.yml and the on-run-start hook read."""
        return {
            "PYRAMID_SPARK_DIR": str(session_dir()),
            "PYRAMID_SPARK_RAW_DIR": str(self.raw_dir),
            "PYRAMID_SPARK_LOG_CONFIG": str(LOG_CONFIG),
            # Plain Parquet: tables are read back from their folders (a Delta folder holds old versions too).
            "PYRAMID_SPARK_FILE_FORMAT": "parquet",
        }


def check_spark_available() -> None:
    """Fail before any work when the optional Spark dependencies or Java are missing."""
    missing = [name for name in ("pyspark", "dbt.adapters.spark") if importlib.util.find_spec(name) is None]
    if missing:
        raise DbtBuildError(
            f"--target spark needs the optional Spark dependencies ({', '.join(missing)} not installed):"
            " pip install '.[spark]' (or uv sync --extra spark)"
        )
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and (Path(java_home) / "bin" / "java").exists()):
        raise DbtBuildError("--target spark needs Java 17 or later (java on PATH, or JAVA_HOME)")


def prepare_spark_build(build_file: Path) -> SparkBuild:
    """Export the build file's raw tables as Parquet folders for Spark and point profiles.yml and the hook at
    them; returns the build's folders."""
    warnings.filterwarnings("ignore", message=PYSPARK_PANDAS_WARNING, category=FutureWarning)
    build = SparkBuild(build_file.parent / "spark")
    shutil.rmtree(build.root, ignore_errors=True)
    build.raw_dir.mkdir(parents=True)
    with duckdb.connect(str(build_file), read_only=True) as con:
        tables = _tables(con, (RAW_SCHEMA,))
        for _, table in tables:
            folder = build.raw_dir / table
            folder.mkdir()
            con.execute(
                f'copy {RAW_SCHEMA}."{table}" to {sql_string(folder / "part-0.parquet")} (format parquet)'
            )
    os.environ.update(build.environment())
    return build


def copy_spark_tables(build: SparkBuild, build_file: Path) -> list[str]:
    """Make the build file's dbt schemas hold exactly the tables Spark wrote; returns their names.

    Models that are views on Spark (staging, int_customer_history_next) are read by nothing downstream of dbt
    and are not copied.
    """
    copied = []
    with duckdb.connect(str(build_file)) as con:
        for schema in ("staging", *BUILT_SCHEMAS):
            con.execute(f"drop schema if exists {schema} cascade")
        for schema in BUILT_SCHEMAS:
            con.execute(f"create schema {schema}")
            folder = build.tables_dir / f"{schema}.db"
            for table_dir in sorted(folder.iterdir()) if folder.is_dir() else []:
                files = sorted(table_dir.glob("*.parquet"))
                if not files:
                    raise DbtBuildError(
                        f"{table_dir}: Spark wrote no Parquet file for {schema}.{table_dir.name}"
                    )
                paths = [str(path) for path in files]
                con.execute(
                    f'create table {schema}."{table_dir.name}" as'
                    f" select {_duckdb_columns(con, paths)} from read_parquet(?)",
                    [paths],
                )
                copied.append(f"{schema}.{table_dir.name}")
    return copied


def _duckdb_columns(con: duckdb.DuckDBPyConnection, paths: list[str]) -> str:
    """The select list that gives Spark's columns DuckDB's types: Spark timestamps are instants (written
    with the session time zone, UTC), DuckDB's models use timestamps without a zone."""
    columns = con.execute(
        "select column_name, column_type from (describe select * from read_parquet(?))", [paths]
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

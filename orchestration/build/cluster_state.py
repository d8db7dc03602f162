"""The incremental tables a Spark cluster keeps between builds, and which build wrote them last.

On `--target spark_cluster` the incremental models (orchestration/build/history.py) live on the cluster, not
in the run's DuckDB file: dbt extends them in place, before the build is validated. A build that then fails
validation, or dies, leaves them ahead of the published pyramid. So each build writes its own id into a
one-row table on the cluster (`OWNER_TABLE`) before dbt touches them, and records the same id with its
decision (raw.history_build, `cluster_tables_written_by`). The next build extends the cluster's tables only
when their owner is the build that was published; otherwise it drops them and dbt builds them whole.
"""

from __future__ import annotations

import uuid

from orchestration.build.failures import DbtBuildError
from orchestration.build.spark import ClusterEndpoints, connect_session, first_line

OWNER_TABLE = "intermediate.pyramid_incremental_owner"


class ClusterTables:
    """The incremental tables on the cluster, as history.py's decision sees them."""

    def __init__(self, session) -> None:
        self._session = session
        # Why the cluster's incremental tables were dropped on opening (None: kept for the decision).
        self.dropped_because: str | None = None

    @classmethod
    def open(cls, published_owner: str | None, incremental: tuple[str, ...]) -> ClusterTables:
        """The cluster's tables, with every one of `incremental` dropped unless the build that wrote them
        last is the published one (`published_owner`)."""
        ClusterEndpoints.from_environment().check_answering()
        tables = cls(_on_cluster(connect_session))
        owner = tables.owner()
        if owner is None or owner != published_owner:
            for table in incremental:
                tables.drop(table)
            tables.dropped_because = (
                "no build wrote the cluster's tables yet"
                if owner is None
                else "the cluster's tables were written by a build that was not published"
            )
        return tables

    def exists(self, table: str) -> bool:
        return _on_cluster(self._session.catalog.tableExists, table)

    def drop(self, table: str) -> None:
        _on_cluster(self._session.sql, f"drop table if exists {table}")

    def owner(self) -> str | None:
        if not self.exists(OWNER_TABLE):
            return None
        rows = _on_cluster(lambda: self._session.table(OWNER_TABLE).collect())
        return rows[0]["written_by"] if len(rows) == 1 else None

    def take_over(self) -> str:
        """Make this build the owner of the cluster's incremental tables; returns its id.

        Dropped first: a build that dies between the two statements leaves no owner, which no published
        build matches.
        """
        build_id = uuid.uuid4().hex
        schema = OWNER_TABLE.split(".")[0]
        _on_cluster(self._session.sql, f"create schema if not exists {schema}")
        self.drop(OWNER_TABLE)
        _on_cluster(
            self._session.sql,
            f"create table {OWNER_TABLE} using parquet as select '{build_id}' as written_by,"
            " current_timestamp() as written_at",
        )
        return build_id


def _on_cluster(call, *args):
    """Call the cluster; its errors (Spark Connect, gRPC) become one line naming the step."""
    try:
        return call(*args)
    except DbtBuildError:
        raise
    except Exception as error:
        message = f"reading the incremental tables' state on the Spark cluster failed: {first_line(error)}"
        raise DbtBuildError(message) from error

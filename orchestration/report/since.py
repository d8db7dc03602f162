"""What changed since the last build: the report's section for a marketer opening it each morning.

The previous build is the latest one the warehouse kept in its history with an earlier as-of date
(`warehouse/history/as_of=<date>/pyramid.duckdb`, every validated build). Both are read as they were
published: the customers' pyramid levels (marts.customers) and window revenue (marts.customer_activity),
and the action lists (marts.customer_actions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.core.raw_sql import sql_string
from orchestration.report.data import TIERS

# Levels from the top down; a customer the previous build did not know comes `new`.
ORDER = (*TIERS, "inactive", "prospect")
TOP_AND_BIG = ("top", "big")
LISTED = 20  # customers shown of those who entered or left top and big


@dataclass(frozen=True)
class SinceLastBuild:
    previous_as_of: dt.date
    # (customer_id, level before or "new", level now, window revenue before, now), by revenue at stake
    entered: list[tuple] = field(default_factory=list)
    left: list[tuple] = field(default_factory=list)
    entered_count: int = 0
    left_count: int = 0
    # movement → (customers, window revenue now minus before): the revenue bridge
    bridge: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    # action → customers on that list who were not on it in the previous build
    new_actions: dict[str, int] = field(default_factory=dict)


def previous_build(published: Path, as_of: dt.date) -> Path | None:
    """The kept build with the latest as-of date before `as_of`, if any."""
    earlier = []
    for folder in (published.parent / "history").glob("as_of=*"):
        try:
            day = dt.date.fromisoformat(folder.name.removeprefix("as_of="))
        except ValueError:
            continue
        if day < as_of and (folder / "pyramid.duckdb").exists():
            earlier.append((day, folder / "pyramid.duckdb"))
    return max(earlier)[1] if earlier else None


def read_since_last_build(published: Path, as_of: dt.date) -> SinceLastBuild | None:
    """The comparison with the previous kept build; None without one, or when that build cannot be read the
    same way (kept by an older version): the report then leaves the section out rather than fail."""
    previous = previous_build(published, as_of)
    if previous is None:
        return None
    try:
        return _compare(published, previous)
    except duckdb.Error:
        return None


def _compare(published: Path, previous: Path) -> SinceLastBuild:
    order = " ".join(f"when '{level}' then {index}" for index, level in enumerate(ORDER))
    tiers = ", ".join(f"'{tier}'" for tier in TIERS)
    top_big = ", ".join(f"'{tier}'" for tier in TOP_AND_BIG)
    with duckdb.connect(str(published), read_only=True) as con:
        con.execute(f"attach {sql_string(previous)} as previous (read_only)")
        previous_as_of = con.execute("select max(as_of_date) from previous.marts.pyramid_summary").fetchone()[
            0
        ]

        def standing(catalog: str) -> str:
            return (
                f"select customers.customer_id, customers.pyramid_level as level, activity.window_revenue"
                f" as revenue from {catalog}.marts.customers as customers"
                f" inner join {catalog}.marts.customer_activity as activity using (customer_id)"
            )

        con.execute(
            f"""
            create temp table moves as
            select
                customer_id,
                coalesce(before.level, 'new') as level_before,
                now.level as level_now,
                coalesce(before.revenue, 0) as revenue_before,
                now.revenue as revenue_now,
                case
                    when now.level in ({tiers}) and coalesce(before.level, 'new') in ('new', 'prospect')
                        then 'new'
                    when now.level in ({tiers}) and before.level = 'inactive' then 'reactivated'
                    when before.level in ({tiers}) and now.level not in ({tiers}) then 'lapsed'
                    when before.level in ({tiers}) and now.level in ({tiers})
                        and (case now.level {order} end) < (case before.level {order} end) then 'upgraded'
                    when before.level in ({tiers}) and now.level in ({tiers})
                        and (case now.level {order} end) > (case before.level {order} end) then 'downgraded'
                    else 'stayed'
                end as movement
            from ({standing(published_catalog(con))}) as now
            left join ({standing("previous")}) as before using (customer_id)
            """
        )
        entered_filter = f"level_now in ({top_big}) and level_before not in ({top_big})"
        left_filter = f"level_before in ({top_big}) and level_now not in ({top_big})"
        listing = "select customer_id, level_before, level_now, revenue_before, revenue_now from moves"
        entered = con.execute(
            f"{listing} where {entered_filter} order by revenue_now desc, customer_id limit {LISTED}"
        ).fetchall()
        left = con.execute(
            f"{listing} where {left_filter} order by revenue_before desc, customer_id limit {LISTED}"
        ).fetchall()
        entered_count, left_count = con.execute(
            f"select count(*) filter ({entered_filter}), count(*) filter ({left_filter}) from moves"
        ).fetchone()
        bridge = con.execute(
            "select movement, count(*), sum(revenue_now - revenue_before) from moves"
            " where movement != 'stayed' or revenue_now != revenue_before group by movement"
        ).fetchall()
        new_actions = con.execute(
            f"select action, count(*) from {published_catalog(con)}.marts.customer_actions as now"
            " where not exists (select 1 from previous.marts.customer_actions as before"
            " where before.customer_id = now.customer_id and before.action = now.action)"
            " group by action order by action"
        ).fetchall()
    return SinceLastBuild(
        previous_as_of=previous_as_of,
        entered=entered,
        left=left,
        entered_count=entered_count,
        left_count=left_count,
        bridge={movement: (customers, change) for movement, customers, change in bridge},
        new_actions=dict(new_actions),
    )


def published_catalog(con: duckdb.DuckDBPyConnection) -> str:
    """The catalog name of the file the connection opened (its file name without the extension)."""
    return con.execute("select current_database()").fetchone()[0]

"""Read the published pyramid and print it as a plain-text table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.core.paths import MARTS_SCHEMA


@dataclass(frozen=True)
class PyramidLevel:
    level: str
    customers: int | None
    share_of_active: Decimal | None
    revenue: Decimal | None
    share_of_revenue: Decimal | None


def read_pyramid(duckdb_path: Path) -> tuple[object, list[PyramidLevel]]:
    """(as_of_date, levels in pyramid order) from the warehouse, opened read-only and closed again."""
    if not duckdb_path.exists():
        raise FileNotFoundError(f"{duckdb_path}: no warehouse yet; run `pyramid run` first")
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        rows = con.execute(
            f"select level, customers, share_of_active, revenue, share_of_revenue, as_of_date "
            f"from {MARTS_SCHEMA}.pyramid_summary order by level_order"
        ).fetchall()
    as_of = rows[0][5] if rows else None
    return as_of, [PyramidLevel(*row[:5]) for row in rows]


def percent_text(share: Decimal | None) -> str:
    if share is None:
        return ""
    shown = f"{share * 100:.1f}"
    return f"{'0.0' if shown == '-0.0' else shown} %"


def money_text(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


def count_text(customers: int | None) -> str:
    return "unknown" if customers is None else f"{customers:,}"


def format_pyramid(as_of: object, levels: list[PyramidLevel]) -> str:
    header = ("level", "customers", "share of active", "revenue", "share of revenue")
    body = [
        (
            level.level,
            count_text(level.customers),
            percent_text(level.share_of_active),
            money_text(level.revenue),
            percent_text(level.share_of_revenue),
        )
        for level in levels
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([f"Customer pyramid as of {as_of}", line(header), rule, *map(line, body)])


def format_pyramid_markdown(as_of: object, levels: list[PyramidLevel]) -> str:
    rows = [
        f"| {level.level} | {count_text(level.customers)} | {percent_text(level.share_of_active)} "
        f"| {money_text(level.revenue)} | {percent_text(level.share_of_revenue)} |"
        for level in levels
    ]
    return "\n".join(
        [
            f"**Customer pyramid as of {as_of}**",
            "",
            "| level | customers | share of active | revenue | share of revenue |",
            "| --- | ---: | ---: | ---: | ---: |",
            *rows,
        ]
    )


def read_action_summary(duckdb_path: Path) -> list[tuple[str, int, Decimal]]:
    """(action, customers, value at stake) per action of marts.customer_actions that has any, by name."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return con.execute(
            f"select action, count(*), sum(value_at_stake) from {MARTS_SCHEMA}.customer_actions"
            " group by action order by action"
        ).fetchall()


def format_action_summary_markdown(summary: list[tuple[str, int, Decimal]]) -> str:
    rows = [f"| {action} | {count_text(count)} | {money_text(value)} |" for action, count, value in summary]
    return "\n".join(["| action | customers | value at stake |", "| --- | ---: | ---: |", *rows])


# The segments of marts.outlook_backtest in the pyramid's order.
BACKTEST_SEGMENTS = ("all", "top", "big", "medium", "small", "inactive")


def read_backtest(duckdb_path: Path) -> list[tuple]:
    """(segment, customers, predicted buyers, actual buyers, predicted revenue, actual revenue, AUC, top 10 %
    capture, cutoff date) per segment of marts.outlook_backtest, `all` first, then the pyramid's order."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        rows = con.execute(
            "select segment, customers, predicted_buyers, actual_buyers, predicted_revenue, actual_revenue,"
            f" auc_buys_again, top_decile_capture, cutoff_date from {MARTS_SCHEMA}.outlook_backtest"
        ).fetchall()
    return sorted(rows, key=lambda row: BACKTEST_SEGMENTS.index(row[0]))


def read_candidates(duckdb_path: Path) -> list[tuple]:
    """(choice rank, chosen, purchase model, spend model, revenue error %, AUC, top 10 % revenue share,
    cutoff date) per candidate of marts.outlook_candidates, the chosen first; none before a choice (or in a
    warehouse published before the choice existed)."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        try:
            return con.execute(
                "select choice_rank, chosen, purchase_model, spend_model, revenue_error_percent,"
                " auc_buys_again, top_decile_revenue_share, cutoff_date"
                f" from {MARTS_SCHEMA}.outlook_candidates order by choice_rank"
            ).fetchall()
        except duckdb.CatalogException:
            return []


def format_candidates_markdown(rows: list[tuple]) -> str:
    def figure(value: object) -> str:
        return "" if value is None else f"{value}"

    lines = [
        f"| {rank} | {purchase} + {spend}{' (chosen)' if chosen else ''} | {figure(error)} | {figure(auc)}"
        f" | {figure(share)} |"
        for rank, chosen, purchase, spend, error, auc, share, _ in rows
    ]
    return "\n".join(
        [
            "| rank | purchases + spend | revenue error % | AUC | top 10 % revenue share |",
            "| ---: | --- | ---: | ---: | ---: |",
            *lines,
        ]
    )


def read_outlook_quality(duckdb_path: Path) -> str | None:
    """What the outlook's backtest misses of its limits (outlook_backtest.quality_warnings, row `all`): None
    when it meets them or has no row."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        row = con.execute(
            f"select quality_warnings from {MARTS_SCHEMA}.outlook_backtest where segment = 'all'"
        ).fetchone()
    return row[0] if row else None


def format_backtest_markdown(rows: list[tuple]) -> str:
    def amount(value: object) -> str:
        return "" if value is None else f"{value:,}"

    lines = [f"| {row[0]} | {' | '.join(amount(value) for value in row[1:8])} |" for row in rows]
    return "\n".join(
        [
            "| segment | customers | predicted buyers | actual buyers | predicted revenue | actual revenue"
            " | AUC | top 10 % capture |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *lines,
        ]
    )


def read_outlook_pyramid(duckdb_path: Path) -> list[tuple[str, int, int]]:
    """(level, customers now, customers expected at the end of the outlook's horizon) per level of
    marts.customer_outlook, top first."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return con.execute(
            f"""
            with now as (
                select current_level as level, count(*) as customers
                from {MARTS_SCHEMA}.customer_outlook group by all
            ),
            ahead as (
                select predicted_level as level, count(*) as customers
                from {MARTS_SCHEMA}.customer_outlook where predicted_level is not null group by all
            )
            select level, coalesce(now.customers, 0), coalesce(ahead.customers, 0)
            from now full join ahead using (level)
            order by list_position(['top', 'big', 'medium', 'small', 'inactive', 'prospect'], level)
            """
        ).fetchall()


def format_outlook_pyramid_markdown(rows: list[tuple[str, int, int]]) -> str:
    lines = [f"| {level} | {now:,} | {ahead:,} |" for level, now, ahead in rows]
    return "\n".join(["| level | customers now | expected at the horizon |", "| --- | ---: | ---: |", *lines])


def read_forecast(duckdb_path: Path) -> list[tuple]:
    """(level, customers, expected next period, expected at the horizon, backtest error next, horizon in
    periods) per level, top first."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return con.execute(
            "select level, customers, expected_customers_next, expected_customers_horizon,"
            f" backtest_error_next, horizon_periods from {MARTS_SCHEMA}.pyramid_forecast order by level_order"
        ).fetchall()


def format_forecast_markdown(rows: list[tuple]) -> str:
    def amount(value: object) -> str:
        return "" if value is None else f"{value:,}"

    lines = [f"| {row[0]} | {' | '.join(amount(value) for value in row[1:5])} |" for row in rows]
    return "\n".join(
        [
            "| level | customers | expected next period | expected at the horizon | backtest error |",
            "| --- | ---: | ---: | ---: | ---: |",
            *lines,
        ]
    )

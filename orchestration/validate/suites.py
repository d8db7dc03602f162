"""The expectation suites, written once here and saved into the GX project under expectations/gx.

Every expected value that a check compares against is a suite parameter (`$PARAMETER`) filled at run time
from `independent.py`, a separate computation over the raw inputs; none comes from the table under test.
Each expectation carries `meta.check`, a stable name that tests and the CLI use, and `meta.notes`, the
reason it exists, which Data Docs shows beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orchestration.build.lineage import contracted_columns, load_manifest
from orchestration.core.settings import LEVELS, TIER_NAMES
from orchestration.outlook.candidates import METHODS
from orchestration.validate.gx_modules import Column, gxe
from orchestration.validate.suite_list import SUITE_LIST

TIERS = TIER_NAMES
# What produced a customer's outlook (int_outlook_predictions).
# The fitted pairs (the candidates' names) and the rules without a model (int_outlook_predictions).
OUTLOOK_METHODS = (*METHODS, "own_rate", "prospect_cohort", "no_history")


@dataclass(frozen=True)
class SuiteSpec:
    """A suite validated on one data asset (a DataFrame made by batches.py) by one checkpoint."""

    name: str
    asset: str
    stage: str  # "input": before dbt; "output": after dbt, before publishing
    expectations: Callable[[], list[gxe.Expectation]]


# GX's severity of a failed expectation. Critical blocks publishing: a published number would be wrong.
# Warning publishes and is shown wherever the user looks (docs/validation.md, "What blocks and what warns").
BLOCKS, WARNS = "critical", "warning"


def _meta(check: str, why: str, severity: str = BLOCKS) -> dict:
    """The expectation's stable name and its reason; Data Docs shows the reason, with what a failure does."""
    effect = (
        "**Blocks publishing** when it fails."
        if severity == BLOCKS
        else "**Warns only**: a failure is published, with a warning in the CLI, Dagster, the report and the"
        " action lists that use the outlook."
    )
    return {"check": check, "severity": severity, "notes": {"format": "markdown", "content": [why, effect]}}


def _warns(check: str, why: str) -> dict:
    """For an expectation about a model's quality: its `severity` (GX's own field) and its meta."""
    return {"severity": WARNS, "meta": _meta(check, why, WARNS)}


def _param(name: str) -> dict:
    return {"$PARAMETER": name}


def _exactly(parameter: str) -> dict:
    """min = max = the parameter: the observed value must equal the independently computed one."""
    return {"min_value": _param(parameter), "max_value": _param(parameter)}


def raw_sales() -> list[gxe.Expectation]:
    return [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=["customer_id", "order_date", "amount"],
            exact_match=False,
            meta=_meta("required_columns", "The three columns every sales input must have."),
        ),
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1, meta=_meta("sales_not_empty", "An empty sales input builds no pyramid.")
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="customer_id", meta=_meta("customer_id_present", "Every sale belongs to a customer.")
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="order_day",
            meta=_meta(
                "order_date_parses",
                "`order_day` is `order_date` parsed as a date; null means it did not parse (or was empty).",
            ),
        ),
        gxe.ExpectColumnMaxToBeBetween(
            column="order_day",
            max_value=_param("today"),
            meta=_meta(
                "order_date_not_in_future",
                "Sales after the as-of date are fine (a past pyramid), but a sale dated after today is a data"
                " error.",
            ),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="amount_number",
            meta=_meta("amount_is_numeric", "`amount_number` is `amount` parsed as DECIMAL(18, 2)."),
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=[
                "order_id",
                "customer_id",
                "order_date",
                "amount",
                "quantity",
                "product_id",
                "status",
            ],
            row_condition=Column("checks_duplicates") == True,  # noqa: E712 (a GX condition, not a comparison)
            meta=_meta(
                "no_duplicate_lines",
                "With an order_id, a line repeated with every column equal was loaded twice. Lines without"
                " order_id (repeat purchases) and runs with --keep-duplicates are not checked.",
            ),
        ),
    ]


def customer_tiers() -> list[gxe.Expectation]:
    """On marts.customer_tiers, ordered by revenue_rank, with the table's revenue (exact, as text) and the
    tier's order."""
    return [
        gxe.ExpectTableRowCountToEqual(
            value=_param("active_customers"),
            meta=_meta(
                "one_row_per_active_customer",
                "Every active customer (a purchase in the window, counted from the raw sales) has a tier"
                " row.",
            ),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="customer_id",
            meta=_meta("customer_has_one_tier", "No customer appears twice in the tier table."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="tier",
            value_set=list(TIERS),
            meta=_meta("tier_is_known", "Tiers are top, big, medium, small."),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="tier", meta=_meta("tier_present", "Every active customer has a tier.")
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="total_revenue",
            value_set=_param("active_revenue"),
            meta=_meta(
                "tier_revenue_adds_up",
                "The tiers' revenue (`total_revenue`, the table's sum, taken exactly in SQL: GX would sum"
                " money as floats) equals the active customers' net window revenue from the raw sales, to"
                " the cent.",
            ),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="revenue_rank", meta=_meta("rank_unique", "No two customers share a rank.")
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="revenue_rank",
            min_value=1,
            max_value=_param("highest_rank"),
            meta=_meta(
                "rank_within_1_to_n",
                "Every rank lies in 1..N; with N rows and no rank twice, the ranks are exactly 1..N."
                " (`highest_rank` is N, or 1 when there are no active customers: GX needs min <= max.)",
            ),
        ),
        gxe.ExpectColumnValuesToBeDecreasing(
            column="revenue",
            meta=_meta(
                "revenue_follows_rank",
                "In rank order revenue never goes up: a better rank never brings less.",
            ),
        ),
        gxe.ExpectColumnValuesToBeIncreasing(
            column="tier_order",
            meta=_meta(
                "tiers_follow_rank",
                "In rank order the tier never goes back up (top, then big, medium, small), so every top"
                " customer brings at least as much as every big one, and so on.",
            ),
        ),
    ]


def pyramid_summary() -> list[gxe.Expectation]:
    """On marts.pyramid_summary, with revenue and the as-of date as text: each level against its independent
    count and amount, compared exactly, and shown in Data Docs as the amounts and the date they are."""
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnDistinctValuesToEqualSet(
            column="level",
            value_set=list(LEVELS),
            meta=_meta("all_levels_present", "The pyramid always has its eight levels."),
        ),
        gxe.ExpectTableRowCountToEqual(
            value=len(LEVELS), meta=_meta("one_row_per_level", "One row per level, no more.")
        ),
    ]
    for tier in TIERS:
        expectations += [
            gxe.ExpectColumnSumToBeBetween(
                column="customers",
                **_exactly(f"expected_{tier}_customers"),
                row_condition=Column("level") == tier,
                meta=_meta(
                    f"{tier}_tier_count",
                    f"The {tier} tier holds the customers between its boundaries, round-half-up(N x"
                    " cumulative share), computed from the raw sales and the configured shares.",
                ),
            ),
            gxe.ExpectColumnValuesToBeInSet(
                column="revenue",
                value_set=_param(f"expected_{tier}_revenue"),
                row_condition=Column("level") == tier,
                meta=_meta(
                    f"{tier}_tier_revenue",
                    f"The {tier} tier's revenue, to the cent, from an independent ranking of the raw sales.",
                ),
            ),
        ]
    for level in ("inactive", "prospect", "suspect"):
        expectations.append(
            gxe.ExpectColumnSumToBeBetween(
                column="customers",
                **_exactly(f"expected_{level}_customers"),
                row_condition=Column("level") == level,
                meta=_meta(f"{level}_count", f"The {level} level, counted from the raw inputs."),
            )
        )
    expectations += [
        gxe.ExpectColumnValuesToBeInSet(
            column="as_of_date",
            value_set=_param("expected_as_of_date"),
            meta=_meta(
                "as_of_date",
                "The pyramid is taken on the as-of date asked for or, by default, on the latest order_date"
                " of all the sales the build holds, worked out again from the raw sales.",
            ),
        ),
        gxe.ExpectColumnSumToBeBetween(
            column="customers",
            **_exactly("active_customers"),
            row_condition=Column("is_tier") == True,  # noqa: E712 (a GX condition, not a comparison)
            meta=_meta("tiers_sum_to_active", "The four tiers add up to the active customers."),
        ),
        gxe.ExpectColumnSumToBeBetween(
            column="customers",
            **_exactly("all_levels_total"),
            meta=_meta(
                "levels_sum_to_market",
                "All levels add up to market_population (or, without one, to everyone known: customers,"
                " prospects and suspects, while rest stays unknown).",
            ),
        ),
    ]
    return expectations


def customers() -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="table_rows",
            **_exactly("known_customers"),
            meta=_meta(
                "one_row_per_customer",
                "Active, inactive and prospects, each once: the table's row count (`table_rows`, counted in"
                " DuckDB; the batch holds the rows that break a rule and a sample) equals the customers known"
                " from the raw inputs.",
            ),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="customer_id", meta=_meta("customer_once", "No customer appears twice.")
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="tier",
            row_condition=Column("level") != "active",
            meta=_meta("only_active_have_a_tier", "No inactive customer or prospect has a tier."),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="tier",
            row_condition=Column("level") == "active",
            meta=_meta("active_have_a_tier", "Every active customer has a tier."),
        ),
    ]


def customer_tier_history() -> list[gxe.Expectation]:
    """On the latest period of marts.customer_tier_history, joined row for row to marts.customers."""
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="table_rows",
            **_exactly("known_customers"),
            meta=_meta(
                "history_latest_period_complete",
                "The latest period of the history holds every known customer (counted from the raw inputs)"
                " and no one else: `table_rows` counts the compared rows in DuckDB (the batch holds the rows"
                " that break a rule and a sample).",
            ),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="history_level",
            row_condition=Column("table_rows") > 0,  # no customer yet (an as-of before the first sale)
            meta=_meta(
                "history_has_every_customer", "Every current customer is in the history's latest period."
            ),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="current_level",
            row_condition=Column("table_rows") > 0,  # no customer yet (an as-of before the first sale)
            meta=_meta(
                "history_has_no_stranger", "Everyone in the history's latest period is a current customer."
            ),
        ),
        *[
            gxe.ExpectColumnPairValuesToBeEqual(
                column_A=f"history_{name}",
                column_B=f"current_{name}",
                meta=_meta(
                    f"history_{name}_equals_current",
                    f"For every customer the history's latest period has the same {name} as the current"
                    " pyramid (customers, customer_activity): the two computations agree.",
                ),
            )
            for name in ("level", "tier", "revenue_cents", "as_of_date")
        ],
    ]


def tier_migration() -> list[gxe.Expectation]:
    """On one row per pair of consecutive periods: migration totals beside the history's customer counts."""
    return [
        gxe.ExpectTableRowCountToEqual(
            value=_param("period_pairs"),
            meta=_meta(
                "one_pair_per_period",
                "One set of moves for every pair of consecutive periods between the first sale and the"
                " as-of date (periods counted from the raw sales).",
            ),
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="moved_from_earlier",
            column_B="earlier_customers",
            meta=_meta(
                "earlier_customers_once",
                "Every customer of the earlier period appears exactly once among the moves.",
            ),
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="moved_in_total",
            column_B="later_customers",
            meta=_meta(
                "later_customers_once",
                "The moves end at every customer of the later period exactly once (newcomers included).",
            ),
        ),
    ]


def tier_retention() -> list[gxe.Expectation]:
    """On marts.tier_retention."""
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="customer_retention_rate",
            min_value=0,
            max_value=1,
            meta=_meta("retention_is_a_share", "The share of a tier's customers still active is in [0, 1]."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="customers",
            column_B="retained_customers",
            or_equal=True,
            meta=_meta("retained_within_tier", "No more customers are retained than the tier had."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="customers",
            column_B="lapsed_since",
            or_equal=True,
            meta=_meta("lapsed_within_tier", "No more customers lapsed than the tier had."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="tier", value_set=list(TIERS), meta=_meta("retention_tiers_known", "Only the four tiers.")
        ),
    ]


def customer_actions() -> list[gxe.Expectation]:
    """On marts.customer_actions, each row joined to the customer's row of marts.customers."""
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="is_known_customer",
            value_set=[True],
            meta=_meta("actions_of_known_customers", "Every action is for a customer of marts.customers."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="current_tier",
            value_set=_param("retain_tiers"),
            row_condition=Column("action") == "retain",
            meta=_meta(
                "retain_only_valuable_customers",
                "Every customer to retain is now in a tier at or above dbt var `action_retain_min_tier`"
                " (top or big by default).",
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="current_level",
            value_set=["inactive"],
            row_condition=Column("action") == "win_back",
            meta=_meta("win_back_only_inactive", "Only an inactive customer is to be won back."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="current_level",
            value_set=["active"],
            row_condition=Column("action") != "win_back",
            meta=_meta(
                "other_actions_only_active", "Retain, grow, welcome and complaints: active customers."
            ),
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["action", "priority"],
            meta=_meta("one_priority_per_rank", "Within an action, each priority is given once."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="priority",
            min_value=1,
            max_value=_param("highest_priority"),
            meta=_meta(
                "priority_is_a_rank", "A priority is a rank from 1 to at most the number of customers."
            ),
        ),
    ]


def pyramid_forecast() -> list[gxe.Expectation]:
    """On marts.pyramid_forecast: the chain starts from the pyramid (counted from the raw inputs) and never
    expects a negative number of customers."""
    starts = [
        gxe.ExpectColumnValuesToBeBetween(
            column="customers",
            **_exactly(f"expected_{level}_customers"),
            row_condition=Column("level") == level,
            meta=_meta(f"forecast_starts_from_{level}", f"The forecast starts from today's {level} count."),
        )
        for level in (*TIERS, "inactive", "prospect")
    ]
    return [
        *starts,
        gxe.ExpectColumnValuesToBeUnique(
            column="level", meta=_meta("forecast_level_once", "Each level has one row (none before a sale).")
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="expected_customers_next",
            min_value=0,
            meta=_meta("expected_next_not_negative", "No level expects fewer than no customers next period."),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="expected_customers_horizon",
            min_value=0,
            meta=_meta("expected_horizon_not_negative", "Nor at the horizon."),
        ),
    ]


def _from_0_to_1(columns: tuple[str, ...], check: str, what: str) -> list[gxe.Expectation]:
    """Each column's values lie in [0, 1]; checks named `<column>_<check>`."""
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column=column,
            min_value=0,
            max_value=1,
            meta=_meta(f"{column}_{check}", f"`{column}` is {what}, from 0 to 1."),
        )
        for column in columns
    ]


def customer_outlook() -> list[gxe.Expectation]:
    """On marts.customer_outlook: one row per known customer, probabilities in [0, 1], no negative orders."""
    probabilities = _from_0_to_1(("p_active", "p_buys"), "is_a_probability", "a probability")
    return [
        gxe.ExpectTableRowCountToEqual(
            value=_param("known_customers"),
            meta=_meta(
                "outlook_for_every_known_customer",
                "One outlook per active, inactive and prospect customer, counted from the raw inputs.",
            ),
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="customer_id", meta=_meta("outlook_once_per_customer", "One outlook per customer.")
        ),
        *probabilities,
        gxe.ExpectColumnValuesToBeBetween(
            column="expected_orders",
            min_value=0,
            meta=_meta("expected_orders_not_negative", "No customer is expected to buy fewer than 0 times."),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="predicted_level",
            value_set=[*TIERS, "inactive", "prospect"],
            meta=_meta("predicted_level_known", "The predicted level is a tier, inactive or prospect."),
        ),
        *[
            gxe.ExpectColumnValuesToNotBeNull(
                column=column,
                meta=_meta(
                    f"{column}_present",
                    f"Every customer has a `{column}`: the action lists never act on a missing value"
                    " (without a model, a rule that needs none gives the outlook; `method` says which).",
                ),
            )
            for column in ("predicted_level", "p_buys", "expected_revenue", "method")
        ],
        gxe.ExpectColumnValuesToBeInSet(
            column="method",
            value_set=list(OUTLOOK_METHODS),
            meta=_meta(
                "method_known", "The outlook comes from the models or one of the rules that replace them."
            ),
        ),
    ]


def outlook_backtest() -> list[gxe.Expectation]:
    """On marts.outlook_backtest (no row before anyone bought). Its structure blocks; its `all` row's figures
    against var outlook_backtest_limits (dbt_project.yml, filled in by independent.backtest_limits) only warn:
    a model's quality never holds the pyramid back."""
    overall = Column("segment") == "all"
    shares = _from_0_to_1(("top_decile_capture", "auc_buys_again"), "is_a_share", "a share or an AUC")
    return [
        gxe.ExpectColumnValuesToBeUnique(
            column="segment", meta=_meta("backtest_segment_once", "One row per segment.")
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="segment",
            value_set=[*TIERS, "inactive", "all"],
            meta=_meta("backtest_segment_known", "Segments are the tiers at the cutoff, inactive, and all."),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="customers",
            column_B="actual_buyers",
            or_equal=True,
            meta=_meta("backtest_buyers_within_customers", "No more buyers than customers in a segment."),
        ),
        *shares,
        gxe.ExpectColumnValuesToBeBetween(
            column="auc_buys_again",
            min_value=_param("backtest_min_auc"),
            row_condition=overall,
            **_warns(
                "backtest_auc",
                "p_buys tells who buys again: AUC at least var outlook_backtest_limits.min_auc"
                " (0.5 is chance).",
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="top_decile_capture",
            min_value=_param("backtest_min_top_decile_capture"),
            row_condition=overall,
            **_warns(
                "backtest_top_decile",
                "The 10 % of customers with the highest expected revenue brought at least"
                " var outlook_backtest_limits.min_top_decile_capture of what the 10 % who brought the most"
                " did.",
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="revenue_error_percent",
            min_value=_param("backtest_minus_max_revenue_error_percent"),
            max_value=_param("backtest_max_revenue_error_percent"),
            row_condition=overall,
            **_warns(
                "backtest_revenue_error",
                "Expected revenue within ± var outlook_backtest_limits.max_revenue_error_percent of what the"
                " customers brought.",
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="buyers_error_percent",
            min_value=_param("backtest_minus_max_buyers_error_percent"),
            max_value=_param("backtest_max_buyers_error_percent"),
            row_condition=overall,
            **_warns(
                "backtest_buyers_error",
                "Expected buyers within ± var outlook_backtest_limits.max_buyers_error_percent of the"
                " customers who bought.",
            ),
        ),
    ]


def marts_schema() -> list[gxe.Expectation]:
    """On information_schema.columns of schema marts: one row per table column, `column_name TYPE`. What each
    table must have is what its dbt contract promises, read from dbt's manifest when the build is validated
    (independent.mart_schema); only the tables' names are written into the suite."""
    tables = list(contracted_columns(load_manifest()))
    return [
        gxe.ExpectColumnDistinctValuesToEqualSet(
            column="column_signature",
            value_set=_param(f"{table}_columns"),
            row_condition=Column("table_name") == table,
            meta=_meta(f"{table}_schema", f"The columns and types of marts.{table} that BI tools rely on."),
        )
        for table in tables
    ] + [
        gxe.ExpectColumnDistinctValuesToEqualSet(
            column="table_name",
            value_set=_param("mart_tables"),
            meta=_meta("marts_tables", "The BI tables of schema marts, no more, no fewer."),
        )
    ]


SUITES = tuple(SuiteSpec(suite.name, suite.name, suite.stage, globals()[suite.name]) for suite in SUITE_LIST)
"""Each suite of suite_list.py with its expectations: the function of the suite's name above."""

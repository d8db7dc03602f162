"""Which suites validate a build, when, and on which Dagster asset each shows: the one list of them.

Kept apart from the suites' expectations (suites.py) because the Dagster code location reads it when it
loads, and importing Great Expectations there would cost every `dagster dev` start seconds. A suite is named
after the table it validates (a mart or raw_sales); suites.py's function of the same name writes its
expectations, and batches.py's query of the same name reads its rows.
"""

from __future__ import annotations

from dataclasses import dataclass

INPUT, OUTPUT = "input", "output"  # before dbt; after dbt, before publishing


@dataclass(frozen=True)
class Suite:
    name: str
    stage: str
    shown_on: str = ""
    """The Dagster asset whose check shows the suite's verdict (default: the asset of the suite's name)."""

    @property
    def asset(self) -> str:
        return self.shown_on or self.name


SUITE_LIST = (
    Suite("raw_sales", INPUT),
    Suite("customer_tiers", OUTPUT),
    Suite("pyramid_summary", OUTPUT),
    Suite("customers", OUTPUT),
    Suite("customer_tier_history", OUTPUT),
    Suite("tier_migration", OUTPUT),
    Suite("tier_retention", OUTPUT),
    Suite("pyramid_forecast", OUTPUT),
    Suite("customer_actions", OUTPUT),
    Suite("customer_outlook", OUTPUT),
    Suite("outlook_backtest", OUTPUT),
    # The columns and types of every mart, against their dbt contracts: shown with the pyramid's summary.
    Suite("marts_schema", OUTPUT, shown_on="pyramid_summary"),
)

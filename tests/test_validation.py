"""GX suites: they pass on good builds, and each tampering fails the expectation meant to catch it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.core.paths import GX_PROJECT_DIR
from orchestration.validate.data_docs_views import COMPILED_TEMPLATES
from orchestration.validate.runner import run_validation
from orchestration.validate.suites import SUITES
from tests.conftest import Dataset, Pyramid


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Pyramid:
    """60 active customers (1 top, 2 big, 9 medium, 48 small), 2 inactive, 2 prospects, 3 suspects."""
    dataset = Dataset(tmp_path_factory.mktemp("good"))
    sales = [(f"c{i:02d}", "2025-06-01", f"{i * 10}.00") for i in range(1, 61)]
    sales += [("old1", "2023-01-01", "5.00"), ("old2", "2023-02-01", "7.00")]
    dataset.sales(sales).customers([("c01",), ("p1",), ("p2",)]).market([("s1",), ("s2",), ("s3",), ("c02",)])
    return dataset.build(as_of_date="2025-12-31", market_population=1000)


@pytest.fixture
def tampered(good_build, tmp_path):
    """Returns tamper(sql, stage) → the set of failed checks after running `sql` on a copy of the build; the
    report must block publishing, or with `warns_only` must not (every failed check only warns)."""

    def tamper(sql: str, stage: str = "output", warns_only: bool = False) -> set[str]:
        copy = tmp_path / "pyramid.duckdb"
        shutil.copy(good_build.path, copy)
        with duckdb.connect(str(copy)) as con:
            con.execute(sql)
        report = run_validation(copy, stage, tmp_path / "validation")
        assert report.success == warns_only
        return report.failed_checks()

    return tamper


def test_good_build_passes_every_suite(good_build, tmp_path):
    reports = [run_validation(good_build.path, stage, tmp_path) for stage in ("input", "output")]
    assert all(report.success for report in reports)
    assert {verdict.suite for report in reports for verdict in report.verdicts} == {s.name for s in SUITES}
    # 104: marts_schema has one expectation per mart (18 with outlook_candidates).
    assert sum(verdict.evaluated for report in reports for verdict in report.verdicts) == 104
    # Data Docs pages render through the project's views (great_expectations.yml), which keep the compiled
    # templates for the next rendering in this process.
    assert len(COMPILED_TEMPLATES) > 0


def test_a_pyramid_taken_on_another_day_than_the_latest_sale(tampered):
    """The build asked for 2025-12-31; recorded as not asked for, the default is the latest sale, 2025-06-01.

    The marts still say 2025-12-31, so the as-of check fails; so does the count of month pairs (2023-01 to
    2025-06 is 29 months, 28 pairs, not the 35 of 2023-01 to 2025-12). Nothing else moves: every customer's
    standing is the same on both days.
    """
    assert tampered("update raw.build_settings set as_of_requested = null") == {
        "as_of_date",
        "one_pair_per_period",
    }


def _action_row(customer: str, action: str) -> str:
    """An inserted action row for `customer` (a select), with the next free priority of the action."""
    return f"""
        insert into marts.customer_actions
        select
            {customer}, '{action}',
            (select coalesce(max(priority), 0) + 1 from marts.customer_actions where action = '{action}'),
            1.00, 'tampered', null, false, null, null, null, null,
            (select max(as_of_date) from marts.pyramid_summary)
    """


def test_a_forecast_that_starts_from_another_pyramid(tampered):
    """The chain must start from today's pyramid (counted from the raw inputs): one small customer more is
    caught, and a negative expectation too."""
    sql = """
        update marts.pyramid_forecast set customers = customers + 1 where level = 'small';
        update marts.pyramid_forecast set expected_customers_next = -1 where level = 'top';
    """
    assert tampered(sql) == {"forecast_starts_from_small", "expected_next_not_negative"}


def test_an_outlook_that_is_not_a_probability_or_misses_a_customer(tampered):
    """p_active above 1 is caught, and so is a known customer without an outlook."""
    sql = """
        update marts.customer_outlook set p_active = 1.5
            where customer_id = (select min(customer_id) from marts.customer_outlook);
        delete from marts.customer_outlook
            where customer_id = (select max(customer_id) from marts.customer_outlook);
    """
    assert tampered(sql) == {"p_active_is_a_probability", "outlook_for_every_known_customer"}


def test_a_backtest_beyond_its_limits_warns_and_publishes(tampered):
    """The latest backtest's `all` row is held to var outlook_backtest_limits (AUC >= 0.65, capture >= 0.5,
    revenue and buyers within ±50 % and ±35 %): an AUC of 0.6, a capture of 0.4, a revenue error of -60 % and
    a buyers error of -40 % (24 predicted, 40 bought) are each caught, as warnings (a model's quality never
    blocks publishing); worse values on a tier's row are not checked. (The rows are written here.)"""
    sql = """
        delete from marts.outlook_backtest;
        insert into marts.outlook_backtest values
            ('all', 'own_rate', '2024-12-31', 365, 100, 24.0, 40, -40.0, 400.00, 1000.00, -60.0,
             0.2, 0.5, 0.4, 0.6, null),
            ('small', 'own_rate', '2024-12-31', 365, 80, 10.0, 40, -75.0, 100.00, 900.00, -88.9,
             0.1, 0.6, 0.1667, 0.1, null);
    """
    assert tampered(sql, warns_only=True) == {
        "backtest_auc",
        "backtest_top_decile",
        "backtest_revenue_error",
        "backtest_buyers_error",
    }


def test_a_backtest_that_cannot_be_right_blocks(tampered):
    """Its structure is a published number like any other: a segment twice, an AUC above 1 and more buyers
    than customers block, while the AUC of 1.2 also beats the quality limit (so it is not a warning)."""
    sql = """
        insert into marts.outlook_backtest values
            ('all', 'own_rate', '2024-12-31', 365, 10, 4.0, 11, 0.0, 4.00, 10.00, -60.0,
             0.5, 0.6, 0.8, 1.2, null);
    """
    assert tampered(sql) == {
        "backtest_segment_once",
        "auc_buys_again_is_a_share",
        "backtest_buyers_within_customers",
        "backtest_revenue_error",
    }


def test_a_customer_without_an_outlook_blocks(tampered):
    """An outlook with no p_buys, expected revenue or predicted level (what a missing model once left) would
    be acted on by the action lists: it blocks."""
    sql = """
        update marts.customer_outlook set p_buys = null, expected_revenue = null, predicted_level = null
            where customer_id = (select min(customer_id) from marts.customer_outlook)
    """
    assert tampered(sql) == {"p_buys_present", "expected_revenue_present", "predicted_level_present"}


def test_an_action_for_a_customer_no_one_knows(tampered):
    assert tampered(_action_row("'nobody'", "welcome")) == {"actions_of_known_customers"}


def test_retaining_a_small_customer(tampered):
    """Only a customer of a tier at or above `action_retain_min_tier` (big) is to be retained; a small one is
    not, nor is an inactive one to be welcomed."""
    small = "(select min(customer_id) from marts.customers where tier = 'small')"
    inactive = "(select min(customer_id) from marts.customers where level = 'inactive')"
    sql = _action_row(small, "retain") + ";" + _action_row(inactive, "welcome")
    assert tampered(sql) == {"retain_only_valuable_customers", "other_actions_only_active"}


def test_moving_a_small_customer_to_top_in_the_tier_table(tampered):
    assert tampered("update marts.customer_tiers set tier = 'top' where revenue_rank = 60") == {
        "tiers_follow_rank"
    }


def test_moving_a_customer_from_small_to_top_in_the_summary(tampered):
    sql = """
        update marts.pyramid_summary set customers = customers + 1 where level = 'top';
        update marts.pyramid_summary set customers = customers - 1 where level = 'small';
    """
    assert tampered(sql) == {"top_tier_count", "small_tier_count"}


def test_dropping_one_tier_row(tampered):
    assert tampered("delete from marts.customer_tiers where revenue_rank = 5") == {
        "one_row_per_active_customer",
        "tier_revenue_adds_up",
    }


def test_changing_one_revenue_by_one_cent(tampered):
    sql = "update marts.customer_tiers set revenue = revenue + 0.01 where revenue_rank = 30"
    assert tampered(sql) == {"tier_revenue_adds_up"}


def test_changing_one_tier_revenue_by_one_cent_in_the_summary(tampered):
    sql = "update marts.pyramid_summary set revenue = revenue - 0.01 where level = 'medium'"
    assert tampered(sql) == {"medium_tier_revenue"}


def test_duplicating_a_customer(tampered):
    sql = "insert into marts.customer_tiers select * from marts.customer_tiers where revenue_rank = 2"
    assert tampered(sql) == {
        "one_row_per_active_customer",
        "customer_has_one_tier",
        "rank_unique",
        "tier_revenue_adds_up",
    }


def test_giving_a_prospect_a_tier(tampered):
    """Caught twice: in customers itself, and as a difference from the history's latest period."""
    assert tampered("update marts.customers set tier = 'small' where customer_id = 'p1'") == {
        "only_active_have_a_tier",
        "history_tier_equals_current",
    }


def test_swapping_two_customers_ranks(tampered):
    sql = """
        update marts.customer_tiers
        set revenue_rank = case revenue_rank when 5 then 6 else 5 end
        where revenue_rank in (5, 6)
    """
    assert tampered(sql) == {"revenue_follows_rank"}


def test_levels_that_no_longer_add_up_to_the_market(tampered):
    assert tampered("update marts.pyramid_summary set customers = customers + 1 where level = 'rest'") == {
        "levels_sum_to_market"
    }


def test_a_changed_bi_column_type(tampered):
    sql = "alter table marts.customer_tiers alter revenue_rank type integer"
    assert tampered(sql) == {"customer_tiers_schema"}


@pytest.mark.parametrize(
    ("sql", "check"),
    [
        ("update raw.sales set customer_id = null where _row_number = 3", "customer_id_present"),
        ("update raw.sales set order_date = '2025-13-01' where _row_number = 3", "order_date_parses"),
        ("update raw.sales set order_date = '2999-01-01' where _row_number = 3", "order_date_not_in_future"),
        ("update raw.sales set amount = 'ten' where _row_number = 3", "amount_is_numeric"),
    ],
)
def test_raw_sales_tampering(tampered, sql, check):
    assert tampered(sql, stage="input") == {check}


def test_duplicate_order_lines_fail_the_raw_suite(tampered):
    sql = """
        update raw.sales set order_id = 'o' || _row_number;
        insert into raw.sales select * from raw.sales where _row_number = 3;
    """
    assert tampered(sql, stage="input") == {"no_duplicate_lines"}


def test_a_new_line_repeating_a_line_of_an_earlier_run_fails_the_raw_suite(tampered):
    """An appended run (raw.load_state: 1 new line) whose line repeats row 10,050, landed by an earlier run.

    10,038 filler lines (rows 63..10,100, all different) put row 10,050 past the 10,000 lines GX always
    samples: only the duplicate search can bring it into the batch. The new line is row 10,101.
    """
    sql = """
        update raw.sales set order_id = 'o' || _row_number;
        insert into raw.sales
            select 'f' || i, '2025-06-01', '1.00', 'of' || i, null, null, null, null, 62 + i, 'filler.csv'
            from range(1, 10039) as t (i);
        insert into raw.sales
            select * replace (10101 as _row_number) from raw.sales where _row_number = 10050;
        update raw.load_state set sales_new_rows = 1;
    """
    assert tampered(sql, stage="input") == {"no_duplicate_lines"}


@pytest.mark.slow  # a build, then a second run refused by the raw suite
def test_a_sale_dated_after_today_stops_the_run_before_dbt(dataset):
    """The raw suite fails: exit 3, nothing published changes, the report is still written."""
    dataset.sales([("a", "2025-01-01", "10.00")]).build()
    published = dataset.warehouse_dir / "pyramid.duckdb"
    before = published.read_bytes()
    dataset.sales([("a", "2025-01-01", "10.00"), ("b", "2999-12-31", "5.00")])
    result = dataset.cli()
    assert result.returncode == 3, result.stderr
    assert "FAIL  raw_sales: 1 of 7 failed: order_date_not_in_future" in result.stderr
    assert "observed 2999-12-31; expected max_value 20" in result.stderr
    assert published.read_bytes() == before
    # Refused before any model runs: no build folder is left (had dbt run, its target folder would be there).
    assert not list(dataset.warehouse_dir.glob(".build/*"))
    index = dataset.warehouse_dir / "validation" / "data_docs" / "index.html"
    assert index.exists() and f"Data Docs: {index}" in result.stderr


def test_validate_command_on_the_published_warehouse(good_build):
    from tests.conftest import invoke_pyramid

    result = invoke_pyramid("validate", "--warehouse", str(good_build.warehouse_dir))
    assert result.returncode == 0, result.stderr
    assert "PASS  customer_tiers: 9 expectations met" in result.stdout
    assert "PASS  raw_sales: 7 expectations met" in result.stdout


def test_no_lock_is_left_after_validation(good_build, tmp_path):
    run_validation(good_build.path, "output", tmp_path)
    opener = f"import duckdb; duckdb.connect({str(good_build.path)!r}).execute('checkpoint').fetchall()"
    result = subprocess.run([sys.executable, "-c", opener], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def _expectations_of(suite_file: Path) -> list[tuple]:
    saved = json.loads(suite_file.read_text())["expectations"]
    return sorted((e["type"], json.dumps(e["kwargs"], sort_keys=True), e["meta"]["check"]) for e in saved)


def test_versioned_gx_project_matches_suites_py(tmp_path):
    """expectations/gx is what `make gx-project` writes from suites.py (ids aside)."""
    from orchestration.validate.gx_project import write_gx_project

    write_gx_project(tmp_path)
    for spec in SUITES:
        committed = GX_PROJECT_DIR / "gx" / "expectations" / f"{spec.name}.json"
        generated = tmp_path / "gx" / "expectations" / f"{spec.name}.json"
        assert _expectations_of(committed) == _expectations_of(generated), (
            f"{committed} is stale: run `make gx-project`"
        )
        assert (GX_PROJECT_DIR / "gx" / "checkpoints" / f"{spec.name}.json").exists()


def test_validate_command_fails_on_a_tampered_warehouse(good_build, tmp_path):
    """`pyramid validate` only reads the published file: it reports the failure (exit 3), changes nothing."""
    from tests.conftest import run_pyramid

    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    copy = warehouse / "pyramid.duckdb"
    shutil.copy(good_build.path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("update marts.customer_tiers set revenue = revenue + 0.01 where revenue_rank = 30")
    before = copy.read_bytes()
    result = run_pyramid("validate", "--warehouse", str(warehouse))  # a process of its own: GX logs to stderr
    assert result.returncode == 3
    assert "FAIL  customer_tiers: 1 of 9 failed: tier_revenue_adds_up" in result.stdout
    assert "PASS  pyramid_summary: 16 expectations met" in result.stdout
    assert copy.read_bytes() == before


LATEST_HISTORY = "(select max(period_start) from marts.customer_tier_history)"


def test_history_revenue_off_by_a_cent_in_the_latest_period(tampered):
    sql = f"""
        update marts.customer_tier_history set window_revenue = window_revenue + 0.01
        where period_start = {LATEST_HISTORY} and customer_id = 'c07'
    """
    assert tampered(sql) == {"history_revenue_cents_equals_current"}


def test_history_missing_a_customer_in_the_latest_period(tampered):
    """Also breaks the migration into the latest period: one customer fewer arrives there."""
    sql = f"""
        delete from marts.customer_tier_history where period_start = {LATEST_HISTORY} and customer_id = 'p2'
    """
    assert tampered(sql) == {
        "history_has_every_customer",
        "history_level_equals_current",
        "history_revenue_cents_equals_current",
        "history_as_of_date_equals_current",
        "later_customers_once",
    }


def test_migration_counting_a_customer_twice(tampered):
    sql = """
        update marts.tier_migration set customers = customers + 1
        where period_start = '2025-07-01' and from_level = 'small' and to_level = 'small'
    """
    assert tampered(sql) == {"earlier_customers_once", "later_customers_once"}


def test_migration_missing_a_period_pair(tampered):
    assert tampered("delete from marts.tier_migration where period_start = '2024-03-01'") == {
        "one_pair_per_period"
    }


def test_retention_above_one(tampered):
    sql = """
        update marts.tier_retention set retained_customers = customers + 1, customer_retention_rate = 1.5
        where period_start = '2025-07-01' and tier = 'small'
    """
    assert tampered(sql) == {"retention_is_a_share", "retained_within_tier"}


def test_a_mart_with_a_column_more_fails_validation_in_one_message(good_build, tmp_path):
    """`pyramid validate` on a warehouse whose customer_outlook has a column more: exit 3, the schema check
    named, and no traceback of GX's Data Docs renderer (which cannot show the unexpected values of a set
    expectation with no observed value) in the output."""
    from tests.conftest import run_pyramid

    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    shutil.copy(good_build.path, warehouse / "pyramid.duckdb")
    with duckdb.connect(str(warehouse / "pyramid.duckdb")) as con:
        con.execute("alter table marts.customer_outlook add column extra varchar")
    result = run_pyramid("validate", "--warehouse", str(warehouse))  # a process of its own: GX logs to stderr
    assert result.returncode == 3
    assert "FAIL  marts_schema" in result.stdout and "customer_outlook_schema" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr

"""The bundled demo: generated deterministically, and its pyramid matches an independent hand computation."""

import csv
import datetime as dt
import filecmp
import json
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.build.docs import generate_docs
from orchestration.build.lineage import load_manifest
from orchestration.build.project import dbt_by_hand_environment
from orchestration.core.paths import DEMO_INPUT_DIR, PROJECT_ROOT
from orchestration.core.settings import PyramidSettings
from orchestration.defs.assets.publishing import MARTS
from orchestration.generate.demo import DEMO_MARKET_POPULATION, generate_demo
from orchestration.land.freshness import FRESH, LATE, STALE, feed_freshness, today_utc
from tests.conftest import Dataset, Pyramid, dbt_by_hand, run_dbt_by_hand, run_pyramid
from tests.test_data_docs import rendered_dom, visible_text

FILES = ("sales.csv", "customers.csv", "market.csv", "feedback.csv", "complaints.csv")

LEVELS = ["top", "big", "medium", "small", "inactive", "prospect"]


def test_generator_is_deterministic_and_matches_the_bundled_seeds(tmp_path):
    first = generate_demo(tmp_path / "first")
    generate_demo(tmp_path / "second")
    for name in FILES:
        assert filecmp.cmp(tmp_path / "first" / name, tmp_path / "second" / name, shallow=False)
        assert filecmp.cmp(tmp_path / "first" / name, DEMO_INPUT_DIR / name, shallow=False), (
            f"seeds/{name} differs from the generator's output: run `make demo-data`"
        )
    assert 15_000 < first.sales_rows < 100_000
    assert sum((DEMO_INPUT_DIR / name).stat().st_size for name in FILES) < 5_000_000


@pytest.fixture(scope="module")
def demo_pyramid(tmp_path_factory) -> Pyramid:
    dataset = Dataset(tmp_path_factory.mktemp("demo"))
    result = run_pyramid(
        "run",
        "--warehouse",
        str(dataset.warehouse_dir),
        "--market-population",
        str(DEMO_MARKET_POPULATION),
        "--verbose",
    )
    assert result.returncode == 0, result.stderr
    assert "Customer pyramid as of 2026-10-31" in result.stdout
    # The demo's newest sale is of 2026-10-31: by the default thresholds its feed is stale from 2026-11-08 on.
    age = (today_utc() - dt.date(2026, 10, 31)).days
    assert (
        f"Warning: the sales feed is stale: its newest sale, 2026-10-31, is {age} days old on {today_utc()}"
        " (UTC; stale after 7 days)." in result.stdout.splitlines()
    )
    # Not a terminal: dbt's own lines on standard output, the run's phases as plain lines on standard error.
    # dbt counts its nodes: models, data tests, the exposures (no-ops), and the unit tests when their code is
    # new to this clone.
    manifest = load_manifest()
    built = sum(node["resource_type"] in ("model", "test") for node in manifest["nodes"].values())
    built += len(manifest["exposures"])
    nodes = int(re.search(r" of (\d+) START (?:sql|test|unit_test) ", result.stdout).group(1))
    assert nodes in (built, built + len(manifest["unit_tests"]))
    assert [line for line in result.stderr.splitlines() if line.startswith("[pyramid]")] == [
        "[pyramid] starting: Dagster, dbt and Great Expectations",
        "[pyramid] landing the inputs",
        "[pyramid]   sales: landed, 22,231 new rows, 22,231 in all",
        "[pyramid]   customers: landed, 3,000 new rows, 3,000 in all",
        "[pyramid]   market: landed, 7,658 new rows, 7,658 in all",
        "[pyramid]   feedback: landed, 2,130 new rows, 2,130 in all",
        "[pyramid]   complaints: landed, 1,051 new rows, 1,051 in all",
        "[pyramid] validating the raw sales (Great Expectations)",
        "[pyramid] validating the raw sales (Great Expectations): 1 of 1 done",
        "[pyramid] dbt build",
        f"[pyramid] dbt build: {nodes} of {nodes} done",
        "[pyramid] validating the marts (Great Expectations)",
        "[pyramid] validating the marts (Great Expectations): 11 of 11 done",
        "[pyramid] publishing the warehouse and its Parquet copies",
        "[pyramid] drawing the report",
    ]
    assert f"{dataset.warehouse_dir / 'pyramid.duckdb'}" in result.stdout
    actions = dataset.warehouse_dir / "serving" / "current" / "customer_actions"
    assert (
        "Action lists for a CRM (grow 28, resolve_complaint 1, retain 35, welcome 158, win_back 3):"
        f" {actions}/<action>.csv" in result.stdout
    )
    report = dataset.warehouse_dir / "report"
    assert f"Report (open in a browser): {report / 'pyramid.en.html'}" in result.stdout
    assert f"Picture: {report / 'pyramid.en.png'}" in result.stdout
    assert "| top | 15 | 1.0 % | 3,010,604.56 | 53.3 % |" in (report / "pyramid.md").read_text()
    # dbt's record of the build stays beside the warehouse: every node that ran, each passed.
    results = json.loads((dataset.warehouse_dir / "dbt" / "run_results.json").read_text())["results"]
    built_nodes = [result for result in results if result["unique_id"].split(".")[0] != "operation"]
    assert len(built_nodes) == nodes
    assert {result["status"] for result in results} <= {"success", "pass", "no-op"}
    assert "customer_tier_history" in (dataset.warehouse_dir / "dbt" / "dbt.log").read_text()
    return Pyramid(dataset.warehouse_dir)


def _read(name: str) -> list[dict[str, str]]:
    with open(Path(DEMO_INPUT_DIR) / name, newline="") as handle:
        return list(csv.DictReader(handle))


def _hand_computed_pyramid() -> dict[str, tuple[int, Decimal]]:
    """The pyramid of the README's rules, in plain Python over the CSV files."""
    sales = _read("sales.csv")
    as_of = max(dt.date.fromisoformat(row["order_date"]) for row in sales)
    window_start = as_of - dt.timedelta(days=364)
    window_revenue: dict[str, Decimal] = defaultdict(Decimal)
    purchased, purchased_in_window, seen = set(), set(), set()
    for row in sales:
        day, amount, customer = (
            dt.date.fromisoformat(row["order_date"]),
            Decimal(row["amount"]),
            row["customer_id"],
        )
        seen.add(customer)
        if amount > 0:
            purchased.add(customer)
        if day >= window_start:
            window_revenue[customer] += amount
            if amount > 0:
                purchased_in_window.add(customer)
    customers = {row["customer_id"] for row in _read("customers.csv")} | seen
    market = {row["customer_id"] for row in _read("market.csv")}
    active = sorted(purchased_in_window, key=lambda c: (-window_revenue[c], c))
    n = len(active)

    def boundary(share: int) -> int:
        return int((Decimal(n) * share / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    cuts = {"top": (0, boundary(1)), "big": (boundary(1), boundary(5))}
    cuts |= {"medium": (boundary(5), boundary(20)), "small": (boundary(20), n)}
    result = {
        tier: (end - start, sum((window_revenue[c] for c in active[start:end]), Decimal("0.00")))
        for tier, (start, end) in cuts.items()
    }
    inactive = purchased - purchased_in_window
    prospects = customers - purchased
    suspects = market - customers
    result["inactive"] = (len(inactive), sum((window_revenue[c] for c in inactive), Decimal("0.00")))
    result["prospect"] = (len(prospects), sum((window_revenue[c] for c in prospects), Decimal("0.00")))
    result["suspect"] = (len(suspects), Decimal("0.00"))
    known = n + len(inactive) + len(prospects) + len(suspects)
    result["rest"] = (DEMO_MARKET_POPULATION - known, Decimal("0.00"))
    return result


def test_demo_pyramid_matches_a_hand_computation(demo_pyramid):
    """No customer in the demo signs up after its last sale, so signup dates do not change the levels."""
    assert demo_pyramid.summary() == _hand_computed_pyramid()


def test_demo_pyramid_shape(demo_pyramid):
    """The demo looks like a real business: a steep pyramid where the top 5 % bring over half the revenue."""
    counts = demo_pyramid.counts()
    assert sum(counts.values()) == DEMO_MARKET_POPULATION
    assert all(counts[level] > 0 for level in counts)
    shares = dict(demo_pyramid.query("select level, share_of_revenue from marts.pyramid_summary"))
    assert shares["top"] + shares["big"] > Decimal("0.5")


def test_action_lists_match_a_hand_computation(demo_pyramid):
    """The CSV files of retain, win_back and welcome, from the README's rules in plain Python over the demo's
    CSV files (as of 2026-10-31, window from 2025-11-01): welcome = a first purchase from 2026-10-01 (the
    month); win_back = no purchase in the window, the last one 365 to 454 days ago, lifetime revenue at least
    the lowest window revenue of the big tier; retain = top or big, with a lower predicted level in
    marts.customer_outlook (a lower tier, or inactive). Each file starts with its header and lists customers
    by priority."""
    sales = _read("sales.csv")
    as_of = max(dt.date.fromisoformat(row["order_date"]) for row in sales)
    window_start = as_of - dt.timedelta(days=364)
    lifetime, window = defaultdict(Decimal), defaultdict(Decimal)
    purchases, window_orders = defaultdict(list), defaultdict(set)
    for row in sales:
        day, amount, customer = (
            dt.date.fromisoformat(row["order_date"]),
            Decimal(row["amount"]),
            row["customer_id"],
        )
        lifetime[customer] += amount
        if day >= window_start:
            window[customer] += amount
        if amount > 0:
            purchases[customer].append(day)
            if day >= window_start:
                window_orders[customer].add(row["order_id"])
    active = sorted(window_orders, key=lambda c: (-window[c], c))
    tier_of = {
        customer: "top" if rank <= 15 else "big" if rank <= 76 else "other"
        for rank, customer in enumerate(active, 1)
    }
    big_floor = min(window[c] for c in active[15:76])
    predicted = dict(demo_pyramid.query("select customer_id, predicted_level from marts.customer_outlook"))
    expected = {
        "welcome": {c for c in active if min(purchases[c]) >= dt.date(2026, 10, 1)},
        "win_back": {
            c
            for c, days in purchases.items()
            if c not in tier_of and 365 <= (as_of - max(days)).days < 455 and lifetime[c] >= big_floor
        },
        "retain": {
            c
            for c in active
            if tier_of[c] in ("top", "big") and LEVELS.index(predicted[c]) > LEVELS.index(tier_of[c])
        },
    }
    folder = demo_pyramid.warehouse_dir / "serving" / "current" / "customer_actions"
    assert sorted(path.name for path in folder.iterdir()) == [
        "grow.csv",
        "resolve_complaint.csv",
        "retain.csv",
        "welcome.csv",
        "win_back.csv",
    ]
    for action, customers in expected.items():
        with open(folder / f"{action}.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0])[:3] == ["customer_id", "action", "priority"]
        assert {row["customer_id"] for row in rows} == customers, action
        assert [int(row["priority"]) for row in rows] == list(range(1, len(rows) + 1))
    assert (
        len(expected["welcome"]) == 158 and len(expected["win_back"]) == 3 and len(expected["retain"]) == 35
    )


def test_crm_files_carry_the_contacts_and_one_row_per_customer(demo_pyramid):
    """What a CRM imports as it is. The demo's customers.csv has an `email` column beyond the known
    ones, empty for every tenth customer (C00010, C00020, ...); guest buyers (G0001, ...) are not on the list.
    So a customer is reachable exactly when listed with an email, and both CSV files carry the email; the
    Parquet copy and the report do not (personal data). next_best_action.csv has one row per customer of the
    action lists: the first of its actions by the precedence resolve_complaint, retain, win_back, grow,
    welcome (the demo's one resolve_complaint customer is also on retain, so it is named in other_actions).
    Amounts in the reasons are grouped by thousands: none reads like 262376.62."""
    import pandas as pd
    import pyarrow.parquet as pq

    current = demo_pyramid.warehouse_dir / "serving" / "current"
    emails = {row["customer_id"]: row["email"] for row in _read("customers.csv")}
    precedence = ["resolve_complaint", "retain", "win_back", "grow", "welcome"]
    actions_of: dict[str, list[str]] = defaultdict(list)
    for action in precedence:
        rows = pd.read_csv(current / "customer_actions" / f"{action}.csv", dtype={"customer_id": str})
        assert list(rows.columns)[-1] == "email"
        for row in rows.itertuples():
            actions_of[row.customer_id].append(action)
            assert row.reachable == bool(emails.get(row.customer_id)), row.customer_id
            assert row.email == (emails.get(row.customer_id) or None) or pd.isna(row.email)
            assert not re.search(r"\d{4}\.\d\d", row.reason), row.reason
    best = pd.read_csv(current / "next_best_action.csv", dtype={"customer_id": str})
    assert list(best.columns)[:4] == ["customer_id", "action", "priority", "other_actions"]
    assert list(best.columns)[-1] == "email"
    assert best["customer_id"].is_unique and set(best["customer_id"]) == set(actions_of)
    assert list(best["priority"]) == list(range(1, len(best) + 1))
    for row in best.itertuples():
        assert row.action == actions_of[row.customer_id][0]
        others = ", ".join(actions_of[row.customer_id][1:]) or None
        assert (None if pd.isna(row.other_actions) else row.other_actions) == others
    assert list(best["action"][:2]) == ["resolve_complaint", "retain"]
    assert best["other_actions"].iloc[0] == "retain"
    unreachable = best[~best["reachable"]]["customer_id"]
    assert len(unreachable) > 0 and all(not emails.get(customer) for customer in unreachable)
    assert "email" not in pq.read_schema(current / "next_best_action.parquet").names
    assert "@example.org" not in (demo_pyramid.warehouse_dir / "report" / "pyramid.en.html").read_text()


def test_report_prints_the_published_pyramid(demo_pyramid):
    result = run_pyramid("report", "--warehouse", str(demo_pyramid.warehouse_dir))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Customer pyramid as of 2026-10-31"
    assert [line.split()[0] for line in lines[3:11]] == [
        "top",
        "big",
        "medium",
        "small",
        "inactive",
        "prospect",
        "suspect",
        "rest",
    ]


def test_marts_are_in_the_documented_schema(demo_pyramid):
    tables = demo_pyramid.query(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_schema = 'marts' order by table_name"
    )
    assert tables == [("marts", name, "BASE TABLE") for name in sorted(MARTS)]


def test_demo_shows_movement_and_the_cost_of_slow_complaints(demo_pyramid):
    """The generated satisfaction data carries the method's rule: slow complaint handling loses customers."""
    moves = dict(
        demo_pyramid.query(
            "select movement, sum(customers) from marts.tier_migration"
            " where period_start = '2026-10-01' group by movement"
        )
    )
    assert moves == {
        "new": 158,
        "reactivated": 4,
        "upgraded": 41,
        "downgraded": 20,
        "lapsed": 54,
        "stayed": 2677,
        "joined": 64,
    }
    rates = dict(
        demo_pyramid.query("select complaint_experience, lapse_rate from marts.complaint_lapse_rates")
    )
    assert rates["slow or unresolved"] > 3 * rates["resolved fast"]
    top, small = demo_pyramid.query(
        "select avg_share_of_wallet from marts.tier_performance where pyramid_level in ('top', 'small')"
        " order by level_order"
    )
    assert top[0] > small[0]


def test_duckdb_1_4_lts_opens_the_published_warehouse(demo_pyramid):
    """BI drivers lag DuckDB releases: DuckDB 1.4 (its own environment, made by `make test`) reads the
    published file, 1,523 active customers in marts.customer_tiers, and the history copy beside it."""
    lts_python = PROJECT_ROOT / ".venv-duckdb-lts" / "bin" / "python"
    assert lts_python.exists(), "run `make duckdb-lts` (part of `make test`)"
    history = next((demo_pyramid.warehouse_dir / "history").glob("as_of=*/pyramid.duckdb"))
    script = (
        "import duckdb, sys\n"
        "for path in sys.argv[1:]:\n"
        "    with duckdb.connect(path, read_only=True) as con:\n"
        "        tiers = con.execute('select count(*) from marts.customer_tiers').fetchone()[0]\n"
        "        print(duckdb.__version__, tiers)\n"
    )
    result = subprocess.run(
        [str(lts_python), "-c", script, str(demo_pyramid.path), str(history)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1.4.5", "1523", "1.4.5", "1523"]


def test_dbt_run_by_hand_builds_into_its_own_file_and_never_touches_the_published_one(demo_pyramid, tmp_path):
    """`cd dbt_project && dbt build`, with no PYRAMID_* variable set, in a copy of the project beside a copy
    of the demo's warehouse: dbt builds warehouse/dev/pyramid.duckdb (started as the README says, from a copy
    of the published data); the published file stays byte for byte the same and readable while dbt runs."""
    project, development = dbt_by_hand(tmp_path, demo_pyramid.path)
    published = shutil.copy(demo_pyramid.path, tmp_path / "warehouse" / "pyramid.duckdb")
    before = published.read_bytes()
    dbt = subprocess.Popen(
        [str(Path(sys.executable).with_name("dbt")), "build", "--quiet", "--profiles-dir", "."],
        cwd=project,
        env=dbt_by_hand_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    reads = 0
    while dbt.poll() is None:
        with duckdb.connect(str(published), read_only=True) as con:
            assert con.execute("select count(*) from marts.customer_tiers").fetchone() == (1523,)
        reads += 1
        time.sleep(0.2)
    assert dbt.returncode == 0, dbt.stdout.read()
    assert reads > 0
    assert published.read_bytes() == before
    with duckdb.connect(str(development), read_only=True) as con:
        assert con.execute("select count(*) from marts.customer_tiers").fetchone() == (1523,)


def test_plain_dbt_starts_its_development_file_from_the_published_warehouse(demo_pyramid, tmp_path):
    """`cd dbt_project && dbt build` right after `make run`, with no development file yet: it is made as a
    copy of the published warehouse and built; with no published warehouse either, dbt stops with one line
    saying to run `make run` first (no traceback)."""
    project, development = dbt_by_hand(tmp_path, demo_pyramid.path)
    development.unlink()
    development.parent.rmdir()
    published = shutil.copy(demo_pyramid.path, tmp_path / "warehouse" / "pyramid.duckdb")
    dbt = [str(Path(sys.executable).with_name("dbt")), "build", "--quiet", "--profiles-dir", "."]
    environment = {**dbt_by_hand_environment(), "PYRAMID_WAREHOUSE_DIR": str(tmp_path / "nowhere")}
    built = subprocess.run(dbt, cwd=project, env=environment, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:]
    with duckdb.connect(str(development), read_only=True) as con:
        assert con.execute("select count(*) from marts.customer_tiers").fetchone() == (1523,)
    development.unlink()
    Path(published).unlink()
    refused = subprocess.run(dbt, cwd=project, env=environment, capture_output=True, text=True, timeout=600)
    assert refused.returncode != 0
    assert (
        f"{development} does not exist yet and there is no published warehouse to start it from: run"
        " `make run` (or `pyramid run`) first" in refused.stdout
    )
    assert "Traceback" not in refused.stdout + refused.stderr


def test_dbt_source_freshness_by_hand_gives_the_pipelines_verdict(demo_pyramid, tmp_path):
    """`dbt source freshness` on the published demo (newest sale 2026-10-31) with thresholds set around the
    feed's age N in days: warn at N-1 and error at N+1 → dbt warns, the rule says late; warn at N → both pass
    (N days old is not more than N); error at N-1 → both error/stale."""
    project, _ = dbt_by_hand(tmp_path, demo_pyramid.path)
    age = (today_utc() - dt.date(2026, 10, 31)).days
    verdicts = {}
    for warn, error, state in ((age - 1, age + 1, LATE), (age, age + 1, FRESH), (age - 2, age - 1, STALE)):
        settings = PyramidSettings(freshness_warn_after_days=warn, freshness_error_after_days=error)
        assert feed_freshness(dt.date(2026, 10, 31), settings).state == state
        target = tmp_path / f"target-{warn}"
        subprocess.run(
            [
                str(Path(sys.executable).with_name("dbt")),
                "source",
                "freshness",
                "--quiet",
                "--profiles-dir",
                ".",
                "--target-path",
                str(target),
                "--vars",
                json.dumps({"freshness_warn_after_days": warn, "freshness_error_after_days": error}),
            ],
            cwd=project,
            env=dbt_by_hand_environment(),
            check=False,
        )
        result = json.loads((target / "sources.json").read_text())["results"][0]
        assert result["max_loaded_at"].startswith("2026-11-01T00:00:00"), "the end of the newest day"
        verdicts[state] = result["status"]
    assert verdicts == {LATE: "warn", FRESH: "pass", STALE: "error"}


def test_the_command_removes_its_spark_session_folder_although_it_skips_atexit():
    """`pyramid` ends with os._exit (no atexit handlers), so it removes the folder of the Spark session its
    build made (warehouse, metastore, scratch) itself. Here a process makes that folder as a Spark build does
    (spark_build.session_dir) and ends through the command's entry point: the folder is gone."""
    code = "\n".join(
        [
            "import sys",
            "from orchestration import cli\nfrom orchestration.build import spark as spark_build",
            "print(spark_build.session_dir(), flush=True)",
            "sys.argv = ['pyramid', '--help']",
            "cli.entry_point()",
        ]
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    folder = Path(result.stdout.splitlines()[0])
    assert folder.name.startswith("pyramid-spark-")
    assert not folder.exists()


def test_dbt_docs_site_opens_offline_with_models_and_exposures(demo_pyramid, tmp_path):
    """`make docs` on the published demo: one HTML file that Chromium, kept off every network, renders with
    the project's models and the exposures of what reads the marts; its catalog comes from a copy, so the
    published file is left as it was."""
    published = demo_pyramid.path
    before = published.read_bytes()
    site = generate_docs(demo_pyramid.warehouse_dir, tmp_path / "site")
    assert site.name == "static_index.html"
    # The project tree breaks long names where it likes (`parqu et_serving_co py`): compare without spaces.
    text = visible_text(rendered_dom(site, tmp_path / "profile")).replace(" ", "")
    assert "Exposures" in text
    assert "Wheretostart" in text and "Welcome!" not in text, "dbt docs opens on the project's own overview"
    for name in ("customer_tiers", "customer_tier_history", "bi_on_duckdb", "parquet_serving_copy"):
        assert name in text, f"{name} not visible in the rendered dbt docs"
    assert published.read_bytes() == before


def test_an_action_or_forecast_var_dbt_cannot_use_stops_the_build_naming_it(demo_pyramid, tmp_path):
    """A threshold outside its range is refused when dbt compiles, with one line naming the var, before any
    model runs: a tier that does not exist (every active customer would otherwise be "at or above" it), a gap
    over 100 %, a forecast from no period pairs, an outlook over no days, a refit every -1 days."""
    project, _ = dbt_by_hand(tmp_path, demo_pyramid.path)
    for given, message in (
        ({"action_retain_min_tier": "huge"}, "var action_retain_min_tier must be one of top, big, medium"),
        ({"action_grow_gap_percent": 120}, "var action_grow_gap_percent must be at least 0 and at most 100"),
        ({"forecast_transition_periods": 0}, "var forecast_transition_periods must be at least 1; got 0"),
        ({"outlook_days": 0}, "var outlook_days must be a whole number of days >= 1; got 0"),
        ({"outlook_refit_days": -1}, "var outlook_refit_days must be a whole number of days >= 0; got -1"),
    ):
        dbt = run_dbt_by_hand(
            project,
            "compile",
            "--select",
            "customer_actions pyramid_forecast int_outlook_summary",
            "--vars",
            json.dumps(given),
        )
        assert dbt.returncode != 0
        assert message in dbt.stdout, dbt.stdout[-2000:]


def test_incremental_sums_built_by_hand_stop_rather_than_mix_settings(demo_pyramid, tmp_path):
    """dbt run by hand on a copy of the demo's warehouse, whose outlook sums were taken as of 2026-10-31
    with a 365-day window and horizon: another window, or an earlier as-of date, stops the build with the
    way out (the pipeline drops the table itself, orchestration/build/history.py); --full-refresh builds it;
    a bucket size below one line is refused naming the var."""
    project, _ = dbt_by_hand(tmp_path, demo_pyramid.path)

    def dbt_build(select: str, given: dict, *flags: str) -> subprocess.CompletedProcess[str]:
        return run_dbt_by_hand(
            project,
            "build",
            "--exclude-resource-type",
            "unit_test",
            "--select",
            select,
            "--vars",
            json.dumps(given),
            *flags,
        )

    sums = "int_pyramid_parameters int_outlook_customer_sums"
    for given, message in (
        (
            {"window_days": 30},
            "holds sums for a 365-day window and a 365-day horizon, not 30 and 30:"
            " build it with --full-refresh",
        ),
        ({"as_of_date": "2026-01-31"}, "holds sums as of 2026-10-31, after the as-of date 2026-01-31"),
    ):
        dbt = dbt_build(sums, given)
        assert dbt.returncode != 0 and message in dbt.stdout, dbt.stdout[-2000:]
    assert dbt_build(sums, {"window_days": 30}, "--full-refresh").returncode == 0
    dbt = dbt_build("int_customer_daily_sales", {"daily_sales_bucket_lines": 0})
    assert dbt.returncode != 0
    assert "var daily_sales_bucket_lines must be a whole number >= 1; got 0" in dbt.stdout, dbt.stdout[-2000:]

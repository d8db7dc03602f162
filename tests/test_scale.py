"""Large inputs: the Parquet generator, readers during builds, a killed build, the Parquet serving copy."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.core.paths import PROJECT_ROOT
from orchestration.core.warehouse_files import serving_dir
from orchestration.generate.big import FIRST_DAY, LAST_DAY, generate_parquet
from orchestration.publish.warehouse import export_parquet, switch_parquet
from tests.conftest import Dataset, Pyramid, invoke_pyramid

pytestmark = pytest.mark.slow  # several builds per test

BARE_TIER_SQL = """
with active as (
    select customer_id, sum(amount) as revenue
    from read_parquet('{sales}')
    where order_date > date '{as_of}' - 365 and order_date <= date '{as_of}'
    group by customer_id
    having bool_or(amount > 0)
),
ranked as (
    select row_number() over (order by revenue desc, customer_id) as r, count(*) over () as n from active
)
select
    count(*) filter (where r <= round(n * 0.01)),
    count(*) filter (where r > round(n * 0.01) and r <= round(n * 0.05)),
    count(*) filter (where r > round(n * 0.05) and r <= round(n * 0.20)),
    count(*) filter (where r > round(n * 0.20))
from ranked
"""


def digest(path: Path) -> str:
    with duckdb.connect() as con:
        return con.execute(
            f"select md5(string_agg(order_id || customer_id || order_date || amount, ',' order by order_id))"
            f" from read_parquet('{path}')"
        ).fetchone()[0]


def test_generator_is_deterministic_and_exact(tmp_path):
    first = generate_parquet(tmp_path / "a", sales_rows=50_000, seed=7)
    second = generate_parquet(tmp_path / "b", sales_rows=50_000, seed=7, threads=1)
    other = generate_parquet(tmp_path / "c", sales_rows=50_000, seed=8)
    assert digest(first.sales) == digest(second.sales)
    assert digest(first.sales) != digest(other.sales)
    with duckdb.connect() as con:
        rows, customers, refunds, first_day, last_day = con.execute(
            f"select count(*), count(distinct customer_id), avg(case when amount < 0 then 1 else 0 end),"
            f" min(order_date), max(order_date) from read_parquet('{first.sales}')"
        ).fetchone()
        types = {
            row[0]: row[1]
            for row in con.execute(f"describe select * from read_parquet('{first.sales}')").fetchall()
        }
        busiest, average_day = con.execute(
            f"select max(lines), sum(lines) / {(LAST_DAY - FIRST_DAY).days + 1} from"
            f" (select count(*) as lines from read_parquet('{first.sales}') group by order_date)"
        ).fetchone()
    assert rows == 50_000 and first.customers_count == 2_500
    assert 1_500 < customers < 2_500  # about 16 % never buy: prospects
    assert 0.015 < refunds < 0.035
    assert str(first_day) >= "2023-11-01" and str(last_day) <= "2026-10-31"
    # Lines fall inside each customer's span: no day collects what would have fallen after the last one (lines
    # once clamped onto 2026-10-31 made it hold 54 % of them); the busiest day holds about 2.4 average days.
    assert busiest <= 3 * average_day, (busiest, average_day)
    assert types["order_date"] == "DATE" and types["amount"] == "DECIMAL(18,2)"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """20,000 generated lines built by `pyramid run`, with the Parquet serving copy."""
    root = tmp_path_factory.mktemp("generated")
    files = generate_parquet(root / "input", sales_rows=20_000, seed=3)
    result = invoke_pyramid(
        "run",
        "--input",
        str(root / "input"),
        "--warehouse",
        str(root / "wh"),
        "--quiet",
        "--memory-limit",
        "1GB",
        "--threads",
        "1",
    )
    assert result.returncode == 0, result.stderr
    assert (
        f"Parquet for BI: {root / 'wh' / 'serving' / 'current'}/<table>.parquet,"
        " customer_tier_history/<period_start>.parquet\n"
    ) in result.stdout
    return files, Pyramid(root / "wh")


def test_generated_data_builds_the_pyramid_of_a_bare_sql_script(generated):
    files, pyramid = generated
    as_of = pyramid.query("select max(as_of_date) from marts.pyramid_summary")[0][0]
    with duckdb.connect() as con:
        expected = con.execute(BARE_TIER_SQL.format(sales=files.sales, as_of=as_of)).fetchone()
    counts = pyramid.counts()
    assert (counts["top"], counts["big"], counts["medium"], counts["small"]) == expected


def test_the_benchmarks_whole_pyramid_script_computes_what_the_pipeline_publishes(generated):
    """bench/whole_pyramid.sql, the reference `make bench` times the pipeline against, computes the same
    pyramid: every month end's level, tier and window revenue of every customer who has bought (the history,
    row for row) and today's summary; a reference that computed less would flatter the pipeline."""
    files, pyramid = generated
    as_of = pyramid.query("select max(as_of_date) from marts.pyramid_summary")[0][0]
    script = (PROJECT_ROOT / "bench" / "whole_pyramid.sql").read_text()
    with duckdb.connect() as con:
        con.execute(script.format(sales=files.sales, as_of=as_of, customers=files.customers))
        con.execute(f"attach '{pyramid.path}' as published (read_only)")
        history = """
            select as_of_date, customer_id, coalesce(tier, level) as level, window_revenue
            from published.marts.customer_tier_history where level <> 'prospect'
        """
        reference = """
            select as_of_date, customer_id, level, window_revenue from history where level <> 'prospect'
        """
        for first, second in ((history, reference), (reference, history)):
            assert con.execute(f"{first} except all {second}").fetchall() == []
        # Not empty: a (customer who has bought, month end) pair per row.
        assert con.execute(f"select count(*) from ({reference})").fetchone()[0] == 13_410
        summary = con.execute("select level, customers, revenue from summary order by level").fetchall()
        published = con.execute(
            "select level, customers, revenue from published.marts.pyramid_summary"
            " where level not in ('suspect', 'rest') order by level"
        ).fetchall()
    assert summary == published


def test_parquet_serving_copy_equals_the_marts(generated):
    """One file per mart, the tier history one file per period; each equal to its mart, both ways."""
    _, pyramid = generated
    current = serving_dir(pyramid.warehouse_dir) / "current"
    assert current.is_symlink()
    files = {
        "customer_tiers": current / "customer_tiers.parquet",
        "pyramid_summary": current / "pyramid_summary.parquet",
        "customer_tier_history": current / "customer_tier_history" / "*.parquet",
    }
    with duckdb.connect(str(pyramid.path), read_only=True) as con:
        for table, path in files.items():
            mart, served = f"select * from marts.{table}", f"select * from read_parquet('{path}')"
            for first, second in ((mart, served), (served, mart)):
                assert (
                    con.execute(f"select count(*) from ({first} except all {second})").fetchone()[0] == 0
                ), table
        periods = con.execute("select distinct period_start from marts.customer_tier_history").fetchall()
    assert sorted(path.stem for path in (current / "customer_tier_history").glob("*.parquet")) == sorted(
        str(period) for (period,) in periods
    )


def _history_files(version: Path) -> dict[str, int]:
    """Period → inode of its file in a serving version."""
    return {path.stem: path.stat().st_ino for path in (version / "customer_tier_history").glob("*.parquet")}


def test_the_history_parquet_rewrites_only_the_periods_that_changed(generated, tmp_path):
    """Exported again from the same build, every period's file is a hard link to the previous version's; with
    one row of one period changed, that period alone is written anew, and holds the change; with a column
    added, every period is written anew."""
    _, pyramid = generated
    build = tmp_path / "pyramid.duckdb"
    build.write_bytes(pyramid.path.read_bytes())
    split = {"customer_tier_history": "period_start"}

    def export(run_id: str) -> Path:
        version = export_parquet(build, tmp_path, run_id, ("customer_tier_history",), split)
        switch_parquet(tmp_path, version)
        return version

    first = _history_files(export("first"))
    assert len(first) > 30  # the generated data spans three years of months
    assert _history_files(export("same")) == first
    with duckdb.connect(str(build)) as con:
        period = con.execute(
            "update marts.customer_tier_history set window_revenue = window_revenue + 1"
            " where (customer_id, period_start) = (select (customer_id, period_start)"
            " from marts.customer_tier_history where level = 'active' order by all limit 1 offset 5000)"
            " returning period_start"
        ).fetchone()[0]
    changed = export("one-row-changed")
    after = _history_files(changed)
    assert {name for name in first if after[name] != first[name]} == {str(period)}
    with duckdb.connect(str(build), read_only=True) as con:
        mart = f"select * from marts.customer_tier_history where period_start = '{period}'"
        served = f"select * from read_parquet('{changed / 'customer_tier_history' / str(period)}.parquet')"
        assert con.execute(f"select count(*) from ({mart} except all {served})").fetchone()[0] == 0
    with duckdb.connect(str(build)) as con:
        con.execute("alter table marts.customer_tier_history add column note varchar")
    assert not set(_history_files(export("column-added")).values()) & set(after.values())


def test_a_crash_between_export_and_switch_keeps_the_current_parquet(generated, tmp_path):
    """Killed after writing a new Parquet version, before switching: readers keep the old one; the next
    switch removes the orphan."""
    _, pyramid = generated
    current = serving_dir(pyramid.warehouse_dir) / "current"
    before = current.resolve()
    orphan = export_parquet(pyramid.path, pyramid.warehouse_dir, "crashed-run", ("pyramid_summary",))
    assert current.resolve() == before
    with duckdb.connect() as con:
        assert (
            con.execute(f"select count(*) from read_parquet('{current}/pyramid_summary.parquet')").fetchone()[
                0
            ]
            == 8
        )
    newer = export_parquet(pyramid.path, pyramid.warehouse_dir, "next-run", ("pyramid_summary",))
    switch_parquet(pyramid.warehouse_dir, newer)
    assert current.resolve() == newer.resolve()
    assert not orphan.exists() and before.exists()  # the previous version stays for readers mid-query


READER = textwrap.dedent(
    """
    import json, sys, time, duckdb
    path, stop = sys.argv[1], sys.argv[2]
    seen, errors, reads = set(), [], 0
    import os
    while not os.path.exists(stop):
        try:
            with duckdb.connect(path, read_only=True) as con:
                as_of, tiers, active = con.execute(
                    "select max(as_of_date), sum(customers) filter (where level_order <= 4),"
                    " (select count(*) from marts.customer_tiers) from marts.pyramid_summary"
                ).fetchone()
            if tiers != active:
                errors.append(f"half a build: {tiers} != {active}")
            seen.add(str(as_of))
            reads += 1
        except Exception as error:
            errors.append(repr(error))
        time.sleep(0.02)
    print(json.dumps({"reads": reads, "seen": sorted(seen), "errors": errors}))
    """
)


def test_a_reader_polling_during_builds_never_fails_and_sees_only_validated_pyramids(tmp_path):
    dataset = Dataset(tmp_path)
    generate_parquet(dataset.input_dir, sales_rows=20_000, seed=5)
    first = dataset.cli("--as-of", "2026-06-30")
    assert first.returncode == 0, first.stderr
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(dataset.warehouse_dir / "pyramid.duckdb"), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert dataset.cli("--as-of", "2026-09-30").returncode == 0
        assert dataset.cli("--as-of", "2026-10-31").returncode == 0
    finally:
        stop.touch()
        output, _ = reader.communicate(timeout=60)
    found = json.loads(output)
    assert found["errors"] == []
    assert found["reads"] > 50
    assert set(found["seen"]) <= {"2026-06-30", "2026-09-30", "2026-10-31"}
    assert {"2026-06-30", "2026-10-31"} <= set(found["seen"])


def test_a_build_killed_mid_dbt_leaves_the_published_pyramid_and_the_next_run_recovers(tmp_path):
    dataset = Dataset(tmp_path)
    generate_parquet(dataset.input_dir, sales_rows=20_000, seed=9)
    assert dataset.cli("--as-of", "2026-06-30").returncode == 0
    published = dataset.warehouse_dir / "pyramid.duckdb"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    command = [
        str(Path(sys.executable).with_name("pyramid")),
        "run",
        "--input",
        str(dataset.input_dir),
        "--warehouse",
        str(dataset.warehouse_dir),
        "--as-of",
        "2026-10-31",
    ]
    build = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if list(dataset.warehouse_dir.glob(".build/*/dbt/run")):  # dbt is writing models
            break
        time.sleep(0.05)
    else:
        pytest.fail("dbt never started")
    os.killpg(build.pid, signal.SIGKILL)
    build.wait(timeout=30)
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    assert (
        Pyramid(dataset.warehouse_dir)
        .query("select max(as_of_date) from marts.pyramid_summary")[0][0]
        .isoformat()
        == "2026-06-30"
    )
    again = dataset.cli("--as-of", "2026-10-31")
    assert again.returncode == 0, again.stderr
    assert (
        Pyramid(dataset.warehouse_dir)
        .query("select max(as_of_date) from marts.pyramid_summary")[0][0]
        .isoformat()
        == "2026-10-31"
    )


def test_typed_parquet_is_checked_without_parsing_but_nulls_and_duplicates_are_refused(dataset):
    """DATE and DECIMAL columns need no parse check; a null or a line loaded twice is still refused."""
    sales = dataset.input_dir / "sales.parquet"
    dataset.input_dir.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            f"""copy (select * from (values
                ('o1', 'a', date '2025-01-01', 10.00::decimal(18, 2)),
                ('o2', 'b', null, 20.00::decimal(18, 2))
            ) as t(order_id, customer_id, order_date, amount)) to '{sales}' (format parquet)"""
        )
    refused = dataset.cli()
    assert refused.returncode == 2
    assert f"{sales}: column order_date: row 2 has an empty value, expected a date" in refused.stderr
    with duckdb.connect() as con:
        con.execute(
            f"""copy (select * from (values
                ('o1', 'a', date '2025-01-01', 10.00::decimal(18, 2)),
                ('o2', 'b', date '2025-01-02', 20.00::decimal(18, 2)),
                ('o1', 'a', date '2025-01-01', 10.00::decimal(18, 2))
            ) as t(order_id, customer_id, order_date, amount)) to '{sales}' (format parquet)"""
        )
    duplicated = dataset.cli()
    assert duplicated.returncode == 2
    assert (
        "1 duplicate line (same order_id and all other columns equal); the first is order_id 'o1' at row 1"
        in (duplicated.stderr)
    )

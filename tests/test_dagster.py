"""The Dagster code location: definitions, partitioned runs, blocking checks, and a real `dagster dev`."""

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    DagsterInstance,
    Definitions,
    build_run_status_sensor_context,
    build_schedule_context,
    build_sensor_context,
    define_asset_job,
)

from orchestration.core.paths import PROJECT_ROOT
from orchestration.core.warehouse_lock import warehouse_lock
from orchestration.defs.assets.freshness_check import sales_feed_fresh
from orchestration.defs.assets.publishing import MARTS
from orchestration.defs.assets.raw_inputs import raw_inputs
from orchestration.defs.definitions import defs
from orchestration.defs.jobs import SCHEDULE_CRON, explain_failure
from orchestration.defs.partitions import as_of_for_partition
from orchestration.defs.resources import PyramidResource
from orchestration.defs.sensors import new_sales_file
from orchestration.land.freshness import today_utc
from tests.conftest import SALES_HEADER, Dataset, Pyramid, run_pyramid, write_csv
from tests.processes import alive, cmdline, descendants

DBT_MODELS = {
    "stg_sales": "staging",
    "stg_customers": "staging",
    "stg_market": "staging",
    "stg_feedback": "staging",
    "stg_complaints": "staging",
    "int_pyramid_parameters": "intermediate",
    "int_customer_revenue": "intermediate",
    "int_customer_levels": "intermediate",
    "int_active_customers_ranked": "intermediate",
    "int_customer_daily_sales": "intermediate",
    "int_history_periods": "intermediate",
    "int_customer_history_next": "intermediate",
    "int_level_counts": "intermediate",
    "int_forecast_transitions": "intermediate",
    "int_window_complaints": "intermediate",
    "int_customer_satisfaction": "intermediate",
    "int_revenue_curve": "intermediate",
    "int_outlook_customer_sums": "intermediate",
    "int_outlook_summary": "intermediate",
    "int_outlook_fits": "intermediate",
    "int_outlook_scores": "intermediate",
    "int_outlook_predictions": "intermediate",
    **{name: "marts" for name in MARTS},
}


def test_every_asset_has_its_key_and_group():
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {
        **DBT_MODELS,
        "raw_sales": "raw",
        "raw_customers": "raw",
        "raw_market": "raw",
        "raw_feedback": "raw",
        "raw_complaints": "raw",
        "published": "serving",
        "pyramid_report": "serving",
    }
    tiers = graph.get(AssetKey("customer_tiers"))
    assert "active customer" in tiers.description
    assert graph.get(AssetKey("stg_sales")).parent_keys == {AssetKey("raw_sales")}
    assert graph.get(AssetKey("published")).parent_keys == {AssetKey(name) for name in MARTS}


def test_gx_suites_are_blocking_checks_and_dbt_tests_are_checks():
    checks = {
        (key.asset_key.to_user_string(), key.name) for key in defs.resolve_asset_graph().asset_check_keys
    }
    for check in [
        ("raw_sales", "gx_raw_sales"),
        ("customer_tiers", "gx_customer_tiers"),
        ("pyramid_summary", "gx_pyramid_summary"),
        ("customers", "gx_customers"),
        ("pyramid_summary", "gx_marts_schema"),
        ("customer_tier_history", "gx_customer_tier_history"),
        ("tier_migration", "gx_tier_migration"),
        ("tier_retention", "gx_tier_retention"),
        ("customer_tiers", "unique_customer_tiers_revenue_rank"),
        ("customer_tiers", "assert_tiers_ordered_by_revenue"),
    ]:
        assert check in checks
    specs = [
        spec
        for checks_def in defs.asset_checks
        for spec in checks_def.check_specs
        if spec.name.startswith("gx_")
    ]
    assert len(specs) == 12 and all(spec.blocking for spec in specs)


def test_the_instance_runs_one_run_at_a_time(tmp_path, monkeypatch):
    """The project's dagster.yaml (what `make dev` copies into DAGSTER_HOME) queues runs one at a time,
    with the current `concurrency:` keys (not the older `run_queue:`); loading it warns of nothing."""
    settings = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    assert "run_queue" not in settings and settings["concurrency"]["runs"]["max_concurrent_runs"] == 1
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        instance = DagsterInstance.get()
    try:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    finally:
        instance.dispose()


def test_schedule_and_partitions():
    schedule = defs.resolve_schedule_def("daily_pyramid")
    assert schedule.cron_schedule == SCHEDULE_CRON == "0 6 * * *"
    assert schedule.execution_timezone == "UTC"
    job = defs.resolve_job_def("pyramid_job")
    keys = job.partitions_def.get_partition_keys()
    assert keys[0] == "2020-01-01"
    assert as_of_for_partition("2025-02-01", today=dt.date(2026, 1, 1)) == dt.date(2025, 2, 28)
    assert as_of_for_partition("2026-11-01", today=dt.date(2026, 11, 25)) == dt.date(2026, 11, 24)


def test_the_partitions_reach_back_to_the_first_published_sale(tmp_path):
    """The code location's months start at the earlier of PYRAMID_PARTITIONS_START (2020-01) and the month of
    the first sale the published Parquet copy of marts.customers holds (1997-03-15: 1997-03); nothing
    published, or a file that cannot be read (being replaced), leaves the configured start."""
    import duckdb

    from orchestration.defs.partitions import first_published_month

    assert first_published_month(tmp_path) is None
    current = tmp_path / "serving" / "current"
    current.mkdir(parents=True)
    (current / "customers.parquet").write_text("half a file")
    assert first_published_month(tmp_path) is None
    with duckdb.connect() as con:
        con.execute(
            "copy (select * from (values (date '1998-01-02'), (date '1997-03-15'), (null))"
            f" as t(first_order_date)) to '{current / 'customers.parquet'}' (format parquet)"
        )
    assert first_published_month(tmp_path) == dt.date(1997, 3, 1)


def test_a_run_without_a_month_is_refused_before_landing(dataset):
    """`dagster job execute -j pyramid_job` with no partition: refused by the first step with a line saying
    how to give one, before any input is landed (no build folder, nothing published)."""
    dataset.sales(_monthly_sales())
    result = defs.resolve_job_def("pyramid_job").execute_in_process(
        run_config={
            "resources": {
                "pyramid": {
                    "config": {
                        "input_dir": str(dataset.input_dir),
                        "warehouse_dir": str(dataset.warehouse_dir),
                        "echo_dbt": False,
                    }
                }
            }
        },
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [event for event in result.all_events if event.is_step_failure]
    assert failure.step_key == "raw_inputs"
    assert (
        "pyramid_job builds one month and was given no partition"
        in failure.step_failure_data.error.cause.message
    )
    assert not (dataset.warehouse_dir / "pyramid.duckdb").exists()
    assert not list(dataset.warehouse_dir.glob(".build/*"))


def _monthly_sales() -> list[tuple[str, str, str]]:
    """a buys every month of 2024 and 2025; b only in January 2024; c from June 2025 on."""
    rows = []
    for year in (2024, 2025):
        for month in range(1, 13):
            rows.append(("a", f"{year}-{month:02d}-15", "100.00"))
            if year == 2025 and month >= 6:
                rows.append(("c", f"{year}-{month:02d}-10", "40.00"))
    rows.append(("b", "2024-01-20", "30.00"))
    return rows


def _run_partition(
    dataset: Dataset, partition_key: str, instance: DagsterInstance, tags: dict | None = None, **config
):
    pyramid_config = {
        "input_dir": str(dataset.input_dir),
        "warehouse_dir": str(dataset.warehouse_dir),
        "echo_dbt": False,
        **config,
    }
    return defs.resolve_job_def("pyramid_job").execute_in_process(
        run_config={"resources": {"pyramid": {"config": pyramid_config}}},
        partition_key=partition_key,
        tags=tags,
        instance=instance,
        raise_on_error=False,
    )


def test_the_schedule_builds_the_pyramid_as_of_the_previous_day(dataset):
    """Evaluated for 2025-07-15 06:00 UTC, the schedule asks for July's partition and, by its tag, the pyramid
    as of 2025-07-14 (July's partition alone would give 2025-07-31: the month has ended by now). As of
    2025-07-14 the window is 2024-07-15..2025-07-14: a (July 2024 to June 2025) and c (June and July 2025)
    are active; b (January 2024) is inactive. a brings 12 x 100 = 1,200.00, c 2 x 40 = 80.00."""
    schedule = defs.resolve_schedule_def("daily_pyramid")
    context = build_schedule_context(scheduled_execution_time=dt.datetime(2025, 7, 15, 6, 0, tzinfo=dt.UTC))
    request = schedule(context)
    assert request.partition_key == "2025-07-01"
    assert request.tags["pyramid/as_of_date"] == "2025-07-14"
    dataset.sales(_monthly_sales())
    result = _run_partition(dataset, request.partition_key, DagsterInstance.ephemeral(), request.tags)
    assert result.success
    pyramid = Pyramid(dataset.warehouse_dir)
    assert pyramid.query("select distinct as_of_date from marts.pyramid_summary") == [(dt.date(2025, 7, 14),)]
    assert pyramid.levels() == {"a": "active", "b": "inactive", "c": "active"}
    assert pyramid.query("select customer_id, revenue from marts.customer_tiers order by 1") == [
        ("a", Decimal("1200.00")),
        ("c", Decimal("80.00")),
    ]


@pytest.mark.slow
def _evaluate_sensor(dataset: Dataset, cursor: str | None):
    resource = PyramidResource(input_dir=str(dataset.input_dir), warehouse_dir=str(dataset.warehouse_dir))
    return new_sales_file(build_sensor_context(cursor=cursor, resources={"pyramid": resource}))


def test_a_new_sales_file_requests_exactly_one_run(dataset):
    """sales/ holds one file and nothing is built: one request, for the latest sale. Its run lands the file:
    nothing more. A second file dropped in: one request naming it; asked again (the cursor), none; the file
    rewritten (another modification time): one request again, with another run key."""
    until_june = [row for row in _monthly_sales() if row[1] < "2025-07-01"]
    write_csv(dataset.input_dir / "sales" / "2025-06-30.csv", SALES_HEADER, until_june)
    request = _evaluate_sensor(dataset, None).run_requests[0]
    assert request.tags == {
        "pyramid/as_of_date": "latest",
        "pyramid/new_sales_files": "2025-06-30.csv",
    }
    result = _run_partition(dataset, request.partition_key, DagsterInstance.ephemeral(), request.tags)
    assert result.success
    assert Pyramid(dataset.warehouse_dir).query("select distinct as_of_date from marts.pyramid_summary") == [
        (dt.date(2025, 6, 15),)
    ]
    landed = _evaluate_sensor(dataset, request.run_key)
    assert landed.skip_message == "every sales file is landed in the published warehouse"

    new_file = write_csv(
        dataset.input_dir / "sales" / "2025-07-15.csv", SALES_HEADER, [("a", "2025-07-15", "5.00")]
    )
    dropped = _evaluate_sensor(dataset, request.run_key)
    assert [r.tags["pyramid/new_sales_files"] for r in dropped.run_requests] == ["2025-07-15.csv"]
    second_key = dropped.run_requests[0].run_key
    assert second_key != request.run_key
    again = _evaluate_sensor(dataset, dropped.cursor)
    assert again.skip_message == "a run was already requested for 1 new sales file(s)"
    later = new_file.stat().st_mtime + 60
    os.utime(new_file, (later, later))
    rewritten = _evaluate_sensor(dataset, dropped.cursor)
    assert len(rewritten.run_requests) == 1 and rewritten.run_requests[0].run_key not in (
        request.run_key,
        second_key,
    )


def test_partitions_build_month_end_pyramids_and_only_the_latest_is_published(dataset):
    """As of 2025-03-31 (window 2024-04-01..): a active, b inactive. As of 2025-12-31: a and c active.

    The later month is published; running an earlier month afterwards only adds it to the history.
    """
    dataset.sales(_monthly_sales())
    instance = DagsterInstance.ephemeral()
    march = _run_partition(dataset, "2025-03-01", instance)
    assert march.success
    pyramid = Pyramid(dataset.warehouse_dir)
    assert pyramid.levels() == {"a": "active", "b": "inactive"}
    assert _run_partition(dataset, "2025-12-01", instance).success
    assert pyramid.levels() == {"a": "active", "b": "inactive", "c": "active"}
    assert _run_partition(dataset, "2025-03-01", instance).success
    as_of = pyramid.query("select distinct as_of_date from marts.customers")
    assert [str(d) for (d,) in as_of] == ["2025-12-31"], "an older month must not replace a later pyramid"
    history = sorted(p.parent.name for p in dataset.warehouse_dir.glob("history/*/pyramid.duckdb"))
    assert history == ["as_of=2025-03-31", "as_of=2025-12-31"]
    summary = march.asset_materializations_for_node("pyramid_dbt_models")
    tiers = next(m for m in summary if m.asset_key == AssetKey("customer_tiers"))
    assert tiers.metadata["dagster/row_count"].value == 1
    assert "| small | 1 |" in tiers.metadata["pyramid"].value
    assert not list(dataset.warehouse_dir.glob(".build/*")), "a published run leaves no build folder"


def test_the_demo_materializes_every_asset_and_passes_every_check(tmp_path):
    """The whole job in-process on the bundled demo: every asset, every dbt test and GX suite passes, and the
    run's log in Dagster has the progress lines (the instance takes `python_logs` from the project's
    dagster.yaml, as `make dev` does)."""
    settings = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    instance = DagsterInstance.ephemeral(settings={"python_logs": settings["python_logs"]})
    result = defs.resolve_job_def("pyramid_job").execute_in_process(
        run_config={
            "resources": {
                "pyramid": {
                    "config": {
                        "warehouse_dir": str(tmp_path / "warehouse"),
                        "market_population": 25000,
                        "echo_dbt": False,
                    }
                }
            }
        },
        partition_key="2026-10-01",
        tags={"pyramid/as_of_date": "2026-10-31"},  # the one carrier of an as-of date into a run
        instance=instance,
    )
    assert result.success
    graph = defs.resolve_asset_graph()
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert materialized == set(graph.get_all_asset_keys())
    evaluations = {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}
    assert len(evaluations) == len(graph.asset_check_keys)
    # The demo's feed ends 2026-10-31: its freshness check fails with severity ERROR (stale after 7 days) and
    # stops nothing; every other check passes.
    freshness = evaluations.pop("sales_feed_fresh")
    assert not freshness.passed and not freshness.blocking
    assert freshness.severity == AssetCheckSeverity.ERROR
    assert freshness.metadata["newest_order_date"].value == "2026-10-31"
    assert freshness.metadata["age_days"].value == (today_utc() - dt.date(2026, 10, 31)).days
    assert all(evaluation.passed for evaluation in evaluations.values())
    # Executed alone, as from the asset's Checks tab: it reads the latest raw_sales materialization and passes
    # with thresholds above the feed's age.
    age = freshness.metadata["age_days"].value
    alone = Definitions(
        assets=[raw_inputs],
        asset_checks=[sales_feed_fresh],
        jobs=[define_asset_job("freshness", selection=AssetSelection.checks(sales_feed_fresh))],
        resources={"pyramid": PyramidResource(freshness_warn_after_days=age, freshness_error_after_days=age)},
    )
    checked = alone.resolve_job_def("freshness").execute_in_process(instance=instance)
    [again] = checked.get_asset_check_evaluations()
    assert again.passed
    assert again.description.startswith("the sales feed is fresh: its newest sale, 2026-10-31")
    counts = Pyramid(tmp_path / "warehouse").counts()
    assert (counts["top"], counts["big"], counts["medium"], counts["small"]) == (15, 61, 229, 1218)
    # The action lists and the pyramid ahead in their assets' metadata, as the UI shows them.
    shown = {
        event.asset_key.path[-1]: event.step_materialization_data.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    assert "| retain | 35 | 993,900.68 |" in shown["customer_actions"]["actions"].value
    assert "| top | 15 | 15.43 | 20.78 | -0.69 |" in shown["pyramid_forecast"]["pyramid_ahead"].value
    backtest = shown["outlook_backtest"]["backtest"].value
    assert "| all | 1,502 | 683.1 | 614 | 3,862,943.26 | 4,569,110.75 | 0.8954 | 0.9280 |" in backtest
    # The pair the backtest chose, first, in the candidates asset's metadata.
    candidates = shown["outlook_candidates"]["candidates"].value
    assert "| 1 | mbg_nbd + gamma_gamma (chosen) | -15.5 | 0.8954 | 0.8550 |" in candidates
    # The pyramid at the outlook's horizon beside today's: 15 top customers now (the pyramid above).
    assert "| top | 15 |" in shown["customer_outlook"]["pyramid_at_horizon"].value
    logged = [entry.user_message for entry in instance.all_logs(result.run_id) if entry.dagster_event is None]
    assert "validating the marts (Great Expectations): 11 of 11 done" in logged
    assert "drawing the report" in logged
    # One line for dbt's nodes when they are all done, not one per node.
    dbt_lines = [line for line in logged if line.startswith("dbt build:")]
    assert len(dbt_lines) == 1 and dbt_lines[0].endswith(" done")


def _in_and_out(dataset: Dataset) -> list[str]:
    return ["--input", str(dataset.input_dir), "--warehouse", str(dataset.warehouse_dir)]


@pytest.mark.slow
def test_a_cli_run_and_a_dagster_run_on_one_warehouse_never_overlap(dataset):
    """While `pyramid run` builds, a Dagster run (UI, schedule, backfill) of the same warehouse is refused in
    its first step, naming the CLI run; the CLI run publishes (as of the latest sale, 2025-12-15). While a
    Dagster run holds the warehouse, `pyramid run` is refused at once, exit 1, naming the Dagster run."""
    dataset.sales(_monthly_sales())
    cli = subprocess.Popen(
        [str(Path(sys.executable).with_name("pyramid")), "run", *_in_and_out(dataset), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = dataset.warehouse_dir / ".lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and "pyramid run" in lock.read_text()):
        assert time.monotonic() < deadline and cli.poll() is None, "the CLI run never took the lock"
        time.sleep(0.1)
    refused = _run_partition(dataset, "2025-12-01", DagsterInstance.ephemeral())
    assert not refused.success
    [failure] = [event for event in refused.all_events if event.is_step_failure]
    assert failure.step_key == "raw_inputs"
    message = failure.step_failure_data.error.cause.message
    assert "another pyramid build is running on this warehouse (pyramid run, pid" in message
    assert f"pid {cli.pid}," in message
    assert not (dataset.warehouse_dir / ".build" / refused.run_id).exists()
    _, stderr = cli.communicate(timeout=600)
    assert cli.returncode == 0, stderr
    assert Pyramid(dataset.warehouse_dir).query("select distinct as_of_date from marts.pyramid_summary") == [
        (dt.date(2025, 12, 15),)
    ]

    with warehouse_lock(dataset.warehouse_dir, "Dagster run 1a2b3c4d"):
        busy = run_pyramid("run", *_in_and_out(dataset))
    assert busy.returncode == 1
    assert "another pyramid build is running on this warehouse (Dagster run 1a2b3c4d, pid" in busy.stderr
    assert "Traceback" not in busy.stderr


@pytest.mark.slow  # a build, then a second run refused by the raw suite
def test_a_failing_blocking_check_stops_publishing(dataset):
    dataset.sales(_monthly_sales())
    instance = DagsterInstance.ephemeral()
    assert _run_partition(dataset, "2025-12-01", instance).success
    published = dataset.warehouse_dir / "pyramid.duckdb"
    before = published.read_bytes()
    dataset.sales([*_monthly_sales(), ("d", "2999-01-01", "5.00")])
    result = _run_partition(dataset, "2025-12-01", instance)
    assert not result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    # The landed sales' two checks ran; the blocking one failed, so nothing downstream ran.
    assert set(checks) == {"gx_raw_sales", "sales_feed_fresh"} and checks["gx_raw_sales"] is False
    assert not result.asset_materializations_for_node("published")
    assert published.read_bytes() == before
    assert not list(dataset.warehouse_dir.glob(".build/*")), "refused before any model ran: no build folder"

    context = build_run_status_sensor_context(
        sensor_name="explain_failure",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"pyramid": PyramidResource(warehouse_dir=str(dataset.warehouse_dir))},
    ).for_run_failure()
    explain_failure(context)
    reason = (dataset.warehouse_dir / "last_failure.txt").read_text()
    assert reason.count("\n") == 1
    assert (
        "failed: check raw_sales:gx_raw_sales did not pass: 1 of 7 failed: order_date_not_in_future" in reason
    )
    assert "observed 2999-01-01" in reason


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body
    return body["data"]


def _restore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def dagster_dev(tmp_path):
    """`dagster dev` on a free port with its own DAGSTER_HOME and warehouse; stopped and reaped afterwards."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    dataset = Dataset(tmp_path).sales(_monthly_sales())
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "PYRAMID_INPUT_DIR": str(dataset.input_dir),
        "PYRAMID_WAREHOUSE_DIR": str(dataset.warehouse_dir),
    }
    dagster = Path(sys.executable).with_name("dagster")
    log = open(tmp_path / "dagster_dev.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(dagster), "dev", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_restore_sigint,
    )
    (tmp_path / "dagster_dev.pid").write_text(str(process.pid))
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                _graphql(port, "{ version }")
                break
            except (OSError, AssertionError):
                assert process.poll() is None, (tmp_path / "dagster_dev.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "dagster dev did not answer within 180 s"
                time.sleep(1)
        yield port, dataset
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()
        assert _group_gone(process.pid, within=60), "a process of dagster dev is still running"


def _group_gone(group: int, *, within: float) -> bool:
    """True once no process of the group is left (the webserver and daemon exit a little after dev)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.5)
    os.killpg(group, signal.SIGKILL)
    return False


LAUNCH = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""


def _launch(port: int, partition: str) -> str:
    launched = _graphql(
        port,
        LAUNCH,
        {
            "params": {
                "selector": {
                    "repositoryLocationName": "orchestration",
                    "repositoryName": "__repository__",
                    "jobName": "pyramid_job",
                },
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]},
            }
        },
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def _finished(port: int, run_id: str) -> str | None:
    deadline = time.monotonic() + 400
    status = None
    while time.monotonic() < deadline:
        status = _graphql(port, f'{{ runOrError(runId: "{run_id}") {{ ... on Run {{ status }} }} }}')
        status = status["runOrError"]["status"]
        if status in {"SUCCESS", "FAILURE", "CANCELED"}:
            break
        time.sleep(2)
    return status


def _run_processes(root: int) -> dict[int, str]:
    """Processes under `root` that belong to a run: its process, or a validation worker. (A resource tracker
    ends with the last process that writes to it; the code server keeps one of its own.)"""
    marks = ("execute_run", "spawn_main")
    return {
        pid: cmdline(pid) for pid in alive(descendants(root)) if any(mark in cmdline(pid) for mark in marks)
    }


@pytest.mark.slow
def test_dagster_dev_serves_the_graph_and_runs_the_job(dagster_dev):
    port, dataset = dagster_dev
    nodes = _graphql(port, "{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    keys = {node["assetKey"]["path"][-1] for node in nodes}
    assert {"raw_sales", "customer_tiers", "pyramid_summary", "published", "pyramid_report"} <= keys
    schedules = _graphql(
        port,
        """{ schedulesOrError(repositorySelector: {repositoryLocationName: "orchestration",
             repositoryName: "__repository__"}) {
               ... on Schedules { results { name cronSchedule executionTimezone } } } }""",
    )["schedulesOrError"]["results"]
    assert schedules == [{"name": "daily_pyramid", "cronSchedule": "0 6 * * *", "executionTimezone": "UTC"}]
    runs = [_launch(port, month) for month in ("2025-01-01", "2025-02-01", "2025-03-01")]
    assert [_finished(port, run_id) for run_id in runs] == ["SUCCESS"] * 3
    # Once Dagster has reported each run done, no run process, validation worker or resource tracker of the
    # runs is left (a run's multiprocessing child used to wait for ever on its idle worker).
    server = int((dataset.root / "dagster_dev.pid").read_text())
    deadline = time.monotonic() + 30
    while _run_processes(server) and time.monotonic() < deadline:
        time.sleep(1)
    assert not _run_processes(server), _run_processes(server)
    assert Pyramid(dataset.warehouse_dir).levels() == {"a": "active", "b": "inactive"}
    # `pyramid run` on the instance `dagster dev` reads (the project's .dagster_home by default, here the
    # fixture's): the UI lists the command line's run beside its own three.
    cli = dataset.cli("--as-of", "2025-03-31", env={"DAGSTER_HOME": str(dataset.root / "dagster_home")})
    assert cli.returncode == 0, cli.stderr[-2000:]
    listed = _graphql(port, "{ runsOrError { ... on Runs { results { runId status } } } }")["runsOrError"]
    statuses = {run["runId"]: run["status"] for run in listed["results"]}
    assert len(statuses) == 4 and set(statuses.values()) == {"SUCCESS"}
    assert set(runs) < set(statuses)

"""Benchmark the pipeline against two references on the same generated data, in one run on one machine.

    make bench                                   # 1M and 10M sales lines
    .venv/bin/python bench/run.py --sizes 1000000,10000000,100000000

For each size: generation (`pyramid generate --sales-rows`), the full pipeline (`pyramid run`: load, raw
validation, dbt build with tests, mart validation, publish, report), a second run one day later (the daily
run), the whole pyramid in bare DuckDB SQL (bench/whole_pyramid.sql: today's levels, every month end's
tiers, migration; no dbt, no validation), and references that compute the tier table alone: a bare DuckDB
SQL script and the way an analyst would do it in pandas (and polars). Each step runs in its own process; its
time is wall-clock and its memory the peak resident set size of its whole process tree, sampled every 0.1 s.
Writes bench/results.json, docs/benchmarks.md (table) and docs/benchmarks.png (plot).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AS_OF = "2026-10-30"
NEXT_DAY = "2026-10-31"

BARE_SQL = """
with window_sales as (
    select customer_id, sum(amount) as revenue, bool_or(amount > 0) as bought
    from read_parquet('{sales}')
    where order_date > date '{as_of}' - 365 and order_date <= date '{as_of}'
    group by customer_id
),
ranked as (
    select customer_id, revenue,
        row_number() over (order by revenue desc, customer_id) as revenue_rank,
        count(*) over () as n
    from window_sales where bought
)
select customer_id, revenue, revenue_rank,
    case when revenue_rank <= floor(n * 0.01 + 0.5) then 'top'
         when revenue_rank <= floor(n * 0.05 + 0.5) then 'big'
         when revenue_rank <= floor(n * 0.20 + 0.5) then 'medium' else 'small' end as tier
from ranked
"""

WHOLE_PYRAMID_SQL = ROOT / "bench" / "whole_pyramid.sql"
RESULTS = ROOT / "bench" / "results.json"

REFERENCES = {
    "duckdb_whole_pyramid": textwrap.dedent(
        """
        import duckdb, pathlib, sys
        _, sales, as_of, whole_sql, customers = sys.argv[1:6]
        script = pathlib.Path(whole_sql).read_text().format(sales=sales, as_of=as_of, customers=customers)
        con = duckdb.connect()
        con.execute("set threads = 2")
        con.execute(script)
        print(con.execute(
            "select (select count(*) from history), (select count(*) from migration),"
            " (select sum(customers) from summary)"
        ).fetchone())
        """
    ),
    "duckdb_sql": textwrap.dedent(
        """
        import duckdb, sys
        sql = sys.argv[1]
        con = duckdb.connect()
        con.execute("set threads = 2")
        counts = con.execute(f"select tier, count(*) from ({sql}) group by tier").fetchall()
        print(sorted(counts))
        """
    ),
    "pandas": textwrap.dedent(
        """
        import sys, pandas as pd, numpy as np
        sales_path, as_of = sys.argv[2], pd.Timestamp(sys.argv[3])
        sales = pd.read_parquet(sales_path, columns=["customer_id", "order_date", "amount"],
                                dtype_backend="pyarrow")
        day = pd.to_datetime(sales["order_date"].astype("datetime64[ms]"))
        window = sales[(day > as_of - pd.Timedelta(days=365)) & (day <= as_of)]
        window = window.assign(positive=window["amount"] > 0)
        per_customer = window.groupby("customer_id").agg(
            revenue=("amount", "sum"), bought=("positive", "any"))
        active = per_customer[per_customer["bought"]].reset_index()
        active = active.sort_values(["revenue", "customer_id"], ascending=[False, True])
        n = len(active)
        rank = np.arange(1, n + 1)
        bounds = [np.floor(n * s + 0.5) for s in (0.01, 0.05, 0.20)]
        active["tier"] = np.select([rank <= bounds[0], rank <= bounds[1], rank <= bounds[2]],
                                   ["top", "big", "medium"], "small")
        print(sorted(active["tier"].value_counts().items()))
        """
    ),
    "polars": textwrap.dedent(
        """
        import sys, datetime as dt, polars as pl
        sales_path, as_of = sys.argv[2], dt.date.fromisoformat(sys.argv[3])
        start = as_of - dt.timedelta(days=364)
        active = (
            pl.scan_parquet(sales_path)
            .filter(pl.col("order_date").is_between(start, as_of))
            .group_by("customer_id")
            .agg(pl.col("amount").sum().alias("revenue"), (pl.col("amount") > 0).any().alias("bought"))
            .filter(pl.col("bought"))
            .sort(["revenue", "customer_id"], descending=[True, False])
            .collect()
        )
        n = active.height
        rank = pl.int_range(1, n + 1, eager=True)
        b = [int(n * s + 0.5) for s in (0.01, 0.05, 0.20)]
        tiers = (pl.when(rank <= b[0]).then(pl.lit("top")).when(rank <= b[1]).then(pl.lit("big"))
                 .when(rank <= b[2]).then(pl.lit("medium")).otherwise(pl.lit("small")))
        active = active.with_columns(tiers.alias("tier"))
        print(sorted(active.group_by("tier").len().rows()))
        """
    ),
}


PROGRESS_PREFIX = "[pyramid] "


def tree_rss(root: psutil.Process) -> int:
    try:
        tree = [root, *root.children(recursive=True)]
        return sum(p.memory_info().rss for p in tree if p.is_running())
    except psutil.Error:
        return 0


def measure(command: list[str], *, env: dict | None = None, cluster: list[int] | None = None) -> dict:
    """Run `command`; its wall time, exit code, last output line and the peak RSS of its process tree, and
    for `pyramid run` the time of each phase it announced (its progress lines, timed as they arrive). With
    `cluster` (the PIDs of a Spark cluster's processes), also the peak RSS of the cluster's processes."""
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(
        target=lambda: lines.extend((time.monotonic() - started, line) for line in process.stdout),
        daemon=True,
    )
    reader.start()
    root = psutil.Process(process.pid)
    cluster_roots = [psutil.Process(pid) for pid in cluster or []]
    peak = cluster_peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(root))
        cluster_peak = max(cluster_peak, sum(tree_rss(member) for member in cluster_roots))
        time.sleep(0.1)
    reader.join()
    seconds = time.monotonic() - started
    output = "".join(line for _, line in lines)
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak / 2**20),
        **({"cluster_peak_rss_mb": round(cluster_peak / 2**20)} if cluster else {}),
        "exit_code": process.returncode,
        "tail": output.strip().splitlines()[-1:] if output.strip() else [],
        "log": output[-3000:] if process.returncode else "",
        "phases": phase_seconds(lines, seconds),
    }


def phase_seconds(lines: list[tuple[float, str]], total: float) -> dict[str, float]:
    """Seconds from each announced phase to the next one ("start-up" before the first; the last one lasts
    until the process ends, its summary included). A count's closing line ("dbt build: 106 of 106 done") and
    a detail (indented: "  sales: appended, …") end no phase."""
    phases = [
        (at, line.removeprefix(PROGRESS_PREFIX).rstrip())
        for at, line in lines
        if line.startswith(PROGRESS_PREFIX) and not line.rstrip().endswith(" done")
    ]
    phases = [(at, text) for at, text in phases if not text.startswith(" ")]
    if not phases:
        return {}
    marks = [(0.0, "start-up"), *phases, (total, "")]
    timed: dict[str, float] = {}
    for (at, text), (until, _) in itertools.pairwise(marks):
        timed[text] = round(timed.get(text, 0.0) + until - at, 1)
    return timed


SLOWEST_NODES = 8


def slowest_dbt_nodes(warehouse: Path) -> dict[str, float]:
    """The slowest dbt nodes of the run just published (warehouse/dbt/run_results.json), with their number
    and the sum of all nodes' times."""
    results_file = warehouse / "dbt" / "run_results.json"
    if not results_file.exists():
        return {}
    results = json.loads(results_file.read_text())["results"]
    timed = sorted(((r["execution_time"], r["unique_id"].split(".")[2]) for r in results), reverse=True)
    return {
        "all nodes": round(sum(seconds for seconds, _ in timed), 1),
        "nodes": len(timed),
        **{name: round(seconds, 1) for seconds, name in timed[:SLOWEST_NODES]},
    }


def add_next_day(input_dir: Path) -> int:
    """The daily run's input: one average day of sales more in `sales/` (the generated lines over the days of
    their span, about 0.1 % of them), taken from the as-of date's lines and dated a day later; returns how
    many lines it holds."""
    import duckdb

    from orchestration.generate.big import FIRST_DAY, LAST_DAY

    sales = input_dir / "sales"
    history = f"read_parquet('{sales}/part-0001.parquet')"
    with duckdb.connect() as con:
        lines = con.execute(f"select count(*) from {history}").fetchone()[0]
        average_day = max(round(lines / ((LAST_DAY - FIRST_DAY).days + 1)), 1)
        con.execute(
            f"copy (select 'N' || order_id as order_id, customer_id, order_date + 1 as order_date, amount"
            f" from {history} where order_date = date '{AS_OF}' order by order_id limit {average_day})"
            f" to '{sales}/part-0002.parquet' (format parquet, compression zstd)"
        )
        return con.execute(f"select count(*) from read_parquet('{sales}/part-0002.parquet')").fetchone()[0]


def warm_up(work: Path) -> None:
    """One untimed build of the bundled demo first: the first build after a change of the models runs dbt's
    unit tests (orchestration/build/unit_tests.py) and parses the project, which no later build repeats, and
    the first size's full run would be timed with them."""
    print("warm-up: one build of the demo, not timed", flush=True)
    subprocess.run(
        [str(BIN / "pyramid"), "run", "--warehouse", str(work / "warm_up")],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    shutil.rmtree(work / "warm_up", ignore_errors=True)


def bench_size(rows: int, work: Path, memory_limit: str, cluster=None) -> dict:
    data, warehouse = work / f"input_{rows}", work / f"warehouse_{rows}"
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(warehouse, ignore_errors=True)
    result = {"sales_rows": rows}
    result["generate"] = measure(
        [str(BIN / "pyramid"), "generate", "--sales-rows", str(rows), "--out", str(data), "--force"]
    )
    # Sales as a folder of daily files, the way a daily feed arrives: the generated history is the first file.
    (data / "sales").mkdir()
    sales = data / "sales" / "part-0001.parquet"
    os.replace(data / "sales.parquet", sales)
    sql = BARE_SQL.format(sales=sales, as_of=AS_OF)
    for name, script in REFERENCES.items():
        arguments = [sql, str(sales), AS_OF, str(WHOLE_PYRAMID_SQL), str(data / "customers.parquet")]
        result[name] = measure([sys.executable, "-c", script, *arguments])
    run = [
        str(BIN / "pyramid"),
        "run",
        "--input",
        str(data),
        "--warehouse",
        str(warehouse),
        "--memory-limit",
        memory_limit,
    ]
    result["pipeline"] = measure([*run, "--as-of", AS_OF])
    result["pipeline"]["dbt_nodes"] = slowest_dbt_nodes(warehouse)
    result["daily_lines"] = add_next_day(data)
    result["daily_run"] = measure([*run, "--as-of", NEXT_DAY])
    result["daily_run"]["dbt_nodes"] = slowest_dbt_nodes(warehouse)
    if cluster is not None:
        # The same lines on the Spark cluster, into an empty warehouse of its own: the full run without the
        # daily file (set aside), then the daily run with it, as on DuckDB.
        cluster_warehouse = work / f"cluster_{rows}"
        on_cluster = [*run[:4], "--warehouse", str(cluster_warehouse), "--memory-limit", memory_limit]
        on_cluster += ["--target", "spark_cluster"]
        pids = [process.pid for process in cluster.processes.values()]
        daily_file = data / "sales" / "part-0002.parquet"
        aside = data / "part-0002.parquet"
        os.replace(daily_file, aside)
        result["cluster_pipeline"] = measure(
            [*on_cluster, "--as-of", AS_OF], env=cluster.environment(), cluster=pids
        )
        result["cluster_pipeline"]["dbt_nodes"] = slowest_dbt_nodes(cluster_warehouse)
        os.replace(aside, daily_file)
        result["cluster_daily"] = measure(
            [*on_cluster, "--as-of", NEXT_DAY], env=cluster.environment(), cluster=pids
        )
        result["cluster_daily"]["dbt_nodes"] = slowest_dbt_nodes(cluster_warehouse)
        shutil.rmtree(cluster_warehouse, ignore_errors=True)
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(warehouse, ignore_errors=True)
    return result


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, {memory:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


HAND_WRITTEN = "## Where the time goes"


def write_markdown(results: list[dict], out: Path, memory_limit: str) -> None:
    """The table of this run; a hand-written profile section already in the file (HAND_WRITTEN on) is kept."""
    kept = ""
    if out.exists() and HAND_WRITTEN in out.read_text():
        kept = out.read_text()[out.read_text().index(HAND_WRITTEN) :]
    steps = [
        ("generate", "generation"),
        ("duckdb_whole_pyramid", "whole pyramid, bare DuckDB SQL"),
        ("duckdb_sql", "bare DuckDB SQL"),
        ("pandas", "pandas"),
        ("polars", "polars"),
        ("pipeline", "full pipeline"),
        ("daily_run", "daily run"),
        ("cluster_pipeline", "full pipeline on the Spark cluster (pipeline · cluster)"),
        ("cluster_daily", "daily run on the Spark cluster (pipeline · cluster)"),
    ]
    target = "pipeline target: 2 x whole pyramid + 15 s"
    header = "| sales lines | " + " | ".join(label for _, label in steps) + f" | {target} |"
    rule = "| ---: | " + " | ".join("---:" for _ in steps) + " | ---: |"
    rows = []
    for result in results:
        cells = []
        for key, _ in steps:
            step = result.get(key)
            if step is None:  # a result of an earlier version of this script
                cells.append("n/a")
                continue
            mark = "" if step["exit_code"] == 0 else " (failed)"
            cluster = f" · {step['cluster_peak_rss_mb']:,} MB" if "cluster_peak_rss_mb" in step else ""
            cells.append(f"{step['seconds']} s · {step['peak_rss_mb']:,} MB{cluster}{mark}")
        whole = result.get("duckdb_whole_pyramid")
        cells.append(f"{2 * whole['seconds'] + 15:.1f} s" if whole else "n/a")
        limit = result.get("memory_limit", memory_limit)
        mark = "" if limit == memory_limit else f" (memory limit {limit})"
        rows.append(f"| {result['sales_rows']:,}{mark} | " + " | ".join(cells) + " |")
    out.write_text(
        "\n".join(
            [
                "# Benchmarks",
                "",
                f"Measured {dt.date.today()} by `bench/run.py` on {machine()}; DuckDB memory limit of the"
                f" pipeline: {memory_limit}. Each cell: wall time · peak RSS of the whole process tree.",
                "",
                header,
                rule,
                *rows,
                "",
                "*generation*: `pyramid generate --sales-rows N` (Parquet, one customer per 20 lines).",
                "*whole pyramid, bare DuckDB SQL*: `bench/whole_pyramid.sql`, everything the pipeline"
                " computes from the sales (today's levels and summary, every month end's levels and tiers,"
                " migration between consecutive months), no dbt, no checks, no memory limit.",
                "*bare DuckDB SQL*, *pandas*, *polars*: the tier table alone, from the Parquet file,"
                " no checks.",
                "*full pipeline*: `pyramid run` end to end (load and check the input, raw validation, dbt"
                " build with its data tests and the tier history, mart validation, publish DuckDB and"
                " Parquet, report), after an untimed build of the demo (the first build after a change of"
                " the models also runs dbt's unit tests).",
                "*daily run*: `pyramid run` again, one day later, with a file of one average day's sales"
                " (the lines over the days of their span, about 0.1 % of them) added to `sales/`.",
                "*full pipeline on the Spark cluster*, *daily run on the Spark cluster*: `pyramid run"
                " --target spark_cluster` on the same lines and then with the same daily file (`bench/run.py"
                " --cluster`), into an empty warehouse of its own, on the standalone cluster of"
                " `orchestration/build/local_cluster.py` on this machine (one worker, one executor core per"
                " application); peak RSS of the pipeline's process tree, then of the cluster's five"
                " processes; n/a: not measured in that run.",
                "",
                "![Benchmarks](benchmarks.png)",
                "",
                *phase_table(results),
                kept,
            ]
        ).rstrip("\n")
        + "\n"
    )


def phase_table(results: list[dict]) -> list[str]:
    """Where the pipeline's time went, phase by phase as `pyramid run` announced them, full and daily run,
    and the slowest dbt nodes of each."""
    runs = [
        (f"{result['sales_rows']:,} {label}", result[key].get("phases", {}))
        for result in results
        for key, label in (("pipeline", "full"), ("daily_run", "daily"))
        if key in result
    ]
    names = list(dict.fromkeys(name for _, phases in runs for name in phases))
    if not names:
        return []
    rows = [
        f"| {name} | "
        + " | ".join(f"{phases[name]} s" if name in phases else "" for _, phases in runs)
        + " |"
        for name in names
    ]
    return [
        "### The pipeline phase by phase",
        "",
        "From the progress lines `pyramid run` prints, timed as they arrive (a phase lasts until the next one"
        " begins; the last one includes printing the summary).",
        "",
        "| phase | " + " | ".join(label for label, _ in runs) + " |",
        "| --- | " + " | ".join("---:" for _ in runs) + " |",
        *rows,
        "",
        *_node_lines(results),
    ]


def _node_lines(results: list[dict]) -> list[str]:
    """The slowest dbt nodes of each run, from its run_results.json (dbt's own timer per node)."""
    lines = []
    for result in results:
        for key, label in (("pipeline", "full pipeline"), ("daily_run", "daily run")):
            nodes = dict(result.get(key, {}).get("dbt_nodes") or {})
            if not nodes:
                continue
            total, count = nodes.pop("all nodes"), nodes.pop("nodes")
            slowest = ", ".join(f"`{name}` {seconds} s" for name, seconds in nodes.items())
            lines.append(
                f"- {result['sales_rows']:,} lines, {label}: {count} dbt nodes, {total} s in all; slowest:"
                f" {slowest}."
            )
    if not lines:
        return []
    return [
        "Where the dbt build's time goes (dbt's own time per node, from `warehouse/dbt/run_results.json`):",
        "",
        *lines,
        "",
    ]


def plot(results: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5))
    for key, label in (
        ("duckdb_whole_pyramid", "whole pyramid, bare DuckDB SQL"),
        ("duckdb_sql", "bare DuckDB SQL"),
        ("polars", "polars"),
        ("pandas", "pandas"),
        ("pipeline", "full pipeline"),
        ("daily_run", "daily run"),
    ):
        measured = [(r["sales_rows"], r[key]["seconds"]) for r in results if key in r]
        axes.plot(*zip(*measured, strict=True), marker="o", label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("sales lines")
    axes.set_ylabel("seconds (wall)")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.savefig(out, dpi=110, bbox_inches="tight")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="1000000,10000000",
        help="sales lines per run, comma-separated; SIZE:LIMIT gives that size a memory limit of its own",
    )
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="also build each size on a Spark cluster started on this machine (--target spark_cluster)",
    )
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the rows of bench/results.json for sizes not run now (each row is still one run's)",
    )
    arguments = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(dir=arguments.work) as scratch, contextlib.ExitStack() as stack:
        cluster = None
        if arguments.cluster:
            from orchestration.build.local_cluster import LocalCluster

            cluster = stack.enter_context(LocalCluster(Path(scratch) / "spark_cluster"))
        warm_up(Path(scratch))
        for text in arguments.sizes.split(","):
            # "100000000:4GB": this size with a memory limit of its own.
            size, _, limit = text.partition(":")
            result = bench_size(int(size), Path(scratch), limit or arguments.memory_limit, cluster)
            result["memory_limit"] = limit or arguments.memory_limit
            results.append(result)
            print(json.dumps(result), flush=True)
    if arguments.merge and RESULTS.exists():
        sizes_run = {result["sales_rows"] for result in results}
        kept = [result for result in json.loads(RESULTS.read_text()) if result["sales_rows"] not in sizes_run]
        results = sorted(kept + results, key=lambda result: result["sales_rows"])
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    write_markdown(results, ROOT / "docs" / "benchmarks.md", arguments.memory_limit)
    plot(results, ROOT / "docs" / "benchmarks.png")
    print(f"wrote {ROOT / 'docs' / 'benchmarks.md'}")


if __name__ == "__main__":
    main()

"""Where the seconds of one `pyramid run` on the demo go, phase by phase; written to docs/benchmarks.md.

    make bench-demo                                  # this checkout, 3 warm runs, the median of each phase
    .venv/bin/python bench/profile_demo.py --project /path/to/other/checkout --label before --save-only

Each run is a fresh process (a warm one: bytecode compiled, files cached), as `pyramid run` is: the child
times its imports, runs the same `build_pyramid` the CLI runs on a throwaway Dagster instance, and reads each
step's start and end from Dagster's event log, dbt's own time per node from dagster-dbt's metadata. The whole
command (`pyramid run … --quiet`) is timed separately, end to end. `--project` profiles another checkout with
this environment (how the figures of an earlier commit are measured side by side); `--save-only` keeps them
in bench/demo_profile.json under their label without rewriting the document.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "demo_profile.json"
DOCUMENT = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- demo profile: start (bench/profile_demo.py) -->", "<!-- demo profile: end -->"
MARKET = "25000"

# Runs in a fresh interpreter in the profiled checkout; prints one JSON object.
CHILD = r"""
import json, sys, time
started = time.monotonic()
from pathlib import Path
import orchestration.cli  # what `pyramid` imports before it takes the warehouse lock
cli_ready = time.monotonic()
try:  # as `pyramid run` does: GX starts importing in its own process before Dagster is imported here
    from orchestration.validate import worker
    worker.start()
except ImportError:  # a checkout from before the validation worker
    pass
import orchestration.defs.definitions  # Dagster, dagster-dbt, dbt's manifest
from orchestration.pipeline import build_pyramid
from orchestration.core.settings import PyramidSettings
imported = time.monotonic()
from dagster import DagsterInstance
instance = DagsterInstance.ephemeral()
import orchestration.pipeline as pipeline
import contextlib
# The run's instance, kept open after the run (the pipeline disposes its own) so its event log can be read.
pipeline._instance = lambda: contextlib.nullcontext(instance)
settings = PyramidSettings(warehouse_dir=Path(sys.argv[1]), market_population=int(sys.argv[2]))
build_started, build_started_epoch = time.monotonic(), time.time()
build_pyramid(settings, echo=False)
built = time.monotonic()
run = instance.get_runs(limit=1)[0]
records = instance.all_logs(run.run_id)
steps, starts, dbt_nodes = {}, {}, {"models": 0.0, "tests": 0.0}
first = records[0].timestamp
for record in records:
    event = record.dagster_event
    if event is None:
        continue
    kind = event.event_type_value
    if kind == "STEP_START":
        starts[event.step_key] = record.timestamp
    elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
        steps[event.step_key] = record.timestamp - starts[event.step_key]
    elif kind in ("ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION") and "dbt" in (event.step_key or ""):
        data = event.event_specific_data
        metadata = getattr(data, "materialization", data).metadata
        duration = metadata.get("Execution Duration")
        if duration is not None:
            dbt_nodes["models" if kind == "ASSET_MATERIALIZATION" else "tests"] += duration.value
print(json.dumps({
    "cli_imports": cli_ready - started,
    "dagster_dbt_imports": imported - cli_ready,
    "job_start": min(starts.values()) - build_started_epoch,
    "steps": steps,
    "dbt_nodes": dbt_nodes,
    "build": built - build_started,
    "in_process": built - started,
}))
"""

PHASES = [
    ("process start and CLI imports (before the lock)", lambda p: p["cli_imports"]),
    ("Dagster, dagster-dbt and dbt imports, definitions", lambda p: p["dagster_dbt_imports"]),
    ("Dagster job start (to the first step)", lambda p: p["job_start"]),
    ("landing: check and load the inputs", lambda p: p["steps"].get("raw_inputs", 0)),
    ("raw GX suite (GX import included)", lambda p: p["steps"].get("raw_sales_gx_raw_sales", 0)),
    ("dbt step: whole", lambda p: p["steps"].get("pyramid_dbt_models", 0)),
    ("  of which dbt models (dbt's own time per node)", lambda p: p["dbt_nodes"]["models"]),
    ("  of which dbt data tests (dbt's own time per node)", lambda p: p["dbt_nodes"]["tests"]),
    ("  of which dbt start-up, parse, unit tests, hooks, events", lambda p: _dbt_other(p)),
    ("mart GX suites and Data Docs", lambda p: p["steps"].get("mart_suites", 0)),
    ("publish DuckDB and Parquet, history copy", lambda p: p["steps"].get("published", 0)),
    ("report: HTML, PNG, Markdown (matplotlib included)", lambda p: p["steps"].get("pyramid_report", 0)),
]


def _dbt_other(profile: dict) -> float:
    nodes = profile["dbt_nodes"]
    return profile["steps"].get("pyramid_dbt_models", 0) - nodes["models"] - nodes["tests"]


def profile_once(project: Path, python: str) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        environment = {**os.environ, "PYTHONPATH": str(project), "DAGSTER_HOME": scratch}
        (Path(scratch) / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        child = subprocess.run(
            [python, "-c", CHILD, str(Path(scratch) / "warehouse"), MARKET],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(child.stdout.strip().splitlines()[-1])


def time_command(project: Path, python: str) -> float:
    """`pyramid run --quiet` end to end, on a warehouse it built once before (a warm daily re-run)."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            python,
            "-c",
            "from orchestration import cli; getattr(cli, 'entry_point', cli.main)()",
            "run",
            "--quiet",
            "--market-population",
            MARKET,
            "--warehouse",
            str(Path(scratch) / "warehouse"),
        ]
        environment = {**os.environ, "PYTHONPATH": str(project)}
        subprocess.run(command, cwd=project, env=environment, check=True, capture_output=True)
        started = time.monotonic()
        subprocess.run(command, cwd=project, env=environment, check=True, capture_output=True)
        return time.monotonic() - started


def measure(project: Path, python: str, runs: int) -> dict:
    profiles = [profile_once(project, python) for _ in range(runs)]
    phases = {name: round(statistics.median(f(p) for p in profiles), 2) for name, f in PHASES}
    commands = [time_command(project, python) for _ in range(runs)]
    return {
        "phases": phases,
        "in_process_total": round(statistics.median(p["in_process"] for p in profiles), 2),
        "pyramid_run_wall": round(statistics.median(commands), 2),
        "runs": runs,
        "measured": time.strftime("%Y-%m-%d"),
    }


def _cell(result: dict, phase: str) -> str:
    return f"{result['phases'].get(phase, 0):.2f} s"


def write_section(results: dict) -> None:
    labels = [label for label in ("before", "after") if label in results]
    header = "| phase | " + " | ".join(labels) + " |"
    rule = "| --- | " + " | ".join("---:" for _ in labels) + " |"
    rows = [
        f"| {name} | " + " | ".join(_cell(results[label], name) for label in labels) + " |"
        for name, _ in PHASES
    ]
    rows.append(
        "| **the same, in one process (sum of the above and Dagster's own work)** | "
        + " | ".join(f"**{results[label]['in_process_total']:.1f} s**" for label in labels)
        + " |"
    )
    rows.append(
        "| **`pyramid run --quiet` on the demo, warm, wall clock (median)** | "
        + " | ".join(f"**{results[label]['pyramid_run_wall']:.1f} s**" for label in labels)
        + " |"
    )
    notes = [results[label].get("note", "") for label in labels]
    section = "\n".join(
        [
            START,
            "## The demo, phase by phase",
            "",
            "One `pyramid run` on the bundled demo (22,231 sales lines, 3,018 customers), median of"
            f" {results[labels[-1]]['runs']} warm runs each, made by `bench/profile_demo.py` (`make bench`).",
            *(f"*{label}*: {note}" for label, note in zip(labels, notes, strict=True) if note),
            "",
            header,
            rule,
            *rows,
            END,
        ]
    )
    text = DOCUMENT.read_text() if DOCUMENT.exists() else "# Benchmarks\n"
    if START in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCUMENT.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--label", default="after")
    parser.add_argument("--note", default="", help="what the label's checkout is (shown under the table)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--save-only", action="store_true")
    arguments = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[arguments.label] = {
        **measure(arguments.project.resolve(), sys.executable, arguments.runs),
        "note": arguments.note or results.get(arguments.label, {}).get("note", ""),
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results[arguments.label], indent=2))
    if not arguments.save_only:
        write_section(results)
        print(f"wrote {DOCUMENT}")


if __name__ == "__main__":
    main()

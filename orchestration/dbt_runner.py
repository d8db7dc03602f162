"""Run dbt as a subprocess (never in-process: dbtRunner keeps the DuckDB file open) and explain failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from orchestration.paths import DBT_PROJECT_DIR


class DbtBuildError(RuntimeError):
    """dbt build failed; the message lists the failing models and tests."""


@dataclass(frozen=True)
class DbtResult:
    seconds: float
    passed: int
    log_file: Path


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else "dbt"


def run_dbt_build(
    duckdb_path: Path,
    dbt_vars: dict[str, object],
    artifacts_dir: Path,
    *,
    target: str = "duckdb",
    echo: bool = True,
) -> DbtResult:
    """`dbt build` of the whole project into `duckdb_path`; raises DbtBuildError on any failure."""
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    log_file = artifacts_dir / "dbt_build.log"
    command = [
        dbt_executable(),
        "build",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        target,
        "--vars",
        json.dumps(dbt_vars),
    ]
    env = {
        **os.environ,
        "PYRAMID_DUCKDB_PATH": str(duckdb_path),
        "DBT_TARGET_PATH": str(artifacts_dir / "target"),
        "DBT_LOG_PATH": str(artifacts_dir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    run_results = artifacts_dir / "target" / "run_results.json"
    run_results.unlink(missing_ok=True)
    with open(log_file, "w") as log:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            if echo:
                sys.stdout.write(line)
        returncode = process.wait()
    results = _read_run_results(run_results)
    if returncode != 0:
        raise DbtBuildError(_failure_message(results, log_file))
    passed = sum(1 for result in results.get("results", []) if result["status"] in {"success", "pass"})
    return DbtResult(seconds=results.get("elapsed_time", 0.0), passed=passed, log_file=log_file)


def _read_run_results(path: Path) -> dict:
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def _failure_message(results: dict, log_file: Path) -> str:
    failures = [
        f"  {result['unique_id']}: {_first_line(result.get('message'))}"
        for result in results.get("results", [])
        if result["status"] in {"error", "fail", "runtime error"}
    ]
    if not failures:
        failures = [f"  {line}" for line in _error_lines(log_file)]
    return "dbt build failed:\n" + "\n".join(failures) + f"\n(full dbt output: {log_file})"


def _first_line(message: str | None) -> str:
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    useful = [line for line in lines if "Error" in line or "error" in line]
    return " ".join((useful or lines or ["(no message)"])[:2])


def _error_lines(log_file: Path) -> list[str]:
    lines = [line.rstrip() for line in log_file.read_text().splitlines()]
    picked = [line for line in lines if "Error" in line or "error" in line]
    return picked[-8:] or lines[-8:]

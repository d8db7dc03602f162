"""Turn a failed `dbt build` into a short message: the failing models and tests, from run_results.json."""

from __future__ import annotations

import json
from pathlib import Path


class DbtBuildError(RuntimeError):
    """dbt build failed; the message lists the failing models and tests."""


def failure_message(target_path: Path) -> str:
    results_file = target_path / "run_results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    failures = [
        f"  {result['unique_id']}: {_first_line(result.get('message'))}"
        for result in results.get("results", [])
        if result["status"] in {"error", "fail", "runtime error"}
    ]
    if not failures:
        reason = _log_error(target_path / "dbt.log")
        failures = [f"  dbt stopped before running any model: {reason or 'see dbt.log'}"]
    return "dbt build failed:\n" + "\n".join(failures) + f"\n(dbt logs and artifacts: {target_path})"


def _first_line(message: str | None) -> str:
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    useful = [line for line in lines if "Error" in line or "error" in line]
    return " ".join((useful or lines or ["(no message)"])[:2])


def _log_error(log_file: Path) -> str | None:
    """The last error dbt logged (a compilation, configuration or connection error), on one line."""
    if not log_file.exists():
        return None
    lines = [line.strip() for line in log_file.read_text(errors="replace").splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        if "Error" in lines[index]:
            return " ".join(lines[index : index + 3])[:500]
    return None

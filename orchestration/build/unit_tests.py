"""dbt's unit tests run in a build when their verdict could differ from the last one that passed.

A unit test checks a model's SQL on fixed input rows, so its verdict depends only on what the unit test
signature covers (orchestration/build/lineage.py): the code, the engine and its versions, and the vars the
test does not pin. dbt Labs recommends keeping unit tests out of production builds; the pipeline runs them
whenever that signature is new (a model, a macro or a test changed, dbt or the engine was upgraded) and leaves
them out when it has passed before. Every data test and Great Expectations suite still runs on every build:
they check the data, which changes each run.

Passed signatures are recorded as empty files in dbt's target folder, beside the partial-parse state.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from orchestration.build.project import pyramid_dbt_project

RECORD_DIR = pyramid_dbt_project.project_dir / "target" / "unit_tests_passed"
SKIP_ARGS = ("--exclude-resource-type", "unit_test")


def skip_args(signature: str) -> list[str]:
    """dbt build arguments that leave the unit tests out when this signature has passed already."""
    return list(SKIP_ARGS) if (RECORD_DIR / signature).exists() else []


def all_passed(run_results: Path | list[Path], manifest: dict) -> bool:
    """True when dbt's run_results.json (of each pass, on Spark) shows every unit test of the project run
    and passed (a build of a subset of the models runs only their unit tests, and proves nothing of the
    others)."""
    files = run_results if isinstance(run_results, list) else [run_results]
    if not all(path.exists() for path in files):
        return False
    statuses = {
        result["unique_id"]: result["status"]
        for path in files
        for result in json.loads(path.read_text())["results"]
    }
    return all(statuses.get(unique_id) == "pass" for unique_id in manifest.get("unit_tests", {}))


def record_passed(signature: str) -> None:
    """Note that the unit tests pass for this signature (a build that passed ran them, or had before).

    Written atomically, so builds in parallel processes never see half a record; where the project folder
    cannot be written (a read-only copy), nothing is recorded and the next build runs them again.
    """
    with contextlib.suppress(OSError):
        RECORD_DIR.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=RECORD_DIR, prefix=".recording-")
        os.close(handle)
        os.replace(temporary, RECORD_DIR / signature)

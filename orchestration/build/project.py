"""The dbt project as Dagster sees it, with its manifest prepared once and reused.

`dagster dev` sets DAGSTER_IS_DEV_CLI for every process, and DbtProject.prepare_if_dev() would then re-run
`dbt parse` in each step (seconds a step). Instead the manifest is parsed when missing or older than a model
file (`make install` does it up front), so loading the code location stays fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.core.paths import DBT_PROJECT_DIR

pyramid_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
SOURCES = ("dbt_project.yml", "models", "macros", "tests")


def project_files(project_dir: Path = DBT_PROJECT_DIR) -> list[Path]:
    """The project's files a parse reads (besides profiles.yml): dbt_project.yml, models, macros, tests."""
    roots = [project_dir / name for name in SOURCES]
    files = [root for root in roots if root.is_file()]
    folders = [root for root in roots if root.is_dir()]
    return files + sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def manifest_is_stale(manifest: Path = pyramid_dbt_project.manifest_path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(path.stat().st_mtime > built for path in project_files())


def dbt_executable() -> str:
    """The dbt beside this Python (the project's virtual environment), else dbt on PATH."""
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else "dbt"


def dbt_by_hand_environment() -> dict[str, str]:
    """The environment of a dbt command as someone runs it by hand: none of the pipeline's PYRAMID_* variables
    (profiles.yml then takes its own defaults), no usage statistics."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYRAMID_")}
    return {**environment, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def dbt_parse(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """`dbt parse` of a project (no database needed); returns the path of the manifest it wrote."""
    subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
        ],
        check=True,
        # The profile's own defaults: the parsed nodes name the catalog `pyramid`, as every build file does.
        env={
            **{key: value for key, value in os.environ.items() if not key.startswith("PYRAMID_DUCKDB_")},
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
    )
    return project_dir / "target" / "manifest.json"


def prepare_manifest() -> Path:
    """`dbt parse` when the manifest is missing or stale; returns its path."""
    if manifest_is_stale():
        dbt_parse()
    return pyramid_dbt_project.manifest_path


if __name__ == "__main__":
    print(f"manifest: {prepare_manifest()}")

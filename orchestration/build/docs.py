"""dbt's documentation site for the whole project, one HTML file that opens offline (`make docs`).

`dbt docs generate --static` writes `static_index.html` with the manifest and catalog inside it, so it opens
from disk (file://) without a web server. The catalog (column types and row counts as the warehouse has them)
is read from a copy of the published warehouse: dbt-duckdb opens its database read-write, and the published
file must stay free for BI readers and the next build. Without a published warehouse the site is generated
from the YAML alone (`--empty-catalog --no-compile`). The exposures (`dbt_project/models/exposures.yml`) show
what reads the marts: BI tools on the DuckDB file, the Parquet serving copy, the report.

    python -m orchestration.build.docs [--warehouse DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from orchestration.build.project import dbt_by_hand_environment, dbt_executable
from orchestration.core.paths import DBT_PROJECT_DIR
from orchestration.core.settings import PyramidSettings
from orchestration.core.warehouse_files import published_path

SITE_FILE = "static_index.html"


def docs_dir(warehouse_dir: Path) -> Path:
    return warehouse_dir / "dbt_docs"


def generate_docs(warehouse_dir: Path, out: Path | None = None) -> Path:
    """Generate the site into `out` (default warehouse/dbt_docs/); returns the path of its HTML file."""
    out = out or docs_dir(warehouse_dir)
    published = published_path(warehouse_dir)
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / published.name  # the catalog names the database after the file
        # Without data, neither a catalog nor compiled SQL (compiling reads the raw tables' column types).
        catalog = ["--empty-catalog", "--no-compile"]
        if published.exists():
            shutil.copyfile(published, database)
            catalog = []
        subprocess.run(
            [
                dbt_executable(),
                "docs",
                "generate",
                "--static",
                "--quiet",
                *catalog,
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(out),
            ],
            check=True,
            env={
                **dbt_by_hand_environment(),
                "PYRAMID_DUCKDB_PATH": str(database),
                "PYRAMID_DUCKDB_TEMP_DIR": str(Path(scratch) / "tmp"),
            },
        )
    return out / SITE_FILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="warehouse folder (default: the setting)")
    parser.add_argument("--out", type=Path, help="output folder (default: <warehouse>/dbt_docs)")
    arguments = parser.parse_args()
    warehouse = arguments.warehouse or PyramidSettings.resolve().warehouse_dir
    print(f"dbt docs: {generate_docs(warehouse, arguments.out)}")


if __name__ == "__main__":
    main()

"""dbt run by hand starts its development file from the published warehouse (a dbt-duckdb plugin).

`cd dbt_project && dbt build` builds into warehouse/dev/pyramid.duckdb (profiles.yml), never into the
published file BI reads. The first time, that file does not exist, and DuckDB cannot even open a file in a
folder that does not exist: this plugin (listed under `plugins` in profiles.yml) copies the published
warehouse there just before dbt connects, raw tables and all, or stops dbt with one line saying how to get
one. A file that exists (every pipeline build's, a development file already made) is left alone.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

from orchestration.core.paths import WAREHOUSE_FILE_NAME
from orchestration.core.settings import PyramidSettings, SettingsError
from orchestration.core.warehouse_files import published_path


class Plugin(BasePlugin):
    def update_connection_config(self, creds, config: dict[str, Any]) -> None:
        development = Path(creds.path).resolve()
        if creds.path == ":memory:" or development.exists():
            return
        source = next((path for path in _published_candidates(development) if path.exists()), None)
        if source is None:
            raise DbtRuntimeError(
                f"{development} does not exist yet and there is no published warehouse to start it from: run"
                " `make run` (or `pyramid run`) first, then dbt again"
            )
        development.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, development)


def _published_candidates(development: Path) -> list[Path]:
    """The published file of the development file's own warehouse (warehouse/dev/ → warehouse/), then that of
    PYRAMID_WAREHOUSE_DIR or the default."""
    candidates = [development.parent.parent / WAREHOUSE_FILE_NAME]
    with contextlib.suppress(SettingsError):  # a bad PYRAMID_* variable: the first candidate only
        candidates.append(published_path(PyramidSettings.resolve().warehouse_dir))
    return candidates

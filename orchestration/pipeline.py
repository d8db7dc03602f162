"""One pyramid build: load the raw inputs, dbt build, publish. The CLI (and later Dagster) call this."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.dbt_runner import run_dbt_build
from orchestration.loading import LoadedInput, load_inputs
from orchestration.settings import PyramidSettings
from orchestration.warehouse import exclusive_build, publish


@dataclass(frozen=True)
class BuildResult:
    warehouse: Path
    inputs: list[LoadedInput]
    seconds: float


def build_pyramid(settings: PyramidSettings, *, echo: bool = True) -> BuildResult:
    """Build the pyramid into a new file and publish it; on any error the published file is untouched."""
    started = time.monotonic()
    with exclusive_build(settings.warehouse_dir) as build_file:
        with duckdb.connect(str(build_file)) as con:
            inputs = load_inputs(con, settings.input_dir, keep_duplicates=settings.keep_duplicates)
        run_dbt_build(
            build_file,
            settings.dbt_vars(),
            settings.warehouse_dir / "dbt",
            target=settings.target,
            echo=echo,
        )
        published = publish(build_file, settings.warehouse_dir)
    return BuildResult(warehouse=published, inputs=inputs, seconds=time.monotonic() - started)

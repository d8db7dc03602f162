"""What every step of a run needs to agree on: the settings, the as-of date and the run's build file."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from orchestration.partitions import as_of_for_partition
from orchestration.resources import PyramidResource
from orchestration.settings import PyramidSettings
from orchestration.warehouse import build_path


@dataclass(frozen=True)
class RunSettings:
    settings: PyramidSettings
    build_file: Path


def run_settings(context, pyramid: PyramidResource) -> RunSettings:
    """As-of date: the resource's override, else the run's partition (month end, or yesterday)."""
    partition_key = context.run.tags.get("dagster/partition")
    if pyramid.as_of_date:
        as_of: dt.date | None = dt.date.fromisoformat(pyramid.as_of_date)
    elif partition_key:
        as_of = as_of_for_partition(partition_key)
    else:
        as_of = None
    return RunSettings(pyramid.settings(as_of), build_path(pyramid.warehouse, context.run.run_id))

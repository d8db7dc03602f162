"""What every step of a run needs to agree on: the settings, the as-of date and the run's build file.

The settings and the as-of date are decided once, by the step that lands the inputs, and recorded in the
build file (`raw.build_settings`); every later step (dbt, the checks, publishing) reads them back from there,
so no step can see another value. A run carries the as-of date it asks for in one place, its
`pyramid/as_of_date` tag (`pyramid run --as-of`, the schedule, a tag added in the Launchpad); a run without
the tag (a partition launched or backfilled in the UI) asks for its partition's date (its month's last day,
or yesterday while the month runs). Not asked for (a `pyramid run` without `--as-of`, tagged
`latest`): the latest `order_date` of every sales line the build holds, all files of a `sales/` folder and
the lines landed by earlier runs alike. Such a run is filed under the current month's partition: which
month its pyramid is of is known only once the sales are landed.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from orchestration.core.duckdb_reader import use_settings
from orchestration.core.settings import PyramidSettings
from orchestration.core.warehouse_files import build_path
from orchestration.core.warehouse_lock import acquire, release
from orchestration.defs.partitions import as_of_for_partition
from orchestration.defs.resources import PyramidResource
from orchestration.land.build_record import read_recorded_settings

AS_OF_TAG = "pyramid/as_of_date"
# The tag's value for "the latest order_date of the sales" (a `pyramid run` without --as-of).
LATEST_SALE = "latest"


@dataclass(frozen=True)
class RunSettings:
    settings: PyramidSettings
    build_file: Path


def requested_as_of(context) -> dt.date | None:
    """The as-of date the run asks for, or None: the latest order_date of the landed sales."""
    tags = context.run.tags
    if tags.get(AS_OF_TAG):
        return None if tags[AS_OF_TAG] == LATEST_SALE else dt.date.fromisoformat(tags[AS_OF_TAG])
    if tags.get("dagster/partition"):
        return as_of_for_partition(tags["dagster/partition"])
    return None


def requested_settings(context, pyramid: PyramidResource) -> RunSettings:
    """The settings before landing (the landing step's): the as-of date as requested, maybe None."""
    settings = pyramid.settings(requested_as_of(context))
    use_settings(settings)
    return RunSettings(settings, build_path(settings.warehouse_dir, context.run.run_id))


def run_settings(context, pyramid: PyramidResource) -> RunSettings:
    """The settings recorded with the build by the landing step, the resolved as-of date included."""
    build_file = build_path(pyramid.warehouse, context.run.run_id)
    settings = read_recorded_settings(build_file).settings
    use_settings(settings)
    return RunSettings(settings, build_file)


def _holder(context) -> str:
    run_id = context.run.run_id if hasattr(context, "run") else context.run_id  # a step's or a hook's
    return f"Dagster run {run_id[:8]}"


def hold_warehouse(context, pyramid: PyramidResource) -> None:
    """Every step that writes takes the warehouse's lock (held already after the run's first step)."""
    acquire(pyramid.warehouse, _holder(context))


def release_warehouse(context, pyramid: PyramidResource) -> None:
    """After the run's last step, or a failed one: the lock goes, unless `pyramid run` took it for the run."""
    release(pyramid.warehouse, _holder(context))

"""The pyramid's settings as a Dagster resource: what the Launchpad shows, made from PyramidSettings' fields.

One field per setting of orchestration/core/settings.py (its meaning, its environment variable and default in
the description), all unset (None) unless given: an unset field takes its PYRAMID_* environment variable or
the default, so the UI, the schedule and `pyramid run` (which hands its resolved settings in as run config,
`config_of`) resolve settings the same way. `settings()` is the object every step uses. The as-of date is
not a field: a run carries it in its `pyramid/as_of_date` tag, else its partition (run_settings.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field, create_model

from orchestration.core.settings import SETTING_TYPES, PyramidSettings, environment_name, plain_value


class _PyramidResourceBase(ConfigurableResource):
    echo_dbt: bool = True
    """Print dbt's own log lines (the CLI's --quiet turns them off)."""
    publish_older: bool = False
    """Publish even when the warehouse already holds a later pyramid (the CLI does; backfills do not)."""

    @classmethod
    def config_of(cls, settings: PyramidSettings, **options: bool) -> dict[str, object]:
        """The resource's run config for resolved settings (`pyramid run`): every field, in its plain form."""
        plain = settings.plain()
        return {**{name: plain[name] for name in RESOURCE_SETTINGS}, **options}

    def settings(self, as_of_date: dt.date | None = None) -> PyramidSettings:
        given = {name: getattr(self, name) for name in RESOURCE_SETTINGS}
        return PyramidSettings.resolve(**given, as_of_date=as_of_date)

    @property
    def warehouse(self) -> Path:
        return self.settings().warehouse_dir


def _config_field(setting: dataclasses.Field) -> tuple[type, object]:
    """A Launchpad field for a setting: numbers and booleans typed, the rest as text (paths, shares)."""
    kind = SETTING_TYPES[setting.name]
    default = plain_value(setting.default)
    shown = "unset" if default is None else default
    description = f"{setting.metadata['doc']} ({environment_name(setting.name)}; default: {shown})"
    return (kind if kind in (int, bool) else str) | None, Field(default=None, description=description)


RESOURCE_SETTINGS = tuple(
    setting.name for setting in dataclasses.fields(PyramidSettings) if not setting.metadata["per_run"]
)
PyramidResource = create_model(
    "PyramidResource",
    __base__=_PyramidResourceBase,
    __module__=__name__,
    **{
        setting.name: _config_field(setting)
        for setting in dataclasses.fields(PyramidSettings)
        if setting.name in RESOURCE_SETTINGS
    },
)

"""`.env.example`, made from the settings' fields (`make settings-docs` writes it; a test holds it equal).

Every setting of a build appears with its meaning and default as PyramidSettings states them, so the file
cannot name a setting that does not exist or show a default the code no longer has.
"""

from __future__ import annotations

import dataclasses
import textwrap

from orchestration.core.paths import PROJECT_ROOT
from orchestration.core.settings import PyramidSettings, environment_name, shown_value

HEADER = """\
# Every setting of a pyramid build, as an environment variable. Copy to `.env` (Dagster's `dagster dev` reads
# it; `pyramid run` reads the same variables from the environment) and uncomment what you change. A flag of
# `pyramid run` or a Launchpad field wins over the variable; the variable wins over the default shown here.
# Made by `make settings-docs` from orchestration/core/settings.py: edit the settings there, not this file.
"""
# Read by the code location and the dbt runner, not settings of one build (orchestration/defs/partitions.py,
# orchestration/build/in_process.py).
RUN_ENVIRONMENT = """
# Not settings of a build, but of where and when it runs:
# dbt nodes run side by side (each still uses every DuckDB thread; 1 keeps one large query in memory at a
# time).
# PYRAMID_DBT_THREADS=1
# Time zone of the daily 06:00 schedule and of the monthly partitions.
# PYRAMID_SCHEDULE_TIMEZONE=UTC
# First month of the partitions (older as-of dates need an earlier one).
# PYRAMID_PARTITIONS_START=2020-01-01
"""
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"


def env_example() -> str:
    lines = [HEADER]
    for setting in dataclasses.fields(PyramidSettings):
        if setting.metadata["per_run"]:
            continue
        doc = setting.metadata["doc"]
        lines += textwrap.wrap(doc, width=110, initial_indent="# ", subsequent_indent="# ")
        lines.append(f"# {environment_name(setting.name)}={shown_value(setting.default)}")
    return "\n".join(lines) + "\n" + RUN_ENVIRONMENT


if __name__ == "__main__":
    ENV_EXAMPLE.write_text(env_example())
    print(f"wrote {ENV_EXAMPLE}")

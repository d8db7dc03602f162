"""The settings' documentation, made from the settings and the command line: `.env.example` and the table of
docs/dagster.md (`make settings-docs` writes both; a pure test holds the files equal to what this makes).

Each row is a field of PyramidSettings (its meaning, default and environment variable) with the `pyramid run`
flag whose value it takes, read from the command's own options.
"""

from __future__ import annotations

import dataclasses
import re

from orchestration.cli import run
from orchestration.core.env_example import ENV_EXAMPLE, env_example
from orchestration.core.paths import PROJECT_ROOT
from orchestration.core.settings import (
    FORMER_ENVIRONMENT_NAMES,
    PyramidSettings,
    environment_name,
    shown_value,
)

SETTINGS_PAGE = PROJECT_ROOT / "docs" / "dagster.md"
TABLE_HEADER = "| setting | what it is | flag | environment | default |\n| --- | --- | --- | --- | --- |\n"


def settings_table() -> str:
    flags = {option.name: option.opts for option in run.params}
    rows = []
    for setting in dataclasses.fields(PyramidSettings):
        if setting.metadata["per_run"]:
            continue
        flag = " or ".join(f"`{name}`" for name in flags[setting.name])
        environment = f"`{environment_name(setting.name)}`"
        if setting.name in FORMER_ENVIRONMENT_NAMES:
            environment += f" (formerly `{FORMER_ENVIRONMENT_NAMES[setting.name]}`, still read)"
        default = f"`{shown_value(setting.default)}`" if shown_value(setting.default) else "unset"
        doc = setting.metadata["doc"].replace("|", "\\|")  # a cell of a Markdown table
        rows.append(f"| `{setting.name}` | {doc} | {flag} | {environment} | {default} |")
    return TABLE_HEADER + "\n".join(rows) + "\n"


def page_with_table(page: str) -> str:
    """The page with its settings table (from its header to the first line that is not a row) replaced."""
    pattern = re.compile(re.escape(TABLE_HEADER) + r"(?:\|[^\n]*\n)*")
    if not pattern.search(page):
        raise ValueError(f"{SETTINGS_PAGE}: no settings table starting with {TABLE_HEADER!r}")
    return pattern.sub(lambda _: settings_table(), page, count=1)


if __name__ == "__main__":
    ENV_EXAMPLE.write_text(env_example())
    SETTINGS_PAGE.write_text(page_with_table(SETTINGS_PAGE.read_text()))
    print(f"wrote {ENV_EXAMPLE} and the settings table of {SETTINGS_PAGE}")

"""Write the GX project under expectations/gx from suites.py. Run it when a suite changes, then commit.

    python -m orchestration.validate.gx_project      (or: make gx-project)

Only this writes GX configuration; a pipeline run only loads it and runs checkpoints, so concurrent runs never
rewrite great_expectations.yml. Results and Data Docs go to the folder in PYRAMID_VALIDATION_DIR (each
warehouse has its own), never into the versioned project.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from orchestration.core.paths import GX_PROJECT_DIR
from orchestration.validate.gx_modules import gx
from orchestration.validate.suites import BLOCKS, SUITES, WARNS

DATASOURCE = "pyramid_warehouse"
BATCH_DEFINITION = "whole_table"
VALIDATION_DIR_VARIABLE = "PYRAMID_VALIDATION_DIR"

# GX's page views, their compiled templates kept in the process (orchestration/validate/data_docs_views.py).
_INDEX_BUILDER = "        class_name: DefaultSiteIndexBuilder\n"
_VIEWS_MODULE = "orchestration.validate.data_docs_views"
_VIEWS = f"""\
        view:
            module_name: {_VIEWS_MODULE}
            class_name: IndexPageView
    site_section_builders:
        expectations:
            view:
                module_name: {_VIEWS_MODULE}
                class_name: PageView
        validations:
            view:
                module_name: {_VIEWS_MODULE}
                class_name: PageView
"""

# (default text GX writes, what this project needs instead)
_CONFIG_EDITS = (
    ("base_directory: uncommitted/validations/", f"base_directory: ${{{VALIDATION_DIR_VARIABLE}}}/results/"),
    (
        "base_directory: uncommitted/data_docs/local_site/",
        f"base_directory: ${{{VALIDATION_DIR_VARIABLE}}}/data_docs/",
    ),
    ("show_how_to_buttons: true", "show_how_to_buttons: false"),
    (_INDEX_BUILDER, _INDEX_BUILDER + _VIEWS),
)
_CONFIG_APPENDIX = """
analytics_enabled: false
progress_bars:
  globally: false
  metric_calculations: false
"""


def write_gx_project(project_dir: Path = GX_PROJECT_DIR) -> Path:
    """Recreate the GX project from scratch; returns its great_expectations.yml."""
    gx_dir = project_dir / "gx"
    shutil.rmtree(gx_dir, ignore_errors=True)
    os.environ.setdefault(VALIDATION_DIR_VARIABLE, str(project_dir / "gx" / "uncommitted"))
    gx.get_context(mode="file", project_root_dir=str(project_dir))
    config_file = gx_dir / "great_expectations.yml"
    text = config_file.read_text()
    for default, wanted in _CONFIG_EDITS:
        if default not in text:
            raise RuntimeError(f"{config_file}: expected {default!r} in GX's default configuration")
        text = text.replace(default, wanted)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("analytics_enabled:"))
    config_file.write_text(text + "\n" + _CONFIG_APPENDIX.lstrip())

    context = gx.get_context(mode="file", project_root_dir=str(project_dir))
    datasource = context.data_sources.add_pandas(DATASOURCE)
    for spec in SUITES:
        asset = datasource.add_dataframe_asset(spec.asset)
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        expectations = spec.expectations()
        # Which checks block publishing and which only warn (docs/validation.md).
        severities = {
            severity: [e.meta["check"] for e in expectations if e.meta["severity"] == severity]
            for severity in (BLOCKS, WARNS)
        }
        meta = {
            "stage": spec.stage,
            "blocking_checks": severities[BLOCKS],
            "warning_checks": severities[WARNS],
        }
        suite = context.suites.add(gx.ExpectationSuite(name=spec.name, meta=meta))
        for expectation in expectations:
            suite.add_expectation(expectation)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
        )
        context.checkpoints.add(
            gx.Checkpoint(
                name=spec.name,
                validation_definitions=[validation],
                actions=[],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
            )
        )
    shutil.rmtree(gx_dir / "uncommitted", ignore_errors=True)
    return config_file


if __name__ == "__main__":
    print(f"wrote {write_gx_project()}")

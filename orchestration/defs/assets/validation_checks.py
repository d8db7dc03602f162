"""The Great Expectations suites as blocking asset checks: a failed critical expectation stops everything
downstream of it (severity ERROR); a suite whose failures are all warnings (a model's quality) reports WARN
and the run goes on to publish (validation/suites.py says which expectation is which).

GX is imported by the validation worker (validation/worker.py), a process of its own started by the run's
first step: it takes seconds, loading the code location should not pay them, and the run works meanwhile.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    MetadataValue,
    asset_check,
    multi_asset_check,
)

from orchestration.core.warehouse_files import finish_build, validation_dir
from orchestration.defs.resources import PyramidResource
from orchestration.defs.run_settings import run_settings
from orchestration.validate import worker as validation_worker
from orchestration.validate.suite_list import OUTPUT, SUITE_LIST

# The check's metadata entry with one line per failed warning expectation (pipeline.py prints them).
WARNINGS_METADATA = "warnings"
# GX suite → the asset its check is shown on
OUTPUT_SUITES = {suite.name: suite.asset for suite in SUITE_LIST if suite.stage == OUTPUT}


def _check_result(verdict, report, *, asset: str) -> AssetCheckResult:
    """A SuiteVerdict of a ValidationReport (validation/runner.py) as a Dagster check result."""
    return AssetCheckResult(
        asset_key=asset,
        check_name=f"gx_{verdict.suite}",
        passed=verdict.success,
        severity=AssetCheckSeverity.ERROR if verdict.blocks or verdict.success else AssetCheckSeverity.WARN,
        description=verdict.result_text(),
        metadata={
            WARNINGS_METADATA: MetadataValue.json(verdict.warnings()),
            "expectations": verdict.evaluated,
            "failed": len(verdict.failed),
            "expectations_table": MetadataValue.md(verdict.markdown_table()),
            "data_docs": MetadataValue.path(str(verdict.page or report.data_docs_index)),
            "data_docs_index": MetadataValue.path(str(report.data_docs_index)),
        },
    )


@asset_check(
    asset="raw_sales",
    name="gx_raw_sales",
    blocking=True,
    description="GX suite raw_sales: columns, ids, dates (none after today), amounts, duplicate lines.",
)
def raw_sales_suite(context: AssetCheckExecutionContext, pyramid: PyramidResource) -> AssetCheckResult:
    run = run_settings(context, pyramid)
    report = validation_worker.validate(
        run.settings,
        run.build_file,
        "input",
        validation_dir(pyramid.warehouse),
        label="validating the raw sales (Great Expectations)",
    )
    if not report.success:  # refused before any model runs: no build folder is kept
        finish_build(pyramid.warehouse, context.run.run_id)
    return _check_result(report.verdicts[0], report, asset="raw_sales")


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            name=f"gx_{suite}",
            asset=asset,
            blocking=True,
            description=f"GX suite {suite}, against values computed independently from the raw inputs"
            " (a failure of a warning-only expectation is WARN and does not block).",
        )
        for suite, asset in OUTPUT_SUITES.items()
    ],
)
def mart_suites(context: AssetCheckExecutionContext, pyramid: PyramidResource):
    run = run_settings(context, pyramid)
    report = validation_worker.validate(
        run.settings,
        run.build_file,
        "output",
        validation_dir(pyramid.warehouse),
        label="validating the marts (Great Expectations)",
    )
    for verdict in report.verdicts:
        yield _check_result(verdict, report, asset=OUTPUT_SUITES[verdict.suite])

"""The Great Expectations suites as blocking asset checks: a failure stops everything downstream of it.

GX is imported inside the checks, not here: it takes seconds, and loading the code location should not.
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

from orchestration.assets.run_settings import run_settings
from orchestration.resources import PyramidResource
from orchestration.warehouse import finish_build

# GX suite → the asset its check is shown on
OUTPUT_SUITES = {
    "customer_tiers": "customer_tiers",
    "pyramid_summary": "pyramid_summary",
    "customers": "customers",
    "tier_history": "customer_tier_history",
    "tier_migration": "tier_migration",
    "tier_retention": "tier_retention",
    "marts_schema": "pyramid_summary",
}


def _check_result(verdict, report, *, asset: str) -> AssetCheckResult:
    """A SuiteVerdict of a ValidationReport (validation/runner.py) as a Dagster check result."""
    return AssetCheckResult(
        asset_key=asset,
        check_name=f"gx_{verdict.suite}",
        passed=verdict.success,
        severity=AssetCheckSeverity.ERROR,
        description=verdict.result_text(),
        metadata={
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
    from orchestration.validation.runner import run_validation, validation_dir

    run = run_settings(context, pyramid)
    report = run_validation(run.build_file, "input", validation_dir(pyramid.warehouse))
    if not report.success:  # refused before any model runs: no build folder is kept
        finish_build(pyramid.warehouse, context.run.run_id)
    return _check_result(report.verdicts[0], report, asset="raw_sales")


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            name=f"gx_{suite}",
            asset=asset,
            blocking=True,
            description=f"GX suite {suite}, against values computed independently from the raw inputs.",
        )
        for suite, asset in OUTPUT_SUITES.items()
    ],
)
def mart_suites(context: AssetCheckExecutionContext, pyramid: PyramidResource):
    from orchestration.validation.runner import run_validation, validation_dir

    run = run_settings(context, pyramid)
    report = run_validation(run.build_file, "output", validation_dir(pyramid.warehouse))
    for verdict in report.verdicts:
        yield _check_result(verdict, report, asset=OUTPUT_SUITES[verdict.suite])

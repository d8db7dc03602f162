"""The one Definitions object: `dagster dev`, the schedule and `pyramid run` all use it.

Loading it opens no DuckDB file (the webserver and daemon would hold its lock) and runs no dbt parse unless
the manifest is missing or stale.
"""

from dagster import Definitions

from orchestration.defs.assets.dbt_models import pyramid_dbt_models
from orchestration.defs.assets.freshness_check import sales_feed_fresh
from orchestration.defs.assets.publishing import published, pyramid_report
from orchestration.defs.assets.raw_inputs import raw_inputs
from orchestration.defs.assets.validation_checks import mart_suites, raw_sales_suite
from orchestration.defs.jobs import daily_pyramid, explain_failure, pyramid_job
from orchestration.defs.resources import PyramidResource
from orchestration.defs.sensors import new_sales_file

defs = Definitions(
    assets=[raw_inputs, pyramid_dbt_models, published, pyramid_report],
    asset_checks=[raw_sales_suite, sales_feed_fresh, mart_suites],
    jobs=[pyramid_job],
    schedules=[daily_pyramid],
    sensors=[explain_failure, new_sales_file],
    resources={
        "pyramid": PyramidResource(),
    },
)

"""Great Expectations, imported with PySpark hidden from it: every module here takes GX from this one.

GX imports PySpark whenever it is installed (the `spark` extra brings it, for dbt-spark). The suites validate
pandas DataFrames and never use it, and under Dagster's run workers and pytest-xdist, whose main module has
neither spec nor file, PySpark's connect module takes the process for a doctest run and calls sys.exit(0) on
import. GX treats a PySpark it cannot import as not installed (and loads a second faster). dbt-spark is not
affected: it runs in dbt's own process.
"""

from __future__ import annotations

import sys

_hide_pyspark = "pyspark" not in sys.modules and "great_expectations" not in sys.modules
if _hide_pyspark:
    sys.modules["pyspark"] = None  # `import pyspark` now raises ImportError
try:
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier
    from great_expectations.expectations.row_conditions import Column
finally:
    if _hide_pyspark:
        del sys.modules["pyspark"]

__all__ = ["Column", "ExpectationSuiteIdentifier", "RunIdentifier", "gx", "gxe"]

"""Run the project's GX checkpoints on a DuckDB build and summarise what they found.

Loads the versioned GX project and runs its checkpoints; it never adds or updates configuration. GX (and the
suites, written with it) is imported only when a validation runs: importing it takes seconds, and the CLI's
other commands do not need it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.core.paths import GX_PROJECT_DIR
from orchestration.core.warehouse_files import validation_dir  # noqa: F401  (where `pyramid validate` writes
from orchestration.validate.offline_docs import make_offline

# GX's severities (validation/suites.py): a failed critical expectation blocks publishing, a warning does not.
CRITICAL = "critical"
PASS, WARN, FAIL = "PASS", "WARN", "FAIL"


@dataclass(frozen=True)
class ExpectationOutcome:
    check: str
    success: bool
    expectation_type: str
    column: str | None
    observed: object
    expected: dict[str, object]
    severity: str = CRITICAL

    @property
    def blocks(self) -> bool:
        return not self.success and self.severity == CRITICAL

    def expected_text(self) -> str:
        return ", ".join(
            f"{key} {_show(value)}"
            for key, value in self.expected.items()
            if key in {"value", "min_value", "max_value", "value_set"}
        )

    def describe(self) -> str:
        target = f" on {self.column}" if self.column else ""
        expected = f"; expected {self.expected_text()}" if self.expected_text() else ""
        return f"{self.check} ({self.expectation_type}{target}): observed {_show(self.observed)}{expected}"

    def warning(self) -> str:
        """One line for a failed warning: the check, the figure and its limit."""
        observed = self.observed
        if isinstance(observed, dict) and observed.get("examples"):  # a row condition's one row
            observed = ", ".join(_show(value) for value in observed["examples"])
        low, high = self.expected.get("min_value"), self.expected.get("max_value")
        limit = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else f"at least {low}"
            if low is not None
            else f"at most {high}"
            if high is not None
            else self.expected_text()
        )
        return f"{self.check}: {self.column or 'value'} {_show(observed)}, expected {limit}"


def _show(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@dataclass(frozen=True)
class SuiteVerdict:
    suite: str
    success: bool
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    page: Path | None = None

    @property
    def evaluated(self) -> int:
        return len(self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]

    @property
    def blocks(self) -> bool:
        """A critical expectation failed: the build must not be published."""
        return any(outcome.blocks for outcome in self.outcomes)

    @property
    def state(self) -> str:
        return PASS if self.success else FAIL if self.blocks else WARN

    def warnings(self) -> list[str]:
        """The failed warning expectations, a line each (empty when one blocks: then the failure speaks)."""
        return [f"{self.suite}: {outcome.warning()}" for outcome in self.failed if not outcome.blocks]

    def result_text(self) -> str:
        """What the suite found, in one line: the Dagster check's description and the CLI's verdict."""
        if self.success:
            return f"{self.evaluated} expectations met"
        failures = "; ".join(failure.describe() for failure in self.failed)
        verb = "failed" if self.blocks else "missed (warnings only, published)"
        return f"{len(self.failed)} of {self.evaluated} {verb}: {failures}"

    def line(self) -> str:
        return verdict_line(self.suite, self.state, self.result_text())

    def markdown_table(self) -> str:
        """Every expectation with its observed and expected values, for Dagster's check metadata."""
        rows = [
            f"| {_status(outcome)} | {outcome.check} "
            f"| {_cell(outcome.observed)} | {_cell(outcome.expected_text())} |"
            for outcome in self.outcomes
        ]
        return "\n".join(["| status | check | observed | expected |", "| --- | --- | --- | --- |", *rows])


def _status(outcome: ExpectationOutcome) -> str:
    return "pass" if outcome.success else "**FAIL**" if outcome.blocks else "**WARN**"


def verdict_line(suite: str, state: str, result_text: str) -> str:
    """`state`: PASS, WARN (only warnings failed: published) or FAIL (blocks publishing)."""
    return f"  {state}  {suite}: {result_text}"


def _cell(value: object) -> str:
    text = _show(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass(frozen=True)
class ValidationReport:
    stage: str
    verdicts: list[SuiteVerdict]
    data_docs_index: Path

    @property
    def success(self) -> bool:
        """Nothing blocks: every critical expectation was met (warnings may have failed)."""
        return not any(verdict.blocks for verdict in self.verdicts)

    def warnings(self) -> list[str]:
        return [line for verdict in self.verdicts for line in verdict.warnings()]

    def failed_checks(self) -> set[str]:
        return {failure.check for verdict in self.verdicts for failure in verdict.failed}

    def lines(self) -> list[str]:
        return [verdict.line() for verdict in self.verdicts]


def format_reports(reports: list[ValidationReport]) -> str:
    """One line per suite (with its failed expectations), then where the Data Docs are."""
    lines = ["Validation (Great Expectations):"]
    for report in reports:
        lines += report.lines()
    if reports:
        lines.append(f"Data Docs: {reports[-1].data_docs_index}")
    lines += [warning_line(warning) for report in reports for warning in report.warnings()]
    return "\n".join(lines)


def warning_line(warning: str) -> str:
    """How the CLI shows a failed warning expectation: published anyway, and why."""
    return (
        f"Warning: {warning} (a warning: the build is published; docs/validation.md, 'What blocks and what"
        " warns')."
    )


class ValidationFailedError(RuntimeError):
    """A suite failed; the message lists the failed expectations (Data Docs are already written)."""


def run_validation(
    duckdb_path: Path,
    stage: str,
    out_dir: Path,
    *,
    today: dt.date | None = None,
    suites: tuple[str, ...] | None = None,
    on_suite_done: Callable[[int, int], None] | None = None,
) -> ValidationReport:
    """Run the checkpoints of `stage` ("input" or "output") on `duckdb_path`; write results and Data Docs.
    `on_suite_done(done, total)` is called after each suite."""
    from orchestration.core.duckdb_reader import connect_read_only
    from orchestration.validate.batches import read_batch  # pandas: only where validation runs
    from orchestration.validate.gx_modules import ExpectationSuiteIdentifier, RunIdentifier, gx
    from orchestration.validate.gx_project import VALIDATION_DIR_VARIABLE
    from orchestration.validate.independent import expected_values
    from orchestration.validate.suites import SUITES

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # A Data Docs cell GX cannot render (the unexpected values of a failed expectation with no observed value)
    # is shown as "--"; GX would also print its traceback into the run's output.
    logging.getLogger("great_expectations.render").setLevel(logging.CRITICAL)
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ[VALIDATION_DIR_VARIABLE] = str(out_dir.resolve())
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    context = gx.get_context(mode="file", project_root_dir=str(GX_PROJECT_DIR))
    specs = [s for s in SUITES if s.stage == stage and (suites is None or s.name in suites)]
    results = []
    with connect_read_only(duckdb_path) as con:  # one connection for the run: each open costs ~15 ms
        run_name = _run_name(con, duckdb_path, stage)
        if stage == "output":
            parameters = expected_values(con, today)
        else:
            parameters = {"today": (today or dt.date.today()).isoformat()}
        for done, spec in enumerate(specs, start=1):
            checkpoint = context.checkpoints.get(spec.name)
            result = checkpoint.run(
                batch_parameters={"dataframe": read_batch(con, spec.asset, parameters["today"])},
                expectation_parameters=parameters,
                run_id=RunIdentifier(run_name=run_name),
            )
            results += [(spec.name, identifier, run) for identifier, run in result.run_results.items()]
            if on_suite_done is not None:
                on_suite_done(done, len(specs))
    _name_data_assets(out_dir / "results", run_name)
    # Render only this run's pages (and the index): rebuilding every past page would grow with the history.
    suites_shown = [ExpectationSuiteIdentifier(name=spec.name) for spec in SUITES]
    context.build_data_docs(
        resource_identifiers=[*suites_shown, *(identifier for _, identifier, _ in results)]
    )
    make_offline(out_dir / "data_docs")
    verdicts = [_verdict(name, run, _page(context, identifier)) for name, identifier, run in results]
    return ValidationReport(stage, verdicts, out_dir.resolve() / "data_docs" / "index.html")


def _name_data_assets(results_dir: Path, run_name: str) -> None:
    """GX 1.x's page header reads the data asset's name from the batch spec, which a dataframe batch does not
    carry ("Data asset: None"): copy it there from the batch definition of each result of this run."""
    for path in results_dir.glob(f"*/{run_name}/*/*.json"):
        result = json.loads(path.read_text())
        meta = result.get("meta", {})
        asset = (meta.get("active_batch_definition") or {}).get("data_asset_name")
        if asset and not (meta.get("batch_spec") or {}).get("data_asset_name"):
            meta.setdefault("batch_spec", {})["data_asset_name"] = asset
            path.write_text(json.dumps(result, indent=2))


def _run_name(con, duckdb_path: Path, stage: str) -> str:
    """The validation run's name in Data Docs: the as-of date, the input folder, the build and the stage, so a
    reviewer reading the index knows which build and data each row belongs to, e.g.
    `as-of-2026-10-31_seeds_build-1a2b3c4d_output` (`published` for `pyramid validate`). Letters, digits, dots
    and dashes only: GX makes it a folder name."""
    try:
        as_of, input_dir = con.execute("select as_of_date, input_dir from raw.build_settings").fetchone()
    except Exception:  # a warehouse without the record (an older build): the time stands in for it
        as_of, input_dir = f"{dt.datetime.now():%Y%m%dT%H%M%S}", "input"
    in_build = duckdb_path.parent.parent.name == ".build"
    build = f"build-{duckdb_path.parent.name[:8]}" if in_build else "published"
    parts = (f"as-of-{as_of}", Path(str(input_dir)).name, build, stage)
    return "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", part).strip("-") or "-" for part in parts)


def _verdict(suite: str, run, page: Path | None) -> SuiteVerdict:
    outcomes = [
        ExpectationOutcome(
            check=(outcome.expectation_config.meta or {}).get("check", outcome.expectation_config.type),
            success=bool(outcome.success),
            expectation_type=outcome.expectation_config.type,
            column=outcome.expectation_config.kwargs.get("column"),
            observed=_observed(outcome),
            expected=dict(outcome.expectation_config.kwargs),
            severity=str(getattr(outcome.expectation_config.severity, "value", CRITICAL)),
        )
        for outcome in run.results
    ]
    return SuiteVerdict(suite, bool(run.success), outcomes, page)


def _page(context, identifier) -> Path | None:
    """The Data Docs page of one validation result."""
    for site in context.get_docs_sites_urls(resource_identifier=identifier):
        url = site.get("site_url") or ""
        if url.startswith("file://"):
            return Path(urllib.parse.unquote(url.removeprefix("file://")))
    return None


def _observed(outcome) -> object:
    result = outcome.result or {}
    if "observed_value" in result:
        return result["observed_value"]
    if outcome.exception_info and outcome.exception_info.get("raised_exception"):
        return f"error: {outcome.exception_info.get('exception_message')}"
    return {
        "unexpected": result.get("unexpected_count"),
        "examples": (result.get("partial_unexpected_list") or [])[:3],
    }

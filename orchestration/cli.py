"""The `pyramid` command line: run, validate, report, generate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import multiprocessing
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import click

from orchestration.build.failures import DbtBuildError
from orchestration.core import progress
from orchestration.core.paths import DEMO_INPUT_DIR
from orchestration.core.progress import show_progress
from orchestration.core.settings import (
    HISTORY_PERIODS,
    REPORT_LANGUAGES,
    TARGETS,
    PyramidSettings,
    SettingsError,
    environment_name,
    shown_value,
)
from orchestration.core.warehouse_files import published_path, report_dir, serving_dir
from orchestration.core.warehouse_lock import WarehouseUnavailableError, warehouse_lock
from orchestration.generate.demo import DEMO_CUSTOMERS, DEMO_SEED, generate_demo
from orchestration.land.freshness import FRESH
from orchestration.land.loading import InputError
from orchestration.publish.warehouse import publishing_interrupted, recover_publishing
from orchestration.report.text import format_pyramid, read_action_summary, read_pyramid
from orchestration.validate.runner import warning_line

EXIT_BUILD_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_VALIDATION_FAILED = 3


def _help(name: str) -> str:
    """A flag's help: the setting's own words (orchestration/core/settings.py), then where its default comes
    from: the environment variable, then the settings' default."""
    setting = next(field for field in dataclasses.fields(PyramidSettings) if field.name == name)
    shown = shown_value(setting.default) or "unset"
    return f"{setting.metadata['doc']} Default: {environment_name(name)}, else {shown}."


warehouse_option = click.option(
    "--warehouse",
    "warehouse_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=_help("warehouse_dir"),
)


language_option = click.option(
    "--lang",
    "report_language",
    type=click.Choice(REPORT_LANGUAGES),
    default=None,
    help=_help("report_language"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="customer-pyramid", prog_name="pyramid")
def main() -> None:
    """Build, check and show the customer pyramid."""


def entry_point() -> None:
    """The `pyramid` command: the group above, then an exit without the interpreter's teardown.

    Once a command has printed its last line every file is written and closed and the warehouse lock
    released; unloading Dagster, dbt and GX and joining the validation worker would still take one to two
    seconds of the user's time, so the process ends at once with the command's exit code.
    """
    # A log handler that cannot write (a full disk) stops quietly instead of printing "--- Logging error ---"
    # and a traceback for every record; the failure itself is reported once, by the command.
    logging.raiseExceptions = False
    try:
        main()  # standalone: always ends in SystemExit
    except SystemExit as finished:
        code = finished.code
    else:
        code = 0
    if isinstance(code, str):
        click.echo(code, err=True)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    for child in multiprocessing.active_children():  # the validation worker: nothing left for it to do
        child.kill()
    if "orchestration.build.spark" in sys.modules:  # a Spark session's folder (its JVM ends with us)
        sys.modules["orchestration.build.spark"].remove_session_dir()
    os._exit(code or 0)


@main.command()
@click.option(
    "--input",
    "input_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=_help("input_dir"),
)
@click.option(
    "--as-of",
    "as_of_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date the pyramid is computed for (YYYY-MM-DD). Default: the latest order_date in the sales.",
)
@click.option("--window-days", type=int, default=None, help=_help("window_days"))
@warehouse_option
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default=None,
    help=_help("target"),
)
@click.option(
    "--market-population",
    type=int,
    default=None,
    help=_help("market_population"),
)
@click.option(
    "--tier-shares",
    default=None,
    help=_help("tier_shares"),
)
@click.option(
    "--keep-duplicates",
    is_flag=True,
    default=None,
    help=_help("keep_duplicates"),
)
@click.option(
    "--column-map",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=_help("column_map"),
)
@click.option("--decimal-comma", is_flag=True, default=None, help=_help("decimal_comma"))
@click.option("--day-first", is_flag=True, default=None, help=_help("day_first"))
@click.option(
    "--period",
    "--history-period",
    "history_period",
    type=click.Choice(HISTORY_PERIODS),
    default=None,
    help=_help("history_period"),
)
@language_option
@click.option(
    "--memory-limit",
    default=None,
    help=_help("memory_limit"),
)
@click.option("--threads", type=int, default=None, help=_help("threads"))
@click.option(
    "--freshness-warn-days",
    "freshness_warn_after_days",
    type=int,
    default=None,
    help=_help("freshness_warn_after_days"),
)
@click.option(
    "--freshness-error-days",
    "freshness_error_after_days",
    type=int,
    default=None,
    help=_help("freshness_error_after_days"),
)
@click.option(
    "--outlook-days",
    type=int,
    default=None,
    help=_help("outlook_days"),
)
@click.option("--currency", default=None, help=_help("currency"))
@click.option("--verbose", is_flag=True, help="Echo dbt's own lines (every model and test) too.")
@click.option("--quiet", is_flag=True, help="Do not show the run's progress (nor dbt's lines).")
def run(as_of_date: dt.datetime | None, quiet: bool, verbose: bool, **given: object) -> None:
    """Load the input, build every dbt model with its tests, publish the warehouse, print the pyramid."""
    try:
        settings = PyramidSettings.resolve(as_of_date=as_of_date.date() if as_of_date else None, **given)
    except SettingsError as error:
        _fail(str(error), EXIT_BAD_INPUT, _warehouse_named(given.get("warehouse_dir")))
    warehouse_dir = settings.warehouse_dir
    try:
        # The lock first, before the seconds of importing Dagster, dbt and GX: the run started first wins.
        with warehouse_lock(warehouse_dir, "pyramid run"), nullcontext() if quiet else show_progress():
            _finish_interrupted_publish(warehouse_dir)
            progress.phase("starting: Dagster, dbt and Great Expectations")
            result = _build(settings, echo=verbose and not quiet)
    except WarehouseUnavailableError as error:
        _fail(str(error), EXIT_BUILD_FAILED, warehouse_dir)
    click.echo("")
    if result.feed_freshness and result.feed_freshness.state != FRESH:
        click.echo(f"Warning: {result.feed_freshness.describe()}.")
    click.echo("Validation (Great Expectations):")
    click.echo("\n".join(result.validation_lines))
    click.echo(f"Data Docs: {result.data_docs_index}")
    for warning in result.warnings:
        click.echo(warning_line(warning))
    click.echo("")
    click.echo(format_pyramid(*read_pyramid(result.warehouse)))
    click.echo("")
    click.echo(f"Built in {result.seconds:.1f} s from {settings.input_dir}")
    click.echo(f"Warehouse (DuckDB, tables in schema marts): {result.warehouse}")
    from orchestration.defs.assets.publishing import SERVING_FILE_PER  # loaded by the run already

    split = "".join(f", {table}/<{column}>.parquet" for table, column in SERVING_FILE_PER.items())
    click.echo(f"Parquet for BI: {serving_dir(warehouse_dir) / 'current'}/<table>.parquet{split}")
    actions = ", ".join(f"{action} {count:,}" for action, count, _ in read_action_summary(result.warehouse))
    click.echo(
        f"Action lists for a CRM ({actions or 'none today'}):"
        f" {serving_dir(warehouse_dir) / 'current'}/customer_actions/<action>.csv"
    )
    click.echo(
        "Next best action, one row per customer:"
        f" {serving_dir(warehouse_dir) / 'current' / 'next_best_action.csv'}"
    )
    html_report = report_dir(warehouse_dir) / f"pyramid.{settings.report_language}.html"
    if html_report.exists():
        click.echo(f"Report (open in a browser): {html_report}")
        click.echo(f"Picture: {html_report.with_suffix('.png')}")


def _build(settings: PyramidSettings, **options):
    """The build (imported only now: seconds); a refused or failed build exits with its code."""
    from orchestration.validate import worker as validation_worker

    validation_worker.start()  # GX imports on the other core while this process imports Dagster and dbt
    from orchestration.pipeline import build_pyramid
    from orchestration.validate.runner import ValidationFailedError

    try:
        return build_pyramid(settings, **options)
    except (SettingsError, InputError) as error:
        _fail(str(error), EXIT_BAD_INPUT, settings.warehouse_dir)
    except (DbtBuildError, WarehouseUnavailableError) as error:
        _fail(str(error), EXIT_BUILD_FAILED, settings.warehouse_dir)
    except ValidationFailedError as error:
        message = f"validation failed, nothing published.\n{error}"
        _fail(message, EXIT_VALIDATION_FAILED, settings.warehouse_dir)


@main.command()
@warehouse_option
def validate(warehouse_dir: Path | None) -> None:
    """Run every validation suite on the published warehouse (read-only) and write Data Docs."""
    from orchestration.validate.runner import format_reports, run_validation, validation_dir

    warehouse_dir = _resolved(warehouse_dir=warehouse_dir).warehouse_dir
    path = published_path(warehouse_dir)
    if not path.exists():
        _fail(f"{path}: no warehouse yet; run `pyramid run` first", EXIT_BUILD_FAILED, None)
    reports = [run_validation(path, stage, validation_dir(warehouse_dir)) for stage in ("input", "output")]
    click.echo(format_reports(reports))
    if not all(report.success for report in reports):
        sys.exit(EXIT_VALIDATION_FAILED)


@main.command()
@warehouse_option
@language_option
def report(warehouse_dir: Path | None, report_language: str | None) -> None:
    """Print the published pyramid and draw it: an HTML page and a PNG in warehouse/report/."""
    from orchestration.report.writer import write_picture_report

    settings = _resolved(warehouse_dir=warehouse_dir, report_language=report_language)
    warehouse_dir, language = settings.warehouse_dir, settings.report_language
    try:
        click.echo(format_pyramid(*read_pyramid(published_path(warehouse_dir))))
        files = write_picture_report(published_path(warehouse_dir), report_dir(warehouse_dir), language)
    except FileNotFoundError as error:
        _fail(str(error), EXIT_BUILD_FAILED, None)
    click.echo("")
    click.echo(f"Report (open in a browser): {files.html}")
    click.echo(f"Picture: {files.png}")


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEMO_INPUT_DIR,
    show_default=True,
    help="Folder to write the input files into.",
)
@click.option(
    "--sales-rows",
    type=int,
    default=None,
    help="Write this many sales lines as Parquet, generated inside DuckDB (large inputs; no feedback or"
    " complaints). Without it: the small demo as CSV.",
)
@click.option(
    "--customers",
    type=int,
    default=None,
    help=f"Customers (default: {DEMO_CUSTOMERS:,} for the demo, one per 20 sales lines with --sales-rows).",
)
@click.option("--seed", type=int, default=DEMO_SEED, show_default=True)
@click.option("--force", is_flag=True, help="Write over the input files the folder already holds.")
def generate(out_dir: Path, sales_rows: int | None, customers: int | None, seed: int, force: bool) -> None:
    """Write deterministic input data (the same seed gives the same data)."""
    held = _input_files_held(out_dir)
    if held and not force:
        _fail(
            f"{out_dir} already holds {', '.join(held)}; pass --force to write over them, or --out another"
            " folder",
            EXIT_BAD_INPUT,
            None,
        )
    if sales_rows is None:
        files = generate_demo(out_dir, customers=customers or DEMO_CUSTOMERS, seed=seed)
        click.echo(
            f"Wrote {files.sales_rows:,} sales lines to {files.sales}, and {files.customers}, {files.market},"
            f" {files.feedback}, {files.complaints}"
        )
        return
    from orchestration.generate.big import generate_parquet

    started = time.monotonic()
    try:
        big = generate_parquet(out_dir, sales_rows=sales_rows, customers=customers, seed=seed)
    except ValueError as error:
        _fail(str(error), EXIT_BAD_INPUT, None)
    click.echo(
        f"Wrote {big.sales_rows:,} sales lines of {big.customers_count:,} customers to {big.sales},"
        f" and {big.customers}, {big.market} in {time.monotonic() - started:.1f} s"
    )


def _input_files_held(folder: Path) -> list[str]:
    """The input files (or folders of them) `folder` holds, by name: what `generate` would write over."""
    from orchestration.land.loading import INPUT_NAMES

    if not folder.is_dir():
        return []
    names = {f"{name}{suffix}" for name in INPUT_NAMES for suffix in (".csv", ".parquet", "")}
    return sorted(
        path.name + ("/" if path.is_dir() else "") for path in folder.iterdir() if path.name in names
    )


def _resolved(**given: object) -> PyramidSettings:
    try:
        return PyramidSettings.resolve(**given)
    except SettingsError as error:
        _fail(str(error), EXIT_BAD_INPUT, None)


# What this command finished of a publish an earlier run was stopped in (warehouse.recover_publishing).
_finished_first: list[str] = []


def _finish_interrupted_publish(warehouse_dir: Path) -> None:
    """Every run, refused or not, first finishes (or undoes) a publish that a killed run left half done, so
    DuckDB and Parquet never stay on two builds; it says so on standard error."""
    if not publishing_interrupted(warehouse_dir):
        return
    try:
        with warehouse_lock(warehouse_dir, "pyramid run"):
            done = recover_publishing(warehouse_dir)
    except WarehouseUnavailableError:  # another build holds it: that build finishes the publish itself
        return
    if done:
        _finished_first.append(done)
        click.echo(f"Before anything else, {done}.", err=True)


def _warehouse_named(given: object) -> Path | None:
    """The warehouse a refused command names: the flag, else PYRAMID_WAREHOUSE_DIR, else the default."""
    try:
        return PyramidSettings.resolve(warehouse_dir=given).warehouse_dir
    except SettingsError:  # another setting of the environment is bad too: the flag alone, if any
        return Path(str(given)) if given else None


def _fail(message: str, code: int, warehouse_dir: Path | None) -> None:
    click.echo(f"error: {message}", err=True)
    if warehouse_dir is not None:
        _finish_interrupted_publish(warehouse_dir)
    if warehouse_dir is not None and published_path(warehouse_dir).exists():
        unchanged = "otherwise unchanged" if _finished_first else "unchanged"
        click.echo(f"The published warehouse is {unchanged}: {published_path(warehouse_dir)}", err=True)
    sys.exit(code)

"""One settings path: defaults stated once, read the same way by the CLI, the Dagster resource and dbt."""

import dataclasses
import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

import orchestration.cli as cli
from orchestration.core.env_example import ENV_EXAMPLE, env_example
from orchestration.core.paths import DBT_PROJECT_DIR
from orchestration.core.settings import (
    TIER_NAMES,
    PyramidSettings,
    SettingsError,
    environment_name,
)
from orchestration.defs.resources import PyramidResource
from orchestration.land.build_record import read_recorded_settings, record_settings
from orchestration.settings_docs import SETTINGS_PAGE, page_with_table, settings_table

DEFAULTS = PyramidSettings()


def test_what_is_given_wins_over_the_environment_which_wins_over_the_default():
    """window_days: given 30 > PYRAMID_WINDOW_DAYS=90 > 365. tier_shares from the environment as text, read
    exactly; the memory limit under its former name still read; an unset variable leaves the default."""
    environ = {
        "PYRAMID_WINDOW_DAYS": "90",
        "PYRAMID_TIER_SHARES": "2.3,2.7,15,80",
        "PYRAMID_DUCKDB_MEMORY_LIMIT": "1GB",
        "PYRAMID_HISTORY_PERIOD": " ",
        "PYRAMID_KEEP_DUPLICATES": "true",
    }
    from_environment = PyramidSettings.resolve(environ)
    assert from_environment.window_days == 90
    assert from_environment.tier_shares == (Decimal("2.3"), Decimal("2.7"), Decimal(15), Decimal(80))
    assert from_environment.memory_limit == "1GB"
    assert from_environment.history_period == DEFAULTS.history_period == "month"
    assert from_environment.keep_duplicates is True
    assert PyramidSettings.resolve(environ, window_days=30).window_days == 30
    assert PyramidSettings.resolve({}) == DEFAULTS
    assert PyramidSettings.resolve({"PYRAMID_AS_OF_DATE": "2025-01-01"}).as_of_date is None, (
        "the as-of date is asked for per run, never taken from the environment"
    )


def test_a_setting_that_cannot_be_read_names_itself():
    with pytest.raises(SettingsError, match="window_days: cannot read 'soon'"):
        PyramidSettings.resolve({"PYRAMID_WINDOW_DAYS": "soon"})
    with pytest.raises(SettingsError, match="--tier-shares must sum to 100"):
        PyramidSettings.resolve({}, tier_shares="1,4,15,79")
    with pytest.raises(SettingsError, match="--lang must be one of en, ar, pl"):
        PyramidSettings.resolve({}, report_language="de")
    with pytest.raises(SettingsError, match="--outlook-days must be at least 1; got 0"):
        PyramidSettings.resolve({"PYRAMID_OUTLOOK_DAYS": "0"})
    assert PyramidSettings.resolve({"PYRAMID_OUTLOOK_DAYS": "90"}).dbt_vars()["outlook_days"] == 90


def test_the_resource_and_the_cli_build_the_same_settings(monkeypatch, tmp_path):
    """The Launchpad's resource (fields unset: environment, then defaults) and `pyramid run`'s flags give one
    PyramidSettings; `config_of` hands a resolved object to a run in its plain form, read back equal."""
    monkeypatch.setenv("PYRAMID_WINDOW_DAYS", "120")
    monkeypatch.setenv("PYRAMID_WAREHOUSE_DIR", str(tmp_path))
    from_resource = PyramidResource(tier_shares="2.3,2.7,15,80").settings()
    assert from_resource.window_days == 120
    assert from_resource.warehouse_dir == tmp_path
    assert from_resource.tier_shares == (Decimal("2.3"), Decimal("2.7"), Decimal(15), Decimal(80))

    handed = []

    def build(settings, **_):
        handed.append(settings)
        raise SystemExit(0)

    monkeypatch.setattr(cli, "_build", build)
    CliRunner().invoke(cli.main, ["run", "--tier-shares", "2.3,2.7,15,80"])
    assert handed == [from_resource]
    again = PyramidResource(**PyramidResource.config_of(from_resource)).settings(from_resource.as_of_date)
    assert again == from_resource
    as_of = PyramidResource(**PyramidResource.config_of(from_resource)).settings(dt.date(2025, 1, 31))
    assert as_of.as_of_date == dt.date(2025, 1, 31)


def test_dbt_falls_back_to_the_same_defaults_when_run_by_hand():
    """The settings dbt reads take their defaults from dbt_project.yml's vars (dbt run by hand reads the
    same); profiles.yml's fallbacks for the DuckDB connection equal the settings' defaults."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert set(DEFAULTS.dbt_vars()) <= set(project)
    assert list(project["tier_shares"]) == list(TIER_NAMES) == ["top", "big", "medium", "small"]
    assert DEFAULTS.tier_shares == (Decimal(1), Decimal(4), Decimal(15), Decimal(80))
    assert (
        DEFAULTS.window_days,
        DEFAULTS.freshness_warn_after_days,
        DEFAULTS.freshness_error_after_days,
    ) == (
        project["window_days"],
        project["freshness_warn_after_days"],
        project["freshness_error_after_days"],
    )

    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text()
    fallbacks = dict(re.findall(r"var\('(\w+)', env_var\('PYRAMID_\w+', '([^']*)'\)\)", profile))
    assert fallbacks["memory_limit"] == DEFAULTS.memory_limit
    assert int(fallbacks["threads"]) == DEFAULTS.threads
    for name in ("memory_limit", "threads"):
        assert f"env_var('{environment_name(name)}'" in profile, name
    assert set(DEFAULTS.duckdb_vars(Path("x"), Path("y"))) <= set(re.findall(r"var\('(\w+)'", profile))


def test_env_example_is_made_from_the_settings():
    """`.env.example` and docs/dagster.md's settings table are what `make settings-docs` writes from the
    settings' fields: every setting but the as-of date (asked for per run), with its meaning and default."""
    assert ENV_EXAMPLE.read_text() == env_example(), "run `make settings-docs`"
    page = SETTINGS_PAGE.read_text()
    assert page_with_table(page) == page, (
        "run `make settings-docs`: docs/dagster.md's settings table is stale"
    )
    assert "| `window_days` | Activity window in days" in settings_table()
    shown = dict(
        line.lstrip("# ").split("=", 1) for line in env_example().splitlines() if "# PYRAMID_" in line
    )
    assert shown["PYRAMID_WINDOW_DAYS"] == "365"
    assert shown["PYRAMID_TIER_SHARES"] == "1,4,15,80"
    assert shown["PYRAMID_INPUT_DIR"] == "seeds"
    assert shown["PYRAMID_KEEP_DUPLICATES"] == "false"
    assert shown["PYRAMID_OUTLOOK_DAYS"] == ""
    assert "PYRAMID_AS_OF_DATE" not in shown


def test_every_setting_is_recorded_with_the_build_and_read_back(tmp_path):
    """raw.build_settings keeps each setting (the outlook's horizon too) and the as-of date asked for; reading
    it back gives the same PyramidSettings, so a later step or `pyramid validate` sees what the build used."""
    settings = PyramidSettings.resolve(
        {}, window_days=90, tier_shares="2,3,15,80", outlook_days=30, keep_duplicates=True, threads=1
    )
    build_file = tmp_path / "pyramid.duckdb"
    with duckdb.connect(str(build_file)) as con:
        con.execute("create schema raw")
        recorded = record_settings(con, settings, as_of_requested=dt.date(2025, 6, 30))
    assert recorded == replace(settings, as_of_date=dt.date(2025, 6, 30))
    back = read_recorded_settings(build_file)
    assert back.settings == recorded
    assert back.as_of_requested == dt.date(2025, 6, 30)
    with duckdb.connect(str(build_file)) as con:
        con.execute("alter table raw.build_settings drop column outlook_days")  # a build of an older version
    assert read_recorded_settings(build_file).settings.outlook_days is None


def test_the_launchpad_has_one_field_per_setting():
    """The resource's fields are the settings' (but the as-of date, carried by the run's tag), described by
    the settings' own words and environment variable."""
    schema = PyramidResource.to_config_schema().as_field().config_type.fields
    settings = {field.name for field in dataclasses.fields(PyramidSettings)}
    assert set(schema) == (settings - {"as_of_date"}) | {"echo_dbt", "publish_older"}
    assert schema["window_days"].description == (
        "Activity window in days, ending on and including the as-of date. (PYRAMID_WINDOW_DAYS; default: 365)"
    )


def test_relative_folders_are_taken_from_the_working_directory(monkeypatch, tmp_path):
    """`--input in --warehouse wh` from /x means /x/in and /x/wh, whatever reads them later: dbt resolves a
    relative target path against its project folder (the build's artifacts landed in dbt_project/wh/) and
    Spark a relative raw folder against its own working directory (the raw tables were not found)."""
    monkeypatch.chdir(tmp_path)
    settings = PyramidSettings(input_dir=Path("in"), warehouse_dir=Path("wh"))
    assert settings.input_dir == tmp_path / "in"
    assert settings.warehouse_dir == tmp_path / "wh"


def test_the_cli_and_make_dev_share_one_dagster_instance_by_default(monkeypatch, tmp_path):
    """Without DAGSTER_HOME a build records its run in the project's .dagster_home, with the project's
    dagster.yaml: the folder `make dev` gives `dagster dev`, so the UI lists `make run`'s builds. A
    DAGSTER_HOME that is set wins."""
    from orchestration.core.paths import DAGSTER_HOME_DIR, DAGSTER_YAML, PROJECT_ROOT
    from orchestration.pipeline import dagster_home

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert dagster_home() == DAGSTER_HOME_DIR == PROJECT_ROOT / ".dagster_home"
    assert (DAGSTER_HOME_DIR / "dagster.yaml").read_bytes() == DAGSTER_YAML.read_bytes()
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert re.search(r"^DAGSTER_HOME := \$\(CURDIR\)/\.dagster_home$", makefile, re.M)
    assert "DAGSTER_HOME=$(DAGSTER_HOME)" in makefile.split("\ndev:")[1].split("\n\n")[0]
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert dagster_home() == tmp_path

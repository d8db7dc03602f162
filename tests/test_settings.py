"""One settings path: defaults stated once, read the same way by the CLI, the Dagster resource and dbt."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import orchestration.cli as cli
from orchestration.core.paths import DBT_PROJECT_DIR
from orchestration.core.settings import (
    TIER_NAMES,
    PyramidSettings,
    SettingsError,
    environment_name,
)
from orchestration.defs.resources import PyramidResource

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
    PyramidSettings; `config_of` hands a resolved object to a run as typed config, never as text to parse."""
    monkeypatch.setenv("PYRAMID_WINDOW_DAYS", "120")
    monkeypatch.setenv("PYRAMID_WAREHOUSE_DIR", str(tmp_path))
    from_resource = PyramidResource(tier_shares=[2.3, 2.7, 15, 80]).settings()
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
    """dbt run by hand reads dbt_project.yml's vars and profiles.yml's fallbacks: they equal the settings."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    dbt_defaults = {**DEFAULTS.dbt_vars()}
    project_vars = {name: project["vars"][name] for name in dbt_defaults}
    assert project_vars["window_days"] == DEFAULTS.window_days
    assert project_vars["history_period"] == DEFAULTS.history_period
    assert project_vars["market_population"] is DEFAULTS.market_population is None
    assert project_vars["as_of_date"] is None
    assert list(project_vars["tier_shares"]) == list(TIER_NAMES), "tier names, in order"
    shares = [Decimal(str(share)) for share in project_vars["tier_shares"].values()]
    assert shares == list(DEFAULTS.tier_shares)
    assert project_vars["freshness_warn_after_days"] == DEFAULTS.freshness_warn_after_days == 3
    assert project_vars["freshness_error_after_days"] == DEFAULTS.freshness_error_after_days == 7

    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text()
    fallbacks = dict(re.findall(r"var\('(\w+)', env_var\('PYRAMID_\w+', '([^']*)'\)\)", profile))
    assert fallbacks["memory_limit"] == DEFAULTS.memory_limit
    assert int(fallbacks["threads"]) == DEFAULTS.threads
    for name in ("memory_limit", "threads"):
        assert f"env_var('{environment_name(name)}'" in profile, name
    assert set(DEFAULTS.duckdb_vars(Path("x"), Path("y"))) <= set(re.findall(r"var\('(\w+)'", profile))


def test_env_example_lists_every_setting_with_its_default():
    """`.env.example` names every PYRAMID_* setting, each shown with the default of the settings module."""
    lines = (Path(__file__).parent.parent / ".env.example").read_text().splitlines()
    shown = dict(line.lstrip("# ").split("=", 1) for line in lines if line.startswith("# PYRAMID_"))
    for name, value in vars(DEFAULTS).items():
        if name == "as_of_date":
            continue
        assert environment_name(name) in shown, name
        if isinstance(value, tuple):
            expected = ",".join(str(part) for part in value)
        elif isinstance(value, Path):
            expected = value.name
        elif isinstance(value, bool):
            expected = str(value).lower()
        else:
            expected = "" if value is None else str(value)
        assert shown[environment_name(name)] == expected, name

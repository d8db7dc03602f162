"""What Python reads from dbt's manifest: the signature that decides whether the stored incremental tables may
be extended, the one that decides whether a build runs the unit tests, the marts to publish, and the mart
columns the schema suite expects."""

import copy
import json
import shutil
import uuid
from pathlib import Path

import pytest
import yaml

from orchestration.build import manifest_cache as dbt_manifest_cache
from orchestration.build.history import CHECKED_FROM_VARS
from orchestration.build.lineage import (
    incremental_models,
    incremental_signature,
    load_manifest,
    mart_models,
    unit_test_signature,
    upstream,
)
from orchestration.build.unit_tests import RECORD_DIR, SKIP_ARGS, all_passed, record_passed, skip_args
from orchestration.core.paths import DBT_PROJECT_DIR
from orchestration.core.settings import PyramidSettings
from orchestration.defs.assets.publishing import MARTS

# Built from these (checked by hand against the models' ref()s): the history and the daily sales read
# staging and the parameters; the migration and the curve read the history.
HISTORY_UPSTREAM = {
    "stg_sales",
    "stg_customers",
    "int_pyramid_parameters",
    "int_customer_daily_sales",
    "int_history_periods",
    "customer_tier_history",
    "int_revenue_curve",
    "tier_migration",
    "int_outlook_customer_sums",
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return load_manifest()


def _with_checksum_changed(manifest: dict, name: str) -> dict:
    changed = copy.deepcopy(manifest)
    node = next(node for node in changed["nodes"].values() if node["name"] == name)
    node["checksum"]["checksum"] = "edited"
    return changed


def test_the_incremental_models_and_what_they_are_built_from(manifest):
    incremental = {unique_id.split(".")[-1] for unique_id in incremental_models(manifest)}
    assert incremental == {
        "int_customer_daily_sales",
        "customer_tier_history",
        "int_revenue_curve",
        "tier_migration",
        "int_outlook_customer_sums",
    }
    nodes, macros = upstream(manifest, incremental_models(manifest))
    assert {unique_id.split(".")[-1] for unique_id in nodes} == HISTORY_UPSTREAM
    assert "macro.customer_pyramid.tier_for_rank" in macros  # through customer_tier_history
    assert "macro.customer_pyramid.raw_value" in macros  # through stg_sales


@pytest.mark.parametrize("model", sorted(HISTORY_UPSTREAM))
def test_a_change_to_any_upstream_model_changes_the_signature(manifest, model):
    assert incremental_signature(_with_checksum_changed(manifest, model), "duckdb") != incremental_signature(
        manifest, "duckdb"
    )


def test_a_change_elsewhere_or_to_an_unused_macro_keeps_the_signature(manifest):
    base = incremental_signature(manifest, "duckdb")
    nodes, macros = upstream(manifest, incremental_models(manifest))
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["unique_id"] not in nodes:
            assert incremental_signature(_with_checksum_changed(manifest, node["name"]), "duckdb") == base
    unused = copy.deepcopy(manifest)
    unused["macros"]["macro.customer_pyramid.average"]["macro_sql"] += "\n-- edited"
    assert "macro.customer_pyramid.average" not in macros
    assert incremental_signature(unused, "duckdb") == base
    used = copy.deepcopy(manifest)
    used["macros"]["macro.customer_pyramid.tier_for_rank"]["macro_sql"] += "\n-- edited"
    assert incremental_signature(used, "duckdb") != base
    assert incremental_signature(manifest, "spark") != base


def copy_of_the_project(root: Path) -> Path:
    project = root / "dbt_project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml", "models", "macros", "tests"):
        source = DBT_PROJECT_DIR / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    return project


def test_a_stored_manifest_is_named_by_everything_its_parse_reads(tmp_path, monkeypatch):
    """On a copy of the project: another target, PYRAMID_RAW_SCHEMA (read by _staging.yml when parsing) or a
    comment added to a model gives another name; PYRAMID_DUCKDB_PATH (set aside for every parse) and a
    variable no dbt file reads keep it."""
    project = copy_of_the_project(tmp_path)
    state = project / "target" / "partial_parse.msgpack"
    base = dbt_manifest_cache.fingerprint("duckdb", state, project)
    assert dbt_manifest_cache.fingerprint("spark", state, project) != base
    monkeypatch.setenv("PYRAMID_DUCKDB_PATH", str(tmp_path / "elsewhere.duckdb"))
    monkeypatch.setenv("PYRAMID_MARKET_POPULATION", "25000")  # a setting no dbt file reads
    assert dbt_manifest_cache.fingerprint("duckdb", state, project) == base
    monkeypatch.setenv("PYRAMID_RAW_SCHEMA", "landing")
    assert dbt_manifest_cache.fingerprint("duckdb", state, project) != base
    monkeypatch.delenv("PYRAMID_RAW_SCHEMA")
    with open(project / "models" / "marts" / "performance" / "tier_performance.sql", "a") as model:
        model.write("\n-- a comment\n")
    assert dbt_manifest_cache.fingerprint("duckdb", state, project) != base


def test_every_unit_test_pins_every_var_so_only_code_decides_its_verdict(manifest):
    """A var a unit test left unpinned would make the build's value part of the unit test signature, and the
    builds would run the unit tests again for every new as-of date. (The vars that limit two data tests to the
    rows a build wrote are read by no model.)"""
    project_vars = set(yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"])
    project_vars -= set(CHECKED_FROM_VARS)
    for node in manifest["nodes"].values():
        assert not any(name in node["raw_code"] for name in CHECKED_FROM_VARS), node["name"]
    assert manifest["unit_tests"], "the project has unit tests"
    for test in manifest["unit_tests"].values():
        assert set(test["overrides"]["vars"]) == project_vars, test["name"]
    other = PyramidSettings(window_days=30, market_population=9, history_period="week")
    assert unit_test_signature(manifest, "duckdb", PyramidSettings().dbt_vars()) == unit_test_signature(
        manifest, "duckdb", other.dbt_vars()
    )


def test_the_unit_test_signature_changes_with_what_decides_the_verdict(manifest):
    """int_active_customers_ranked (a model under unit test) is built from int_customer_revenue and uses macro
    tier_for_rank; tier_performance and macro fail_query (pyramid_summary's) are upstream of no model under a
    unit test (customer_actions and pyramid_forecast are, of most of the project)."""
    build_vars = PyramidSettings().dbt_vars()

    def signature(changed: dict = manifest, target: str = "duckdb", **given: object) -> str:
        return unit_test_signature(changed, target, {**build_vars, **given})

    base = signature()
    assert signature(as_of_date="2020-01-01") == base  # pinned by every unit test
    assert signature(target="spark") != base
    assert signature(_with_checksum_changed(manifest, "tier_performance")) == base
    for model in ("int_active_customers_ranked", "int_customer_revenue"):
        assert signature(_with_checksum_changed(manifest, model)) != base, model
    for macro, upstream_of_the_test in (("tier_for_rank", True), ("fail_query", False)):
        edited = copy.deepcopy(manifest)
        edited["macros"][f"macro.customer_pyramid.{macro}"]["macro_sql"] += "\n-- edited"
        assert (signature(edited) != base) == upstream_of_the_test, macro
    first = sorted(manifest["unit_tests"])[0]
    expected = copy.deepcopy(manifest)
    expected["unit_tests"][first]["expect"]["rows"] = []
    assert signature(expected) != base
    unpinned = copy.deepcopy(manifest)
    del unpinned["unit_tests"][first]["overrides"]["vars"]["as_of_date"]
    assert signature(unpinned, as_of_date="2020-01-01") != signature(unpinned, as_of_date="2021-01-01")


def test_unit_tests_are_left_out_only_for_a_signature_that_passed():
    signature = f"never-built-{uuid.uuid4().hex}"
    assert skip_args(signature) == []
    record_passed(signature)
    try:
        assert skip_args(signature) == list(SKIP_ARGS) == ["--exclude-resource-type", "unit_test"]
    finally:
        (RECORD_DIR / signature).unlink()


def test_a_build_records_the_unit_tests_only_when_every_one_ran_and_passed(manifest, tmp_path):
    """A build of a subset of the models (Dagster's UI can ask for one) runs only their unit tests: it must
    not mark the others as passed."""
    every = dict.fromkeys(manifest["unit_tests"], "pass")

    def run_results(statuses: dict[str, str]) -> Path:
        path = tmp_path / f"run_results_{len(list(tmp_path.iterdir()))}.json"
        results = [{"unique_id": unique_id, "status": status} for unique_id, status in statuses.items()]
        path.write_text(json.dumps({"results": results}))
        return path

    first = sorted(every)[0]
    assert all_passed(run_results(every), manifest)
    assert not all_passed(run_results({**every, first: "fail"}), manifest)
    assert not all_passed(run_results({key: value for key, value in every.items() if key != first}), manifest)
    assert not all_passed(tmp_path / "no_run_results.json", manifest)


def test_marts_published_are_the_models_of_schema_marts(manifest):
    assert list(MARTS) == mart_models(manifest)
    assert {path.stem for path in Path(DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql")} == set(MARTS)


def test_exposures_name_every_mart_that_bi_reads():
    """BI on the DuckDB file and the Parquet copy read every mart: their exposures depend on exactly the
    published marts (a new mart without its exposure fails here); the report reads some of them."""
    manifest = load_manifest()
    served = {
        exposure["name"]: {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}
        for exposure in manifest["exposures"].values()
    }
    assert served["bi_on_duckdb"] == served["parquet_serving_copy"] == set(MARTS)
    assert "pyramid_summary" in served["pyramid_report"] and served["pyramid_report"] < set(MARTS)

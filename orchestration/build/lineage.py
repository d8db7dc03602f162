"""What Python needs to know about the dbt project, read from dbt's manifest instead of restated by hand.

- The signature of the incremental models: the checksums of every model they are built from and the SQL of
  every macro those use (transitively, dbt's own included). A change to any of them, a comment included,
  means the stored incremental tables may no longer be extended; a change anywhere else does not.
- The signature of the unit tests: what their verdict depends on (their own YAML, the models they test and
  everything those are built from, the engine and its versions, the vars they leave unpinned).
- The marts BI reads (schema `marts`) and their contracted columns.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from orchestration.build.project import prepare_manifest
from orchestration.core.paths import DBT_PROJECT_DIR, MARTS_SCHEMA


@cache
def _load(path: Path, mtime_ns: int) -> dict:
    return json.loads(path.read_text())


def load_manifest(path: Path | None = None) -> dict:
    """The manifest (parsed again by dbt first when a model changed), read once per version of the file."""
    path = path or prepare_manifest()
    return _load(path, path.stat().st_mtime_ns)


def incremental_models(manifest: dict) -> list[str]:
    return sorted(
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
    )


def upstream(manifest: dict, roots: Iterable[str]) -> tuple[set[str], set[str]]:
    """Every node and every macro that `roots` are built from, themselves included."""
    nodes, macros = set(), set()
    pending = list(roots)
    while pending:
        unique_id = pending.pop()
        if unique_id in nodes or unique_id in macros:
            continue
        if unique_id in manifest["macros"]:
            macros.add(unique_id)
            pending += manifest["macros"][unique_id]["depends_on"]["macros"]
        elif unique_id in manifest["nodes"]:
            nodes.add(unique_id)
            depends_on = manifest["nodes"][unique_id]["depends_on"]
            pending += depends_on.get("nodes", []) + depends_on.get("macros", [])
    return nodes, macros


def incremental_signature(manifest: dict, target: str) -> str:
    """A digest of what the incremental models are computed by, on the engine (dbt target) named."""
    digest = hashlib.sha256(target.encode())
    _add_code(digest, manifest, incremental_models(manifest))
    return digest.hexdigest()[:16]


# The distributions whose versions can change a unit test's verdict, per dbt target.
ENGINE_DISTRIBUTIONS = {
    "duckdb": ("dbt-core", "dbt-duckdb", "duckdb"),
    # On Spark, the Python models' unit tests run in the DuckDB pass.
    "spark": ("dbt-core", "dbt-spark", "pyspark", "dbt-duckdb", "duckdb"),
    "spark_cluster": ("dbt-core", "dbt-spark", "pyhive", "dbt-duckdb", "duckdb"),
}


def unit_test_signature(manifest: dict, target: str, build_vars: Mapping[str, object]) -> str:
    """A digest of what decides the unit tests' verdict: their definitions, the code of the models they test
    (upstream included, as their input columns come from it), dbt_project.yml's vars, the engine with its
    versions, and the build's value of every var that some unit test leaves unpinned."""
    unit_tests = [manifest["unit_tests"][unique_id] for unique_id in sorted(manifest.get("unit_tests", {}))]
    pinned = [set((test.get("overrides") or {}).get("vars") or {}) for test in unit_tests]
    pinned_by_all = set.intersection(*pinned) if pinned else set()
    digest = hashlib.sha256(target.encode())
    for distribution in ENGINE_DISTRIBUTIONS.get(target, ("dbt-core",)):
        digest.update(f"{distribution}=={_version(distribution)}\n".encode())
    for test in unit_tests:
        definition = {key: test.get(key) for key in ("model", "given", "expect", "overrides", "versions")}
        digest.update(f"{test['unique_id']}={json.dumps(definition, sort_keys=True)}\n".encode())
    _add_code(digest, manifest, [node for test in unit_tests for node in test["depends_on"]["nodes"]])
    digest.update((DBT_PROJECT_DIR / "dbt_project.yml").read_bytes())  # the vars' defaults
    unpinned = {name: value for name, value in build_vars.items() if name not in pinned_by_all}
    digest.update(json.dumps(unpinned, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def _add_code(digest, manifest: dict, roots: Iterable[str]) -> None:
    """Add the checksum of every model `roots` are built from and the SQL of every macro those use."""
    nodes, macros = upstream(manifest, roots)
    for unique_id in sorted(nodes):
        digest.update(f"{unique_id}={manifest['nodes'][unique_id]['checksum']['checksum']}\n".encode())
    for unique_id in sorted(macros):
        sql = manifest["macros"][unique_id]["macro_sql"]
        digest.update(f"{unique_id}={hashlib.sha256(sql.encode()).hexdigest()}\n".encode())


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def python_pass_inputs(manifest: dict) -> set[str]:
    """The models the Python models and everything after them read (by name), outside that set: what a Spark
    build's DuckDB pass needs from the Spark pass (dbt runs Python models on Spark only on Databricks)."""
    models = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    after = {uid for uid, node in models.items() if node.get("language") == "python"}
    pending = list(after)
    while pending:
        for child in manifest["child_map"].get(pending.pop(), []):
            if child in models and child not in after:
                after.add(child)
                pending.append(child)
    return {
        models[parent]["name"]
        for uid in after
        for parent in models[uid]["depends_on"]["nodes"]
        if parent in models and parent not in after
    }


def mart_models(manifest: dict) -> list[str]:
    """The models of schema marts (the tables BI reads and publishing exports), in name order."""
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == MARTS_SCHEMA
    )


def serving_file_per(manifest: dict) -> dict[str, str]:
    """Mart name → the column whose values each get a Parquet file of their own in the serving copy (model
    config `meta.serving_file_per`); the other marts are one file each."""
    return _mart_meta(manifest, "serving_file_per")


@dataclass(frozen=True)
class CsvSplit:
    column: str | None  # None: the whole table in one file, <table>.csv
    values: list[str]
    order_by: str


def serving_csv_per(manifest: dict) -> dict[str, CsvSplit]:
    """The marts also served as CSV: one file per value of a column (model config `meta.serving_csv_per`:
    column and order_by), or one file of the whole table (`meta.serving_csv`: order_by). The values are those
    of the column's accepted_values test, so a value with no rows still gets its file (a header line): an
    import that expects the file finds it."""
    return {
        **{
            mart: CsvSplit(
                split["column"], _accepted_values(manifest, mart, split["column"]), split["order_by"]
            )
            for mart, split in _mart_meta(manifest, "serving_csv_per").items()
        },
        **{
            mart: CsvSplit(None, [], whole["order_by"])
            for mart, whole in _mart_meta(manifest, "serving_csv").items()
        },
    }


def _mart_meta(manifest: dict, key: str) -> dict[str, object]:
    return {
        node["name"]: node["config"]["meta"][key]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("schema") == MARTS_SCHEMA
        and key in node["config"].get("meta", {})
    }


def _accepted_values(manifest: dict, model: str, column: str) -> list[str]:
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        if (
            metadata.get("name") == "accepted_values"
            and node.get("column_name") == column
            and node["attached_node"].split(".")[-1] == model
        ):
            return list(metadata["kwargs"]["values"])
    raise ValueError(f"{model}.{column} has no accepted_values test to name its CSV files")


def contracted_columns(manifest: dict) -> dict[str, list[tuple[str, str]]]:
    """Mart name → [(column, contract data type)] of the marts whose dbt contract is enforced."""
    return {
        node["name"]: [(column["name"], column["data_type"]) for column in node["columns"].values()]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("schema") == MARTS_SCHEMA
        and node["config"].get("contract", {}).get("enforced")
    }


def project_var(name: str) -> object:
    """A var's value in dbt_project.yml: what a build uses for the vars the pipeline does not pass."""
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"][name]

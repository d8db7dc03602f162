"""dbt's parse and the stored manifest, for real: a `dbt parse` of a copy of the project and the manifest this
process parsed, stored and read back (seconds each: outside the pure tier)."""

from orchestration.build import in_process
from orchestration.build import manifest_cache as dbt_manifest_cache
from orchestration.build.in_process import PARSED_STATE, parsed_manifest
from orchestration.build.lineage import incremental_signature, load_manifest
from orchestration.build.project import dbt_parse
from tests.unit.test_manifest import copy_of_the_project


def test_a_comment_in_a_model_file_reaches_the_signature_through_dbt_parse(tmp_path):
    """A real `dbt parse` of a copy of the project: a comment added to int_pyramid_parameters.sql (upstream of
    the history, missing from the old hand-kept list) changes the signature; one in tier_performance.sql
    (nothing incremental reads it) does not."""
    project = copy_of_the_project(tmp_path)

    def parsed_signature() -> str:
        return incremental_signature(load_manifest(dbt_parse(project)), "duckdb")

    base = parsed_signature()
    assert base == incremental_signature(load_manifest(), "duckdb")
    with open(project / "models" / "marts" / "performance" / "tier_performance.sql", "a") as model:
        model.write("\n-- a comment\n")
    assert parsed_signature() == base
    with open(project / "models" / "intermediate" / "int_pyramid_parameters.sql", "a") as model:
        model.write("\n-- a comment\n")
    assert parsed_signature() != base


def test_the_parsed_manifest_is_read_back_whole_and_a_damaged_copy_is_parsed_again(tmp_path, monkeypatch):
    """What this process parsed (or read back) is stored under its fingerprint: reading it gives the same
    nodes, sources, macros and unit tests, and finds a model and a source as compiling needs. A damaged file
    reads as nothing (the caller parses again), storing a new manifest drops the target's older ones, and an
    unwritable folder stores nothing, quietly.

    In a folder of its own and with nothing kept in this process, so this process parses and stores: in the
    project's folder, a build in another xdist worker (other environment variables, so another fingerprint)
    may store its own manifest meanwhile, which drops this one."""
    monkeypatch.setattr(dbt_manifest_cache, "CACHE_DIR", tmp_path / "parsed")
    monkeypatch.setattr(in_process, "_parsed", {})
    manifest = parsed_manifest()
    assert dbt_manifest_cache.load("duckdb", dbt_manifest_cache.fingerprint("duckdb", PARSED_STATE))
    stores = tmp_path / "stores"
    monkeypatch.setattr(dbt_manifest_cache, "CACHE_DIR", stores)
    assert manifest.ref_lookup and manifest.source_lookup and manifest.doc_lookup  # as a parse leaves it
    dbt_manifest_cache.store("duckdb", "older", manifest)
    dbt_manifest_cache.store("duckdb", "newer", manifest)
    assert [path.name for path in stores.iterdir()] == ["duckdb-newer.pickle"]
    stored = dbt_manifest_cache.load("duckdb", "newer")
    assert stored is not None
    for part in ("nodes", "sources", "macros", "unit_tests"):
        assert set(getattr(stored, part)) == set(getattr(manifest, part)), part
    assert stored.nodes["model.customer_pyramid.customer_tier_history"].checksum == (
        manifest.nodes["model.customer_pyramid.customer_tier_history"].checksum
    )
    # What compiling a model asks of it (dbt's own pickling put its lookups in the wrong fields).
    found = stored.ref_lookup.find("customer_tiers", None, None, stored)
    assert found.unique_id == "model.customer_pyramid.customer_tiers"
    source = stored.source_lookup.find("raw.sales", None, stored)
    assert source.unique_id == "source.customer_pyramid.raw.sales"
    (stores / "duckdb-newer.pickle").write_bytes(b"not a pickle")
    assert dbt_manifest_cache.load("duckdb", "newer") is None
    # A folder that cannot be written (here a file stands where it would be): nothing stored, no error.
    monkeypatch.setattr(dbt_manifest_cache, "CACHE_DIR", stores / "duckdb-newer.pickle" / "sub")
    dbt_manifest_cache.store("duckdb", "newest", manifest)

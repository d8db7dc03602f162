"""Build folders: one per run, published by rename, old leftovers cleaned up."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.core.warehouse_files import (
    STALE_BUILD_SECONDS,
    build_folder,
    keep_only_this_failed_build,
    start_build,
)
from orchestration.core.warehouse_lock import acquire, release, warehouse_lock
from orchestration.publish.warehouse import publish, publish_with_parquet, recover_publishing


def test_start_build_keeps_only_the_newest_failed_build_and_only_for_a_day(tmp_path):
    stale = build_folder(tmp_path, "crashed-long-ago")
    older = build_folder(tmp_path, "failed-two-hours-ago")
    recent = build_folder(tmp_path, "failed-an-hour-ago")
    for folder, age in ((stale, STALE_BUILD_SECONDS + 60), (older, 7200), (recent, 3600)):
        folder.mkdir(parents=True)
        (folder / "pyramid.duckdb").write_bytes(b"old")
        os.utime(folder, (time.time() - age, time.time() - age))
    build_file = start_build(tmp_path, "this-run")
    assert build_file == build_folder(tmp_path, "this-run") / "pyramid.duckdb"
    assert build_file.parent.is_dir() and not build_file.exists()
    assert not stale.exists() and not older.exists()
    assert (recent / "pyramid.duckdb").exists(), "the last failed build is kept for inspection"
    # This build fails too: now it is the one kept.
    keep_only_this_failed_build(tmp_path, "this-run")
    assert [path.name for path in (tmp_path / ".build").iterdir()] == ["this-run"]
    (tmp_path / ".build" / "a-day-old").mkdir()
    os.utime(tmp_path / ".build" / "a-day-old", (0, 0))
    start_build(tmp_path, "next-run")
    assert sorted(path.name for path in (tmp_path / ".build").iterdir()) == ["next-run", "this-run"]


def test_publish_replaces_the_published_file(tmp_path):
    build_file = start_build(tmp_path, "run")
    build_file.write_bytes(b"new pyramid")
    (tmp_path / "pyramid.duckdb").write_bytes(b"old pyramid")
    published = publish(build_file, tmp_path)
    assert published.read_bytes() == b"new pyramid"
    assert not build_file.exists()


def test_publish_refuses_a_file_still_being_written(tmp_path):
    build_file = start_build(tmp_path, "run")
    build_file.write_bytes(b"half")
    build_file.with_name("pyramid.duckdb.wal").write_bytes(b"wal")
    with pytest.raises(RuntimeError, match="still open"):
        publish(build_file, tmp_path)
    assert not (tmp_path / "pyramid.duckdb").exists()


def test_a_second_process_is_refused_and_told_who_holds_the_warehouse(tmp_path):
    """The lock is per process and re-entrant in it: `pyramid run` holds it, the job inside it takes it
    again; another process is refused, with the holder's name, until the holder lets go."""
    probe = (
        "import sys; from pathlib import Path\n"
        "from orchestration.core.warehouse_lock import WarehouseBusyError, acquire\n"
        "try:\n    acquire(Path(sys.argv[1]), 'probe')\nexcept WarehouseBusyError as error:\n"
        "    print(error); sys.exit(1)\n"
    )

    def other_process() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True)

    with warehouse_lock(tmp_path, "pyramid run"):
        acquire(tmp_path, "Dagster run 1a2b3c4d")  # the same process: held already
        release(tmp_path, "Dagster run 1a2b3c4d")  # not the run's to give up: pyramid run took it
        refused = other_process()
        assert refused.returncode == 1
        assert "another pyramid build is running on this warehouse" in refused.stdout
        assert f"(Dagster run 1a2b3c4d in pyramid run, pid {os.getpid()}, since " in refused.stdout
    assert other_process().returncode == 0


def _journal_then_stop(build_file, warehouse, version, *, move_duckdb: bool) -> None:
    """What publish_with_parquet had done when killed: the journal written, the DuckDB file moved or not."""
    (warehouse / ".publishing.json").write_text(
        json.dumps({"build_file": str(build_file), "version": str(version)})
    )
    if move_duckdb:
        publish(build_file, warehouse)


def half_published(warehouse: Path, *, moved: bool) -> tuple[Path, Path]:
    """Build `old` published with its Parquet version; build `new` stopped while being published (the DuckDB
    file moved or not). Returns both Parquet versions (old, new)."""
    old_build = start_build(warehouse, "old")
    old_build.write_bytes(b"old pyramid")
    old_version = warehouse / "serving" / "versions" / "old"
    old_version.mkdir(parents=True)
    publish_with_parquet(old_build, warehouse, old_version)
    new_build = start_build(warehouse, "new")
    new_build.write_bytes(b"new pyramid")
    new_version = warehouse / "serving" / "versions" / "new"
    new_version.mkdir(parents=True)
    _journal_then_stop(new_build, warehouse, new_version, move_duckdb=moved)
    return old_version, new_version


@pytest.mark.parametrize("moved", [True, False])
def test_a_publish_killed_between_duckdb_and_parquet_is_recovered_by_the_next_run(tmp_path, moved):
    """Killed after the DuckDB rename: the next run switches Parquet to the same build. Killed before it:
    DuckDB and Parquet both stay on the old build. Either way readers of both see one build."""
    old_version, new_version = half_published(tmp_path, moved=moved)

    assert recover_publishing(tmp_path) is not None
    current = (tmp_path / "serving" / "current").resolve()
    assert (tmp_path / "pyramid.duckdb").read_bytes() == (b"new pyramid" if moved else b"old pyramid")
    assert current == (new_version if moved else old_version).resolve()
    assert recover_publishing(tmp_path) is None, "the journal is gone"

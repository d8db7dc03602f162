"""Build folders: one per run, published by rename, old leftovers cleaned up."""

import os
import time

import pytest

from orchestration.warehouse import (
    STALE_BUILD_SECONDS,
    WarehouseBusyError,
    build_folder,
    publish,
    start_build,
    warehouse_lock,
)


def test_start_build_removes_only_stale_leftovers(tmp_path):
    stale = build_folder(tmp_path, "crashed-long-ago")
    recent = build_folder(tmp_path, "failed-an-hour-ago")
    for folder in (stale, recent):
        folder.mkdir(parents=True)
        (folder / "pyramid.duckdb").write_bytes(b"old")
    old = time.time() - STALE_BUILD_SECONDS - 60
    os.utime(stale, (old, old))
    build_file = start_build(tmp_path, "this-run")
    assert build_file == build_folder(tmp_path, "this-run") / "pyramid.duckdb"
    assert build_file.parent.is_dir() and not build_file.exists()
    assert not stale.exists()
    assert (recent / "pyramid.duckdb").exists(), "a recent failed build is kept for inspection"


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


def test_a_second_build_of_the_same_warehouse_is_refused(tmp_path):
    with warehouse_lock(tmp_path), pytest.raises(WarehouseBusyError), warehouse_lock(tmp_path):
        pass

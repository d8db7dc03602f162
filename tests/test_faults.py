"""Faults a demanding user meets: a kill, a full disk, a half-finished publish, a hostile customer id. Each
ends in one clear line and a documented exit code, with nothing published lost and no process left behind."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.core.paths import DEMO_INPUT_DIR
from tests.conftest import Dataset, invoke_pyramid
from tests.processes import alive, cmdline, descendants
from tests.unit.test_warehouse import half_published

PYRAMID = str(Path(sys.executable).with_name("pyramid"))


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_kill_9_during_validation_leaves_no_process_behind(tmp_path):
    """`pyramid run` killed with SIGKILL while Great Expectations validates the marts: its validation worker
    and the worker's resource tracker end with it (within 5 s), instead of waiting on a pipe for ever."""
    process = subprocess.Popen(
        [PYRAMID, "run", "--warehouse", str(tmp_path / "warehouse"), "--market-population", "25000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 300
        for line in process.stderr:
            children |= descendants(process.pid)
            if "validating the marts" in line:
                break
            assert time.monotonic() < deadline, "the run never reached the validation of the marts"
        children |= descendants(process.pid)
        assert any("spawn_main" in cmdline(pid) for pid in children), "no validation worker was running"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 5
    while alive(children) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = {pid: cmdline(pid) for pid in alive(children)}
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes of the killed run still alive: {left}"


def test_spreadsheet_formulas_in_ids_are_neutralised_in_the_crm_files(dataset: Dataset):
    """Customer ids a spreadsheet would run as formulas (=, +, -, @ first) are written to the action CSVs with
    a leading ' (OWASP), so they show as text; marts.customer_actions and the Parquet copy keep the true id.
    Each is a first purchase of the as-of month, so each is on the `welcome` list."""
    hostile = ['=HYPERLINK("http://x.test","click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "plain"]
    dataset.sales([(customer, "2025-06-10", "10.00") for customer in hostile])
    pyramid = dataset.build()
    current = dataset.warehouse_dir / "serving" / "current"
    with open(current / "customer_actions" / "welcome.csv", newline="") as handle:
        written = {row["customer_id"] for row in csv.DictReader(handle)}
    assert written == {"'" + customer for customer in hostile[:4]} | {"plain"}
    assert {row[0] for row in pyramid.query("select customer_id from marts.customer_actions")} == set(hostile)
    with duckdb.connect() as con:
        parquet = con.execute(
            f"select customer_id from read_parquet('{current / 'customer_actions.parquet'}')"
        ).fetchall()
    assert {row[0] for row in parquet} == set(hostile)


def test_a_refused_run_first_finishes_an_interrupted_publish_and_says_so(dataset: Dataset):
    """A run killed after the DuckDB file moved but before Parquet switched left a journal. The next run is
    refused (--window-days 0: exit 2), but first finishes that publish, so DuckDB and Parquet are on one build
    again, and says what it did instead of "unchanged"."""
    warehouse = dataset.warehouse_dir
    _, new_version = half_published(warehouse, moved=True)

    result = invoke_pyramid("run", "--warehouse", str(warehouse), "--window-days", "0", "--quiet")
    assert result.returncode == 2
    assert "error: --window-days must be at least 1; got 0" in result.stderr
    assert (
        "Before anything else, an interrupted publish was finished: Parquet switched to new." in result.stderr
    )
    assert "The published warehouse is otherwise unchanged" in result.stderr
    assert (warehouse / "serving" / "current").resolve() == new_version.resolve()
    assert (warehouse / "pyramid.duckdb").read_bytes() == b"new pyramid"
    assert not (warehouse / ".publishing.json").exists()


@pytest.fixture
def small_disk(tmp_path):
    """A 128 MB file system of its own (tmpfs; needs root, as CI runs): skipped where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128m", "tmpfs", str(mount)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_is_one_line_naming_it_and_the_published_pyramid_survives(small_disk):
    """The demo published on a small disk, then the disk filled up to its last 64 KiB: the next run stops
    with exit 1 and one line saying the disk is full and where, no "Logging error" flood and no traceback,
    and the published file is byte for byte as it was."""
    warehouse = small_disk / "warehouse"
    first = invoke_pyramid(
        "run",
        "--input",
        str(DEMO_INPUT_DIR),
        "--warehouse",
        str(warehouse),
        "--quiet",
        "--outlook-days",
        "30",
    )
    assert first.returncode == 0, first.stderr[-3000:]
    published = warehouse / "pyramid.duckdb"
    before = _checksum(published)
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    with open(small_disk / "filler", "wb") as filler:
        filler.truncate(0)
        filler.write(b"\0" * max(free - (64 << 10), 0))
    result = subprocess.run(
        [PYRAMID, "run", "--warehouse", str(warehouse), "--quiet", "--outlook-days", "30"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert "error: no space left on device" in result.stderr
    assert result.stderr.count("error:") == 1
    assert "Logging error" not in result.stderr and "Traceback" not in result.stderr
    assert _checksum(published) == before


def test_a_warehouse_folder_that_refuses_new_files_is_found_before_building(small_disk, tmp_path):
    """A warehouse whose lock file can be written but whose folder takes no new file (for another user, a
    folder without write permission; here, as root, a read-only file system with the lock file bound in from
    a writable one): refused at once, exit 1, one line naming the folder, rather than after the whole build
    when publishing moves the new file in."""
    warehouse = small_disk / "warehouse"
    warehouse.mkdir()
    (warehouse / ".lock").write_text("")
    (warehouse / "pyramid.duckdb").write_bytes(b"published")
    writable_lock = tmp_path / "lock"
    writable_lock.write_text("")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    subprocess.run(["mount", "--bind", str(writable_lock), str(warehouse / ".lock")], check=True)
    try:
        result = invoke_pyramid("run", "--warehouse", str(warehouse), "--quiet")
    finally:
        subprocess.run(["umount", str(warehouse / ".lock")], check=False)
    assert result.returncode == 1
    assert (
        f"error: {warehouse}: cannot write in the warehouse folder (Read-only file system)" in result.stderr
    )
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.stderr
    assert (warehouse / "pyramid.duckdb").read_bytes() == b"published"

"""Messages a user reads when something goes wrong, worked out without a build."""

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            'IO Error: Could not write file "/data/wh/.build/1/pyramid.duckdb": No space left on device',
            "no space left on device: /data/wh/.build/1/pyramid.duckdb",
        ),
        (
            "[Errno 13] Permission denied: '/data/wh/serving/versions'",
            "permission denied: /data/wh/serving/versions",
        ),
        ("OSError: [Errno 30] Read-only file system", "read-only file system: /fallback"),
        ("Binder Error: column x not found", None),
    ],
)
def test_a_fault_of_the_machine_is_named_in_one_line(message, expected):
    """A step's error that a full disk, a refused permission or a read-only file system caused becomes one
    line naming the cause and the path it names (else the warehouse folder); anything else is not a fault of
    the machine. (A pure rule: no build.)"""
    from orchestration.pipeline import environment_fault

    assert environment_fault(message, Path("/fallback")) == expected

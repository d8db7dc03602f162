"""The run's progress: one live line on a terminal, plain lines elsewhere, nothing unless someone shows it.

A whole run's plain lines are checked on the demo (tests/test_demo.py, a real `pyramid run` process).
"""

import io
import re

from orchestration.core import progress
from orchestration.core.progress import show_progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_phases() -> None:
    progress.phase("landing the inputs")
    progress.detail("sales: appended, 9,124 new rows, 10,009,124 in all")
    progress.phase("dbt build")
    for done in range(1, 109):
        progress.count("dbt build", done, 108)
    progress.phase("drawing the report")


def test_plain_lines_give_each_phase_and_each_finished_count_once():
    """108 dbt nodes give one line, when the 108th is done: a log stays short. A detail is indented under its
    phase (a benchmark tells phases from details by it)."""
    log = io.StringIO()
    with show_progress(log):
        _run_phases()
    assert log.getvalue().splitlines() == [
        "[pyramid] landing the inputs",
        "[pyramid]   sales: appended, 9,124 new rows, 10,009,124 in all",
        "[pyramid] dbt build",
        "[pyramid] dbt build: 108 of 108 done",
        "[pyramid] drawing the report",
    ]


def test_a_terminal_gets_one_redrawn_line_with_n_of_n():
    terminal = Terminal()
    with show_progress(terminal):
        progress.phase("landing the inputs")
        progress.detail("sales: appended, 9,124 new rows, 10,009,124 in all")
        progress.phase("dbt build")
        progress.count("dbt build", 37, 108)
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())
    assert "dbt build" in screen and "37 of 108" in screen
    assert "  sales: appended, 9,124 new rows, 10,009,124 in all\n" in screen, "a detail stays above the line"
    assert "[pyramid]" not in screen, "a terminal gets the live line, not plain lines"


def test_nothing_is_shown_when_no_one_asked():
    log = io.StringIO()
    with show_progress(log):
        pass
    _run_phases()  # after the display closed, as in the tests and in library use
    assert log.getvalue() == ""

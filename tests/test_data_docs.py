"""Data Docs, as a reviewer sees them: rendered by headless Chromium with no network."""

import re
import subprocess
from pathlib import Path

import pytest

from orchestration.validate.offline_docs import assets_installed
from tests.chromium import CHROMIUM, OFFLINE_FLAGS


def rendered_dom(page: Path, profile: Path) -> str:
    """The DOM after scripts ran, from headless Chromium kept off the network."""
    assert CHROMIUM, "Chromium is missing: `make test` installs Debian's chromium package"
    command = [
        CHROMIUM,
        *OFFLINE_FLAGS,
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def visible_text(dom: str) -> str:
    without_code = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", dom, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_code))


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    """A published pyramid, then a run refused by the raw suite (a sale dated 2999-12-31)."""
    from tests.conftest import Dataset

    dataset = Dataset(tmp_path_factory.mktemp("docs"))
    dataset.sales([("a", "2025-01-01", "10.00"), ("b", "2025-02-01", "20.00")]).build()
    dataset.sales([("a", "2025-01-01", "10.00"), ("b", "2999-12-31", "20.00")])
    assert dataset.cli().returncode == 3
    return dataset.warehouse_dir / "validation" / "data_docs"


def test_data_docs_assets_are_installed():
    assert assets_installed(), "run `make install` (npm ci in expectations/data_docs_assets)"


@pytest.mark.slow  # a build, then a second run refused by the raw suite
def test_index_lists_every_suite_and_the_failed_run(failed_run, tmp_path):
    text = visible_text(rendered_dom(failed_run / "index.html", tmp_path / "profile"))
    for suite in ("raw_sales", "customer_tiers", "pyramid_summary", "customers", "marts_schema"):
        assert suite in text, f"suite {suite} not visible in the rendered index"
    index = (failed_run / "index.html").read_text()
    assert re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:[^"]*)"', index) == []
    # Each run is named by its as-of date, input folder, build and stage (the refused build: as of its
    # newest sale, 2999-12-31, from the folder `input`).
    newest = re.search(r"as-of-2999-12-31_input_build-[0-9a-f]{8}_input", text)
    assert newest, "the newest run is not listed by its as-of date, input and build"


@pytest.mark.slow  # a build, then a second run refused by the raw suite
def test_failing_expectation_is_visible(failed_run, tmp_path):
    pages = sorted((failed_run / "validations" / "raw_sales").rglob("*.html"))
    dom = rendered_dom(pages[-1], tmp_path / "profile")
    text = visible_text(dom)
    assert "Failed" in text or "Unsuccessful Expectations 1" in text
    assert "order_day" in text
    assert "2999-12-31" in text
    assert "Data asset: raw_sales" in text, "the page names the data asset it validated"
    assert "maximum value must be" in text.lower() or "max" in text.lower()


@pytest.mark.slow  # a build, then a second run refused by the raw suite
def test_dates_read_as_dates_and_money_as_amounts(failed_run, tmp_path):
    """The published build (a bought 10.00 on 2025-01-01, b 20.00 on 2025-02-01): as of its newest sale,
    2025-02-01, two active customers, so the shares 1/4/15/80 round to 0, 0, 0 and 2 (small), and the tiers
    hold 10.00 + 20.00 = 30.00. Data Docs shows that date and those amounts, not a day number (20120) or
    cents (3000)."""

    def sentences(page: Path, profile: str) -> str:
        return re.sub(r" ([,.])", r"\1", visible_text(rendered_dom(page, tmp_path / profile)))

    summary = sentences(sorted((failed_run / "validations" / "pyramid_summary").rglob("*.html"))[-1], "s")
    assert "values must belong to this set: 2025-02-01." in summary
    assert "If level == small, then values must belong to this set: 30.00." in summary
    assert "If level == top, then values must belong to this set: 0.00." in summary
    tiers = sentences(sorted((failed_run / "validations" / "customer_tiers").rglob("*.html"))[-1], "t")
    assert "total_revenue" in tiers and "values must belong to this set: 30.00." in tiers

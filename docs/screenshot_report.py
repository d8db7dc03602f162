"""Take the report's screenshots in docs/ (headless Chromium, kept off every network): the page in each
language, cut to its first screen, and the pictures the docs show, from the published demo warehouse.

    make docs      # after `make run`
"""

import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.core.settings import REPORT_LANGUAGES, PyramidSettings  # noqa: E402
from orchestration.core.warehouse_files import published_path  # noqa: E402
from orchestration.report.charts import (  # noqa: E402
    calibration_png,
    concentration_png,
    migration_png,
    pyramid_png,
    trend_png,
)
from orchestration.report.data import read_report_data  # noqa: E402
from orchestration.report.writer import write_picture_report  # noqa: E402
from tests.chromium import chromium_page  # noqa: E402

DOCS = ROOT / "docs"
FIRST_SCREEN = 1400  # pixels of each page kept: the pyramid and its table


def main() -> None:
    published = published_path(PyramidSettings.resolve().warehouse_dir)
    with tempfile.TemporaryDirectory() as scratch:
        for language in REPORT_LANGUAGES:
            page_file = write_picture_report(published, Path(scratch), language).html
            shot = Path(scratch) / f"page.{language}.png"
            with chromium_page(1200, FIRST_SCREEN) as page:
                page.open(page_file.as_uri())
                page.screenshot(shot)
            with Image.open(shot) as image:
                image.crop((0, 0, image.width, min(image.height, FIRST_SCREEN))).save(
                    DOCS / f"report_{language}.png", optimize=True
                )
    data = read_report_data(published)
    (DOCS / "pyramid.png").write_bytes(pyramid_png(data, "en"))
    (DOCS / "pyramid_ar.png").write_bytes(pyramid_png(data, "ar"))
    (DOCS / "calibration.png").write_bytes(calibration_png(data, "en"))
    (DOCS / "concentration.png").write_bytes(concentration_png(data, "en"))
    (DOCS / "migration.png").write_bytes(migration_png(data, "en"))
    (DOCS / "trend.png").write_bytes(trend_png(data, "pl"))
    print("wrote the report's screenshots and pictures in docs/")


if __name__ == "__main__":
    main()

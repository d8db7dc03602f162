"""Take the report's screenshots in docs/ from the published warehouse (headless Chromium, kept off every
network): the page in each language, cut to its first screen, and the charts and pictures the docs show.
The report test takes the same screenshots from its demo build (tests/screenshots.py).

    make docs      # after `make run`
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.core.settings import REPORT_LANGUAGES, PyramidSettings  # noqa: E402
from orchestration.core.warehouse_files import published_path  # noqa: E402
from orchestration.report.writer import write_picture_report  # noqa: E402
from tests.chromium import chromium_page  # noqa: E402
from tests.screenshots import save_screenshots  # noqa: E402


def main() -> None:
    published = published_path(PyramidSettings.resolve().warehouse_dir)
    with tempfile.TemporaryDirectory() as scratch:
        for language in REPORT_LANGUAGES:
            files = write_picture_report(published, Path(scratch), language)
            with chromium_page() as page:
                page.open(files.html.as_uri())
                save_screenshots(page, language, files.png)
    print("wrote the report's screenshots and pictures in docs/")


if __name__ == "__main__":
    main()

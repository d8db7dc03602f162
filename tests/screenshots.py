"""The report's screenshots in docs/, taken in headless Chromium from a page already open: the first screen
of each language's page, and the charts and pictures the docs show. The report test takes them on every run
(so they show what is built), and `make docs` from the published warehouse.

A file is rewritten only when its pixels change, so a run that changes nothing leaves docs/ as it was.
"""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

from PIL import Image, ImageChops

from tests.chromium import Page

DOCS = Path(__file__).resolve().parents[1] / "docs"
FIRST_SCREEN = 1400  # pixels of each page kept: the pyramid and its table
# language → {chart element id on the page: picture in docs/}
CHARTS = {
    "en": {
        "chart-migration": "migration.png",
        "chart-concentration": "concentration.png",
        "chart-calibration": "calibration.png",
    },
    "pl": {"chart-trend": "trend.png"},
}
# language → the picture pyramid.<language>.png as docs/ names it
PYRAMIDS = {"en": "pyramid.png", "ar": "pyramid_ar.png"}


def save_screenshots(page: Page, language: str, picture: Path, docs: Path = DOCS) -> list[Path]:
    """Save the open page's first screen, its charts and the pyramid picture of `language` into `docs`."""
    width = page.evaluate("document.documentElement.scrollWidth")
    saved = [_save(_clip(page, 0, 0, width, FIRST_SCREEN), docs / f"report_{language}.png")]
    for element, name in CHARTS.get(language, {}).items():
        box = page.evaluate(
            f"(() => {{ const r = document.getElementById('{element}').getBoundingClientRect();"
            " return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]; })()"
        )
        saved.append(_save(_clip(page, *box), docs / name))
    if language in PYRAMIDS:
        with Image.open(picture) as image:
            saved.append(_save(image.copy(), docs / PYRAMIDS[language]))
    return saved


def _clip(page: Page, left: float, top: float, width: float, height: float) -> Image.Image:
    shot = page.call(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": left, "y": top, "width": width, "height": height, "scale": 1},
    )
    return Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")


def _save(image: Image.Image, path: Path) -> Path:
    image = image.convert("RGB")
    if path.exists():
        with Image.open(path) as kept:
            same = kept.size == image.size and not ImageChops.difference(kept.convert("RGB"), image).getbbox()
        if same:
            return path
    partial = path.with_name(path.name + ".partial.png")
    image.save(partial, optimize=True)
    shutil.move(partial, path)
    return path

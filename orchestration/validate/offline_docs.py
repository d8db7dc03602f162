"""Make GX Data Docs readable with no network: serve its scripts, styles and images from the site itself.

GX's page templates load jQuery, Bootstrap, bootstrap-table and Font Awesome from CDNs, so on an offline
machine the index's tables stay empty. The same files are installed, pinned, from the npm registry at set-up
(expectations/data_docs_assets/package-lock.json); this copies them into the site's static/vendor folder and
points every page at them. Vega (only used by chart expectations, which no suite here has) and GX's remote
logo and tracking images are replaced or removed.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from orchestration.core.paths import GX_PROJECT_DIR

NODE_MODULES = GX_PROJECT_DIR / "data_docs_assets" / "node_modules"

# CDN address in GX's templates → the same file inside node_modules
CDN_FILES = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js/dist/umd/popper.min.js"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table/dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
}
# Folders a copied stylesheet refers to (Font Awesome's CSS loads ../webfonts/).
EXTRA_FOLDERS = ("@fortawesome/fontawesome-free/webfonts",)
VEGA_SCRIPT = re.compile(r'<script src="https://cdn\.jsdelivr\.net/npm/vega[^"]*"></script>\s*')
REMOTE_IMAGE = re.compile(r"https://great-expectations-web-assets\.s3\.[^\"']*")
INTEGRITY = re.compile(r'\s+integrity="[^"]*"\s+crossorigin="anonymous"')
LOCAL_LOGO = "static/images/logo-long-vector.svg"


def assets_installed(node_modules: Path = NODE_MODULES) -> bool:
    return all((node_modules / path).is_file() for path in CDN_FILES.values())


def make_offline(site_dir: Path, node_modules: Path = NODE_MODULES) -> bool:
    """Rewrite every page of the Data Docs site in `site_dir`; False when the assets are not installed."""
    if not assets_installed(node_modules):
        return False
    vendor = site_dir / "static" / "vendor"
    for path in {*CDN_FILES.values()}:
        (vendor / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node_modules / path, vendor / path)
    for folder in EXTRA_FOLDERS:
        shutil.copytree(node_modules / folder, vendor / folder, dirs_exist_ok=True)
    for page in site_dir.rglob("*.html"):
        _rewrite(page, site_dir)
    return True


def _rewrite(page: Path, site_dir: Path) -> None:
    text = page.read_text()
    to_root = os.path.relpath(site_dir, page.parent).replace(os.sep, "/")
    rewritten = VEGA_SCRIPT.sub("", text)
    for url, path in CDN_FILES.items():
        rewritten = rewritten.replace(url, f"{to_root}/static/vendor/{path}")
    rewritten = INTEGRITY.sub("", rewritten)
    rewritten = REMOTE_IMAGE.sub(f"{to_root}/{LOCAL_LOGO}", rewritten)
    if rewritten != text:
        page.write_text(rewritten)

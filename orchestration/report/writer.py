"""Write the report files: pyramid.<language>.html (self-contained) and pyramid.<language>.png."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.core.settings import REPORT_LANGUAGES
from orchestration.report.charts import (
    calibration_png,
    concentration_png,
    migration_png,
    pyramid_png,
    trend_png,
)
from orchestration.report.data import read_report_data
from orchestration.report.html import render_html
from orchestration.report.labels import labels
from orchestration.report.since import read_since_last_build


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    png: Path


def write_picture_report(duckdb_path: Path, out_dir: Path, language: str = "en") -> ReportFiles:
    """Write pyramid.<language>.html (self-contained) and pyramid.<language>.png into `out_dir`."""
    labels(language)  # refuses an unknown language before any work
    data = read_report_data(duckdb_path)
    pictures = {
        "pyramid": pyramid_png(data, language),
        "trend": trend_png(data, language),
        "concentration": concentration_png(data, language),
    }
    if data.migration_from:
        pictures["migration"] = migration_png(data, language)
    if data.backtest:
        pictures["calibration"] = calibration_png(data, language)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(out_dir / f"pyramid.{language}.html", out_dir / f"pyramid.{language}.png")
    _write_atomically(files.png, pictures["pyramid"])
    since = read_since_last_build(duckdb_path, data.as_of)
    page = render_html(data, language, pictures, str(duckdb_path), since)
    _write_atomically(files.html, page.encode("utf-8"))
    _remove_other_languages(out_dir, language)
    return files


def _remove_other_languages(out_dir: Path, language: str) -> None:
    """The folder holds one build's pages: those of another language (an earlier build's, maybe of other
    data) would sit beside them unmarked, so they go."""
    for other in REPORT_LANGUAGES:
        if other != language:
            for suffix in ("html", "png"):
                (out_dir / f"pyramid.{other}.{suffix}").unlink(missing_ok=True)


def _write_atomically(path: Path, content: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    partial.replace(path)

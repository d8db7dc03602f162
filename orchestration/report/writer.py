"""Write the report files: pyramid.<language>.html, the Plotly script its charts load (plotly.min.js, one
for every language) and the picture pyramid.<language>.png."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.core.settings import REPORT_LANGUAGES
from orchestration.report.charts import pyramid_png
from orchestration.report.data import read_report_data
from orchestration.report.html import render_html
from orchestration.report.interactive import (
    calibration_figure,
    chart_html,
    concentration_figure,
    migration_figure,
    trend_figure,
    write_plotly_script,
)
from orchestration.report.labels import labels
from orchestration.report.since import read_since_last_build


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    png: Path


def write_picture_report(duckdb_path: Path, out_dir: Path, language: str = "en") -> ReportFiles:
    """Write pyramid.<language>.html, plotly.min.js and pyramid.<language>.png into `out_dir`."""
    words = labels(language)  # refuses an unknown language before any work
    data = read_report_data(duckdb_path)
    figures = {"trend": trend_figure, "concentration": concentration_figure}
    if data.migration_from:
        figures["migration"] = migration_figure
    if data.backtest:
        figures["calibration"] = calibration_figure
    charts = {
        name: chart_html(draw(data, language), f"chart-{name}", words["needs_plotly"])
        for name, draw in figures.items()
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(out_dir / f"pyramid.{language}.html", out_dir / f"pyramid.{language}.png")
    write_plotly_script(out_dir)
    _write_atomically(files.png, pyramid_png(data, language))
    since = read_since_last_build(duckdb_path, data.as_of)
    page = render_html(data, language, charts, str(duckdb_path), since)
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

"""The pyramid as a PNG picture (matplotlib, no display needed): pyramid.<language>.png, for a slide or a
mail. The page's charts are interactive (interactive.py).

Matplotlib (3.11, built with libraqm) shapes Arabic and lays it out right to left by itself, so labels are
passed in their logical order. DejaVu Sans, bundled with matplotlib, has the Arabic glyphs: the pictures need
no system font.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from orchestration.report.data import TIERS, ReportData
from orchestration.report.labels import LEVEL_COLORS as COLORS
from orchestration.report.labels import RIGHT_TO_LEFT, labels
from orchestration.report.locale_format import LocaleFormat

DARK_LEVELS = {"top", "big"}
FONT = "DejaVu Sans"
LEFT_TO_RIGHT_ISOLATE, POP_ISOLATE = "\u2066", "\u2069"


class Text:
    """Labels of one language for matplotlib; numbers and dates isolated left to right in Arabic."""

    def __init__(self, language: str) -> None:
        self.words = labels(language)
        self.rtl = language in RIGHT_TO_LEFT
        self.fmt = LocaleFormat(language)

    def __call__(self, key: str, **values: object) -> str:
        if self.rtl:  # keep dates and numbers left to right inside the right-to-left sentence
            values = {name: f"{LEFT_TO_RIGHT_ISOLATE}{value}{POP_ISOLATE}" for name, value in values.items()}
        return self.words[key].format(**values)

    def show(self, text: str) -> str:
        return f"{LEFT_TO_RIGHT_ISOLATE}{text}{POP_ISOLATE}" if self.rtl else text


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def pyramid_png(data: ReportData, language: str) -> bytes:
    """Levels drawn as a pyramid: the tiers on top, then inactive, prospects, suspects and the rest."""
    text = Text(language)
    plt.rcParams["font.family"] = FONT
    figure, axes = plt.subplots(figsize=(10, 7.2))
    levels = data.levels
    steps = len(levels)
    for index, level in enumerate(levels):
        top_half, bottom_half = 0.13 + 0.36 * index / steps, 0.13 + 0.36 * (index + 1) / steps
        y_top, y_bottom = steps - index, steps - index - 1
        axes.add_patch(
            Polygon(
                [
                    (0.5 - top_half, y_top),
                    (0.5 + top_half, y_top),
                    (0.5 + bottom_half, y_bottom),
                    (0.5 - bottom_half, y_bottom),
                ],
                closed=True,
                facecolor=COLORS[level.level],
                edgecolor="white",
                linewidth=2,
            )
        )
        parts = [text.show(text.fmt.count(level.customers, "?"))]
        if level.share_of_active is not None:
            parts.append(text.show(text.fmt.percent(level.share_of_active)))
        if level.level in TIERS:
            parts.append(f"{text.show(text.fmt.percent(level.share_of_revenue))} {text.words['of_revenue']}")
        colour = "white" if level.level in DARK_LEVELS else "#1a1a1a"
        axes.text(
            0.5,
            y_bottom + 0.62,
            text(level.level),
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            color=colour,
        )
        axes.text(
            0.5,
            y_bottom + 0.3,
            " · ".join(parts),
            ha="center",
            va="center",
            fontsize=9,
            color=colour,
        )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, steps)
    axes.axis("off")
    axes.set_title(f"{text('title')}\n{text('as_of', date=text.fmt.date(data.as_of))}", fontsize=14)
    return _png(figure)

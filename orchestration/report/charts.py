"""The report's pictures as PNG bytes (matplotlib, no display needed).

Matplotlib (3.11, built with libraqm) shapes Arabic and lays it out right to left by itself, so labels are
passed in their logical order. DejaVu Sans, bundled with matplotlib, has the Arabic glyphs: the pictures need
no system font.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.colors import LogNorm
from matplotlib.dates import AutoDateLocator, num2date
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FuncFormatter

from orchestration.report.data import FROM_LEVELS, TIERS, TO_LEVELS, ReportData
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


def _date_axis(axes, text: Text) -> None:
    """Month ticks in the language's own month names (paź 2026), never matplotlib's English ones."""
    axes.xaxis.set_major_locator(AutoDateLocator(maxticks=8))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: text.fmt.month(num2date(value).date())))


def _number_axis(axis, text: Text) -> None:
    """Plain grouped numbers on an axis (2,000,000 · 2 000 000), without matplotlib's 1e6 offset."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: text.fmt.number(value)))


def readable_on(background: tuple[float, ...]) -> str:
    """White text on a dark cell, near-black on a light one: by the cell's relative luminance (WCAG), so a
    small shop's counts are as readable as a large one's, whatever the colour scale makes of them."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in background[:3])
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "white" if luminance < 0.18 else "#1a1a1a"


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


def migration_png(data: ReportData, language: str) -> bytes:
    """The latest migration matrix as a heatmap: rows are where customers were, columns where they are now."""
    text = Text(language)
    plt.rcParams["font.family"] = FONT
    grid = [[data.migration.get((source, target), 0) for target in TO_LEVELS] for source in FROM_LEVELS]
    figure, axes = plt.subplots(figsize=(8, 6))
    masked = [[value if value > 0 else float("nan") for value in row] for row in grid]
    norm = LogNorm(vmin=1, vmax=max(max(max(row) for row in grid), 2))
    colours = plt.get_cmap("Blues")
    axes.imshow(masked, cmap=colours, norm=norm)
    for row in range(len(FROM_LEVELS)):
        for column in range(len(TO_LEVELS)):
            value = grid[row][column]
            if value:
                axes.text(
                    column,
                    row,
                    text.show(text.fmt.count(value)),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=readable_on(colours(norm(value))),
                )
    axes.set_xticks(range(len(TO_LEVELS)), [text(level) for level in TO_LEVELS], rotation=30, ha="right")
    axes.set_yticks(range(len(FROM_LEVELS)), [text(level) for level in FROM_LEVELS])
    axes.set_xlabel(text("to"))
    axes.set_ylabel(text("from"))
    axes.set_title(
        text(
            "migration_period", previous=text.fmt.date(data.migration_from), current=text.fmt.date(data.as_of)
        )
    )
    return _png(figure)


def trend_png(data: ReportData, language: str) -> bytes:
    """Active customers per tier (stacked) and the inactive customers, period by period."""
    text = Text(language)
    plt.rcParams["font.family"] = FONT
    figure, axes = plt.subplots(figsize=(9, 4.5))
    axes.stackplot(
        data.periods,
        [data.tier_counts[tier] for tier in TIERS],
        labels=[text(tier) for tier in TIERS],
        colors=[COLORS[tier] for tier in TIERS],
    )
    axes.plot(data.periods, data.inactive_counts, color="#e6550d", linewidth=2, label=text("inactive"))
    axes.set_ylabel(text("customers"))
    axes.set_xlabel(text("period_end"))
    axes.legend(loc="upper left", fontsize=9)
    axes.grid(axis="y", alpha=0.3)
    axes.set_title(text("trend"))
    _date_axis(axes, text)
    _number_axis(axes.yaxis, text)
    return _png(figure)


def calibration_png(data: ReportData, language: str) -> bytes:
    """The outlook's backtest as a calibration chart: predicted against actual buyers and revenue per tier
    held at the cutoff (one pair of bars per segment, `all` left out: it would dwarf the tiers)."""
    text = Text(language)
    plt.rcParams["font.family"] = FONT
    rows = [row for row in data.backtest if row[0] != "all"]
    names = [text.words[row[0]] for row in rows]
    positions = range(len(rows))
    figure, (buyers, revenue) = plt.subplots(1, 2, figsize=(11, 4.5))
    for axes, predicted, actual, title in ((buyers, 2, 3, "buyers"), (revenue, 4, 5, "revenue")):
        axes.bar(
            [p - 0.2 for p in positions],
            [float(row[predicted]) for row in rows],
            width=0.4,
            color="#9ecae1",
            label=text("predicted"),
        )
        axes.bar(
            [p + 0.2 for p in positions],
            [float(row[actual]) for row in rows],
            width=0.4,
            color=COLORS["top"],
            label=text("actual"),
        )
        axes.set_xticks(list(positions), names)
        _number_axis(axes.yaxis, text)
        axes.set_title(text(title))
        axes.grid(axis="y", alpha=0.3)
        axes.legend(fontsize=9)
    cutoff = data.backtest[0][8]
    figure.suptitle(
        text("calibration", cutoff=text.fmt.date(cutoff), days=text.fmt.count((data.as_of - cutoff).days))
    )
    return _png(figure)


def concentration_png(data: ReportData, language: str) -> bytes:
    """The cumulative revenue curve of the latest period, and each tier's share of revenue over time."""
    text = Text(language)
    plt.rcParams["font.family"] = FONT
    figure, (curve, shares) = plt.subplots(1, 2, figsize=(11, 4.5))
    curve.plot([0] + [p for p, _ in data.curve], [0] + [s * 100 for _, s in data.curve], color=COLORS["top"])
    curve.plot([0, 100], [0, 100], color="#999999", linestyle=":")
    for boundary in (1, 5, 20):
        curve.axvline(boundary, color="#cccccc", linewidth=0.8)
    curve.set_xlabel(text("curve_x"))
    curve.set_ylabel(text("curve_y"))
    curve.set_xlim(0, 100)
    curve.set_ylim(0, 100)
    curve.set_title(text("as_of", date=text.fmt.date(data.as_of)))
    shares.stackplot(
        data.periods,
        [[s * 100 for s in data.revenue_shares[tier]] for tier in TIERS],
        labels=[text(tier) for tier in TIERS],
        colors=[COLORS[tier] for tier in TIERS],
    )
    shares.set_ylim(0, 100)
    shares.set_ylabel("%")
    shares.set_title(text("share_over_time"))
    shares.legend(loc="lower left", fontsize=8)
    _date_axis(shares, text)
    figure.suptitle(text("concentration"))
    return _png(figure)

"""The report's charts as interactive Plotly figures: hover for a figure, click a legend entry to hide a
series, drag to zoom. The pages load Plotly's JavaScript from one file beside them (PLOTLY_FILE), written once
per folder, so the folder opens and mails offline.

Plotly writes numbers and dates in English, and some languages use other digits (Arabic-Indic), so every
tick and hover text is formatted here, in the page's language (locale_format), and passed as text.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import plotly.graph_objects as go
from matplotlib.dates import AutoDateLocator, num2date
from matplotlib.ticker import MaxNLocator
from plotly.colors import sample_colorscale, unlabel_rgb
from plotly.offline import get_plotlyjs

from orchestration.report.data import FROM_LEVELS, TIERS, TO_LEVELS, ReportData
from orchestration.report.labels import LEVEL_COLORS as COLORS
from orchestration.report.labels import RIGHT_TO_LEFT, labels
from orchestration.report.locale_format import LocaleFormat

PLOTLY_FILE = "plotly.min.js"
FONT = '"DejaVu Sans", "Noto Sans", "Noto Naskh Arabic", Arial, sans-serif'
HEATMAP_SCALE = "Blues"


class ChartText:
    """One language's words and formats, with numbers and dates isolated left to right in Arabic."""

    def __init__(self, language: str) -> None:
        self.words = labels(language)
        self.fmt = LocaleFormat(language)
        self.rtl = language in RIGHT_TO_LEFT

    def show(self, text: str) -> str:
        return f"\u2066{text}\u2069" if self.rtl else text

    def __call__(self, key: str, **values: str) -> str:
        return self.words[key].format(**{name: self.show(value) for name, value in values.items()})


def readable_on(background: tuple[float, ...]) -> str:
    """White text on a dark cell, near-black on a light one: by the cell's relative luminance (WCAG), so a
    small shop's counts are as readable as a large one's, whatever the colour scale makes of them."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in background[:3])
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "white" if luminance < 0.18 else "#1a1a1a"


def _layout(text: ChartText, title: str | None, height: int = 420) -> dict:
    """A chart's frame; no title where the section's heading already names it."""
    return {
        "title": {"text": title or ""},
        "font": {"family": FONT},
        "height": height,
        "margin": {"l": 70, "r": 30, "t": 60, "b": 60},
        "plot_bgcolor": "white",
        "hoverlabel": {"align": "right" if text.rtl else "left"},
        "legend": {"traceorder": "normal"},
    }


def _number_ticks(text: ChartText, top: float, percent: bool = False) -> dict:
    """Round tick values from 0 to `top` (matplotlib's locator), written in the page's language."""
    values = [value for value in MaxNLocator(nbins=6).tick_values(0, max(top, 1)) if 0 <= value <= top * 1.05]
    return {
        "tickmode": "array",
        "tickvals": values,
        "ticktext": [text.show(text.fmt.number(value) + (" %" if percent else "")) for value in values],
        "gridcolor": "#e5e5e5",
    }


def _date_ticks(text: ChartText, days: list[dt.date]) -> dict:
    """Month ticks from the first to the last day (matplotlib's locator), in the language's month names."""
    if not days:
        return {}
    start, end = min(days), max(days)
    if start == end:
        values = [start]
    else:
        first, last = (dt.datetime.combine(day, dt.time()) for day in (start, end))
        values = [num2date(value).date() for value in AutoDateLocator(maxticks=8).tick_values(first, last)]
        values = [value for value in values if start <= value <= end] or [start, end]
    return {
        "tickmode": "array",
        "tickvals": [value.isoformat() for value in values],
        "ticktext": [text.fmt.month(value) for value in values],
    }


def _by_day(days: list[dt.date], shown: list[str], text: ChartText) -> list[list[str]]:
    """Each point's hover text: its day and its figure, both as the page writes them."""
    return [[text.fmt.date(day), figure] for day, figure in zip(days, shown, strict=True)]


def _tier_area(
    text: ChartText, tier: str, days: list[dt.date], values: list, shown: list[str], unit: str
) -> go.Scatter:
    """One tier's band of a stacked area chart, in the tier's colour, with its day and figure on hover."""
    return go.Scatter(
        x=[day.isoformat() for day in days],
        y=values,
        name=text(tier),
        stackgroup="tiers",
        line={"color": COLORS[tier], "width": 0.5},
        fillcolor=COLORS[tier],
        customdata=_by_day(days, shown, text),
        hovertemplate="%{customdata[0]}: %{customdata[1]}" + unit + "<extra>" + text(tier) + "</extra>",
    )


def trend_figure(data: ReportData, language: str) -> go.Figure:
    """Active customers per tier (stacked) and the inactive customers, period by period."""
    text = ChartText(language)
    days = [day.isoformat() for day in data.periods]
    figure = go.Figure()
    for tier in TIERS:
        counts = data.tier_counts[tier]
        figure.add_trace(
            _tier_area(text, tier, data.periods, counts, [text.fmt.count(n) for n in counts], "")
        )
    figure.add_trace(
        go.Scatter(
            x=days,
            y=data.inactive_counts,
            name=text("inactive"),
            line={"color": "#e6550d", "width": 2},
            customdata=_by_day(data.periods, [text.fmt.count(count) for count in data.inactive_counts], text),
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>" + text("inactive") + "</extra>",
        )
    )
    stacked = [sum(data.tier_counts[tier][index] for tier in TIERS) for index in range(len(data.periods))]
    top = max([*stacked, *data.inactive_counts, 1])
    figure.update_layout(
        **_layout(text, None),
        xaxis={"title": {"text": text("period_end")}, **_date_ticks(text, data.periods)},
        yaxis={"title": {"text": text("customers")}, **_number_ticks(text, top)},
    )
    return figure


def migration_figure(data: ReportData, language: str) -> go.Figure:
    """The latest migration matrix as a heatmap (log colour scale): rows are where customers were, columns
    where they are now; each cell's count written in a colour readable on the cell."""
    text = ChartText(language)
    grid = [[data.migration.get((source, target), 0) for target in TO_LEVELS] for source in FROM_LEVELS]
    largest = max(max(max(row) for row in grid), 2)
    shade = [[math.log10(value) / math.log10(largest) if value else None for value in row] for row in grid]
    columns = [text(level) for level in TO_LEVELS]
    rows = [text(level) for level in FROM_LEVELS]
    cells = [[text.fmt.count(value) for value in row] for row in grid]
    figure = go.Figure(
        go.Heatmap(
            z=shade,
            x=columns,
            y=rows,
            zmin=0,
            zmax=1,
            colorscale=HEATMAP_SCALE,
            showscale=False,
            customdata=cells,
            hovertemplate=f"{text('from')} %{{y}} {text('to')} %{{x}}: %{{customdata}}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    for row_index, row in enumerate(grid):
        for column_index, value in enumerate(row):
            if value:
                colour = sample_colorscale(HEATMAP_SCALE, [shade[row_index][column_index]])[0]
                background = tuple(channel / 255 for channel in unlabel_rgb(colour))
                figure.add_annotation(
                    x=columns[column_index],
                    y=rows[row_index],
                    text=text.show(cells[row_index][column_index]),
                    showarrow=False,
                    font={"color": readable_on(background), "size": 12},
                )
    period = text(
        "migration_period", previous=text.fmt.date(data.migration_from), current=text.fmt.date(data.as_of)
    )
    figure.update_layout(
        **_layout(text, period, height=480),
        xaxis={"title": {"text": text("to")}, "side": "bottom", "automargin": True},
        yaxis={"title": {"text": text("from")}, "autorange": "reversed", "automargin": True},
    )
    return figure


def concentration_figure(data: ReportData, language: str) -> go.Figure:
    """Each tier's share of revenue over time, stacked to 100 %, and, in its own trace, the cumulative revenue
    curve of the latest period against the diagonal of equal shares."""
    text = ChartText(language)
    from plotly.subplots import make_subplots

    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(text("as_of", date=text.fmt.date(data.as_of)), text("share_over_time")),
    )
    customers = [0, *(share for share, _ in data.curve)]
    revenue = [0, *(cumulative * 100 for _, cumulative in data.curve)]
    figure.add_trace(
        go.Scatter(
            x=customers,
            y=revenue,
            name=text("curve_y"),
            line={"color": COLORS["top"]},
            customdata=[
                [text.fmt.number(x), text.fmt.number(y, 1)] for x, y in zip(customers, revenue, strict=True)
            ],
            hovertemplate="%{customdata[0]} % → %{customdata[1]} %<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=[0, 100],
            y=[0, 100],
            line={"color": "#999999", "dash": "dot"},
            hoverinfo="skip",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    for boundary in (1, 5, 20):
        figure.add_vline(x=boundary, line={"color": "#cccccc", "width": 1}, row=1, col=1)
    for tier in TIERS:
        shares = [share * 100 for share in data.revenue_shares[tier]]
        shown = [text.fmt.number(share, 1) for share in shares]
        figure.add_trace(_tier_area(text, tier, data.periods, shares, shown, " %"), row=1, col=2)
    figure.update_layout(**_layout(text, None, height=440))
    figure.update_xaxes(
        title={"text": text("curve_x")}, range=[0, 100], **_number_ticks(text, 100), row=1, col=1
    )
    figure.update_yaxes(range=[0, 100], **_number_ticks(text, 100, True))
    figure.update_yaxes(title={"text": text("curve_y")}, row=1, col=1)
    figure.update_xaxes(_date_ticks(text, data.periods), row=1, col=2)
    return figure


def calibration_figure(data: ReportData, language: str) -> go.Figure:
    """The outlook's backtest: predicted against actual buyers and revenue per tier held at the cutoff (`all`
    left out: it would dwarf the tiers)."""
    text = ChartText(language)
    from plotly.subplots import make_subplots

    rows = [row for row in data.backtest if row[0] != "all"]
    names = [text.words[row[0]] for row in rows]
    figure = make_subplots(rows=1, cols=2, subplot_titles=(text("buyers"), text("revenue")))
    for column, (predicted, actual, shown) in enumerate(
        ((2, 3, lambda value: text.fmt.number(value, 1)), (4, 5, text.fmt.money)), start=1
    ):
        for index, (key, colour) in enumerate((("predicted", "#9ecae1"), ("actual", COLORS["top"]))):
            values = [float(row[(predicted, actual)[index]]) for row in rows]
            figure.add_trace(
                go.Bar(
                    x=names,
                    y=values,
                    name=text(key),
                    marker_color=colour,
                    legendgroup=key,
                    showlegend=column == 1,
                    customdata=[shown(row[(predicted, actual)[index]]) for row in rows],
                    hovertemplate="%{x}: %{customdata}<extra>" + text(key) + "</extra>",
                ),
                row=1,
                col=column,
            )
        top = max([float(row[cell]) for row in rows for cell in (predicted, actual)] or [1])
        figure.update_yaxes(_number_ticks(text, top), row=1, col=column)
    cutoff = data.backtest[0][8]
    title = text("calibration", cutoff=text.fmt.date(cutoff), days=text.fmt.count((data.as_of - cutoff).days))
    figure.update_layout(**_layout(text, title), barmode="group")
    return figure


def chart_html(figure: go.Figure, chart_id: str, missing_script: str) -> str:
    """One chart's element and the script that draws it; while Plotly is not loaded (the page was copied
    without PLOTLY_FILE) the element says so instead."""
    drawn = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=chart_id,
        default_width="100%",
        config={"displaylogo": False, "responsive": True},
    )
    note = f'<p class="needs-plotly">{missing_script}</p>'
    return f'<div class="chart" data-chart="{chart_id}">{drawn}{note}</div>'


def write_plotly_script(folder: Path) -> Path:
    """Plotly's JavaScript beside the pages, written when missing or of another Plotly version."""
    script = folder / PLOTLY_FILE
    content = get_plotlyjs().encode("utf-8")
    if not script.exists() or script.stat().st_size != len(content) or script.read_bytes() != content:
        partial = script.with_name(script.name + ".partial")
        partial.write_bytes(content)
        partial.replace(script)
    return script

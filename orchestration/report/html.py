"""The report as one HTML page: inline styles and scripts, interactive charts drawn by Plotly from the one
script file beside the pages (interactive.PLOTLY_FILE), no network."""

from __future__ import annotations

import html
from decimal import Decimal
from pathlib import Path

from orchestration.report.data import TIERS, ReportData
from orchestration.report.interactive import PLOTLY_FILE
from orchestration.report.labels import LEVEL_COLORS as COLORS
from orchestration.report.labels import RIGHT_TO_LEFT, labels
from orchestration.report.locale_format import LocaleFormat
from orchestration.report.since import SinceLastBuild

MOVEMENTS = ("new", "reactivated", "upgraded", "stayed", "downgraded", "lapsed", "joined")
STYLE = """
body { font-family: "DejaVu Sans", "Noto Sans", "Noto Naskh Arabic", Arial, sans-serif; margin: 2rem auto;
       max-width: 1100px; color: #1a1a1a; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; }
.subtitle { color: #555; margin-top: 0; }
section { margin: 2.5rem 0; }
.pyramid { display: flex; flex-direction: column; align-items: center; gap: 3px; margin: 1.5rem 0; }
.layer { padding: 0.45rem 0.8rem; text-align: center; border-radius: 3px; box-sizing: border-box; }
.layer .name { font-weight: bold; display: block; }
.layer.dark { color: white; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { padding: 0.3rem 0.8rem; border-bottom: 1px solid #ddd; }
td.number { text-align: end; font-variant-numeric: tabular-nums; }
p.warning { border-inline-start: 4px solid #b45309; background: #fef3c7; padding: 0.5rem 0.75rem; }
th { text-align: start; background: #f3f6fa; }
.chart { margin: 1rem 0; }
.chart p.needs-plotly { display: none; }
footer { color: #777; font-size: 0.85rem; }
table.sortable th { cursor: pointer; }
table.sortable th[aria-sort="ascending"]::after { content: " ▲"; }
table.sortable th[aria-sort="descending"]::after { content: " ▼"; }
"""
# Click a column's header to sort a table.sortable by it (again: the other way): a cell's data-value (a
# number as the data has it) when it has one, else its text.
SORTER = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  var headers = table.rows[0].cells;
  Array.prototype.forEach.call(headers, function (header, column) {
    header.addEventListener('click', function () {
      var ascending = header.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      function key(row) {
        var cell = row.cells[column];
        return cell.dataset.value !== undefined ? parseFloat(cell.dataset.value) : cell.innerText.trim();
      }
      var rows = Array.prototype.slice.call(table.rows, 1);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { row.parentNode.appendChild(row); });
    });
  });
});
"""


def _number(text: str) -> str:
    """A number or date kept left to right (with its sign and % in place) inside right-to-left text."""
    return f'<bdi dir="ltr">{html.escape(text)}</bdi>'


def _sentence(template: str, **values: object) -> str:
    """The template escaped, its {placeholders} filled with left-to-right numbers or dates."""
    marked = {name: f"\x00{name}\x00" for name in values}
    parts = html.escape(template.format(**marked)).split("\x00")
    return "".join(_number(str(values[part])) if index % 2 else part for index, part in enumerate(parts))


# A page opened without the script beside it says so where each chart would be.
NO_PLOTLY = """
if (!window.Plotly) {
  document.querySelectorAll('.chart p.needs-plotly').forEach(function (note) {
    note.style.display = 'block';
  });
}
"""


def render_html(
    data: ReportData,
    language: str,
    charts: dict[str, str],
    source: str,
    since: SinceLastBuild | None = None,
) -> str:
    words = labels(language)
    fmt = LocaleFormat(language)
    escape = html.escape
    layers = []
    for index, level in enumerate(data.levels):
        width = 22 + index * 78 / max(len(data.levels) - 1, 1)
        details = [fmt.count(level.customers, words["unknown"])]
        if level.share_of_active is not None:
            details.append(fmt.percent(level.share_of_active))
        if level.level in TIERS:
            details.append(f"{fmt.percent(level.share_of_revenue)} {words['of_revenue']}")
        dark = " dark" if level.level in ("top", "big") else ""
        layers.append(
            f'<div class="layer{dark}" data-level="{level.level}" style="width:{width:.0f}%;'
            f'background:{COLORS[level.level]}"><span class="name">{escape(words[level.level])}</span>'
            f"{' · '.join(_number(detail) for detail in details)}</div>"
        )
    rows = [
        f'<tr data-level="{level.level}"><th scope="row">{escape(words[level.level])}</th>'
        + "".join(
            f'<td class="number {name}">{_number(value)}</td>'
            for name, value in (
                ("customers", fmt.count(level.customers, words["unknown"])),
                ("share-of-active", fmt.percent(level.share_of_active)),
                ("revenue", fmt.money(level.revenue)),
                ("share-of-revenue", fmt.percent(level.share_of_revenue)),
            )
        )
        + "</tr>"
        for level in data.levels
    ]
    header = "".join(
        f"<th>{escape(words[key])}</th>"
        for key in ("level", "customers", "share_of_active", "revenue", "share_of_revenue")
    )
    if data.migration_from:
        movement_rows = "".join(
            f'<tr data-movement="{name}"><th scope="row">{escape(words[name])}</th>'
            f'<td class="number">{_number(fmt.count(data.movements.get(name, 0)))}</td></tr>'
            for name in MOVEMENTS
        )
        period = _sentence(
            words["migration_period"], previous=fmt.date(data.migration_from), current=fmt.date(data.as_of)
        )
        migration = (
            f"<p>{period}</p>"
            f'<table id="movements"><tr><th>{escape(words["movement"])}</th>'
            f"<th>{escape(words['customers'])}</th></tr>{movement_rows}</table>"
            f"{charts['migration']}"
        )
    else:
        migration = f"<p>{escape(words['no_history'])}</p>"
    summary = _sentence(
        words["active_summary"],
        active=fmt.count(data.active_customers),
        revenue=fmt.money(data.active_revenue),
        days=fmt.count(data.window_days),
    )
    ahead = _forecast_section(data, words, fmt) if data.forecast else ""
    actions = _actions_section(data, words, source, fmt) if data.actions else ""
    outlook = _outlook_section(data, words, charts, fmt) if data.backtest else ""
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    return f"""<!doctype html>
<html lang="{language}" dir="{direction}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(words["title"])} · {data.as_of}</title>
<style>{STYLE}</style>
<script src="{PLOTLY_FILE}"></script>
</head>
<body>
<header>
<h1>{escape(words["title"])}</h1>
<p class="subtitle">{_sentence(words["as_of"], date=fmt.date(data.as_of))} · {summary}</p>
</header>
<section id="pyramid">
<h2>{escape(words["pyramid"])}</h2>
<div class="pyramid">{"".join(layers)}</div>
<table id="levels"><tr>{header}</tr>{"".join(rows)}</table>
{_top_of_tiers(data, words, fmt)}
</section>
{_since_section(since, words, fmt) if since else ""}
<section id="migration">
<h2>{escape(words["migration"])}</h2>
{migration}
</section>
<section id="trend">
<h2>{escape(words["trend"])}</h2>
{charts["trend"]}
</section>
<section id="concentration">
<h2>{escape(words["concentration"])}</h2>
{charts["concentration"]}
</section>
{ahead}
{outlook}
{actions}
{files_section(source, words)}
<script>{SORTER}{NO_PLOTLY}</script>
<footer>{_sentence(words["footer"], path=source)}</footer>
</body>
</html>
"""


def _forecast_section(data: ReportData, words: dict[str, str], fmt: LocaleFormat) -> str:
    """The pyramid ahead (marts.pyramid_forecast): customers per level now, next period and at the horizon."""
    escape = html.escape
    horizon = words["horizon"].format(periods=fmt.count(data.horizon_periods))
    header = "".join(
        f"<th>{escape(text)}</th>"
        for text in (words["level"], words["now"], words["next_period"], horizon, words["backtest_error"])
    )
    rows = "".join(
        f'<tr data-level="{level}"><th scope="row">{escape(words[level])}</th>'
        + "".join(f'<td class="number">{_number(_amount(value, fmt))}</td>' for value in values)
        + "</tr>"
        for level, values in data.forecast.items()
    )
    return (
        f'<section id="ahead"><h2>{escape(words["ahead"])}</h2><p>{escape(words["ahead_note"])}</p>'
        f'<table id="forecast"><tr>{header}</tr>{rows}</table></section>'
    )


def _outlook_section(
    data: ReportData, words: dict[str, str], charts: dict[str, str], fmt: LocaleFormat
) -> str:
    """How good the outlook is (marts.outlook_backtest): the calibration chart and the figures per segment."""
    escape = html.escape
    keys = (
        "segment",
        "customers",
        "predicted_buyers",
        "actual_buyers",
        "predicted_revenue",
        "actual_revenue",
    )
    header = "".join(f"<th>{escape(words[key])}</th>" for key in (*keys, "auc", "top_decile_capture"))
    rows = "".join(
        f'<tr data-segment="{row[0]}"><th scope="row">{escape(words[row[0]])}</th>'
        + "".join(f'<td class="number">{_number(value)}</td>' for value in backtest_cells(row, fmt))
        + "</tr>"
        for row in data.backtest
    )
    cutoff = data.backtest[0][8]
    days = fmt.count((data.as_of - cutoff).days)
    note = _sentence(words["outlook_note"], cutoff=fmt.date(cutoff), days=days)
    banner = (
        f'<p class="warning" role="status">{escape(words["outlook_below_limits"])}'
        f" {_number(data.outlook_warnings)}</p>"
        if data.outlook_warnings
        else ""
    )
    return (
        f'<section id="outlook"><h2>{escape(words["outlook"])}</h2>{banner}<p>{note}</p>'
        f"{charts['calibration']}"
        f'<table id="backtest"><tr>{header}</tr>{rows}</table>'
        f"{_candidates_table(data, words, fmt)}</section>"
    )


# The models' own names, the same in every language; a spend model by frequency band is described in words.
MODEL_NAMES = {
    "bg_nbd": "BG/NBD",
    "mbg_nbd": "MBG/NBD",
    "pareto_nbd": "Pareto/NBD",
    "gamma_gamma": "Gamma-Gamma",
}


def _candidates_table(data: ReportData, words: dict[str, str], fmt: LocaleFormat) -> str:
    """How the outlook's model was chosen (marts.outlook_candidates): each candidate's backtest figures, the
    chosen one first and marked."""
    if not data.candidates:
        return ""
    escape = html.escape
    keys = ("model", "revenue_error", "auc", "top_decile_share")
    header = "".join(f"<th>{escape(words[key])}</th>" for key in keys)
    rows = []
    for _, chosen, purchase, spend, error, auc, share, _ in data.candidates:
        name = f"{MODEL_NAMES[purchase]} + {MODEL_NAMES.get(spend) or words[spend]}"
        mark = f" <strong>({escape(words['chosen'])})</strong>" if chosen else ""
        error_share = None if error is None else error / 100
        cells = [fmt.percent(error_share), fmt.number(auc, 3), fmt.number(share, 3)]
        marked = ' class="chosen"' if chosen else ""
        rows.append(
            f'<tr data-method="{purchase}_{spend}"{marked}>'
            f'<th scope="row">{escape(name)}{mark}</th>'
            + "".join(f'<td class="number">{_number(cell)}</td>' for cell in cells)
            + "</tr>"
        )
    note = _sentence(words["candidates_note"], cutoff=fmt.date(data.candidates[0][7]))
    return (
        f"<h3>{escape(words['candidates'])}</h3><p>{note}</p>"
        f'<table id="candidates"><tr>{header}</tr>{"".join(rows)}</table>'
    )


def backtest_cells(row: tuple, fmt: LocaleFormat) -> list[str]:
    """A row of report.read_backtest as the page shows it: counts, buyers to one decimal, money, and the AUC
    and the top 10 % capture to three decimals."""
    _, customers, predicted_buyers, actual_buyers, predicted, actual, auc, capture, _ = row
    return [
        fmt.count(customers),
        fmt.number(predicted_buyers, 1),
        fmt.count(actual_buyers),
        fmt.money(predicted),
        fmt.money(actual),
        fmt.number(auc, 3),
        fmt.number(capture, 3),
    ]


def _actions_section(data: ReportData, words: dict[str, str], source: str, fmt: LocaleFormat) -> str:
    """What to do next (marts.customer_actions): customers and value at stake per action, the first customers
    of each to call, and links to the CRM files."""
    escape = html.escape
    header = "".join(f"<th>{escape(words[key])}</th>" for key in ("action", "customers", "value_at_stake"))
    rows = "".join(
        f'<tr data-action="{action}"><th scope="row">'
        f'<a href="#first-{action}">{escape(words[action])}</a></th>'
        f'<td class="number">{_number(fmt.count(count))}</td>'
        f'<td class="number">{_number(fmt.money(value))}</td></tr>'
        for action, (count, value) in sorted(data.actions.items())
    )
    folder = Path(source).parent / "serving" / "current"
    note = _sentence(words["actions_note"], path=str(folder / "customer_actions"))
    lists = "".join(
        _first_to_call(action, data.first_to_call.get(action, []), words, fmt)
        for action in sorted(data.actions)
    )
    return (
        f'<section id="actions"><h2>{escape(words["actions"])}</h2>'
        f'<table id="action-lists"><tr>{header}</tr>{rows}</table><p>{note}</p>{lists}</section>'
    )


def _first_to_call(action: str, customers: list[tuple], words: dict[str, str], fmt: LocaleFormat) -> str:
    """The first customers of one action, in priority order (ids kept left to right in any language)."""
    escape = html.escape
    keys = ("customer", "level", "value_at_stake", "reachable", "reason")
    header = "".join(f"<th>{escape(words[key])}</th>" for key in keys)
    rows = "".join(
        f"<tr><td>{_number(customer)}</td><td>{escape(words[tier]) if tier else ''}</td>"
        f'<td class="number" data-value="{value}">{_number(fmt.money(value))}</td>'
        f"<td>{escape(words['yes' if reachable else 'no'])}</td>"
        f'<td dir="auto">{escape(reason or "")}</td></tr>'
        for customer, tier, value, reachable, reason in customers
    )
    return (
        f'<h3 id="first-{action}">{escape(words[action])} · {escape(words["first_to_call"])}</h3>'
        f'<table class="first-to-call sortable" data-action="{action}"><tr>{header}</tr>{rows}</table>'
    )


def _since_section(since: SinceLastBuild, words: dict[str, str], fmt: LocaleFormat) -> str:
    """Who entered or left top and big, the revenue won and lost by movement, and who is new on an action
    list, against the build kept before this one (orchestration/report/since.py)."""
    escape = html.escape

    def level(name: str) -> str:
        return escape(words[name])

    def people(key: str, count: int, rows: list[tuple]) -> str:
        header = "".join(
            f"<th>{escape(words[k])}</th>"
            for k in ("customer", "before", "now_level", "revenue_before", "revenue_now")
        )
        body = "".join(
            f"<tr><td>{_number(customer)}</td><td>{level(before)}</td><td>{level(now)}</td>"
            f'<td class="number">{_number(fmt.money(revenue_before))}</td>'
            f'<td class="number">{_number(fmt.money(revenue_now))}</td></tr>'
            for customer, before, now, revenue_before, revenue_now in rows
        )
        title = _sentence(words[key], count=fmt.count(count))
        return f'<h3>{title}</h3><table class="since-{key}"><tr>{header}</tr>{body}</table>'

    bridge = "".join(
        f'<tr data-movement="{movement}"><th scope="row">{level(movement)}</th>'
        f'<td class="number">{_number(fmt.count(customers))}</td>'
        f'<td class="number">{_number(fmt.money(change))}</td></tr>'
        for movement, (customers, change) in sorted(since.bridge.items(), key=lambda item: item[1][1])
    )
    bridge_header = "".join(
        f"<th>{escape(words[k])}</th>" for k in ("movement", "customers", "revenue_change")
    )
    new_actions = "".join(
        f'<tr data-action="{action}"><th scope="row">{level(action)}</th>'
        f'<td class="number">{_number(fmt.count(count))}</td></tr>'
        for action, count in since.new_actions.items()
    )
    return (
        f'<section id="since"><h2>{escape(words["since"])}</h2>'
        f"<p>{_sentence(words['since_note'], date=fmt.date(since.previous_as_of))}</p>"
        f"{people('entered_top_big', since.entered_count, since.entered)}"
        f"{people('left_top_big', since.left_count, since.left)}"
        f"<h3>{escape(words['revenue_bridge'])}</h3>"
        f'<table id="revenue-bridge"><tr>{bridge_header}</tr>{bridge}</table>'
        f"<h3>{escape(words['new_actions'])}</h3>"
        f'<table id="new-actions"><tr><th>{escape(words["action"])}</th>'
        f"<th>{escape(words['customers'])}</th></tr>{new_actions}</table></section>"
    )


def _top_of_tiers(data: ReportData, words: dict[str, str], fmt: LocaleFormat) -> str:
    """Each tier's customers with the highest window revenue (marts.customer_tiers), in sortable tables."""
    escape = html.escape
    header = "".join(f"<th>{escape(words[key])}</th>" for key in ("customer", "revenue", "revenue_rank"))
    tables = []
    for tier in TIERS:
        rows = "".join(
            f"<tr><td>{_number(customer)}</td>"
            f'<td class="number" data-value="{revenue}">{_number(fmt.money(revenue))}</td>'
            f'<td class="number" data-value="{rank}">{_number(fmt.count(rank))}</td></tr>'
            for customer, revenue, rank in data.top_of_tier.get(tier, [])
        )
        if rows:
            tables.append(
                f"<h3>{escape(words[tier])} · {escape(words['top_customers'])}</h3>"
                f'<table class="top-of-tier sortable" data-tier="{tier}"><tr>{header}</tr>{rows}</table>'
            )
    return "".join(tables)


def files_section(source: str, words: dict[str, str]) -> str:
    """Links to what the build wrote beside the report: the CRM files, the Data Docs and dbt's docs."""
    escape = html.escape
    links = [
        ("next_best_action_file", "../serving/current/next_best_action.csv"),
        ("action_files", "../serving/current/customer_actions/"),
        ("data_docs", "../validation/data_docs/index.html"),
        ("dbt_docs", "../dbt_docs/static_index.html"),
    ]
    items = "".join(
        f'<li><a href="{escape(target)}">{escape(words[key])}</a> <bdi dir="ltr">{escape(target)}</bdi></li>'
        for key, target in links
    )
    return f'<section id="files"><h2>{escape(words["files"])}</h2><ul>{items}</ul></section>'


def _amount(value: object, fmt: LocaleFormat) -> str:
    """A count that may be fractional (an expected number of customers) or missing."""
    if value is None:
        return "-"
    return fmt.number(value, 2) if isinstance(value, Decimal) else fmt.count(value)

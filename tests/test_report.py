"""The pyramid picture as people see it: each language rendered by headless Chromium, with no network."""

import re
import shutil
from decimal import Decimal

import pytest

from orchestration.report.html import backtest_cells
from orchestration.report.interactive import PLOTLY_FILE, readable_on
from orchestration.report.locale_format import LocaleFormat
from orchestration.report.text import count_text, money_text, percent_text, read_backtest
from orchestration.report.writer import write_picture_report
from tests.chromium import chromium_page
from tests.conftest import Pyramid, invoke_pyramid
from tests.screenshots import save_screenshots

READ_LEVELS = """
Array.from(document.querySelectorAll('#levels tr[data-level]')).map(row => ({
  level: row.dataset.level,
  cells: Array.from(row.querySelectorAll('td')).map(cell => cell.innerText.trim()),
}))
"""
LAYOUT = """
(() => {
  const row = document.querySelector('#levels tr[data-level="top"]');
  const name = row.querySelector('th').getBoundingClientRect();
  const customers = row.querySelector('td.customers').getBoundingClientRect();
  const heading = document.querySelector('h1').getBoundingClientRect();
  return {
    direction: getComputedStyle(document.body).direction,
    nameLeft: name.left, customersLeft: customers.left,
    headingRight: heading.right, pageWidth: document.documentElement.clientWidth,
    headingText: document.querySelector('h1').innerText,
  };
})()
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("report") / "warehouse"
    result = invoke_pyramid("run", "--warehouse", str(warehouse), "--market-population", "25000", "--quiet")
    assert result.returncode == 0, result.stderr
    assert f"Report (open in a browser): {warehouse / 'report' / 'pyramid.en.html'}" in result.stdout
    return Pyramid(warehouse)


# The demo's top tier (15 customers, 1.0 % of the active ones, 3,010,604.56, 53.3 % of the revenue) as each
# language writes it: Polish groups with a no-break space and writes a decimal comma; Arabic (CLDR's ar-EG)
# writes Arabic-Indic digits with the Arabic separators U+066C (thousands) and U+066B (decimal).
ARABIC = str.maketrans({**{str(n): chr(0x0660 + n) for n in range(10)}, ",": "\u066c", ".": "\u066b"})
TOP_ROW = {
    "en": ["15", "1.0 %", "3,010,604.56", "53.3 %"],
    "pl": ["15", "1,0 %", "3\u00a0010\u00a0604,56", "53,3 %"],
    "ar": [cell.translate(ARABIC) for cell in ("15", "1.0 %", "3,010,604.56", "53.3 %")],
}


def expected_cells(pyramid: Pyramid, unknown: str) -> dict[str, list[str]]:
    rows = pyramid.query(
        "select level, customers, share_of_active, revenue, share_of_revenue from marts.pyramid_summary"
    )
    return {
        level: [
            count_text(customers) if customers is not None else unknown,
            percent_text(share),
            money_text(revenue),
            percent_text(revenue_share),
        ]
        for level, customers, share, revenue, revenue_share in rows
    }


READ_CHARTS = """
({
  drawn: Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(chart => chart.querySelector('svg.main-svg')).map(chart => chart.id),
  notesShown: Array.from(document.querySelectorAll('.needs-plotly'))
    .filter(note => getComputedStyle(note).display !== 'none').length,
  trendMonths: Array.from(document.querySelectorAll('#chart-trend .xtick text')).map(t => t.textContent),
})
"""
# Hover the top tier's last point on the trend chart, as a mouse would: Plotly writes its hover text.
HOVER_LAST_TREND_POINT = """
(() => {
  const chart = document.getElementById('chart-trend');
  Plotly.Fx.hover(chart, [{curveNumber: 0, pointNumber: chart.data[0].x.length - 1}]);
  return true;
})()
"""


@pytest.mark.parametrize(
    ("language", "direction", "heading", "unknown"),
    [
        ("en", "ltr", "Customer pyramid", "unknown"),
        ("ar", "rtl", "هرم العملاء", "غير معروف"),
        ("pl", "ltr", "Piramida klientów", "nieznana"),
    ],
)
def test_report_page_shows_the_published_pyramid(demo, language, direction, heading, unknown):
    """Each language's page in Chromium, off every network: the levels' figures, the layout's direction, the
    four interactive charts drawn from the one script beside the page, with ticks and hover text in the
    page's language. Its screenshots go to docs/ (tests/screenshots.py), where the docs show them."""
    files = write_picture_report(demo.path, demo.warehouse_dir / "report", language)
    page_source = files.html.read_text()
    assert re.findall(r'src="([^"]+)"', page_source) == [PLOTLY_FILE] and "<link" not in page_source
    assert (files.html.parent / PLOTLY_FILE).stat().st_size > 1_000_000
    fmt = LocaleFormat(language)
    with chromium_page() as page:
        page.open(files.html.as_uri())
        shown = {row["level"]: row["cells"] for row in page.evaluate(READ_LEVELS)}
        layout = page.evaluate(LAYOUT)
        charts = page.evaluate(READ_CHARTS)
        page.evaluate(HOVER_LAST_TREND_POINT)
        hover = page.evaluate("document.querySelector('#chart-trend .hoverlayer').textContent")
        saved = save_screenshots(page, language, files.png)
    assert shown["top"] == TOP_ROW[language]
    if language == "en":  # the command line's own forms
        assert shown == expected_cells(demo, unknown)
    else:
        assert set(shown) == set(expected_cells(demo, unknown))
    assert layout["direction"] == direction
    assert layout["headingText"] == heading
    if direction == "rtl":
        assert layout["nameLeft"] > layout["customersLeft"], "level names stand right of the numbers"
        assert layout["pageWidth"] - layout["headingRight"] < 100, "the title starts at the right edge"
    else:
        assert layout["nameLeft"] < layout["customersLeft"]
    assert charts["drawn"] == ["chart-migration", "chart-trend", "chart-concentration", "chart-calibration"]
    assert charts["notesShown"] == 0, "Plotly loaded: no chart says it is missing"
    periods = demo.query("select distinct as_of_date from marts.customer_tier_history")
    months = {fmt.month(period) for (period,) in periods}
    assert len(charts["trendMonths"]) >= 3 and set(charts["trendMonths"]) <= months
    # the top tier's last point: 15 top customers as of the demo's 2026-10-31 (the levels' top row)
    assert fmt.date(max(periods)[0]) in hover and fmt.count(15) in hover, hover
    for path in saved:
        assert path.stat().st_size > 20_000, path
    assert files.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pyramid_report_command_draws_in_the_language_asked(demo):
    result = invoke_pyramid("report", "--warehouse", str(demo.warehouse_dir), "--lang", "ar")
    assert result.returncode == 0, result.stderr
    html_file = demo.warehouse_dir / "report" / "pyramid.ar.html"
    assert f"Report (open in a browser): {html_file}" in result.stdout
    assert '<html lang="ar" dir="rtl">' in html_file.read_text()
    refused = invoke_pyramid("report", "--warehouse", str(demo.warehouse_dir), "--lang", "de")
    assert refused.returncode == 2 and "'de' is not one of 'en', 'ar', 'pl'" in refused.stderr


def test_migration_movements_on_the_page_add_up(demo):
    files = write_picture_report(demo.path, demo.warehouse_dir / "report", "en")
    movements = dict(
        re.findall(r'data-movement="(\w+)">.*?<bdi dir="ltr">([\d,]+)</bdi>', files.html.read_text())
    )
    latest = demo.query(
        "select count(*) from marts.customer_tier_history"
        " where period_start = (select max(period_start) from marts.customer_tier_history)"
    )[0][0]
    assert sum(int(value.replace(",", "")) for value in movements.values()) == latest


READ_AHEAD_AND_ACTIONS = """
({
  forecast: Array.from(document.querySelectorAll('#forecast tr[data-level]')).map(row =>
    [row.dataset.level, ...Array.from(row.querySelectorAll('td')).map(cell => cell.innerText.trim())]),
  actions: Array.from(document.querySelectorAll('#action-lists tr[data-action]')).map(row =>
    [row.dataset.action, ...Array.from(row.querySelectorAll('td')).map(cell => cell.innerText.trim())]),
  backtest: Array.from(document.querySelectorAll('#backtest tr[data-segment]')).map(row =>
    [row.dataset.segment, ...Array.from(row.querySelectorAll('td')).map(cell => cell.innerText.trim())]),
  candidates: Array.from(document.querySelectorAll('#candidates tr[data-method]')).map(row =>
    [row.querySelector('th').innerText.trim(), ...Array.from(row.querySelectorAll('td')).map(cell =>
      cell.innerText.trim())]),
})
"""


def test_the_page_shows_the_pyramid_ahead_and_the_action_lists(demo):
    """As Chromium shows them: one row per level of marts.pyramid_forecast (now, next period, at the horizon,
    the backtest error) and one per action of marts.customer_actions (customers, value at stake)."""
    files = write_picture_report(demo.path, demo.warehouse_dir / "report", "en")
    with chromium_page() as page:
        page.open(files.html.as_uri())
        shown = page.evaluate(READ_AHEAD_AND_ACTIONS)
    forecast = demo.query(
        "select level, customers, expected_customers_next, expected_customers_horizon, backtest_error_next"
        " from marts.pyramid_forecast order by level_order"
    )
    assert shown["forecast"] == [
        [level, f"{now:,}", f"{ahead:,.2f}", f"{horizon:,.2f}", f"{error:,.2f}"]
        for level, now, ahead, horizon, error in forecast
    ]
    actions = demo.query(
        "select action, count(*), sum(value_at_stake) from marts.customer_actions"
        " group by all order by action"
    )
    assert shown["actions"] == [[action, f"{count:,}", money_text(value)] for action, count, value in actions]
    assert [row[0] for row in shown["actions"]] == [
        "grow",
        "resolve_complaint",
        "retain",
        "welcome",
        "win_back",
    ]
    # The outlook's backtest: `all` first, then the tiers held at the cutoff, as in marts.outlook_backtest.
    backtest = {row[0]: row for row in read_backtest(demo.path)}
    assert [row[0] for row in shown["backtest"]] == ["all", "top", "big", "medium", "small", "inactive"]
    assert shown["backtest"][0] == [
        "all",
        "1,502",
        "683.1",
        "614",
        "3,862,943.26",
        "4,569,110.75",
        "0.895",
        "0.928",
    ]
    assert shown["backtest"] == [
        [segment, *backtest_cells(backtest[segment], LocaleFormat("en"))] for segment, *_ in shown["backtest"]
    ]
    # The models compared on the backtest (marts.outlook_candidates), the chosen one first and marked: the
    # `all` row above is its backtest.
    assert shown["candidates"] == [
        ["MBG/NBD + Gamma-Gamma (chosen)", "-15.5 %", "0.895", "0.855"],
        ["MBG/NBD + Gamma-Gamma by frequency", "-15.5 %", "0.895", "0.854"],
        ["BG/NBD + Gamma-Gamma", "-17.3 %", "0.895", "0.856"],
        ["BG/NBD + Gamma-Gamma by frequency", "-17.4 %", "0.895", "0.854"],
        ["Pareto/NBD + Gamma-Gamma", "-26.1 %", "0.900", "0.856"],
        ["Pareto/NBD + Gamma-Gamma by frequency", "-26.2 %", "0.900", "0.855"],
    ]


READ_FIRST_TO_CALL_AND_LINKS = """
({
  lists: Array.from(document.querySelectorAll('table.first-to-call')).map(table => [table.dataset.action,
    Array.from(table.querySelectorAll('tr')).slice(1).map(row => row.querySelector('td').innerText.trim())]),
  links: Object.fromEntries(Array.from(document.querySelectorAll('#files a')).map(link =>
    [link.getAttribute('href'), link.href])),
  tiers: Array.from(document.querySelectorAll('table.top-of-tier')).map(table => [table.dataset.tier,
    Array.from(table.querySelectorAll('tr')).slice(1).map(row => row.querySelector('td').innerText.trim())]),
})
"""
# Click the big tier's revenue header once (ascending), read the ranks; click again (descending), read them.
SORT_BIG_BY_REVENUE = """
(() => {
  const table = document.querySelector('table.top-of-tier[data-tier="big"]');
  const ranks = () =>
    Array.from(table.querySelectorAll('tr')).slice(1).map(row => row.cells[2].dataset.value);
  table.rows[0].cells[1].click();
  const ascending = ranks();
  table.rows[0].cells[1].click();
  return {ascending: ascending, descending: ranks()};
})()
"""


def test_the_page_lists_whom_to_call_first_and_links_to_the_files(demo):
    """As Chromium shows them: each tier's ten customers with the highest revenue (marts.customer_tiers), in a
    table a click on a header sorts; under each action its first ten customers by priority
    (marts.customer_actions); links to the CRM files and the Data Docs that lead to files the build wrote."""
    files = write_picture_report(demo.path, demo.warehouse_dir / "report", "en")
    with chromium_page() as page:
        page.open(files.html.as_uri())
        shown = page.evaluate(READ_FIRST_TO_CALL_AND_LINKS)
        sorted_big = page.evaluate(SORT_BIG_BY_REVENUE)
    top_of_tier = demo.query(
        "select tier, list(customer_id order by revenue_rank) from ("
        "  select *, row_number() over (partition by tier order by revenue_rank) as nth"
        "  from marts.customer_tiers"
        ") where nth <= 10 group by tier order by min(revenue_rank)"
    )
    assert shown["tiers"] == [[tier, customers] for tier, customers in top_of_tier]
    # The big tier's first ten are ranks 16 to 25 (15 customers are top): sorted by revenue, lowest first,
    # then highest first (the demo has no tie among them).
    assert sorted_big["ascending"] == [str(rank) for rank in range(25, 15, -1)]
    assert sorted_big["descending"] == [str(rank) for rank in range(16, 26)]
    first = demo.query(
        "select action, list(customer_id order by priority) from marts.customer_actions"
        " where priority <= 10 group by action order by action"
    )
    assert shown["lists"] == [[action, customers] for action, customers in first]
    assert len(shown["lists"]) == 5 and all(len(ids) <= 10 for _, ids in shown["lists"])
    for target in ("../serving/current/next_best_action.csv", "../validation/data_docs/index.html"):
        assert (files.html.parent / target).resolve().exists(), target
        assert shown["links"][target].startswith("file://")
    assert (files.html.parent / "../serving/current/customer_actions/retain.csv").resolve().exists()


def test_a_report_in_one_language_removes_the_pages_of_the_others(demo):
    """`pyramid report --lang pl` after an English build: the folder holds the Polish pages only, so no page
    of an earlier build (or of other data) is left beside them unmarked."""
    folder = demo.warehouse_dir / "report"
    write_picture_report(demo.path, folder, "en")
    result = invoke_pyramid("report", "--warehouse", str(demo.warehouse_dir), "--lang", "pl")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in folder.glob("pyramid.*.*") if path.suffix in (".html", ".png")) == [
        "pyramid.pl.html",
        "pyramid.pl.png",
    ]


def test_heatmap_text_is_readable_on_every_shade():
    """By the cell's luminance, not its count: white on the scale's darkest blue (#08306b, luminance 0.03),
    near-black on its lightest (#f7fbff, 0.96) and on a middle blue (#6baed6, 0.38)."""
    assert readable_on((0x08 / 255, 0x30 / 255, 0x6B / 255, 1.0)) == "white"
    assert readable_on((0xF7 / 255, 0xFB / 255, 0xFF / 255, 1.0)) == "#1a1a1a"
    assert readable_on((0x6B / 255, 0xAE / 255, 0xD6 / 255, 1.0)) == "#1a1a1a"


READ_SINCE = """
({
  note: document.querySelector('#since p').innerText,
  headings: Array.from(document.querySelectorAll('#since h3')).map(h => h.innerText.trim()),
  bridge: Array.from(document.querySelectorAll('#revenue-bridge tr[data-movement]')).map(row =>
    [row.dataset.movement, ...Array.from(row.querySelectorAll('td')).map(cell => cell.innerText.trim())]),
  actions: Array.from(document.querySelectorAll('#new-actions tr[data-action]')).map(row =>
    [row.dataset.action, row.querySelector('td').innerText.trim()]),
  entered: Array.from(document.querySelectorAll('table.since-entered_top_big tr')).slice(1).map(row =>
    row.querySelector('td').innerText.trim()),
})
"""


@pytest.mark.slow  # a second build of the demo, as of a month earlier
def test_since_the_last_build_shows_who_moved_and_the_revenue_they_moved(demo, tmp_path):
    """The demo as of 2026-10-31 against its build as of 2026-09-30 (kept in the history): the customers per
    movement equal marts.tier_migration's for October (new 158, reactivated 4, upgraded 41, downgraded 20,
    lapsed 54: the same comparison of month ends), and the revenue each movement won or lost, who entered top
    or big and the actions new today are worked out again here in plain Python from both builds' marts."""
    earlier = tmp_path / "september"
    result = invoke_pyramid(
        "run", "--warehouse", str(earlier), "--as-of", "2026-09-30", "--market-population", "25000", "--quiet"
    )
    assert result.returncode == 0, result.stderr
    warehouse = tmp_path / "warehouse"
    shutil.copytree(demo.warehouse_dir, warehouse, symlinks=True)
    kept = warehouse / "history" / "as_of=2026-09-30"
    kept.mkdir(parents=True)
    shutil.copyfile(earlier / "pyramid.duckdb", kept / "pyramid.duckdb")
    files = write_picture_report(warehouse / "pyramid.duckdb", warehouse / "report", "en")
    with chromium_page() as page:
        page.open(files.html.as_uri())
        shown = page.evaluate(READ_SINCE)

    def standing(pyramid: Pyramid) -> dict[str, tuple[str, Decimal]]:
        rows = pyramid.query(
            "select customer_id, pyramid_level, window_revenue from marts.customers"
            " inner join marts.customer_activity using (customer_id)"
        )
        return {customer: (level, revenue) for customer, level, revenue in rows}

    now, before = standing(Pyramid(warehouse)), standing(Pyramid(earlier))
    tiers = ["top", "big", "medium", "small"]
    changes: dict[str, list[Decimal]] = {}
    entered = []
    for customer, (level, revenue) in now.items():
        was, was_revenue = before.get(customer, ("new", Decimal(0)))
        if level in tiers and was in ("new", "prospect"):
            movement = "new"
        elif level in tiers and was == "inactive":
            movement = "reactivated"
        elif was in tiers and level not in tiers:
            movement = "lapsed"
        elif was in tiers and level in tiers and level != was:
            movement = "upgraded" if tiers.index(level) < tiers.index(was) else "downgraded"
        else:
            movement = "stayed"
        if movement != "stayed" or revenue != was_revenue:
            changes.setdefault(movement, []).append(revenue - was_revenue)
        if level in ("top", "big") and was not in ("top", "big"):
            entered.append((-revenue, customer))
    assert shown["note"] == "Compared with the build as of Sep 30, 2026."
    bridge = {movement: (customers, change) for movement, customers, change in shown["bridge"]}
    assert {
        movement: int(customers) for movement, (customers, _) in bridge.items() if movement != "stayed"
    } == {
        "new": 158,
        "reactivated": 4,
        "upgraded": 41,
        "downgraded": 20,
        "lapsed": 54,
    }
    assert bridge == {
        movement: (f"{len(values):,}", f"{sum(values):,.2f}") for movement, values in changes.items()
    }
    assert shown["headings"][0] == f"Entered top or big: {len(entered)}"
    assert shown["entered"] == [customer for _, customer in sorted(entered)][:20]
    actions_now = set(Pyramid(warehouse).query("select customer_id, action from marts.customer_actions"))
    actions_before = set(Pyramid(earlier).query("select customer_id, action from marts.customer_actions"))
    fresh: dict[str, int] = {}
    for _, action in actions_now - actions_before:
        fresh[action] = fresh.get(action, 0) + 1
    assert shown["actions"] == [[action, f"{count:,}"] for action, count in sorted(fresh.items())]

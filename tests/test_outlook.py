"""The customer outlook (marts.customer_outlook) on generated customers whose true purchase rates are known.

The generator draws, per customer, a first purchase in the first year of 2023-2025, then purchases as a
Poisson process at the customer's own rate until 2025-12-31; the `gone` group bought at 12 a year but stopped
for good within its first year. A model that recovers the rates expects, for each customer still buying, about
their yearly rate of purchases in the next 365 days, and next to nothing for the gone ones.
"""

from __future__ import annotations

import datetime as dt
import random
from statistics import mean

import pandas as pd
import pytest

from orchestration.outlook.candidates import Figures, ranking
from orchestration.outlook.models import fit_outlook, model_input, refit_due, score_outlook
from tests.conftest import Dataset, Pyramid

FIRST_DAY = dt.date(2023, 1, 1)
AS_OF = dt.date(2025, 12, 31)
# group → purchases per year; 150 customers each.
RATES = {"r2": 2.0, "r6": 6.0, "r12": 12.0}
GONE_RATE = 12.0
CUSTOMERS_PER_GROUP = 150
# The stated tolerance: a group's mean expected purchase days within 20 % of its true rate. Every
# candidate mixes the customers' rates by a gamma distribution, which three point rates are not: fitted to
# them (Pareto/NBD by maximum likelihood: r 2.56, alpha 122 days, the three rates' own mean and spread), it
# pulls the slowest group towards the mean. By hand, a twice-a-year customer with 5 repeat purchase days
# over 1,000 days is expected at (2.56 + 5) / (122 + 1,000) x 365 = 2.46 a year while alive, +23 % (the
# group's mean, with the chance of having dropped out: 2.33). BG/NBD's drop-out after purchases offsets it
# (2.11); a 12 % tolerance held BG/NBD and MBG/NBD but not Pareto/NBD, which the backtest chooses here (its
# revenue error -15.7 %, BG/NBD's -19.5 %; its total for the customers still buying 2,868 purchase days,
# BG/NBD's 2,805, for 3,000).
TOLERANCE = 0.20


def _purchase_days(draw: random.Random, rate: float, first: dt.date, last: dt.date) -> list[dt.date]:
    days, day = {first}, float(first.toordinal())
    while True:
        day += draw.expovariate(rate / 365.0)
        if day > last.toordinal():
            return sorted(days)
        days.add(dt.date.fromordinal(int(day)))


def generated_sales() -> tuple[list[tuple], dict[str, str]]:
    """Sales lines (customer_id, order_date, amount) and each customer's group."""
    draw = random.Random(17)
    rows, groups = [], {}
    for group, rate in [*RATES.items(), ("gone", GONE_RATE)]:
        for number in range(CUSTOMERS_PER_GROUP):
            customer = f"{group}-{number:03d}"
            groups[customer] = group
            first = FIRST_DAY + dt.timedelta(days=draw.randrange(365))
            last = first + dt.timedelta(days=draw.randrange(60, 240)) if group == "gone" else AS_OF
            for day in _purchase_days(draw, rate, first, last):
                rows.append((customer, day.isoformat(), f"{40 + draw.expovariate(1 / 60):.2f}"))
    return rows, groups


@pytest.fixture(scope="module")
def known_rates(tmp_path_factory) -> tuple[Pyramid, dict[str, str]]:
    rows, groups = generated_sales()
    pyramid = Dataset(tmp_path_factory.mktemp("known_rates")).sales(rows).build(as_of_date=AS_OF.isoformat())
    return pyramid, groups


def _by_group(known_rates, column: str) -> dict[str, float]:
    pyramid, groups = known_rates
    values: dict[str, list[float]] = {}
    for customer, value in pyramid.query(f"select customer_id, {column} from marts.customer_outlook"):
        values.setdefault(groups[customer], []).append(float(value))
    return {group: mean(group_values) for group, group_values in values.items()}


def test_the_outlook_recovers_each_groups_purchase_rate(known_rates):
    """Customers still buying at 2, 6 and 12 purchases a year are expected to buy about 2, 6 and 12 times in
    the next 365 days, within the stated 20 % (measured with the chosen Pareto/NBD: 2.33, 5.84 and 10.95);
    the gone group, under one purchase (0.01)."""
    expected = _by_group(known_rates, "expected_orders")
    for group, rate in RATES.items():
        assert expected[group] == pytest.approx(rate, rel=TOLERANCE), (group, expected)
    assert expected["gone"] < 1


def test_who_is_still_buying(known_rates):
    """p_active: above 0.8 on average for every group still buying (a customer who buys twice a year can
    have gone half a year without buying), below 0.2 for the gone group."""
    p_active = _by_group(known_rates, "p_active")
    assert all(p_active[group] > 0.8 for group in RATES), p_active
    assert p_active["gone"] < 0.2, p_active


def test_the_gone_customers_are_expected_inactive_and_the_frequent_ones_on_top(known_rates):
    pyramid, groups = known_rates
    predicted = dict(pyramid.query("select customer_id, predicted_level from marts.customer_outlook"))
    assert {predicted[c] for c, group in groups.items() if group == "gone"} == {"inactive"}
    top_and_big = [groups[c] for c, level in predicted.items() if level in ("top", "big")]
    assert top_and_big and set(top_and_big) <= {"r12", "r6"}


def test_the_backtest_on_known_rates(known_rates):
    """Fitted as of 2024-12-31 on what was known then: the gone group had stopped, the others kept buying,
    so who buys again is well told apart (AUC above 0.9; measured 0.96) and the number of customers who buy
    again is close (within 20 %; measured -14.4 %)."""
    pyramid, _ = known_rates
    ((cutoff, auc, buyers_error),) = pyramid.query(
        "select cutoff_date, auc_buys_again, buyers_error_percent from marts.outlook_backtest"
        " where segment = 'all'"
    )
    assert cutoff == dt.date(2024, 12, 31)
    assert auc > 0.9
    assert abs(buyers_error) < 20


DAY = dt.date(2026, 1, 10)


@pytest.mark.parametrize(
    ("fitted_cutoff", "fitted_customers", "refit_days", "due"),
    [
        (None, None, 7, True),  # no fit yet
        (DAY, 1000, 7, False),  # the same day rebuilt
        (DAY - dt.timedelta(days=6), 1000, 7, False),  # six days old: scored with it
        (DAY - dt.timedelta(days=7), 1000, 7, True),  # a week old: refitted
        (DAY + dt.timedelta(days=1), 1000, 7, True),  # a past date rebuilt after a later fit
        (DAY, 1101, 7, True),  # fitted on 1,101 customers, 1,000 today: 10.1 % apart
        (DAY, 1100, 7, False),  # 10 % apart: the same data grown
        (DAY, 1000, 0, True),  # 0: every build refits
        (DAY - dt.timedelta(days=1), 1000, 1, True),  # 1: every day
    ],
)
def test_the_refit_schedule(fitted_cutoff, fitted_customers, refit_days, due):
    assert refit_due(fitted_cutoff, fitted_customers, DAY, 1000, refit_days) is due


@pytest.mark.slow
def test_a_daily_build_scores_with_the_weeks_fit_and_refits_a_week_later(tmp_path):
    """Built as of 2025-12-31 (both models fitted), then on the same input as of 2026-01-03 (3 days later:
    scored with the fits of 2025-12-31 and of its backtest, 2024-12-31; no new fit), then as of 2026-01-07
    (7 days after the fit, var outlook_refit_days: refitted); the outlook's summary then equals one built
    from scratch as of 2026-01-07."""
    rows, _ = generated_sales()
    dataset = Dataset(tmp_path).sales(rows)

    def fits(pyramid: Pyramid) -> list[tuple]:
        return pyramid.query(
            "select fit_kind, cutoff_date from intermediate.int_outlook_fits where chosen"
            " order by fitted_at, fit_kind"
        )

    def fitted_on(pyramid: Pyramid) -> list[tuple]:
        return pyramid.query(
            "select distinct fitted_on from marts.customer_outlook where fitted_on is not null"
        )

    first = fits(dataset.build(as_of_date="2025-12-31"))
    assert first == [("backtest", dt.date(2024, 12, 31)), ("outlook", dt.date(2025, 12, 31))]
    later = dataset.build(as_of_date="2026-01-03")
    assert fits(later) == first and fitted_on(later) == [(dt.date(2025, 12, 31),)]
    week = dataset.build(as_of_date="2026-01-07")
    assert fits(week) == [
        *first,
        ("backtest", dt.date(2025, 1, 7)),
        ("outlook", dt.date(2026, 1, 7)),
    ]
    assert fitted_on(week) == [(dt.date(2026, 1, 7),)]

    # Each later build moved the stored per-customer sums forward instead of summing every day again: the
    # days entering the backtest cutoff and leaving both windows (2024-12-31 .. 2025-01-07, a year before)
    # hold purchases of many customers, so a wrong span or sign shows; it equals a build from scratch.
    for pyramid in (later, week):
        assert pyramid.query("select outlook_sums_incremental from raw.history_build") == [(True,)]
    whole = Dataset(tmp_path / "whole").sales(rows).build(as_of_date="2026-01-07")
    assert whole.query("select outlook_sums_incremental from raw.history_build") == [(False,)]
    summary = "select * from intermediate.int_outlook_summary order by fit_kind, customer_id"
    assert week.query(summary) == whole.query(summary)
    moved = week.query(
        "select count(*) from intermediate.int_outlook_customer_sums where as_of_date = '2026-01-07'"
    )
    assert 0 < moved[0][0] < len(whole.query(summary)) / 2


def test_the_model_is_chosen_by_its_backtest_and_used(known_rates):
    """marts.outlook_candidates ranks the six candidate pairs fitted at the backtest cutoff (2024-12-31) in
    the criterion's order (int_outlook_fits' figures, ranked again here by candidates.ranking). The chosen one
    (rank 1) is what outlook_backtest measured (its `all` row's figures are the candidate's, computed apart in
    SQL from the rounded predictions: within 0.1 point and 0.001), what the outlook cutoff was refitted with
    (int_outlook_fits) and the method of every buyer's outlook."""
    pyramid, _ = known_rates
    candidates = pyramid.query(
        "select choice_rank, chosen, method, revenue_error_percent, auc_buys_again, top_decile_revenue_share,"
        " cutoff_date from marts.outlook_candidates order by choice_rank"
    )
    assert [row[0] for row in candidates] == [1, 2, 3, 4, 5, 6]
    assert [row[1] for row in candidates] == [True, False, False, False, False, False]
    assert {row[6] for row in candidates} == {dt.date(2024, 12, 31)}
    fits = pyramid.query(
        "select purchase_model, spend_model, predicted_revenue, actual_revenue, predicted_buyers,"
        " actual_buyers, auc_buys_again, top_decile_revenue_share from intermediate.int_outlook_fits"
        " where fit_kind = 'backtest'"
    )
    figures = {(row[0], row[1]): Figures(*row[2:]) for row in fits}
    assert ["_".join(pair) for pair in ranking(figures)] == [row[2] for row in candidates]
    chosen = candidates[0]
    ((method, error, auc, share),) = pyramid.query(
        "select method, revenue_error_percent, auc_buys_again, top_decile_revenue_share"
        " from marts.outlook_backtest where segment = 'all'"
    )
    assert method == chosen[2]
    assert abs(error - chosen[3]) <= 0.1 and abs(auc - chosen[4]) <= 0.001 and abs(share - chosen[5]) <= 0.001
    outlook_fit = pyramid.query(
        "select purchase_model || '_' || spend_model from intermediate.int_outlook_fits"
        " where fit_kind = 'outlook' and chosen"
    )
    assert outlook_fit == [(chosen[2],)]
    assert pyramid.query(
        "select distinct method from marts.customer_outlook where current_level <> 'prospect'"
    ) == [(chosen[2],)]


@pytest.mark.parametrize("purchase_model", ["bg_nbd", "mbg_nbd", "pareto_nbd"])
def test_every_candidate_recovers_each_groups_purchase_rate(known_rates, purchase_model):
    """Each purchase model, fitted on the outlook cutoff's summary of the known-rates customers (as the
    pipeline fits the chosen one), expects each group still buying at 2, 6 and 12 purchases a year to buy
    about that often in the next 365 days (within the stated 20 %; measured: BG/NBD 2.11, 5.65, 10.94;
    Pareto/NBD 2.33, 5.84, 10.95), and the gone group under one purchase."""
    pyramid, groups = known_rates
    columns = "customer_id, frequency, recency, tenure_days, monetary_value"
    rows = pyramid.query(
        f"select {columns} from intermediate.int_outlook_summary"
        " where fit_kind = 'outlook' and has_purchased order by customer_id"
    )
    summary = pd.DataFrame(rows, columns=columns.split(", "))
    data = model_input(summary)
    scores = score_outlook(data, fit_outlook(data, purchase_model, "gamma_gamma"), 365)
    by_group = scores.assign(group=scores["customer_id"].map(groups)).groupby("group")
    expected = by_group["expected_orders"].mean()
    for group, rate in RATES.items():
        assert expected[group] == pytest.approx(rate, rel=TOLERANCE), (purchase_model, expected.to_dict())
    assert expected["gone"] < 1

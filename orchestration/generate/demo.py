"""Deterministic demo data: customers, sales and a market list that look like a real business.

Only `random.Random.random()` is used (its sequence is stable across Python versions), so the same seed always
writes the same bytes. What it models: skewed revenue (a Pareto spend level per customer, so a few customers
bring much of it), seasonality (November and December sell more), churn (many buyers stop, and become
inactive), refunds, guest buyers missing from the customer list, sign-ups who never buy (prospects), and a
market list that holds part of the customers plus organisations that never bought (suspects).

The performance inputs (a cost per line, an estimated wallet per customer, survey answers and complaints) are
drawn afterwards from a second random stream, so adding them left the sales amounts unchanged. They carry the
relationships the method describes: complaints on a churning customer's last orders are more often resolved
slowly, and a slow resolution lowers later survey scores.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

FIRST_DAY = dt.date(2023, 11, 1)
LAST_DAY = dt.date(2026, 10, 31)
DEMO_SEED = 42
DEMO_CUSTOMERS = 3000
DEMO_MARKET_POPULATION = 25000
COUNTRIES = ("DE", "FR", "NL", "BE", "AT", "CH", "IT", "ES")
SEGMENTS = ("enterprise", "mid-market", "small business")
CHANNELS = ("direct sales", "web", "partner", "marketplace")
MONTH_WEIGHT = (0.8, 0.75, 0.9, 0.95, 1.0, 0.95, 0.85, 0.8, 1.0, 1.05, 1.3, 1.5)
PRODUCTS = 180


SLOW_RESOLUTION_HOURS = 72


@dataclass(frozen=True)
class DemoFiles:
    sales: Path
    customers: Path
    market: Path
    feedback: Path
    complaints: Path
    sales_rows: int


class _Draw:
    """Distributions built on `random()` alone."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def uniform(self) -> float:
        return self.rng.random()

    def below(self, n: int) -> int:
        return min(int(self.rng.random() * n), n - 1)

    def pick(self, items: tuple[str, ...], weights: tuple[float, ...] | None = None) -> str:
        if weights is None:
            return items[self.below(len(items))]
        point = self.rng.random() * sum(weights)
        for item, weight in zip(items, weights, strict=True):
            point -= weight
            if point < 0:
                return item
        return items[-1]

    def pareto(self, alpha: float) -> float:
        return (1.0 - self.rng.random()) ** (-1.0 / alpha)

    def exponential(self, mean: float) -> float:
        return -mean * math.log(1.0 - self.rng.random())

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.below((last - first).days + 1))


def generate_demo(out_dir: Path, *, customers: int = DEMO_CUSTOMERS, seed: int = DEMO_SEED) -> DemoFiles:
    """Write sales.csv, customers.csv and market.csv into `out_dir`."""
    draw = _Draw(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    span_days = (LAST_DAY - FIRST_DAY).days
    customer_rows = []
    sales_rows = []
    order_number = 0
    buyer_ids = [f"C{n:05d}" for n in range(1, customers + 1)]
    guest_ids = [f"G{n:04d}" for n in range(1, max(customers // 150, 1) + 1)]

    for customer_id in buyer_ids + guest_ids:
        is_guest = customer_id.startswith("G")
        signup = (
            FIRST_DAY
            - dt.timedelta(days=400)
            + dt.timedelta(days=int((span_days + 400) * draw.uniform() ** 0.8))
        )
        if not is_guest:
            customer_rows.append(
                (
                    customer_id,
                    signup.isoformat(),
                    draw.pick(COUNTRIES, (30, 18, 12, 8, 8, 7, 9, 8)),
                    draw.pick(SEGMENTS, (8, 27, 65)),
                    draw.pick(CHANNELS, (20, 45, 20, 15)),
                )
            )
        if not is_guest and draw.uniform() < 0.16:
            continue  # signed up, never bought: a prospect
        spend_level = min(draw.pareto(1.1), 800.0)
        orders_per_year = 1.0 + draw.exponential(3.0) * (1.0 + math.log(spend_level))
        first_order = max(signup, FIRST_DAY) + dt.timedelta(days=int(draw.exponential(60)))
        lifetime_days = draw.exponential(700)
        last_possible = min(LAST_DAY, first_order + dt.timedelta(days=int(lifetime_days)))
        if first_order > LAST_DAY:
            continue
        years = max((last_possible - first_order).days, 1) / 365.0
        order_count = 1 + int(draw.exponential(orders_per_year * years))
        for _ in range(order_count):
            order_day = _seasonal_day(draw, first_order, last_possible)
            order_number += 1
            order_id = f"O{order_number:07d}"
            for _line in range(1 + int(draw.exponential(0.6))):
                quantity = 1 + int(draw.exponential(1.5))
                unit_price = round(8.0 + draw.exponential(35.0) * spend_level**0.9, 2)
                amount = round(quantity * unit_price, 2)
                product = f"P{1 + draw.below(PRODUCTS):03d}"
                sales_rows.append(
                    (order_id, customer_id, order_day.isoformat(), product, quantity, amount, "completed")
                )
                if draw.uniform() < 0.025:
                    refund_day = min(order_day + dt.timedelta(days=3 + draw.below(25)), LAST_DAY)
                    sales_rows.append(
                        (
                            order_id,
                            customer_id,
                            refund_day.isoformat(),
                            product,
                            -quantity,
                            -amount,
                            "refunded",
                        )
                    )

    sales_rows.sort(key=lambda row: (row[2], row[0]))
    market_rows = [(row[0], row[2], row[3]) for row in customer_rows if draw.uniform() < 0.55]
    market_rows += [
        (f"M{n:05d}", draw.pick(COUNTRIES), draw.pick(SEGMENTS, (15, 35, 50)))
        for n in range(1, customers * 2 + 1)
    ]
    files = DemoFiles(
        sales=out_dir / "sales.csv",
        customers=out_dir / "customers.csv",
        market=out_dir / "market.csv",
        feedback=out_dir / "feedback.csv",
        complaints=out_dir / "complaints.csv",
        sales_rows=len(sales_rows),
    )
    extra = _Draw(seed + 1)
    cost_ratio = [0.45 + 0.35 * extra.uniform() for _ in range(PRODUCTS)]
    _write_csv(
        files.sales,
        ("order_id", "customer_id", "order_date", "product_id", "quantity", "amount", "cost", "status"),
        [
            (*row[:5], f"{row[5]:.2f}", f"{row[5] * cost_ratio[int(row[3][1:]) - 1]:.2f}", row[6])
            for row in sales_rows
        ],
    )
    wallets = _wallets(extra, customer_rows, sales_rows)
    _write_csv(
        files.customers,
        ("customer_id", "signup_date", "country", "segment", "channel", "estimated_annual_wallet", "email"),
        [(*row, wallets[row[0]], _email(row[0])) for row in customer_rows],
    )
    _write_csv(files.market, ("customer_id", "country", "segment"), market_rows)
    complaints, feedback = _satisfaction(extra, sales_rows)
    _write_csv(files.complaints, ("complaint_id", "customer_id", "opened_at", "resolved_at"), complaints)
    _write_csv(files.feedback, ("customer_id", "response_date", "score"), feedback)
    return files


def _orders_by_customer(sales_rows: list[tuple]) -> dict[str, list[tuple[str, dt.date]]]:
    """customer → [(order_id, order day)] of purchases, in date order."""
    orders: dict[str, dict[str, dt.date]] = {}
    for order_id, customer_id, day, *_rest, status in sales_rows:
        if status == "completed":
            orders.setdefault(customer_id, {}).setdefault(order_id, dt.date.fromisoformat(day))
    return {
        customer: sorted(found.items(), key=lambda item: (item[1], item[0]))
        for customer, found in sorted(orders.items())
    }


def _wallets(draw: _Draw, customer_rows: list[tuple], sales_rows: list[tuple]) -> dict[str, str]:
    """An estimated yearly wallet: what the customer spends per year divided by a share of 20-90 %."""
    spent: dict[str, float] = {}
    days: dict[str, list[str]] = {}
    for _order_id, customer_id, day, _product, _quantity, amount, _status in sales_rows:
        spent[customer_id] = spent.get(customer_id, 0.0) + amount
        days.setdefault(customer_id, []).append(day)
    wallets = {}
    for row in customer_rows:
        customer_id = row[0]
        if draw.uniform() < 0.1:
            wallets[customer_id] = ""  # unknown: share of wallet stays null
            continue
        bought = days.get(customer_id) or [LAST_DAY.isoformat()]
        span = dt.date.fromisoformat(max(bought)) - dt.date.fromisoformat(min(bought))
        yearly = max(spent.get(customer_id, 0.0), 0.0) / max(span.days / 365.0, 1.0)
        share = 0.2 + 0.7 * draw.uniform()
        wallets[customer_id] = (
            f"{max(round(yearly / share, -2), 500.0 + round(draw.exponential(2000), -2)):.2f}"
        )
    return wallets


def _satisfaction(draw: _Draw, sales_rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """Complaints on some orders and survey answers after some orders.

    A complaint on one of the last two orders of a customer who stopped buying is resolved slowly more often
    (65 % against 12 %): the pattern the complaint_lapse_rates mart should find.
    """
    end = dt.datetime.combine(LAST_DAY, dt.time(23, 59))
    churn_before = LAST_DAY - dt.timedelta(days=200)
    complaints, feedback = [], []
    for customer_id, orders in _orders_by_customer(sales_rows).items():
        churned = orders[-1][1] < churn_before
        slow_before: dt.datetime | None = None
        for position, (_order_id, day) in enumerate(orders):
            if draw.uniform() < 0.06:
                opened = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(
                    days=draw.below(10), minutes=draw.below(10 * 60)
                )
                near_end = churned and position >= len(orders) - 2
                slow = draw.uniform() < (0.65 if near_end else 0.12)
                hours = SLOW_RESOLUTION_HOURS + draw.exponential(120) if slow else 1 + draw.exponential(20)
                resolved = opened + dt.timedelta(hours=round(hours, 2))
                if opened <= end:
                    shown = "" if resolved > end or draw.uniform() < 0.02 else f"{resolved:%Y-%m-%d %H:%M}"
                    complaints.append((customer_id, f"{opened:%Y-%m-%d %H:%M}", shown))
                    if slow:
                        slow_before = opened if slow_before is None else slow_before
            if draw.uniform() < 0.12:
                answered = min(day + dt.timedelta(days=1 + draw.below(14)), LAST_DAY)
                unhappy = slow_before is not None and slow_before.date() <= answered
                score = round(4.3 - (1.4 if unhappy else 0.0) + (draw.uniform() - 0.5) * 2.4)
                feedback.append((customer_id, answered.isoformat(), min(max(score, 1), 5)))
    complaints.sort(key=lambda row: (row[1], row[0]))
    feedback.sort(key=lambda row: (row[1], row[0]))
    return [(f"Q{number:06d}", *row) for number, row in enumerate(complaints, 1)], feedback


def _seasonal_day(draw: _Draw, first: dt.date, last: dt.date) -> dt.date:
    """A day in [first, last], more likely in the busy months (rejection sampling)."""
    peak = max(MONTH_WEIGHT)
    while True:
        day = draw.day_between(first, last)
        if draw.uniform() * peak <= MONTH_WEIGHT[day.month - 1]:
            return day


def _email(customer_id: str) -> str:
    """A contact column for the CRM (an address of the reserved example.org domain); every tenth customer has
    none, so the action lists show customers who cannot be reached. Drawn from no random number: the rest of
    the demo is the same with or without it."""
    return "" if int(customer_id[1:]) % 10 == 0 else f"{customer_id.lower()}@example.org"


def _write_csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)

"""CDNOW, real public sales (Fader and Hardie's benchmark for purchase models), read from the `Lifetimes`
wheel the dev group installs (lifetimes/datasets/): never downloaded at test time. And an independent pyramid
of any lines, in plain Python and integer cents, to hold every build of them to.

CDNOW_master.txt: 69,659 lines of the 23,570 customers who first bought at the CD shop in 1997's first
quarter, every purchase to 1998-06-30 (customer, day, CDs, dollars; 80 lines of 0.00). CDNOW_sample.txt: the
lines of 2,357 of them (6,919 lines; its second column is the customer's number in the sample).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from importlib.metadata import distribution
from pathlib import Path

from tests.conftest import write_csv

TIERS = ("top", "big", "medium", "small")


@dataclass(frozen=True)
class Line:
    customer_id: str
    order_date: dt.date
    cents: int

    @property
    def amount(self) -> str:
        return f"{Decimal(self.cents) / 100:.2f}"


def cdnow_lines(sample: bool = False) -> list[Line]:
    name = "CDNOW_sample.txt" if sample else "CDNOW_master.txt"
    path = Path(str(distribution("Lifetimes").locate_file(f"lifetimes/datasets/{name}")))
    lines = []
    for row in path.read_text().splitlines():
        fields = row.split()
        if not fields or not fields[0].isdigit():  # the master file's header
            continue
        customer, day, amount = fields[0], fields[-3], fields[-1]
        date = dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
        lines.append(Line(f"C{customer}", date, int(Decimal(amount) * 100)))
    return lines


def write_sales(path: Path, lines: list[Line]) -> Path:
    return write_csv(
        path,
        ("customer_id", "order_date", "amount"),
        ((line.customer_id, line.order_date, line.amount) for line in lines),
    )


@dataclass(frozen=True)
class IndependentPyramid:
    levels: dict[str, str]  # every customer known by the as-of date: active, inactive or prospect
    tiers: dict[str, str]  # every active customer


def independent_pyramid(
    lines: list[Line], as_of: dt.date, window_days: int = 365, shares: tuple[int, ...] = (1, 4, 15, 80)
) -> IndependentPyramid:
    """The README's rules, written again: active = a purchase (a line of a positive amount) in the window
    (as_of - window_days, as_of]; inactive = a purchase before it only; prospect = lines but no purchase.
    Active customers ranked by window revenue (every line in the window, highest first, ties by id) and cut at
    round-half-up(N x cumulative share / 100)."""
    window_start = as_of - dt.timedelta(days=window_days)
    known, bought, bought_in_window, window_cents = set(), set(), set(), Counter()
    for line in lines:
        if line.order_date > as_of:
            continue
        known.add(line.customer_id)
        if line.cents > 0:
            bought.add(line.customer_id)
        if line.order_date > window_start:
            window_cents[line.customer_id] += line.cents
            if line.cents > 0:
                bought_in_window.add(line.customer_id)
    levels = {
        customer: "active"
        if customer in bought_in_window
        else "inactive"
        if customer in bought
        else "prospect"
        for customer in known
    }
    ranked = sorted(bought_in_window, key=lambda customer: (-window_cents[customer], customer))
    bounds, cumulative = [], 0
    for share in shares[:-1]:
        cumulative += share
        bounds.append(int((Decimal(len(ranked)) * cumulative / 100).quantize(Decimal(1), ROUND_HALF_UP)))
    tiers = {}
    for rank, customer in enumerate(ranked, start=1):
        tiers[customer] = next(
            (t for t, bound in zip(TIERS, bounds, strict=False) if rank <= bound), TIERS[-1]
        )
    return IndependentPyramid(levels, tiers)

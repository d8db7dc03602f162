"""Every outlook candidate on CDNOW's 39/39-week split, the one its own backtest chooses, and the classic
recipe beside them (orchestration/outlook/candidates.py).

    uv sync --group bench && .venv/bin/python bench/outlook_candidates.py     # or: make bench-outlook

For the full set (23,570 customers) and CDNOW's own 1/10 sample (2,357 customers, `CDNOW_sample.txt` in the
same wheel): the choice is made as the pipeline would make it, on what is known at the calibration end only:
each candidate is fitted on the first 26 weeks (to 1997-06-30) and scored on the next 92 days (to
1997-09-30); the one the criterion prefers is marked. Then every candidate is fitted on the 39 known weeks
and scored on the 39 held-out weeks (273 days), so the table shows how the chosen one, the classic pair and
the others really did. Targets (issue 33): revenue within ±10 % of what happened, AUC >= 0.78, top-decile
capture >= 0.52.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import warnings
from importlib.metadata import distribution
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from outlook_cdnow import CALIBRATION_END, HORIZON_DAYS, cdnow_lines  # noqa: E402

from orchestration.outlook import candidates as cand  # noqa: E402

CHOICE_CUTOFF = dt.date(1997, 6, 30)
CHOICE_HORIZON = (CALIBRATION_END - CHOICE_CUTOFF).days
TARGETS = {"revenue_error": 0.10, "auc": 0.78, "top_decile_capture": 0.52}


def sample_ids() -> set[str]:
    path = distribution("Lifetimes").locate_file("lifetimes/datasets/CDNOW_sample.txt")
    sample = pd.read_csv(path, sep=r"\s+", header=None, names=["master", "sample", "day", "cds", "amount"])
    return {f"C{number:05d}" for number in sample["master"].unique()}


def summary(lines: pd.DataFrame, cutoff: dt.date) -> pd.DataFrame:
    """Per customer who bought by `cutoff`: repeat purchase days, recency, T (days) and the mean revenue of
    the repeat purchase days, as int_outlook_summary builds them."""
    known = lines[lines["order_date"] <= cutoff]
    days = known.groupby(["customer_id", "order_date"], as_index=False)["amount"].sum()
    days = days[days["amount"] > 0]
    first = days.groupby("customer_id")["order_date"].transform("min")
    repeat = days[days["order_date"] > first].groupby("customer_id")["amount"].mean()
    per = days.groupby("customer_id").agg(
        first=("order_date", "min"), last=("order_date", "max"), n=("order_date", "size")
    )
    return pd.DataFrame(
        {
            "customer_id": per.index,
            "frequency": (per["n"] - 1).astype("float64").to_numpy(),
            "recency": [(last - first).days for first, last in zip(per["first"], per["last"], strict=True)],
            "T": [(cutoff - first).days for first in per["first"]],
            "monetary_value": per.index.map(repeat).fillna(0.0).to_numpy(),
        }
    ).astype({"recency": "float64", "T": "float64"})


def outcome(
    lines: pd.DataFrame, data: pd.DataFrame, cutoff: dt.date, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """(bought, revenue) of each customer of `data` in (cutoff, cutoff + horizon]."""
    later = lines[
        (lines["order_date"] > cutoff) & (lines["order_date"] <= cutoff + dt.timedelta(days=horizon))
    ]
    revenue = later.groupby("customer_id")["amount"].sum()
    bought = later[later["amount"] > 0].groupby("customer_id").size()
    ids = data["customer_id"]
    return ids.map(bought).fillna(0).gt(0).to_numpy(), ids.map(revenue).fillna(0.0).to_numpy()


def backtest(lines: pd.DataFrame, cutoff: dt.date, horizon: int) -> dict[tuple[str, str], tuple]:
    """Every candidate fitted at `cutoff`, scored over `horizon` days: key → (Figures, fit seconds)."""
    data = summary(lines, cutoff)
    bought, actual = outcome(lines, data, cutoff, horizon)
    spend, results = {}, {}
    for name in cand.SPEND_CANDIDATES:
        started = time.perf_counter()
        spend[name] = (
            cand.spend_per_purchase(cand.fit_spend(name, data), data),
            time.perf_counter() - started,
        )
    for purchase in cand.PURCHASE_CANDIDATES:
        started = time.perf_counter()
        parameters = cand.fit_purchases(purchase, data)
        _, p_buys, orders = cand.purchase_scores(purchase, parameters, data, horizon)
        seconds = time.perf_counter() - started
        for name, (per_purchase, spend_seconds) in spend.items():
            figures = cand.figures(p_buys, orders * per_purchase, bought, actual)
            results[(purchase, name)] = (figures, seconds + spend_seconds)
    return results


def meets(figures: cand.Figures) -> str:
    missed = []
    if abs(figures.revenue_error) > TARGETS["revenue_error"]:
        missed.append("revenue")
    if figures.auc < TARGETS["auc"]:
        missed.append("AUC")
    if figures.top_decile_capture < TARGETS["top_decile_capture"]:
        missed.append("capture")
    return "all" if not missed else "misses " + ", ".join(missed)


def table(title: str, lines: pd.DataFrame) -> None:
    choice = backtest(lines, CHOICE_CUTOFF, CHOICE_HORIZON)
    chosen = cand.choose({key: figures for key, (figures, _) in choice.items()})
    held_out = backtest(lines, CALIBRATION_END, HORIZON_DAYS)
    customers = len(summary(lines, CALIBRATION_END))
    print(
        f"\n{title}: {customers:,} customers; choice backtest fitted to {CHOICE_CUTOFF},"
        f" scored {CHOICE_HORIZON} days.\n"
    )
    print(
        "| purchases + spend | choice backtest: revenue error, AUC | 39/39: predicted revenue | actual"
        " | revenue error | buyers predicted / actual | AUC | top 10 % capture | fit s | targets |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for key in cand.candidates():
        inner, _ = choice[key]
        outer, seconds = held_out[key]
        marks = " **chosen**" if key == chosen else ""
        marks += " (classic)" if key == cand.CLASSIC else ""
        print(
            f"| {key[0]} + {key[1]}{marks} | {inner.revenue_error:+.1%}, {inner.auc:.3f}"
            f" | {outer.predicted_revenue:,.0f} | {outer.actual_revenue:,.0f} | {outer.revenue_error:+.1%}"
            f" | {outer.predicted_buyers:,.0f} / {outer.actual_buyers:,} | {outer.auc:.3f}"
            f" | {outer.top_decile_capture:.3f} | {seconds:.1f} | {meets(outer)} |"
        )


def main() -> None:
    warnings.filterwarnings("ignore")
    lines = cdnow_lines()
    print(f"Criterion: {cand.CRITERION}.")
    table("CDNOW, full set", lines)
    table("CDNOW, the 1/10 sample", lines[lines["customer_id"].isin(sample_ids())])


if __name__ == "__main__":
    main()

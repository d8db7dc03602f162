"""The customer outlook on real public data, beside the classic BG/NBD + Gamma-Gamma recipe, in one run.

    uv sync --group bench && .venv/bin/python bench/outlook_cdnow.py

Data: CDNOW (Fader and Hardie's benchmark for these models): the 23,570 customers who made a first purchase at
the online CD shop in the first quarter of 1997, and every purchase they made until 30 June 1998 (69,659
lines: customer, day, CDs, dollars). It comes inside the `Lifetimes` wheel (bench dependency group), read from
the installed files without importing the package. Nothing is downloaded.

The test, as in the BG/NBD paper: the first 39 weeks (1997-01-01 to 1997-09-30) are known; predict the next 39
weeks (273 days, to 1998-06-29) and compare with what happened. Three ways, each timed on its own:

- `pipeline`: `pyramid run` on the first 39 weeks' lines, `--as-of 1997-09-30 --outlook-days 273`, then
  marts.customer_outlook read from the published warehouse (the whole build, with its tests and validation);
- `reference`: the classic recipe, as a notebook would do it: the per-customer summary in pandas from the raw
  lines, pymc-marketing's BetaGeoModel and GammaGammaModel fitted by MAP, scored for 273 days;
- `naive`: next period = this period (each customer's revenue per day so far times 273 days; buys again if
  they bought on more than one day), the baseline any model must beat.

Measured: aggregate revenue error, the share of the holdout revenue brought by the 10 % of customers predicted
to bring the most, and the AUC of "buys again in the holdout". Prints a Markdown table for docs/benchmarks.md.

Then the whole pipeline as a new user runs it: `pyramid run` on every line with default settings (as of the
last sale, the outlook's horizon the 365-day window), and the backtest it publishes (`marts.outlook_backtest`)
with the limits it misses, which warn and never stop the build.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
from importlib.metadata import distribution
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CALIBRATION_END = dt.date(1997, 9, 30)
HORIZON_DAYS = 273
HOLDOUT_END = CALIBRATION_END + dt.timedelta(days=HORIZON_DAYS)


def cdnow_lines() -> pd.DataFrame:
    path = distribution("Lifetimes").locate_file("lifetimes/datasets/CDNOW_master.txt")
    lines = pd.read_csv(path, sep=r"\s+", header=0, names=["customer_id", "day", "cds", "amount"])
    lines["order_date"] = pd.to_datetime(lines["day"].astype(str), format="%Y%m%d").dt.date
    lines["customer_id"] = lines["customer_id"].map(lambda number: f"C{number:05d}")
    return lines[["customer_id", "order_date", "amount"]]


def holdout_truth(lines: pd.DataFrame) -> pd.DataFrame:
    """Per customer of the calibration period: revenue and whether they bought in the holdout."""
    known = lines[lines["order_date"] <= CALIBRATION_END]
    later = lines[(lines["order_date"] > CALIBRATION_END) & (lines["order_date"] <= HOLDOUT_END)]
    truth = pd.DataFrame({"customer_id": known["customer_id"].unique()})
    revenue = later.groupby("customer_id")["amount"].sum()
    bought = later[later["amount"] > 0].groupby("customer_id").size()
    truth["actual_revenue"] = truth["customer_id"].map(revenue).fillna(0.0)
    truth["bought"] = truth["customer_id"].map(bought).fillna(0).gt(0).astype(int)
    return truth


def pipeline(lines: pd.DataFrame, folder: Path) -> pd.DataFrame:
    inputs = folder / "input"
    inputs.mkdir()
    lines[lines["order_date"] <= CALIBRATION_END].to_csv(inputs / "sales.csv", index=False)
    command = [
        str(BIN / "pyramid"),
        "run",
        "--input",
        str(inputs),
        "--warehouse",
        str(folder / "warehouse"),
        "--as-of",
        CALIBRATION_END.isoformat(),
        "--outlook-days",
        str(HORIZON_DAYS),
        "--quiet",
    ]
    subprocess.run(command, check=True, capture_output=True, text=True)
    with duckdb.connect(str(folder / "warehouse" / "pyramid.duckdb"), read_only=True) as con:
        return con.execute(
            "select customer_id, cast(p_buys as double) as p_buys,"
            " cast(expected_revenue as double) as expected_revenue from marts.customer_outlook"
        ).df()


def default_run(lines: pd.DataFrame, folder: Path) -> tuple[float, int, str, list[tuple]]:
    """`pyramid run` on every line with no flag but the folders: (seconds, exit code, its Warning lines, the
    published backtest rows)."""
    inputs = folder / "all_lines"
    inputs.mkdir()
    lines.to_csv(inputs / "sales.csv", index=False)
    warehouse = folder / "default_warehouse"
    command = [str(BIN / "pyramid"), "run", "--input", str(inputs), "--warehouse", str(warehouse), "--quiet"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    warnings = "\n".join(line for line in result.stdout.splitlines() if line.startswith("Warning:"))
    rows = []
    if result.returncode == 0:
        with duckdb.connect(str(warehouse / "pyramid.duckdb"), read_only=True) as con:
            rows = con.execute(
                "select segment, method, cutoff_date, customers, buyers_error_percent, revenue_error_percent,"
                " auc_buys_again, top_decile_capture, quality_warnings from marts.outlook_backtest"
                " order by segment = 'all' desc, customers desc"
            ).fetchall()
    return seconds, result.returncode, warnings, rows


def reference(lines: pd.DataFrame) -> pd.DataFrame:
    """The classic recipe on the raw lines: purchase days per customer, then BG/NBD and Gamma-Gamma."""
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    known = lines[(lines["order_date"] <= CALIBRATION_END)]
    days = known.groupby(["customer_id", "order_date"], as_index=False)["amount"].sum()
    purchases = days[days["amount"] > 0].sort_values(["customer_id", "order_date"])
    first = purchases.groupby("customer_id")["order_date"].transform("min")
    purchases = purchases.assign(is_repeat=purchases["order_date"] > first)
    summary = purchases.groupby("customer_id").agg(
        first=("order_date", "min"), last=("order_date", "max"), days=("order_date", "size")
    )
    repeat = purchases[purchases["is_repeat"]].groupby("customer_id")["amount"].mean()
    data = pd.DataFrame(
        {
            "customer_id": summary.index,
            "frequency": (summary["days"] - 1).astype(float).to_numpy(),
            "recency": [
                (last - first).days for first, last in zip(summary["first"], summary["last"], strict=True)
            ],
            "T": [(CALIBRATION_END - first).days for first in summary["first"]],
        }
    ).astype({"recency": float, "T": float})
    purchases_model = BetaGeoModel(data=data)
    purchases_model.fit(method="map", progressbar=False)
    spend = data[["customer_id", "frequency"]].assign(
        monetary_value=data["customer_id"].map(repeat).fillna(0).to_numpy()
    )
    spend_model = GammaGammaModel(data=spend[(spend["frequency"] > 0) & (spend["monetary_value"] > 0)])
    spend_model.fit(method="map", progressbar=False)
    no_purchase = purchases_model.expected_probability_no_purchase(t=HORIZON_DAYS, data=data)
    orders = purchases_model.expected_purchases(data=data, future_t=HORIZON_DAYS)
    per_order = spend_model.expected_customer_spend(data=spend)
    return pd.DataFrame(
        {
            "customer_id": data["customer_id"],
            "p_buys": 1 - no_purchase.mean(dim=("chain", "draw")).to_numpy(),
            "expected_revenue": (orders * per_order).mean(dim=("chain", "draw")).to_numpy(),
        }
    )


def naive(lines: pd.DataFrame) -> pd.DataFrame:
    known = lines[lines["order_date"] <= CALIBRATION_END]
    revenue = known.groupby("customer_id")["amount"].sum()
    purchase_days = known[known["amount"] > 0].groupby("customer_id")["order_date"].nunique()
    return pd.DataFrame(
        {
            "customer_id": revenue.index,
            "p_buys": revenue.index.map(purchase_days).fillna(0).to_numpy() > 1,
            "expected_revenue": revenue.to_numpy()
            * HORIZON_DAYS
            / (CALIBRATION_END - dt.date(1997, 1, 1)).days,
        }
    )


def scores(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    joined = truth.merge(predicted, on="customer_id", how="left").fillna(
        {"p_buys": 0.0, "expected_revenue": 0.0}
    )
    actual_total = joined["actual_revenue"].sum()
    top = joined.sort_values(["expected_revenue", "customer_id"], ascending=[False, True]).head(
        int(np.ceil(len(joined) / 10))
    )
    ranks = joined["p_buys"].astype(float).rank(method="average")
    positives = joined["bought"].sum()
    negatives = len(joined) - positives
    auc = (ranks[joined["bought"] == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    return {
        "customers": len(joined),
        "predicted_revenue": joined["expected_revenue"].sum(),
        "actual_revenue": actual_total,
        "revenue_error": (joined["expected_revenue"].sum() - actual_total) / actual_total,
        "top_decile_share": top["actual_revenue"].sum() / actual_total,
        "auc": auc,
    }


def main() -> None:
    lines = cdnow_lines()
    truth = holdout_truth(lines)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, run in (
            ("pipeline (`pyramid run`, whole build)", lambda: pipeline(lines, Path(folder))),
            ("reference (pandas summary + pymc-marketing)", lambda: reference(lines)),
            ("naive (next period = this period)", lambda: naive(lines)),
        ):
            started = time.perf_counter()
            predicted = run()
            results[name] = (time.perf_counter() - started, scores(predicted, truth))
    print(f"CDNOW: {len(lines):,} lines, {len(truth):,} customers; 39 weeks known, 39 weeks predicted.\n")
    print(
        "| way | seconds | predicted revenue | actual revenue | revenue error | top 10 % share"
        " | AUC buys again |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, (seconds, score) in results.items():
        print(
            f"| {name} | {seconds:.1f} | {score['predicted_revenue']:,.0f} | {score['actual_revenue']:,.0f}"
            f" | {score['revenue_error']:+.1%} | {score['top_decile_share']:.1%} | {score['auc']:.3f} |"
        )
    with tempfile.TemporaryDirectory() as folder:
        seconds, code, warnings, rows = default_run(lines, Path(folder))
    print(
        f"\n`pyramid run` with default settings on all {len(lines):,} lines (as of the last sale):"
        f" exit {code} in {seconds:.1f} s. The backtest it published:\n"
    )
    print("| segment | method | cutoff | customers | buyers error | revenue error | AUC | capture | warns |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for segment, method, cutoff, customers, buyers, revenue, auc, capture, warns in rows:
        errors = " | ".join("" if value is None else f"{value:+} %" for value in (buyers, revenue))
        print(
            f"| {segment} | {method} | {cutoff} | {customers:,} | {errors} | {auc or ''} | {capture or ''}"
            f" | {warns or ''} |"
        )
    print(f"\n{warnings or 'No warning.'}")


if __name__ == "__main__":
    main()

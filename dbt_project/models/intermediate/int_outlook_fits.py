"""The outlook's fits (orchestration/outlook/models.py) on a cutoff's summary of the customers who bought
(int_outlook_summary). A refit of the `backtest` cutoff fits every candidate pair (purchase model, spend
model), scores the horizon after that cutoff, which has happened by the as-of date, and ranks them by the
criterion (orchestration/outlook/candidates.py): one row per candidate, its figures beside it, the first
`chosen`. A refit of the `outlook` cutoff (the as-of date) fits the pair chosen by the latest backtest (the
classic pair without one): one row. A build refits a cutoff only when the schedule says so
(outlook.refit_due: var outlook_refit_days, 7 by default) or the choice changed; otherwise it keeps the latest
fit, and int_outlook_scores scores today's customers with it. The earlier rows are read from this table as the
build file holds it (a daily build starts from a copy of the published warehouse), so a build from scratch
fits."""

import datetime as dt
import json

import duckdb
import pandas as pd

from orchestration.outlook.candidates import CLASSIC
from orchestration.outlook.models import choose_outlook, fit_outlook, model_input, read_buyers, refit_due

FIGURES = [
    "predicted_buyers",
    "actual_buyers",
    "predicted_revenue",
    "actual_revenue",
    "auc_buys_again",
    "top_decile_revenue_share",
]
COLUMNS = [
    "fit_kind",
    "cutoff_date",
    "fitted_at",
    "customers",
    "repeat_customers",
    "purchase_model",
    "spend_model",
    "chosen",
    "choice_rank",
    "parameters",
    *FIGURES,
]
TYPES = {
    "customers": "int64",
    "repeat_customers": "int64",
    "purchase_model": "string",
    "spend_model": "string",
    "parameters": "string",
    "chosen": "bool",
    "choice_rank": "Int64",
    "actual_buyers": "Int64",
    **{name: "float64" for name in FIGURES if name != "actual_buyers"},
}


def model(dbt, session):
    dbt.config(materialized="table")
    refit_days = int(dbt.config.get("outlook_refit_days"))
    summary = dbt.ref("int_outlook_summary")
    fits = _earlier_fits(session, str(dbt.this))
    # Each cutoff's date and buyers counted in the engine first: the buyers' rows (800,000 per cutoff at 10M
    # sales lines) are read only for a fit that is due, not on the days that score with the week's fit. The
    # backtest comes first: the outlook is fitted with the pair it chose.
    cutoffs = (
        summary.filter("has_purchased")
        .aggregate("fit_kind, min(cutoff_date) as cutoff_date, count(*) as customers", "fit_kind")
        .order("fit_kind")
        .df()
    )
    fitted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for fit_kind, cutoff_date, customers in cutoffs.itertuples(index=False):
        cutoff = pd.Timestamp(cutoff_date).date()
        latest = _latest(fits, fit_kind)
        pair = _chosen_pair(fits) if fit_kind == "outlook" else None
        due = refit_due(
            pd.Timestamp(latest["cutoff_date"]).date() if latest is not None else None,
            int(latest["customers"]) if latest is not None else None,
            cutoff,
            int(customers),
            refit_days,
        )
        if not due and (pair is None or latest is None or _pair_of(latest) in (pair, None)):
            continue
        rows = read_buyers(summary.filter(f"fit_kind = '{fit_kind}'"))
        made = _backtest_rows(rows) if fit_kind == "backtest" else _outlook_rows(rows, pair or CLASSIC)
        made = [{**row, "fit_kind": fit_kind, "cutoff_date": cutoff, "fitted_at": fitted_at} for row in made]
        fits = pd.concat([fits, pd.DataFrame(made, columns=COLUMNS)], ignore_index=True)
    fits["cutoff_date"] = pd.to_datetime(fits["cutoff_date"]).dt.date  # a DATE column, as the summary's
    return fits[COLUMNS].astype(TYPES)


def _backtest_rows(rows: pd.DataFrame) -> list[dict]:
    """Every candidate fitted at the backtest cutoff and scored over the horizon after it, best first."""
    ranked = choose_outlook(
        model_input(rows),
        rows["actual_purchase_days"].fillna(0).gt(0).to_numpy(),
        rows["actual_revenue"].fillna(0).astype("float64").to_numpy(),
        int(rows["horizon_days"].iloc[0]),
    )
    if not ranked:
        return [_no_fit(len(rows))]
    return [
        {
            **_fit_row(candidate.fit, len(rows)),
            "chosen": candidate.rank == 1,
            "choice_rank": candidate.rank,
            "predicted_buyers": candidate.figures.predicted_buyers,
            "actual_buyers": candidate.figures.actual_buyers,
            "predicted_revenue": candidate.figures.predicted_revenue,
            "actual_revenue": candidate.figures.actual_revenue,
            "auc_buys_again": candidate.figures.auc,
            "top_decile_revenue_share": candidate.figures.top_decile_capture,
        }
        for candidate in ranked
    ]


def _outlook_rows(rows: pd.DataFrame, pair: tuple[str, str]) -> list[dict]:
    fit = fit_outlook(model_input(rows), *pair)
    return [{**_fit_row(fit, len(rows)), "chosen": True}] if fit else [_no_fit(len(rows))]


def _fit_row(fit, customers: int) -> dict:
    return {
        "customers": customers,
        "repeat_customers": fit.repeat_customers,
        "purchase_model": fit.purchase_model,
        "spend_model": fit.spend_model,
        "parameters": json.dumps(fit.parameters),
    }


def _no_fit(customers: int) -> dict:
    """Too few customers to fit: the cutoff's buyers get their own rate (int_outlook_predictions)."""
    return {"customers": customers, "repeat_customers": 0, "chosen": True}


def _latest(fits: pd.DataFrame, fit_kind: str) -> pd.Series | None:
    """The cutoff's latest chosen fit (None before its first)."""
    rows = fits[(fits["fit_kind"] == fit_kind) & fits["chosen"].astype(bool)].sort_values("fitted_at")
    return rows.iloc[-1] if len(rows) else None


def _pair_of(row: pd.Series) -> tuple[str, str] | None:
    return None if pd.isna(row["purchase_model"]) else (row["purchase_model"], row["spend_model"])


def _chosen_pair(fits: pd.DataFrame) -> tuple[str, str] | None:
    """The pair the latest backtest fit chose (None: none chosen, the outlook takes the classic pair)."""
    latest = _latest(fits, "backtest")
    return _pair_of(latest) if latest is not None else None


def _earlier_fits(session, this: str) -> pd.DataFrame:
    """This table's rows before this build (none in a build from scratch, or from an older layout)."""
    try:
        return session.sql(f"select {', '.join(COLUMNS)} from {this}").df()
    except (duckdb.CatalogException, duckdb.BinderException):  # no such table yet, or an older layout
        return pd.DataFrame({column: pd.Series(dtype="object") for column in COLUMNS})

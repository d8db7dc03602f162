"""The outlook's fits: one row per fit of BG/NBD and Gamma-Gamma (orchestration/outlook/models.py) on a
cutoff's summary of the customers who bought (int_outlook_summary). A build refits a cutoff's models only when
the schedule says so (outlook.refit_due: var outlook_refit_days, 7 by default); otherwise it keeps the latest
fit, and int_outlook_scores scores today's customers with it. The earlier rows are read from this table as the
build file holds it (a daily build starts from a copy of the published warehouse), so a build from scratch
fits."""

import datetime as dt
import json

import duckdb
import pandas as pd

from orchestration.outlook.models import fit_outlook, model_input, read_buyers, refit_due

COLUMNS = ["fit_kind", "cutoff_date", "fitted_at", "customers", "repeat_customers", "parameters"]


def model(dbt, session):
    dbt.config(materialized="table")
    refit_days = int(dbt.config.get("outlook_refit_days"))
    summary = dbt.ref("int_outlook_summary")
    fits = _earlier_fits(session, str(dbt.this))
    # Each cutoff's date and buyers counted in the engine first: the buyers' rows (800,000 per cutoff at 10M
    # sales lines) are read only for a fit that is due, not on the days that score with the week's fit.
    cutoffs = (
        summary.filter("has_purchased")
        .aggregate("fit_kind, min(cutoff_date) as cutoff_date, count(*) as customers", "fit_kind")
        .order("fit_kind")
        .df()
    )
    for fit_kind, cutoff_date, customers in cutoffs.itertuples(index=False):
        cutoff = pd.Timestamp(cutoff_date).date()
        latest = fits[fits["fit_kind"] == fit_kind].sort_values("fitted_at").tail(1)
        if not refit_due(
            pd.Timestamp(latest["cutoff_date"].iloc[0]).date() if len(latest) else None,
            int(latest["customers"].iloc[0]) if len(latest) else None,
            cutoff,
            int(customers),
            refit_days,
        ):
            continue
        rows = read_buyers(summary.filter(f"fit_kind = '{fit_kind}'"))
        fit = fit_outlook(model_input(rows))
        row = {
            "fit_kind": fit_kind,
            "cutoff_date": cutoff,
            "fitted_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "customers": len(rows),
            "repeat_customers": fit.repeat_customers if fit else 0,
            "parameters": json.dumps(fit.parameters) if fit else None,
        }
        fits = pd.concat([fits, pd.DataFrame([row])], ignore_index=True)
    fits["cutoff_date"] = pd.to_datetime(fits["cutoff_date"]).dt.date  # a DATE column, as the summary's
    return fits[COLUMNS].astype({"customers": "int64", "repeat_customers": "int64"})


def _earlier_fits(session, this: str) -> pd.DataFrame:
    """This table's rows before this build (none in a build from scratch)."""
    try:
        return session.sql(f"select {', '.join(COLUMNS)} from {this}").df()
    except (duckdb.CatalogException, duckdb.BinderException):  # no such table yet, or an older layout
        return pd.DataFrame({column: pd.Series(dtype="object") for column in COLUMNS})

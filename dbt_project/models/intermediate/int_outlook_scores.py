"""The outlook's model scores: each cutoff's customers who bought (int_outlook_summary) scored for the
horizon after it with the cutoff's latest chosen fit (int_outlook_fits: refitted on the schedule of var
outlook_refit_days). The `outlook` cutoff is the as-of date; the `backtest` cutoff, one horizon earlier, uses
a fit made on what was known then only. `method` names the fitted pair (purchase model _ spend model). The
scoring is in orchestration/outlook/models.py; the rules that use the scores are SQL (customer_outlook,
outlook_backtest)."""

import pandas as pd

from orchestration.outlook.models import SCORE_COLUMNS, fit_from_json, model_input, read_buyers, score_outlook

COLUMNS = ["fit_kind", "customer_id", "method", *SCORE_COLUMNS, "fitted_on"]


def model(dbt, session):
    dbt.config(materialized="table")
    summary = read_buyers(dbt.ref("int_outlook_summary"))
    fits = dbt.ref("int_outlook_fits").filter("chosen").df().sort_values("fitted_at")
    scored = []
    for fit_kind, rows in summary.groupby("fit_kind", sort=True):
        [fit_row] = fits[fits["fit_kind"] == fit_kind].tail(1).itertuples()
        fit = fit_from_json(
            fit_row.parameters,
            fit_row.customers,
            fit_row.repeat_customers,
            fit_row.purchase_model,
            fit_row.spend_model,
        )
        scores = score_outlook(model_input(rows), fit, int(rows["horizon_days"].iloc[0]))
        scored.append(
            scores.assign(
                fit_kind=fit_kind,
                method=fit.method if fit else None,
                fitted_on=pd.Timestamp(fit_row.cutoff_date).date(),
            )
        )
    if not scored:
        empty = {column: pd.Series(dtype="float64") for column in COLUMNS}
        return pd.DataFrame(empty).astype(
            {"fit_kind": "string", "customer_id": "string", "method": "string", "fitted_on": "object"}
        )
    # A text column even when no cutoff had a fit (all null), as dbt's unit tests read its type.
    return pd.concat(scored, ignore_index=True)[COLUMNS].astype({"method": "string"})

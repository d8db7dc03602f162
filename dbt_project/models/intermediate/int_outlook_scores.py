"""The outlook's model scores: BG/NBD and Gamma-Gamma (pymc-marketing, MAP fit) fitted on each cutoff's
summary of the customers who bought (int_outlook_summary) and scored for the horizon after it. The `outlook`
cutoff is the as-of date; the `backtest` cutoff, one horizon earlier, is fitted on what was known then only.
The fit and scoring are in orchestration/outlook.py; the rules that use the scores are SQL (customer_outlook,
outlook_backtest)."""

import pandas as pd

from orchestration.outlook import SCORE_COLUMNS, score_outlook


def model(dbt, session):
    dbt.config(materialized="table")
    summary = dbt.ref("int_outlook_summary").filter("has_purchased").df()
    scored = []
    for fit_kind, rows in summary.groupby("fit_kind", sort=True):
        horizon = int(rows["horizon_days"].iloc[0])
        fit_input = pd.DataFrame(
            {
                "customer_id": rows["customer_id"].to_numpy(),
                "frequency": rows["frequency"].astype("float64").to_numpy(),
                "recency": rows["recency"].astype("float64").to_numpy(),
                "T": rows["tenure_days"].astype("float64").to_numpy(),
                "monetary_value": rows["monetary_value"].astype("float64").to_numpy(),
            }
        )
        scores, _ = score_outlook(fit_input, horizon)
        scored.append(scores.assign(fit_kind=fit_kind))
    columns = ["fit_kind", "customer_id", *SCORE_COLUMNS]
    if not scored:
        return pd.DataFrame({column: pd.Series(dtype="float64") for column in columns}).astype(
            {"fit_kind": "string", "customer_id": "string"}
        )
    return pd.concat(scored, ignore_index=True)[columns]

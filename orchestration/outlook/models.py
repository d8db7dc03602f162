"""Each customer's outlook: a BG/NBD model of when customers buy and a Gamma-Gamma model of how much, both
from pymc-marketing and fitted by MAP on the per-customer summary SQL builds (`int_outlook_summary`), never
on sales lines.

BG/NBD (Fader, Hardie and Lee, 2005) needs, per customer who bought: `frequency`, the repeat purchase days;
`recency`, the days from the first to the last purchase day; `T`, the days from the first purchase day to the
cutoff. Gamma-Gamma needs the average revenue of the repeat purchase days of customers with a positive one.
From the fitted parameters, for a horizon of `horizon_days`:

- `p_alive`: the probability the customer is still buying (has not dropped out);
- `p_buys`: the probability of at least one purchase day in the horizon;
- `expected_orders`: the expected purchase days in the horizon;
- `expected_revenue`: `expected_orders` times the customer's expected spend per purchase day (Gamma-Gamma;
  the population's for customers without a positive repeat average).

Fitting and scoring are apart: a fit is its parameters (kept in `int_outlook_fits`), and the scores are
computed from them, so a daily build scores with last week's fit (`refit_due`). Importing pymc takes seconds,
so it is imported only when a model is fitted; scores come from the models' closed forms (closed_forms.py,
held equal to the library's by a test).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.outlook import closed_forms

SCORE_COLUMNS = ("p_alive", "p_buys", "expected_orders", "expected_revenue")
# Fewer customers who bought than this, or fewer who bought again: no model is fitted, the scores are null.
MIN_CUSTOMERS = 20
MIN_REPEAT_CUSTOMERS = 5
# The models have four and three parameters for the whole population: beyond this many customers they are
# fitted on a random sample of this many (measured at 500,000 customers: every parameter within 2.5 % of the
# fit on all, in half the time), and every customer is scored.
MAX_FIT_CUSTOMERS = 100_000
# A fit is reused only while the customers it was fitted on are within this share of today's.
MAX_CUSTOMER_DRIFT = 0.1
PURCHASES, SPEND = "purchases", "spend"


@dataclass(frozen=True)
class Fit:
    """The fitted parameters, by model (BG/NBD `purchases`: r, alpha, a, b, ...; Gamma-Gamma `spend`: p, q,
    v) and what they were fitted on."""

    parameters: dict[str, dict[str, float]]
    customers: int
    repeat_customers: int


def fit_outlook(summary: pd.DataFrame) -> Fit | None:
    """Both models fitted on `summary` (columns customer_id, frequency, recency, T, monetary_value; one row
    per customer who bought; a sample of MAX_FIT_CUSTOMERS of them when there are more); None with too few
    customers to fit."""
    if len(summary) > MAX_FIT_CUSTOMERS:
        summary = summary.sample(n=MAX_FIT_CUSTOMERS, random_state=0)
    repeat = _repeat_buyers(summary)
    if len(summary) < MIN_CUSTOMERS or len(repeat) < MIN_REPEAT_CUSTOMERS:
        return None
    with _quiet():
        from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

        purchases = BetaGeoModel(data=_purchase_data(summary))
        purchases.fit(method="map", progressbar=False)
        spend = GammaGammaModel(data=_spend_data(repeat))
        spend.fit(method="map", progressbar=False)
    return Fit(
        {PURCHASES: map_parameters(purchases), SPEND: map_parameters(spend)},
        customers=len(summary),
        repeat_customers=len(repeat),
    )


def score_outlook(summary: pd.DataFrame, fit: Fit | None, horizon_days: int) -> pd.DataFrame:
    """Every row of `summary` scored for the next `horizon_days` days with `fit`'s parameters: customer_id
    and SCORE_COLUMNS (null without a fit)."""
    scores = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
    if fit is None or summary.empty:
        for column in SCORE_COLUMNS:
            scores[column] = np.nan
        return scores
    # The models' closed forms (closed_forms.py, held equal to pymc-marketing's by a test): scoring with a
    # stored fit imports no modelling library.
    purchases, spend = fit.parameters[PURCHASES], fit.parameters[SPEND]
    x, t_x, tenure = (summary[name].astype("float64").to_numpy() for name in ("frequency", "recency", "T"))
    mean_value = summary["monetary_value"].fillna(0).clip(lower=0).astype("float64").to_numpy()
    scores["p_alive"] = closed_forms.p_alive(purchases, x, t_x, tenure)
    scores["p_buys"] = 1.0 - closed_forms.p_no_purchase(purchases, horizon_days, x, t_x, tenure)
    scores["expected_orders"] = closed_forms.expected_purchases(purchases, horizon_days, x, t_x, tenure)
    per_purchase = closed_forms.expected_spend(spend, x, mean_value)
    scores["expected_revenue"] = scores["expected_orders"] * per_purchase
    scores[list(SCORE_COLUMNS)] = scores[list(SCORE_COLUMNS)].clip(lower=0)
    return scores


def refit_due(
    fitted_cutoff: dt.date | None,
    fitted_customers: int | None,
    cutoff: dt.date,
    customers: int,
    refit_days: int,
) -> bool:
    """The schedule: refit when there is no fit yet, when the latest fit's cutoff is `refit_days` or more
    before this cutoff or after it (a past date rebuilt), when the customers it was fitted on differ from
    today's by more than MAX_CUSTOMER_DRIFT (other data), or always with `refit_days` 0; otherwise score
    with it."""
    if fitted_cutoff is None or fitted_customers is None or refit_days <= 0:
        return True
    age = (cutoff - fitted_cutoff).days
    drift = abs(customers - fitted_customers) / max(customers, 1)
    return not 0 <= age < refit_days or drift > MAX_CUSTOMER_DRIFT


def read_buyers(summary) -> pd.DataFrame:
    """The rows of the customers who bought from int_outlook_summary (a DuckDB relation, dbt.ref in a Python
    model), only the columns the models read, in customer order: the fit's floating-point sums then do not
    depend on the order the engine wrote the rows in (Spark's and DuckDB's builds fit the same)."""
    columns = "fit_kind, cutoff_date, horizon_days, customer_id, frequency, recency, tenure_days,"
    columns += " monetary_value"
    return summary.filter("has_purchased").project(columns).order("fit_kind, customer_id").df()


def model_input(summary: pd.DataFrame) -> pd.DataFrame:
    """int_outlook_summary's rows of customers who bought, under the library's names."""
    return pd.DataFrame(
        {
            "customer_id": summary["customer_id"].to_numpy(),
            "frequency": summary["frequency"].astype("float64").to_numpy(),
            "recency": summary["recency"].astype("float64").to_numpy(),
            "T": summary["tenure_days"].astype("float64").to_numpy(),
            "monetary_value": summary["monetary_value"].astype("float64").to_numpy(),
        }
    )


def fit_from_json(parameters: str | None, customers: int, repeat_customers: int) -> Fit | None:
    """A fit as int_outlook_fits keeps it (its parameters as JSON; null when none could be fitted)."""
    return Fit(json.loads(parameters), customers, repeat_customers) if parameters else None


def _repeat_buyers(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]


def _purchase_data(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[["customer_id", "frequency", "recency", "T"]].astype(
        {"frequency": "float64", "recency": "float64", "T": "float64"}
    )


def _spend_data(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[["customer_id", "frequency", "monetary_value"]].astype(
        {"frequency": "float64", "monetary_value": "float64"}
    )


def map_parameters(model) -> dict[str, float]:
    """A MAP fit's parameters (the one-draw posterior's scalars), as int_outlook_fits keeps them."""
    posterior = model.idata.posterior
    return {
        name: float(posterior[name].mean().item())
        for name in posterior.data_vars
        if posterior[name].ndim == 2
    }


class _quiet:
    """pymc and pytensor log and warn on every fit (sampler choice, compilation); the build's log is dbt's."""

    def __enter__(self):
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")
        names = ("pymc", "pytensor", "pymc_marketing")
        self._levels = {name: logging.getLogger(name).level for name in names}
        for name in self._levels:
            logging.getLogger(name).setLevel(logging.ERROR)
        return self

    def __exit__(self, *exc):
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)
        return self._warnings.__exit__(*exc)

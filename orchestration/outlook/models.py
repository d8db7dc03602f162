"""Each customer's outlook: a model of when customers buy and one of how much (candidates.py:
pymc-marketing's, fitted by MAP, and Pareto/NBD by maximum likelihood), fitted on the per-customer summary
SQL builds (`int_outlook_summary`), never on sales lines. Which pair is chosen by the build's own backtest:
each refit of the backtest cutoff fits every candidate, scores the horizon after that cutoff, which has
happened by the as-of date, and keeps the one the criterion prefers (`choose_outlook`); the outlook cutoff is
then refitted with that pair (`fit_outlook`).

The purchase models need, per customer who bought: `frequency`, the repeat purchase days; `recency`, the days
from the first to the last purchase day; `T`, the days from the first purchase day to the cutoff. The spend
models need the average revenue of the repeat purchase days of customers with a positive one. From the fitted
parameters, for a horizon of `horizon_days`:

- `p_alive`: the probability the customer is still buying (has not dropped out);
- `p_buys`: the probability of at least one purchase day in the horizon;
- `expected_orders`: the expected purchase days in the horizon;
- `expected_revenue`: `expected_orders` times the customer's expected spend per purchase day (the spend model;
  the population's for customers without a positive repeat average).

Fitting and scoring are apart: a fit is its parameters (kept in `int_outlook_fits`), and the scores are
computed from them, so a daily build scores with last week's fit (`refit_due`). Importing pymc takes seconds,
so it is imported only when a model is fitted; scores come from the models' closed forms (closed_forms.py,
held equal to the library's by a test).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.outlook import candidates

SCORE_COLUMNS = ("p_alive", "p_buys", "expected_orders", "expected_revenue")
# Fewer customers who bought than this, or fewer who bought again: no model is fitted, the scores are null.
MIN_CUSTOMERS = 20
MIN_REPEAT_CUSTOMERS = 5
# The models have four and three parameters for the whole population: beyond this many customers they are
# fitted on a random sample of this many (measured at 500,000 customers: every parameter within 2.5 % of the
# fit on all, in half the time), and every customer is scored.
MAX_FIT_CUSTOMERS = 100_000
# The choice fits every candidate (two purchase models, four spend fits) on a sample of at most this many
# customers, and scores every customer with each (measured in docs/benchmarks.md: what this adds to a refit).
MAX_CHOICE_CUSTOMERS = 10_000
# A fit is reused only while the customers it was fitted on are within this share of today's.
MAX_CUSTOMER_DRIFT = 0.1
PURCHASES, SPEND, SPEND_BANDS = "purchases", "spend", "spend_bands"


@dataclass(frozen=True)
class Fit:
    """A pair's fitted parameters (`purchases`: BG/NBD r, alpha, a, b, ...; `spend`: the pooled Gamma-Gamma p,
    q, v; `spend_bands`: by frequency band, for gamma_gamma_by_frequency), which pair, and what they were
    fitted on."""

    parameters: dict
    customers: int
    repeat_customers: int
    purchase_model: str = candidates.CLASSIC[0]
    spend_model: str = candidates.CLASSIC[1]

    @property
    def method(self) -> str:
        return candidates.method_name(self.purchase_model, self.spend_model)


@dataclass(frozen=True)
class Candidate:
    """A candidate of the choice: its fit at the backtest cutoff, its figures over the horizon after it, and
    its place by the criterion (1: chosen)."""

    fit: Fit
    figures: candidates.Figures
    rank: int


def fit_outlook(
    summary: pd.DataFrame,
    purchase_model: str = candidates.CLASSIC[0],
    spend_model: str = candidates.CLASSIC[1],
) -> Fit | None:
    """The pair fitted on `summary` (columns customer_id, frequency, recency, T, monetary_value; one row per
    customer who bought; a sample of MAX_FIT_CUSTOMERS of them when there are more); None with too few
    customers to fit."""
    sample = _fit_sample(summary, MAX_FIT_CUSTOMERS)
    if sample is None:
        return None
    spend = candidates.fit_spend(spend_model, _spend_data(sample))
    return _fit(sample, purchase_model, candidates.fit_purchases(purchase_model, sample), spend_model, spend)


def choose_outlook(
    summary: pd.DataFrame, bought: np.ndarray, actual_revenue: np.ndarray, horizon_days: int
) -> list[Candidate]:
    """Every candidate pair fitted on `summary` (a sample of MAX_CHOICE_CUSTOMERS when there are more; model
    input as fit_outlook's) and scored on all of it over the next `horizon_days`, against what each customer
    then did (`bought`: a purchase day in the horizon; `actual_revenue`), best first by the criterion; empty
    with too few customers to fit."""
    sample = _fit_sample(summary, MAX_CHOICE_CUSTOMERS)
    if sample is None:
        return []
    # Gamma-Gamma is the by-frequency fit's pooled band: every spend fit is made once.
    by_frequency = candidates.fit_spend("gamma_gamma_by_frequency", _spend_data(sample))
    pooled = {(0, math.inf): by_frequency[(0, math.inf)]}
    spend_fits = {"gamma_gamma": pooled, "gamma_gamma_by_frequency": by_frequency}
    fits = {}
    for purchase_model in candidates.PURCHASE_CANDIDATES:
        parameters = candidates.fit_purchases(purchase_model, sample)
        for spend_model in candidates.SPEND_CANDIDATES:
            fits[(purchase_model, spend_model)] = _fit(
                sample, purchase_model, parameters, spend_model, spend_fits[spend_model]
            )
    backtests = {}
    for pair, fit in fits.items():
        scores = score_outlook(summary, fit, horizon_days)
        backtests[pair] = candidates.figures(
            scores["p_buys"].to_numpy(), scores["expected_revenue"].to_numpy(), bought, actual_revenue
        )
    return [
        Candidate(fits[pair], backtests[pair], rank)
        for rank, pair in enumerate(candidates.ranking(backtests), start=1)
    ]


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
    with np.errstate(all="ignore"):  # what cannot be scored is nulled below
        p_alive, p_buys, orders = candidates.purchase_scores(
            fit.purchase_model, fit.parameters[PURCHASES], summary, horizon_days
        )
    spend = candidates.spend_from_json(fit.parameters[SPEND], fit.parameters.get(SPEND_BANDS))
    scores["p_alive"], scores["p_buys"], scores["expected_orders"] = p_alive, p_buys, orders
    scores["expected_revenue"] = orders * candidates.spend_per_purchase(spend, summary)
    scores[list(SCORE_COLUMNS)] = scores[list(SCORE_COLUMNS)].clip(lower=0)
    # A customer the closed forms cannot score (a hypergeometric term overflows, at extreme parameters and
    # hundreds of repeat purchase days) gets null scores, so int_outlook_predictions gives them the own-rate
    # rule; an infinite score would not fit the marts' decimals. In the choice, a candidate with such a
    # customer has null figures and ranks last.
    unscorable = ~np.isfinite(scores[list(SCORE_COLUMNS)].to_numpy(dtype="float64")).all(axis=1)
    scores.loc[unscorable, list(SCORE_COLUMNS)] = np.nan
    return scores


def _fit_sample(summary: pd.DataFrame, limit: int) -> pd.DataFrame | None:
    """The customers a fit is made on (a sample of `limit` beyond it), or None when too few to fit."""
    if len(summary) > limit:
        summary = summary.sample(n=limit, random_state=0)
    if len(summary) < MIN_CUSTOMERS or len(_repeat_buyers(summary)) < MIN_REPEAT_CUSTOMERS:
        return None
    return _purchase_data(summary).assign(monetary_value=summary["monetary_value"].astype("float64"))


def _fit(sample: pd.DataFrame, purchase_model: str, purchases: dict, spend_model: str, spend: dict) -> Fit:
    pooled, bands = candidates.spend_to_json(spend)
    parameters = {PURCHASES: purchases, SPEND: pooled, **({SPEND_BANDS: bands} if bands else {})}
    return Fit(parameters, len(sample), len(_repeat_buyers(sample)), purchase_model, spend_model)


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
    model), only the columns the models read (and, at the backtest cutoff, what happened after it), in
    customer order: the fit's floating-point sums then do not depend on the order the engine wrote the rows
    in (Spark's and DuckDB's builds fit the same)."""
    columns = "fit_kind, cutoff_date, horizon_days, customer_id, frequency, recency, tenure_days,"
    columns += " monetary_value, actual_purchase_days, actual_revenue"
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


def fit_from_json(
    parameters: str | None,
    customers: int,
    repeat_customers: int,
    purchase_model: str = candidates.CLASSIC[0],
    spend_model: str = candidates.CLASSIC[1],
) -> Fit | None:
    """A fit as int_outlook_fits keeps it (its parameters as JSON; null when none could be fitted)."""
    if not parameters:
        return None
    return Fit(json.loads(parameters), customers, repeat_customers, purchase_model, spend_model)


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

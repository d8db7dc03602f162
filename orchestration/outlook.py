"""Each customer's outlook: a BG/NBD model of when customers buy and a Gamma-Gamma model of how much, both
from pymc-marketing and fitted by MAP on the per-customer summary SQL builds (`int_outlook_summary`), never
on sales lines.

BG/NBD (Fader, Hardie and Lee, 2005) needs, per customer who bought: `frequency`, the repeat purchase days;
`recency`, the days from the first to the last purchase day; `T`, the days from the first purchase day to the
cutoff. Gamma-Gamma needs the average revenue of the repeat purchase days of customers with a positive one.
From them, for a horizon of `horizon_days`:

- `p_alive`: the probability the customer is still buying (has not dropped out);
- `p_buys`: the probability of at least one purchase day in the horizon;
- `expected_orders`: the expected purchase days in the horizon;
- `expected_revenue`: `expected_orders` times the customer's expected spend per purchase day (Gamma-Gamma;
  the population's for customers without a positive repeat average).

Importing pymc takes seconds, so it is imported only when a model is fitted.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

SCORE_COLUMNS = ("p_alive", "p_buys", "expected_orders", "expected_revenue")
# Fewer customers who bought than this, or fewer who bought again: no model is fitted, the scores are null.
MIN_CUSTOMERS = 20
MIN_REPEAT_CUSTOMERS = 5


@dataclass(frozen=True)
class Fit:
    """The fitted parameters (BG/NBD r, alpha, a, b; Gamma-Gamma p, q, v) and what they were fitted on."""

    parameters: dict[str, float]
    customers: int
    repeat_customers: int


def score_outlook(summary: pd.DataFrame, horizon_days: int) -> tuple[pd.DataFrame, Fit | None]:
    """Fit both models on `summary` (columns customer_id, frequency, recency, T, monetary_value; one row per
    customer who bought) and score every row for the next `horizon_days` days.

    Returns the scores (customer_id and SCORE_COLUMNS) and the fit; with too few customers to fit, null scores
    and no fit.
    """
    scores = pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()})
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if len(summary) < MIN_CUSTOMERS or len(repeat) < MIN_REPEAT_CUSTOMERS:
        for column in SCORE_COLUMNS:
            scores[column] = np.nan
        return scores, None
    with _quiet():
        from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

        data = summary[["customer_id", "frequency", "recency", "T"]].astype(
            {"frequency": "float64", "recency": "float64", "T": "float64"}
        )
        purchases = BetaGeoModel(data=data)
        purchases.fit(method="map", progressbar=False)
        spend_data = repeat[["customer_id", "frequency", "monetary_value"]].astype(
            {"frequency": "float64", "monetary_value": "float64"}
        )
        spend = GammaGammaModel(data=spend_data)
        spend.fit(method="map", progressbar=False)

        scores["p_alive"] = _values(purchases.expected_probability_alive(data=data))
        no_purchase = purchases.expected_probability_no_purchase(t=horizon_days, data=data)
        scores["p_buys"] = 1.0 - _values(no_purchase)
        scores["expected_orders"] = _values(purchases.expected_purchases(data=data, future_t=horizon_days))
        spend_for_all = data[["customer_id", "frequency"]].assign(
            monetary_value=summary["monetary_value"].fillna(0).clip(lower=0).to_numpy()
        )
        scores["expected_revenue"] = scores["expected_orders"] * _values(
            spend.expected_customer_spend(data=spend_for_all)
        )
    parameters = {
        **{name: float(value) for name, value in _map_values(purchases).items()},
        **{name: float(value) for name, value in _map_values(spend).items()},
    }
    scores[list(SCORE_COLUMNS)] = scores[list(SCORE_COLUMNS)].clip(lower=0)
    return scores, Fit(parameters, customers=len(summary), repeat_customers=len(repeat))


def _values(array) -> np.ndarray:
    """The MAP point of a (chain, draw, customer_id) array, in the order of the data's rows."""
    return np.asarray(array.mean(dim=("chain", "draw")).to_numpy(), dtype="float64")


def _map_values(model) -> dict[str, float]:
    posterior = model.idata.posterior
    return {name: posterior[name].mean().item() for name in posterior.data_vars if posterior[name].ndim == 2}


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

"""The outlook's candidate models and how one is chosen by its own backtest (issue 33, first part: measured
by `make bench-outlook` on CDNOW; the pipeline still fits the classic pair, models.py).

Purchases (when and how often a customer buys), each from pymc-marketing, fitted by MAP:

- `bg_nbd`: BG/NBD (Fader, Hardie and Lee 2005): a customer may drop out after each repeat purchase;
- `mbg_nbd`: MBG/NBD (Batislam, Denizel and Filiztekin 2007): also right after the first purchase, so a
  one-time buyer can be gone;
- `pareto_nbd`: Pareto/NBD (Schmittlein, Morrison and Colombo 1987): drop-out at any time, not tied to
  purchases.

Spend (how much a purchase day brings):

- `gamma_gamma`: Gamma-Gamma (Fader, Hardie and Lee 2005), one population, spend independent of frequency;
- `gamma_gamma_by_frequency`: a Gamma-Gamma per band of repeat purchase days (FREQUENCY_BANDS), so a frequent
  buyer's spend is shrunk towards frequent buyers' spend, not everyone's (spend that depends on frequency);
  a band with fewer than MIN_BAND_CUSTOMERS repeat buyers takes the pooled fit.

The choice (CRITERION): the smallest absolute error of the predicted revenue, in whole percent (a forecast's
total is what a plan is built on); then the higher AUC of "buys again"; then the higher top-decile capture.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.outlook import closed_forms
from orchestration.outlook.models import _quiet, map_parameters

PURCHASE_CANDIDATES = ("bg_nbd", "mbg_nbd", "pareto_nbd")
SPEND_CANDIDATES = ("gamma_gamma", "gamma_gamma_by_frequency")
CLASSIC = ("bg_nbd", "gamma_gamma")
# Repeat purchase days of each spend band: 1, 2 to 3, 4 and more.
FREQUENCY_BANDS = ((1, 1), (2, 3), (4, math.inf))
MIN_BAND_CUSTOMERS = 50
CRITERION = "smallest |revenue error| (whole %), then highest AUC, then highest top-decile capture"


@dataclass(frozen=True)
class Figures:
    """A candidate's backtest: predicted against actual over the horizon."""

    predicted_revenue: float
    actual_revenue: float
    predicted_buyers: float
    actual_buyers: int
    auc: float
    top_decile_capture: float

    @property
    def revenue_error(self) -> float:
        return (
            (self.predicted_revenue - self.actual_revenue) / self.actual_revenue if self.actual_revenue else 0
        )

    def rank_key(self) -> tuple:
        return (round(abs(self.revenue_error) * 100), -self.auc, -self.top_decile_capture)


def fit_purchases(name: str, data: pd.DataFrame):
    """The purchase model `name` fitted by MAP on `data` (customer_id, frequency, recency, T)."""
    from pymc_marketing.clv import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel

    model_class = {"bg_nbd": BetaGeoModel, "mbg_nbd": ModifiedBetaGeoModel, "pareto_nbd": ParetoNBDModel}[
        name
    ]
    with _quiet():
        model = model_class(data=data[["customer_id", "frequency", "recency", "T"]])
        model.fit(method="map", progressbar=False)
    return model


def purchase_scores(name: str, model, data: pd.DataFrame, horizon_days: int) -> tuple[np.ndarray, np.ndarray]:
    """(p_buys, expected purchase days) over the next `horizon_days`, from the library's own methods.

    MBG/NBD has no probability of no purchase in the library. A customer alive at T (the library's
    p_alive) with purchase rate lambda buys nothing in t days with probability exp(-lambda t), and drops out
    only right after a purchase, so P(none) = 1 - p_alive + p_alive * ((alpha + T) / (alpha + T + t))^(r + x),
    the rate's posterior given alive being Gamma(r + x, alpha + T). The same identity holds for BG/NBD's
    customers with a repeat purchase (tests/test_outlook_candidates.py).
    """
    frame = data[["customer_id", "frequency", "recency", "T"]]
    with _quiet():
        orders = _mean(model.expected_purchases(data=frame, future_t=horizon_days))
        if name == "pareto_nbd":
            none = _mean(
                model.expected_purchase_probability(data=frame, n_purchases=0, future_t=horizon_days)
            )
        elif name == "mbg_nbd":
            x, t_x, tenure = (frame[column].to_numpy() for column in ("frequency", "recency", "T"))
            none = closed_forms.mbg_p_no_purchase(map_parameters(model), horizon_days, x, t_x, tenure)
        else:
            none = _mean(model.expected_probability_no_purchase(t=horizon_days, data=frame))
    return 1 - none, orders


def fit_spend(name: str, data: pd.DataFrame) -> dict[tuple, object]:
    """The spend model `name` on the repeat buyers of `data` (frequency, monetary_value): band → fit."""
    from pymc_marketing.clv import GammaGammaModel

    repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    frame = repeat[["customer_id", "frequency", "monetary_value"]]
    with _quiet():
        pooled = GammaGammaModel(data=frame)
        pooled.fit(method="map", progressbar=False)
        fits: dict[tuple, object] = {(0, math.inf): pooled}
        if name == "gamma_gamma_by_frequency":
            for low, high in FREQUENCY_BANDS:
                band = frame[frame["frequency"].between(low, high)]
                if len(band) >= MIN_BAND_CUSTOMERS:
                    model = GammaGammaModel(data=band)
                    model.fit(method="map", progressbar=False)
                    fits[(low, high)] = model
    return fits


def spend_per_purchase(fits: dict[tuple, object], data: pd.DataFrame) -> np.ndarray:
    """Each customer's expected spend per purchase day: by the fit of their band, else the pooled one."""
    frame = data[["customer_id", "frequency", "monetary_value"]].assign(
        monetary_value=data["monetary_value"].fillna(0).clip(lower=0)
    )
    with _quiet():
        spend = _mean(fits[(0, math.inf)].expected_customer_spend(data=frame))
        for (low, high), model in fits.items():
            if (low, high) == (0, math.inf):
                continue
            inside = frame["frequency"].between(low, high).to_numpy()
            if inside.any():
                spend[inside] = _mean(model.expected_customer_spend(data=frame[inside]))
    return spend


def figures(p_buys: np.ndarray, revenue: np.ndarray, bought: np.ndarray, actual: np.ndarray) -> Figures:
    """A backtest's figures: totals, the AUC of p_buys for "bought" (Mann-Whitney, ties averaged) and the
    share of the actual revenue brought by the tenth with the highest predicted revenue."""
    bought = np.asarray(bought, dtype=bool)
    ranks = pd.Series(p_buys).rank(method="average").to_numpy()
    positives, negatives = bought.sum(), (~bought).sum()
    auc = (ranks[bought].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    top = np.argsort(-revenue, kind="stable")[: math.ceil(len(revenue) / 10)]
    total = float(actual.sum())
    return Figures(
        predicted_revenue=float(revenue.sum()),
        actual_revenue=total,
        predicted_buyers=float(p_buys.sum()),
        actual_buyers=int(positives),
        auc=float(auc),
        top_decile_capture=float(actual[top].sum() / total) if total else 0.0,
    )


def choose(backtests: dict[tuple[str, str], Figures]) -> tuple[str, str]:
    """The candidate (purchase model, spend model) the CRITERION prefers; ties keep the classic pair's
    place first, then the candidates' order."""
    order = [CLASSIC, *(key for key in backtests if key != CLASSIC)]
    return min((key for key in order if key in backtests), key=lambda key: backtests[key].rank_key())


def candidates() -> Iterable[tuple[str, str]]:
    return ((purchase, spend) for purchase in PURCHASE_CANDIDATES for spend in SPEND_CANDIDATES)


def _mean(values) -> np.ndarray:
    return np.asarray(values.mean(dim=("chain", "draw")).to_numpy(), dtype="float64").copy()

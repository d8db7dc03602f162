"""The outlook's candidate models and how one is chosen by its own backtest: each refit of the backtest cutoff
fits every candidate and keeps the one the CRITERION prefers (models.choose_outlook, called by the dbt Python
model int_outlook_fits); `make bench-outlook` measures them on CDNOW. Each is scored by its closed form
(closed_forms.py, held equal to pymc-marketing's by a test).

Purchases (when and how often a customer buys):

- `bg_nbd`: BG/NBD (Fader, Hardie and Lee 2005): a customer may drop out after each repeat purchase;
  pymc-marketing's, fitted by MAP;
- `mbg_nbd`: MBG/NBD (Batislam, Denizel and Filiztekin 2007): also right after the first purchase, so a
  one-time buyer can be gone; pymc-marketing's, fitted by MAP;
- `pareto_nbd`: Pareto/NBD (Schmittlein, Morrison and Colombo 1987): drop-out at any time, not tied to
  purchases; fitted by maximum likelihood of its closed form (fit_pareto_nbd: the library's priors are set
  for weeks, the pipeline counts days).

Spend (how much a purchase day brings):

- `gamma_gamma`: Gamma-Gamma (Fader, Hardie and Lee 2005), one population, spend independent of frequency;
- `gamma_gamma_by_frequency`: a Gamma-Gamma per band of repeat purchase days (FREQUENCY_BANDS), so a frequent
  buyer's spend is shrunk towards frequent buyers' spend, not everyone's (spend that depends on frequency);
  a band with fewer than MIN_BAND_CUSTOMERS repeat buyers takes the pooled fit.

The choice (CRITERION): the smallest absolute error of the predicted revenue, in whole percent (a forecast's
total is what a plan is built on); then the higher AUC of "buys again"; then the higher top-decile capture.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.outlook import closed_forms

PURCHASE_CANDIDATES = ("bg_nbd", "mbg_nbd", "pareto_nbd")
SPEND_CANDIDATES = ("gamma_gamma", "gamma_gamma_by_frequency")
CLASSIC = ("bg_nbd", "gamma_gamma")
# Repeat purchase days of each spend band: 1, 2 to 3, 4 and more.
FREQUENCY_BANDS = ((1, 1), (2, 3), (4, math.inf))
MIN_BAND_CUSTOMERS = 50
CRITERION = "smallest |revenue error| (whole %), then highest AUC, then highest top-decile capture"


def method_name(purchase_model: str, spend_model: str) -> str:
    """The pair's name in int_outlook_predictions.method (the classic pair: bg_nbd_gamma_gamma)."""
    return f"{purchase_model}_{spend_model}"


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
        """(predicted - actual) / |actual|; infinite when nothing was bought but something predicted."""
        if self.actual_revenue:
            return (self.predicted_revenue - self.actual_revenue) / abs(self.actual_revenue)
        return math.inf if self.predicted_revenue else 0.0

    def rank_key(self) -> tuple:
        """The CRITERION as a sort key (smaller is better). An AUC or capture that cannot be measured (no
        buyer, or everyone bought; no revenue) ranks below every measured one."""

        def measured(value: float) -> float:
            return -value if math.isfinite(value) else math.inf

        error = abs(self.revenue_error)
        return (
            round(error * 100) if math.isfinite(error) else math.inf,
            measured(self.auc),
            measured(self.top_decile_capture),
        )


def fit_purchases(name: str, data: pd.DataFrame) -> dict[str, float]:
    """The purchase model `name` fitted on `data` (customer_id, frequency, recency, T): its parameters, as
    int_outlook_fits keeps a fit's."""
    if name == "pareto_nbd":
        return fit_pareto_nbd(data)
    from pymc_marketing.clv import BetaGeoModel, ModifiedBetaGeoModel

    model_class = {"bg_nbd": BetaGeoModel, "mbg_nbd": ModifiedBetaGeoModel}[name]
    # The library's default priors, fitted by MAP.
    with _quiet():
        model = model_class(data=data[["customer_id", "frequency", "recency", "T"]])
        model.fit(method="map", progressbar=False)
    return map_parameters(model)


# Pareto/NBD's maximum likelihood is searched for on log-parameters within these bounds, with times in units
# of the mean tenure: r and s (shapes) and alpha and beta (scales, in mean tenures) between e^-12 and e^12.
# Unbounded, a search can run where the hypergeometric terms overflow; within them it cannot.
PARETO_LOG_BOUNDS = (-12.0, 12.0)


def fit_pareto_nbd(data: pd.DataFrame) -> dict[str, float]:
    """Pareto/NBD's parameters (r, alpha, s, beta; alpha and beta in days) that maximise the summed
    log-likelihood of `data` (closed_forms.pareto_log_likelihood, held equal to pymc-marketing's), as
    Schmittlein, Morrison and Colombo, and Fader and Hardie, fit it. pymc-marketing fits Pareto/NBD by MAP
    with priors set for weeks (beta ~ Weibull(2, 10)); in days they hold beta far below the data's (measured
    on a generated process: 62 days where the truth was 300), and flat priors let its MAP run until pytensor
    crashed the process. Maximum likelihood needs no prior, is bounded, and takes a fraction of a second."""
    from scipy.optimize import minimize

    x, t_x, tenure = (data[column].astype("float64").to_numpy() for column in ("frequency", "recency", "T"))
    unit = float(tenure.mean()) or 1.0
    names = ("r", "alpha", "s", "beta")

    def negative_log_likelihood(log_parameters: np.ndarray) -> float:
        parameters = dict(zip(names, np.exp(log_parameters), strict=True))
        value = -closed_forms.pareto_log_likelihood(parameters, x, t_x / unit, tenure / unit).sum()
        return float(value) if np.isfinite(value) else math.inf

    # From r = s = 1, alpha at the mean purchase rate and beta at one mean tenure. Not all at 1: there alpha
    # equals beta, where the likelihood's two branches meet, and the search stopped at once (seen on a
    # generated Pareto/NBD process). The mean, not the sum, keeps the tolerances apart from the customers'
    # number.
    start = np.array([0.0, -math.log(float(x.mean()) + 1), 0.0, 0.0])
    # An overflowing term is an infinite objective, which the search steps back from (quietly: not a
    # warning to the build's log).
    with _quiet(), np.errstate(all="ignore"):
        result = minimize(
            lambda log_parameters: negative_log_likelihood(log_parameters) / len(x),
            start,
            method="L-BFGS-B",
            bounds=[PARETO_LOG_BOUNDS] * 4,
            options={"ftol": 1e-13, "gtol": 1e-9},
        )
    fitted = dict(zip(names, np.exp(result.x).tolist(), strict=True))
    fitted["alpha"] *= unit
    fitted["beta"] *= unit
    return fitted


# Each purchase model's (probability alive, probability of no purchase, expected purchases) in closed form,
# held equal to pymc-marketing's own scores by tests/test_outlook_closed_forms.py (MBG/NBD's no-purchase
# probability, which the library lacks, by its identity).
SCORES = {
    "bg_nbd": (closed_forms.p_alive, closed_forms.p_no_purchase, closed_forms.expected_purchases),
    "mbg_nbd": (
        closed_forms.mbg_p_alive,
        closed_forms.mbg_p_no_purchase,
        closed_forms.mbg_expected_purchases,
    ),
    "pareto_nbd": (
        closed_forms.pareto_p_alive,
        closed_forms.pareto_p_no_purchase,
        closed_forms.pareto_expected_purchases,
    ),
}


def purchase_scores(
    name: str, parameters: dict[str, float], data: pd.DataFrame, horizon_days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p_alive, p_buys, expected purchase days) of each customer of `data` over the next `horizon_days`."""
    x, t_x, tenure = (data[column].astype("float64").to_numpy() for column in ("frequency", "recency", "T"))
    alive, no_purchase, expected = SCORES[name]
    return (
        alive(parameters, x, t_x, tenure),
        1 - no_purchase(parameters, horizon_days, x, t_x, tenure),
        expected(parameters, horizon_days, x, t_x, tenure),
    )


def fit_spend(name: str, data: pd.DataFrame) -> dict[tuple, dict[str, float]]:
    """The spend model `name` on the repeat buyers of `data` (frequency, monetary_value): band of repeat
    purchase days → Gamma-Gamma parameters; (0, inf) is the pooled fit."""
    from pymc_marketing.clv import GammaGammaModel

    repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    frame = repeat[["customer_id", "frequency", "monetary_value"]]
    bands = [(0, math.inf)]
    if name == "gamma_gamma_by_frequency":
        bands += [
            (low, high)
            for low, high in FREQUENCY_BANDS
            if frame["frequency"].between(low, high).sum() >= MIN_BAND_CUSTOMERS
        ]
    fits = {}
    with _quiet():
        for low, high in bands:
            model = GammaGammaModel(data=frame[frame["frequency"].between(low, high)])
            model.fit(method="map", progressbar=False)
            fits[(low, high)] = map_parameters(model)
    return fits


def spend_per_purchase(fits: dict[tuple, dict[str, float]], data: pd.DataFrame) -> np.ndarray:
    """Each customer's expected spend per purchase day (closed_forms.expected_spend): by the fit of their
    band, else the pooled one."""
    x = data["frequency"].astype("float64").to_numpy()
    mean_value = data["monetary_value"].fillna(0).clip(lower=0).astype("float64").to_numpy()
    spend = closed_forms.expected_spend(fits[(0, math.inf)], x, mean_value)
    for (low, high), parameters in fits.items():
        inside = (x >= low) & (x <= high) & ((low, high) != (0, math.inf))
        spend[inside] = closed_forms.expected_spend(parameters, x[inside], mean_value[inside])
    return spend


def spend_to_json(fits: dict[tuple, dict[str, float]]) -> tuple[dict[str, float], list]:
    """(the pooled fit, [[low, high or None, parameters] per band]) as int_outlook_fits keeps them."""
    bands = [
        [low, None if math.isinf(high) else high, parameters]
        for (low, high), parameters in fits.items()
        if (low, high) != (0, math.inf)
    ]
    return fits[(0, math.inf)], bands


def spend_from_json(pooled: dict[str, float], bands: list | None) -> dict[tuple, dict[str, float]]:
    fits = {(0, math.inf): pooled}
    for low, high, parameters in bands or []:
        fits[(low, math.inf if high is None else high)] = parameters
    return fits


def figures(p_buys: np.ndarray, revenue: np.ndarray, bought: np.ndarray, actual: np.ndarray) -> Figures:
    """A backtest's figures: totals, the AUC of p_buys for "bought" (Mann-Whitney, ties averaged) and the
    share of the actual revenue brought by the tenth with the highest predicted revenue."""
    bought = np.asarray(bought, dtype=bool)
    actual = np.asarray(actual, dtype="float64")
    ranks = pd.Series(p_buys).rank(method="average").to_numpy()
    positives, negatives = int(bought.sum()), int((~bought).sum())
    pairs = positives * negatives
    auc = (ranks[bought].sum() - positives * (positives + 1) / 2) / pairs if pairs else math.nan
    top = np.argsort(-revenue, kind="stable")[: math.ceil(len(revenue) / 10)]
    total = float(actual.sum())
    return Figures(
        predicted_revenue=float(revenue.sum()),
        actual_revenue=total,
        predicted_buyers=float(p_buys.sum()),
        actual_buyers=int(positives),
        auc=float(auc),
        top_decile_capture=float(actual[top].sum() / total) if total else math.nan,
    )


def ranking(backtests: dict[tuple[str, str], Figures]) -> list[tuple[str, str]]:
    """The candidates (purchase model, spend model), best first by the CRITERION; ties keep the classic
    pair first, then the candidates' order."""
    order = [CLASSIC, *(key for key in backtests if key != CLASSIC)]
    return sorted((key for key in order if key in backtests), key=lambda key: backtests[key].rank_key())


def choose(backtests: dict[tuple[str, str], Figures]) -> tuple[str, str]:
    """The candidate the CRITERION prefers."""
    return ranking(backtests)[0]


def candidates() -> Iterable[tuple[str, str]]:
    return ((purchase, spend) for purchase in PURCHASE_CANDIDATES for spend in SPEND_CANDIDATES)


METHODS = tuple(method_name(*pair) for pair in candidates())


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

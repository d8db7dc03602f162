"""The outlook's scores in closed form: what pymc-marketing's BG/NBD and Gamma-Gamma give for stored
parameters, computed with NumPy and SciPy's special functions alone.

Scoring runs on every build, fitting only on the refit schedule; importing pymc, pytensor and arviz to score
costs seconds a run for a few vectorised formulas. These are the library's own formulas (Fader, Hardie and Lee
2005; Fader and Hardie's notes on the BG/NBD's derivation and on the Gamma-Gamma), written as the library
writes them, and a test holds them equal to the library's results to 1e-9 over many generated customers, so
the library stays the one source of the model.

Inputs per customer: x (repeat purchases), t_x (recency: first to last purchase), T (first purchase to the
cutoff), all in days; the parameters as int_outlook_fits stores them (`r`, `alpha`, `a`, `b`; `p`, `q`, `v`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, logsumexp


def p_alive(parameters: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """BG/NBD: the probability the customer has not dropped out by T (1 for a customer with no repeat)."""
    r, alpha, a, b = (parameters[name] for name in ("r", "alpha", "a", "b"))
    log_div = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x == 0, 1.0, expit(-log_div))


def p_no_purchase(
    parameters: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """BG/NBD: the probability of no purchase in (T, T + t] (Fader and Hardie 2019, equation 34)."""
    r, alpha, a, b = (parameters[name] for name in ("r", "alpha", "a", "b"))
    beta_rep = betaln(a, b + x)
    k_e = betaln(a + 1, b + x - 1) - (r + x) * np.log(alpha + t_x)
    k_f = beta_rep - (r + x) * np.log(alpha + T + t)
    k_m = beta_rep - (r + x) * np.log(alpha + T)
    k1 = np.maximum(k_e, k_f)
    k2 = np.maximum(k_e, k_m)
    numerator = np.exp(k_e - k1) + np.exp(k_f - k1)
    denominator = np.exp(k_e - k2) + np.exp(k_m - k2)
    return np.exp(k1 - k2) * numerator / denominator


def expected_purchases(
    parameters: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """BG/NBD: the expected purchases in (T, T + t] (Fader, Hardie and Lee 2005, equation 10)."""
    r, alpha, a, b = (parameters[name] for name in ("r", "alpha", "a", "b"))
    numerator = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, t / (alpha + T + t)
    )
    numerator *= (a + b + x - 1) / (a - 1)
    denominator = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return numerator / denominator


def expected_spend(parameters: dict[str, float], x: np.ndarray, mean_value: np.ndarray) -> np.ndarray:
    """Gamma-Gamma: a purchase's expected value, the customer's mean weighted against the population's."""
    p, q, v = (parameters[name] for name in ("p", "q", "v"))
    individual_weight = p * x / (p * x + q - 1)
    population_mean = v * p / (q - 1)
    return (1 - individual_weight) * population_mean + individual_weight * mean_value


def mbg_p_alive(parameters: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """MBG/NBD (Batislam, Denizel and Filiztekin 2007): the probability the customer has not dropped out by
    T; unlike BG/NBD's, below 1 for a one-time buyer too (a drop-out may follow the first purchase)."""
    r, alpha, a, b = (parameters[name] for name in ("r", "alpha", "a", "b"))
    return 1.0 / (1 + (a / (b + x)) * ((alpha + T) / (alpha + t_x)) ** (r + x))


def mbg_expected_purchases(
    parameters: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """MBG/NBD: the expected purchases in (T, T + t]."""
    r, alpha, a, b = (parameters[name] for name in ("r", "alpha", "a", "b"))
    stays = ((alpha + T) / (alpha + T + t)) ** (r + x)
    numerator = (a + b + x) / (a - 1) * (1 - hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t)) * stays)
    return numerator * mbg_p_alive(parameters, x, t_x, T)


def mbg_p_no_purchase(
    parameters: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """MBG/NBD: the probability of no purchase in (T, T + t]: gone, or alive and quiet. Alive at T, the rate's
    posterior is Gamma(r + x, alpha + T), and with no purchase no drop-out can follow, so
    P = 1 - p_alive + p_alive * ((alpha + T) / (alpha + T + t))^(r + x). The library has no such method; the
    same identity gives BG/NBD's for its customers with a repeat purchase (tests/unit/
    test_outlook_candidates.py)."""
    r, alpha = parameters["r"], parameters["alpha"]
    alive = mbg_p_alive(parameters, x, t_x, T)
    return 1 - alive + alive * ((alpha + T) / (alpha + T + t)) ** (r + x)


def pareto_log_likelihood(
    parameters: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Pareto/NBD (Schmittlein, Morrison and Colombo 1987): each customer's log-likelihood, in the form
    pymc-marketing writes it (the larger of alpha and beta factored out of the hypergeometric terms, the two
    terms added in log space)."""
    r, alpha, s, beta = (parameters[name] for name in ("r", "alpha", "s", "beta"))
    rsx, rx = r + s + x, r + x
    alpha_larger = alpha >= beta
    larger, smaller = (alpha, beta) if alpha_larger else (beta, alpha)
    difference = larger - smaller
    first_b, second_b = (s + 1, s) if alpha_larger else (rx, rx + 1)
    refactored = rsx * np.log(larger + t_x)
    term1 = np.log(hyp2f1(rsx, first_b, rsx + 1, difference / (larger + t_x)))
    term2 = (
        np.log(hyp2f1(rsx, second_b, rsx + 1, difference / (larger + T)))
        - rsx * np.log(larger + T)
        + refactored
    )
    a1 = gammaln(rx) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) - refactored
    return a1 + np.logaddexp(np.log(s) - np.log(rsx) + term1, np.log(rx) - np.log(rsx) + term2)


def pareto_p_alive(parameters: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Pareto/NBD: the probability the customer has not dropped out by T."""
    r, alpha, s, beta = (parameters[name] for name in ("r", "alpha", "s", "beta"))
    return np.exp(
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha / (alpha + T))
        - x * np.log(alpha + T)
        + s * np.log(beta / (beta + T))
        - pareto_log_likelihood(parameters, x, t_x, T)
    )


def pareto_expected_purchases(
    parameters: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Pareto/NBD: the expected purchases in (T, T + t]."""
    r, alpha, s, beta = (parameters[name] for name in ("r", "alpha", "s", "beta"))
    alive_part = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + s * np.log(beta)
        - (r + x) * np.log(alpha + T)
        - s * np.log(beta + T)
    )
    rate = np.log(r + x) + np.log(beta + T) - np.log(alpha + T)
    # (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) / (s - 1), the library's, written so that it holds at
    # s = 1 too (its limit, log((beta + T + t) / (beta + T))), where a maximum-likelihood fit can land.
    horizon_log = np.log1p(t / (beta + T))
    lifetime = np.log(horizon_log if s == 1 else -np.expm1(-(s - 1) * horizon_log) / (s - 1))
    return np.exp(alive_part + rate + lifetime - pareto_log_likelihood(parameters, x, t_x, T))


def pareto_p_no_purchase(
    parameters: dict[str, float], t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Pareto/NBD: the probability of no purchase in (T, T + t] (Fader, Hardie and Lee's expression for
    P(X(T, T + t) = n) at n = 0, as pymc-marketing writes it)."""
    r, alpha, s, beta = (parameters[name] for name in ("r", "alpha", "s", "beta"))
    log_likelihood = pareto_log_likelihood(parameters, x, t_x, T)
    alpha_smaller = alpha < beta
    larger, smaller = (beta, alpha) if alpha_smaller else (alpha, beta)
    second = r + x if alpha_smaller else s + 1
    scale = r * np.log(alpha) + s * np.log(beta)

    def hypergeometric_part(horizon: float) -> np.ndarray:
        return (
            scale
            + gammaln(r + s + x)
            + betaln(r + x, s + 1)
            + np.log(hyp2f1(r + s + x, second, r + s + x + 1, (larger - smaller) / (larger + T + horizon)))
            - (gammaln(r) + gammaln(s) + (r + s + x) * np.log(larger + T + horizon))
        )

    alive = gammaln(r + x) + scale - (gammaln(r) + (r + x) * np.log(alpha + T) + s * np.log(beta + T))
    quiet = gammaln(r + x) + scale - (gammaln(r) + (r + x) * np.log(alpha + T + t) + s * np.log(beta + T + t))
    terms = np.stack([quiet, hypergeometric_part(0.0), hypergeometric_part(t)]) - log_likelihood
    return 1 - np.exp(alive - log_likelihood) + np.exp(logsumexp(terms, axis=0, b=np.array([[1], [1], [-1]])))

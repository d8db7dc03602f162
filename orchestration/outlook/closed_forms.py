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
from scipy.special import betaln, expit, hyp2f1


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

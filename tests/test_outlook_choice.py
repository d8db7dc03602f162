"""The outlook's choice of model (orchestration/outlook/models.choose_outlook, as int_outlook_fits calls
it) on generated customers whose purchase process is known, one population per process.

Every customer makes a first purchase in the first 90 days, then buys at their own rate, drawn from
Gamma(shape 2, rate 40 days): 0.05 purchase days a day on average. How they drop out is the process:

- `bg_nbd`: after each repeat purchase, gone with their own probability p ~ Beta(2, 4) (mean 1/3);
- `mbg_nbd`: the same, and also right after the first purchase, so some one-time buyers are gone at once;
- `pareto_nbd`: gone at a time of their own, exponential with rate mu ~ Gamma(shape 1, rate 300 days) (a mean
  rate of 1/300 a day), whatever they buy.

The models are fitted at day 455 (the backtest cutoff) on 3,000 customers and scored on the 365 days after it.
Each process's own model recovers the purchase rate the customers were generated with (r / alpha within 10 %
of 0.05; measured on seed 1: BG/NBD 0.0478, MBG/NBD 0.0489, Pareto/NBD 0.0466) and its drop-out (BG/NBD and
MBG/NBD: a / (a + b) within 15 % of 1/3, measured 0.336 and 0.348; Pareto/NBD: s / beta within 15 % of 1/300,
measured 0.00366, +10 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.outlook.models import Candidate, choose_outlook

CUSTOMERS = 3_000
CUTOFF_DAY, HORIZON_DAYS = 455, 365
PURCHASE_RATE = 2 / 40  # Gamma(2, rate 40): mean purchase days per day
DROPOUT = {"bg_nbd": 2 / (2 + 4), "mbg_nbd": 2 / (2 + 4), "pareto_nbd": 1 / 300}


def generated_customers(process: str, seed: int = 1) -> pd.DataFrame:
    """Per customer: the model input at the cutoff (frequency, recency, T, monetary_value: repeat purchase
    days, days first to last, days first to cutoff, mean spend of the repeat days) and what they did in the
    horizon after it (bought, actual revenue). Spend per purchase day ~ Gamma(6, scale 10), independent."""
    draw = np.random.default_rng(seed)
    end = CUTOFF_DAY + HORIZON_DAYS
    rows = []
    for number in range(CUSTOMERS):
        first = draw.uniform(0, 90)
        rate = draw.gamma(2.0, 1 / 40)
        p_dropout = draw.beta(2, 4)
        gone_at = first + draw.exponential(300 / draw.gamma(1.0)) if process == "pareto_nbd" else np.inf
        times, day = [first], first
        alive = not (process == "mbg_nbd" and draw.uniform() < p_dropout)
        while alive:
            day += draw.exponential(1 / rate)
            if day > min(end, gone_at):
                break
            times.append(day)
            alive = not (process != "pareto_nbd" and draw.uniform() < p_dropout)
        days = np.unique(np.floor(times))
        before, after = days[days <= CUTOFF_DAY], days[days > CUTOFF_DAY]
        spend = draw.gamma(6, 10, len(before))
        rows.append(
            {
                "customer_id": f"c{number:05d}",
                "frequency": float(len(before) - 1),
                "recency": float(before[-1] - before[0]),
                "T": float(CUTOFF_DAY - before[0]),
                "monetary_value": float(spend[1:].mean()) if len(before) > 1 else 0.0,
                "bought": len(after) > 0,
                "actual_revenue": float(draw.gamma(6, 10, len(after)).sum()),
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module", params=list(DROPOUT))
def choice(request) -> tuple[str, list[Candidate]]:
    customers = generated_customers(request.param)
    ranked = choose_outlook(
        customers, customers["bought"].to_numpy(), customers["actual_revenue"].to_numpy(), HORIZON_DAYS
    )
    return request.param, ranked


def test_the_choice_follows_the_process(choice):
    """The choice switches with the process. On BG/NBD's process, where customers drop out only after a
    purchase, BG/NBD is chosen (seed 1: revenue error +8.0 %; MBG/NBD -18.0 %, Pareto/NBD -25.2 %); on
    Pareto/NBD's, where customers never drop out because of a purchase but at a time of their own, Pareto/NBD
    (+6.9 %; MBG/NBD +11.8 %, BG/NBD +13.0 %). On MBG/NBD's process, where a one-time buyer can be gone at
    once, BG/NBD, which cannot lose a one-time buyer, is ranked last (+34.0 %), below MBG/NBD (+12.0 %) and
    Pareto/NBD, which loses customers at any time and is chosen (+10.7 %). All six pairs are ranked, each
    once."""
    process, ranked = choice
    by_purchases = [candidate.fit.purchase_model for candidate in ranked]
    if process == "mbg_nbd":
        assert by_purchases[-2:] == ["bg_nbd", "bg_nbd"], [(c.fit.method, c.figures) for c in ranked]
    else:
        assert by_purchases[0] == process, [(c.fit.method, c.figures) for c in ranked]
    assert [candidate.rank for candidate in ranked] == [1, 2, 3, 4, 5, 6]
    assert len({candidate.fit.method for candidate in ranked}) == 6


def test_each_process_model_recovers_its_rates(choice):
    process, ranked = choice
    [own] = [c for c in ranked if c.fit.method == f"{process}_gamma_gamma"]
    purchases = own.fit.parameters["purchases"]
    assert purchases["r"] / purchases["alpha"] == pytest.approx(PURCHASE_RATE, rel=0.10), purchases
    if process == "pareto_nbd":
        dropout = purchases["s"] / purchases["beta"]
    else:
        dropout = purchases["a"] / (purchases["a"] + purchases["b"])
    assert dropout == pytest.approx(DROPOUT[process], rel=0.15), purchases

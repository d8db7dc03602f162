"""Scoring with a stored fit is arithmetic: it imports no modelling library (pymc, pytensor, arviz)."""

import subprocess
import sys

import numpy as np
import pandas as pd

from orchestration.outlook.models import SCORE_COLUMNS, Fit, score_outlook

SCORE_WITH_A_STORED_FIT = """
import sys
import pandas as pd
from orchestration.outlook.models import Fit, score_outlook

fit = Fit({"purchases": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
           "spend": {"p": 6.25, "q": 3.74, "v": 15.44}}, customers=100, repeat_customers=40)
summary = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [0, 3], "recency": [0, 200], "T": [30, 365],
                        "monetary_value": [None, 25.0]})
scores = score_outlook(summary, fit, horizon_days=365)
print(scores.round(6).to_dict("records"))
print(sorted(name for name in ("pymc", "pytensor", "arviz", "pymc_marketing") if name in sys.modules))
"""


def test_scoring_with_a_stored_fit_imports_no_modelling_library():
    """Customer a: one purchase 30 days ago, p_alive 1 (no repeat yet); b: 3 repeats, the last 165 days ago.
    The scores are positive and the library's modules were never loaded."""
    run = subprocess.run([sys.executable, "-c", SCORE_WITH_A_STORED_FIT], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    records, loaded = run.stdout.strip().splitlines()
    assert loaded == "[]"
    assert "'p_alive': 1.0" in records
    assert records.count("'expected_revenue'") == 2


def test_a_customer_the_closed_forms_cannot_score_gets_null_scores():
    """At extreme Pareto/NBD parameters (r 50, alpha 10 days, s 0.01, beta 100,000 days) the likelihood's
    hypergeometric term overflows for a customer with 50 repeat purchase days in 100 (alpha < beta, so
    hyp2f1(r + s + x, r + x; r + s + x + 1; (beta - alpha) / (beta + t_x)) = hyp2f1(100.01, 100; 101.01;
    0.9994), beyond a double): all four scores are null, so int_outlook_predictions gives them the
    own-rate rule, not an infinite or NaN number the marts' decimals cannot hold. A one-time buyer beside
    them is scored as usual."""
    fit = Fit(
        {"purchases": {"r": 50.0, "alpha": 10.0, "s": 0.01, "beta": 1e5}, "spend": {"p": 6, "q": 4, "v": 15}},
        customers=100,
        repeat_customers=40,
        purchase_model="pareto_nbd",
    )
    summary = pd.DataFrame(
        {
            "customer_id": ["heavy", "once"],
            "frequency": [50.0, 0.0],
            "recency": [50.0, 0.0],
            "T": [100.0, 100.0],
            "monetary_value": [30.0, 0.0],
        }
    )
    scores = score_outlook(summary, fit, horizon_days=365).set_index("customer_id")
    assert scores.loc["heavy", list(SCORE_COLUMNS)].isna().all()
    assert np.isfinite(scores.loc["once", list(SCORE_COLUMNS)].to_numpy(dtype="float64")).all()

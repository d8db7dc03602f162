"""The outlook's closed forms equal pymc-marketing's scores: the library stays the one source of the model.

Scores are computed both ways for the same stored parameters (as int_outlook_fits keeps them) over generated
customers: every frequency from 0 to 40, recency from 0 to T (both edges), T from 1 day to 4 years, for
parameters fitted on CDNOW (r 0.243, alpha 4.41, a 0.793, b 2.43; p 6.25, q 3.74, v 15.44), for the demo's and
for a process near its edges (a just above 1, tiny b). Every score agrees to 1e-9, relative.
"""

import numpy as np
import pandas as pd
import pytest

from orchestration.outlook import closed_forms

PARAMETER_SETS = [
    ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, {"p": 6.25, "q": 3.74, "v": 15.44}),
    ({"r": 1.2, "alpha": 35.0, "a": 2.5, "b": 8.0}, {"p": 2.1, "q": 4.5, "v": 120.0}),
    ({"r": 0.05, "alpha": 0.8, "a": 1.02, "b": 0.05}, {"p": 0.6, "q": 1.3, "v": 3.0}),
]
HORIZON_DAYS = 365


def _customers(seed: int) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    count = 2_000
    tenure = generator.integers(1, 1_461, count).astype("float64")
    frequency = generator.integers(0, 41, count).astype("float64")
    recency = np.floor(generator.uniform(0, 1, count) * (tenure + 1)).clip(max=tenure)
    recency[frequency == 0] = 0.0  # no repeat purchase: no recency
    recency[:50] = tenure[:50] * (frequency[:50] > 0)  # the last purchase on the cutoff
    monetary = np.where(frequency > 0, generator.gamma(2.0, 30.0, count), 0.0)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(count)],
            "frequency": frequency,
            "recency": recency,
            "T": tenure,
            "monetary_value": monetary,
        }
    )


def _with_parameters(model, parameters: dict):
    """A pymc-marketing model holding `parameters` as its one-draw posterior, as a stored fit is."""
    import arviz

    model.build_model()
    model.idata = arviz.from_dict(posterior={name: np.array([[value]]) for name, value in parameters.items()})
    return model


def _values(array) -> np.ndarray:
    """A library score per customer (the one draw's)."""
    return np.asarray(array.mean(dim=("chain", "draw")).to_numpy(), dtype="float64")


def _library_scores(purchases: dict, spend: dict, data: pd.DataFrame) -> dict[str, np.ndarray]:
    """pymc-marketing's own scores for stored parameters, given as the model's one-draw posterior."""
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    bg = _with_parameters(BetaGeoModel(data=data[["customer_id", "frequency", "recency", "T"]]), purchases)
    spend_data = data[["customer_id", "frequency", "monetary_value"]]
    gg = _with_parameters(GammaGammaModel(data=spend_data[spend_data["frequency"] > 0]), spend)
    return {
        "p_alive": _values(bg.expected_probability_alive(data=data)),
        "p_no_purchase": _values(bg.expected_probability_no_purchase(t=HORIZON_DAYS, data=data)),
        "expected_purchases": _values(bg.expected_purchases(data=data, future_t=HORIZON_DAYS)),
        "expected_spend": _values(gg.expected_customer_spend(data=spend_data)),
    }


@pytest.mark.parametrize(("purchases", "spend"), PARAMETER_SETS)
def test_the_closed_forms_equal_the_librarys_scores(purchases, spend):
    data = _customers(seed=len(str(purchases)))
    library = _library_scores(purchases, spend, data)
    x, t_x, tenure = (data[column].to_numpy() for column in ("frequency", "recency", "T"))
    ours = {
        "p_alive": closed_forms.p_alive(purchases, x, t_x, tenure),
        "p_no_purchase": closed_forms.p_no_purchase(purchases, HORIZON_DAYS, x, t_x, tenure),
        "expected_purchases": closed_forms.expected_purchases(purchases, HORIZON_DAYS, x, t_x, tenure),
        "expected_spend": closed_forms.expected_spend(spend, x, data["monetary_value"].to_numpy()),
    }
    for score, expected in library.items():
        np.testing.assert_allclose(ours[score], expected, rtol=1e-9, atol=1e-12, err_msg=score)


@pytest.mark.parametrize("purchases", [purchases for purchases, _ in PARAMETER_SETS])
def test_the_mbg_nbd_closed_forms_equal_the_librarys_scores(purchases):
    """MBG/NBD, a candidate of the outlook (candidates.py), for the same parameter sets: p_alive and the
    expected purchases equal pymc-marketing's ModifiedBetaGeoModel to 1e-9 (it has no probability of no
    purchase: closed_forms.mbg_p_no_purchase is pinned by its identity in tests/unit)."""
    from pymc_marketing.clv import ModifiedBetaGeoModel

    data = _customers(seed=3)
    model = _with_parameters(
        ModifiedBetaGeoModel(data=data[["customer_id", "frequency", "recency", "T"]]), purchases
    )
    x, t_x, tenure = (data[column].to_numpy() for column in ("frequency", "recency", "T"))
    np.testing.assert_allclose(
        closed_forms.mbg_p_alive(purchases, x, t_x, tenure),
        _values(model.expected_probability_alive(data=data)),
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        closed_forms.mbg_expected_purchases(purchases, HORIZON_DAYS, x, t_x, tenure),
        _values(model.expected_purchases(data=data, future_t=HORIZON_DAYS)),
        rtol=1e-9,
    )


PARETO_PARAMETER_SETS = [
    {"r": 0.5917, "alpha": 77.23, "s": 0.4028, "beta": 37.22},  # fitted on CDNOW's 39 weeks: alpha > beta
    {"r": 1.2, "alpha": 20.0, "s": 0.8, "beta": 60.0},  # alpha < beta: the other hypergeometric branch
    {"r": 0.05, "alpha": 0.8, "s": 2.5, "beta": 900.0},  # a drop-out rate far below the purchase rate
]


@pytest.mark.parametrize("purchases", PARETO_PARAMETER_SETS)
def test_the_pareto_nbd_closed_forms_equal_the_librarys_scores(purchases):
    """Pareto/NBD, a candidate of the outlook (candidates.py): p_alive, the expected purchases and the
    probability of no purchase equal pymc-marketing's ParetoNBDModel to 1e-9, on both branches of its
    likelihood (alpha >= beta and alpha < beta)."""
    from pymc_marketing.clv import ParetoNBDModel

    data = _customers(seed=5)
    model = _with_parameters(
        ParetoNBDModel(data=data[["customer_id", "frequency", "recency", "T"]]), purchases
    )
    x, t_x, tenure = (data[column].to_numpy() for column in ("frequency", "recency", "T"))
    frame = data[["customer_id", "frequency", "recency", "T"]]
    library = {
        "p_alive": _values(model.expected_probability_alive(data=frame)),
        "expected_purchases": _values(model.expected_purchases(data=frame, future_t=HORIZON_DAYS)),
        "p_no_purchase": _values(
            model.expected_purchase_probability(data=frame, n_purchases=0, future_t=HORIZON_DAYS)
        ),
    }
    ours = {
        "p_alive": closed_forms.pareto_p_alive(purchases, x, t_x, tenure),
        "expected_purchases": closed_forms.pareto_expected_purchases(purchases, HORIZON_DAYS, x, t_x, tenure),
        "p_no_purchase": closed_forms.pareto_p_no_purchase(purchases, HORIZON_DAYS, x, t_x, tenure),
    }
    for score, expected in library.items():
        np.testing.assert_allclose(ours[score], expected, rtol=1e-9, atol=1e-12, err_msg=score)

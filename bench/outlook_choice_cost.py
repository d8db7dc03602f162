"""What choosing the outlook's model costs a refit at the size of a 10M-line build, beside the classic refit,
in the same run (issue 33, "Cost").

    uv sync --group bench && .venv/bin/python bench/outlook_choice_cost.py     # or: make bench-outlook

A 10M-line build has about 800,000 customers who bought at each cutoff. Here CDNOW's customers at its
calibration end (1997-09-30), with what they did in the 273 days after, are drawn with replacement to
800,000. Both refits fit the backtest cutoff and then the outlook cutoff, as int_outlook_fits does:

- classic (before the choice): BG/NBD + Gamma-Gamma on a sample of MAX_FIT_CUSTOMERS at each cutoff;
- with the choice: every candidate on a sample of MAX_CHOICE_CUSTOMERS, all 800,000 scored with each and
  ranked (models.choose_outlook), then the chosen pair on a sample of MAX_FIT_CUSTOMERS.

The first fit of a process compiles the models' graphs (pytensor caches them on disk): one fit of each is
made on 500 customers before the clock starts, as a build after the first would find them.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from outlook_candidates import outcome, summary  # noqa: E402
from outlook_cdnow import CALIBRATION_END, HORIZON_DAYS, cdnow_lines  # noqa: E402

from orchestration.outlook import candidates as cand  # noqa: E402
from orchestration.outlook import models  # noqa: E402

CUSTOMERS = 800_000


def main() -> None:
    warnings.filterwarnings("ignore")
    lines = cdnow_lines()
    known = summary(lines, CALIBRATION_END)
    bought, actual = outcome(lines, known, CALIBRATION_END, HORIZON_DAYS)
    draw = np.random.default_rng(0).integers(0, len(known), CUSTOMERS)
    data = known.iloc[draw].reset_index(drop=True)
    data["customer_id"] = [f"c{number:07d}" for number in range(CUSTOMERS)]
    bought, actual = bought[draw], actual[draw]
    for name in cand.PURCHASE_CANDIDATES:
        cand.fit_purchases(name, data.head(500))
    cand.fit_spend("gamma_gamma_by_frequency", data.head(500))

    started = time.perf_counter()
    for _ in ("backtest", "outlook"):
        models.score_outlook(data, models.fit_outlook(data), HORIZON_DAYS)
    classic = time.perf_counter() - started

    started = time.perf_counter()
    ranked = models.choose_outlook(data, bought, actual, HORIZON_DAYS)
    choice = time.perf_counter() - started
    chosen = ranked[0].fit
    refit = models.fit_outlook(data, chosen.purchase_model, chosen.spend_model)
    models.score_outlook(data, refit, HORIZON_DAYS)
    with_choice = time.perf_counter() - started

    print(f"{CUSTOMERS:,} customers per cutoff; chosen: {chosen.method}")
    print("| refit of both cutoffs | seconds |")
    print("| --- | ---: |")
    print(f"| classic: BG/NBD + Gamma-Gamma at each cutoff | {classic:.1f} |")
    print(f"| with the choice: the candidates ranked at the backtest cutoff | {choice:.1f} |")
    print(f"| with the choice: and the chosen pair at the outlook cutoff (total) | {with_choice:.1f} |")
    print(f"| added by the choice | {with_choice - classic:+.1f} |")


if __name__ == "__main__":
    main()

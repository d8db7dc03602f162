"""The settings of one pyramid build, read once and handed down to loading, dbt and reporting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orchestration.paths import DEFAULT_WAREHOUSE_DIR, DEMO_INPUT_DIR

TIER_NAMES = ("top", "big", "medium", "small")
DEFAULT_TIER_SHARES = (Decimal(1), Decimal(4), Decimal(15), Decimal(80))
TARGETS = ("duckdb", "spark")
HISTORY_PERIODS = ("week", "month", "quarter")


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class PyramidSettings:
    input_dir: Path = DEMO_INPUT_DIR
    warehouse_dir: Path = DEFAULT_WAREHOUSE_DIR
    as_of_date: dt.date | None = None
    window_days: int = 365
    market_population: int | None = None
    tier_shares: tuple[Decimal, ...] = field(default=DEFAULT_TIER_SHARES)
    keep_duplicates: bool = False
    target: str = "duckdb"
    history_period: str = "month"

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise SettingsError(f"--window-days must be at least 1; got {self.window_days}")
        if self.market_population is not None and self.market_population < 0:
            raise SettingsError(f"--market-population must not be negative; got {self.market_population}")
        if len(self.tier_shares) != len(TIER_NAMES) or any(s < 0 for s in self.tier_shares):
            raise SettingsError("--tier-shares needs four non-negative numbers: top,big,medium,small")
        if sum(self.tier_shares) != 100:
            shares = ",".join(str(s) for s in self.tier_shares)
            raise SettingsError(f"--tier-shares must sum to 100; got {shares}")
        if self.history_period not in HISTORY_PERIODS:
            raise SettingsError(
                f"--period must be one of {', '.join(HISTORY_PERIODS)}; got {self.history_period}"
            )
        if self.target not in TARGETS:
            raise SettingsError(f"--target must be one of {', '.join(TARGETS)}; got {self.target}")

    def dbt_vars(self) -> dict[str, object]:
        """The dbt vars of dbt_project.yml that this build sets."""
        return {
            "as_of_date": self.as_of_date.isoformat() if self.as_of_date else None,
            "activity_window_days": self.window_days,
            "market_population": self.market_population,
            "history_period": self.history_period,
            "tier_shares": {
                name: str(share) for name, share in zip(TIER_NAMES, self.tier_shares, strict=True)
            },
        }


def parse_tier_shares(text: str) -> tuple[Decimal, ...]:
    """'1,4,15,80' → (1, 4, 15, 80) as exact decimals, written plainly (1E+1 is 10)."""
    refused = SettingsError(
        f"--tier-shares must be numbers separated by commas, like 1,4,15,80; got {text!r}"
    )
    try:
        shares = tuple(Decimal(part.strip()) for part in text.split(","))
    except InvalidOperation:
        raise refused from None
    if not all(share.is_finite() for share in shares):
        raise refused
    return tuple(Decimal(format(share, "f")) for share in shares)

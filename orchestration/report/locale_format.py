"""Numbers, money, shares and dates as the report's language writes them, from CLDR's data (Babel).

English keeps the command line's forms (1,218 · 3,010,604.56 · 1.0 %); Polish groups thousands with a
no-break space and writes a decimal comma (1 218 · 3 010 604,56 · 1,0 %); Arabic writes Arabic-Indic digits
with the Arabic separators (CLDR's ar-EG). Dates and month names are the language's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALES = {"en": "en", "pl": "pl_PL", "ar": "ar_EG"}
# Babel gives a locale's separators but keeps 0-9; a locale whose CLDR numbering system is `arab` writes them
# as Arabic-Indic digits.
ARABIC_INDIC = str.maketrans({str(n): chr(0x0660 + n) for n in range(10)})


@dataclass(frozen=True)
class LocaleFormat:
    language: str

    @property
    def locale(self) -> str:
        return LOCALES[self.language]

    def _digits(self, text: str) -> str:
        if Locale.parse(self.locale).default_numbering_system == "arab":
            return text.translate(ARABIC_INDIC)
        return text

    def _decimal(self, value: object, pattern: str) -> str:
        return self._digits(
            format_decimal(value, format=pattern, locale=self.locale, numbering_system="default")
        )

    def count(self, value: int | None, unknown: str = "-") -> str:
        return unknown if value is None else self._decimal(value, "#,##0")

    def money(self, value: Decimal | None) -> str:
        return "" if value is None else self._decimal(value, "#,##0.00")

    def number(self, value: object, decimals: int = 0) -> str:
        """A figure to `decimals` places (an expected count, a ratio, an axis tick)."""
        if value is None:
            return "-"
        return self._decimal(value, "#,##0" + ("." + "0" * decimals if decimals else ""))

    def percent(self, share: Decimal | None) -> str:
        """A share (0 to 1) in percent to one decimal; a share that rounds to zero is 0.0 %, never -0.0 %."""
        if share is None:
            return ""
        shown = Decimal(share).quantize(Decimal("0.001"))
        return self._digits(
            format_percent(
                abs(shown) if shown == 0 else shown,
                format="#,##0.0 %",
                locale=self.locale,
                numbering_system="default",
            )
        )

    def date(self, day: dt.date) -> str:
        """A day in the language's medium form (Oct 31, 2026 · 31 paź 2026)."""
        return self._digits(format_date(day, "medium", locale=self.locale))

    def month(self, day: dt.date) -> str:
        """A month and year (Oct 2026 · paź 2026), for a chart's time axis."""
        return self._digits(format_date(day, "LLL y", locale=self.locale))

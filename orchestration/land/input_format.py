"""How an export writes its headers, numbers and dates, when not the way the pyramid reads them by default.

A shop's export rarely says `customer_id`, `1234.50` and `2025-12-31`. Three settings describe it:

- `--column-map FILE`: a YAML file naming, per input, the file's own header of each column the pyramid reads,
  e.g. `sales: {customer_id: Customer ID, order_date: Invoice Date, amount: Total}`;
- `--decimal-comma`: numbers like `1.234,50`, `1 234,50` or `1234,50` (a comma before the decimals; dots,
  spaces or apostrophes between groups of three digits);
- `--day-first`: dates like `31.12.2025`, `31/12/2025` or `31-12-2025`, optionally with a time (`14:05`).

Numbers and dates in Arabic-Indic or Persian digits (U+0660-U+0669, U+06F0-U+06F9, with the Arabic decimal
and thousands separators) are read too, whatever the settings. The landing checks each text value against the
format first, so a refusal names the value as the file has it; then it rewrites the values into the form every
later step reads (`1234.50`, `2025-12-31 00:00:00`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Arabic-Indic and Persian (Extended Arabic-Indic) digits, read as 0-9 in numbers and dates.
EASTERN_DIGITS = "".join(chr(0x0660 + n) for n in range(10)) + "".join(chr(0x06F0 + n) for n in range(10))
WESTERN_DIGITS = "01234567890123456789"
ARABIC_DECIMAL_SEPARATOR = "\u066b"
ARABIC_THOUSANDS_SEPARATOR = "\u066c"
# Between groups of three digits, with a decimal comma: a dot, a space, a no-break space, a narrow no-break
# space (Polish and French exports) or an apostrophe (Swiss).
GROUP_SEPARATORS = ". \u00a0\u202f'"
GROUPS = "[" + "".join(f"\\x{{{ord(char):04x}}}" for char in GROUP_SEPARATORS) + "]"  # as an RE2 class
DAY_FIRST_FORMATS = tuple(f"%d{sep}%m{sep}%Y{time}" for sep in "./-" for time in ("", " %H:%M", " %H:%M:%S"))


class ColumnMapError(ValueError):
    """A column map the landing cannot use; the message names the file and the entry."""


@dataclass(frozen=True)
class InputFormat:
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    """input → {the pyramid's column: the file's own header}."""
    decimal_comma: bool = False
    day_first: bool = False

    @property
    def signature(self) -> str:
        """What decides how the files are read: a published input landed under another is landed again."""
        return json.dumps(
            {"columns": self.columns, "decimal_comma": self.decimal_comma, "day_first": self.day_first},
            sort_keys=True,
        )

    def headers(self, name: str) -> dict[str, str]:
        """The pyramid's column → the header to look for in the files of input `name`."""
        return self.columns.get(name, {})

    def number_pattern(self) -> str:
        """An RE2 pattern every text number matches once its digits are Western (the checks that follow
        read it), with the decimal comma."""
        return rf"^[+-]?([0-9]{{1,3}}({GROUPS}[0-9]{{3}})+|[0-9]+)(,[0-9]+)?$"

    def number_value(self, text: str) -> str:
        """SQL: a text number (already trimmed, digits Western) in the form `1234.50`."""
        if not self.decimal_comma:
            return text
        return f"replace(regexp_replace({text}, '{GROUPS}', '', 'g'), ',', '.')"

    def western_digits(self, text: str) -> str:
        """SQL: `text` with Eastern Arabic digits and the Arabic separators as the format reads them."""
        decimal = "," if self.decimal_comma else "."
        return (
            f"replace(replace(translate({text}, '{EASTERN_DIGITS}', '{WESTERN_DIGITS}'),"
            f" '{ARABIC_DECIMAL_SEPARATOR}', '{decimal}'), '{ARABIC_THOUSANDS_SEPARATOR}', '')"
        )

    def date_value(self, text: str) -> str:
        """SQL: a text date (trimmed, digits Western), day first, as `2025-12-31 14:05:00`; null when it
        is not one (an ISO date is kept as it is)."""
        formats = ", ".join(f"'{pattern}'" for pattern in DAY_FIRST_FORMATS)
        return f"strftime(try_strptime({text}, [{formats}]), '%Y-%m-%d %H:%M:%S')"


def read_input_format(
    column_map: Path | None, known: dict[str, tuple[str, ...]], *, decimal_comma: bool, day_first: bool
) -> InputFormat:
    """The settings' input format; `known` is each input's columns, so a misspelt one is refused by name."""
    columns = _read_column_map(column_map, known) if column_map else {}
    return InputFormat(columns, decimal_comma, day_first)


def _read_column_map(path: Path, known: dict[str, tuple[str, ...]]) -> dict[str, dict[str, str]]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ColumnMapError(f"{path}: the column map cannot be read ({error.strerror})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0]
        raise ColumnMapError(f"{path}: the column map is not valid YAML: {first_line}") from None
    if not isinstance(loaded, dict):
        raise ColumnMapError(
            f"{path}: the column map must name inputs, e.g. `sales: {{customer_id: Customer ID}}`"
        )
    columns: dict[str, dict[str, str]] = {}
    for name, mapping in loaded.items():
        if name not in known:
            raise ColumnMapError(f"{path}: unknown input {name!r}; the inputs are {', '.join(known)}")
        if not isinstance(mapping, dict):
            raise ColumnMapError(
                f"{path}: {name} must map columns to headers, e.g. `customer_id: Customer ID`"
            )
        columns[name] = {}
        for column, header in mapping.items():
            if column not in known[name]:
                raise ColumnMapError(
                    f"{path}: {name}.{column} is not a column of {name}; its columns are"
                    f" {', '.join(known[name])}"
                )
            if not isinstance(header, str | int) or not str(header).strip():
                raise ColumnMapError(f"{path}: {name}.{column} needs the file's header as text")
            columns[name][column] = str(header).strip()
        headers = [header.lower() for header in columns[name].values()]
        repeated = sorted({header for header in headers if headers.count(header) > 1})
        if repeated:
            raise ColumnMapError(f"{path}: {name} maps two columns to the header {repeated[0]!r}")
    return columns

"""Value conversion shared by the report formats.

Rows come from PostgreSQL through psycopg2, so cells are None, str, int, float,
bool, Decimal (numeric), date, datetime (timestamp / timestamptz), time,
timedelta (interval) or dict/list (json). Text formats (CSV, JSON, PDF) write:

- None as empty text (CSV, PDF) or null (JSON);
- Decimal exactly, in positional notation (never an exponent);
- datetimes as ISO 8601 in UTC with a trailing ``Z`` (naive ones are taken to be
  UTC already: the warehouse stores UTC);
- dates as ``YYYY-MM-DD``; booleans as ``true`` / ``false``;
- dicts and lists as JSON.

What a reader sees (PDF, XLSX) also follows each column's ``ColumnStyle``: its
label as the header, rates (fractions, 0.25 = 25%) as percentages, and ids
replaced by names where the report knows them (workspace names). Datetimes are
shown to the second, in UTC.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Context, Decimal

# Types the csv module already writes the way we want (float as its shortest
# round-tripping repr, None as an empty field).
_CSV_NATIVE = frozenset({str, int, float, type(None)})


def utc_naive(value: datetime) -> datetime:
    """The same instant as a naive UTC datetime (naive input is already UTC)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def utc_iso(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix, e.g. ``2026-01-31T06:00:00Z``."""
    return utc_naive(value).isoformat() + "Z"


def decimal_text(value: Decimal) -> str:
    """The exact digits of a Decimal, without exponent (``1E+2`` -> ``100``)."""
    if not value.is_finite():
        return str(value)
    return format(value, "f")


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _text_converter(cls: type) -> Callable[[object], str]:
    # Order matters: bool is an int and datetime is a date.
    if issubclass(cls, bool):
        return lambda v: "true" if v else "false"
    if issubclass(cls, datetime):
        return utc_iso
    if issubclass(cls, date | time):
        return lambda v: v.isoformat()
    if issubclass(cls, Decimal):
        return decimal_text
    if issubclass(cls, int):
        return lambda v: str(int(v))
    if issubclass(cls, float):
        return lambda v: repr(float(v))
    if issubclass(cls, str):
        return str
    if issubclass(cls, dict | list | tuple):
        return json_text
    if issubclass(cls, bytes | bytearray | memoryview):
        return lambda v: "\\x" + bytes(v).hex()
    return str


_TEXT_CONVERTERS: dict[type, Callable[[object], str]] = {}


def text_value(value: object) -> str:
    """A cell as CSV text (also the base of the PDF cell text)."""
    if value is None:
        return ""
    cls = type(value)
    convert = _TEXT_CONVERTERS.get(cls)
    if convert is None:
        convert = _TEXT_CONVERTERS[cls] = _text_converter(cls)
    return convert(value)


def csv_row(row: tuple | list) -> list:
    """A row ready for ``csv.writer``: native types pass, the rest become text."""
    return [v if type(v) in _CSV_NATIVE else text_value(v) for v in row]


DISPLAY_DIGITS = 10
PERCENT_DECIMALS = 1
XLSX_PERCENT_FORMAT = "0.0%"


@dataclass(frozen=True)
class ColumnStyle:
    """How a result column is shown to a reader (PDF, XLSX; CSV and JSON keep
    the raw name and value): ``label`` as its header, ``percent`` for a rate
    stored as a fraction, ``names`` to show a name for an id (the id itself
    when it has none)."""

    label: str
    percent: bool = False
    names: Mapping[str, str] = field(default_factory=dict)

    def show(self, value: object) -> object:
        """The value to display: a known id's name, else the value."""
        if self.names and type(value) is str:
            return self.names.get(value, value)
        return value


def plain_styles(columns: Sequence[str]) -> list[ColumnStyle]:
    """Styles that show the raw column names and values."""
    return [ColumnStyle(name) for name in columns]


def percent_text(value: object) -> str:
    """A fraction as a percentage with one decimal, halves rounded away from
    zero as Excel's ``0.0%`` does (0.8125 -> ``81.3%``)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return display_text(value)
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not exact.is_finite():
        return display_text(value)
    shown = (exact * 100).quantize(Decimal(1).scaleb(-PERCENT_DECIMALS), ROUND_HALF_UP)
    return f"{shown.copy_abs() if shown.is_zero() else shown}%"


def datetime_display(value: datetime) -> str:
    """A datetime as a reader sees it: UTC, to the second, e.g. ``2026-01-31 06:00:00 UTC``."""
    return f"{utc_naive(value):%Y-%m-%d %H:%M:%S} UTC"


def display_text(value: object) -> str:
    """A cell as shown to a reader (PDF): like CSV, but floats and numerics to 10
    significant digits (never rounding away integer digits) and datetimes to
    the second (``datetime_display``)."""
    if isinstance(value, datetime):
        return datetime_display(value)
    if type(value) is float and math.isfinite(value):
        return f"{value:.{DISPLAY_DIGITS}g}"
    if type(value) is Decimal and value.is_finite() and value != 0:
        digits = max(DISPLAY_DIGITS, value.adjusted() + 1)
        rounded = Context(prec=digits).plus(value)
        # Rounded values lose the zeros rounding left; exact ones keep their scale.
        return decimal_text(rounded.normalize() if rounded != value else value)
    return text_value(value)


def json_text(value: object) -> str:
    """A value as a JSON fragment. Decimal stays exact (a JSON number with the
    same digits); non-finite numbers become null (JSON has no NaN)."""
    if value is None:
        return "null"
    cls = type(value)
    if cls is str:
        return _json_string(value)
    if cls is int:
        return str(value)
    if cls is float:
        return repr(value) if math.isfinite(value) else "null"
    if cls is Decimal:
        return decimal_text(value) if value.is_finite() else "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return (
            "{" + ",".join(f"{_json_string(str(k))}:{json_text(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return json_text(float(value))
    if isinstance(value, Decimal):
        return json_text(Decimal(value))
    return _json_string(text_value(value))

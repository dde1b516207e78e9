"""Numbers as dashboard readers see them (HTML and PDF alike).

- `integer`: rounded half away from zero, thousands separated: 12,346;
- `number`: at most two decimals, trailing zeros dropped: 1,234.5;
- `percent`: a fraction as a percentage with one decimal: 0.8125 -> 81.3%;
- no format: the report formats' display text (dates, text, exact numbers).

A change is signed, in percent with one decimal: +12.5%, -3.0%.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from analytics_pipeline.reports.render.values import display_text, percent_text

EMPTY = "\u2013"  # a dash for a missing value


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return number if number.is_finite() else None


def format_number(value: object, number_format: str | None) -> str:
    """`value` shown in `number_format` (integer, number, percent; None: as is)."""
    if value is None:
        return EMPTY
    number = _decimal(value)
    if number is None or number_format is None:
        return display_text(value)
    if number_format == "percent":
        return percent_text(number)
    if number_format == "integer":
        return f"{number.quantize(Decimal(1), ROUND_HALF_UP):,}"
    text = f"{number.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_change(change_percent: Decimal | None) -> str:
    """A change in percent, signed: +12.5%; a dash without one."""
    if change_percent is None:
        return EMPTY
    shown = Decimal(change_percent).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if shown.is_zero():
        return "0.0%"
    return f"{shown:+}%"


def raw_text(value: object) -> str:
    """The exact value for machines (HTML data attributes): digits of a number
    without exponent, ISO dates; empty for None."""
    if value is None:
        return ""
    number = _decimal(value)
    if number is not None:
        return format(number, "f")
    return display_text(value)

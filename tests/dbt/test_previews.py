"""How previews render values: numbers rounded, json compact, one table layout."""

from __future__ import annotations

import decimal

import pytest

from analytics_pipeline.warehouse.previews import format_cell, format_number, markdown_table


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.123456789, "0.1235"),
        (0.5, "0.5"),
        (1234.5678, "1235"),
        (12.3456, "12.35"),
        (0.000123456, "0.0001235"),
        (-2.71828, "-2.718"),
        (1.0, "1"),
        (0.0, "0"),
        (123456.7, "123457"),
        (decimal.Decimal("0.666666666"), "0.6667"),
    ],
)
def test_numbers_show_four_significant_digits_without_exponent(value, text):
    assert format_number(value) == text


def test_cells_keep_integers_and_flatten_json():
    assert format_cell(123456789) == "123456789"
    assert format_cell(None) == ""
    assert format_cell(True) == "True"
    assert format_cell({"a": 1, "b": [1, 2]}) == '{"a":1,"b":[1,2]}'
    assert format_cell("a|b\nc") == "a\\|b c"
    assert len(format_cell("x" * 100)) == 60


def test_markdown_table_rounds_its_cells():
    table = markdown_table(["id", "score"], [("u1", 0.987654321), ("u2", None)])
    assert table.splitlines() == ["| id | score |", "|---|---|", "| u1 | 0.9877 |", "| u2 |  |"]

"""XLSX: xlsxwriter in constant-memory mode (each row is flushed to disk once
the next one starts), so memory stays flat for any number of rows.

Sheet ``Data`` holds the header and the rows; past Excel's 1,048,576 rows per
sheet the rows continue on ``Data 2``, ``Data 3``, ... (each with the header).
Sheet ``About`` holds the report's title block and the row count.

Cells keep their types: numbers (Decimal converted to a double, the precision
Excel has; integers beyond 2**53 written as text to stay exact), booleans,
dates and UTC datetimes with a date format, NULL as an empty cell, dicts and
lists as JSON text. Text is never interpreted as a formula or a URL.

The header row holds the columns' labels; a rate column (``ColumnStyle.percent``)
keeps its fraction as the number with the number format ``0.0%``; known ids
show their names. Without rows, the line under the header says ``no_data``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from analytics_pipeline.reports.render.values import (
    XLSX_PERCENT_FORMAT,
    ColumnStyle,
    plain_styles,
    text_value,
    utc_naive,
)

MAX_SHEET_ROWS = 1_048_576  # Excel's limit, header included
DATA_SHEET = "Data"
ABOUT_SHEET = "About"
_EXACT_INT = 2**53
_WIDTH_SAMPLE_ROWS = 1000
_MIN_WIDTH, _MAX_WIDTH = 8, 60


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header: Format = workbook.add_format({"bold": True, "bottom": 1})
        self.date: Format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime: Format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.time: Format = workbook.add_format({"num_format": "hh:mm:ss"})
        self.label: Format = workbook.add_format({"bold": True, "valign": "top"})
        self.wrap: Format = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.percent: Format = workbook.add_format({"num_format": XLSX_PERCENT_FORMAT})
        self.note: Format = workbook.add_format({"italic": True})


_CellWriter = Callable[[Worksheet, int, int, object, _Formats], object]


def _write_text(sheet: Worksheet, r: int, c: int, value: object, fmt: _Formats) -> None:
    sheet.write_string(r, c, value if type(value) is str else text_value(value))


def _write_int(sheet: Worksheet, r: int, c: int, value: int, fmt: _Formats) -> None:
    if -_EXACT_INT <= value <= _EXACT_INT:
        sheet.write_number(r, c, value)
    else:
        sheet.write_string(r, c, str(int(value)))


def _write_float(sheet: Worksheet, r: int, c: int, value: float, fmt: _Formats) -> None:
    # NaN / inf become Excel error cells (#NUM!, #DIV/0!) via nan_inf_to_errors.
    sheet.write_number(r, c, value)


def _write_decimal(sheet: Worksheet, r: int, c: int, value: Decimal, fmt: _Formats) -> None:
    if value.is_finite():
        sheet.write_number(r, c, float(value))
    else:
        sheet.write_string(r, c, str(value))


def _write_bool(sheet: Worksheet, r: int, c: int, value: bool, fmt: _Formats) -> None:
    sheet.write_boolean(r, c, value)


def _write_datetime(sheet: Worksheet, r: int, c: int, value: datetime, fmt: _Formats) -> None:
    sheet.write_datetime(r, c, utc_naive(value), fmt.datetime)


def _write_date(sheet: Worksheet, r: int, c: int, value: date, fmt: _Formats) -> None:
    sheet.write_datetime(r, c, value, fmt.date)


def _write_time(sheet: Worksheet, r: int, c: int, value: time, fmt: _Formats) -> None:
    if value.tzinfo is not None:
        _write_text(sheet, r, c, value, fmt)
    else:
        sheet.write_datetime(r, c, value, fmt.time)


def _writer_for(cls: type) -> _CellWriter:
    # Order matters: bool is an int and datetime is a date.
    for base, writer in (
        (bool, _write_bool),
        (datetime, _write_datetime),
        (date, _write_date),
        (time, _write_time),
        (Decimal, _write_decimal),
        (int, _write_int),
        (float, _write_float),
    ):
        if issubclass(cls, base):
            return writer
    return _write_text


_WRITERS: dict[type, _CellWriter] = {}


def _write_cell(sheet: Worksheet, r: int, c: int, value: object, fmt: _Formats) -> None:
    if value is None:
        return
    writer = _WRITERS.get(type(value))
    if writer is None:
        writer = _WRITERS[type(value)] = _writer_for(type(value))
    writer(sheet, r, c, value, fmt)


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return not isinstance(value, Decimal) or value.is_finite()


def _display_width(value: object) -> int:
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    text = text_value(value)
    return max((len(line) for line in text.splitlines()), default=0)


def write_xlsx(
    columns: Sequence[str],
    rows: Iterable[Sequence],
    about: Sequence[tuple[str, object]],
    path: Path,
    workdir: Path,
    *,
    column_styles: Sequence[ColumnStyle] | None = None,
    no_data: str = "No data.",
) -> int:
    """Write the workbook to ``path`` (xlsxwriter's temp files go in
    ``workdir``); return the number of rows."""
    column_styles = list(column_styles or plain_styles(columns))
    headers = [style.label for style in column_styles]
    named = [c for c, style in enumerate(column_styles) if style.names]
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(workdir),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
            "use_zip64": True,
        },
    )
    fmt = _Formats(workbook)
    widths = [len(label) for label in headers]
    sheets: list[tuple[Worksheet, int]] = []  # (sheet, data rows on it)

    def start_sheet() -> Worksheet:
        name = DATA_SHEET if not sheets else f"{DATA_SHEET} {len(sheets) + 1}"
        sheet = workbook.add_worksheet(name)
        sheet.freeze_panes(1, 0)
        for c, label in enumerate(headers):
            sheet.write_string(0, c, label, fmt.header)
        return sheet

    sheet = start_sheet()
    r = 0
    count = 0
    for row in rows:
        if r == MAX_SHEET_ROWS - 1:
            sheets.append((sheet, r))
            sheet = start_sheet()
            r = 0
        r += 1
        if named:
            row = list(row)
            for c in named:
                row[c] = column_styles[c].show(row[c])
        for c, value in enumerate(row):
            if column_styles[c].percent and _is_number(value):
                sheet.write_number(r, c, float(value), fmt.percent)
            else:
                _write_cell(sheet, r, c, value, fmt)
        if count < _WIDTH_SAMPLE_ROWS:
            for c, value in enumerate(row):
                if value is not None:
                    widths[c] = max(widths[c], _display_width(value))
        count += 1
    if count == 0:
        sheet.write_string(1, 0, no_data, fmt.note)
    sheets.append((sheet, r))

    # Column widths and filters live outside the streamed sheet data, so they
    # can be set once the rows are known.
    for data_sheet, data_rows in sheets:
        for c, width in enumerate(widths):
            data_sheet.set_column(
                c,
                c,
                min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH),
                fmt.percent if column_styles[c].percent else None,
            )
        if columns:
            data_sheet.autofilter(0, 0, data_rows, len(columns) - 1)

    _write_about(workbook, fmt, [*about, ("Rows", count)])
    workbook.close()
    return count


def _write_about(
    workbook: xlsxwriter.Workbook, fmt: _Formats, about: Sequence[tuple[str, object]]
) -> None:
    sheet = workbook.add_worksheet(ABOUT_SHEET)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 80)
    r = 0
    for label, value in about:
        values = value if isinstance(value, list) else [value]
        for i, item in enumerate(values or [None]):
            if i == 0:
                sheet.write_string(r, 0, label, fmt.label)
            if isinstance(item, str):
                sheet.write_string(r, 1, item, fmt.wrap)
            else:
                _write_cell(sheet, r, 1, item, fmt)
            r += 1

"""Report renderers: every file is read back with an independent reader (csv,
json, openpyxl, pypdf) and compared cell by cell with hand-written values."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdf
import pytest
from PIL import Image

from analytics_pipeline.reports.render import (
    FORMATS,
    ColumnStyle,
    ReportContext,
    render_report,
    report_directory,
    xlsx_format,
)
from analytics_pipeline.reports.render.atomic import AtomicFile
from analytics_pipeline.reports.render.benchmark import benchmark_render
from analytics_pipeline.reports.render.chart import OTHER, ChartData, ChartSpec
from analytics_pipeline.reports.render.values import (
    decimal_text,
    display_text,
    json_text,
    text_value,
    utc_iso,
)

COLUMNS = [
    "day",
    "workspace_id",
    "users",
    "revenue",
    "ratio",
    "happened_at",
    "note",
    "payload",
    "active",
]
PLUS_2 = timezone(timedelta(hours=2))
ROWS = [
    (
        date(2026, 1, 1),
        "ws_a",
        10,
        Decimal("1234.50"),
        0.1,
        datetime(2026, 1, 1, 8, 30, tzinfo=PLUS_2),
        'comma, "quote"\nnewline',
        {"a": 1, "b": [1, 2]},
        True,
    ),
    (
        date(2026, 1, 2),
        "Zürich — Ωμέγα ✓",
        0,
        Decimal("0.0000001"),
        None,
        datetime(2026, 1, 2, 23, 59, 59),
        None,
        [1, "x"],
        False,
    ),
    (date(2026, 1, 3), "ws_c", -5, Decimal("-3"), 2.5, None, "=1+2", None, None),
    (
        None,
        "https://example.com",
        7,
        None,
        1e-7,
        datetime(2026, 1, 4, 0, 0, 0, 123000, tzinfo=UTC),
        "",
        {},
        True,
    ),
]
# Hand-computed totals: users 10 + 0 - 5 + 7, revenue 1234.50 + 0.0000001 - 3.
USERS_TOTAL = 12
REVENUE_TOTAL = Decimal("1231.5000001")

CSV_EXPECTED = [
    COLUMNS,
    [
        "2026-01-01",
        "ws_a",
        "10",
        "1234.50",
        "0.1",
        "2026-01-01T06:30:00Z",
        'comma, "quote"\nnewline',
        '{"a":1,"b":[1,2]}',
        "true",
    ],
    [
        "2026-01-02",
        "Zürich — Ωμέγα ✓",
        "0",
        "0.0000001",
        "",
        "2026-01-02T23:59:59Z",
        "",
        '[1,"x"]',
        "false",
    ],
    ["2026-01-03", "ws_c", "-5", "-3", "2.5", "", "=1+2", "", ""],
    ["", "https://example.com", "7", "", "1e-07", "2026-01-04T00:00:00.123000Z", "", "{}", "true"],
]

CONTEXT = ReportContext(
    report_id="daily_kpis",
    title="Daily KPIs for Zürich",
    description="Active users and revenue per day.",
    workspace_id="ws_a",
    data_source="analytics.daily_metrics",
    date_range=(date(2026, 1, 1), date(2026, 1, 31)),
    filters=["workspace_id = ws_a", "users >= 0"],
    generated_at=datetime(2026, 2, 1, 6, 0, tzinfo=UTC),
    scheduled_for=datetime(2026, 2, 1, 6, 0, tzinfo=UTC),
)


def with_chart(kind: str | None, x: str | None = "day", y: tuple[str, ...] = ("users",)):
    return ReportContext(
        report_id=CONTEXT.report_id,
        title=CONTEXT.title,
        description=CONTEXT.description,
        workspace_id=CONTEXT.workspace_id,
        data_source=CONTEXT.data_source,
        date_range=CONTEXT.date_range,
        filters=CONTEXT.filters,
        generated_at=CONTEXT.generated_at,
        chart_type=kind,
        chart_x=x,
        chart_y=y,
    )


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- values -----------------------------------------------------------------


def test_value_conversions_by_hand() -> None:
    assert decimal_text(Decimal("1E+2")) == "100"
    assert decimal_text(Decimal("1E-7")) == "0.0000001"
    assert decimal_text(Decimal("-0.50")) == "-0.50"
    assert utc_iso(datetime(2026, 3, 1, 1, 0, tzinfo=PLUS_2)) == "2026-02-28T23:00:00Z"
    assert utc_iso(datetime(2026, 3, 1, 1, 0)) == "2026-03-01T01:00:00Z"
    assert json_text({"k": [Decimal("1.10"), None, float("nan"), "é\n"]}) == (
        '{"k":[1.10,null,null,"é\\n"]}'
    )
    assert json.loads(json_text({"d": date(2026, 1, 2), "b": False})) == {
        "d": "2026-01-02",
        "b": False,
    }


# --- CSV --------------------------------------------------------------------


def test_csv_every_cell_and_totals(tmp_path: Path) -> None:
    rendered = render_report("csv", COLUMNS, iter(ROWS), CONTEXT, tmp_path, "kpis")
    assert rendered.path == tmp_path / "kpis.csv"
    assert rendered.record_count == 4
    raw = rendered.path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.startswith(b"day,workspace_id,") and b"\r\n" in raw
    with rendered.path.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert table == CSV_EXPECTED
    assert sum(int(r[2]) for r in table[1:]) == USERS_TOTAL
    assert sum(Decimal(r[3]) for r in table[1:] if r[3]) == REVENUE_TOTAL


def test_csv_streams_many_rows_in_batches(tmp_path: Path) -> None:
    n = 5001  # more than two batches and a partial one
    rows = ((i, Decimal(i) / 100) for i in range(n))
    rendered = render_report("csv", ["i", "amount"], rows, CONTEXT, tmp_path, "many")
    with rendered.path.open(newline="") as fh:
        table = list(csv.reader(fh))
    assert len(table) == n + 1
    assert [int(r[0]) for r in table[1:]] == list(range(n))
    assert sum(Decimal(r[1]) for r in table[1:]) == Decimal(n * (n - 1) // 2) / 100


# --- JSON -------------------------------------------------------------------


def test_json_every_cell_metadata_and_totals(tmp_path: Path) -> None:
    rendered = render_report("json", COLUMNS, iter(ROWS), CONTEXT, tmp_path, "kpis")
    assert rendered.path == tmp_path / "kpis.json"
    text = rendered.path.read_text(encoding="utf-8")
    doc = json.loads(text, parse_float=Decimal)
    assert list(doc) == ["metadata", "columns", "rows", "record_count"]
    assert doc["metadata"] == {
        "report_id": "daily_kpis",
        "title": "Daily KPIs for Zürich",
        "description": "Active users and revenue per day.",
        "workspace_id": "ws_a",
        "workspace_name": None,
        "data_source": "analytics.daily_metrics",
        "date_range": {"start": "2026-01-01", "end": "2026-01-31"},
        "filters": ["workspace_id = ws_a", "users >= 0"],
        "generated_at": "2026-02-01T06:00:00Z",
        "scheduled_for": "2026-02-01T06:00:00Z",
        "chart": None,
    }
    assert doc["columns"] == COLUMNS
    assert doc["record_count"] == 4
    assert doc["rows"] == [
        [
            "2026-01-01",
            "ws_a",
            10,
            Decimal("1234.50"),
            Decimal("0.1"),
            "2026-01-01T06:30:00Z",
            'comma, "quote"\nnewline',
            {"a": 1, "b": [1, 2]},
            True,
        ],
        [
            "2026-01-02",
            "Zürich — Ωμέγα ✓",
            0,
            Decimal("0.0000001"),
            None,
            "2026-01-02T23:59:59Z",
            None,
            [1, "x"],
            False,
        ],
        ["2026-01-03", "ws_c", -5, -3, Decimal("2.5"), None, "=1+2", None, None],
        [
            None,
            "https://example.com",
            7,
            None,
            Decimal("1e-07"),
            "2026-01-04T00:00:00.123000Z",
            "",
            {},
            True,
        ],
    ]
    # Decimal digits are written exactly, trailing zero included.
    assert str(doc["rows"][0][3]) == "1234.50" and "1234.50" in text
    assert sum(r[2] for r in doc["rows"]) == USERS_TOTAL
    assert sum(Decimal(r[3]) for r in doc["rows"] if r[3] is not None) == REVENUE_TOTAL


def test_json_of_an_empty_result_is_valid(tmp_path: Path) -> None:
    rendered = render_report("json", ["a"], iter([]), CONTEXT, tmp_path, "empty")
    doc = json.loads(rendered.path.read_text())
    assert (doc["rows"], doc["record_count"], rendered.record_count) == ([], 0, 0)


# --- XLSX -------------------------------------------------------------------


def test_xlsx_every_cell_types_formats_and_totals(tmp_path: Path) -> None:
    rendered = render_report("xlsx", COLUMNS, iter(ROWS), CONTEXT, tmp_path, "kpis")
    assert rendered.path == tmp_path / "kpis.xlsx"
    workbook = openpyxl.load_workbook(rendered.path)
    assert workbook.sheetnames == ["Data", "About"]
    sheet = workbook["Data"]
    values = list(sheet.iter_rows(values_only=True))
    assert values == [
        tuple(COLUMNS),
        (
            datetime(2026, 1, 1),
            "ws_a",
            10,
            1234.5,
            0.1,
            datetime(2026, 1, 1, 6, 30),
            'comma, "quote"\nnewline',
            '{"a":1,"b":[1,2]}',
            True,
        ),
        (
            datetime(2026, 1, 2),
            "Zürich — Ωμέγα ✓",
            0,
            1e-7,
            None,
            datetime(2026, 1, 2, 23, 59, 59),
            None,
            '[1,"x"]',
            False,
        ),
        (datetime(2026, 1, 3), "ws_c", -5, -3, 2.5, None, "=1+2", None, None),
        (
            None,
            "https://example.com",
            7,
            None,
            1e-7,
            datetime(2026, 1, 4, 0, 0, 0, 123000),
            "",
            "{}",
            True,
        ),
    ]
    assert sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["F2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["D2"].data_type == "n"
    # Text that looks like a formula or a URL stays plain text.
    assert sheet["G4"].data_type == "s" and sheet["B5"].hyperlink is None
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I5"
    assert sum(r[2] for r in values[1:]) == USERS_TOTAL
    assert math.isclose(sum(r[3] for r in values[1:] if r[3] is not None), float(REVENUE_TOTAL))

    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True) if row[0]}
    assert about["Title"] == "Daily KPIs for Zürich"
    assert about["Date range"] == "2026-01-01 to 2026-01-31"
    assert about["Filters"] == "workspace_id = ws_a"
    assert about["Generated at (UTC)"] == datetime(2026, 2, 1, 6, 0)
    assert about["Rows"] == 4
    about_rows = list(workbook["About"].iter_rows(values_only=True))
    at = [row[0] for row in about_rows].index("Filters")
    assert about_rows[at : at + 3] == [
        ("Filters", "workspace_id = ws_a"),
        (None, "users >= 0"),
        ("Generated at (UTC)", datetime(2026, 2, 1, 6, 0)),
    ]


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_format, "MAX_SHEET_ROWS", 4)  # header + 3 rows per sheet
    rows = ((i, f"r{i}") for i in range(8))
    rendered = render_report("xlsx", ["i", "label"], rows, CONTEXT, tmp_path, "split")
    workbook = openpyxl.load_workbook(rendered.path)
    assert workbook.sheetnames == ["Data", "Data 2", "Data 3", "About"]
    seen = []
    for name in ("Data", "Data 2", "Data 3"):
        sheet_rows = list(workbook[name].iter_rows(values_only=True))
        assert sheet_rows[0] == ("i", "label")
        assert len(sheet_rows) <= 4
        seen += sheet_rows[1:]
    assert seen == [(i, f"r{i}") for i in range(8)]
    assert rendered.record_count == 8


# --- PDF --------------------------------------------------------------------


def pdf_lines(path: Path) -> list[list[str]]:
    reader = pypdf.PdfReader(path)
    return [page.extract_text().splitlines() for page in reader.pages]


def image_xobjects(page: pypdf.PageObject) -> list:
    resources = page.get("/Resources")
    xobjects = resources.get("/XObject") if resources else None
    if not xobjects:
        return []
    return [
        obj.get_object()
        for obj in xobjects.get_object().values()
        if obj.get_object().get("/Subtype") == "/Image"
    ]


def test_pdf_title_block_and_every_cell(tmp_path: Path) -> None:
    rendered = render_report("pdf", COLUMNS, iter(ROWS), CONTEXT, tmp_path, "kpis")
    assert rendered.path == tmp_path / "kpis.pdf"
    reader = pypdf.PdfReader(rendered.path)
    assert reader.metadata.title == "Daily KPIs for Zürich"
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in [
        "Daily KPIs for Zürich",
        "Active users and revenue per day.",
        "ws_a",
        "analytics.daily_metrics",
        "2026-01-01 to 2026-01-31",
        "workspace_id = ws_a",
        "users >= 0",
        "2026-02-01 06:00:00 UTC",
    ]:
        assert expected in text, expected
    lines = [line.strip() for line in text.splitlines()]
    assert lines[lines.index("Rows") + 1] == "4"
    # Every non-empty cell shows as CSV would write it (floats to 10 significant
    # digits, the same here) but datetimes to the second; multi-line cells keep
    # their lines.
    shown_times = {
        "2026-01-01T06:30:00Z": "2026-01-01 06:30:00 UTC",
        "2026-01-02T23:59:59Z": "2026-01-02 23:59:59 UTC",
        "2026-01-04T00:00:00.123000Z": "2026-01-04 00:00:00 UTC",
    }
    for row in CSV_EXPECTED[1:]:
        for cell in row:
            for part in shown_times.get(cell, cell).splitlines():
                assert part in lines, part
    assert not any(".123" in line for line in lines)  # no microseconds
    assert not image_xobjects(reader.pages[0])  # no chart type, no chart


@pytest.mark.parametrize("kind", ["line", "bar", "pie", "area", "scatter"])
def test_pdf_embeds_a_chart_of_each_type(tmp_path: Path, kind: str) -> None:
    x = "workspace_id" if kind == "pie" else "day"
    y = ("users", "revenue") if kind in ("line", "bar", "area") else ("users",)
    rows = [
        (date(2026, 1, 1) + timedelta(days=i), f"ws_{i % 3}", i, Decimal(i) / 4) for i in range(30)
    ]
    context = with_chart(kind, x, y)
    rendered = render_report(
        "pdf", ["day", "workspace_id", "users", "revenue"], iter(rows), context, tmp_path, kind
    )
    reader = pypdf.PdfReader(rendered.path)
    images = image_xobjects(reader.pages[0])
    assert len(images) == 1
    assert (images[0]["/Width"], images[0]["/Height"]) == (1200, 540)
    picture = Image.open(io.BytesIO(reader.pages[0].images[0].data)).convert("RGB")
    assert len(set(picture.get_flattened_data())) > 3  # drawn, not a blank canvas


def test_pdf_repeats_the_header_on_every_page(tmp_path: Path) -> None:
    columns = ["day", "workspace_id", "users"]
    rows = [(date(2026, 1, 1) + timedelta(days=i), f"ws_{i}", i) for i in range(200)]
    rendered = render_report("pdf", columns, iter(rows), CONTEXT, tmp_path, "long")
    pages = pdf_lines(rendered.path)
    assert len(pages) >= 3
    table_rows_seen = []
    for lines in pages:
        lines = [line.strip() for line in lines]
        starts = [i for i in range(len(lines)) if lines[i : i + 3] == columns]
        assert starts, "header row missing on a page"
        table_rows_seen += [int(v) for v in lines[starts[0] + 3 :][2::3] if v.isdigit()]
    assert table_rows_seen == list(range(200))


def test_pdf_truncates_the_table_but_counts_every_row(tmp_path: Path) -> None:
    rows = ((f"label_{i:03d}", i) for i in range(50))
    rendered = render_report("pdf", ["label", "n"], rows, CONTEXT, tmp_path, "cut", max_pdf_rows=10)
    assert rendered.record_count == 50
    lines = [line.strip() for page in pdf_lines(rendered.path) for line in page]
    text = " ".join(lines)
    assert "The table is truncated: it shows the first 10 of 50 rows." in text
    assert lines[lines.index("Rows") + 1] == "50"
    assert "label_009" in lines and "label_010" not in lines


def test_pdf_of_an_empty_result(tmp_path: Path) -> None:
    rendered = render_report("pdf", COLUMNS, iter([]), with_chart("line"), tmp_path, "empty")
    reader = pypdf.PdfReader(rendered.path)
    assert len(reader.pages) == 1
    assert "No data for 2026-01-01 to 2026-01-31." in reader.pages[0].extract_text()
    assert len(image_xobjects(reader.pages[0])) == 1  # "No data to plot" still drawn


# --- chart data (bounded memory) ------------------------------------------------


def test_chart_keeps_an_evenly_strided_sample() -> None:
    n, limit = 1000, 64
    data = ChartData(ChartSpec("line", "x", ("y",)), ["x", "y"], max_points=limit)
    for i in range(n):
        data.add((i, Decimal(i) * 2))
    # Independent: the smallest power of two k with ceil(n / k) <= limit.
    k = 1
    while math.ceil(n / k) > limit:
        k *= 2
    assert data.stride == k == 16
    assert data.points == [(float(i), float(i * 2)) for i in range(0, n, k)]
    assert data.note() == "Chart: 1 row in 16 plotted (63 of 1,000 rows)."


def test_pie_sums_per_label_and_folds_the_rest_into_other() -> None:
    data = ChartData(ChartSpec("pie", "label", ("v",)), ["label", "v"], max_points=14)
    data.add(("neg", -4))
    # 15 labels with "neg": l13, first seen past the 14-label cap, goes to Other.
    for i in range(14):
        data.add((f"l{i:02d}", i + 1))
        data.add((f"l{i:02d}", Decimal("0.5")))
    data.add(("l00", None))
    slices = dict(data.pie_slices())
    # Totals: l{i} = i + 1.5; the 11 largest are l12..l02; Other = l00 + l01 + l13.
    assert list(slices) == [f"l{i:02d}" for i in range(12, 1, -1)] + [OTHER]
    assert slices["l12"] == 13.5
    assert slices[OTHER] == 1.5 + 2.5 + 14.5
    assert data.points_plotted == len(slices) == 12  # the slices drawn, not 0
    assert data.note() == "Pie: sum of v per label. 1 label(s) with a total <= 0 are not shown."


def test_chart_settings_are_checked_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not one of"):
        with_chart("radar")
    with pytest.raises(ValueError, match="needs a label column"):
        with_chart("pie", x=None)
    with pytest.raises(TypeError, match="chart_y is a list"):
        with_chart("line", y="users")
    with pytest.raises(ValueError, match="not in the result"):
        render_report("pdf", COLUMNS, iter(ROWS), with_chart("bar", "nope"), tmp_path, "x")
    assert list(tmp_path.iterdir()) == []


# --- atomic writing, paths, digests ---------------------------------------------


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_file_path_size_and_sha256_match_the_disk(tmp_path: Path, fmt: str) -> None:
    rendered = render_report(fmt, COLUMNS, iter(ROWS), CONTEXT, tmp_path / "r", "kpis_2026")
    assert rendered.path == tmp_path / "r" / f"kpis_2026.{fmt}"
    assert rendered.size == rendered.path.stat().st_size
    assert rendered.sha256 == sha256_of(rendered.path)
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [f"kpis_2026.{fmt}"]
    assert rendered.path.stat().st_mode & 0o777 != 0o600  # not mkstemp's private mode


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_failure_mid_stream_leaves_the_previous_file_and_no_temp(tmp_path: Path, fmt: str) -> None:
    previous = render_report(fmt, COLUMNS, iter(ROWS), CONTEXT, tmp_path, "kpis")
    before = previous.path.read_bytes()

    def failing():
        yield from ROWS * 2
        raise RuntimeError("cursor lost")

    with pytest.raises(RuntimeError, match="cursor lost"):
        render_report(fmt, COLUMNS, failing(), CONTEXT, tmp_path, "kpis")
    with pytest.raises(ValueError, match="row 2 has 1 values for 9 columns"):
        render_report(fmt, COLUMNS, iter([ROWS[0], ("short",)]), CONTEXT, tmp_path, "other")
    assert [p.name for p in tmp_path.iterdir()] == [f"kpis.{fmt}"]
    assert previous.path.read_bytes() == before


def test_atomic_file_hashes_what_it_writes(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with AtomicFile(target) as out:
        out.write(b"hello ")
        assert not target.exists() and out.temp_path.parent == tmp_path
        out.write(b"world")
    assert out.result.sha256 == hashlib.sha256(b"hello world").hexdigest()
    assert (out.result.size, target.read_bytes()) == (11, b"hello world")
    with pytest.raises(KeyError), AtomicFile(tmp_path / "never.bin") as out:
        out.write(b"partial")
        raise KeyError("stop")
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_names_and_report_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYTICS_HOME", str(tmp_path))
    assert report_directory("daily_kpis") == tmp_path / "reports" / "daily_kpis"
    for bad in ("../x", "a/b", ".hidden", ""):
        with pytest.raises(ValueError):
            report_directory(bad)
        with pytest.raises(ValueError):
            render_report("csv", ["a"], iter([]), CONTEXT, tmp_path, bad)
    with pytest.raises(ValueError, match="format"):
        render_report("docx", ["a"], iter([]), CONTEXT, tmp_path, "x")


# --- benchmark ------------------------------------------------------------------


def test_benchmark_reports_time_and_memory_per_format(tmp_path: Path) -> None:
    results = benchmark_render(300, ("csv", "xlsx"), directory=tmp_path)
    assert [r["format"] for r in results] == ["csv", "xlsx"]
    for figures in results:
        assert figures["rows"] == 300 and figures["bytes"] > 0
        assert figures["rows_per_second"] > 0 and figures["cpu_seconds"] > 0
        assert figures["rss_peak_delta_bytes"] >= 0 and figures["tracemalloc_peak_bytes"] > 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0.83636363636363636364", "0.8363636364"),  # a ratio numeric: 10 significant digits
        ("-0.5000000000001", "-0.5"),  # rounding leaves no trailing zeros
        ("0.0000123456789012345", "0.0000123456789"),
        ("278.80", "278.80"),  # exact values keep their scale
        ("12345678901234.56789", "12345678901235"),  # integer digits are never lost
        ("1E+2", "100"),
        ("0.00", "0.00"),
    ],
)
def test_pdf_shows_numerics_to_ten_significant_digits(stored: str, shown: str) -> None:
    assert display_text(Decimal(stored)) == shown
    assert text_value(Decimal(stored)) == decimal_text(Decimal(stored))  # CSV stays exact


# --- labels, rates, names, no data (PDF and XLSX for readers) -----------------

STYLED_COLUMNS = ["workspace_id", "count_distinct_user_id", "success_rate"]
STYLED_ROWS = [("ws_a", 12, Decimal("0.8125")), ("ws_zz", 3, 0.5), ("ws_a", 0, None)]
STYLES = [
    ColumnStyle("Workspace", names={"ws_a": "Acme Logistics"}),
    ColumnStyle("Learners"),
    ColumnStyle("Success rate", percent=True),
]


def test_xlsx_headers_are_labels_rates_are_percent_numbers_ids_are_names(tmp_path: Path) -> None:
    rendered = render_report(
        "xlsx",
        STYLED_COLUMNS,
        iter(STYLED_ROWS),
        CONTEXT,
        tmp_path,
        "styled",
        column_styles=STYLES,
    )
    sheet = openpyxl.load_workbook(rendered.path)["Data"]
    assert [c.value for c in sheet[1]] == ["Workspace", "Learners", "Success rate"]
    assert [c.value for c in sheet[2]] == ["Acme Logistics", 12, 0.8125]
    assert [c.value for c in sheet[3]] == ["ws_zz", 3, 0.5]  # an id without a name stays
    assert sheet["C2"].number_format == "0.0%" and sheet["C3"].number_format == "0.0%"
    assert isinstance(sheet["C2"].value, float)
    assert sheet["B2"].number_format == "General"


def test_pdf_headers_are_labels_rates_are_percentages_ids_are_names(tmp_path: Path) -> None:
    context = with_chart("bar", "workspace_id", ("success_rate",))
    rendered = render_report(
        "pdf",
        STYLED_COLUMNS,
        iter(STYLED_ROWS),
        context,
        tmp_path,
        "styled",
        column_styles=STYLES,
    )
    lines = [line.strip() for page in pdf_lines(rendered.path) for line in page]
    header = lines.index("Learners") - 1
    assert lines[header : header + 3] == ["Workspace", "Learners", "Success rate"]
    assert "count_distinct_user_id" not in lines and "success_rate" not in lines
    assert lines[lines.index("Acme Logistics") : lines.index("Acme Logistics") + 3] == [
        "Acme Logistics",
        "12",
        "81.3%",
    ]
    assert lines[lines.index("ws_zz") : lines.index("ws_zz") + 3] == ["ws_zz", "3", "50.0%"]


def test_chart_uses_labels_and_names() -> None:
    data = ChartData(
        ChartSpec("bar", "workspace_id", ("success_rate",)), STYLED_COLUMNS, styles=STYLES
    )
    for row in STYLED_ROWS:
        data.add(row)
    assert data.title() == "Success rate by Workspace"
    assert [p[0] for p in data.points] == ["Acme Logistics", "ws_zz", "Acme Logistics"]
    assert data.render_png()


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "json", "csv"])
def test_an_empty_period_says_no_data(tmp_path: Path, fmt: str) -> None:
    rendered = render_report(
        fmt, STYLED_COLUMNS, iter([]), CONTEXT, tmp_path, "empty", column_styles=STYLES
    )
    message = "No data for 2026-01-01 to 2026-01-31."
    if fmt == "pdf":
        assert message in " ".join(pdf_lines(rendered.path)[0])
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(rendered.path)["Data"]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert rows == [["Workspace", "Learners", "Success rate"], [message, None, None]]
    elif fmt == "json":
        doc = json.loads(rendered.path.read_text())
        assert (doc["columns"], doc["rows"], doc["record_count"]) == (STYLED_COLUMNS, [], 0)
        assert doc["note"] == message
    else:  # CSV: raw names, just the header
        assert rendered.path.read_bytes() == b"workspace_id,count_distinct_user_id,success_rate\r\n"


def test_csv_and_json_keep_raw_names_and_values_whatever_the_styles(tmp_path: Path) -> None:
    csv_file = render_report(
        "csv", STYLED_COLUMNS, iter(STYLED_ROWS), CONTEXT, tmp_path, "raw", column_styles=STYLES
    )
    assert csv_file.path.read_text().splitlines()[:2] == [
        "workspace_id,count_distinct_user_id,success_rate",
        "ws_a,12,0.8125",
    ]
    json_file = render_report(
        "json", STYLED_COLUMNS, iter(STYLED_ROWS), CONTEXT, tmp_path, "raw", column_styles=STYLES
    )
    doc = json.loads(json_file.path.read_text(), parse_float=Decimal)
    assert doc["columns"] == STYLED_COLUMNS and doc["rows"][0] == ["ws_a", 12, Decimal("0.8125")]

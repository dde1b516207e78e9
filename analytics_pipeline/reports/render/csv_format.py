"""CSV: RFC 4180 (comma, CRLF, minimal quoting), UTF-8 without BOM, streamed.

The header row holds the column names. Rows are encoded in batches, so memory
stays constant however large the result; NULL is an empty field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from analytics_pipeline.reports.render.atomic import AtomicFile
from analytics_pipeline.reports.render.values import csv_row

_BATCH_ROWS = 2000


def write_csv(columns: Sequence[str], rows: Iterable[Sequence], out: AtomicFile) -> int:
    """Write the header and every row to ``out``; return the number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(csv_row(row))
        count += 1
        if count % _BATCH_ROWS == 0:
            _flush(buffer, out)
    _flush(buffer, out)
    return count


def _flush(buffer: io.StringIO, out: AtomicFile) -> None:
    out.write(buffer.getvalue().encode("utf-8"))
    buffer.seek(0)
    buffer.truncate()

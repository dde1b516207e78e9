"""JSON: one object, streamed row by row.

Layout (keys in this order; one row per line)::

    {"metadata": {...},
     "columns": ["day", "workspace_id", ...],
     "rows": [
    ["2026-01-01", "ws_1", 12.50, null],
    ...
    ],
     "record_count": 2}

Without rows, ``"rows": []`` and a last key ``"note"`` says so
(``"No data for 2026-09-01 to 2026-09-30."``).

Rows are arrays aligned with ``columns``. The row count is only known once the
stream ends, so ``record_count`` is the last key rather than part of the
metadata written first. Decimal values are JSON numbers with their exact digits
(parse with ``json.loads(text, parse_float=Decimal)`` to keep them exact).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from analytics_pipeline.reports.render.atomic import AtomicFile
from analytics_pipeline.reports.render.values import json_text

_BATCH_ROWS = 2000


def write_json(
    columns: Sequence[str],
    rows: Iterable[Sequence],
    metadata: Mapping[str, object],
    out: AtomicFile,
    *,
    no_data: str = "No data.",
) -> int:
    """Write the document to ``out``; return the number of rows."""
    out.write(
        (
            f'{{"metadata": {json_text(dict(metadata))},\n'
            f' "columns": {json_text(list(columns))},\n'
            ' "rows": ['
        ).encode()
    )
    parts: list[str] = []
    count = 0
    for row in rows:
        parts.append(("\n[" if count == 0 else ",\n[") + ",".join(map(json_text, row)) + "]")
        count += 1
        if count % _BATCH_ROWS == 0:
            out.write("".join(parts).encode())
            parts.clear()
    if count:
        parts.append(f'\n],\n "record_count": {count}}}\n')
    else:
        parts.append(f'],\n "record_count": 0,\n "note": {json_text(no_data)}}}\n')
    out.write("".join(parts).encode())
    return count

"""The bad-row kind a quarantine reason names, and the check that a real
ingest of a generated pack quarantines exactly the bad rows the generator
wrote (shared by the packs' sample tests)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from analytics_pipeline import warehouse
from analytics_pipeline.ingest import ingest_files

# Quarantine reason -> bad row kind, most specific first.
REASONS = (
    ("extended_json", "malformed Extended JSON"),
    ("non_finite", r"value (-?Infinity|NaN) does not parse"),
    ("json_array_element", r": element \d+"),
    ("range_when", r"is outside .* when survey_type"),
    ("required_missing", "required value is missing"),
    ("required_null", "required value is null"),
    ("invalid_json", "is not valid JSON"),
    ("not_object", "JSON but not an object"),
    ("csv_field_count", "CSV row has"),
    ("csv_unparseable", "not valid CSV"),
    ("text_too_long", "text longer than"),
    ("ts_out_of_range", "is outside 1970..2100"),
    ("type_ts", "ISO 8601 timestamp"),
    ("type_date", "is not an ISO 8601 date"),
    ("type_int", "does not parse as an integer"),
    ("type_numeric", "does not parse as a number"),
    ("type_bool", "does not parse as a boolean"),
    ("json_not_array", "not an array"),
    ("json_not_object", "not an object"),
    ("enum", "is not one of"),
    ("bound", "(below the minimum|above the maximum)"),
    ("order", r"^rule \w+ >= \w+: broken$"),
)


def reason_kind(reason: str) -> str:
    return next(kind for kind, pattern in REASONS if re.search(pattern, reason))


def assert_ingest_quarantines_exactly_the_bad_rows(sources: Sequence[str], summary) -> None:
    """Ingest every file of `sources` of a GenerationSummary into the (fresh)
    warehouse: each source loads its valid rows, and its quarantine holds its
    bad rows, kind by kind."""
    for source in sources:
        results = ingest_files(source, summary.files[source])
        assert sum(r.rows_read for r in results) == summary.rows_written[source], source
        assert sum(r.rows_loaded for r in results) == summary.valid_rows(source), source
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute("select source, reason from raw._quarantine")
        quarantined = cur.fetchall()
    by_source: dict[str, Counter[str]] = {source: Counter() for source in sources}
    for source, reason in quarantined:
        by_source[source][reason_kind(reason)] += 1
    for source in sources:
        assert dict(by_source[source]) == summary.bad_rows[source], source

"""Row counts and small previews of tables, attached to their materializations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import dagster as dg

from analytics_pipeline import warehouse
from analytics_pipeline.dbt.translator import PUBLISHED_GROUPS

PREVIEW_ROWS = 10


def table_preview_markdown(schema: str, table: str, rows: int = PREVIEW_ROWS) -> str:
    """The first `rows` rows of a table as a markdown table."""
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(f'select * from "{schema}"."{table}" limit %s', (rows,))
        names = [d.name for d in cur.description]
        body = cur.fetchall()
    return markdown_table(names, body)


def markdown_table(names: Iterable[str], rows: Iterable[Iterable]) -> str:
    """Column names and rows as a markdown table (cells cut to 60 characters)."""
    names = list(names)
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for row in rows:
        cells = ("" if v is None else str(v).replace("|", "\\|")[:60] for v in row)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table_row_count(schema: str, table: str) -> int:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(f'select count(*) from "{schema}"."{table}"')
        return cur.fetchone()[0]


def with_table_metadata(events: Iterable, context: dg.AssetExecutionContext) -> Iterator:
    """Pass dbt events through, adding the table's row count to every output and
    a preview to outputs of published tables.

    The row count is read through the warehouse connection from the asset key
    (schema, table): dagster-dbt's own count uses the manifest's relation name,
    which carries the database name seen at parse time.
    """
    for event in events:
        if isinstance(event, dg.Output):
            key = context.asset_key_for_output(event.output_name)
            if len(key.path) == 2:
                extra = {"dagster/row_count": table_row_count(*key.path)}
                if context.assets_def.group_names_by_key.get(key) in PUBLISHED_GROUPS:
                    extra["preview"] = dg.MetadataValue.md(table_preview_markdown(*key.path))
                event = event.with_metadata({**event.metadata, **extra})
        yield event

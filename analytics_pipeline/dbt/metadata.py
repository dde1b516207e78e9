"""The metadata a dbt run attaches to each table it built: row count, and for
published tables a preview of the rows of the partition just built."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import dagster as dg

from analytics_pipeline.warehouse.previews import Preview, table_preview_markdown, table_row_count
from analytics_pipeline.warehouse.provision import PUBLISHED_SCHEMA


def partition_days(context: dg.AssetExecutionContext) -> tuple[dt.date, dt.date] | None:
    """First and last day of the run's partition range (None when unpartitioned)."""
    if context.assets_def.partitions_def is None:
        return None
    window = context.partition_time_window
    return window.start.date(), (window.end - dt.timedelta(microseconds=1)).date()


def dbt_preview(context: dg.AssetExecutionContext, key: dg.AssetKey) -> Preview:
    """The rows of a dbt model the run built: its partition column (translator
    metadata) within the run's partition days, or within its exact partition
    time window (`partition_time_window`, e.g. the hours of an hourly run)."""
    metadata = context.assets_def.specs_by_key[key].metadata
    schema, table = metadata["table"].split(".")
    partitioned = context.assets_def.partitions_def is not None
    exact = partitioned and bool(metadata.get("partition_time_window"))
    window = context.partition_time_window if exact else None
    return Preview(
        schema,
        table,
        date_column=metadata.get("partition_column"),
        end_column=metadata.get("partition_end_column"),
        days=None if exact else partition_days(context),
        window=(window.start, window.end) if window else None,
        json_column=metadata.get("preview_json_column"),
    )


def with_table_metadata(events: Iterable, context: dg.AssetExecutionContext) -> Iterator:
    """Pass dbt events through, adding the table's row count to every output and
    a preview to outputs of published tables (schema analytics).

    The row count is read through the warehouse connection from the `table`
    metadata (schema.table, set by the translator): dagster-dbt's own count uses
    the manifest's relation name, which carries the database name seen at
    parse time.
    """
    for event in events:
        if isinstance(event, dg.Output):
            key = context.asset_key_for_output(event.output_name)
            table = context.assets_def.specs_by_key[key].metadata.get("table")
            if table:
                extra = {"dagster/row_count": table_row_count(*table.split("."))}
                if table.split(".")[0] == PUBLISHED_SCHEMA:
                    preview = dbt_preview(context, key)
                    extra["preview"] = dg.MetadataValue.md(table_preview_markdown(preview))
                event = event.with_metadata({**event.metadata, **extra})
        yield event

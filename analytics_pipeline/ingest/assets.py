"""Raw landing tables as Dagster assets (group `raw`): materializing one
ingests the files waiting in its landing folder (or the files given in config)
and, for the hospital pack's sources, the table's changes extracted from the
hospital's operational database when one is configured.

Each file loads on its own: a file that fails is logged, recorded in
`raw._ingest_failures` and fails the step after the other files loaded. The
asset materializes only when a file loaded rows, so a run that found nothing new
does not make downstream assets look out of date; a run that only recorded
empty files (no rows) reports them in an observation of the asset instead."""

# No `from __future__ import annotations`: Dagster reads the config annotation at runtime.
from pathlib import Path

import dagster as dg

from analytics_pipeline import groups, warehouse
from analytics_pipeline.ingest.contract import SOURCES, Source
from analytics_pipeline.ingest.extract.hospital import HOSPITAL_TABLES, extracts_dir
from analytics_pipeline.ingest.extract.postgres import open_source
from analytics_pipeline.ingest.extract.runner import extract_table
from analytics_pipeline.ingest.landing import landed_files
from analytics_pipeline.ingest.ledger import record_failures
from analytics_pipeline.ingest.loader import IngestFailure, IngestResult, ingest_files
from analytics_pipeline.ingest.schema import BATCHES_TABLE, QUARANTINE_TABLE, raw_table
from analytics_pipeline.settings import get_settings

# The step failure names this many failed files; its metadata lists them all.
_NAMED_FAILURES = 10
# Sources whose rows also come from their pack's operational database
# (settings.hospital_database_url), besides landing files.
EXTRACTED = {spec.source: spec for spec in HOSPITAL_TABLES}


def raw_asset_key(source: str) -> dg.AssetKey:
    return dg.AssetKey([groups.RAW, source])


class RawIngestConfig(dg.Config):
    files: list[str] = []
    """Files to ingest; empty means every file in the source's landing folder."""


def _table_counts(source: Source) -> tuple[int, int, int]:
    """(rows in the raw table, rows of the source in quarantine, batches) right now."""
    with warehouse.connect(warehouse.Role.LOADER) as conn, conn.cursor() as cur:
        cur.execute(
            f"""select (select count(*) from {raw_table(source)}),
                       (select count(*) from {QUARANTINE_TABLE} where source = %s),
                       (select count(*) from {BATCHES_TABLE} where source = %s)""",
            (source.name, source.name),
        )
        return cur.fetchone()


def _extracted(source: Source, say) -> list[IngestResult]:
    """The batch of `source`'s table extracted from its pack's operational
    database since the last extraction (none when the source is not extracted
    or no database is configured)."""
    spec = EXTRACTED.get(source.name)
    url = get_settings().hospital_database_url
    if spec is None or url is None:
        return []
    conn = open_source(url)
    try:
        result = extract_table(conn, spec, extracts_dir() / source.pack, say=say)
    finally:
        conn.close()
    return [result.ingest] if result.ingest else []


def _build_raw_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(source.name),
        group_name=groups.RAW,
        description=f"raw.{source.name}: {source.description} Landed by COPY from contract "
        f"files; invalid rows go to raw._quarantine.",
        kinds={"postgres", "python"},
        metadata={"table": f"raw.{source.name}"},
        # Materialized only when a file loaded (the function yields nothing otherwise).
        output_required=False,
    )
    def raw_table_asset(context: dg.AssetExecutionContext, config: RawIngestConfig):
        paths = [Path(f) for f in config.files] or landed_files(source.name)
        failures: list[IngestFailure] = []

        def failed(failure: IngestFailure) -> None:
            failures.append(failure)
            context.log.error(f"failed {failure.file}: {failure.reason}")

        results = ingest_files(
            source.name,
            paths,
            progress=lambda r: context.log.info(
                f"{r.status} {r.file}: read {r.rows_read}, loaded {r.rows_loaded}, "
                f"quarantined {r.rows_quarantined}"
            ),
            on_failure=failed,
        )
        record_failures(failures)
        results += _extracted(source, context.log.info)
        loaded = [r for r in results if r.status == "loaded"]
        empty = [r for r in results if r.status == "empty"]
        if loaded:
            table_rows, quarantined_total, batches = _table_counts(source)
            yield dg.MaterializeResult(
                metadata={
                    "files_loaded": len(loaded),
                    "files_empty": len(empty),
                    "files_skipped": len(results) - len(loaded) - len(empty),
                    "files_failed": len(failures),
                    "rows_read": sum(r.rows_read for r in loaded),
                    "rows_loaded": sum(r.rows_loaded for r in loaded),
                    "rows_quarantined": sum(r.rows_quarantined for r in loaded),
                    "dagster/row_count": table_rows,
                    "quarantined_rows_total": quarantined_total,
                    "batches_total": batches,
                    "files": dg.MetadataValue.json([r.as_dict() for r in results]),
                    "failures": dg.MetadataValue.json([f.as_dict() for f in failures]),
                }
            )
        else:
            context.log.info(
                f"nothing new loaded ({len(results) - len(empty)} files already ingested, "
                f"{len(empty)} empty, {len(failures)} failed): raw.{source.name} is not "
                "materialized"
            )
        if empty and not loaded:
            context.log_event(
                dg.AssetObservation(
                    asset_key=raw_asset_key(source.name),
                    metadata={
                        "files_empty": len(empty),
                        "files": dg.MetadataValue.json([r.as_dict() for r in results]),
                    },
                )
            )
        if failures:
            named = "; ".join(f"{f.file}: {f.reason}" for f in failures[:_NAMED_FAILURES])
            more = len(failures) - _NAMED_FAILURES
            raise dg.Failure(
                description=f"{len(failures)} of {len(paths)} files failed to load: {named}"
                + (f"; and {more} more (see the metadata)" if more > 0 else ""),
                metadata={
                    "files_loaded": len(loaded),
                    "files_failed": len(failures),
                    "failures": dg.MetadataValue.json([f.as_dict() for f in failures]),
                },
            )

    return raw_table_asset


raw_assets = [_build_raw_asset(source) for source in SOURCES.values()]

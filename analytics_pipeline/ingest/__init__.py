"""Ingestion: contract, validation, bulk load and quarantine."""

from analytics_pipeline.ingest.loader import IngestResult, ingest_files

__all__ = ["IngestResult", "ingest_files"]

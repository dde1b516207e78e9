"""Ingestion: contract, validation, bulk load and quarantine."""

from analytics_pipeline.ingest.loader import IngestError, IngestResult, ingest_files

__all__ = ["IngestError", "IngestResult", "ingest_files"]

"""Ingestion: contract, validation, bulk load and quarantine."""

from analytics_pipeline.ingest.loader import IngestError, IngestFailure, IngestResult, ingest_files

__all__ = ["IngestError", "IngestFailure", "IngestResult", "ingest_files"]

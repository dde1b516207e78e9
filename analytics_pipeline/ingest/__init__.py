"""Ingestion: contract, validation, bulk load and quarantine."""

from analytics_pipeline.ingest.loader import IngestFailure, IngestResult, ingest_files

__all__ = ["IngestFailure", "IngestResult", "ingest_files"]

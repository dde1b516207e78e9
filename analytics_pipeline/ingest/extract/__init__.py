"""Incremental extraction from operational databases (a domain pack's own
PostgreSQL): each table read by (updated_at, id) from a stored cursor,
each extracted batch ingested like a contract file (validation, quarantine,
lineage, ledger)."""

"""An independent pandas reference ("oracle") of the published activity and agent
numbers, computed straight from the raw contract files of a dataset.

Written from shared/CONTRACT.md and shared/METRICS.md only: it imports nothing of
the project's ingest, validation or dbt code, so the marts can be compared with it.
"""

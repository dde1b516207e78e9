"""An independent pandas reference ("oracle") of the published numbers (activity and
agents, learning, the HR platform pack, the quality management pack), computed
straight from the raw contract files of a dataset; for the hospital pack, straight
from the hospital's operational database (`hospital`), with the small-cell rule
checked by `small_cells`.

Written from the contract and metric definitions only (shared/CONTRACT.md,
shared/METRICS.md, docs/contract.md and docs/metrics.md for the HR, hospital and
QMS packs): it imports nothing of the project's ingest, validation or dbt code, so
the marts can be compared with it.
"""

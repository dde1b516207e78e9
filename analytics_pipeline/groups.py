"""The Dagster groups: one per layer, and the first part of every asset key
(`<group>/<table>`). Every module names a group through these constants."""

RAW = "raw"
STAGING = "staging"
INTERMEDIATE = "intermediate"
AGGREGATES = "aggregates"
MARTS = "marts"
LEARNING = "learning"
SNAPSHOTS = "snapshots"
REPORTS = "reports"
DASHBOARDS = "dashboards"
# A domain pack: every layer of the HR platform pack, as one group.
HR = "hr"
# The hospital operations pack: its dbt models (staging, live facts, exact
# figures, published tables) and the small-cell rule, as one group; its raw
# sources stay in `raw`.
HOSPITAL = "hospital"
# The quality management pack: every layer of its dbt models, as one group.
QMS = "qms"
# Upkeep of the warehouse itself: retention (maintenance/).
MAINTENANCE = "maintenance"

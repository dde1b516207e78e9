"""dbt-score rule filters of the project (`[tool.dbt-score]` in pyproject.toml).

dbt-score loads every filter defined here (the module is listed in
`rule_namespaces`); a rule applies a filter when its configuration names it in
`rule_filter_names`. Imports dbt_score only: dbt-score imports this module.
"""

# No `from __future__ import annotations`: dbt-score reads the annotation at runtime.

from dbt_score import Model, rule_filter

# The schema of the published tables (models/aggregates and models/marts),
# the tables analysts query and read the dbt docs of.
PUBLISHED_SCHEMA = "analytics"


@rule_filter
def is_published(model: Model) -> bool:
    """Models published to analysts (schema analytics: aggregates and marts)."""
    return model.schema == PUBLISHED_SCHEMA

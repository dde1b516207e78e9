"""The hospital pack's source: the hospital's own operational PostgreSQL
database (operational_schema.sql), generated and changed over time."""

from .operational import BROKEN_PER_RULE, apply_changes, create_schema, fill, is_empty

__all__ = ["BROKEN_PER_RULE", "apply_changes", "create_schema", "fill", "is_empty"]

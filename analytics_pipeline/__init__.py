"""analytics_pipeline: raw platform events to trustworthy analytics tables on PostgreSQL."""

__version__ = "0.1.0"

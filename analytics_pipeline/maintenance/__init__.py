"""Upkeep of the warehouse: retention of raw, published and quarantined rows
(retention*.py) and the month partitions of the raw event tables it drops."""

"""Maintenance of the warehouse: jobs that keep its data lawful and lean (erasure of
deleted users: erasure*.py; retention of raw, published and quarantined rows and
the month partitions of the raw event tables: retention*.py, partitions)."""

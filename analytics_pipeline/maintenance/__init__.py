"""Maintenance of the warehouse: jobs that keep its data lawful and lean."""

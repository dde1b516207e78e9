"""Reports: definitions, schedules and safe queries over the published tables."""
